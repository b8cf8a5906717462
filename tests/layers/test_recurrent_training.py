"""Recurrent layers in use: learning with fit, the shared layer_test, and the CUDA (cuDNN) paths."""

import numpy as np
import pytest
import torch

from kerastorch import backend
from kerastorch import layers as layers_module
from kerastorch import optimizers
from kerastorch.layers.recurrent import GRU
from kerastorch.layers.recurrent import LSTM
from kerastorch.layers.recurrent import RNN
from kerastorch.layers.recurrent import SimpleRNN
from kerastorch.layers.recurrent_cells import GRUCell
from kerastorch.layers.recurrent_cells import LSTMCell
from kerastorch.layers.recurrent_cells import SimpleRNNCell
from kerastorch.models import Sequential


def numpy(value):
    return value.detach().cpu().numpy()


def test_lstm_learns_a_memory_task_with_fit():
    """Label = sign of the first element of the sequence: the LSTM must remember it."""
    rng = np.random.RandomState(0)
    x = rng.choice([-1.0, 1.0], size=(256, 6, 1)).astype("float32")
    y = (x[:, 0, 0] > 0).astype("float32")[:, None]
    model = Sequential([LSTM(8, input_shape=(6, 1)), layers_module.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer=optimizers.Adam(learning_rate=0.01))
    model.fit(x, y, batch_size=32, epochs=10, verbose=0)
    accuracy = np.mean((model.predict(x) > 0.5) == y)
    assert accuracy > 0.9


@pytest.mark.parametrize(
    "layer_cls, kwargs",
    [
        (LSTM, dict(units=3, return_sequences=True)),
        (LSTM, dict(units=2, recurrent_activation="hard_sigmoid", go_backwards=True)),
        (GRU, dict(units=3, reset_after=False)),
        (GRU, dict(units=3, return_sequences=True)),
        (SimpleRNN, dict(units=2, go_backwards=True)),
        (RNN, dict(cell=LSTMCell(2))),
        (RNN, dict(cell=[GRUCell(2), SimpleRNNCell(3)], return_sequences=True)),
    ],
)
def test_layer_test(layer_cls, kwargs):
    from kerastorch.utils.test_utils import layer_test

    output = layer_test(layer_cls, kwargs=kwargs, input_shape=(2, 4, 3))
    units = 3 if layer_cls is RNN and isinstance(kwargs["cell"], list) else kwargs.get("units", 2)
    assert output.shape == ((2, 4, units) if kwargs.get("return_sequences") else (2, units))


@pytest.mark.cuda
@pytest.mark.parametrize("cls", [LSTM, GRU, SimpleRNN])
def test_cudnn_path_matches_cpu_loop(cls):
    """On GPU the fused path runs cuDNN (plain and packed/compacted for masks)."""
    x = torch.randn(3, 7, 4)
    mask = torch.tensor([[0, 1, 1, 0, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0]], dtype=torch.bool)
    reference_layer = cls(5, return_sequences=True, return_state=True)
    reference_layer.build(x.shape)
    reference_layer._use_fused_kernels = False
    gpu_layer = cls(5, return_sequences=True, return_state=True)
    gpu_layer.build(x.shape)
    gpu_layer.set_weights(reference_layer.get_weights())
    gpu_layer.to("cuda")
    for call_mask in (None, mask):
        expected = reference_layer(x, mask=call_mask)
        got = gpu_layer(x.cuda(), mask=None if call_mask is None else call_mask.cuda())
        for a, b in zip(got, expected):
            np.testing.assert_allclose(numpy(a), numpy(b), atol=1e-5)
        grads = torch.autograd.grad(got[0].square().sum(), gpu_layer.trainable_weights)
        ref_grads = torch.autograd.grad(expected[0].square().sum(), reference_layer.trainable_weights)
        for a, b in zip(grads, ref_grads):
            np.testing.assert_allclose(numpy(a), numpy(b), rtol=1e-4, atol=1e-4)


@pytest.mark.cuda
def test_stateful_lstm_trains_on_cuda():
    backend.set_device("cuda")
    model = Sequential([LSTM(8, stateful=True, batch_input_shape=(4, 5, 3)), layers_module.Dense(1)])
    model.compile(loss="mse", optimizer="adam")
    x = np.random.rand(16, 5, 3).astype("float32")
    y = np.random.rand(16, 1).astype("float32")
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert model.layers[0].states[0].device.type == "cuda"
