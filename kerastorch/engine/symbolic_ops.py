"""Symbolic function calls: public K.*, activation, loss and metric functions record a layer node on KerasTensors.

tf.keras 2 lets `K.sum(kt, axis=-1)` or `metrics.binary_crossentropy(x, y)` run on the symbolic
tensors of a functional model: the call becomes a `TFOpLambda` layer of the graph. Here every
public function of those families goes through one wrapper (`symbolic_function` as a decorator,
`wrap_namespace` as a pass over a module's public names). The wrapper costs one type check per
argument on concrete tensors; with a KerasTensor among its arguments (lists included) it hands the
call to `op_layers.record_function_call`, which stores the function by its public name
(`"backend.sum"`) and the non-tensor arguments, and returns the symbolic output.

This module imports nothing from kerastorch at import time: the backend uses it.
"""

import functools
import importlib

# The KerasTensor class, registered by `kerastorch.engine.keras_tensor` when it is imported: no
# symbolic tensor can exist before that.
_KERAS_TENSOR = [None]

# Families whose public functions may be stored in configs by name (`"losses.binary_crossentropy"`).
_FAMILIES = ("backend", "activations", "losses", "metrics")


def register_keras_tensor(cls):
    """Tells the wrappers which class is the symbolic tensor."""
    _KERAS_TENSOR[0] = cls


def contains_symbolic(value, cls=None):
    """True when `value` is a KerasTensor or a list/tuple/dict holding one."""
    cls = cls or _KERAS_TENSOR[0]
    if cls is None:
        return False
    if isinstance(value, cls):
        return True
    kind = type(value)
    if kind is list or kind is tuple:
        for item in value:
            if contains_symbolic(item, cls):
                return True
    elif kind is dict:
        for item in value.values():
            if contains_symbolic(item, cls):
                return True
    return False


def _wrap(function, public_name):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        cls = _KERAS_TENSOR[0]
        if cls is not None:
            for value in args:
                if contains_symbolic(value, cls):
                    return _record(wrapper, args, kwargs)
            for value in kwargs.values():
                if contains_symbolic(value, cls):
                    return _record(wrapper, args, kwargs)
        return function(*args, **kwargs)

    wrapper._keras_op_name = public_name
    return wrapper


def _record(wrapper, args, kwargs):
    from kerastorch.engine import op_layers

    return op_layers.record_function_call(wrapper, args, kwargs)


def symbolic_function(family):
    """Decorator: the function records a `TFOpLambda` node when called on KerasTensors.

    Args:
        family: the public module the function is reached from: 'activations', 'losses', 'metrics'.
    """
    if family not in _FAMILIES:
        raise ValueError(f"symbolic_function expects `family` in {_FAMILIES}. Received: family={family!r}")

    def decorate(function):
        return _wrap(function, f"{family}.{function.__name__}")

    return decorate


def wrap_namespace(namespace, names, family):
    """Replaces the functions `names` of a module namespace by their symbolic-aware wrappers.

    Args:
        namespace: the module's `globals()`.
        names: public names of tensor functions.
        family: the public module name ('backend').
    """
    for name in names:
        function = namespace[name]
        if getattr(function, "_keras_op_name", None) is None:
            namespace[name] = _wrap(function, f"{family}.{name}")


def refuse_symbolic(namespace, name, family, hint):
    """Makes `namespace[name]` raise a ValueError saying `hint` when called on a KerasTensor.

    Args:
        namespace: the module's `globals()`.
        name: the function's public name.
        family: the public module name ('backend').
        hint: what to do instead.
    """
    function = namespace[name]

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        cls = _KERAS_TENSOR[0]
        if cls is not None and (contains_symbolic(args, cls) or contains_symbolic(dict(kwargs), cls)):
            raise ValueError(
                f"{family}.{name}() cannot be called on a symbolic tensor (from Input() or a layer): {hint}"
            )
        return function(*args, **kwargs)

    namespace[name] = wrapper


def public_name(function):
    """The name a recorded function is stored under (`"backend.sum"`), or None for other callables."""
    return getattr(function, "_keras_op_name", None)


def resolve(name):
    """The public function stored under `name` (`"backend.sum"`, `"losses.binary_crossentropy"`).

    Args:
        name: '<family>.<function>' with family one of backend, activations, losses, metrics.
    """
    family, _, function_name = str(name).partition(".")
    if family not in _FAMILIES or not function_name:
        raise ValueError(
            f"Unknown symbolic function {name!r}: expected '<family>.<function>' with family in "
            f"{', '.join(_FAMILIES)} (for example 'backend.sum')."
        )
    module = importlib.import_module(f"kerastorch.{family}")
    function = getattr(module, function_name, None)
    if function is None or public_name(function) is None:
        raise ValueError(
            f"Unknown symbolic function {name!r}: kerastorch.{family} has no tensor function {function_name!r}."
        )
    return function


# ---------------------------------------------------------------------------------------------
# Slicing (`x[:, 0]`, `x[..., ::-1]`): the key in tf.keras 2's JSON form, the sliced shape, and
# slicing a torch tensor (torch slices take no negative steps).
# ---------------------------------------------------------------------------------------------
_ELLIPSIS = {"class_name": "__ellipsis__"}


def encode_slice_spec(key):
    """A `__getitem__` key in tf.keras 2's JSON form: slices as `{"start", "stop", "step"}` dicts,
    `...` as `{"class_name": "__ellipsis__"}`, None (new axis) and ints as they are; a tuple as a list.

    Args:
        key: an int, slice, None, Ellipsis, or a tuple of them.
    """
    if isinstance(key, tuple):
        return [_encode_slice_item(item, key) for item in key]
    return _encode_slice_item(key, key)


def _index_int(value, key):
    if value is None:
        return None
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(
            f"Symbolic tensors are sliced with ints, slices, None and `...`; slice bounds must be ints or None. "
            f"Received the key {key!r}."
        )
    return int(value.__index__())


def _encode_slice_item(item, key):
    if item is Ellipsis:
        return dict(_ELLIPSIS)
    if item is None:
        return None
    if isinstance(item, slice):
        return {"start": _index_int(item.start, key), "stop": _index_int(item.stop, key), "step": _index_int(item.step, key)}
    if isinstance(item, bool) or not hasattr(item, "__index__"):
        raise TypeError(
            "Symbolic tensors are sliced with ints, slices, None and `...` (as tf.keras 2); for tensor or list "
            f"indices use a Lambda layer. Received the key {key!r}."
        )
    return int(item.__index__())


def decode_slice_spec(spec):
    """The `__getitem__` key written by `encode_slice_spec` (lists become tuples).

    Args:
        spec: the JSON form of a key.
    """
    if isinstance(spec, (list, tuple)):
        return tuple(_decode_slice_item(item) for item in spec)
    return _decode_slice_item(spec)


def _decode_slice_item(item):
    if isinstance(item, dict):
        if item.get("class_name") == "__ellipsis__":
            return Ellipsis
        if set(item) <= {"start", "stop", "step"}:
            return slice(item.get("start"), item.get("stop"), item.get("step"))
        raise ValueError(f"Unknown slice_spec entry {item!r}: expected a slice dict, an ellipsis, an int or None.")
    if item is None or isinstance(item, int):
        return item
    raise ValueError(f"Unknown slice_spec entry {item!r}: expected a slice dict, an ellipsis, an int or None.")


def _expand_key(key, ndim):
    """The key as a tuple with `...` replaced by full slices; checks the number of indexed axes."""
    items = key if isinstance(key, tuple) else (key,)
    ellipses = sum(1 for item in items if item is Ellipsis)
    if ellipses > 1:
        raise ValueError(f"A slice may hold at most one `...`. Received the key {key!r}.")
    consumed = sum(1 for item in items if item is not None and item is not Ellipsis)
    if consumed > ndim:
        raise ValueError(f"Too many indices for a tensor of rank {ndim}: the key {key!r} indexes {consumed} axes.")
    expanded = []
    for item in items:
        if item is Ellipsis:
            expanded.extend([slice(None)] * (ndim - consumed))
        else:
            expanded.append(item)
    if not ellipses:
        expanded.extend([slice(None)] * (ndim - consumed))
    return expanded


def sliced_shape(shape, key):
    """The shape of `tensor[key]` for a tensor of `shape` (None for unknown dimensions).

    Args:
        shape: tuple of ints or None.
        key: an int, slice, None, Ellipsis, or a tuple of them.
    """
    result, axis = [], 0
    for item in _expand_key(key, len(shape)):
        if item is None:
            result.append(1)
            continue
        size = shape[axis]
        if isinstance(item, slice):
            if item.step == 0:
                raise ValueError(f"Slice steps cannot be zero. Received the key {key!r}.")
            result.append(None if size is None else len(range(size)[item]))
        elif size is not None and not -size <= item < size:
            raise ValueError(f"Index {item} is out of bounds for axis {axis} of size {size} (key {key!r}).")
        axis += 1
    return tuple(result)


def apply_slice(tensor, key):
    """`tensor[key]` with tf's semantics, negative slice steps included.

    Args:
        tensor: a torch tensor.
        key: an int, slice, None, Ellipsis, or a tuple of them.
    """
    expanded = _expand_key(key, tensor.dim())
    axis, flips, plain = 0, [], []
    for item in expanded:
        if isinstance(item, slice) and item.step is not None and item.step < 0:
            size = tensor.shape[axis]
            indices = range(size)[item]
            flips.append(axis)
            if len(indices):
                # The same elements, read forwards on the axis reversed.
                start = size - 1 - indices.start
                item = slice(start, start + len(indices) * -item.step, -item.step)
            else:
                item = slice(0, 0)
        plain.append(item)
        if item is not None:
            axis += 1
    if flips:
        tensor = tensor.flip(flips)
    return tensor[tuple(plain)]
