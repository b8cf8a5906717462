"""Writes the Keras references of the recurrent, embedding and wrapper layers.

Files (each case stores `<case>/x`, `<case>/w<i>` weights in Keras layout, `<case>/y<i>` outputs):
    tests/data/rnn_references.npz
    tests/data/embedding_references.npz
    tests/data/wrappers_references.npz

Run from the repository root with Keras 3 on the torch backend (CPU):

    KERAS_BACKEND=torch /tmp/kvenv/bin/python tests/data/generate_recurrent.py

Keras 3 differs from tf.keras 2 in one place used here: its `hard_sigmoid` is
`relu6(x + 3) / 6`, while tf.keras 2's is `clip(0.2 * x + 0.5, 0, 1)`; the hard-sigmoid cases
pass tf.keras 2's formula explicitly. The other defaults used (recurrent_activation='sigmoid',
GRU reset_after=True, unit_forget_bias=True, masked steps repeating the previous output,
Bidirectional returning zeros at masked steps) are the same in both. Not imported by the tests.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def tf2_hard_sigmoid(x):
    return keras.ops.clip(0.2 * x + 0.5, 0.0, 1.0)


def random_weights(layer, rng, scale=0.5):
    weights = [rng.standard_normal(w.shape).astype("float32") * scale for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights


def to_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def store(out, case, x, weights, outputs, extra=None):
    out[f"{case}/x"] = np.asarray(x)
    for index, weight in enumerate(weights):
        out[f"{case}/w{index}"] = np.asarray(weight)
    for index, value in enumerate(to_list(outputs)):
        out[f"{case}/y{index}"] = keras.ops.convert_to_numpy(value)
    for key, value in (extra or {}).items():
        out[f"{case}/{key}"] = np.asarray(value)


# ---------------------------------------------------------------------------------------------
# Recurrent layers on float inputs
# ---------------------------------------------------------------------------------------------
RNN_CASES = [
    ("simple_rnn_seq_state", keras.layers.SimpleRNN, dict(units=4, return_sequences=True, return_state=True)),
    ("simple_rnn_backwards", keras.layers.SimpleRNN, dict(units=4, go_backwards=True, return_sequences=True)),
    ("simple_rnn_relu_last", keras.layers.SimpleRNN, dict(units=4, activation="relu")),
    ("lstm_seq_state", keras.layers.LSTM, dict(units=4, return_sequences=True, return_state=True)),
    ("lstm_backwards", keras.layers.LSTM, dict(units=4, go_backwards=True, return_sequences=True, return_state=True)),
    ("lstm_last", keras.layers.LSTM, dict(units=3)),
    ("lstm_no_bias", keras.layers.LSTM, dict(units=4, use_bias=False, return_sequences=True)),
    (
        "lstm_hard_sigmoid",
        keras.layers.LSTM,
        dict(units=4, recurrent_activation=tf2_hard_sigmoid, return_sequences=True, return_state=True),
    ),
    ("lstm_relu_activation", keras.layers.LSTM, dict(units=4, activation="relu", return_sequences=True)),
    ("gru_reset_after", keras.layers.GRU, dict(units=4, return_sequences=True, return_state=True)),
    ("gru_reset_before", keras.layers.GRU, dict(units=4, reset_after=False, return_sequences=True, return_state=True)),
    ("gru_backwards", keras.layers.GRU, dict(units=4, go_backwards=True, return_sequences=True)),
    ("gru_hard_sigmoid", keras.layers.GRU, dict(units=4, recurrent_activation=tf2_hard_sigmoid)),
    ("gru_no_bias", keras.layers.GRU, dict(units=3, use_bias=False, return_sequences=True)),
]


def rnn_references(out, rng):
    for case, cls, kwargs in RNN_CASES:
        x = rng.standard_normal((3, 6, 5)).astype("float32")
        layer = cls(**kwargs)
        layer.build((None, 6, 5))
        weights = random_weights(layer, rng)
        store(out, case, x, weights, layer(x))

    # Initial states given at call time.
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    h0 = rng.standard_normal((2, 4)).astype("float32")
    c0 = rng.standard_normal((2, 4)).astype("float32")
    layer = keras.layers.LSTM(4, return_sequences=True, return_state=True)
    layer.build((None, 5, 3))
    weights = random_weights(layer, rng)
    store(out, "lstm_initial_state", x, weights, layer(x, initial_state=[h0, c0]), {"h0": h0, "c0": c0})
    layer = keras.layers.GRU(4, return_sequences=True, reset_after=False)
    layer.build((None, 5, 3))
    weights = random_weights(layer, rng)
    store(out, "gru_initial_state", x, weights, layer(x, initial_state=[h0]), {"h0": h0})


# Token ids with zeros in every position pattern: left padding, right padding, inside, and a
# row of padding only.
MASK_TOKENS = np.array(
    [
        [0, 0, 3, 1, 4, 2, 5],
        [6, 2, 7, 0, 0, 0, 0],
        [1, 0, 2, 9, 0, 3, 8],
        [0, 0, 0, 0, 0, 0, 0],
        [4, 5, 6, 7, 8, 9, 1],
    ],
    dtype="int32",
)

MASK_CASES = [
    ("lstm_seq", keras.layers.LSTM, dict(units=4, return_sequences=True)),
    ("lstm_last_state", keras.layers.LSTM, dict(units=4, return_state=True)),
    (
        "lstm_backwards_seq",
        keras.layers.LSTM,
        dict(units=4, go_backwards=True, return_sequences=True, return_state=True),
    ),
    (
        "lstm_hard_sigmoid_seq",
        keras.layers.LSTM,
        dict(units=4, recurrent_activation=tf2_hard_sigmoid, return_sequences=True),
    ),
    ("gru_seq", keras.layers.GRU, dict(units=4, return_sequences=True, return_state=True)),
    ("gru_reset_before_seq", keras.layers.GRU, dict(units=4, reset_after=False, return_sequences=True)),
    ("gru_backwards_last", keras.layers.GRU, dict(units=4, go_backwards=True)),
    ("simple_rnn_seq", keras.layers.SimpleRNN, dict(units=4, return_sequences=True, return_state=True)),
]


def masked_references(out, rng):
    for case, cls, kwargs in MASK_CASES:
        inputs = keras.Input((7,), dtype="int32")
        embedding = keras.layers.Embedding(10, 5, mask_zero=True)
        layer = cls(**kwargs)
        model = keras.Model(inputs, layer(embedding(inputs)))
        weights = random_weights(embedding, rng) + random_weights(layer, rng)
        store(out, f"masked_{case}", MASK_TOKENS, weights, model(MASK_TOKENS))


# ---------------------------------------------------------------------------------------------
# Embedding
# ---------------------------------------------------------------------------------------------
def embedding_references(out, rng):
    tokens = rng.integers(0, 12, size=(3, 5)).astype("int32")
    layer = keras.layers.Embedding(12, 4)
    layer.build((None, 5))
    weights = random_weights(layer, rng)
    store(out, "embedding_2d", tokens, weights, layer(tokens))
    tokens = rng.integers(0, 6, size=(2, 3, 4)).astype("int32")
    layer = keras.layers.Embedding(6, 2, mask_zero=True)
    layer.build((None, 3, 4))
    weights = random_weights(layer, rng)
    store(out, "embedding_3d_mask", tokens, weights, layer(tokens), {"mask": layer.compute_mask(tokens)})


# ---------------------------------------------------------------------------------------------
# Wrappers
# ---------------------------------------------------------------------------------------------
def wrapper_references(out, rng):
    x = rng.standard_normal((3, 6, 5)).astype("float32")
    for mode in ("concat", "sum", "mul", "ave", None):
        layer = keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True), merge_mode=mode)
        layer.build((None, 6, 5))
        weights = random_weights(layer, rng)
        store(out, f"bidirectional_lstm_{mode}", x, weights, layer(x))
    layer = keras.layers.Bidirectional(keras.layers.LSTM(3))
    layer.build((None, 6, 5))
    weights = random_weights(layer, rng)
    store(out, "bidirectional_lstm_last", x, weights, layer(x))
    layer = keras.layers.Bidirectional(keras.layers.GRU(3, return_sequences=True, return_state=True), merge_mode="sum")
    layer.build((None, 6, 5))
    weights = random_weights(layer, rng)
    store(out, "bidirectional_gru_state", x, weights, layer(x))
    layer = keras.layers.Bidirectional(keras.layers.SimpleRNN(3, return_sequences=True), merge_mode="concat")
    layer.build((None, 6, 5))
    weights = random_weights(layer, rng)
    store(out, "bidirectional_simple_rnn", x, weights, layer(x))

    # Masked inputs: Bidirectional outputs zeros at masked steps when returning sequences.
    for case, inner in (
        ("bidirectional_masked_lstm_seq", keras.layers.LSTM(4, return_sequences=True)),
        ("bidirectional_masked_gru_last", keras.layers.GRU(4)),
    ):
        inputs = keras.Input((7,), dtype="int32")
        embedding = keras.layers.Embedding(10, 5, mask_zero=True)
        wrapper = keras.layers.Bidirectional(inner)
        model = keras.Model(inputs, wrapper(embedding(inputs)))
        weights = random_weights(embedding, rng) + random_weights(wrapper, rng)
        store(out, case, MASK_TOKENS, weights, model(MASK_TOKENS))

    x = rng.standard_normal((2, 4, 5)).astype("float32")
    layer = keras.layers.TimeDistributed(keras.layers.Dense(3, activation="tanh"))
    layer.build((None, 4, 5))
    weights = random_weights(layer, rng)
    store(out, "time_distributed_dense", x, weights, layer(x))

    x = rng.standard_normal((2, 3, 6, 6, 2)).astype("float32")
    layer = keras.layers.TimeDistributed(keras.layers.Conv2D(2, 3))
    layer.build((None, 3, 6, 6, 2))
    weights = random_weights(layer, rng)
    store(out, "time_distributed_conv2d", x, weights, layer(x))


def main():
    rng = np.random.default_rng(1234)
    for name, writers in (
        ("rnn_references.npz", (rnn_references, masked_references)),
        ("embedding_references.npz", (embedding_references,)),
        ("wrappers_references.npz", (wrapper_references,)),
    ):
        out = {}
        for writer in writers:
            writer(out, rng)
        np.savez_compressed(os.path.join(HERE, name), **out)
        print(name, len(out), "arrays")


if __name__ == "__main__":
    main()
