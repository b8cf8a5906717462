"""Locally-connected layers against tf.keras 2 outputs (tests/data/conv_local_references.npz)."""

import json
import os

import numpy as np
import pytest
import torch

from kerastorch.layers import local

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "conv_local_references.npz")
_REFERENCES = np.load(DATA)
CASES = sorted({key.split("/")[0] for key in _REFERENCES.files})


@pytest.fixture(autouse=True, scope="module")
def _single_thread():
    # Tiny tensors: one thread avoids OpenMP spin-waits on a busy machine.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _case(name):
    spec = json.loads(str(_REFERENCES[f"{name}/config"]))
    weights = []
    while f"{name}/w{len(weights)}" in _REFERENCES.files:
        weights.append(_REFERENCES[f"{name}/w{len(weights)}"])
    return spec["class_name"], spec["config"], _REFERENCES[f"{name}/x"], weights, _REFERENCES[f"{name}/y"]


def _make(class_name, config, input_shape, weights):
    layer = getattr(local, class_name)(**config)
    layer.build(input_shape)
    layer.set_weights(weights)
    return layer


def _run(layer, x):
    with torch.no_grad():
        return layer(torch.as_tensor(x)).numpy()


@pytest.mark.parametrize("name", CASES)
def test_matches_tf_keras(name):
    class_name, config, x, weights, expected = _case(name)
    layer = _make(class_name, config, x.shape, weights)
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in weights]
    np.testing.assert_allclose(_run(layer, x), expected, atol=2e-5, rtol=1e-5)
    assert tuple(layer.compute_output_shape(x.shape)) == expected.shape
    assert tuple(layer.compute_output_shape((None,) + x.shape[1:])) == (None,) + expected.shape[1:]


@pytest.mark.parametrize("name", CASES)
def test_config_round_trip(name):
    class_name, config, x, weights, expected = _case(name)
    layer = _make(class_name, config, x.shape, weights)
    saved = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(saved)
    assert json.loads(json.dumps(clone.get_config())) == saved
    clone.build(x.shape)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(_run(clone, x), expected, atol=2e-5, rtol=1e-5)


# One case per class through the shared life-cycle helper (models, save/load, training step).
_ONE_PER_CLASS = sorted(
    {json.loads(str(_REFERENCES[f"{name}/config"]))["class_name"]: name for name in reversed(CASES)}.values()
)


@pytest.mark.parametrize("name", _ONE_PER_CLASS)
def test_layer_test(name):
    from kerastorch.utils.test_utils import layer_test

    class_name, config, x, weights, expected = _case(name)
    kwargs = dict(config, weights=weights) if weights else config
    layer_test(getattr(local, class_name), kwargs=kwargs, input_data=x, expected_output=expected)


def test_implementations_agree_on_equivalent_weights():
    # Implementation 1 kernels scattered into the dense kernel of implementation 2 (channels_last
    # 1D: kernel2[in_step, channel, out_step, filter]) give the same outputs.
    x = np.random.rand(2, 6, 2).astype("float32")
    first = local.LocallyConnected1D(3, 2, strides=2)
    first.build(x.shape)
    kernel1, bias = first.get_weights()  # (3 positions, 2 * 2 window, 3 filters)
    kernel2 = np.zeros((6, 2, 3, 3), "float32")
    for position in range(3):
        window = kernel1[position].reshape(2, 2, 3)  # (tap, channel, filter)
        for tap in range(2):
            kernel2[position * 2 + tap, :, position, :] = window[tap]
    second = local.LocallyConnected1D(3, 2, strides=2, implementation=2)
    second.build(x.shape)
    second.set_weights([kernel2, bias])
    np.testing.assert_allclose(_run(second, x), _run(first, x), atol=1e-6)


def test_gradients_reach_weights_and_mask_blocks_unconnected_entries():
    layer = local.LocallyConnected2D(2, 2, implementation=2)
    out = layer(torch.randn(2, 3, 3, 1))
    out.sum().backward()
    grad = layer.kernel.grad.numpy()  # (3, 3, 1, 2, 2, 2)
    # Input (0, 0) feeds only output (0, 0); input (2, 2) only output (1, 1).
    assert np.all(grad[0, 0, 0, 0, 1] == 0) and np.any(grad[0, 0, 0, 0, 0] != 0)
    assert np.all(grad[2, 2, 0, 0, 0] == 0) and np.any(grad[2, 2, 0, 1, 1] != 0)
    assert layer.bias.grad is not None


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: local.LocallyConnected2D(0, 3), "filters=0"),
        (lambda: local.LocallyConnected2D(2, 3, padding="same"), "implementation=1"),
        (lambda: local.LocallyConnected1D(2, 3, implementation=4), "implementation=4"),
        (lambda: local.LocallyConnected1D(2, 3, padding="causal", implementation=2), "padding='causal'"),
        (lambda: local.LocallyConnected2D(2, (3, 3, 3)), "kernel_size"),
    ],
)
def test_bad_arguments_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_input_errors_name_the_layer():
    with pytest.raises(ValueError, match="fully-defined"):
        local.LocallyConnected2D(2, 3, name="lc").build((None, None, 5, 2))
    layer = local.LocallyConnected1D(2, 3, name="lc1")
    layer(torch.zeros(1, 5, 2))
    with pytest.raises(ValueError, match="lc1"):
        layer(torch.zeros(1, 6, 2))
    with pytest.raises(ValueError, match="too small"):
        local.LocallyConnected1D(2, 5).compute_output_shape((None, 3, 1))


def test_in_a_trained_model():
    from kerastorch.layers import core
    from kerastorch.models import Sequential

    model = Sequential(
        [
            local.LocallyConnected2D(3, 2, input_shape=(5, 5, 2), activation="relu"),
            local.LocallyConnected2D(2, 2, strides=2, padding="same", implementation=3),
            core.Flatten(),
            core.Dense(1),
        ]
    )
    assert model.output_shape == (None, 1)
    model.compile("adam", "mse")
    x = np.random.rand(8, 5, 5, 2).astype("float32")
    y = x.mean(axis=(1, 2, 3))[:, None]
    history = model.fit(x, y, epochs=5, batch_size=4, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
