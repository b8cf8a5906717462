"""Recurrent layers with `time_major=True` against tf.keras 2.15 (tests/data/rnn_time_major_references.npz)."""

import json
import os

import numpy as np
import pytest
import torch

import kerastorch
from kerastorch.layers import recurrent
from kerastorch.layers import wrappers

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "rnn_time_major_references.npz")
_REFERENCES = np.load(DATA)
CASES = sorted({key.split("/")[0] for key in _REFERENCES.files})


def _indexed(name, prefix):
    values = []
    while f"{name}/{prefix}{len(values)}" in _REFERENCES.files:
        values.append(_REFERENCES[f"{name}/{prefix}{len(values)}"])
    return values


def _make(spec):
    kwargs = dict(spec["config"])
    if "layer" in kwargs:
        inner_class, inner_kwargs = kwargs["layer"]
        kwargs["layer"] = getattr(recurrent, inner_class)(**inner_kwargs)
        return wrappers.Bidirectional(**kwargs)
    return getattr(recurrent, spec["class_name"])(**kwargs)


@pytest.mark.parametrize("name", CASES)
def test_time_major_matches_tf_keras(name):
    layer = _make(json.loads(str(_REFERENCES[f"{name}/config"])))
    x = torch.as_tensor(_REFERENCES[f"{name}/x"])
    call = {}
    if f"{name}/mask" in _REFERENCES.files:
        call["mask"] = torch.as_tensor(_REFERENCES[f"{name}/mask"])
    layer(x, **call)
    layer.set_weights(_indexed(name, "w"))
    with torch.no_grad():
        outputs = layer(x, **call)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    expected = _indexed(name, "y")
    assert len(outputs) == len(expected)
    for got, want in zip(outputs, expected):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-5)
    shapes = layer.compute_output_shape((None,) + tuple(x.shape[1:]))
    shapes = shapes if isinstance(shapes, list) else [shapes]
    for shape, want in zip(shapes, expected):
        # (timesteps, batch, ...) with the timesteps unknown: the batch axis keeps its size.
        if layer.return_sequences and shape is shapes[0]:
            assert tuple(shape) == (None,) + want.shape[1:]
        else:
            assert tuple(shape) == want.shape


def test_time_major_config_round_trip_and_functional_shape():
    layer = recurrent.LSTM(3, time_major=True, return_sequences=True)
    assert layer.get_config()["time_major"] is True
    clone = recurrent.LSTM.from_config(layer.get_config())
    assert clone.time_major
    inputs = kerastorch.Input((2, 4))  # (timesteps=None, batch=2, features=4)
    assert tuple(clone(inputs).shape) == (None, 2, 3)
    assert tuple(recurrent.GRU(3, time_major=True)(inputs).shape) == (2, 3)


def test_time_major_equals_batch_major_on_transposed_inputs():
    x = torch.as_tensor(np.random.RandomState(0).randn(6, 2, 3).astype("float32"))
    time_major = recurrent.GRU(4, time_major=True, return_sequences=True, return_state=True)
    batch_major = recurrent.GRU(4, return_sequences=True, return_state=True)
    time_major(x)
    batch_major(x.transpose(0, 1))
    batch_major.set_weights(time_major.get_weights())
    with torch.no_grad():
        tm_out, tm_state = time_major(x)
        bm_out, bm_state = batch_major(x.transpose(0, 1))
    np.testing.assert_allclose(tm_out.numpy(), bm_out.transpose(0, 1).numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(tm_state.numpy(), bm_state.numpy(), rtol=1e-6, atol=1e-6)


def test_stateful_time_major_takes_the_batch_size_from_axis_1():
    layer = recurrent.SimpleRNN(2, time_major=True, stateful=True, batch_input_shape=(5, 3, 4))
    x = torch.ones(5, 3, 4)
    first = layer(x).detach().numpy()
    assert first.shape == (3, 2)
    assert not np.allclose(layer(x).detach().numpy(), first)  # the states carried over
    layer.reset_states()
    np.testing.assert_allclose(layer(x).detach().numpy(), first, rtol=1e-6)
