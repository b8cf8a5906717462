"""Writes tests/data/core_references.npz: tf.keras 2 outputs of the core and advanced activation layers.

Run with a Python that has TensorFlow 2.15 or older (tf.keras 2, the behaviour kerastorch
reproduces), from the repository root:

    TF_CPP_MIN_LOG_LEVEL=3 python tests/data/generate_core.py

Every case stores `<case>/config` (JSON: class name and constructor arguments), `<case>/x`,
`<case>/w<i>` (weights in Keras layout, in `get_weights()` order), optionally `<case>/mask`
(fed to the layer) and `<case>/out_mask` (the layer's compute_mask), and `<case>/y`.
Not imported by the tests.
"""

import json
import os

import numpy as np
import tensorflow as tf
from tensorflow import keras

assert tf.__version__ < "2.16", "tf.keras 2 is needed (TensorFlow <= 2.15)"

CASES = [
    # name, class, kwargs, input shape, input kind ("uniform", "masked_steps", "wide"), feed a mask
    ("dense_2d_linear", "Dense", dict(units=4), (3, 5), "uniform", False),
    ("dense_2d_relu", "Dense", dict(units=6, activation="relu"), (4, 3), "uniform", False),
    ("dense_2d_nobias_softmax", "Dense", dict(units=3, activation="softmax", use_bias=False), (2, 5), "uniform", False),
    ("dense_3d_tanh", "Dense", dict(units=4, activation="tanh"), (2, 3, 5), "uniform", False),
    ("dense_4d", "Dense", dict(units=2), (2, 2, 3, 4), "uniform", False),
    ("activation_sigmoid", "Activation", dict(activation="sigmoid"), (2, 5), "wide", False),
    ("activation_hard_sigmoid", "Activation", dict(activation="hard_sigmoid"), (2, 7), "wide", False),
    ("activation_softmax_3d", "Activation", dict(activation="softmax"), (2, 3, 4), "wide", False),
    ("activation_selu", "Activation", dict(activation="selu"), (2, 6), "wide", False),
    ("flatten_cl", "Flatten", dict(), (2, 3, 4, 2), "uniform", False),
    ("flatten_cf_4d", "Flatten", dict(data_format="channels_first"), (2, 3, 4, 2), "uniform", False),
    ("flatten_cf_3d", "Flatten", dict(data_format="channels_first"), (2, 3, 5), "uniform", False),
    ("flatten_cf_5d", "Flatten", dict(data_format="channels_first"), (2, 2, 3, 2, 2), "uniform", False),
    ("reshape_minus1", "Reshape", dict(target_shape=(-1, 2)), (2, 3, 4), "uniform", False),
    ("reshape_3d", "Reshape", dict(target_shape=(2, 3, 2)), (2, 12), "uniform", False),
    ("permute_21", "Permute", dict(dims=(2, 1)), (2, 3, 4), "uniform", False),
    ("permute_312", "Permute", dict(dims=(3, 1, 2)), (2, 3, 4, 5), "uniform", False),
    ("repeat_vector", "RepeatVector", dict(n=3), (2, 4), "uniform", False),
    ("masking", "Masking", dict(mask_value=0.0), (3, 5, 2), "masked_steps", False),
    ("masking_value", "Masking", dict(mask_value=-1.0), (2, 4, 3), "masked_steps", False),
    ("leaky_relu", "LeakyReLU", dict(alpha=0.1), (2, 6), "wide", False),
    ("leaky_relu_default", "LeakyReLU", dict(), (2, 6), "wide", False),
    ("prelu", "PReLU", dict(), (2, 3, 4), "wide", False),
    ("prelu_shared", "PReLU", dict(shared_axes=[1, 2]), (2, 3, 4, 2), "wide", False),
    ("elu", "ELU", dict(alpha=0.5), (2, 6), "wide", False),
    ("thresholded_relu", "ThresholdedReLU", dict(theta=0.5), (2, 8), "wide", False),
    ("softmax_last", "Softmax", dict(), (2, 5), "wide", False),
    ("softmax_axis1", "Softmax", dict(axis=1), (2, 3, 4), "wide", False),
    ("softmax_axes", "Softmax", dict(axis=(1, 2)), (2, 3, 4), "wide", False),
    ("softmax_mask", "Softmax", dict(), (3, 5), "wide", True),
    ("relu_default", "ReLU", dict(), (2, 7), "wide", False),
    ("relu_max6", "ReLU", dict(max_value=6.0), (2, 7), "wide", False),
    ("relu_max", "ReLU", dict(max_value=1.5), (2, 7), "wide", False),
    ("relu_slope", "ReLU", dict(negative_slope=0.2), (2, 7), "wide", False),
    ("relu_threshold", "ReLU", dict(threshold=0.5), (2, 7), "wide", False),
    ("relu_all", "ReLU", dict(max_value=2.0, negative_slope=0.3, threshold=0.5), (3, 7), "wide", False),
]


def make_input(rng, kind, shape, kwargs):
    if kind == "wide":
        return rng.uniform(-4, 4, size=shape).astype("float32")
    x = rng.uniform(-1, 1, size=shape).astype("float32")
    if kind == "masked_steps":
        value = kwargs.get("mask_value", 0.0)
        x[0, 1, :] = value
        x[1, -1, :] = value
        x[-1, 0, 0] = value  # one feature equal to the mask value does not mask the step
    return x


def main():
    rng = np.random.RandomState(1234)
    arrays = {}
    for name, class_name, kwargs, input_shape, kind, with_mask in CASES:
        layer = getattr(keras.layers, class_name)(**kwargs)
        x = make_input(rng, kind, input_shape, kwargs)
        layer.build(input_shape)
        weights = [rng.uniform(-1, 1, size=w.shape).astype("float32") for w in layer.get_weights()]
        layer.set_weights(weights)
        call_kwargs = {}
        if with_mask:
            mask = rng.uniform(size=input_shape) > 0.3
            mask[:, 0] = True
            call_kwargs["mask"] = tf.constant(mask)
            arrays[f"{name}/mask"] = mask
        y = layer(tf.constant(x), **call_kwargs)
        out_mask = layer.compute_mask(tf.constant(x), call_kwargs.get("mask"))
        if out_mask is not None:
            arrays[f"{name}/out_mask"] = np.asarray(out_mask)
        arrays[f"{name}/config"] = np.array(json.dumps({"class_name": class_name, "config": kwargs}))
        arrays[f"{name}/x"] = x
        for index, value in enumerate(weights):
            arrays[f"{name}/w{index}"] = value
        arrays[f"{name}/y"] = np.asarray(y)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "core_references.npz")
    np.savez_compressed(path, **arrays)
    print(f"wrote {len(CASES)} cases to {path}")


if __name__ == "__main__":
    main()
