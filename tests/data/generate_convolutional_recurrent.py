"""Writes tests/data/conv_lstm_references.npz and conv_lstm2d_tfk2.h5 from tf.keras 2.15.

Run with a Python that has TensorFlow 2.15 (tf.keras 2), from the repository root:

    TF_CPP_MIN_LOG_LEVEL=3 python tests/data/generate_convolutional_recurrent.py

Every case stores `<case>/config` (JSON: class name, constructor arguments, call options),
`<case>/x`, `<case>/w<i>` (weights, Keras layout and order), optionally `<case>/mask` and
`<case>/s<i>` (initial states), `<case>/y<i>` (outputs: output, then states with return_state) and
`<case>/grad_w<i>` (gradients of sum(y0 * cos(arange)) with respect to the weights).
`stateful/*` holds two consecutive batches through a stateful layer; `bidirectional/*` a
Bidirectional(ConvLSTM2D). `conv_lstm2d_tfk2.h5` is a Sequential model (ConvLSTM2D, Flatten,
Dense) with `h5_model/x` and `h5_model/y`. Not imported by the tests.
"""

import json
import os

import numpy as np
import tensorflow as tf
from tensorflow import keras

assert tf.__version__ < "2.16", "tf.keras 2 is needed (TensorFlow <= 2.15)"

HERE = os.path.dirname(os.path.abspath(__file__))

CASES = [
    # name, class, kwargs, input shape, options (mask, initial_state)
    ("2d_valid", "ConvLSTM2D", dict(filters=3, kernel_size=(2, 3)), (2, 3, 5, 6, 2), {}),
    (
        "2d_same_seq_state",
        "ConvLSTM2D",
        dict(filters=2, kernel_size=2, padding="same", return_sequences=True, return_state=True),
        (2, 4, 5, 4, 3),
        {},
    ),
    ("2d_same_strides", "ConvLSTM2D", dict(filters=2, kernel_size=3, strides=2, padding="same"), (2, 3, 7, 6, 2), {}),
    (
        "2d_dilation",
        "ConvLSTM2D",
        dict(filters=2, kernel_size=2, dilation_rate=2, return_sequences=True),
        (1, 3, 6, 6, 2),
        {},
    ),
    (
        "2d_channels_first",
        "ConvLSTM2D",
        dict(filters=3, kernel_size=3, padding="same", data_format="channels_first", return_state=True),
        (2, 3, 2, 5, 4),
        {},
    ),
    (
        "2d_mask_backwards",
        "ConvLSTM2D",
        dict(filters=2, kernel_size=3, padding="same", go_backwards=True, return_sequences=True, return_state=True),
        (3, 4, 4, 4, 2),
        {"mask": [[1, 1, 0, 1], [1, 1, 1, 0], [0, 0, 0, 0]]},
    ),
    (
        "2d_initial_state",
        "ConvLSTM2D",
        dict(filters=2, kernel_size=3, return_state=True),
        (2, 3, 5, 5, 1),
        {"initial_state": True},
    ),
    (
        "2d_activations_no_bias",
        "ConvLSTM2D",
        dict(filters=2, kernel_size=2, activation="relu", recurrent_activation="sigmoid", use_bias=False),
        (2, 3, 4, 4, 2),
        {},
    ),
    ("1d_same", "ConvLSTM1D", dict(filters=3, kernel_size=4, padding="same", return_sequences=True), (2, 4, 7, 2), {}),
    ("1d_strides", "ConvLSTM1D", dict(filters=2, kernel_size=3, strides=2), (2, 3, 9, 3), {}),
    (
        "3d_same",
        "ConvLSTM3D",
        dict(filters=2, kernel_size=(2, 3, 2), padding="same", return_state=True),
        (1, 3, 4, 3, 5, 2),
        {},
    ),
    (
        "3d_channels_first",
        "ConvLSTM3D",
        dict(filters=2, kernel_size=2, data_format="channels_first", return_sequences=True),
        (1, 2, 2, 3, 3, 4),
        {},
    ),
]


def _random_weights(layer, rng):
    return [rng.normal(0.0, 0.3, size=w.shape).astype("float32") for w in layer.get_weights()]


def _case(name, class_name, kwargs, input_shape, options, rng, out):
    layer = getattr(keras.layers, class_name)(**kwargs)
    x = rng.normal(size=input_shape).astype("float32")
    call_kwargs = {}
    if "mask" in options:
        mask = np.array(options["mask"], dtype=bool)
        out[f"{name}/mask"] = mask
        call_kwargs["mask"] = tf.constant(mask)
    layer.build(input_shape)
    weights = _random_weights(layer, rng)
    layer.set_weights(weights)
    if options.get("initial_state"):
        state_shape = layer.compute_output_shape(input_shape)[1]
        states = [rng.normal(size=state_shape).astype("float32") for _ in range(2)]
        for index, state in enumerate(states):
            out[f"{name}/s{index}"] = state
        call_kwargs["initial_state"] = [tf.constant(s) for s in states]
    with tf.GradientTape() as tape:
        outputs = layer(tf.constant(x), **call_kwargs)
        outputs = outputs if isinstance(outputs, list) else [outputs]
        first = outputs[0]
        weight = tf.reshape(tf.cos(tf.range(tf.size(first), dtype=tf.float32)), first.shape)
        loss = tf.reduce_sum(first * weight)
    grads = tape.gradient(loss, layer.trainable_weights)
    out[f"{name}/config"] = np.array(json.dumps({"class_name": class_name, "config": kwargs}))
    out[f"{name}/x"] = x
    for index, value in enumerate(weights):
        out[f"{name}/w{index}"] = value
    for index, value in enumerate(outputs):
        out[f"{name}/y{index}"] = value.numpy()
    for index, value in enumerate(grads):
        out[f"{name}/grad_w{index}"] = value.numpy()


def _stateful(rng, out):
    layer = keras.layers.ConvLSTM2D(2, 3, padding="same", stateful=True, return_sequences=True)
    inputs = keras.Input(batch_shape=(2, 3, 4, 4, 2))
    model = keras.Model(inputs, layer(inputs))
    weights = _random_weights(layer, rng)
    layer.set_weights(weights)
    for index, value in enumerate(weights):
        out[f"stateful/w{index}"] = value
    for step in range(2):
        x = rng.normal(size=(2, 3, 4, 4, 2)).astype("float32")
        out[f"stateful/x{step}"] = x
        out[f"stateful/y{step}"] = model.predict(x, verbose=0)


def _bidirectional(rng, out):
    layer = keras.layers.Bidirectional(keras.layers.ConvLSTM2D(2, 2, padding="same", return_sequences=True))
    x = rng.normal(size=(2, 3, 4, 3, 2)).astype("float32")
    layer.build(x.shape)
    weights = _random_weights(layer, rng)
    layer.set_weights(weights)
    for index, value in enumerate(weights):
        out[f"bidirectional/w{index}"] = value
    out["bidirectional/x"] = x
    out["bidirectional/y"] = layer(x).numpy()
    out["bidirectional/names"] = np.array(json.dumps([w.name for w in layer.weights]))


def _h5_model(rng, out):
    model = keras.Sequential(
        [
            keras.layers.ConvLSTM2D(2, 3, padding="same", return_sequences=False, input_shape=(3, 4, 4, 2)),
            keras.layers.Flatten(),
            keras.layers.Dense(2),
        ]
    )
    model.set_weights(_random_weights(model, rng))
    x = rng.normal(size=(2, 3, 4, 4, 2)).astype("float32")
    out["h5_model/x"] = x
    out["h5_model/y"] = model.predict(x, verbose=0)
    model.save(os.path.join(HERE, "conv_lstm2d_tfk2.h5"), include_optimizer=False)


def main():
    rng = np.random.default_rng(1234)
    out = {}
    for case in CASES:
        _case(*case, rng, out)
    _stateful(rng, out)
    _bidirectional(rng, out)
    _h5_model(rng, out)
    np.savez_compressed(os.path.join(HERE, "conv_lstm_references.npz"), **out)


if __name__ == "__main__":
    main()
