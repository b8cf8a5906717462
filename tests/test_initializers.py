"""Initializers: distribution statistics, Keras fan rules, seeding, dtype/device, and (de)serialization."""

import math

import numpy as np
import pytest
import torch

from kerastorch import backend
from kerastorch import initializers

LARGE = (300, 400)


def _values(init, shape=LARGE, dtype=None):
    out = init(shape, dtype=dtype)
    assert isinstance(out, torch.Tensor)
    assert tuple(out.shape) == tuple(shape)
    return out.double().numpy()


def test_zeros_ones_constant():
    np.testing.assert_array_equal(_values(initializers.Zeros(), (2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(_values(initializers.Ones(), (2, 3)), np.ones((2, 3)))
    np.testing.assert_array_equal(_values(initializers.Constant(2.5), (2, 3)), np.full((2, 3), 2.5))
    np.testing.assert_array_equal(_values(initializers.Constant([1, 2, 3, 4]), (2, 2)), [[1, 2], [3, 4]])
    assert initializers.get("zeros")((2,), dtype="int32").dtype == torch.int32


def test_random_uniform_statistics():
    values = _values(initializers.RandomUniform(minval=-0.3, maxval=0.7, seed=1))
    assert values.min() >= -0.3 and values.max() < 0.7
    assert abs(values.mean() - 0.2) < 0.005
    assert abs(values.std() - 1.0 / math.sqrt(12)) < 0.005


def test_random_normal_statistics():
    values = _values(initializers.RandomNormal(mean=1.0, stddev=0.5, seed=2))
    assert abs(values.mean() - 1.0) < 0.005
    assert abs(values.std() - 0.5) < 0.005


def test_truncated_normal_statistics_and_bounds():
    values = _values(initializers.TruncatedNormal(mean=0.5, stddev=2.0, seed=3))
    assert values.min() >= 0.5 - 4.0 and values.max() <= 0.5 + 4.0
    assert abs(values.mean() - 0.5) < 0.02
    # A unit normal truncated at +-2 has stddev 0.87962566 (scipy.stats.truncnorm(-2, 2).std()).
    assert abs(values.std() - 2.0 * 0.87962566) < 0.01


def test_default_stddev_and_limits_are_keras_defaults():
    assert initializers.RandomNormal().get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}
    assert initializers.RandomUniform().get_config() == {"minval": -0.05, "maxval": 0.05, "seed": None}
    assert initializers.TruncatedNormal().get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}


@pytest.mark.parametrize(
    "shape, fan_in, fan_out",
    [
        ((), 1, 1),
        ((7,), 7, 7),
        ((30, 50), 30, 50),
        ((3, 20, 40), 60, 120),  # Conv1D kernel (width, in, out)
        ((3, 5, 16, 32), 240, 480),  # Conv2D kernel (rows, cols, in, out)
        ((2, 3, 3, 4, 6), 72, 108),  # Conv3D kernel
    ],
)
def test_fan_rules_through_variance_scaling_uniform_limit(shape, fan_in, fan_out):
    for mode, fan in (("fan_in", fan_in), ("fan_out", fan_out), ("fan_avg", (fan_in + fan_out) / 2.0)):
        init = initializers.VarianceScaling(scale=3.0, mode=mode, distribution="uniform", seed=5)
        limit = math.sqrt(3.0 * 3.0 / max(1.0, fan))
        values = _values(init, shape)
        assert np.all(np.abs(values) <= limit + 1e-6)
        if values.size >= 1000:
            assert np.abs(values).max() > 0.98 * limit


@pytest.mark.parametrize(
    "name, scale, fan, uniform",
    [
        ("glorot_uniform", 1.0, "avg", True),
        ("glorot_normal", 1.0, "avg", False),
        ("lecun_uniform", 1.0, "in", True),
        ("lecun_normal", 1.0, "in", False),
        ("he_uniform", 2.0, "in", True),
        ("he_normal", 2.0, "in", False),
    ],
)
def test_named_variance_scaling_initializers(name, scale, fan, uniform):
    shape = (3, 3, 40, 60)
    fan_in, fan_out = 9 * 40, 9 * 60
    n = (fan_in + fan_out) / 2.0 if fan == "avg" else fan_in
    values = _values(initializers.get(name), shape)
    if uniform:
        limit = math.sqrt(3.0 * scale / n)
        assert np.abs(values).max() <= limit + 1e-7
        assert abs(values.std() - limit / math.sqrt(3.0)) < 0.02 * limit
    else:
        # tf.keras 2 divides by 0.8796 so the truncated draws end up with stddev sqrt(scale / n).
        stddev = math.sqrt(scale / n)
        assert abs(values.std() - stddev) < 0.02 * stddev
        assert np.abs(values).max() <= 2.0 * stddev / 0.87962566103423978 + 1e-7


def test_variance_scaling_untruncated_normal_and_normal_alias():
    values = _values(initializers.VarianceScaling(scale=4.0, mode="fan_out", distribution="untruncated_normal"))
    assert abs(values.std() - math.sqrt(4.0 / LARGE[1])) < 0.002
    legacy = initializers.VarianceScaling(distribution="normal")
    assert legacy.get_config()["distribution"] == "truncated_normal"


def test_variance_scaling_validates_arguments():
    with pytest.raises(ValueError, match="scale=0"):
        initializers.VarianceScaling(scale=0)
    with pytest.raises(ValueError, match="mode='fan'"):
        initializers.VarianceScaling(mode="fan")
    with pytest.raises(ValueError, match="distribution='gamma'"):
        initializers.VarianceScaling(distribution="gamma")


def test_random_initializers_reject_integer_dtype():
    with pytest.raises(ValueError, match="int32"):
        initializers.RandomNormal()((2, 2), dtype="int32")


@pytest.mark.parametrize("shape", [(6, 6), (10, 4), (4, 10), (3, 3, 4, 5)])
def test_orthogonal(shape):
    values = _values(initializers.Orthogonal(gain=2.0, seed=1), shape)
    flat = values.reshape(-1, shape[-1])
    if flat.shape[0] >= flat.shape[1]:
        np.testing.assert_allclose(flat.T @ flat, 4.0 * np.eye(flat.shape[1]), atol=1e-5)
    else:
        np.testing.assert_allclose(flat @ flat.T, 4.0 * np.eye(flat.shape[0]), atol=1e-5)


def test_orthogonal_rejects_1d():
    with pytest.raises(ValueError, match="rank at least 2"):
        initializers.Orthogonal()((5,))


def test_identity():
    np.testing.assert_array_equal(_values(initializers.Identity(gain=3.0), (2, 3)), 3.0 * np.eye(2, 3))
    with pytest.raises(ValueError, match="2D"):
        initializers.Identity()((2, 2, 2))


@pytest.mark.parametrize(
    "init",
    [
        initializers.RandomNormal(seed=7),
        initializers.RandomUniform(seed=7),
        initializers.TruncatedNormal(seed=7),
        initializers.GlorotUniform(seed=7),
        initializers.HeNormal(seed=7),
        initializers.Orthogonal(seed=7),
    ],
)
def test_seeded_initializers_are_reproducible(init):
    first = init((20, 30))
    np.testing.assert_array_equal(first.numpy(), init((20, 30)).numpy())
    copy = initializers.deserialize(initializers.serialize(init))
    np.testing.assert_array_equal(first.numpy(), copy((20, 30)).numpy())
    other = type(init)(**{**init.get_config(), "seed": 8})
    assert not np.array_equal(first.numpy(), other((20, 30)).numpy())


def test_unseeded_initializers_follow_torch_global_seed():
    init = initializers.GlorotUniform()
    torch.manual_seed(0)
    first = init((5, 5))
    torch.manual_seed(0)
    np.testing.assert_array_equal(first.numpy(), init((5, 5)).numpy())
    assert not np.array_equal(first.numpy(), init((5, 5)).numpy())


def test_dtype_follows_argument_and_floatx():
    assert initializers.GlorotUniform()((3, 3)).dtype == torch.float32
    assert initializers.GlorotUniform()((3, 3), dtype="float64").dtype == torch.float64
    assert initializers.Orthogonal()((3, 3), dtype="float16").dtype == torch.float16
    previous = backend.floatx()
    backend.set_floatx("float64")
    try:
        assert initializers.RandomNormal()((3,)).dtype == torch.float64
    finally:
        backend.set_floatx(previous)


def test_tensors_are_created_on_the_default_device():
    with torch.device("meta"):
        assert initializers.Zeros()((2, 2)).device.type == "meta"
        assert initializers.RandomUniform()((2, 2)).device.type == "meta"


def test_serialize_uses_keras2_class_names_and_configs():
    assert initializers.serialize(initializers.GlorotUniform(seed=3)) == {
        "class_name": "GlorotUniform",
        "config": {"seed": 3},
    }
    assert initializers.serialize(initializers.VarianceScaling(2.0, "fan_out", "uniform")) == {
        "class_name": "VarianceScaling",
        "config": {"scale": 2.0, "mode": "fan_out", "distribution": "uniform", "seed": None},
    }
    assert initializers.serialize(None) is None


@pytest.mark.parametrize(
    "identifier, cls",
    [
        ("glorot_uniform", initializers.GlorotUniform),
        ("GlorotUniform", initializers.GlorotUniform),
        ("he_normal", initializers.HeNormal),
        ("orthogonal", initializers.Orthogonal),
        ("identity", initializers.Identity),
        ("uniform", initializers.RandomUniform),  # Keras 1
        ("normal", initializers.RandomNormal),  # Keras 1
        ("zero", initializers.Zeros),  # Keras 1
        ("one", initializers.Ones),  # Keras 1
        ("random_normal", initializers.RandomNormal),
        ("truncated_normal", initializers.TruncatedNormal),
        ("GlorotUniformV2", initializers.GlorotUniform),
    ],
)
def test_get_accepts_keras_names(identifier, cls):
    assert type(initializers.get(identifier)) is cls


def test_function_style_aliases_construct_instances():
    assert isinstance(initializers.glorot_uniform(seed=1), initializers.GlorotUniform)
    assert initializers.get(initializers.HeUniform).get_config() == {"seed": None}


def test_deserialize_keras2_keras1_and_keras3_configs():
    keras22 = {
        "class_name": "VarianceScaling",
        "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None},
    }
    assert initializers.deserialize(keras22).get_config() == keras22["config"]
    tf_v1 = {"class_name": "RandomNormal", "config": {"mean": 0.0, "stddev": 0.02, "seed": None, "dtype": "float32"}}
    assert initializers.deserialize(tf_v1).stddev == 0.02
    keras3 = {
        "module": "keras.initializers",
        "class_name": "GlorotUniform",
        "config": {"seed": 3, "input_axes": None, "output_axes": None},
        "registered_name": None,
    }
    restored = initializers.get(keras3)
    assert type(restored) is initializers.GlorotUniform and restored.seed == 3
    orthogonal3 = {"module": "keras.initializers", "class_name": "Orthogonal", "config": {"seed": None, "gain": 1.0}}
    assert initializers.get(orthogonal3).gain == 1.0


def test_get_passes_callables_and_none():
    def custom(shape, dtype=None):
        return torch.full(shape, 7.0)

    assert initializers.get(custom) is custom
    assert initializers.get(None) is None
    assert initializers.deserialize("custom", custom_objects={"custom": custom}) is custom


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match=r"Unknown initializer 'glorot'.*Valid names:.*glorot_uniform"):
        initializers.get("glorot")
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: 3"):
        initializers.get(3)
