"""Backend tensor basics: conversion helpers, variables and constants, random draws, shapes, value access and gradients."""

import builtins
import contextlib
import math

import numpy as np
import torch

from kerastorch.backend._config import dtype_name
from kerastorch.backend._config import floatx
from kerastorch.backend._config import get_uid
from kerastorch.backend._config import standardize_dtype


# ---------------------------------------------------------------------------------------------
# Tensor functions (K.*) follow below.
# ---------------------------------------------------------------------------------------------
def _default_device():
    return torch.get_default_device() if hasattr(torch, "get_default_device") else torch.empty(0).device


def _as_tensor(x, dtype=None):
    """Torch tensor for `x`; Python numbers and lists become floatx, numpy keeps its dtype (as tf does)."""
    if isinstance(x, torch.Tensor):
        return x if dtype is None else x.to(dtype)
    if isinstance(x, np.ndarray) or np.isscalar(x) and isinstance(x, np.generic):
        array = np.asarray(x)
        if dtype is None and array.dtype == np.float64 and not isinstance(x, np.ndarray):
            dtype = standardize_dtype(None)
        return torch.as_tensor(array, dtype=dtype, device=_default_device())
    array = np.asarray(x)
    if dtype is None and array.dtype.kind == "f":
        dtype = standardize_dtype(None)
    return torch.as_tensor(array, dtype=dtype, device=_default_device())


def _like(value, x):
    """`value` as a tensor with the dtype and device of `x` (for scalar operands of binary ops)."""
    if isinstance(value, torch.Tensor):
        return value
    return torch.as_tensor(np.asarray(value), dtype=x.dtype, device=x.device)


def _axes(x, axis):
    """Normalized tuple of reduction dimensions (all of them for None)."""
    if axis is None:
        return tuple(range(x.ndim))
    if isinstance(axis, (list, tuple)):
        return tuple(sorted(int(a) % builtins.max(x.ndim, 1) for a in axis))
    return (int(axis) % builtins.max(x.ndim, 1),)


def _shape_tuple(shape):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def _generator(seed):
    if seed is None:
        return None
    generator = torch.Generator()
    generator.manual_seed(int(seed))
    return generator


def _sample(fill, shape, dtype, seed):
    """Runs `fill(tensor, generator)` on a new tensor; seeded draws are made on CPU so they repeat on any device."""
    torch_dtype = standardize_dtype(dtype)
    if not torch_dtype.is_floating_point:
        raise ValueError(f"Random values need a floating point dtype. Received: dtype={dtype!r}")
    work_dtype = torch.float64 if torch_dtype == torch.float64 else torch.float32
    shape = _shape_tuple(shape)
    generator = _generator(seed)
    if generator is None:
        out = fill(torch.empty(shape, dtype=work_dtype, device=_default_device()), None)
    else:
        out = fill(torch.empty(shape, dtype=work_dtype, device="cpu"), generator).to(_default_device())
    return out.to(torch_dtype)


# Variables and constants ----------------------------------------------------------------------
def variable(value, dtype=None, name=None, constraint=None):
    """Creates a trainable weight (a `torch.nn.Parameter`) holding `value`.

    Args:
        value: array-like or tensor initial value.
        dtype: Keras dtype name (default `floatx()`).
        name: optional name, kept as `_keras_name`.
        constraint: optional constraint, kept as `constraint`.
    """
    torch_dtype = standardize_dtype(dtype)
    if isinstance(value, torch.Tensor):
        data = value.detach().clone().to(torch_dtype)
    else:
        # A copy, as Keras makes: the variable never writes into the caller's array.
        data = torch.tensor(np.asarray(value), dtype=torch_dtype, device=_default_device())
    parameter = torch.nn.Parameter(data, requires_grad=torch_dtype.is_floating_point or torch_dtype.is_complex)
    parameter._keras_name = name or f"variable_{get_uid('variable')}"
    parameter.constraint = constraint
    return parameter


def constant(value, dtype=None, shape=None, name=None):
    """Creates a constant tensor.

    Args:
        value: a scalar or array-like.
        dtype: Keras dtype name (default `floatx()`).
        shape: optional shape; a scalar is broadcast to it, an array of the same size reshaped.
        name: ignored (kept for Keras compatibility).
    """
    if isinstance(value, torch.Tensor):
        out = value.detach().to(standardize_dtype(dtype))
    else:
        out = torch.tensor(np.asarray(value), dtype=standardize_dtype(dtype), device=_default_device())
    if shape is not None:
        shape = _shape_tuple(shape)
        if out.numel() == 1:
            out = out.reshape(()).expand(shape).clone()
        elif out.numel() == int(np.prod(shape)):
            out = out.reshape(shape)
        else:
            raise ValueError(
                f"constant: `value` with {out.numel()} elements cannot fill shape {shape}. "
                "Pass a scalar or a value with as many elements as the shape."
            )
    return out


def is_tensor(x):
    """True for torch tensors (Parameters included)."""
    return isinstance(x, torch.Tensor)


def is_keras_tensor(x):
    """True for symbolic tensors of the functional API (objects carrying `_keras_history`)."""
    return hasattr(x, "_keras_history")


def is_sparse(tensor):
    """Always False: kerastorch tensors are dense."""
    return bool(getattr(tensor, "is_sparse", False))


def to_dense(tensor):
    """Returns a dense version of `tensor`."""
    return tensor.to_dense() if is_sparse(tensor) else tensor


def zeros(shape, dtype=None, name=None):
    """Variable (Parameter) of zeros, as Keras 2 returns a variable.

    Args:
        shape: int or tuple of ints.
        dtype: Keras dtype name (default `floatx()`).
        name: optional name.
    """
    return variable(torch.zeros(_shape_tuple(shape), dtype=standardize_dtype(dtype)), dtype, name)


def ones(shape, dtype=None, name=None):
    """Variable (Parameter) of ones.

    Args:
        shape: int or tuple of ints.
        dtype: Keras dtype name (default `floatx()`).
        name: optional name.
    """
    return variable(torch.ones(_shape_tuple(shape), dtype=standardize_dtype(dtype)), dtype, name)


def eye(size, dtype=None, name=None):
    """Identity-matrix variable.

    Args:
        size: int (square) or tuple `(rows, columns)`.
        dtype: Keras dtype name (default `floatx()`).
        name: optional name.
    """
    rows, columns = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
    return variable(torch.eye(int(rows), int(columns), dtype=standardize_dtype(dtype)), dtype, name)


def zeros_like(x, dtype=None, name=None):
    """Zeros with the shape of `x` (and its dtype unless `dtype` is given).

    Args:
        x: tensor.
        dtype: optional Keras dtype name.
        name: ignored.
    """
    x = _as_tensor(x)
    return torch.zeros_like(x, dtype=None if dtype is None else standardize_dtype(dtype))


def ones_like(x, dtype=None, name=None):
    """Ones with the shape of `x` (and its dtype unless `dtype` is given).

    Args:
        x: tensor.
        dtype: optional Keras dtype name.
        name: ignored.
    """
    x = _as_tensor(x)
    return torch.ones_like(x, dtype=None if dtype is None else standardize_dtype(dtype))


def identity(x, name=None):
    """Returns a tensor with the content of `x` (a copy, detached from the variable storage)."""
    return _as_tensor(x).clone()


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Tensor of values drawn uniformly from `[minval, maxval)`.

    Args:
        shape: tuple of ints.
        minval, maxval: bounds.
        dtype: Keras float dtype (default `floatx()`).
        seed: optional int; the same seed gives the same values.
    """
    return _sample(lambda t, g: t.uniform_(float(minval), float(maxval), generator=g), shape, dtype, seed)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Tensor of normally distributed values.

    Args:
        shape: tuple of ints.
        mean, stddev: distribution parameters.
        dtype: Keras float dtype (default `floatx()`).
        seed: optional int.
    """
    return _sample(lambda t, g: t.normal_(float(mean), float(stddev), generator=g), shape, dtype, seed)


def _fill_truncated_normal(tensor, generator, mean, stddev):
    # Inverse-CDF sampling of a standard normal restricted to [-2, 2] (tf.random.truncated_normal
    # re-draws values beyond two standard deviations, which gives the same distribution).
    low = 0.5 * (1.0 + math.erf(-2.0 / math.sqrt(2.0)))
    high = 0.5 * (1.0 + math.erf(2.0 / math.sqrt(2.0)))
    tensor.uniform_(low, high, generator=generator)
    tensor.mul_(2.0).sub_(1.0).erfinv_().mul_(math.sqrt(2.0)).clamp_(-2.0, 2.0)
    return tensor.mul_(float(stddev)).add_(float(mean))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal values re-drawn beyond two standard deviations from the mean.

    Args:
        shape: tuple of ints.
        mean, stddev: parameters of the normal before truncation.
        dtype: Keras float dtype (default `floatx()`).
        seed: optional int.
    """
    return _sample(lambda t, g: _fill_truncated_normal(t, g, mean, stddev), shape, dtype, seed)


def random_binomial(shape, p=0.0, dtype=None, seed=None):
    """Tensor of 0/1 values, 1 with probability `p`.

    Args:
        shape: tuple of ints.
        p: probability of a one.
        dtype: Keras float dtype (default `floatx()`).
        seed: optional int.
    """
    draws = random_uniform(shape, dtype=dtype, seed=seed)
    return (draws <= p).to(draws.dtype)


random_bernoulli = random_binomial


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    """Variable filled by `random_uniform(shape, low, high)`."""
    return variable(random_uniform(shape, low, high, dtype=dtype, seed=seed), dtype, name)


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    """Variable filled by `random_normal(shape, mean, scale)`."""
    return variable(random_normal(shape, mean, scale, dtype=dtype, seed=seed), dtype, name)


# Shapes, dtypes and values ------------------------------------------------------------------------
def shape(x):
    """The concrete shape of `x` (a `torch.Size`, usable in `reshape`)."""
    return _as_tensor(x).shape


def int_shape(x):
    """Shape tuple of `x` (ints; None for unknown dimensions of symbolic tensors)."""
    if isinstance(x, torch.Tensor):
        return tuple(x.shape)
    value = getattr(x, "shape", None)
    if value is not None and not isinstance(x, np.ndarray):
        return tuple(None if d is None else int(d) for d in value)
    return tuple(np.shape(x))


get_variable_shape = int_shape


def ndim(x):
    """Number of axes of `x`."""
    return len(int_shape(x))


def dtype(x):
    """Keras dtype name of `x` ('float32', ...)."""
    value = getattr(x, "dtype", None)
    if isinstance(value, torch.dtype):
        return dtype_name(value)
    if isinstance(value, str):
        return value
    return np.asarray(x).dtype.name


def size(x, name=None):
    """Number of elements of `x`, as an int64 scalar tensor."""
    return torch.tensor(_as_tensor(x).numel(), dtype=torch.int64, device=_default_device())


def count_params(x):
    """Number of scalars in `x` (an int)."""
    return int(np.prod(int_shape(x), dtype=np.int64))


def cast(x, dtype):
    """Casts `x` to `dtype` (a Keras name, numpy or torch dtype)."""
    return _as_tensor(x).to(standardize_dtype(dtype))


def cast_to_floatx(x):
    """Numpy array of `x` in `floatx()`."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=floatx())


def get_value(x):
    """Value of a tensor or Parameter as a numpy array (a Python number for 0-dim tensors)."""
    if not isinstance(x, torch.Tensor):
        value = np.asarray(x)
        return value.item() if value.ndim == 0 else value
    value = x.detach()
    if x.ndim == 0:
        return value.item()
    if value.dtype == torch.bfloat16:
        value = value.float()
    # A copy, as Keras returns: later writes to `x` do not change it, nor it `x`.
    return value.to("cpu", copy=True).numpy()


eval = get_value  # noqa: A001 - Keras name


def batch_get_value(tensors):
    """List of `get_value(t)` for each tensor."""
    return [get_value(t) for t in tensors]


def set_value(x, value):
    """Writes `value` into the tensor or Parameter `x` in place (no gradient is recorded).

    Args:
        x: torch tensor or Parameter.
        value: array-like with the shape of `x`.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"set_value expects a torch tensor or Parameter. Received: {type(x).__name__}")
    if isinstance(value, torch.Tensor):
        source = value.detach().to(device=x.device, dtype=x.dtype)
    else:
        source = torch.as_tensor(np.asarray(value), dtype=x.dtype, device=x.device)
    if tuple(source.shape) != tuple(x.shape):
        raise ValueError(
            f"set_value: `value` must have the shape of the variable {tuple(x.shape)}. "
            f"Received: value with shape {tuple(source.shape)}"
        )
    with torch.no_grad():
        x.copy_(source)


def batch_set_value(tuples):
    """Runs `set_value(x, value)` for each `(x, value)` pair."""
    for x, value in tuples:
        set_value(x, value)


def update(x, new_x):
    """Assigns `new_x` to `x` in place and returns `x`."""
    with torch.no_grad():
        x.copy_(_like(new_x, x))
    return x


def update_add(x, increment):
    """Adds `increment` to `x` in place and returns `x`."""
    with torch.no_grad():
        x.add_(_like(increment, x))
    return x


def update_sub(x, decrement):
    """Subtracts `decrement` from `x` in place and returns `x`."""
    with torch.no_grad():
        x.sub_(_like(decrement, x))
    return x


def moving_average_update(x, value, momentum):
    """`x = x * momentum + value * (1 - momentum)`, in place; returns `x`."""
    with torch.no_grad():
        x.sub_((x - _like(value, x)) * (1.0 - momentum))
    return x


def stop_gradient(variables):
    """`variables` detached from the autograd graph (a list for a list)."""
    if isinstance(variables, (list, tuple)):
        return [v.detach() for v in variables]
    return variables.detach()


def gradients(loss, variables):
    """Gradients of `loss` (summed when not a scalar) with respect to each of `variables`.

    As `tf.gradients`, the gradients can themselves be differentiated (a gradient penalty in a
    loss trains), and the entry of a variable `loss` does not depend on is None. On symbolic
    tensors (from Input() or layers) the gradients are symbolic tensors of the graph, evaluated
    with `K.function`.

    Args:
        loss: a tensor.
        variables: a tensor or weight, or a list of them.
    """
    if is_keras_tensor(loss):
        from kerastorch.engine import op_layers

        return op_layers.record_gradients(loss, variables)
    variables = list(variables) if isinstance(variables, (list, tuple)) else [variables]
    wanted = [v for v in variables if isinstance(v, torch.Tensor) and v.requires_grad]
    found = {}
    if wanted and loss.requires_grad:
        grads = torch.autograd.grad(
            loss,
            wanted,
            grad_outputs=torch.ones_like(loss),
            retain_graph=True,
            create_graph=torch.is_grad_enabled(),
            allow_unused=True,
        )
        found = {id(v): g for v, g in zip(wanted, grads)}
    return [found.get(id(v)) for v in variables]


@contextlib.contextmanager
def name_scope(name):
    """Context manager kept for Keras compatibility; names are not scoped in torch."""
    yield name


def print_tensor(x, message="", summarize=3):
    """Prints `message` and the value of `x`, then returns `x`."""
    print(message, get_value(x))
    return x
