"""Constraints: the Keras 2 formulas (epsilon placement included) against NumPy, and (de)serialization."""

import numpy as np
import pytest
import torch

from kerastorch import backend
from kerastorch import constraints

EPS = 1e-7
W = np.random.RandomState(0).randn(5, 4).astype(np.float32) * 3
KERNEL = np.random.RandomState(1).randn(3, 3, 2, 4).astype(np.float32)


def _apply(constraint, weights=W):
    return constraint(torch.tensor(weights)).numpy()


def _norms(w, axis):
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


@pytest.mark.parametrize("axis", [0, 1, [0, 1, 2]])
def test_max_norm(axis):
    weights = KERNEL if isinstance(axis, list) else W
    norms = _norms(weights, tuple(axis) if isinstance(axis, list) else axis)
    expected = weights * (np.clip(norms, 0, 2.5) / (EPS + norms))
    np.testing.assert_allclose(_apply(constraints.MaxNorm(2.5, axis=axis), weights), expected, rtol=1e-6)


def test_max_norm_leaves_small_vectors_almost_unchanged():
    small = np.full((3, 2), 0.1, dtype=np.float32)
    # Keras divides by (epsilon + norms), so even vectors under the limit shrink by a hair.
    np.testing.assert_allclose(_apply(constraints.MaxNorm(2), small), small * (np.sqrt(0.03) / (EPS + np.sqrt(0.03))))


def test_non_neg():
    np.testing.assert_array_equal(_apply(constraints.NonNeg()), W * (W >= 0))


@pytest.mark.parametrize("axis", [0, -1])
def test_unit_norm(axis):
    expected = W / (EPS + _norms(W, axis))
    np.testing.assert_allclose(_apply(constraints.UnitNorm(axis=axis)), expected, rtol=1e-6)


def test_min_max_norm():
    norms = _norms(W, 0)
    desired = 0.7 * np.clip(norms, 2.0, 4.0) + 0.3 * norms
    expected = W * (desired / (EPS + norms))
    np.testing.assert_allclose(_apply(constraints.MinMaxNorm(2.0, 4.0, rate=0.7)), expected, rtol=1e-6)


def test_epsilon_comes_from_backend():
    previous = backend.epsilon()
    backend.set_epsilon(0.5)
    try:
        expected = W / (0.5 + _norms(W, 0))
        np.testing.assert_allclose(_apply(constraints.UnitNorm()), expected, rtol=1e-6)
    finally:
        backend.set_epsilon(previous)


@pytest.mark.parametrize(
    "constraint",
    [
        constraints.MaxNorm(3, axis=1),
        constraints.NonNeg(),
        constraints.UnitNorm(axis=[0, 1]),
        constraints.MinMaxNorm(0.5, 2.0, 0.5, 1),
    ],
)
def test_serialize_round_trip(constraint):
    config = constraints.serialize(constraint)
    assert config["class_name"] == type(constraint).__name__
    restored = constraints.deserialize(config)
    assert type(restored) is type(constraint)
    assert restored.get_config() == constraint.get_config()


def test_get_config_keys_are_keras():
    assert constraints.MaxNorm().get_config() == {"max_value": 2, "axis": 0}
    assert constraints.MinMaxNorm().get_config() == {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}
    assert constraints.UnitNorm().get_config() == {"axis": 0}
    assert constraints.NonNeg().get_config() == {}


@pytest.mark.parametrize(
    "name, cls",
    [
        ("max_norm", constraints.MaxNorm),
        ("MaxNorm", constraints.MaxNorm),
        ("maxnorm", constraints.MaxNorm),
        ("non_neg", constraints.NonNeg),
        ("nonneg", constraints.NonNeg),
        ("unit_norm", constraints.UnitNorm),
        ("min_max_norm", constraints.MinMaxNorm),
    ],
)
def test_get_by_name(name, cls):
    assert type(constraints.get(name)) is cls


def test_aliases_and_legacy_configs():
    assert constraints.max_norm(4).max_value == 4
    keras1 = {"name": "MaxNorm", "m": 3, "axis": 0}
    assert constraints.get(keras1).get_config() == {"max_value": 3, "axis": 0}
    keras3 = {"module": "keras.constraints", "class_name": "NonNeg", "config": {}, "registered_name": None}
    assert type(constraints.get(keras3)) is constraints.NonNeg


def test_get_passes_callables_none_and_custom_objects():
    def clip(w):
        return w.clamp(-1, 1)

    assert constraints.get(clip) is clip
    assert constraints.get(None) is None
    assert constraints.serialize(None) is None
    assert constraints.deserialize("clip", custom_objects={"clip": clip}) is clip


def test_unknown_identifiers():
    with pytest.raises(ValueError, match=r"Unknown constraint 'maxnorms'.*Valid names:.*max_norm"):
        constraints.get("maxnorms")
    with pytest.raises(ValueError, match="Could not interpret constraint identifier: 1.5"):
        constraints.get(1.5)
    with pytest.raises(TypeError, match="'limit'"):
        constraints.MaxNorm(limit=2)
