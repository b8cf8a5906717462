"""Tests for kerastorch.utils.np_utils: to_categorical and normalize against NumPy."""

import numpy as np
import pytest

from kerastorch.utils import np_utils


def test_to_categorical_vector():
    result = np_utils.to_categorical([0, 2, 1, 2])
    expected = np.array([[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]], dtype="float32")
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result, expected)


def test_to_categorical_column_input_drops_trailing_axis():
    result = np_utils.to_categorical(np.array([[1], [0]]), num_classes=4)
    np.testing.assert_array_equal(result, [[0, 1, 0, 0], [1, 0, 0, 0]])
    assert result.shape == (2, 4)


def test_to_categorical_multi_dimensional_matches_eye_indexing():
    labels = np.random.RandomState(0).randint(0, 5, size=(3, 4, 2))
    result = np_utils.to_categorical(labels, num_classes=5, dtype="int64")
    assert result.shape == (3, 4, 2, 5) and result.dtype == np.int64
    np.testing.assert_array_equal(result, np.eye(5, dtype="int64")[labels])


def test_to_categorical_scalar():
    np.testing.assert_array_equal(np_utils.to_categorical(2, num_classes=3), [0, 0, 1])


def test_to_categorical_rejects_out_of_range_labels():
    with pytest.raises(ValueError, match=r"\[0, 2\].*from 0 to 3"):
        np_utils.to_categorical([0, 3], num_classes=3)
    with pytest.raises(ValueError, match="from -1"):
        np_utils.to_categorical([-1, 1])


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("order", [1, 2])
def test_normalize_matches_numpy(axis, order):
    x = np.random.RandomState(1).randn(3, 4)
    x[1] = 0.0  # a zero row keeps its zeros
    norms = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    expected = x / np.where(norms == 0, 1, norms)
    np.testing.assert_allclose(np_utils.normalize(x, axis=axis, order=order), expected)


def test_normalize_vector_returns_keras_2_shape():
    result = np_utils.normalize(np.array([3.0, 4.0]))
    np.testing.assert_allclose(result, [[0.6, 0.8]])
