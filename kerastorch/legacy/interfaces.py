"""Keras 1 spellings: the one mechanism that applies the rename tables of `tables.py`, warning once each.

Calls that cannot be written as table rows (positional `Convolution2D(32, 3, 3)`, padding dicts,
`BatchNormalization(mode=...)`) go through the small documented preprocessors of
`layer_conversions`. `install()` (called by `kerastorch.layers` once its classes exist) wraps the
`__init__` of each class in `layer_conversions.LAYER_CONVERSIONS` (and `Layer.add_weight`), adds
the Keras 1 names to the modules Keras 1 had them in, and registers the same tables for Keras 1
model configs.
"""

import functools
import inspect
import os
import sys
import warnings

import numpy as np

from kerastorch.legacy.tables import ATROUS_CONV1D  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import ATROUS_CONV2D  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import BATCH_NORMALIZATION  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import CONSUME_LESS  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import CONV1D  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import CONV2D  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import CONV3D  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import CROPPING  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import DECONV2D  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import DENSE  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import DIM_ORDERING  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import DROPOUT  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import EMBEDDING  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import GAUSSIAN_DROPOUT  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import GAUSSIAN_NOISE  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import GLOBAL_POOLING  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import KERAS1_MODULE_NAMES  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import METHOD_RENAMES  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import METRIC_RENAMES  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import MODEL  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import POOLING1D  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import POOLING2D  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import POOLING3D  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import PRELU  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import RECURRENT  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import REMOVED_METRICS  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import SEPARABLE_CONV2D  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import SPATIAL_DROPOUT  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import UPSAMPLING  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import UPSAMPLING1D  # noqa: F401  (the tables, under their historical module too)
from kerastorch.legacy.tables import ZERO_PADDING  # noqa: F401  (the tables, under their historical module too)


# ---------------------------------------------------------------------------------------------
# The mechanism
# ---------------------------------------------------------------------------------------------
class Conversion:
    """The Keras 1 conversion of one layer class: rename rows and preprocessors.

    Args:
        rows: tuple of `(old, new)`, `(old, new, value_map)` or `(old, None, reason)` rows.
        preprocessors: functions `(object_name, args, kwargs) -> (args, kwargs, converted_names)`
            run first, for positional and composite forms.
        keras1_names: Keras 1 class names that build this class (`Convolution2D` for `Conv2D`).
    """

    def __init__(self, rows, preprocessors=(), keras1_names=()):
        self.rows = tuple(rows)
        self.preprocessors = tuple(preprocessors)
        self.keras1_names = tuple(keras1_names)


_WARNED = set()


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _user_stacklevel():
    """The `stacklevel` that points a warning at the first caller outside kerastorch."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level


def _warn_once(key, message, stacklevel=None):
    """Warns `message` the first time `key` is seen (per process), pointing at the user's line."""
    if key in _WARNED:
        return
    _WARNED.add(key)
    warnings.warn(message, UserWarning, stacklevel=stacklevel or _user_stacklevel())


warn_once = _warn_once


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _both_error(object_name, old, new):
    return TypeError(
        f"{object_name} received both the Keras 1 argument `{old}` and the Keras 2 argument `{new}`; "
        f"they are the same argument. Pass only `{new}`."
    )


def format_value(value):
    """A value as Keras 2 update warnings show it."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, np.ndarray):
        return "array"
    if callable(value) and getattr(value, "__name__", None):
        return value.__name__
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def format_call(object_name, args, kwargs):
    """`Name(arg, key=value)` as Keras 2 warnings show it."""
    parts = [format_value(value) for value in args]
    parts += [f"{key}={format_value(value)}" for key, value in kwargs.items()]
    return f"{object_name}({', '.join(parts)})"


def apply_rows(rows, object_name, kwargs, bound=()):
    """Renames the keyword arguments of `kwargs` (in place) by `rows`.

    Args:
        rows: a rename table.
        object_name: the name shown in errors.
        kwargs: keyword arguments, modified in place.
        bound: names already given positionally (a Keras 1 keyword naming one is an error).

    Returns:
        `(converted, dropped)`: the old names renamed, and `(old, value, reason)` of those dropped.
    """
    converted, dropped, renames = [], [], {}
    for row in rows:
        old, new = row[0], row[1]
        if old not in kwargs:
            continue
        value = kwargs[old]
        if new is None:
            dropped.append((old, value, row[2] if len(row) > 2 else ""))
            continue
        if new in kwargs or new in bound:
            raise _both_error(object_name, old, new)
        if len(row) > 2 and isinstance(row[2], dict):
            try:
                value = row[2].get(value, value)
            except TypeError:  # unhashable values are passed through for the layer to reject
                pass
        renames[old] = (new, value)
        converted.append(old)
    dropped_names = {old for old, _, _ in dropped}
    items = list(kwargs.items())
    kwargs.clear()
    for key, value in items:  # keep the caller's argument order in the rewritten call
        if key in renames:
            kwargs[renames[key][0]] = renames[key][1]
        elif key not in dropped_names:
            kwargs[key] = value
    return converted, dropped


def convert_call(conversion, object_name, args, kwargs, positional_names=(), warn=True):
    """Rewrites a Keras 1 call to Keras 2 names; warns once per (object, argument).

    Args:
        conversion: the `Conversion` of the class or function called.
        object_name: the name shown in messages (`Conv2D`).
        args: positional arguments (without `self`).
        kwargs: keyword arguments.
        positional_names: the parameter names the positional arguments bind to, so that a Keras 1
            keyword naming an argument already given positionally is reported.
        warn: False when the caller words its own update warning.

    Returns:
        `(args, kwargs)` in Keras 2 spelling.
    """
    args, kwargs = list(args), dict(kwargs)
    converted = []
    for preprocess in conversion.preprocessors:
        args, kwargs, names = preprocess(object_name, args, kwargs)
        converted.extend(names)
    renamed, dropped = apply_rows(conversion.rows, object_name, kwargs, set(positional_names[: len(args)]))
    converted.extend(renamed)
    keys = [(object_name, name) for name in converted + [old for old, _, _ in dropped]]
    if warn and keys and not all(key in _WARNED for key in keys):
        _WARNED.update(keys)
        message = f"Update your `{object_name}` call to the Keras 2 API: `{format_call(object_name, args, kwargs)}`"
        for old, value, reason in dropped:
            message += f". The Keras 1 argument `{old}={format_value(value)}` was dropped: {reason}"
        warnings.warn(message, UserWarning, stacklevel=_user_stacklevel())
    return args, kwargs


def legacy_support(conversion):
    """Decorator for a layer `__init__`: converts Keras 1 arguments with `conversion` before the call."""

    def decorate(init):
        parameters = list(inspect.signature(init).parameters.values())[1:]
        positional_names = tuple(p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))

        @functools.wraps(init)
        def wrapper(self, *args, **kwargs):
            if conversion.rows or conversion.preprocessors:
                args, kwargs = convert_call(conversion, type(self).__name__, args, kwargs, positional_names)
            return init(self, *args, **kwargs)

        wrapper._legacy_conversion = conversion
        return wrapper

    return decorate


# `Layer.add_weight` positional order of Keras 1 / Keras 2.0.0 (a shape tuple first).
ADD_WEIGHT_KERAS1_ORDER = ("shape", "initializer", "name", "trainable", "regularizer", "constraint")


def _is_initializer_name(value):
    from kerastorch import initializers

    try:
        initializers.get(value)
    except (ValueError, TypeError):
        return False
    return True


def legacy_add_weight(add_weight):
    """Decorator for `Layer.add_weight`: a shape tuple as first positional argument is the Keras 1 order.

    `add_weight((3, 2), 'uniform', name='W')` (Keras 1, Keras 2.0.0) and `add_weight((3, 2), 'W')`
    (the Keras 2.0.x legacy form, a second string that is not an initializer name) become keywords.
    """

    @functools.wraps(add_weight)
    def wrapper(self, *args, **kwargs):
        if not args or not isinstance(args[0], (tuple, list)):
            return add_weight(self, *args, **kwargs)
        order = list(ADD_WEIGHT_KERAS1_ORDER)
        if len(args) > 1 and isinstance(args[1], str) and not _is_initializer_name(args[1]):
            order[1:3] = ["name", "initializer"]
        if len(args) > len(order):
            raise TypeError(f"add_weight accepts at most {len(order)} positional arguments. Received: {list(args)!r}")
        for key, value in zip(order, args):
            if key in kwargs:
                raise TypeError(f"add_weight got multiple values for argument `{key}` (positional and keyword).")
            kwargs[key] = value
        keras2_order = ("name", "shape", "dtype", "initializer", "regularizer", "trainable", "constraint")
        kwargs = dict(
            sorted(kwargs.items(), key=lambda item: keras2_order.index(item[0]) if item[0] in keras2_order else 99)
        )
        object_name = f"{type(self).__name__}.add_weight"
        if (object_name, "positional") not in _WARNED:
            _WARNED.add((object_name, "positional"))
            warnings.warn(
                f"Update your `add_weight` call to the Keras 2 API: `{format_call('add_weight', [], kwargs)}`",
                UserWarning,
                stacklevel=2,
            )
        return add_weight(self, **kwargs)

    wrapper._legacy_conversion = ADD_WEIGHT_KERAS1_ORDER
    return wrapper


def install():
    """Applies the tables: wraps each class's `__init__` once, and adds Keras 1 names to Keras 1 modules.

    Called by `kerastorch.layers` after its classes are defined; calling it again changes nothing.
    """
    import importlib

    from kerastorch.engine import layer as layer_module
    from kerastorch.legacy import layer_conversions

    for class_name, conversion in layer_conversions.LAYER_CONVERSIONS.items():
        cls = layer_module.LAYER_REGISTRY.get(class_name)
        if cls is None or getattr(cls.__init__, "_legacy_conversion", None) is not None:
            continue
        cls.__init__ = legacy_support(conversion)(cls.__init__)
    if getattr(layer_module.Layer.add_weight, "_legacy_conversion", None) is None:
        layer_module.Layer.add_weight = legacy_add_weight(layer_module.Layer.add_weight)
    for module_name, names in KERAS1_MODULE_NAMES.items():
        module = importlib.import_module(module_name)
        for name, (source, source_name) in names.items():
            if not hasattr(module, name):
                setattr(module, name, getattr(importlib.import_module(source), source_name))
    from kerastorch.legacy import configs
    from kerastorch.saving import serialization

    serialization.register_legacy_config_hook(configs.convert_layer_config)


# ---------------------------------------------------------------------------------------------
# Model methods and constructor
# ---------------------------------------------------------------------------------------------
def convert_method_kwargs(method, kwargs, generator=None):
    """Renames the Keras 1 keyword arguments of a model method; both spellings at once is a TypeError.

    Args:
        method: the method name (`fit`, `fit_generator`, ...).
        kwargs: the keyword arguments the method did not recognise.
        generator: for `fit_generator`, the generator; when it has a `batch_size` (a Keras
            `Iterator` or `Sequence`), `samples_per_epoch` becomes `samples_per_epoch // batch_size`
            steps, as Keras 2.0 converted it.
    """
    kwargs = dict(kwargs)
    converted = []
    for old, new in METHOD_RENAMES.get(method, ()):
        if old not in kwargs:
            continue
        if new in kwargs:
            raise TypeError(
                f"{method}() received both the Keras 1 argument `{old}` and the Keras 2 argument `{new}`; "
                f"they are the same argument. Pass only `{new}`."
            )
        value = kwargs.pop(old)
        if old == "samples_per_epoch":
            batch_size = getattr(generator, "batch_size", None)
            if _is_int(batch_size) and batch_size > 0:
                value = max(1, value // batch_size)
            else:
                _warn_once(
                    (method, "samples_per_epoch semantics"),
                    "The Keras 2 argument `steps_per_epoch` counts batches, the Keras 1 argument "
                    "`samples_per_epoch` counted samples: without a `batch_size` on the generator, "
                    f"samples_per_epoch={value} is used as steps_per_epoch={value}. Pass "
                    "`steps_per_epoch=samples // batch_size` instead.",
                    stacklevel=5,
                )
        kwargs[new] = value
        converted.append((old, new, value))
    if converted:
        keys = [(method, old) for old, _, _ in converted]
        if not all(key in _WARNED for key in keys):
            _WARNED.update(keys)
            call = format_call(method, (), {new: value for _, new, value in converted})
            warnings.warn(f"Update your `{method}` call to the Keras 2 API: `{call}`", UserWarning, stacklevel=4)
    return kwargs


def convert_model_io(inputs, outputs, legacy_input, legacy_output):
    """`Model(input=..., output=...)` -> `Model(inputs=..., outputs=...)`, warning once."""
    kwargs = {}
    if legacy_input is not None:
        kwargs["input"] = legacy_input
    if legacy_output is not None:
        kwargs["output"] = legacy_output
    if inputs is not None:
        kwargs["inputs"] = inputs
    if outputs is not None:
        kwargs["outputs"] = outputs
    for old, new in MODEL:
        if old in kwargs and new in kwargs:
            raise _both_error("Model", old, new)
    keys = [("Model", old) for old, _ in MODEL if old in kwargs]
    if keys and not all(key in _WARNED for key in keys):
        _WARNED.update(keys)
        warnings.warn(
            "Update your `Model` call to the Keras 2 API: `Model(inputs=..., outputs=...)`", UserWarning, stacklevel=4
        )
    inputs = kwargs.get("inputs", kwargs.get("input"))
    outputs = kwargs.get("outputs", kwargs.get("output"))
    return inputs, outputs


def check_metric_name(name):
    """The Keras 2 name of a Keras 1 metric name; ValueError for metrics Keras 2 removed.

    Args:
        name: a metric name as given to `compile(metrics=[...])`.
    """
    if name in REMOVED_METRICS:
        raise ValueError(
            f"The metric {name!r} was removed in Keras 2 (it was computed per batch, which misleads for "
            f"global quantities); {REMOVED_METRICS[name]}."
        )
    return dict(METRIC_RENAMES).get(name, name)
