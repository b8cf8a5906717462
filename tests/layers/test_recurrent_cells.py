"""The generic RNN over custom cells (Keras 2 cell API), built-in cells called alone, constants."""

import numpy as np
import pytest
import torch

from kerastorch import backend
from kerastorch.engine.keras_tensor import Input
from kerastorch.engine.layer import Layer
from kerastorch.layers.recurrent import GRU
from kerastorch.layers.recurrent import LSTM
from kerastorch.layers.recurrent import RNN
from kerastorch.layers.recurrent import SimpleRNN
from kerastorch.layers.recurrent_cells import GRUCell
from kerastorch.layers.recurrent_cells import LSTMCell
from kerastorch.layers.recurrent_cells import SimpleRNNCell
from kerastorch.models import Model
from kerastorch.saving import serialization


def numpy(value):
    return value.detach().cpu().numpy()


class MinimalRNNCell(Layer):
    """The Keras documentation's custom cell, written against the Keras 2 API."""

    def __init__(self, units, **kwargs):
        self.units = units
        self.state_size = units
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units), initializer="uniform", name="recurrent_kernel"
        )
        self.built = True

    def call(self, inputs, states):
        output = backend.dot(inputs, self.kernel) + backend.dot(states[0], self.recurrent_kernel)
        return output, [output]

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        return config


def _minimal_rnn_numpy(x, kernel, recurrent_kernel, go_backwards=False):
    h = np.zeros((x.shape[0], kernel.shape[1]), "float32")
    outputs = []
    steps = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    for t in steps:
        h = x[:, t] @ kernel + h @ recurrent_kernel
        outputs.append(h)
    return np.stack(outputs, 1)


def test_custom_cell_matches_numpy():
    x = np.random.randn(2, 4, 3).astype("float32")
    for go_backwards in (False, True):
        layer = RNN(MinimalRNNCell(5), return_sequences=True, go_backwards=go_backwards)
        out = numpy(layer(x))
        kernel, recurrent_kernel = layer.get_weights()
        np.testing.assert_allclose(out, _minimal_rnn_numpy(x, kernel, recurrent_kernel, go_backwards), atol=1e-5)
    assert layer.compute_output_shape((None, 4, 3)) == (None, 4, 5)


def test_rnn_over_builtin_cell_equals_layer():
    x = np.random.randn(2, 4, 3).astype("float32")
    for cell, layer in (
        (LSTMCell(3), LSTM(3)),
        (GRUCell(3, reset_after=False), GRU(3, reset_after=False)),
        (SimpleRNNCell(3), SimpleRNN(3)),
    ):
        generic = RNN(cell)
        expected = numpy(generic(x))
        layer.build(x.shape)
        layer.set_weights(generic.get_weights())
        np.testing.assert_allclose(numpy(layer(x)), expected, atol=1e-6)


def test_cell_called_for_one_step():
    cell = LSTMCell(3)
    x = torch.randn(2, 4)
    cell.build((None, 4))
    h, (h_again, c) = cell(x, [torch.zeros(2, 3), torch.zeros(2, 3)])
    kernel, _, bias = cell.get_weights()
    z = numpy(x) @ kernel + bias
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    i, f, g, o = np.split(z, 4, axis=1)
    c_ref = sigmoid(i) * np.tanh(g)
    np.testing.assert_allclose(numpy(c), c_ref, atol=1e-6)
    np.testing.assert_allclose(numpy(h), sigmoid(o) * np.tanh(c_ref), atol=1e-6)
    assert h is h_again


class ConstantCell(Layer):
    def __init__(self, units, **kwargs):
        self.units = units
        self.state_size = units
        super().__init__(**kwargs)

    def call(self, inputs, states, constants):
        output = states[0] + inputs.sum(-1, keepdim=True) + constants[0]
        return output, [output]


def test_constants_reach_the_cell():
    x = np.ones((2, 3, 4), "float32")
    constant = np.full((2, 2), 10.0, "float32")
    out = numpy(RNN(ConstantCell(2))(x, constants=[constant]))
    np.testing.assert_allclose(out, np.full((2, 2), 3 * (4 + 10.0)))
    c_in = Input((2,))
    x_in = Input((3, 4))
    layer = RNN(ConstantCell(2))
    model = Model([x_in, c_in], layer(x_in, constants=[c_in]))
    np.testing.assert_allclose(model.predict([x, constant]), np.full((2, 2), 42.0))
    assert layer.get_config()["num_constants"] == 1
    with pytest.raises(ValueError, match="does not accept constants"):
        RNN(MinimalRNNCell(2))(x, constants=[constant])


def test_custom_cell_config_round_trip():
    original = RNN(MinimalRNNCell(3), return_sequences=True)
    with serialization.custom_object_scope({"MinimalRNNCell": MinimalRNNCell}):
        config = serialization.serialize_layer(original)
        clone = serialization.deserialize_layer(config)
    assert type(clone) is RNN and type(clone.cell) is MinimalRNNCell
    assert clone.get_config() == original.get_config()
