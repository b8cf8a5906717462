"""Symbolic function calls: public K.*, activation, loss and metric functions record a layer node on KerasTensors.

tf.keras 2 lets `K.sum(kt, axis=-1)` or `metrics.binary_crossentropy(x, y)` run on the symbolic
tensors of a functional model: the call becomes a `TFOpLambda` layer of the graph. Here every
public function of those families goes through one wrapper (`symbolic_function` as a decorator,
`wrap_namespace` as a pass over a module's public names). The wrapper costs one type check per
argument on concrete tensors; with a KerasTensor among its arguments (lists included) it hands the
call to `keras_tensor.record_function_call`, which stores the function by its public name
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
    from kerastorch.engine import keras_tensor

    return keras_tensor.record_function_call(wrapper, args, kwargs)


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
