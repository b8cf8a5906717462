"""BatchNormalization renorm and ghost batches against tf.keras 2.15 (tests/data/bn_renorm_ghost_references.npz)."""

import json
import os

import numpy as np
import pytest
import torch

from kerastorch.layers import normalization
from kerastorch.utils.test_utils import layer_test

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "bn_renorm_ghost_references.npz")
_REFERENCES = np.load(DATA)
CASES = sorted({key.split("/")[0] for key in _REFERENCES.files})


def _array(name, key):
    return _REFERENCES[f"{name}/{key}"]


def _indexed(name, prefix, suffix=""):
    values = []
    while f"{name}/{prefix}{len(values)}{suffix}" in _REFERENCES.files:
        values.append(_array(name, f"{prefix}{len(values)}{suffix}"))
    return values


def _close(got, want):
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=2e-5)


@pytest.mark.parametrize("name", CASES)
def test_training_inference_and_gradients_match_tf_keras(name):
    layer = normalization.BatchNormalization(**json.loads(str(_array(name, "config"))))
    x1, x2 = torch.as_tensor(_array(name, "x1")), torch.as_tensor(_array(name, "x2"))
    layer(x1, training=False)
    weights = _indexed(name, "w")
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in weights]
    layer.set_weights(weights)
    _close(layer(x1, training=True).detach().numpy(), _array(name, "y1"))
    _close(layer(x2, training=True).detach().numpy(), _array(name, "y2"))
    _close(layer(x2, training=False).detach().numpy(), _array(name, "y3"))
    for got, want in zip(layer.get_weights(), _indexed(name, "w", "_after")):
        _close(got, want)
    upstream = torch.as_tensor(_array(name, "upstream"))
    loss = (layer(x1, training=True) * upstream).sum()
    grads = torch.autograd.grad(loss, layer.trainable_weights)
    expected = _indexed(name, "g")
    assert len(grads) == len(expected)
    for got, want in zip(grads, expected):
        _close(got.numpy(), want)


def test_renorm_weights_and_config_as_tf_keras():
    layer = normalization.BatchNormalization(renorm=True, renorm_clipping={"rmax": 2.0}, renorm_momentum=0.9)
    layer.build((None, 3))
    names = ["gamma", "beta", "moving_mean", "moving_variance", "moving_stddev", "renorm_mean", "renorm_stddev"]
    assert [id(w) for w in layer.weights] == [id(getattr(layer, n)) for n in names]
    assert [w.requires_grad for w in layer.weights] == [True, True] + [False] * 5
    config = layer.get_config()
    assert (config["renorm"], config["renorm_clipping"], config["renorm_momentum"]) == (True, {"rmax": 2.0}, 0.9)
    assert "virtual_batch_size" not in config
    assert "renorm" not in normalization.BatchNormalization().get_config()


def test_ghost_batch_weights_gain_an_axis_and_config_keeps_axis():
    layer = normalization.BatchNormalization(virtual_batch_size=2)
    layer.build((None, 3))
    assert [tuple(w.shape) for w in layer.get_weights()] == [(1, 1, 3)] * 4
    config = layer.get_config()
    assert config["virtual_batch_size"] == 2 and config["axis"] == -1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(virtual_batch_size=0), "virtual_batch_size=0"),
        (dict(virtual_batch_size=1.5), "virtual_batch_size=1.5"),
        (dict(renorm=True, renorm_clipping={"rmaxx": 1.0}), "rmaxx"),
        (dict(renorm=True, fused=True), "fused=True"),
        (dict(virtual_batch_size=2, fused=True), "fused=True"),
    ],
)
def test_invalid_renorm_and_ghost_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        normalization.BatchNormalization(**kwargs)


def test_ghost_batch_size_must_divide_the_batch_in_training():
    layer = normalization.BatchNormalization(virtual_batch_size=3)
    with pytest.raises(ValueError, match="must divide the batch size"):
        layer(torch.zeros(4, 2), training=True)
    # Inference uses the moving statistics per sample: any batch size works.
    np.testing.assert_allclose(
        layer(torch.ones(4, 2), training=False).detach().numpy(), np.full((4, 2), 1 / np.sqrt(1.001)), rtol=1e-6
    )


def test_ghost_batches_cannot_normalize_the_batch_axis():
    with pytest.raises(ValueError, match="batch axis"):
        normalization.BatchNormalization(virtual_batch_size=2, axis=0).build((4, 3))


@pytest.mark.parametrize("kwargs", [dict(renorm=True), dict(virtual_batch_size=2)])
def test_layer_test(kwargs):
    layer_test(normalization.BatchNormalization, kwargs=kwargs, input_shape=(4, 3))


def test_batchnorm_of_a_rank_1_tensor_normalizes_its_only_axis():
    # tf.keras 2.15 normalizes a (5,) tensor over axis 0 (one statistic per element).
    x = np.array([1.7640524, 0.4001572, 0.978738, 2.2408931, 1.867558], dtype="float32")
    layer = normalization.BatchNormalization()
    out = layer(torch.as_tensor(x), training=False).detach().numpy()
    np.testing.assert_allclose(out, [1.7631711, 0.3999573, 0.978249, 2.2397735, 1.866625], rtol=1e-6)
    # In training each element is its own batch: zero variance, output beta.
    np.testing.assert_allclose(layer(torch.as_tensor(x), training=True).detach().numpy(), np.zeros(5), atol=1e-6)
    np.testing.assert_allclose(layer.get_weights()[2], 0.01 * x, rtol=1e-6)
    np.testing.assert_allclose(layer.get_weights()[3], np.full(5, 0.99), rtol=1e-6)
