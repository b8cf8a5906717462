"""NumPy helpers for labels and vectors: to_categorical, to_ordinal and normalize."""

import numpy as np

__all__ = ["to_categorical", "to_ordinal", "normalize"]


def to_categorical(y, num_classes=None, dtype="float32"):
    """Converts a class vector (integers) to a binary class matrix.

    A trailing axis of size 1 is dropped first, so labels of shape `(n, 1)` give `(n, C)`;
    other shapes `s` give `s + (C,)`.

    Args:
        y: array-like of class indices from 0 to `num_classes - 1`.
        num_classes: total number of classes; `max(y) + 1` when None.
        dtype: data type of the output (default 'float32').

    Returns:
        A one-hot NumPy array.

    Example:

    >>> to_categorical([0, 2, 1], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]], dtype=float32)
    """
    y = np.array(y, dtype="int")
    input_shape = y.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    y = y.ravel()
    if num_classes is None or num_classes == 0:
        if y.size == 0:
            raise ValueError("to_categorical cannot infer `num_classes` from empty labels; pass num_classes.")
        num_classes = int(np.max(y)) + 1
    num_classes = int(num_classes)
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"to_categorical expects class indices in [0, {num_classes - 1}] for "
            f"num_classes={num_classes}. Received labels from {int(y.min())} to {int(y.max())}."
        )
    num_samples = y.shape[0]
    categorical = np.zeros((num_samples, num_classes), dtype=dtype)
    categorical[np.arange(num_samples), y] = 1
    return np.reshape(categorical, input_shape + (num_classes,))


def to_ordinal(y, num_classes=None, dtype="float32"):
    """Converts a class vector (integers) to an ordinal regression matrix.

    Class `k` becomes `k` ones followed by zeros, over `num_classes - 1` columns. A trailing
    axis of size 1 is dropped first, as in `to_categorical`.

    Args:
        y: array-like of class indices from 0 to `num_classes - 1`.
        num_classes: total number of classes; `max(y) + 1` when None.
        dtype: data type of the output (default 'float32').

    Example:

    >>> to_ordinal([0, 2, 1], num_classes=3)
    array([[0., 0.],
           [1., 1.],
           [1., 0.]], dtype=float32)
    """
    y = np.array(y, dtype="int")
    input_shape = y.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    y = y.reshape(-1)
    if not num_classes:
        if y.size == 0:
            raise ValueError("to_ordinal cannot infer `num_classes` from empty labels; pass num_classes.")
        num_classes = int(np.max(y)) + 1
    num_classes = int(num_classes)
    ordinal = (np.arange(num_classes - 1)[np.newaxis, :] < y[:, np.newaxis]).astype(dtype)
    return np.reshape(ordinal, input_shape + (num_classes - 1,))


def normalize(x, axis=-1, order=2):
    """Normalizes a NumPy array along an axis (zero norms are left unchanged).

    As in Keras 2, the norms are expanded along `axis`, so a 1-D input of length `n`
    returns shape `(1, n)`.

    Args:
        x: NumPy array to normalize.
        axis: axis along which to normalize.
        order: normalization order (2 for the L2 norm), as in `np.linalg.norm`.

    Returns:
        A normalized copy of the array.
    """
    norms = np.atleast_1d(np.linalg.norm(x, order, axis))
    norms[norms == 0] = 1
    return x / np.expand_dims(norms, axis)
