"""Identity, UnitNormalization and GroupNormalization against tf.keras 2.15 references and NumPy."""

import json
import os

import numpy as np
import pytest
import torch

from kerastorch import layers
from kerastorch import models
from kerastorch.layers import core_extra
from kerastorch.layers import normalization_extra
from kerastorch.utils.test_utils import layer_test

DATA = os.path.join(os.path.dirname(__file__), "..", "data")
REFERENCES = np.load(os.path.join(DATA, "normalization_extra_references.npz"))
CASES = sorted({key.split("/")[0] for key in REFERENCES.files if not key.startswith("h5_model")})

# tf.keras 2.15 get_config() keys (name/trainable/dtype are the base layer's).
TF_KERAS_KEYS = {
    "Identity": {"name", "trainable", "dtype"},
    "UnitNormalization": {"name", "trainable", "dtype", "axis"},
    "GroupNormalization": {
        "name",
        "trainable",
        "dtype",
        "groups",
        "axis",
        "epsilon",
        "center",
        "scale",
        "beta_initializer",
        "gamma_initializer",
        "beta_regularizer",
        "gamma_regularizer",
        "beta_constraint",
        "gamma_constraint",
    },
}


def _reference(name):
    config = json.loads(str(REFERENCES[f"{name}/config"]))
    layer = getattr(layers, config["class_name"])(**config["config"])
    x = REFERENCES[f"{name}/x"]
    layer.build(x.shape)
    weight_count = len([key for key in REFERENCES.files if key.startswith(f"{name}/w")])
    layer.set_weights([REFERENCES[f"{name}/w{i}"] for i in range(weight_count)])
    mask = REFERENCES[f"{name}/mask"] if f"{name}/mask" in REFERENCES.files else None
    return layer, x, mask


@pytest.mark.parametrize("name", CASES)
def test_matches_tf_keras_outputs_and_input_gradients(name):
    layer, x, mask = _reference(name)
    inputs = torch.tensor(x, requires_grad=True)
    kwargs = {} if mask is None else {"mask": torch.as_tensor(mask)}
    y = layer(inputs, **kwargs)
    np.testing.assert_allclose(y.detach().numpy(), REFERENCES[f"{name}/y"], rtol=1e-5, atol=2e-5)
    weights = torch.cos(torch.arange(y.numel(), dtype=torch.float32)).reshape(y.shape)
    (y * weights).sum().backward()
    np.testing.assert_allclose(inputs.grad.numpy(), REFERENCES[f"{name}/grad_x"], rtol=1e-4, atol=5e-5)


def _numpy_group_norm(x, groups, axis, gamma, beta, epsilon):
    moved = np.moveaxis(x.astype(np.float64), axis, -1)
    grouped = moved.reshape(moved.shape[:-1] + (groups, -1))
    reduce_axes = tuple(range(1, grouped.ndim - 2)) + (grouped.ndim - 1,)
    mean = grouped.mean(axis=reduce_axes, keepdims=True)
    var = grouped.var(axis=reduce_axes, keepdims=True)
    normalized = ((grouped - mean) / np.sqrt(var + epsilon)).reshape(moved.shape) * gamma + beta
    return np.moveaxis(normalized, -1, axis)


@pytest.mark.parametrize("shape, groups, axis", [((3, 4, 6), 3, -1), ((2, 6, 3, 2), 2, 1), ((4, 8), 8, -1)])
def test_group_norm_fused_and_masked_paths_match_numpy(shape, groups, axis):
    rng = np.random.RandomState(0)
    x = rng.normal(size=shape).astype("float32")
    layer = layers.GroupNormalization(groups=groups, axis=axis, epsilon=1e-3)
    layer.build(shape)
    gamma = rng.uniform(0.5, 2.0, size=shape[axis]).astype("float32")
    beta = rng.normal(size=shape[axis]).astype("float32")
    layer.set_weights([gamma, beta])
    expected = _numpy_group_norm(x, groups, axis % len(shape), gamma, beta, 1e-3)
    np.testing.assert_allclose(layer(x).detach().numpy(), expected, rtol=1e-5, atol=1e-5)
    # An all-ones mask takes the tf.keras weighted-moments path and must agree.
    full_mask = torch.ones(shape, dtype=torch.bool)
    np.testing.assert_allclose(layer(x, mask=full_mask).detach().numpy(), expected, rtol=1e-5, atol=1e-5)


def test_group_norm_layer_test_and_training_step():
    layer_test(
        layers.GroupNormalization,
        kwargs={"groups": 2, "gamma_regularizer": "l2", "beta_constraint": "max_norm"},
        input_shape=(3, 5, 4),
    )
    layer_test(layers.GroupNormalization, kwargs={"groups": -1, "axis": 1, "center": False}, input_shape=(2, 3, 4))


def test_unit_norm_and_identity_layer_test():
    x = np.array([[3.0, 4.0], [0.0, 0.0]], dtype="float32")
    layer_test(layers.UnitNormalization, input_data=x, expected_output=np.array([[0.6, 0.8], [0.0, 0.0]]))
    layer_test(layers.UnitNormalization, kwargs={"axis": [1, 2]}, input_shape=(2, 3, 4))
    layer_test(layers.Identity, input_data=x, expected_output=x)


def test_configs_have_tf_keras_keys_and_values():
    group = layers.GroupNormalization(groups=-1)
    group.build((None, 3, 5))
    config = group.get_config()
    assert set(config) == TF_KERAS_KEYS["GroupNormalization"]
    assert config["groups"] == 5 and config["axis"] == -1 and config["epsilon"] == 1e-3
    assert config["gamma_initializer"]["class_name"] == "Ones"
    unit = layers.UnitNormalization()
    assert set(unit.get_config()) == TF_KERAS_KEYS["UnitNormalization"] and unit.get_config()["axis"] == -1
    unit.build((None, 4))
    assert unit.get_config()["axis"] == [1]  # tf.keras 2 stores the validated axis list
    assert set(layers.Identity().get_config()) == TF_KERAS_KEYS["Identity"]
    assert [w.name for w in group.weights] == [f"{group.name}/gamma:0", f"{group.name}/beta:0"]


def test_identity_keeps_masks_and_casts_like_a_keras_layer():
    mask = torch.tensor([[True, False, True]])
    layer = core_extra.Identity()
    assert layer.compute_mask(torch.ones(1, 3, 2), mask) is mask
    y = core_extra.Identity()(np.ones((2, 3), "float64"))
    assert y.dtype == torch.float32  # float inputs take the layer dtype, as tf.keras autocast


@pytest.mark.parametrize(
    "kwargs, shape, message",
    [
        ({"groups": 0}, (2, 4), "groups=0"),
        ({"groups": 3}, (2, 4), "must divide"),
        ({"groups": 5}, (2, 4), "cannot be more"),
        ({"groups": 2, "axis": 3}, (2, 4), "invalid axis 3"),
        ({"groups": 2, "axis": 1.5}, (2, 4), "axis=1.5"),
    ],
)
def test_group_norm_rejects_bad_arguments(kwargs, shape, message):
    with pytest.raises((ValueError, TypeError), match=message):
        layers.GroupNormalization(**kwargs).build(shape)


def test_group_norm_rejects_unbroadcastable_mask_and_unit_norm_bad_axis():
    layer = layers.GroupNormalization(groups=2)
    with pytest.raises(ValueError, match="broadcastable"):
        layer(np.ones((2, 5, 4), "float32"), mask=torch.ones(2, 5, dtype=torch.bool))
    with pytest.raises(TypeError, match="axis='a'"):
        normalization_extra.UnitNormalization(axis="a")


def test_tf_keras_h5_model_loads_and_predicts():
    model = models.load_model(os.path.join(DATA, "group_norm_tfk2.h5"), compile=False)
    assert [type(layer).__name__ for layer in model.layers] == [
        "GroupNormalization",
        "UnitNormalization",
        "Identity",
        "Dense",
    ]
    np.testing.assert_allclose(model.predict(REFERENCES["h5_model/x"]), REFERENCES["h5_model/y"], rtol=1e-5, atol=1e-5)
