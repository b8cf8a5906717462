"""Lambda layer: wraps a Python function, and (de)serializes it as Keras 2 does (name or bytecode)."""

import base64
import inspect
import marshal
import math
import sys
import types

import numpy as np
import torch

from kerastorch import activations
from kerastorch import backend
from kerastorch.engine.layer import Layer

__all__ = ["Lambda"]


# ---------------------------------------------------------------------------------------------
# Private helpers: the training flag and function (de)serialization.
# ---------------------------------------------------------------------------------------------
def _resolve_training(layer, training):
    """`training=None` follows the module's train/eval mode, as the training loops set it."""
    return layer.training if training is None else bool(training)


def _func_dump(function):
    """Serializes a Python function's bytecode as Keras 2 does: (base64 code, defaults, closure)."""
    code = base64.encodebytes(marshal.dumps(function.__code__)).decode("ascii")
    closure = tuple(cell.cell_contents for cell in function.__closure__) if function.__closure__ else None
    return code, function.__defaults__, closure


def _make_cell(value):
    return (lambda: value).__closure__[0]


def _func_load(payload, globs):
    """Rebuilds a function from a `_func_dump` payload (a (code, defaults, closure) triple or the code)."""
    if isinstance(payload, (list, tuple)):
        code, defaults, closure = (list(payload) + [None, None])[:3]
    else:
        code, defaults, closure = payload, None, None
    if isinstance(defaults, list):
        defaults = tuple(defaults)
    try:
        raw = base64.decodebytes(code.encode("ascii"))
    except (UnicodeEncodeError, ValueError):
        raw = code.encode("raw_unicode_escape")
    code_object = marshal.loads(raw)
    if closure is not None:
        closure = tuple(_make_cell(value) for value in closure)
    return types.FunctionType(code_object, globs, name=code_object.co_name, argdefs=defaults, closure=closure)


def _is_module_level_function(function):
    """True for a named function reachable as `module.name` (not a lambda, not nested)."""
    name = getattr(function, "__name__", None)
    if not isinstance(function, types.FunctionType):
        return name is not None
    if name == "<lambda>" or "<locals>" in getattr(function, "__qualname__", ""):
        return False
    module = sys.modules.get(function.__module__)
    return module is not None and getattr(module, name, None) is function


# ---------------------------------------------------------------------------------------------
# Lambda
# ---------------------------------------------------------------------------------------------
def _accepts(function, argument):
    try:
        return argument in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


def _safe_mode_enabled(safe_mode):
    if safe_mode is not None:
        return bool(safe_mode)
    from kerastorch.saving import serialization

    check = getattr(serialization, "in_safe_mode", None)
    return True if check is None else bool(check())


class Lambda(Layer):
    """Wraps an arbitrary expression `function(inputs, **arguments)` as a layer.

    Args:
        function: the function to evaluate; takes the input tensor (or list of tensors) first, and
            `mask`/`training` if it declares them.
        output_shape: the output shape without the batch dimension (tuple), or a function of the full
            input shape returning the full output shape; None infers it by running the function.
        mask: None, a function `mask(inputs, previous_mask)`, or a fixed mask tensor.
        arguments: dict of keyword arguments passed to `function`.

    Input shape:
        Arbitrary.

    Output shape:
        Given by `output_shape`, else inferred.

    Example:
        >>> Lambda(lambda x: x ** 2)(np.array([[2.0]], "float32"))
        tensor([[4.]])
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda expects `function` to be callable. Received: function={function!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        if isinstance(output_shape, list) and output_shape and not isinstance(output_shape[0], (list, tuple)):
            output_shape = tuple(output_shape)
        self._output_shape = output_shape
        self.mask = mask
        self.supports_masking = mask is not None
        self._fn_expects_mask = _accepts(function, "mask")
        self._fn_expects_training = _accepts(function, "training")

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask:
            kwargs["mask"] = mask
        if self._fn_expects_training:
            kwargs["training"] = _resolve_training(self, training)
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            shape = self._output_shape(input_shape)
            if isinstance(shape, list) and shape and isinstance(shape[0], (list, tuple)):
                return [tuple(s) for s in shape]
            return tuple(shape)
        multi_input = isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple))
        first = input_shape[0] if multi_input else input_shape
        batch_size = first[0] if first else None
        if (
            isinstance(self._output_shape, list)
            and self._output_shape
            and isinstance(self._output_shape[0], (list, tuple))
        ):
            return [(batch_size,) + tuple(shape) for shape in self._output_shape]
        return (batch_size,) + tuple(self._output_shape)

    # -- serialization ------------------------------------------------------------------------
    @staticmethod
    def _serialize_function(function, allow_raw=False):
        if callable(function):
            if _is_module_level_function(function):
                return function.__name__, "function", getattr(function, "__module__", None)
            if isinstance(function, types.FunctionType):
                return _func_dump(function), "lambda", function.__module__
            raise ValueError(
                f"Lambda cannot serialize the callable {function!r}: it has no name. "
                "Use a named function, a lambda, or a Layer subclass."
            )
        if allow_raw:
            if isinstance(function, tuple):
                function = list(function)
            return function, "raw", None
        raise ValueError(f"Lambda cannot serialize {function!r} of type {type(function).__name__}.")

    def get_config(self):
        function, function_type, module = self._serialize_function(self.function)
        output_shape, output_shape_type, output_shape_module = self._serialize_function(
            self._output_shape, allow_raw=True
        )
        config = super().get_config()
        config.update(
            {
                "function": function,
                "function_type": function_type,
                "module": module,
                "output_shape": output_shape,
                "output_shape_type": output_shape_type,
                "output_shape_module": output_shape_module,
            }
        )
        if self.mask is not None:
            mask, mask_type, mask_module = self._serialize_function(self.mask)
            config.update({"mask": mask, "mask_type": mask_type, "mask_module": mask_module})
        arguments = {}
        for key, value in self.arguments.items():
            if isinstance(value, np.ndarray):
                value = {"type": "ndarray", "value": value.tolist()}
            arguments[key] = value
        config["arguments"] = arguments
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Rebuilds the layer; Python bytecode (lambdas) is loaded only with `safe_mode=False`."""
        from kerastorch.saving import serialization

        config = dict(config)
        custom_objects = serialization.scoped_custom_objects(custom_objects)
        function = cls._parse_function(config, custom_objects, safe_mode, "function", "module", "function_type")
        output_shape = cls._parse_function(
            config, custom_objects, safe_mode, "output_shape", "output_shape_module", "output_shape_type"
        )
        mask = None
        if config.get("mask") is not None:
            mask = cls._parse_function(config, custom_objects, safe_mode, "mask", "mask_module", "mask_type")
        else:
            for key in ("mask", "mask_module", "mask_type"):
                config.pop(key, None)
        arguments = {}
        for key, value in (config.pop("arguments", None) or {}).items():
            if isinstance(value, dict) and value.get("type") == "ndarray":
                value = np.array(value["value"])
            arguments[key] = value
        return cls(function, output_shape=output_shape, mask=mask, arguments=arguments, **config)

    @classmethod
    def _parse_function(cls, config, custom_objects, safe_mode, name_key, module_key, type_key):
        value = config.pop(name_key, None)
        module = config.pop(module_key, None)
        function_type = config.pop(type_key, None)
        if isinstance(value, dict) and "class_name" in value:
            # Keras 3 configs: {"class_name": "__lambda__" | "function", "config": ...}.
            if value["class_name"] == "__lambda__":
                inner = value.get("config", {})
                value, function_type = (inner.get("code"), inner.get("defaults"), inner.get("closure")), "lambda"
            else:
                value, function_type = value.get("config"), "function"
        if value is None:
            return None
        if function_type is None:
            function_type = "function" if isinstance(value, str) else "raw"
        if function_type == "function":
            return cls._lookup_function(value, custom_objects)
        if function_type == "raw":
            if isinstance(value, list) and value and isinstance(value[0], (list, tuple)):
                return [tuple(v) for v in value]
            return tuple(value) if isinstance(value, list) else value
        if function_type == "lambda":
            if _safe_mode_enabled(safe_mode):
                raise ValueError(
                    "Requested the deserialization of a Lambda layer whose function is Python bytecode (a "
                    "`lambda`). Loading code from a file can execute arbitrary code, so it is disallowed by "
                    "default. If you trust the source of the file, pass `safe_mode=False` to the loading "
                    "function (e.g. `load_model(path, safe_mode=False)`)."
                )
            globs = dict(vars(backend))
            globs.update({"K": backend, "np": np, "torch": torch, "math": math})
            if module in sys.modules:
                globs.update(vars(sys.modules[module]))
            globs.update(custom_objects)
            return _func_load(value, globs)
        raise TypeError(
            f"Unsupported value for `{type_key}` in a Lambda config. Received: {type_key}={function_type!r}. "
            "Expected one of ['function', 'lambda', 'raw']."
        )

    @staticmethod
    def _lookup_function(name, custom_objects):
        if name in custom_objects:
            return custom_objects[name]
        for module in (activations, backend):
            found = getattr(module, name, None)
            if callable(found) and not name.startswith("_"):
                return found
        raise ValueError(
            f"Unknown function in Lambda layer: {name!r}. Pass it in `custom_objects` "
            f"(e.g. `custom_objects={{{name!r}: {name}}}`) when loading."
        )
