"""Torch-side behaviour of layers: pickling their functions, loading state_dicts across auto-generated names."""

import importlib
import marshal
import re
import types

# ---------------------------------------------------------------------------------------------
# Pickling: functions held by layers (activations, Lambda functions)
# ---------------------------------------------------------------------------------------------


def _importable(function):
    """True when pickle can store `function` by reference (a module-level function)."""
    module_name = getattr(function, "__module__", None)
    qualname = getattr(function, "__qualname__", "")
    if not module_name or "<" in qualname:
        return False
    try:
        target = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError):
        return False
    return target is function


class PickledFunction:
    """A lambda or nested function stored as marshalled bytecode (like Keras's `func_dump`).

    Globals are those of the function's module when it can be imported on loading; closure
    values and defaults must be picklable. Bytecode is specific to the Python version.

    Args:
        function: the function to store.
    """

    def __init__(self, function):
        self.code = marshal.dumps(function.__code__)
        self.name = function.__name__
        self.module = function.__module__
        self.defaults = function.__defaults__
        self.kwdefaults = function.__kwdefaults__
        self.closure = tuple(cell.cell_contents for cell in function.__closure__ or ())

    def restore(self):
        """The function rebuilt from the stored bytecode."""
        code = marshal.loads(self.code)
        try:
            globs = vars(importlib.import_module(self.module))
        except ImportError:
            globs = {}
        globs = dict(globs)
        globs.setdefault("__builtins__", __builtins__)
        closure = tuple(types.CellType(value) for value in self.closure) or None
        function = types.FunctionType(code, globs, self.name, self.defaults, closure)
        function.__kwdefaults__ = self.kwdefaults
        return function


def layer_state(state):
    """The layer's `__dict__` for pickling: lambdas and nested functions replaced by their bytecode."""
    replaced = None
    for key, value in state.items():
        if isinstance(value, types.FunctionType) and not _importable(value):
            if replaced is None:
                replaced = dict(state)
            replaced[key] = PickledFunction(value)
    return state if replaced is None else replaced


def restore_state(state):
    """Inverse of `layer_state`."""
    if not any(isinstance(value, PickledFunction) for value in state.values()):
        return state
    return {key: value.restore() if isinstance(value, PickledFunction) else value for key, value in state.items()}


# ---------------------------------------------------------------------------------------------
# load_state_dict across instances
# ---------------------------------------------------------------------------------------------
_NUMBER_SUFFIX = re.compile(r"_\d+(?=$|\.)")


def _generic_key(key):
    """`model_3.dense_12.kernel` -> `model.dense.kernel` (auto-generated name numbers removed)."""
    return _NUMBER_SUFFIX.sub("", key)


def remap_state_dict(module, state_dict):
    """`state_dict` with keys renamed to `module`'s when they differ only by auto-generated numbers.

    A second instance of the same architecture gets other layer names (`dense_3` instead of
    `dense_1`); its keys then match in order once the numbers are removed, with the same shapes.
    Anything else is returned unchanged (torch reports the mismatch).
    """
    own = module.state_dict(keep_vars=True)
    if set(state_dict) == set(own) or len(state_dict) != len(own):
        return state_dict
    pairs = list(zip(own.items(), state_dict.items()))
    for (own_key, own_value), (key, value) in pairs:
        if _generic_key(own_key) != _generic_key(key):
            return state_dict
        if hasattr(value, "shape") and tuple(value.shape) != tuple(own_value.shape):
            return state_dict
    # Torch's per-module `_metadata` is keyed by the old names: the remapped dict goes without it.
    return {own_key: value for (own_key, _), (_, value) in pairs}
