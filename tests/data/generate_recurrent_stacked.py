"""Writes the tf.keras 2 references of RNNs over stacked cells (states nested per cell).

Files:
    tests/data/rnn_stacked_references.npz: per case `<case>/x`, `<case>/w<i>` weights (Keras
        layout), `<case>/s<i>` flat initial states, `<case>/y<i>` flattened outputs, and
        `<case>/structure` (the nesting of the outputs, with leaves numbered as the y<i>).
        The functional model below stores `model/x<i>` inputs, `model/y<i>` its flattened
        predictions and `model/config` (its tf.keras `get_config()` as JSON).
    tests/data/rnn_stacked_tfk2.h5: that functional model, saved by tf.keras.

Run from the repository root with tf.keras 2.15 (the nesting is tf.keras 2's; Keras 3 differs):

    /tmp/tfvenv/bin/python tests/data/generate_recurrent_stacked.py

Not imported by the tests.
"""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

keras = tf.keras
L = keras.layers
HERE = os.path.dirname(os.path.abspath(__file__))


def random_weights(layer, rng, scale=0.5):
    weights = [rng.standard_normal(w.shape).astype("float32") * scale for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights


def structure_of(value, counter):
    if isinstance(value, (list, tuple)):
        return [structure_of(item, counter) for item in value]
    counter[0] += 1
    return counter[0] - 1


def store(out, case, x, weights, outputs, states=()):
    out[f"{case}/x"] = np.asarray(x)
    for index, weight in enumerate(weights):
        out[f"{case}/w{index}"] = np.asarray(weight)
    for index, state in enumerate(states):
        out[f"{case}/s{index}"] = np.asarray(state)
    for index, value in enumerate(tf.nest.flatten(outputs)):
        out[f"{case}/y{index}"] = np.asarray(value)
    out[f"{case}/structure"] = np.asarray(json.dumps(structure_of(outputs, [0])))


def three_cells():
    return [L.LSTMCell(3), L.GRUCell(2), L.SimpleRNNCell(2)]


def main():
    rng = np.random.RandomState(0)
    out = {}
    x = rng.standard_normal((2, 5, 4)).astype("float32")

    layer = L.RNN(three_cells(), return_sequences=True, return_state=True)
    layer.build((None, 5, 4))
    weights = random_weights(layer, rng)
    store(out, "stacked_state", x, weights, layer(x))

    layer = L.RNN(three_cells(), return_state=True)
    layer.build((None, 5, 4))
    weights = random_weights(layer, rng)
    flat = [rng.standard_normal((2, units)).astype("float32") for units in (3, 3, 2, 2)]
    nested = [[tf.constant(flat[0]), tf.constant(flat[1])], tf.constant(flat[2]), tf.constant(flat[3])]
    store(out, "stacked_init", x, weights, layer(x, initial_state=nested), flat)

    layer = L.RNN([L.LSTMCell(3), L.GRUCell(2)], go_backwards=True, return_state=True)
    layer.build((None, 5, 4))
    weights = random_weights(layer, rng)
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
    store(out, "stacked_masked_backwards", x, weights, layer(x, mask=tf.constant(mask)))
    out["stacked_masked_backwards/mask"] = mask

    for merge_mode in ("concat", None):
        case = f"bidirectional_{merge_mode}"
        layer = L.Bidirectional(L.RNN([L.LSTMCell(3), L.GRUCell(2)], return_state=True), merge_mode=merge_mode)
        layer.build((None, 5, 4))
        weights = random_weights(layer, rng)
        store(out, case, x, weights, layer(x))

    layer = L.RNN([L.LSTMCell(3), L.GRUCell(2)], stateful=True, return_state=True)
    layer.build((2, 5, 4))
    weights = random_weights(layer, rng)
    x2 = rng.standard_normal((2, 5, 4)).astype("float32")
    first = layer(x)
    second = layer(x2)
    store(out, "stateful", x, weights, [first, second])
    out["stateful/x2"] = x2
    out["stateful/stored"] = np.concatenate([np.asarray(s).ravel() for s in tf.nest.flatten(layer.states)])

    # A functional model: nested initial states from Inputs, states feeding later layers and
    # returned as (nested) model outputs, a Bidirectional over stacked cells.
    sequence = L.Input((5, 4), name="sequence")
    h0, c0, g0 = L.Input((3,), name="h0"), L.Input((3,), name="c0"), L.Input((2,), name="g0")
    rnn = L.RNN([L.LSTMCell(3), L.GRUCell(2)], return_sequences=True, return_state=True, name="stacked")
    seq, lstm_state, gru_state = rnn(sequence, initial_state=[[h0, c0], g0])
    h1, c1 = lstm_state
    dense = L.Dense(2, name="dense")(L.Concatenate(name="concat")([h1, c1, gru_state]))
    bidi = L.Bidirectional(L.RNN([L.LSTMCell(2), L.GRUCell(2)], return_state=True), name="bidi")
    merged, forward_lstm, forward_gru, backward_lstm, backward_gru = bidi(seq)
    summed = L.Add(name="add")([forward_gru, backward_lstm[0]])
    model = keras.Model([sequence, h0, c0, g0], [dense, merged, lstm_state, summed, backward_gru])
    for each in model.layers:
        random_weights(each, rng)
    inputs = [x] + [rng.standard_normal((2, units)).astype("float32") for units in (3, 3, 2)]
    predictions = model.predict(inputs, verbose=0)
    for index, value in enumerate(inputs):
        out[f"model/x{index}"] = value
    for index, value in enumerate(tf.nest.flatten(predictions)):
        out[f"model/y{index}"] = np.asarray(value)
    out["model/config"] = np.asarray(json.dumps(model.get_config()))
    model.save(os.path.join(HERE, "rnn_stacked_tfk2.h5"), include_optimizer=False)
    np.savez_compressed(os.path.join(HERE, "rnn_stacked_references.npz"), **out)


if __name__ == "__main__":
    main()
