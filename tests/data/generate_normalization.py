"""Writes tests/data/norm_references.npz: tf.keras 2 BatchNormalization and LayerNormalization outputs.

Run with a Python that has TensorFlow 2.15 or older (tf.keras 2, the behaviour kerastorch
reproduces; its fused BatchNormalization kernel, used for 4D/5D inputs, updates the moving
variance with the unbiased batch variance, Keras 3 with the biased one), from the repository root:

    TF_CPP_MIN_LOG_LEVEL=3 python tests/data/generate_normalization.py

Every case stores `<case>/config` (JSON: class name and constructor arguments), `<case>/x`,
`<case>/w<i>` (initial weights, Keras layout and order), optionally `<case>/mask`, and
  * `<case>/y_infer`: output with training=False,
  * `<case>/y_train`: output with training=True (BatchNormalization only),
  * `<case>/w<i>_after`: weights after that one training call (moving statistics updated),
  * `<case>/y_frozen` and `<case>/w<i>_frozen`: with `trainable=False` and training=True (tf.keras 2
    runs a frozen BatchNormalization in inference mode and leaves its statistics alone).
Not imported by the tests.
"""

import json
import os

import numpy as np
import tensorflow as tf
from tensorflow import keras

assert tf.__version__ < "2.16", "tf.keras 2 is needed (TensorFlow <= 2.15)"

BN_CASES = [
    # name, kwargs, input shape, mask
    ("bn_2d", dict(), (6, 3), False),
    ("bn_2d_momentum", dict(momentum=0.9, epsilon=0.01), (5, 4), False),
    ("bn_3d_last", dict(), (3, 4, 2), False),
    ("bn_3d_axis1", dict(axis=1), (3, 2, 4), False),
    ("bn_4d_last", dict(momentum=0.8), (2, 3, 3, 2), False),
    ("bn_4d_axis1", dict(axis=1, momentum=0.7), (2, 3, 2, 3), False),
    ("bn_4d_axis2", dict(axis=2, momentum=0.7), (2, 3, 2, 3), False),
    ("bn_4d_axes13", dict(axis=[1, 3], momentum=0.5), (3, 2, 2, 3), False),
    ("bn_5d_last", dict(momentum=0.6), (2, 2, 2, 3, 2), False),
    ("bn_5d_axis1", dict(axis=1, momentum=0.6), (2, 2, 2, 3, 2), False),
    ("bn_no_center", dict(center=False, momentum=0.5), (4, 3), False),
    ("bn_no_scale", dict(scale=False, momentum=0.5), (2, 3, 3, 2), False),
    ("bn_3d_mask", dict(momentum=0.5), (3, 5, 2), True),
]

LN_CASES = [
    ("ln_2d", dict(), (3, 5)),
    ("ln_3d", dict(), (2, 3, 4)),
    ("ln_3d_axes12", dict(axis=[1, 2]), (2, 3, 4)),
    ("ln_3d_axes21", dict(axis=[2, 1]), (2, 3, 4)),
    ("ln_3d_axis1", dict(axis=1), (2, 3, 4)),
    ("ln_4d_axes13", dict(axis=(1, 3), epsilon=1e-5), (2, 3, 2, 4)),
    ("ln_no_center", dict(center=False, epsilon=0.1), (2, 6)),
    ("ln_no_scale", dict(scale=False), (2, 6)),
]


def bn_weights(rng, layer):
    values = []
    for weight in layer.weights:
        name = weight.name.split("/")[-1].split(":")[0]
        if name in ("gamma", "moving_variance"):
            values.append(rng.uniform(0.5, 1.5, size=weight.shape).astype("float32"))
        else:
            values.append(rng.uniform(-0.5, 0.5, size=weight.shape).astype("float32"))
    return values


def main():
    rng = np.random.RandomState(2024)
    arrays = {}
    for name, kwargs, input_shape, with_mask in BN_CASES:
        x = (rng.normal(size=input_shape) * 2.0 + 0.7).astype("float32")
        call_kwargs = {}
        if with_mask:
            lengths = rng.randint(2, input_shape[1] + 1, size=input_shape[0])
            mask = np.arange(input_shape[1])[None, :] < lengths[:, None]
            arrays[f"{name}/mask"] = mask
            call_kwargs["mask"] = tf.constant(mask)
        layer = keras.layers.BatchNormalization(**kwargs)
        layer.build(input_shape)
        weights = bn_weights(rng, layer)
        layer.set_weights(weights)
        arrays[f"{name}/y_infer"] = layer(tf.constant(x), training=False, **call_kwargs).numpy()
        arrays[f"{name}/y_train"] = layer(tf.constant(x), training=True, **call_kwargs).numpy()
        for index, value in enumerate(layer.get_weights()):
            arrays[f"{name}/w{index}_after"] = value
        frozen = keras.layers.BatchNormalization(**kwargs)
        frozen.build(input_shape)
        frozen.set_weights(weights)
        frozen.trainable = False
        arrays[f"{name}/y_frozen"] = frozen(tf.constant(x), training=True, **call_kwargs).numpy()
        for index, value in enumerate(frozen.get_weights()):
            arrays[f"{name}/w{index}_frozen"] = value
        arrays[f"{name}/config"] = np.array(json.dumps({"class_name": "BatchNormalization", "config": kwargs}))
        arrays[f"{name}/x"] = x
        for index, value in enumerate(weights):
            arrays[f"{name}/w{index}"] = value
    for name, kwargs, input_shape in LN_CASES:
        x = (rng.normal(size=input_shape) * 1.5 - 0.3).astype("float32")
        layer = keras.layers.LayerNormalization(**kwargs)
        layer.build(input_shape)
        weights = [rng.uniform(0.5, 1.5, size=w.shape).astype("float32") for w in layer.get_weights()]
        layer.set_weights(weights)
        arrays[f"{name}/y_infer"] = layer(tf.constant(x)).numpy()
        arrays[f"{name}/config"] = np.array(json.dumps({"class_name": "LayerNormalization", "config": kwargs}))
        arrays[f"{name}/x"] = x
        for index, value in enumerate(weights):
            arrays[f"{name}/w{index}"] = value
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "norm_references.npz")
    np.savez_compressed(path, **arrays)
    print(f"wrote {len(BN_CASES) + len(LN_CASES)} cases to {path}")


if __name__ == "__main__":
    main()
