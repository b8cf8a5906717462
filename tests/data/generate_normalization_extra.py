"""Writes tests/data/normalization_extra_references.npz and group_norm_tfk2.h5 from tf.keras 2.15.

Run with a Python that has TensorFlow 2.15 (tf.keras 2), from the repository root:

    TF_CPP_MIN_LOG_LEVEL=3 python tests/data/generate_normalization_extra.py

Every case stores `<case>/config` (JSON: class name and constructor arguments), `<case>/x`,
`<case>/w<i>` (weights, Keras layout and order), optionally `<case>/mask`, `<case>/y` (output) and
`<case>/grad_x` (gradient of sum(y * cos(arange)) with respect to x). `group_norm_tfk2.h5` is a
Sequential model (GroupNormalization, UnitNormalization, Identity, Dense) with `h5_model/x` and
`h5_model/y`. Not imported by the tests.
"""

import json
import os

import numpy as np
import tensorflow as tf
from tensorflow import keras

assert tf.__version__ < "2.16", "tf.keras 2 is needed (TensorFlow <= 2.15)"

HERE = os.path.dirname(os.path.abspath(__file__))

CASES = [
    # name, class, kwargs, input shape, mask shape
    ("identity", "Identity", dict(), (2, 3), None),
    ("unit_last", "UnitNormalization", dict(), (3, 4), None),
    ("unit_axes", "UnitNormalization", dict(axis=[1, 2]), (2, 3, 4), None),
    ("unit_axis1", "UnitNormalization", dict(axis=1), (2, 3, 2), None),
    ("group_last", "GroupNormalization", dict(groups=2), (2, 3, 3, 4), None),
    ("group_axis1", "GroupNormalization", dict(groups=3, axis=1, epsilon=1e-5), (2, 6, 5), None),
    ("group_axis2", "GroupNormalization", dict(groups=2, axis=2), (2, 3, 4, 2), None),
    ("group_all", "GroupNormalization", dict(groups=-1), (2, 5, 3), None),
    ("group_one", "GroupNormalization", dict(groups=1, epsilon=0.1), (3, 4), None),
    ("group_no_center", "GroupNormalization", dict(groups=2, center=False), (2, 4, 4), None),
    ("group_no_scale", "GroupNormalization", dict(groups=4, scale=False), (2, 3, 4), None),
    ("group_mask", "GroupNormalization", dict(groups=2), (2, 5, 4), (2, 5, 1)),
]


def main():
    rng = np.random.RandomState(7)
    arrays = {}
    for name, class_name, kwargs, shape, mask_shape in CASES:
        x = (rng.normal(size=shape) * 1.5 + 0.3).astype("float32")
        layer = getattr(keras.layers, class_name)(**kwargs)
        layer.build(shape)
        weights = [rng.uniform(0.5, 1.5, size=w.shape).astype("float32") for w in layer.get_weights()]
        layer.set_weights(weights)
        call_kwargs = {}
        if mask_shape is not None:
            mask = rng.uniform(size=mask_shape) > 0.3
            mask[:, 0] = True
            arrays[f"{name}/mask"] = mask
            call_kwargs["mask"] = tf.constant(mask)
        tx = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(tx)
            y = layer(tx, **call_kwargs)
            loss = tf.reduce_sum(y * tf.cos(tf.reshape(tf.range(tf.size(y), dtype=tf.float32), tf.shape(y))))
        arrays[f"{name}/config"] = json.dumps({"class_name": class_name, "config": kwargs})
        arrays[f"{name}/x"] = x
        arrays[f"{name}/y"] = y.numpy()
        arrays[f"{name}/grad_x"] = tape.gradient(loss, tx).numpy()
        for index, weight in enumerate(weights):
            arrays[f"{name}/w{index}"] = weight

    model = keras.Sequential(
        [
            keras.Input((4, 6)),
            keras.layers.GroupNormalization(groups=3, name="group"),
            keras.layers.UnitNormalization(name="unit"),
            keras.layers.Identity(name="identity"),
            keras.layers.Dense(2, name="dense"),
        ]
    )
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    x = rng.normal(size=(3, 4, 6)).astype("float32")
    arrays["h5_model/x"] = x
    arrays["h5_model/y"] = model.predict(x, verbose=0)
    model.save(os.path.join(HERE, "group_norm_tfk2.h5"))
    np.savez_compressed(os.path.join(HERE, "normalization_extra_references.npz"), **arrays)


if __name__ == "__main__":
    main()
