"""Backend: settings (floatx, epsilon, image_data_format, device, name counters) and the K.* tensor functions."""

import builtins
import collections
import contextlib
import math
import os
import re
import warnings

import numpy as np
import torch

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_DEVICE = None
_LEARNING_PHASE = None
_UID_COUNTERS = collections.defaultdict(int)

_DTYPES = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
    "int8": torch.int8,
    "uint8": torch.uint8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "bool": torch.bool,
}


# ---------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------
def epsilon():
    """Returns the fuzz factor used in numeric expressions (default 1e-7)."""
    return _EPSILON


def set_epsilon(value):
    global _EPSILON
    _EPSILON = float(value)


def floatx():
    """Returns the default float type as a string (default 'float32')."""
    return _FLOATX


def set_floatx(value):
    global _FLOATX
    if value not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError(
            f"Unknown floatx type {value!r}. Valid values: 'float16', 'bfloat16', 'float32', 'float64'."
        )
    _FLOATX = str(value)


def image_data_format():
    """Returns 'channels_last' (default) or 'channels_first'."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            "Expected `data_format` to be 'channels_last' or 'channels_first'. "
            f"Received: data_format={data_format!r}"
        )
    _IMAGE_DATA_FORMAT = str(data_format)


def normalize_data_format(value):
    """Returns `value` or the global default, validated."""
    if value is None:
        value = image_data_format()
    value = str(value).lower()
    if value not in ("channels_first", "channels_last"):
        raise ValueError(
            "Expected `data_format` to be 'channels_last' or 'channels_first'. "
            f"Received: data_format={value!r}"
        )
    return value


def get_device():
    """The torch device models train on: set_device(), else $KERASTORCH_DEVICE, else CUDA when available."""
    if _DEVICE is not None:
        return _DEVICE
    env = os.environ.get("KERASTORCH_DEVICE")
    if env:
        return torch.device(env)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def set_device(device):
    """Sets the device used for new training runs; None restores automatic choice."""
    global _DEVICE
    _DEVICE = None if device is None else torch.device(device)


def learning_phase():
    """1 while training, 0 otherwise (set by the training loop or `set_learning_phase`)."""
    return 0 if _LEARNING_PHASE is None else _LEARNING_PHASE


def set_learning_phase(value):
    global _LEARNING_PHASE
    if value not in (0, 1, None):
        raise ValueError(f"Expected learning phase to be 0 or 1. Received: {value!r}")
    _LEARNING_PHASE = value


@contextlib.contextmanager
def learning_phase_scope(value):
    global _LEARNING_PHASE
    previous = _LEARNING_PHASE
    _LEARNING_PHASE = value
    try:
        yield
    finally:
        _LEARNING_PHASE = previous


def get_uid(prefix=""):
    """Returns 1, 2, 3, ... for successive calls with the same prefix (reset by clear_session)."""
    _UID_COUNTERS[prefix] += 1
    return _UID_COUNTERS[prefix]


def reset_uids():
    _UID_COUNTERS.clear()


def clear_session():
    """Resets the layer-name counters (names start again at `dense_1`)."""
    reset_uids()


def to_snake_case(name):
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    if insecure[0] != "_":
        return insecure
    return "private" + insecure


def unique_object_name(base):
    return f"{base}_{get_uid(base)}"


def standardize_dtype(dtype):
    """Returns the torch dtype for a Keras dtype name, a numpy dtype or a torch dtype."""
    if dtype is None:
        return _DTYPES[floatx()]
    if isinstance(dtype, torch.dtype):
        return dtype
    if isinstance(dtype, dict):  # Keras 3 DTypePolicy config
        dtype = dtype.get("config", {}).get("name", floatx())
        if str(dtype).startswith("mixed_"):
            dtype = "float32"
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if name not in _DTYPES:
        raise ValueError(f"Unknown dtype {dtype!r}. Valid names: {', '.join(sorted(_DTYPES))}.")
    return _DTYPES[name]


def dtype_name(dtype):
    """Returns the Keras name ('float32', ...) for a torch dtype."""
    for name, value in _DTYPES.items():
        if value == dtype:
            return name
    return str(dtype).replace("torch.", "")


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
        data = torch.as_tensor(np.asarray(value), dtype=torch_dtype, device=_default_device())
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
        out = torch.as_tensor(np.asarray(value), dtype=standardize_dtype(dtype), device=_default_device())
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
    return value.cpu().numpy()


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
    """Gradients of the scalar `loss` with respect to each of `variables` (None where unconnected)."""
    return list(torch.autograd.grad(loss, list(variables), retain_graph=True, allow_unused=True))


def function(inputs, outputs, updates=None, name=None, **kwargs):
    """Returns `f(values) -> numpy outputs` that runs the graph from `inputs` to `outputs`.

    As in eager tf.keras, a functional Model is built from the symbolic tensors. The old
    `K.function([model.input, K.learning_phase()], ...)` form works: the fed value of the
    learning-phase slot selects training (1) or inference (0) behaviour.

    Args:
        inputs: list of symbolic input tensors (plus, optionally, `K.learning_phase()`).
        outputs: a symbolic tensor or a list of them.
        updates: not supported (must be empty); weights change only through training.
        name: ignored.
    """
    if updates:
        raise ValueError("K.function does not run `updates`; update variables with K.update / K.set_value instead.")
    from kerastorch.engine import model as model_module

    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    phase_slots = []
    graph_inputs = []
    for index, value in enumerate(inputs):
        if is_keras_tensor(value):
            graph_inputs.append(value)
        elif isinstance(value, (int, np.integer)) or (isinstance(value, torch.Tensor) and value.ndim == 0):
            phase_slots.append(index)
        else:
            raise TypeError(
                "K.function expects symbolic input tensors (and optionally K.learning_phase()). "
                f"Received input {index}: {type(value).__name__}"
            )
    return_list = isinstance(outputs, (list, tuple))
    model = model_module.Model(inputs=graph_inputs, outputs=list(outputs) if return_list else outputs)

    def run(values):
        values = list(values) if isinstance(values, (list, tuple)) else [values]
        if len(values) != len(inputs):
            raise ValueError(f"This function expects {len(inputs)} input values. Received: {len(values)}")
        training = learning_phase()
        feeds = []
        for index, value in enumerate(values):
            if index in phase_slots:
                training = int(np.asarray(get_value(value)))
            else:
                feeds.append(value)
        with torch.no_grad():
            result = model(feeds if len(feeds) > 1 else feeds[0], training=bool(training))
        if isinstance(result, (list, tuple)):
            return [get_value(r) for r in result]
        return [get_value(result)] if return_list else get_value(result)

    return run


@contextlib.contextmanager
def name_scope(name):
    """Context manager kept for Keras compatibility; names are not scoped in torch."""
    yield name


def print_tensor(x, message="", summarize=3):
    """Prints `message` and the value of `x`, then returns `x`."""
    print(message, get_value(x))
    return x


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


def temporal_padding(x, padding=(1, 1)):
    """Zero-pads the middle axis of a 3D tensor by `(left, right)`."""
    return torch.nn.functional.pad(_as_tensor(x), (0, 0, int(padding[0]), int(padding[1])))


def _spatial_padding(x, padding, data_format, rank):
    data_format = normalize_data_format(data_format)
    pads = []
    for before, after in reversed([tuple(p) for p in padding]):
        pads.extend([int(before), int(after)])
    if data_format == "channels_last":
        pads = [0, 0] + pads
    if len(padding) != rank:
        raise ValueError(f"Expected `padding` with {rank} pairs. Received: padding={padding!r}")
    return torch.nn.functional.pad(_as_tensor(x), pads)


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    """Zero-pads rows and columns of a 4D tensor by `((top, bottom), (left, right))`."""
    return _spatial_padding(x, padding, data_format, 2)


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    """Zero-pads the three spatial axes of a 5D tensor."""
    return _spatial_padding(x, padding, data_format, 3)


def resize_images(x, height_factor, width_factor, data_format, interpolation="nearest"):
    """Resizes the images of a 4D tensor by integer factors.

    Args:
        x: tensor `(batch, h, w, c)` or `(batch, c, h, w)`.
        height_factor, width_factor: positive ints.
        data_format: 'channels_last' or 'channels_first'.
        interpolation: 'nearest' or 'bilinear' (tf.image.resize with half-pixel centers).
    """
    data_format = normalize_data_format(data_format)
    x = _as_tensor(x)
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(
            f"resize_images supports interpolation 'nearest' or 'bilinear'. Received: interpolation={interpolation!r}"
        )
    if interpolation == "nearest":
        rows, cols = (1, 2) if data_format == "channels_last" else (2, 3)
        x = torch.repeat_interleave(x, int(height_factor), dim=rows)
        return torch.repeat_interleave(x, int(width_factor), dim=cols)
    channels_first = x.permute(0, 3, 1, 2) if data_format == "channels_last" else x
    height, width = channels_first.shape[2], channels_first.shape[3]
    out = torch.nn.functional.interpolate(
        channels_first,
        size=(height * int(height_factor), width * int(width_factor)),
        mode="bilinear",
        align_corners=False,
    )
    return out.permute(0, 2, 3, 1) if data_format == "channels_last" else out


def resize_volumes(x, depth_factor, height_factor, width_factor, data_format):
    """Repeats the three spatial axes of a 5D tensor by integer factors."""
    data_format = normalize_data_format(data_format)
    axes = (1, 2, 3) if data_format == "channels_last" else (2, 3, 4)
    x = _as_tensor(x)
    for axis, factor in zip(axes, (depth_factor, height_factor, width_factor)):
        x = torch.repeat_interleave(x, int(factor), dim=axis)
    return x


# Control flow --------------------------------------------------------------------------------------
def switch(condition, then_expression, else_expression):
    """Selects `then_expression` where `condition` holds, else `else_expression`.

    Args:
        condition: scalar (Python bool, int or 0-dim tensor) or a tensor whose rank is at most the
            expressions' rank (broadcast over their trailing axes).
        then_expression, else_expression: tensors or callables returning tensors.
    """
    if not isinstance(condition, torch.Tensor) or condition.ndim == 0:
        chosen = then_expression if bool(condition) else else_expression
        return chosen() if callable(chosen) else chosen
    if callable(then_expression):
        then_expression = then_expression()
    if callable(else_expression):
        else_expression = else_expression()
    then_expression = _as_tensor(then_expression)
    else_expression = _like(else_expression, then_expression)
    condition = condition.bool()
    expr_ndim = then_expression.ndim
    if condition.ndim > expr_ndim:
        raise ValueError(
            "switch: the rank of `condition` must not exceed the rank of the expressions. "
            f"Received: ndim(condition)={condition.ndim}, ndim(then_expression)={expr_ndim}"
        )
    condition = condition.reshape(tuple(condition.shape) + (1,) * (expr_ndim - condition.ndim))
    return torch.where(condition, then_expression, else_expression)


def in_train_phase(x, alt, training=None):
    """`x` in the training phase, `alt` otherwise.

    Args:
        x, alt: tensors or callables returning tensors.
        training: Python bool/int or tensor; default `learning_phase()`.
    """
    if training is None:
        training = learning_phase()
    if isinstance(training, torch.Tensor) and training.ndim > 0:
        return switch(training, x, alt)
    chosen = x if bool(training) else alt
    return chosen() if callable(chosen) else chosen


def in_test_phase(x, alt, training=None):
    """`x` in the test phase, `alt` in the training phase."""
    return in_train_phase(alt, x, training=training)


def map_fn(fn, elems, name=None, dtype=None):
    """Applies `fn` to each slice of `elems` along axis 0 and stacks the results."""
    return torch.stack([fn(element) for element in _as_tensor(elems)])


def foldl(fn, elems, initializer=None, name=None):
    """Reduces `elems` along axis 0 from the left with `fn(accumulator, element)`."""
    elems = _as_tensor(elems)
    accumulator, start = (elems[0], 1) if initializer is None else (initializer, 0)
    for index in range(start, elems.shape[0]):
        accumulator = fn(accumulator, elems[index])
    return accumulator


def foldr(fn, elems, initializer=None, name=None):
    """Reduces `elems` along axis 0 from the right with `fn(accumulator, element)`."""
    return foldl(fn, torch.flip(_as_tensor(elems), dims=(0,)), initializer=initializer)


def rnn(
    step_function,
    inputs,
    initial_states,
    go_backwards=False,
    mask=None,
    constants=None,
    unroll=False,
    input_length=None,
    time_major=False,
    zero_output_for_mask=False,
    return_all_outputs=True,
):
    """Iterates `step_function` over the time axis (tf.keras 2 semantics, masking included).

    Args:
        step_function: `fn(inputs_t, states + constants) -> (output_t, new_states)`.
        inputs: tensor `(samples, time, ...)` (or `(time, samples, ...)` with `time_major`), or a
            list of such tensors.
        initial_states: list of tensors `(samples, ...)`.
        go_backwards: iterate from the last timestep; outputs are in iteration order.
        mask: optional `(samples, time)` or `(samples, time, 1)` tensor, zero for masked steps:
            masked steps keep the previous states and repeat the previous output (or give zeros
            with `zero_output_for_mask=True`).
        constants: list of tensors passed to every step.
        unroll, input_length: accepted for compatibility (the loop always runs eagerly);
            `input_length` must be an int or None.
        time_major: whether the time axis comes first.
        zero_output_for_mask: zeros instead of the previous output at masked steps.
        return_all_outputs: if False, `outputs` holds only the last output.

    Returns:
        `(last_output, outputs, new_states)`.
    """
    if input_length is not None and not isinstance(input_length, (int, np.integer)):
        raise TypeError(
            "rnn: `input_length` must be an int or None; pass a `mask` for variable lengths. "
            f"Received: {type(input_length).__name__}"
        )
    nested = isinstance(inputs, (list, tuple))
    flat_inputs = [_as_tensor(t) for t in (inputs if nested else [inputs])]
    for tensor in flat_inputs:
        if tensor.ndim < 3:
            raise ValueError(f"rnn: inputs must be at least 3D. Received: shape={tuple(tensor.shape)}")
    time_axis = 0 if time_major else 1
    timesteps = flat_inputs[0].shape[time_axis]
    if mask is not None:
        mask = _as_tensor(mask).bool()
        if mask.ndim == 3:
            mask = mask[..., 0]
        if time_major:
            mask = mask.transpose(0, 1)  # -> (samples, time)
    states = list(initial_states)
    constants = list(constants or [])
    steps = range(timesteps - 1, -1, -1) if go_backwards else range(timesteps)
    outputs = []
    previous_output = None
    for step in steps:
        step_inputs = [t.select(time_axis, step) for t in flat_inputs]
        output, new_states = step_function(step_inputs if nested else step_inputs[0], states + constants)
        new_states = list(new_states) if isinstance(new_states, (list, tuple)) else [new_states]
        if mask is not None:
            mask_t = mask[:, step]
            if previous_output is None or zero_output_for_mask:
                fill = torch.zeros_like(output)
            else:
                fill = previous_output
            output = torch.where(_broadcast_mask(mask_t, output), output, fill)
            new_states = [torch.where(_broadcast_mask(mask_t, new), new, old) for new, old in zip(new_states, states)]
        previous_output = output
        states = new_states
        if return_all_outputs or step == steps[-1]:
            outputs.append(output)
    stacked = torch.stack(outputs, dim=time_axis)
    return outputs[-1], stacked, states


def _broadcast_mask(mask_t, tensor):
    return mask_t.reshape(tuple(mask_t.shape) + (1,) * (tensor.ndim - mask_t.ndim))


# Activations -------------------------------------------------------------------------------------------
def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit with Keras options.

    Args:
        x: tensor.
        alpha: slope below `threshold` (`alpha * (x - threshold)` there).
        max_value: saturation value, or None.
        threshold: values at or below it are damped.
    """
    x = _as_tensor(x)
    if alpha != 0.0 and max_value is None and threshold == 0:
        return torch.nn.functional.leaky_relu(x, negative_slope=float(alpha))
    if alpha != 0.0:
        negative_part = torch.relu(threshold - x) if threshold != 0 else torch.relu(-x)
    if threshold != 0:
        out = x * (x > threshold).to(x.dtype)
    else:
        out = torch.relu(x)
    if max_value is not None:
        out = torch.clamp(out, min=0.0, max=float(max_value))
    if alpha != 0.0:
        out = out - float(alpha) * negative_part
    return out


def elu(x, alpha=1.0):
    """Exponential linear unit: `x` for `x > 0`, else `alpha * (exp(x) - 1)`."""
    return torch.nn.functional.elu(_as_tensor(x), alpha=float(alpha))


def softmax(x, axis=-1):
    """Softmax along `axis` (an int or a tuple); the logits are kept as `out._keras_logits`."""
    x = _as_tensor(x)
    if x.ndim <= 1:
        raise ValueError(f"Cannot apply softmax to a tensor that is 1D. Received: shape={tuple(x.shape)}")
    if isinstance(axis, (list, tuple)):
        numerator = torch.exp(x - torch.amax(x, dim=tuple(axis), keepdim=True))
        out = numerator / torch.sum(numerator, dim=tuple(axis), keepdim=True)
    else:
        out = torch.softmax(x, dim=axis)
    out._keras_logits = x
    return out


def softplus(x):
    """`log(exp(x) + 1)`."""
    return torch.nn.functional.softplus(_as_tensor(x))


def softsign(x):
    """`x / (abs(x) + 1)`."""
    return torch.nn.functional.softsign(_as_tensor(x))


def sigmoid(x):
    """Logistic sigmoid; the logits are kept as `out._keras_logits`."""
    x = _as_tensor(x)
    out = torch.sigmoid(x)
    out._keras_logits = x
    return out


def hard_sigmoid(x):
    """Keras 2 hard sigmoid: `clip(0.2 * x + 0.5, 0, 1)`."""
    return torch.clamp(_as_tensor(x) * 0.2 + 0.5, 0.0, 1.0)


def tanh(x):
    """Hyperbolic tangent."""
    return torch.tanh(_as_tensor(x))


def dropout(x, level, noise_shape=None, seed=None):
    """Zeroes entries of `x` with probability `level` and scales the rest by `1 / (1 - level)`.

    Args:
        x: tensor.
        level: drop probability in [0, 1).
        noise_shape: shape of the keep/drop mask, broadcastable to `x`.
        seed: optional int.
    """
    x = _as_tensor(x)
    if not 0.0 <= level < 1.0:
        raise ValueError(f"dropout expects `level` in [0, 1). Received: level={level!r}")
    mask_shape = (
        tuple(x.shape)
        if noise_shape is None
        else tuple(x.shape[i] if d is None else int(d) for i, d in enumerate(noise_shape))
    )
    keep = random_uniform(mask_shape, dtype=dtype_name(x.dtype) if x.dtype.is_floating_point else None, seed=seed)
    keep = (keep >= level).to(x.dtype).to(x.device)
    return x * keep * (1.0 / (1.0 - level))


def l2_normalize(x, axis=None):
    """`x / sqrt(max(sum(x ** 2, axis), 1e-12))`."""
    x = _as_tensor(x)
    dims = _axes(x, axis)
    square_sum = torch.sum(x * x, dim=dims, keepdim=True)
    return x * torch.rsqrt(torch.clamp(square_sum, min=1e-12))


def in_top_k(predictions, targets, k):
    """Whether each target's prediction is among the top `k` of its row (ties count as in).

    Args:
        predictions: `(batch, classes)` tensor.
        targets: `(batch,)` integer tensor.
        k: int.
    """
    predictions = _as_tensor(predictions)
    targets = _as_tensor(targets).long().reshape(-1, 1)
    target_values = torch.gather(predictions, 1, targets)
    larger = torch.sum(predictions > target_values, dim=1)
    finite = torch.isfinite(predictions).all(dim=1)
    return (larger < int(k)) & finite


# Losses ----------------------------------------------------------------------------------------------------
def _logits_of(output, from_logits, function_name, activation):
    logits = getattr(output, "_keras_logits", None)
    if logits is None:
        return output, from_logits
    if from_logits:
        warnings.warn(
            f"`{function_name}` received `from_logits=True`, but the `output` argument was produced by a "
            f"{activation} activation and thus does not represent logits. Was this intended?",
            stacklevel=3,
        )
    return logits, True


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Categorical crossentropy between one-hot (or soft) targets and probabilities or logits.

    Args:
        target: tensor with the shape of `output`.
        output: probabilities (renormalized to sum to 1, clipped to `[eps, 1 - eps]`) or logits.
        from_logits: whether `output` holds logits; outputs of `softmax` use their logits.
        axis: the class axis.
    """
    target, output = _as_tensor(target), _as_tensor(output)
    if tuple(target.shape) != tuple(output.shape):
        raise ValueError(
            "categorical_crossentropy: `target` and `output` must have the same shape. "
            f"Received: target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}"
        )
    output, from_logits = _logits_of(output, from_logits, "categorical_crossentropy", "Softmax")
    target = target.to(output.dtype)
    if from_logits:
        return -torch.sum(target * torch.log_softmax(output, dim=axis), dim=axis)
    output = output / torch.sum(output, dim=axis, keepdim=True)
    eps = epsilon()
    output = torch.clamp(output, eps, 1.0 - eps)
    return -torch.sum(target * torch.log(output), dim=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Categorical crossentropy with integer targets.

    Args:
        target: integer tensor, shape of `output` without the class axis (a trailing 1 is accepted).
        output: probabilities (clipped to `[eps, 1 - eps]`) or logits.
        from_logits: whether `output` holds logits; outputs of `softmax` use their logits.
        axis: the class axis of `output`.
    """
    target, output = _as_tensor(target), _as_tensor(output)
    output, from_logits = _logits_of(output, from_logits, "sparse_categorical_crossentropy", "Softmax")
    if not from_logits:
        eps = epsilon()
        output = torch.log(torch.clamp(output, eps, 1.0 - eps))
    rank = output.ndim
    axis = axis % rank
    if axis != rank - 1:
        output = torch.movedim(output, axis, -1)
    result_shape = tuple(output.shape[:-1])
    log_probs = torch.log_softmax(output.reshape(-1, output.shape[-1]), dim=-1)
    target = target.long().reshape(-1)
    if target.shape[0] != log_probs.shape[0]:
        raise ValueError(
            "sparse_categorical_crossentropy: `target` must hold one class index per sample. "
            f"Received: target with {target.shape[0]} values for output of shape {tuple(output.shape)}"
        )
    losses = -torch.gather(log_probs, 1, target.unsqueeze(1)).squeeze(1)
    return losses.reshape(result_shape)


def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary crossentropy.

    Args:
        target: tensor with the shape of `output`.
        output: probabilities (clipped to `[eps, 1 - eps]`) or logits.
        from_logits: whether `output` holds logits; outputs of `sigmoid` use their logits.
    """
    target, output = _as_tensor(target), _as_tensor(output)
    output, from_logits = _logits_of(output, from_logits, "binary_crossentropy", "Sigmoid")
    target = target.to(output.dtype)
    if from_logits:
        return torch.nn.functional.binary_cross_entropy_with_logits(output, target, reduction="none")
    eps = epsilon()
    output = torch.clamp(output, eps, 1.0 - eps)
    bce = target * torch.log(output + eps)
    bce = bce + (1 - target) * torch.log(1 - output + eps)
    return -bce


def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """CTC loss per sample, the blank being the last class (as Keras).

    Args:
        y_true: `(samples, max_label_length)` integer labels.
        y_pred: `(samples, time, classes)` softmax outputs.
        input_length: `(samples, 1)` lengths of each `y_pred` sequence.
        label_length: `(samples, 1)` lengths of each label sequence.

    Returns:
        `(samples, 1)` tensor of losses.
    """
    y_pred = _as_tensor(y_pred)
    log_probs = torch.log_softmax(torch.log(y_pred + epsilon()), dim=-1).transpose(0, 1)
    input_lengths = _as_tensor(input_length).reshape(-1).long()
    label_lengths = _as_tensor(label_length).reshape(-1).long()
    labels = _as_tensor(y_true).long()
    losses = torch.nn.functional.ctc_loss(
        log_probs.float(), labels, input_lengths, label_lengths, blank=y_pred.shape[-1] - 1, reduction="none"
    )
    return losses.to(y_pred.dtype).unsqueeze(1)


# Normalization --------------------------------------------------------------------------------------------
def _broadcast_param(param, x, axes_kept):
    if param is None:
        return None
    param = _as_tensor(param)
    if param.ndim == 1 and x.ndim > 1:
        shape_ = [1] * x.ndim
        for axis in axes_kept:
            shape_[axis] = x.shape[axis]
        param = param.reshape(shape_)
    return param


def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    """`(x - mean) / sqrt(var + epsilon) * gamma + beta`; 1D statistics broadcast along `axis`.

    Args:
        x: tensor.
        mean, var, beta, gamma: tensors (beta/gamma may be None).
        axis: the feature axis of `x` for 1D statistics.
        epsilon: fuzz factor.
    """
    x = _as_tensor(x)
    kept = (axis % x.ndim,) if x.ndim else ()
    mean, var = _broadcast_param(mean, x, kept), _broadcast_param(var, x, kept)
    beta, gamma = _broadcast_param(beta, x, kept), _broadcast_param(gamma, x, kept)
    inverse = torch.rsqrt(var + epsilon)
    if gamma is not None:
        inverse = inverse * gamma
    shift = -mean * inverse if beta is None else beta - mean * inverse
    return x * inverse + shift


def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """Normalizes `x` with its batch statistics over `reduction_axes`.

    Returns:
        `(normalized, mean, variance)`, the statistics without the reduced axes.
    """
    x = _as_tensor(x)
    dims = _axes(x, list(reduction_axes))
    kept = tuple(a for a in range(x.ndim) if a not in dims)
    batch_mean = torch.mean(x, dim=dims, keepdim=True)
    batch_var = torch.var(x, dim=dims, keepdim=True, correction=0)
    gamma, beta = _broadcast_param(gamma, x, kept), _broadcast_param(beta, x, kept)
    normed = (x - batch_mean) * torch.rsqrt(batch_var + epsilon)
    if gamma is not None:
        normed = normed * gamma
    if beta is not None:
        normed = normed + beta
    return normed, batch_mean.squeeze(dims), batch_var.squeeze(dims)


# Convolutions and pooling ------------------------------------------------------------------------------
def _tuple(value, rank, name):
    if isinstance(value, (int, np.integer)):
        return (int(value),) * rank
    value = tuple(int(v) for v in value)
    if len(value) != rank:
        raise ValueError(f"Expected `{name}` to be an int or a tuple of {rank} ints. Received: {name}={value!r}")
    return value


def _same_pads(sizes, kernel, strides, dilation):
    """TF 'same' padding per spatial axis: the odd extra pixel goes after (bottom/right)."""
    pads = []
    for size_, k, s, d in zip(sizes, kernel, strides, dilation):
        effective = (k - 1) * d + 1
        out = -(-size_ // s)
        total = builtins.max((out - 1) * s + effective - size_, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def _to_channels_first(x, data_format):
    if data_format == "channels_last":
        return x.permute(0, x.ndim - 1, *range(1, x.ndim - 1))
    return x


def _from_channels_first(x, data_format):
    if data_format == "channels_last":
        return x.permute(0, *range(2, x.ndim), 1)
    return x


def _pad_spatial(x, pads, value=0.0):
    flat = []
    for before, after in reversed(pads):
        flat.extend([before, after])
    return torch.nn.functional.pad(x, flat, value=value)


_CONV_FUNCTIONS = {1: "conv1d", 2: "conv2d", 3: "conv3d"}


def _conv(x, kernel, strides, padding, data_format, dilation_rate, rank, groups=1):
    """Convolution of a Keras-layout input with a torch-layout weight `(out, in / groups, *k)`."""
    data_format = normalize_data_format(data_format)
    padding = str(padding).lower()
    strides = _tuple(strides, rank, "strides")
    dilation_rate = _tuple(dilation_rate, rank, "dilation_rate")
    x = _to_channels_first(_as_tensor(x), data_format)
    kernel_size = tuple(kernel.shape[2:])
    if padding == "same":
        pads = _same_pads(x.shape[2:], kernel_size, strides, dilation_rate)
    elif padding == "valid":
        pads = [(0, 0)] * rank
    elif padding == "causal" and rank == 1:
        pads = [((kernel_size[0] - 1) * dilation_rate[0], 0)]
    else:
        raise ValueError(
            f"Expected `padding` to be 'valid' or 'same'{' or causal' if rank == 1 else ''}. Received: padding={padding!r}"
        )
    symmetric = builtins.all(before == after for before, after in pads)
    if not symmetric:
        x = _pad_spatial(x, pads)
    conv = getattr(torch.nn.functional, _CONV_FUNCTIONS[rank])
    out = conv(
        x,
        kernel.to(x.dtype),
        stride=strides,
        padding=tuple(p[0] for p in pads) if symmetric else 0,
        dilation=dilation_rate,
        groups=groups,
    )
    return _from_channels_first(out, data_format)


def _kernel_to_torch(kernel):
    kernel = _as_tensor(kernel)
    return kernel.permute(kernel.ndim - 1, kernel.ndim - 2, *range(kernel.ndim - 2))


def conv1d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1D convolution; `kernel` in Keras layout `(width, in_channels, filters)`.

    Args:
        x: `(batch, steps, channels)` (or channels_first).
        kernel: Keras-layout kernel.
        strides: int.
        padding: 'valid', 'same' or 'causal'.
        data_format: 'channels_last' (default) or 'channels_first'.
        dilation_rate: int.
    """
    return _conv(x, _kernel_to_torch(kernel), strides, padding, data_format, dilation_rate, 1)


def conv2d(x, kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    """2D convolution; `kernel` in Keras layout `(kh, kw, in_channels, filters)`.

    Args:
        x: `(batch, rows, cols, channels)` (or channels_first).
        kernel: Keras-layout kernel.
        strides: int or pair.
        padding: 'valid' or 'same' (TF placement of the odd padding pixel).
        data_format: 'channels_last' (default) or 'channels_first'.
        dilation_rate: int or pair.
    """
    return _conv(x, _kernel_to_torch(kernel), strides, padding, data_format, dilation_rate, 2)


def conv3d(x, kernel, strides=(1, 1, 1), padding="valid", data_format=None, dilation_rate=(1, 1, 1)):
    """3D convolution; `kernel` in Keras layout `(kd, kh, kw, in_channels, filters)`.

    Args:
        x: 5D tensor.
        kernel: Keras-layout kernel.
        strides: int or triple.
        padding: 'valid' or 'same'.
        data_format: 'channels_last' (default) or 'channels_first'.
        dilation_rate: int or triple.
    """
    return _conv(x, _kernel_to_torch(kernel), strides, padding, data_format, dilation_rate, 3)


def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    """Depthwise 2D convolution; kernel `(kh, kw, in_channels, depth_multiplier)`.

    Args:
        x: 4D tensor.
        depthwise_kernel: Keras-layout kernel; output channel `c * depth_multiplier + m`.
        strides, padding, data_format, dilation_rate: as `conv2d`.
    """
    kernel = _as_tensor(depthwise_kernel)
    kh, kw, in_channels, multiplier = kernel.shape
    weight = kernel.reshape(kh, kw, in_channels * multiplier).permute(2, 0, 1).unsqueeze(1)
    return _conv(x, weight, strides, padding, data_format, dilation_rate, 2, groups=in_channels)


def separable_conv2d(
    x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)
):
    """Depthwise convolution followed by a 1x1 convolution with `pointwise_kernel` `(1, 1, in*mult, filters)`."""
    depthwise = depthwise_conv2d(x, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv2d(depthwise, pointwise_kernel, (1, 1), "valid", data_format)


def separable_conv1d(
    x, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None, dilation_rate=1
):
    """1D separable convolution; kernels `(k, in, mult)` and `(1, in*mult, filters)`."""
    data_format = normalize_data_format(data_format)
    spatial_axis = 1 if data_format == "channels_last" else 2
    x = torch.unsqueeze(_as_tensor(x), spatial_axis)
    if str(padding).lower() == "causal":
        pad = (_as_tensor(depthwise_kernel).shape[0] - 1) * _tuple(dilation_rate, 1, "dilation_rate")[0]
        x = _from_channels_first(_pad_spatial(_to_channels_first(x, data_format), [(0, 0), (pad, 0)]), data_format)
        padding = "valid"
    out = separable_conv2d(
        x,
        torch.unsqueeze(_as_tensor(depthwise_kernel), 0),
        torch.unsqueeze(_as_tensor(pointwise_kernel), 0),
        (1,) + _tuple(strides, 1, "strides"),
        padding,
        data_format,
        (1,) + _tuple(dilation_rate, 1, "dilation_rate"),
    )
    return torch.squeeze(out, spatial_axis)


def _conv_transpose(x, kernel, output_shape, strides, padding, data_format, dilation_rate, rank):
    data_format = normalize_data_format(data_format)
    padding = str(padding).lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"Expected `padding` to be 'valid' or 'same'. Received: padding={padding!r}")
    strides = _tuple(strides, rank, "strides")
    dilation_rate = _tuple(dilation_rate, rank, "dilation_rate")
    kernel = _as_tensor(kernel)
    # Keras kernel (*k, out_channels, in_channels) -> torch (in_channels, out_channels, *k).
    weight = kernel.permute(kernel.ndim - 1, kernel.ndim - 2, *range(kernel.ndim - 2))
    x = _to_channels_first(_as_tensor(x), data_format)
    output_shape = [int(d) for d in output_shape]
    out_sizes = output_shape[1:-1] if data_format == "channels_last" else output_shape[2:]
    full = getattr(torch.nn.functional, f"conv_transpose{rank}d")(
        x, weight.to(x.dtype), stride=strides, dilation=dilation_rate
    )
    if padding == "same":
        pads = _same_pads(out_sizes, tuple(kernel.shape[:rank]), strides, dilation_rate)
    else:
        pads = [(0, 0)] * rank
    # The transposed convolution writes into the padded frame of the forward convolution:
    # output position o is position o + pad_before of the full result.
    index = [builtins.slice(None), builtins.slice(None)]
    extra = []
    for axis, (size_, (before, _)) in enumerate(zip(out_sizes, pads)):
        available = full.shape[2 + axis] - before
        index.append(builtins.slice(before, before + builtins.min(size_, available)))
        extra.append((0, builtins.max(size_ - available, 0)))
    out = full[tuple(index)]
    if builtins.any(after for _, after in extra):
        out = _pad_spatial(out, extra)
    return _from_channels_first(out, data_format)


def conv2d_transpose(x, kernel, output_shape, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    """Transposed 2D convolution; `kernel` `(kh, kw, filters, in_channels)`.

    Args:
        x: 4D tensor.
        kernel: Keras-layout kernel.
        output_shape: full output shape `(batch, rows, cols, filters)` (or channels_first).
        strides: int or pair.
        padding: 'valid' or 'same'.
        data_format: 'channels_last' (default) or 'channels_first'.
        dilation_rate: int or pair.
    """
    return _conv_transpose(x, kernel, output_shape, strides, padding, data_format, dilation_rate, 2)


def conv1d_transpose(x, kernel, output_shape, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Transposed 1D convolution; `kernel` `(k, filters, in_channels)`, `output_shape` `(batch, steps, filters)`."""
    return _conv_transpose(x, kernel, output_shape, strides, padding, data_format, dilation_rate, 1)


def conv3d_transpose(
    x, kernel, output_shape, strides=(1, 1, 1), padding="valid", data_format=None, dilation_rate=(1, 1, 1)
):
    """Transposed 3D convolution; `kernel` `(kd, kh, kw, filters, in_channels)`."""
    return _conv_transpose(x, kernel, output_shape, strides, padding, data_format, dilation_rate, 3)


def _pool(x, pool_size, strides, padding, data_format, pool_mode, rank):
    data_format = normalize_data_format(data_format)
    padding = str(padding).lower()
    pool_size = _tuple(pool_size, rank, "pool_size")
    strides = _tuple(strides, rank, "strides")
    if padding not in ("valid", "same"):
        raise ValueError(f"Expected `padding` to be 'valid' or 'same'. Received: padding={padding!r}")
    if pool_mode not in ("max", "avg"):
        raise ValueError(f"Expected `pool_mode` to be 'max' or 'avg'. Received: pool_mode={pool_mode!r}")
    x = _to_channels_first(_as_tensor(x), data_format)
    functional = torch.nn.functional
    if padding == "same":
        pads = _same_pads(x.shape[2:], pool_size, strides, (1,) * rank)
    else:
        pads = [(0, 0)] * rank
    padded = builtins.any(before or after for before, after in pads)
    if pool_mode == "max":
        if padded:
            x = _pad_spatial(x, pads, value=float("-inf"))
        out = getattr(functional, f"max_pool{rank}d")(x, pool_size, strides)
    else:
        average = getattr(functional, f"avg_pool{rank}d")
        if padded:
            # tf averages over the window's valid (unpadded) positions only.
            ones_ = torch.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype, device=x.device)
            counts = average(_pad_spatial(ones_, pads), pool_size, strides)
            out = average(_pad_spatial(x, pads), pool_size, strides) / counts
        else:
            out = average(x, pool_size, strides)
    return _from_channels_first(out, data_format)


def pool2d(x, pool_size, strides=(1, 1), padding="valid", data_format=None, pool_mode="max"):
    """2D max or average pooling.

    Args:
        x: 4D tensor.
        pool_size: int or pair.
        strides: int or pair.
        padding: 'valid' or 'same' (average pooling ignores padded positions, as tf).
        data_format: 'channels_last' (default) or 'channels_first'.
        pool_mode: 'max' or 'avg'.
    """
    return _pool(x, pool_size, strides, padding, data_format, pool_mode, 2)


def pool3d(x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None, pool_mode="max"):
    """3D max or average pooling (arguments as `pool2d`)."""
    return _pool(x, pool_size, strides, padding, data_format, pool_mode, 3)


def bias_add(x, bias, data_format=None):
    """Adds `bias` along the channel axis of `x`.

    Args:
        x: tensor.
        bias: 1D tensor of the channel size, or a tensor of rank `ndim(x) - 1`.
        data_format: 'channels_last' (default) or 'channels_first'.
    """
    data_format = normalize_data_format(data_format)
    x, bias = _as_tensor(x), _as_tensor(bias)
    if bias.ndim != 1 and bias.ndim != x.ndim - 1:
        raise ValueError(
            f"bias_add: unexpected bias dimensions {bias.ndim}, expected 1 or {x.ndim - 1}. "
            f"Received: bias.shape={tuple(bias.shape)}, x.shape={tuple(x.shape)}"
        )
    if data_format == "channels_first" and x.ndim > 2:
        if bias.ndim == 1:
            return x + bias.reshape((1, -1) + (1,) * (x.ndim - 2))
        # Keras reshapes (not transposes) a `(..., channels)` bias to `(1, channels, ...)`; saved
        # LocallyConnected weights rely on that exact layout.
        return x + bias.reshape((1, bias.shape[-1]) + tuple(bias.shape[:-1]))
    return x + bias
