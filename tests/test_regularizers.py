"""Regularizers: penalty values against NumPy, argument checks, and (de)serialization."""

import numpy as np
import pytest
import torch

from kerastorch import regularizers

W = np.array([[0.5, -1.5, 2.0], [-0.25, 0.0, 3.0]], dtype=np.float32)


def _penalty(reg, weights=W):
    out = reg(torch.tensor(weights))
    assert isinstance(out, torch.Tensor) and out.ndim == 0
    return float(out)


def test_l1l2_values():
    l1 = np.abs(W).sum()
    l2 = np.square(W).sum()
    assert _penalty(regularizers.L1L2(l1=0.1, l2=0.2)) == pytest.approx(0.1 * l1 + 0.2 * l2, rel=1e-6)
    assert _penalty(regularizers.L1L2(l2=0.1)) == pytest.approx(0.1 * l2, rel=1e-6)
    assert _penalty(regularizers.L1L2()) == 0.0


def test_function_and_class_defaults():
    l1 = np.abs(W).sum()
    l2 = np.square(W).sum()
    assert _penalty(regularizers.l1()) == pytest.approx(0.01 * l1, rel=1e-6)
    assert _penalty(regularizers.l2(0.3)) == pytest.approx(0.3 * l2, rel=1e-6)
    assert _penalty(regularizers.l1(l=0.2)) == pytest.approx(0.2 * l1, rel=1e-6)  # Keras 2.2 keyword
    assert _penalty(regularizers.l1_l2()) == pytest.approx(0.01 * (l1 + l2), rel=1e-6)
    assert _penalty(regularizers.get("l1_l2")) == pytest.approx(0.01 * (l1 + l2), rel=1e-6)


def test_penalty_is_differentiable_and_keeps_dtype():
    weights = torch.tensor(W, dtype=torch.float64, requires_grad=True)
    penalty = regularizers.L1L2(l1=0.1, l2=0.2)(weights)
    assert penalty.dtype == torch.float64
    penalty.backward()
    np.testing.assert_allclose(weights.grad.numpy(), 0.1 * np.sign(W) + 0.4 * W, rtol=1e-6)


def test_orthogonal_regularizer():
    weights = np.random.RandomState(0).randn(4, 3).astype(np.float32)
    for mode, vectors in (("rows", weights), ("columns", weights.T)):
        normed = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        product = normed @ normed.T
        size = vectors.shape[0]
        expected = 0.05 * 0.5 * np.abs(product - np.diag(np.diag(product))).sum() / (size * (size - 1) / 2)
        got = _penalty(regularizers.OrthogonalRegularizer(factor=0.05, mode=mode), weights)
        assert got == pytest.approx(expected, rel=1e-5)


def test_invalid_penalties_are_rejected():
    with pytest.raises(ValueError, match="l1='a'"):
        regularizers.L1L2(l1="a")
    with pytest.raises(ValueError, match="l2=nan"):
        regularizers.L2(float("nan"))
    with pytest.raises(TypeError, match="'scale'"):
        regularizers.L1(scale=0.1)


@pytest.mark.parametrize(
    "reg",
    [
        regularizers.L1L2(0.1, 0.2),
        regularizers.L1(0.3),
        regularizers.L2(0.4),
        regularizers.OrthogonalRegularizer(0.1, "columns"),
    ],
)
def test_serialize_round_trip(reg):
    config = regularizers.serialize(reg)
    assert config["class_name"] == type(reg).__name__
    restored = regularizers.deserialize(config)
    assert type(restored) is type(reg)
    assert restored.get_config() == reg.get_config()
    assert _penalty(restored, W[:, :2] if isinstance(reg, regularizers.OrthogonalRegularizer) else W) == pytest.approx(
        _penalty(reg, W[:, :2] if isinstance(reg, regularizers.OrthogonalRegularizer) else W)
    )


def test_get_accepts_names_and_configs():
    assert type(regularizers.get("l1")) is regularizers.L1
    assert regularizers.get("l2").l2 == 0.01
    assert regularizers.get("L1L2").get_config() == {"l1": 0.0, "l2": 0.0}
    keras22 = {"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.01}}
    assert regularizers.get(keras22).get_config() == {"l1": 0.0, "l2": 0.01}
    keras3 = {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01}, "registered_name": None}
    assert regularizers.get(keras3).l2 == 0.01
    keras1 = {"name": "WeightRegularizer", "l1": 0.0, "l2": 0.05}
    assert regularizers.get(keras1).get_config() == {"l1": 0.0, "l2": 0.05}
    assert regularizers.get(None) is None
    assert regularizers.serialize(None) is None


def test_get_passes_callables_and_custom_objects():
    def custom(weight):
        return weight.sum()

    assert regularizers.get(custom) is custom
    assert regularizers.deserialize("custom", custom_objects={"custom": custom}) is custom


def test_unknown_identifiers():
    with pytest.raises(ValueError, match=r"Unknown regularizer 'l3'.*Valid names:.*l1_l2"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier: 5"):
        regularizers.get(5)
