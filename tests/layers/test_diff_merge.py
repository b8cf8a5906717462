"""Merge layers and pooling edge cases where tf.keras 2.15 behaves differently from Keras 2.2.4."""

import importlib

import numpy as np
import pytest
import torch

from kerastorch import Input
from kerastorch.layers import pooling

# `kerastorch.layers.merge` is the Keras 1 `merge()` function; the module is imported by its path.
merge = importlib.import_module("kerastorch.layers.merge")


def _x(*shape, seed=0):
    return np.random.RandomState(seed).randn(*shape).astype("float32")


@pytest.mark.parametrize(
    "cls", [merge.Add, merge.Multiply, merge.Average, merge.Maximum, merge.Minimum, merge.Concatenate]
)
def test_merge_of_a_single_input_is_that_input(cls):
    # tf.keras 2.15 merges a list of one tensor (Keras 2.2.4 wanted at least 2).
    x = _x(2, 3)
    layer = cls()
    np.testing.assert_array_equal(layer([torch.as_tensor(x)]).numpy(), x)
    assert layer.compute_output_shape([(None, 3)]) == (None, 3)
    assert tuple(cls()([Input((3,))]).shape) == (None, 3)


@pytest.mark.parametrize("cls, count", [(merge.Subtract, 1), (merge.Dot, 1), (merge.Dot, 3)])
def test_subtract_and_dot_still_need_exactly_two_inputs(cls, count):
    layer = cls(axes=1) if cls is merge.Dot else cls()
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layer([torch.zeros(2, 3)] * count)


def test_merge_of_an_empty_list_raises():
    with pytest.raises(ValueError, match="list of inputs"):
        merge.Add().compute_output_shape([])


def test_dot_config_keeps_axes_as_given():
    assert merge.Dot(axes=1).get_config()["axes"] == 1
    assert merge.Dot(axes=-1).get_config()["axes"] == -1
    assert list(merge.Dot(axes=(1, 2)).get_config()["axes"]) == [1, 2]
    clone = merge.Dot.from_config(merge.Dot(axes=2).get_config())
    a, b = _x(2, 3, 5), _x(2, 4, 5, seed=1)
    np.testing.assert_allclose(
        clone([torch.as_tensor(a), torch.as_tensor(b)]).numpy(), np.einsum("bik,bjk->bij", a, b), rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize("axes", [0, (0, 1), (1, 0)])
def test_dot_over_the_batch_axis_raises(axes):
    layer = merge.Dot(axes=axes)
    with pytest.raises(ValueError, match="batch axis"):
        layer([torch.zeros(2, 2), torch.zeros(2, 2)])
    with pytest.raises(ValueError, match="batch axis"):
        merge.Dot(axes=axes)([Input((2,)), Input((2,))])


@pytest.mark.parametrize(
    "axes, error", [((1,), ValueError), ((1, 2, 3), ValueError), ("a", TypeError), (1.0, TypeError)]
)
def test_dot_rejects_malformed_axes(axes, error):
    with pytest.raises(error, match="axes"):
        merge.Dot(axes=axes)


def test_dot_normalize_uses_tf_l2_normalize_epsilon():
    # tf.math.l2_normalize divides by sqrt(max(sum(x**2), 1e-12)): a tiny vector is not scaled to unit length.
    tiny = np.full((2, 3), 1e-8, dtype="float32")
    other = _x(2, 3)
    out = merge.Dot(axes=1, normalize=True)([torch.as_tensor(tiny), torch.as_tensor(other)]).numpy()

    def l2n(v):
        return v / np.sqrt(np.maximum((v.astype("float64") ** 2).sum(axis=1, keepdims=True), 1e-12))

    expected = (l2n(tiny) * l2n(other)).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-7)
    # The value tf.keras 2.15 prints for this input.
    np.testing.assert_allclose(out[:, 0], [0.01528165, 0.01017793], rtol=1e-5)


@pytest.mark.parametrize("cls, shape", [(pooling.MaxPooling2D, (2, 5, 5, 2)), (pooling.AveragePooling1D, (2, 3, 2))])
def test_valid_pooling_of_an_input_smaller_than_the_window_raises_value_error(cls, shape):
    layer = cls(pool_size=6)
    with pytest.raises(ValueError, match="smaller than pool_size"):
        layer(torch.zeros(shape))


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_max_pooling_of_integers_keeps_the_integer_dtype(padding):
    x = np.array([[[3], [-7], [2], [9], [5]]], dtype="int32")
    out = pooling.MaxPooling1D(pool_size=2, padding=padding)(torch.as_tensor(x))
    assert out.dtype == torch.int32
    expected = [[[3], [9]]] if padding == "valid" else [[[3], [9], [5]]]
    np.testing.assert_array_equal(out.numpy(), expected)
    image = torch.as_tensor(np.arange(16, dtype="int64").reshape(1, 4, 4, 1))
    pooled = pooling.MaxPooling2D()(image)
    assert pooled.dtype == torch.int64
    np.testing.assert_array_equal(pooled.numpy()[0, :, :, 0], [[5, 7], [13, 15]])
