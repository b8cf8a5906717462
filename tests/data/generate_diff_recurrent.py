"""Writes tests/data/rnn_time_major_references.npz: tf.keras 2 recurrent layers with `time_major=True`.

Run with a Python that has TensorFlow 2.15 or older (tf.keras 2), from the repository root:

    TF_CPP_MIN_LOG_LEVEL=3 python tests/data/generate_diff_recurrent.py

Every case stores `<case>/config` (JSON: class name, constructor arguments, and for Bidirectional the
wrapped layer), `<case>/x` (`(timesteps, batch, features)`), optionally `<case>/mask`
(`(timesteps, batch)`), `<case>/w<i>` (weights, Keras layout and order, set before the call) and
`<case>/y<i>` (the outputs: the output, then the states with `return_state`).
Not imported by the tests.
"""

import json

import numpy as np
import tensorflow as tf
from tensorflow import keras

assert tf.__version__ < "2.16", "tf.keras 2 is needed (TensorFlow <= 2.15)"

CASES = [
    ("lstm_sequences", "LSTM", dict(units=3, time_major=True, return_sequences=True), False),
    ("lstm_last", "LSTM", dict(units=3, time_major=True), False),
    (
        "gru_state_backwards",
        "GRU",
        dict(units=3, time_major=True, return_sequences=True, return_state=True, go_backwards=True),
        False,
    ),
    ("gru_reset_before", "GRU", dict(units=2, time_major=True, reset_after=False, return_sequences=True), False),
    ("simple_rnn_masked", "SimpleRNN", dict(units=2, time_major=True, return_sequences=True), True),
    ("lstm_masked_last", "LSTM", dict(units=2, time_major=True, return_state=True), True),
    (
        "bidirectional_concat",
        "Bidirectional",
        dict(layer=("LSTM", dict(units=2, time_major=True, return_sequences=True))),
        False,
    ),
    (
        "bidirectional_sum_last",
        "Bidirectional",
        dict(layer=("GRU", dict(units=2, time_major=True)), merge_mode="sum"),
        True,
    ),
]


def make(class_name, kwargs):
    kwargs = dict(kwargs)
    if "layer" in kwargs:
        inner_class, inner_kwargs = kwargs["layer"]
        kwargs["layer"] = getattr(keras.layers, inner_class)(**inner_kwargs)
    return getattr(keras.layers, class_name)(**kwargs)


def main():
    arrays = {}
    for name, class_name, kwargs, masked in CASES:
        rng = np.random.RandomState(7)
        layer = make(class_name, kwargs)
        x = rng.randn(5, 3, 4).astype("float32")
        call = {}
        if masked:
            mask = np.ones((5, 3), dtype=bool)
            mask[3:, 0] = False
            mask[4:, 2] = False
            call["mask"] = tf.constant(mask)
            arrays[f"{name}/mask"] = mask
        layer(x, **call)
        weights = [(rng.randn(*w.shape) * 0.5).astype("float32") for w in layer.get_weights()]
        layer.set_weights(weights)
        outputs = layer(x, **call)
        outputs = outputs if isinstance(outputs, list) else [outputs]
        arrays[f"{name}/config"] = np.array(json.dumps({"class_name": class_name, "config": kwargs}))
        arrays[f"{name}/x"] = x
        for i, w in enumerate(weights):
            arrays[f"{name}/w{i}"] = w
        for i, y in enumerate(outputs):
            arrays[f"{name}/y{i}"] = y.numpy()
    np.savez_compressed("tests/data/rnn_time_major_references.npz", **arrays)


if __name__ == "__main__":
    main()
