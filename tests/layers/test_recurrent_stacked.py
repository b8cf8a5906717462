"""RNNs over stacked cells: states nested per cell as tf.keras 2 returns them, eager and functional, configs, files.

References come from tf.keras 2.15 (tests/data/generate_recurrent_stacked.py).
"""

import json
import os

import numpy as np
import pytest
import torch

from kerastorch import models
from kerastorch.engine.keras_tensor import Input
from kerastorch.engine.keras_tensor import KerasTensor
from kerastorch.layers import embeddings
from kerastorch.layers.core import Dense
from kerastorch.layers.merge import Add
from kerastorch.layers.merge import Concatenate
from kerastorch.layers.recurrent import GRU
from kerastorch.layers.recurrent import LSTM
from kerastorch.layers.recurrent import RNN
from kerastorch.layers.recurrent_cells import GRUCell
from kerastorch.layers.recurrent_cells import LSTMCell
from kerastorch.layers.recurrent_cells import SimpleRNNCell
from kerastorch.layers.recurrent_stacked import StackedRNNCells
from kerastorch.layers.wrappers import Bidirectional
from kerastorch.models import Model

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data")
REFERENCES = dict(np.load(os.path.join(DATA, "rnn_stacked_references.npz")))
TF_KERAS_FILE = os.path.join(DATA, "rnn_stacked_tfk2.h5")


def numbered(case, prefix):
    values, index = [], 0
    while f"{case}/{prefix}{index}" in REFERENCES:
        values.append(REFERENCES[f"{case}/{prefix}{index}"])
        index += 1
    return values


def reference(case):
    """(x, weights, flat initial states, expected outputs nested like tf.keras returned them)."""
    structure = json.loads(str(REFERENCES[f"{case}/structure"]))
    flat = numbered(case, "y")

    def build(item):
        return [build(each) for each in item] if isinstance(item, list) else flat[item]

    return REFERENCES[f"{case}/x"], numbered(case, "w"), numbered(case, "s"), build(structure)


def numpy(value):
    return value.detach().cpu().numpy()


def assert_nested_close(actual, expected, atol=1e-5):
    """Same nesting of lists (tuples count as lists), and close leaves."""
    if isinstance(expected, list):
        assert isinstance(actual, (list, tuple)) and len(actual) == len(expected), (actual, expected)
        for got, want in zip(actual, expected):
            assert_nested_close(got, want, atol)
    else:
        assert isinstance(actual, torch.Tensor), actual
        np.testing.assert_allclose(numpy(actual), want_array(expected), atol=atol, rtol=1e-5)


def want_array(value):
    return value if isinstance(value, np.ndarray) else numpy(value)


def shapes(value):
    return [shapes(v) for v in value] if isinstance(value, (list, tuple)) else tuple(value.shape)


def built(layer, x, weights):
    layer.build(x.shape)
    layer.set_weights(weights)
    return layer


def three_cells():
    return [LSTMCell(3), GRUCell(2), SimpleRNNCell(2)]


# ---------------------------------------------------------------------------------------------
# Eager calls
# ---------------------------------------------------------------------------------------------
def test_states_are_nested_per_cell_like_tf_keras():
    x, weights, _, expected = reference("stacked_state")
    layer = built(RNN(three_cells(), return_sequences=True, return_state=True), x, weights)
    outputs = layer(x)
    assert shapes(outputs) == [(2, 5, 2), [(2, 3), (2, 3)], (2, 2), (2, 2)]
    assert_nested_close(outputs, expected)
    # compute_output_shape stays flat, as tf.keras's does.
    assert layer.compute_output_shape((None, 5, 4)) == [(None, 5, 2), (None, 3), (None, 3), (None, 2), (None, 2)]


@pytest.mark.parametrize("form", ["nested", "tuple", "flat"])
def test_initial_state_nested_or_flat(form):
    x, weights, (h, c, g, s), expected = reference("stacked_init")
    layer = built(RNN(three_cells(), return_state=True), x, weights)
    initial_state = {"nested": [[h, c], g, s], "tuple": ((h, c), g, s), "flat": [h, c, g, s]}[form]
    assert_nested_close(layer(x, initial_state=initial_state), expected)


def test_initial_state_count_is_checked():
    x, weights, (h, c, g, s), _ = reference("stacked_init")
    layer = built(RNN(three_cells(), return_state=True), x, weights)
    with pytest.raises(ValueError, match="has 4 states but was passed 3"):
        layer(x, initial_state=[[h, c], g])


def test_masked_go_backwards_matches_tf_keras():
    x, weights, _, expected = reference("stacked_masked_backwards")
    layer = built(RNN([LSTMCell(3), GRUCell(2)], go_backwards=True, return_state=True), x, weights)
    mask = torch.as_tensor(REFERENCES["stacked_masked_backwards/mask"])
    assert_nested_close(layer(x, mask=mask), expected)


def test_stacked_cells_equal_stacked_layers():
    x = np.random.randn(2, 4, 3).astype("float32")
    stacked = RNN([LSTMCell(5), GRUCell(2)], return_state=True)
    output, (h1, c1), h2 = stacked(x)
    first, second = LSTM(5, return_sequences=True, return_state=True), GRU(2, return_state=True)
    seq, ref_h1, ref_c1 = first(x)
    ref_out, ref_h2 = second(seq)
    first.set_weights(stacked.get_weights()[:3])
    second.set_weights(stacked.get_weights()[3:])
    seq, ref_h1, ref_c1 = first(x)
    ref_out, ref_h2 = second(seq)
    for got, want in ((output, ref_out), (h1, ref_h1), (c1, ref_c1), (h2, ref_h2)):
        np.testing.assert_allclose(numpy(got), numpy(want), atol=1e-6)
    assert stacked.compute_output_shape((None, 4, 3)) == [(None, 2), (None, 5), (None, 5), (None, 2)]
    clone = RNN.from_config(stacked.get_config())
    assert isinstance(clone.cell, StackedRNNCells)
    assert [type(c) for c in clone.cell.cells] == [LSTMCell, GRUCell]


def test_stacked_cells_take_flat_or_nested_states_and_return_them_nested():
    cells = StackedRNNCells([LSTMCell(3), GRUCell(2)])
    cells.build((None, 4))
    assert cells.state_size == ([3, 3], 2)
    initial = cells.get_initial_state(batch_size=2, dtype="float32")
    assert isinstance(initial, tuple) and shapes(initial) == [[(2, 3), (2, 3)], (2, 2)]
    x = torch.randn(2, 4)
    states = [torch.randn(2, 3), torch.randn(2, 3), torch.randn(2, 2)]
    out_flat, new_flat = cells.call(x, states)
    out_nested, new_nested = cells.call(x, [states[:2], states[2]])
    assert isinstance(new_flat, tuple) and shapes(new_flat) == [[(2, 3), (2, 3)], (2, 2)]
    assert_nested_close([out_nested] + list(new_nested), [out_flat] + list(new_flat), atol=0)
    # Each cell sees its own states as a list, as in tf.keras.
    lstm, gru = cells.cells
    h, (h_again, c) = lstm.call(x, states[:2])
    out, [g] = gru.call(h, [states[2]])
    assert_nested_close([out_flat] + list(new_flat), [out, [h, c], g], atol=1e-6)


def test_states_and_masks_are_nested_like_the_outputs():
    layer = RNN(three_cells(), return_state=True)
    assert layer.states == [[None, None], None, None]
    x = torch.zeros(2, 5, 4)
    mask = torch.ones(2, 5, dtype=torch.bool)
    assert layer.compute_mask(x, mask) == [None, [None, None], None, None]
    initial = layer.get_initial_state(x)
    assert shapes(initial) == [[(2, 3), (2, 3)], (2, 2), (2, 2)]
    assert not any(bool(t.any()) for t in (initial[0][0], initial[0][1], initial[1], initial[2]))


def test_custom_cell_in_a_stack_gets_its_states_as_a_list():
    class PairCell(torch.nn.Module):
        state_size = [2, 2]
        output_size = 2

        def call(self, inputs, states):
            assert isinstance(states, list) and len(states) == 2
            first, second = states
            return first + inputs[:, :2], [first + 1.0, second + 2.0]

    layer = RNN([PairCell(), GRUCell(2)], return_state=True)
    output, (first, second), gru_state = layer(np.zeros((2, 3, 4), "float32"))
    np.testing.assert_allclose(numpy(first), np.full((2, 2), 3.0))
    np.testing.assert_allclose(numpy(second), np.full((2, 2), 6.0))
    assert shapes(gru_state) == (2, 2) and shapes(output) == (2, 2)


# ---------------------------------------------------------------------------------------------
# Bidirectional and stateful
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("merge_mode", ["concat", None])
def test_bidirectional_over_stacked_cells_matches_tf_keras(merge_mode):
    x, weights, _, expected = reference(f"bidirectional_{merge_mode}")
    make = lambda: Bidirectional(RNN([LSTMCell(3), GRUCell(2)], return_state=True), merge_mode=merge_mode)  # noqa: E731
    layer = built(make(), x, weights)
    outputs = layer(x)
    assert_nested_close(outputs, expected)
    symbolic = make()(Input((5, 4)))
    eager_shapes = json.dumps(shapes(outputs)).replace("[2, ", "[null, ")
    assert json.dumps([symbolic_shapes(t) for t in symbolic]) == eager_shapes


def symbolic_shapes(value):
    if isinstance(value, list):
        return [symbolic_shapes(v) for v in value]
    assert isinstance(value, KerasTensor)
    return value.shape


def test_stateful_stacked_cells_carry_nested_states_and_reset():
    x, weights, _, (first, second) = reference("stateful")
    x2 = REFERENCES["stateful/x2"]
    layer = RNN([LSTMCell(3), GRUCell(2)], stateful=True, return_state=True)
    layer.build((2, 5, 4))
    layer.set_weights(weights)
    assert_nested_close(layer(x), first)
    assert_nested_close(layer(x2), second)
    stored = layer.states
    assert shapes(stored) == [[(2, 3), (2, 3)], (2, 2)]
    flat = np.concatenate([numpy(t).ravel() for t in (stored[0][0], stored[0][1], stored[1])])
    np.testing.assert_allclose(flat, REFERENCES["stateful/stored"], atol=1e-5)
    layer.reset_states()
    assert_nested_close(layer(x), first)
    values = [np.full((2, 3), 1.0, "float32"), np.full((2, 3), 2.0, "float32"), np.full((2, 2), 3.0, "float32")]
    layer.reset_states([values[:2], values[2]])
    nested_result = layer(x)
    layer.reset_states(values)
    assert_nested_close(layer(x), nested_result, atol=0)
    assert not np.allclose(numpy(nested_result[0]), first[0])


# ---------------------------------------------------------------------------------------------
# Functional API, configs and files
# ---------------------------------------------------------------------------------------------
def _functional_model():
    """The model of generate_recurrent_stacked.py, written with kerastorch."""
    sequence = Input((5, 4), name="sequence")
    h0, c0, g0 = Input((3,), name="h0"), Input((3,), name="c0"), Input((2,), name="g0")
    rnn = RNN([LSTMCell(3), GRUCell(2)], return_sequences=True, return_state=True, name="stacked")
    seq, lstm_state, gru_state = rnn(sequence, initial_state=[[h0, c0], g0])
    h1, c1 = lstm_state
    dense = Dense(2, name="dense")(Concatenate(name="concat")([h1, c1, gru_state]))
    bidi = Bidirectional(RNN([LSTMCell(2), GRUCell(2)], return_state=True), name="bidi")
    merged, forward_lstm, forward_gru, backward_lstm, backward_gru = bidi(seq)
    summed = Add(name="add")([forward_gru, backward_lstm[0]])
    return Model([sequence, h0, c0, g0], [dense, merged, lstm_state, summed, backward_gru])


def _assert_tf_keras_predictions(model):
    inputs = numbered("model", "x")
    predictions = model.predict(inputs, verbose=0)
    # As tf.keras, predict nests like the model's outputs: the LSTM cell's [h, c] is one entry.
    assert [isinstance(entry, list) for entry in predictions] == [False, False, True, False, False]
    flat = predictions[:2] + predictions[2] + predictions[3:]
    expected = numbered("model", "y")
    assert len(flat) == len(expected)
    for got, want in zip(flat, expected):
        np.testing.assert_allclose(got, want, atol=1e-5)


def _assert_tf_keras_config(model):
    tf_config = json.loads(str(REFERENCES["model/config"]))
    config = json.loads(json.dumps(model.get_config()))
    assert [layer["name"] for layer in config["layers"]] == [layer["name"] for layer in tf_config["layers"]]
    for ours, theirs in zip(config["layers"], tf_config["layers"]):
        assert ours["inbound_nodes"] == theirs["inbound_nodes"], ours["name"]
    assert config["output_layers"] == tf_config["output_layers"]
    assert config["input_layers"] == tf_config["input_layers"]


def test_tf_keras_file_with_nested_states_loads_and_predicts():
    model = models.load_model(TF_KERAS_FILE, compile=False)
    _assert_tf_keras_predictions(model)
    _assert_tf_keras_config(model)


def test_functional_states_unpack_feed_layers_and_save_like_tf_keras(tmp_path):
    model = _functional_model()
    stacked = model.get_layer("stacked")
    assert stacked.states == [[None, None], None]
    reference_model = models.load_model(TF_KERAS_FILE, compile=False)
    model.set_weights(reference_model.get_weights())
    _assert_tf_keras_predictions(model)
    _assert_tf_keras_config(model)
    clone = Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    _assert_tf_keras_predictions(clone)
    path = str(tmp_path / "stacked.h5")
    model.save(path)
    _assert_tf_keras_predictions(models.load_model(path, compile=False))


def test_symbolic_states_are_nested_keras_tensors():
    inputs = Input((5, 4))
    outputs = RNN(three_cells(), return_state=True)(inputs)
    output, (h, c), gru_state, rnn_state = outputs
    assert all(isinstance(t, KerasTensor) for t in (output, h, c, gru_state, rnn_state))
    assert [t.shape for t in (output, h, c, gru_state, rnn_state)] == [
        (None, 2),
        (None, 3),
        (None, 3),
        (None, 2),
        (None, 2),
    ]
    # A flat initial state (not accepted by tf.keras) works too; the config nests it per cell.
    a, b, g, s = Input((3,)), Input((3,)), Input((2,)), Input((2,))
    layer = RNN(three_cells(), return_state=True, name="flat_init")
    model = Model([inputs, a, b, g, s], layer(inputs, initial_state=[a, b, g, s]))
    node = model.get_config()["layers"][-1]["inbound_nodes"][0]
    assert [len(item) if isinstance(item[0], list) else 1 for item in node] == [1, 2, 1, 1]


def test_masks_flow_through_nested_outputs_in_a_graph():
    tokens = np.array([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8]])
    inputs = Input((5,), dtype="int32")
    embedded = embeddings.Embedding(10, 4, mask_zero=True)(inputs)
    layer = RNN([LSTMCell(3), GRUCell(2)], return_sequences=True, return_state=True)
    sequence, (h, c), g = layer(embedded)
    model = Model(inputs, [sequence, h, c, g])
    predictions = model.predict(tokens, verbose=0)
    mask = torch.as_tensor(tokens != 0)
    eager_sequence, (eager_h, eager_c), eager_g = layer(model.layers[1](torch.as_tensor(tokens)), mask=mask)
    for got, want in zip(predictions, (eager_sequence, eager_h, eager_c, eager_g)):
        np.testing.assert_allclose(got, numpy(want), atol=1e-6)
    # Masked steps repeat the last valid output.
    np.testing.assert_allclose(predictions[0][0, 3], predictions[0][0, 2], atol=0)
