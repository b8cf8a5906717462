"""Backend math: dot products, reductions, elementwise ops, comparisons and shape manipulation."""

import builtins

import numpy as np
import torch

from kerastorch.backend._config import standardize_dtype
from kerastorch.backend._tensors import _as_tensor
from kerastorch.backend._tensors import _axes
from kerastorch.backend._tensors import _default_device
from kerastorch.backend._tensors import _like


# Linear algebra ------------------------------------------------------------------------------------
def dot(x, y):
    """Keras dot: contracts the last axis of `x` with the second-to-last axis of `y` (as `np.dot`).

    Args:
        x, y: tensors; for nD inputs the result has shape `x.shape[:-1] + y.shape[:-2] + y.shape[-1:]`.
    """
    x, y = _as_tensor(x), _as_tensor(y)
    if x.ndim <= 2 and y.ndim <= 2:
        return torch.matmul(x, y)
    return torch.tensordot(x, y, dims=([x.ndim - 1], [max(y.ndim - 2, 0)]))


def batch_dot(x, y, axes=None):
    """Batchwise dot product (Keras 2 semantics: 2D inputs give shape `(batch, 1)`).

    Args:
        x, y: tensors of rank >= 2 with the same batch size.
        axes: int or pair of ints, the axes to contract (default: last of `x`, and last of `y`
            for 2D `y` else second-to-last).
    """
    x, y = _as_tensor(x), _as_tensor(y)
    x_ndim, y_ndim = x.ndim, y.ndim
    if x_ndim < 2 or y_ndim < 2:
        raise ValueError(
            f"batch_dot requires inputs of rank >= 2. Received: x.shape={tuple(x.shape)}, y.shape={tuple(y.shape)}"
        )
    if x.shape[0] != y.shape[0]:
        raise ValueError(
            "batch_dot requires inputs with the same batch size. "
            f"Received: x.shape={tuple(x.shape)}, y.shape={tuple(y.shape)}"
        )
    if isinstance(axes, int):
        axes = [axes, axes]
    if axes is None:
        axes = [x_ndim - 1, y_ndim - 1] if y_ndim == 2 else [x_ndim - 1, y_ndim - 2]
    if builtins.any(isinstance(a, (list, tuple)) for a in axes):
        raise ValueError(f"batch_dot supports one axis per input. Received: axes={axes!r}")
    a0 = axes[0] % x_ndim
    a1 = axes[1] % y_ndim
    if a0 == 0 or a1 == 0:
        raise ValueError(f"batch_dot cannot contract the batch axis 0. Received: axes={axes!r}")
    if x.shape[a0] != y.shape[a1]:
        raise ValueError(
            f"batch_dot: axis {a0} of x (size {x.shape[a0]}) and axis {a1} of y (size {y.shape[a1]}) must match. "
            f"Received: x.shape={tuple(x.shape)}, y.shape={tuple(y.shape)}"
        )
    # Move the contracted axes next to the batch axis and contract with one batched matmul.
    x_moved = torch.movedim(x, a0, -1)
    y_moved = torch.movedim(y, a1, 1)
    x_rest = x_moved.shape[1:-1]
    y_rest = y_moved.shape[2:]
    batch = x.shape[0]
    result = torch.bmm(
        x_moved.reshape(batch, -1, x_moved.shape[-1]),
        y_moved.reshape(batch, y_moved.shape[1], -1),
    )
    result = result.reshape((batch,) + tuple(x_rest) + tuple(y_rest))
    if x_ndim == 2 and y_ndim == 2:
        result = result.reshape(batch, 1)
    return result


def transpose(x):
    """Reverses the axes of `x`."""
    x = _as_tensor(x)
    return x.permute(*reversed(range(x.ndim)))


def gather(reference, indices):
    """Rows of `reference` (axis 0) picked by integer `indices` (any shape)."""
    reference = _as_tensor(reference)
    indices = _as_tensor(indices).long()
    return reference[indices]


# Reductions ----------------------------------------------------------------------------------------
def _reduce(fn, x, axis, keepdims):
    dims = _axes(x, axis)
    if not dims:
        return x
    return fn(x, dims, keepdims)


def sum(x, axis=None, keepdims=False):  # noqa: A001 - Keras name
    """Sum over `axis` (int, list or None for all)."""
    return _reduce(lambda t, d, k: torch.sum(t, dim=d, keepdim=k), _as_tensor(x), axis, keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001 - Keras name
    """Maximum over `axis`."""
    return _reduce(lambda t, d, k: torch.amax(t, dim=d, keepdim=k), _as_tensor(x), axis, keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001 - Keras name
    """Minimum over `axis`."""
    return _reduce(lambda t, d, k: torch.amin(t, dim=d, keepdim=k), _as_tensor(x), axis, keepdims)


def _prod(t, dims, keepdims):
    for dim in sorted(dims, reverse=True):
        t = torch.prod(t, dim=dim, keepdim=keepdims)
    return t


def prod(x, axis=None, keepdims=False):
    """Product over `axis`."""
    return _reduce(_prod, _as_tensor(x), axis, keepdims)


def _float_for_stats(x):
    return x if x.dtype.is_floating_point else x.to(standardize_dtype(None))


def mean(x, axis=None, keepdims=False):
    """Mean over `axis` (booleans are averaged as floatx; integers keep their dtype, as tf does)."""
    x = _as_tensor(x)
    if x.dtype == torch.bool:
        x = x.to(standardize_dtype(None))
    if x.dtype.is_floating_point:
        return _reduce(lambda t, d, k: torch.mean(t, dim=d, keepdim=k), x, axis, keepdims)
    dims = _axes(x, axis)
    count = int(np.prod([x.shape[d] for d in dims], dtype=np.int64)) if dims else 1
    total = torch.sum(x, dim=dims, keepdim=keepdims) if dims else x
    return torch.div(total, builtins.max(count, 1), rounding_mode="trunc").to(x.dtype)


def var(x, axis=None, keepdims=False):
    """Population variance over `axis`."""
    x = _float_for_stats(_as_tensor(x))
    return _reduce(lambda t, d, k: torch.var(t, dim=d, keepdim=k, correction=0), x, axis, keepdims)


def std(x, axis=None, keepdims=False):
    """Population standard deviation over `axis`."""
    return torch.sqrt(var(x, axis=axis, keepdims=keepdims))


def any(x, axis=None, keepdims=False):  # noqa: A001 - Keras name
    """Logical OR over `axis` (returns a bool tensor)."""
    x = _as_tensor(x).bool()
    return _reduce(lambda t, d, k: torch.amax(t, dim=d, keepdim=k), x, axis, keepdims)


def all(x, axis=None, keepdims=False):  # noqa: A001 - Keras name
    """Logical AND over `axis` (returns a bool tensor)."""
    x = _as_tensor(x).bool()
    return _reduce(lambda t, d, k: torch.amin(t, dim=d, keepdim=k), x, axis, keepdims)


def argmax(x, axis=-1):
    """Index of the maximum along `axis` (int64)."""
    return torch.argmax(_as_tensor(x), dim=axis)


def argmin(x, axis=-1):
    """Index of the minimum along `axis` (int64)."""
    return torch.argmin(_as_tensor(x), dim=axis)


def logsumexp(x, axis=None, keepdims=False):
    """`log(sum(exp(x)))` over `axis`, computed stably."""
    return _reduce(lambda t, d, k: torch.logsumexp(t, dim=d, keepdim=k), _as_tensor(x), axis, keepdims)


def cumsum(x, axis=0):
    """Cumulative sum along `axis`."""
    return torch.cumsum(_as_tensor(x), dim=axis)


def cumprod(x, axis=0):
    """Cumulative product along `axis`."""
    return torch.cumprod(_as_tensor(x), dim=axis)


# Element-wise ----------------------------------------------------------------------------------------
def square(x):
    """Element-wise square."""
    x = _as_tensor(x)
    return x * x


def abs(x):  # noqa: A001 - Keras name
    """Element-wise absolute value."""
    return torch.abs(_as_tensor(x))


def sqrt(x):
    """Element-wise square root; negative inputs give 0 (Keras clips at zero first)."""
    return torch.sqrt(torch.clamp(_as_tensor(x), min=0))


def exp(x):
    """Element-wise exponential."""
    return torch.exp(_as_tensor(x))


def log(x):
    """Element-wise natural logarithm."""
    return torch.log(_as_tensor(x))


def pow(x, a):  # noqa: A001 - Keras name
    """Element-wise `x ** a`."""
    return torch.pow(_as_tensor(x), a)


def round(x):  # noqa: A001 - Keras name
    """Element-wise rounding to the nearest integer, halves to even (as tf.round)."""
    return torch.round(_as_tensor(x))


def sign(x):
    """Element-wise sign (-1, 0 or 1)."""
    return torch.sign(_as_tensor(x))


def sin(x):
    """Element-wise sine."""
    return torch.sin(_as_tensor(x))


def cos(x):
    """Element-wise cosine."""
    return torch.cos(_as_tensor(x))


def clip(x, min_value, max_value):
    """Element-wise clipping to `[min_value, max_value]` (None means unbounded).

    Args:
        x: tensor.
        min_value, max_value: numbers or tensors; a `max_value` below `min_value` is raised to it.
    """
    x = _as_tensor(x)
    if isinstance(min_value, (int, float)) and isinstance(max_value, (int, float)) and max_value < min_value:
        max_value = min_value
    return torch.clamp(x, min=min_value, max=max_value)


def _compare(fn):
    def op(x, y):
        x = _as_tensor(x)
        return fn(x, _like(y, x))

    return op


equal = _compare(torch.eq)
not_equal = _compare(torch.ne)
greater = _compare(torch.gt)
greater_equal = _compare(torch.ge)
less = _compare(torch.lt)
less_equal = _compare(torch.le)
maximum = _compare(torch.maximum)
minimum = _compare(torch.minimum)
for _name, _doc in (
    ("equal", "Element-wise `x == y` (bool)."),
    ("not_equal", "Element-wise `x != y` (bool)."),
    ("greater", "Element-wise `x > y` (bool)."),
    ("greater_equal", "Element-wise `x >= y` (bool)."),
    ("less", "Element-wise `x < y` (bool)."),
    ("less_equal", "Element-wise `x <= y` (bool)."),
    ("maximum", "Element-wise maximum of two tensors."),
    ("minimum", "Element-wise minimum of two tensors."),
):
    globals()[_name].__name__ = _name
    globals()[_name].__doc__ = _doc
del _name, _doc


# Shape manipulation ----------------------------------------------------------------------------------
def concatenate(tensors, axis=-1):
    """Concatenates a list of tensors along `axis`."""
    tensors = [_as_tensor(t) for t in tensors]
    if axis < 0:
        rank = tensors[0].ndim
        axis = axis % rank if rank else 0
    return torch.cat(tensors, dim=axis)


def reshape(x, shape):
    """Reshapes `x` to `shape` (one entry may be -1)."""
    return torch.reshape(_as_tensor(x), tuple(int(d) for d in shape))


def permute_dimensions(x, pattern):
    """Permutes the axes of `x`, e.g. `pattern=(0, 2, 1)`."""
    return _as_tensor(x).permute(*[int(p) for p in pattern])


def repeat_elements(x, rep, axis):
    """Repeats each element of `x` `rep` times along `axis` (like `np.repeat`)."""
    return torch.repeat_interleave(_as_tensor(x), int(rep), dim=axis)


def repeat(x, n):
    """Repeats a 2D tensor `(batch, dim)` into `(batch, n, dim)`."""
    x = _as_tensor(x)
    if x.ndim != 2:
        raise ValueError(f"repeat expects a 2D tensor. Received: shape={tuple(x.shape)}")
    return x.unsqueeze(1).expand(x.shape[0], int(n), x.shape[1])


def arange(start, stop=None, step=1, dtype="int32"):
    """1D tensor of `start, start + step, ...` below `stop` (`arange(n)` counts from 0).

    Args:
        start, stop, step: range bounds.
        dtype: Keras dtype name of the result (default 'int32').
    """
    if stop is None:
        start, stop = 0, builtins.max(start, 0)
    return torch.arange(start, stop, step, device=_default_device()).to(standardize_dtype(dtype))


def tile(x, n):
    """Tiles `x` by `n` (an int or a list with one entry per axis)."""
    if isinstance(n, (int, np.integer)):
        n = [int(n)]
    return torch.tile(_as_tensor(x), tuple(int(v) for v in n))


def flatten(x):
    """Flattens `x` to 1D."""
    return torch.reshape(_as_tensor(x), (-1,))


def batch_flatten(x):
    """Flattens each sample: `(batch, ...)` -> `(batch, prod(...))`."""
    x = _as_tensor(x)
    return torch.reshape(x, (x.shape[0], -1))


def expand_dims(x, axis=-1):
    """Inserts a size-1 axis at `axis`."""
    return torch.unsqueeze(_as_tensor(x), axis)


def squeeze(x, axis):
    """Removes the size-1 axis `axis`."""
    x = _as_tensor(x)
    if x.shape[axis] != 1:
        raise ValueError(f"squeeze: axis {axis} must have size 1. Received: shape={tuple(x.shape)}, axis={axis}")
    return torch.squeeze(x, axis)


def stack(x, axis=0):
    """Stacks a list of same-shape tensors along a new `axis`."""
    return torch.stack([_as_tensor(t) for t in x], dim=axis)


def unstack(x, axis=0):
    """Splits `x` along `axis` into a list of tensors."""
    return list(torch.unbind(_as_tensor(x), dim=axis))


def one_hot(indices, num_classes):
    """One-hot encoding of integer `indices` as floatx, with a new last axis of size `num_classes`.

    Indices outside `[0, num_classes)` give an all-zero row, as tf.one_hot does.
    """
    indices = _as_tensor(indices).long()
    valid = (indices >= 0) & (indices < num_classes)
    encoded = torch.nn.functional.one_hot(torch.where(valid, indices, torch.zeros_like(indices)), int(num_classes))
    return (encoded * valid.unsqueeze(-1)).to(standardize_dtype(None))


def reverse(x, axes):
    """Reverses `x` along `axes` (int or list)."""
    if isinstance(axes, (int, np.integer)):
        axes = [int(axes)]
    return torch.flip(_as_tensor(x), dims=tuple(axes))


def slice(x, start, size):  # noqa: A001 - Keras name
    """`x[start[0]:start[0]+size[0], ...]`; a size of -1 takes everything to the end."""
    x = _as_tensor(x)
    index = tuple(builtins.slice(int(b), None if int(s) == -1 else int(b) + int(s)) for b, s in zip(start, size))
    return x[index]
