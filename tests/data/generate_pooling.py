"""Writes tests/data/pool_references.npz: tf.keras 2 outputs of the pooling layers.

Run with a Python that has TensorFlow 2.15 or older (tf.keras 2, the behaviour kerastorch
reproduces; Keras 3's torch backend averages 'same' windows differently), from the repository root:

    TF_CPP_MIN_LOG_LEVEL=3 python tests/data/generate_pooling.py

Every case stores `<case>/config` (JSON: class name and constructor arguments), `<case>/x`,
optionally `<case>/mask`, and `<case>/y`. Not imported by the tests.
"""

import json
import os

import numpy as np
import tensorflow as tf
from tensorflow import keras

assert tf.__version__ < "2.16", "tf.keras 2 is needed (TensorFlow <= 2.15)"

CASES = [
    # name, class, kwargs, input shape, with mask
    ("max1d_valid", "MaxPooling1D", dict(), (2, 7, 3), False),
    ("max1d_same_k3_s2", "MaxPooling1D", dict(pool_size=3, strides=2, padding="same"), (2, 8, 2), False),
    ("max1d_cf_same", "MaxPooling1D", dict(pool_size=2, strides=1, padding="same", data_format="channels_first"), (1, 2, 5), False),
    ("max2d_valid", "MaxPooling2D", dict(), (2, 5, 6, 2), False),
    ("max2d_same_k3_s2", "MaxPooling2D", dict(pool_size=3, strides=2, padding="same"), (1, 8, 7, 2), False),
    ("max2d_same_even", "MaxPooling2D", dict(pool_size=(2, 4), strides=1, padding="same"), (1, 5, 6, 2), False),
    ("max2d_cf_same", "MaxPooling2D", dict(pool_size=2, padding="same", data_format="channels_first"), (1, 2, 5, 5), False),
    ("max3d_valid", "MaxPooling3D", dict(pool_size=2, strides=(1, 2, 1)), (1, 4, 4, 3, 2), False),
    ("max3d_same", "MaxPooling3D", dict(pool_size=3, strides=2, padding="same"), (1, 4, 5, 4, 2), False),
    ("avg1d_valid", "AveragePooling1D", dict(pool_size=3, strides=1), (2, 6, 2), False),
    ("avg1d_same_even", "AveragePooling1D", dict(pool_size=4, strides=1, padding="same"), (2, 6, 2), False),
    ("avg1d_cf_same_s2", "AveragePooling1D", dict(pool_size=3, strides=2, padding="same", data_format="channels_first"), (1, 2, 8), False),
    ("avg2d_valid", "AveragePooling2D", dict(), (2, 5, 6, 2), False),
    ("avg2d_same_k3_s2", "AveragePooling2D", dict(pool_size=3, strides=2, padding="same"), (1, 8, 7, 2), False),
    ("avg2d_same_k3_s1", "AveragePooling2D", dict(pool_size=3, strides=1, padding="same"), (1, 4, 5, 2), False),
    ("avg2d_same_even", "AveragePooling2D", dict(pool_size=(2, 4), strides=(1, 3), padding="same"), (1, 5, 7, 2), False),
    ("avg2d_cf_same", "AveragePooling2D", dict(pool_size=2, padding="same", data_format="channels_first"), (1, 2, 5, 5), False),
    ("avg3d_valid", "AveragePooling3D", dict(pool_size=2), (1, 4, 4, 5, 2), False),
    ("avg3d_same", "AveragePooling3D", dict(pool_size=(3, 2, 3), strides=2, padding="same"), (1, 4, 5, 4, 2), False),
    ("avg3d_cf_same", "AveragePooling3D", dict(pool_size=2, strides=1, padding="same", data_format="channels_first"), (1, 2, 3, 3, 2), False),
    ("gmax1d", "GlobalMaxPooling1D", dict(), (2, 5, 3), False),
    ("gmax1d_cf_keepdims", "GlobalMaxPooling1D", dict(data_format="channels_first", keepdims=True), (2, 3, 5), False),
    ("gavg1d", "GlobalAveragePooling1D", dict(), (2, 5, 3), False),
    ("gavg1d_mask", "GlobalAveragePooling1D", dict(), (3, 5, 2), True),
    ("gavg1d_cf_mask_keepdims", "GlobalAveragePooling1D", dict(data_format="channels_first", keepdims=True), (3, 2, 5), True),
    ("gmax2d", "GlobalMaxPooling2D", dict(), (2, 3, 4, 2), False),
    ("gavg2d_cf", "GlobalAveragePooling2D", dict(data_format="channels_first"), (2, 2, 3, 4), False),
    ("gavg2d_keepdims", "GlobalAveragePooling2D", dict(keepdims=True), (2, 3, 4, 2), False),
    ("gmax3d_cf_keepdims", "GlobalMaxPooling3D", dict(data_format="channels_first", keepdims=True), (1, 2, 3, 2, 2), False),
    ("gavg3d", "GlobalAveragePooling3D", dict(), (2, 3, 2, 2, 2), False),
]


def main():
    rng = np.random.RandomState(4321)
    arrays = {}
    for name, class_name, kwargs, input_shape, with_mask in CASES:
        layer = getattr(keras.layers, class_name)(**kwargs)
        x = rng.uniform(-1, 1, size=input_shape).astype("float32")
        if with_mask:
            steps = input_shape[1] if kwargs.get("data_format", "channels_last") == "channels_last" else input_shape[2]
            lengths = rng.randint(1, steps + 1, size=input_shape[0])
            mask = np.arange(steps)[None, :] < lengths[:, None]
            y = layer(x, mask=tf.constant(mask)).numpy()
            arrays[f"{name}/mask"] = mask
        else:
            y = layer(x).numpy()
        arrays[f"{name}/config"] = np.array(json.dumps({"class_name": class_name, "config": kwargs}))
        arrays[f"{name}/x"] = x
        arrays[f"{name}/y"] = y
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pool_references.npz")
    np.savez_compressed(path, **arrays)
    print(f"wrote {len(CASES)} cases to {path}")


if __name__ == "__main__":
    main()
