"""BatchNormalization and LayerNormalization against tf.keras 2 references and a NumPy re-implementation."""

import json
import os

import numpy as np
import pytest
import torch

from kerastorch import models
from kerastorch.layers import core
from kerastorch.layers import normalization
from kerastorch.utils.test_utils import layer_test

REFERENCES = np.load(os.path.join(os.path.dirname(__file__), "..", "data", "norm_references.npz"))
CASES = sorted({key.split("/")[0] for key in REFERENCES.files})
BN_CASES = [name for name in CASES if name.startswith("bn_")]
LN_CASES = [name for name in CASES if name.startswith("ln_")]


def _reference_layer(name, trainable=True):
    config = json.loads(str(REFERENCES[f"{name}/config"]))
    layer = getattr(normalization, config["class_name"])(trainable=trainable, **config["config"])
    x = REFERENCES[f"{name}/x"]
    layer.build(x.shape)
    layer.set_weights([REFERENCES[f"{name}/w{i}"] for i in range(len(layer.get_weights()))])
    mask = REFERENCES[f"{name}/mask"] if f"{name}/mask" in REFERENCES.files else None
    return layer, x, (None if mask is None else torch.as_tensor(mask))


def _assert_weights(layer, name, suffix):
    for index, value in enumerate(layer.get_weights()):
        np.testing.assert_allclose(value, REFERENCES[f"{name}/w{index}{suffix}"], rtol=1e-5, atol=1e-6)


def _numpy_batchnorm_train(x, gamma, beta, moving_mean, moving_var, axis, momentum, epsilon, unbiased):
    """tf.keras 2 training step: batch moments normalize; the moving variance takes the unbiased
    batch variance on the fused (4D/5D) path and the biased one otherwise."""
    reduce_axes = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    x = x.astype(np.float64)
    mean = x.mean(axis=reduce_axes)
    var = x.var(axis=reduce_axes)
    shape = [1] * x.ndim
    shape[axis] = -1
    y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + epsilon) * gamma.reshape(shape) + beta.reshape(shape)
    count = x.size / mean.size
    update_var = var * count / (count - 1) if unbiased else var
    new_mean = moving_mean * momentum + mean * (1 - momentum)
    new_var = moving_var * momentum + update_var * (1 - momentum)
    return y, new_mean, new_var


# ---------------------------------------------------------------------------------------------
# BatchNormalization against tf.keras 2
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", BN_CASES)
def test_batchnorm_matches_tf_keras_inference_training_and_moving_stats(name):
    layer, x, mask = _reference_layer(name)
    y_infer = layer(x, training=False, mask=mask)
    np.testing.assert_allclose(y_infer.detach().numpy(), REFERENCES[f"{name}/y_infer"], rtol=1e-5, atol=2e-6)
    _assert_weights(layer, name, "")  # inference leaves the statistics alone
    y_train = layer(x, training=True, mask=mask)
    np.testing.assert_allclose(y_train.detach().numpy(), REFERENCES[f"{name}/y_train"], rtol=1e-5, atol=2e-6)
    _assert_weights(layer, name, "_after")


@pytest.mark.parametrize("name", BN_CASES)
def test_frozen_batchnorm_runs_in_inference_mode_and_keeps_stats(name):
    layer, x, mask = _reference_layer(name, trainable=False)
    y = layer(x, training=True, mask=mask)
    np.testing.assert_allclose(y.detach().numpy(), REFERENCES[f"{name}/y_frozen"], rtol=1e-5, atol=2e-6)
    _assert_weights(layer, name, "_frozen")


@pytest.mark.parametrize(
    "shape, axis, unbiased",
    [
        ((16, 3), -1, False),
        ((4, 5, 3), -1, False),
        ((4, 3, 5), 1, False),
        ((2, 4, 4, 3), -1, True),
        ((2, 3, 4, 4), 1, True),
        ((2, 3, 2, 2, 2), -1, True),
    ],
)
def test_batchnorm_training_step_matches_numpy_tf_keras_formula(shape, axis, unbiased):
    rng = np.random.RandomState(5)
    x = (rng.normal(size=shape) * 3 + 1).astype("float32")
    channels = shape[axis]
    gamma, beta = rng.uniform(0.5, 1.5, channels), rng.uniform(-1, 1, channels)
    moving_mean, moving_var = rng.uniform(-1, 1, channels), rng.uniform(0.5, 1.5, channels)
    layer = normalization.BatchNormalization(axis=axis, momentum=0.9, epsilon=1e-3)
    layer.build(shape)
    layer.set_weights([w.astype("float32") for w in (gamma, beta, moving_mean, moving_var)])
    y = layer(x, training=True).detach().numpy()
    expected_y, expected_mean, expected_var = _numpy_batchnorm_train(
        x, gamma, beta, moving_mean, moving_var, axis, 0.9, 1e-3, unbiased
    )
    np.testing.assert_allclose(y, expected_y, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.get_weights()[2], expected_mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.get_weights()[3], expected_var, rtol=1e-5, atol=1e-6)
    # The other variance convention would give a visibly different moving variance.
    _, _, other_var = _numpy_batchnorm_train(x, gamma, beta, moving_mean, moving_var, axis, 0.9, 1e-3, not unbiased)
    assert np.abs(other_var - expected_var).max() > 1e-3


def test_batchnorm_fused_false_uses_biased_variance_on_4d():
    rng = np.random.RandomState(1)
    x = rng.normal(size=(2, 3, 3, 2)).astype("float32")
    layer = normalization.BatchNormalization(momentum=0.5, fused=False)
    layer(x, training=True)
    np.testing.assert_allclose(layer.get_weights()[3], 0.5 + 0.5 * x.reshape(-1, 2).var(axis=0), rtol=1e-5)
    assert layer.get_config()["fused"] is False


def test_batchnorm_weights_order_and_trainability():
    layer = normalization.BatchNormalization()
    layer.build((None, 4))
    assert [w.shape for w in layer.get_weights()] == [(4,)] * 4
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 2
    assert not layer.moving_mean.requires_grad and not layer.moving_variance.requires_grad
    assert layer.gamma.requires_grad and layer.beta.requires_grad
    layer = normalization.BatchNormalization(center=False, scale=False)
    layer.build((None, 4))
    assert len(layer.weights) == 2 and not layer.trainable_weights


def test_batchnorm_fit_updates_moving_stats_and_freezing_stops_it():
    rng = np.random.RandomState(3)
    x = (rng.normal(size=(32, 4)) * 2 + 3).astype("float32")
    y = rng.normal(size=(32, 1)).astype("float32")
    bn = normalization.BatchNormalization(momentum=0.5)
    model = models.Sequential([core.Dense(4, input_shape=(4,), kernel_initializer="identity"), bn, core.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    moving_mean = bn.get_weights()[2]
    np.testing.assert_allclose(moving_mean, 0.5 * x.mean(axis=0), rtol=1e-4)  # momentum 0.5 from zeros
    bn.trainable = False
    model.compile("sgd", "mse")
    model.fit(x, y, batch_size=32, epochs=2, verbose=0)
    np.testing.assert_array_equal(bn.get_weights()[2], moving_mean)
    assert not bn.trainable_weights


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"adjustment": lambda shape: (1.0, 0.0)}, "adjustment="),
        ({"fused": "yes"}, "fused='yes'"),
        ({"axis": [1, 2], "fused": True}, "fused=True"),
    ],
)
def test_batchnorm_rejects_unsupported_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        normalization.BatchNormalization(**kwargs)


def test_batchnorm_axis_errors():
    with pytest.raises(TypeError, match="axis='x'"):
        normalization.BatchNormalization(axis="x")
    with pytest.raises(ValueError, match="invalid axis 3 for an input of rank 3"):
        normalization.BatchNormalization(axis=3).build((None, 2, 3))
    with pytest.raises(ValueError, match="undefined `axis` dimension"):
        normalization.BatchNormalization().build((None, None))
    with pytest.raises(ValueError, match="fused=True"):
        normalization.BatchNormalization(fused=True).build((None, 4))
    layer = normalization.BatchNormalization()
    layer(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"expects input with last dimension 3, got shape \(2, 4\)"):
        layer(np.zeros((2, 4), "float32"))


def test_batchnorm_follows_module_mode_when_training_is_none():
    x = np.random.normal(size=(8, 2)).astype("float32") + 5
    layer = normalization.BatchNormalization()
    layer.eval()
    np.testing.assert_allclose(layer(x).detach().numpy(), x / np.sqrt(1 + 1e-3), rtol=1e-5)
    layer.train()
    assert abs(float(layer(x).detach().mean())) < 1e-4


# ---------------------------------------------------------------------------------------------
# LayerNormalization
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", LN_CASES)
def test_layernorm_matches_tf_keras(name):
    layer, x, _ = _reference_layer(name)
    y = layer(x)
    np.testing.assert_allclose(y.detach().numpy(), REFERENCES[f"{name}/y_infer"], rtol=1e-5, atol=2e-6)


def test_layernorm_default_epsilon_and_numpy_formula():
    layer = normalization.LayerNormalization()
    assert layer.epsilon == 1e-3
    x = np.random.normal(size=(3, 7)).astype("float32")
    expected = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-3)
    np.testing.assert_allclose(layer(x).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_layernorm_fast_and_general_paths_agree():
    x = np.random.normal(size=(2, 3, 4)).astype("float32")
    fast = normalization.LayerNormalization(axis=[1, 2])
    general = normalization.LayerNormalization(axis=[1, 2])
    fast.build(x.shape)
    general.build(x.shape)
    weights = [np.random.uniform(0.5, 1.5, size=(3, 4)).astype("float32") for _ in range(2)]
    fast.set_weights(weights)
    general.set_weights(weights)
    general._trailing = False
    np.testing.assert_allclose(fast(x).detach().numpy(), general(x).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_layernorm_weight_shapes_follow_axis_order():
    layer = normalization.LayerNormalization(axis=[2, 1])
    layer.build((None, 3, 4))
    assert [w.shape for w in layer.get_weights()] == [(4, 3), (4, 3)]


# ---------------------------------------------------------------------------------------------
# layer_test
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "cls, kwargs, input_shape",
    [
        (normalization.BatchNormalization, {}, (4, 3)),
        (normalization.BatchNormalization, {"momentum": 0.9, "epsilon": 0.1}, (4, 3, 2)),
        (normalization.BatchNormalization, {"axis": 1}, (2, 3, 4, 4)),
        (normalization.BatchNormalization, {"axis": [1, 3], "center": False}, (2, 3, 2, 2)),
        (normalization.BatchNormalization, {"gamma_regularizer": "l2", "beta_constraint": "non_neg"}, (3, 2, 2, 2, 3)),
        (normalization.LayerNormalization, {}, (3, 4)),
        (normalization.LayerNormalization, {"axis": [1, 2], "scale": False}, (2, 3, 4)),
        (normalization.LayerNormalization, {"axis": 1, "gamma_regularizer": "l1"}, (2, 3, 4)),
    ],
)
def test_layer_test_normalization(cls, kwargs, input_shape):
    layer_test(cls, kwargs=kwargs, input_shape=input_shape)


@pytest.mark.parametrize("shape", [(1, 3), (1, 1, 1, 3)])
def test_batchnorm_trains_on_a_batch_of_one(shape):
    x = np.arange(3, dtype="float32").reshape(shape) + 1.0
    layer = normalization.BatchNormalization(momentum=0.5, beta_initializer="ones")
    y = layer(x, training=True)
    np.testing.assert_allclose(y.detach().numpy(), np.ones(shape), rtol=1e-6)  # zero batch variance: beta
    np.testing.assert_allclose(layer.get_weights()[2], 0.5 * x.reshape(-1), rtol=1e-6)
    np.testing.assert_allclose(layer.get_weights()[3], [0.5] * 3, rtol=1e-6)
    empty = layer(np.zeros((0,) + shape[1:], "float32"), training=True)
    assert tuple(empty.shape) == (0,) + shape[1:]
    np.testing.assert_allclose(layer.get_weights()[3], [0.5] * 3, rtol=1e-6)
