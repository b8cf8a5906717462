"""Keras 1 spellings: the one mechanism that applies the rename tables of `tables.py`, warning once each.

Calls that cannot be written as table rows (positional `Convolution2D(32, 3, 3)`, padding dicts,
`BatchNormalization(mode=...)`) go through small documented preprocessors. `install()` (called by
`kerastorch.layers` once its classes exist) wraps the `__init__` of each class in
`LAYER_CONVERSIONS` (and `Layer.add_weight`), adds the Keras 1 names to the modules Keras 1 had
them in, and registers the same tables for Keras 1 model configs.
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
# Preprocessors: conversions that are not one keyword for another
# ---------------------------------------------------------------------------------------------
def _documented(*rows):
    """Attaches `(Keras 1 spelling, Keras 2 spelling)` rows, listed in compat/NAMES.md."""

    def mark(function):
        function.rows = rows
        return function

    return mark


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_no_keyword_strides(object_name, kwargs):
    for key in ("padding", "strides", "data_format"):
        if key in kwargs:
            raise ValueError(
                f"{object_name} received integer positional arguments after `filters` together with `{key}=`: "
                "this reads as the Keras 1 form `Convolution2D(nb_filter, nb_row, nb_col)`, whose kernel "
                "size is the positional integers. Pass `kernel_size=` and `strides=` as keywords instead."
            )


@_documented(
    ("Convolution2D(nb_filter, nb_row, nb_col)", "Conv2D(filters, kernel_size=(nb_row, nb_col))"),
    ("nb_row=, nb_col=", "kernel_size=(nb_row, nb_col)"),
)
def _conv2d_kernel(object_name, args, kwargs):
    converted = []
    if len(args) > 3:
        raise TypeError(f"{object_name} accepts at most 3 positional arguments. Received: {list(args)!r}")
    if len(args) == 3 and _is_int(args[1]) and _is_int(args[2]):
        _check_no_keyword_strides(object_name, kwargs)
        args = [args[0], (args[1], args[2])]
        converted.append("nb_row")
    elif len(args) == 2 and _is_int(args[1]) and "nb_col" in kwargs:
        args = [args[0], (args[1], kwargs.pop("nb_col"))]
        converted.append("nb_col")
    elif len(args) <= 1 and "nb_row" in kwargs and "nb_col" in kwargs:
        if "kernel_size" in kwargs:
            raise _both_error(object_name, "nb_row/nb_col", "kernel_size")
        kernel = (kwargs.pop("nb_row"), kwargs.pop("nb_col"))
        if args:
            args = [args[0], kernel]
        else:
            kwargs["kernel_size"] = kernel
        converted.append("nb_row")
    return args, kwargs, converted


@_documented(
    (
        "Convolution3D(nb_filter, kernel_dim1, kernel_dim2, kernel_dim3)",
        "Conv3D(filters, kernel_size=(kernel_dim1, kernel_dim2, kernel_dim3))",
    ),
    ("kernel_dim1=, kernel_dim2=, kernel_dim3=", "kernel_size=(kernel_dim1, kernel_dim2, kernel_dim3)"),
)
def _conv3d_kernel(object_name, args, kwargs):
    names = ("kernel_dim1", "kernel_dim2", "kernel_dim3")
    if len(args) > 4:
        raise TypeError(f"{object_name} accepts at most 4 positional arguments. Received: {list(args)!r}")
    given = list(args[1:])
    missing = names[len(given) :]
    if not all(_is_int(value) for value in given) or not all(name in kwargs for name in missing):
        return args, kwargs, []
    if not missing:
        _check_no_keyword_strides(object_name, kwargs)
    if "kernel_size" in kwargs:
        raise _both_error(object_name, "/".join(missing), "kernel_size")
    kernel = tuple(given) + tuple(kwargs.pop(name) for name in missing)
    if args:
        args = [args[0], kernel]
    else:
        kwargs["kernel_size"] = kernel
    return args, kwargs, ["kernel_dim1"]


@_documented(("Deconvolution2D(nb_filter, nb_row, nb_col, output_shape)", "Conv2DTranspose(filters, (nb_row, nb_col))"))
def _deconv2d_output_shape(object_name, args, kwargs):
    if len(args) == 4 and isinstance(args[3], (tuple, list)) and "output_shape" not in kwargs:
        kwargs["output_shape"] = args[3]
        args = list(args[:3])
    return args, kwargs, []


@_documented(("init=", "depthwise_initializer= and pointwise_initializer="))
def _separable_init(object_name, args, kwargs):
    if "init" not in kwargs:
        return args, kwargs, []
    for key in ("depthwise_initializer", "pointwise_initializer"):
        if key in kwargs:
            raise _both_error(object_name, "init", key)
    init = kwargs.pop("init")
    kwargs["depthwise_initializer"] = init
    kwargs["pointwise_initializer"] = init
    return args, kwargs, ["init"]


@_documented(("input_dim=, input_length=", "input_shape=(input_length, input_dim)"))
def _sequence_input(object_name, args, kwargs):
    if "input_dim" not in kwargs and "input_length" not in kwargs:
        return args, kwargs, []
    if "input_shape" in kwargs or "batch_input_shape" in kwargs:
        key = "input_shape" if "input_shape" in kwargs else "batch_input_shape"
        raise _both_error(object_name, "input_dim/input_length", key)
    kwargs["input_shape"] = (kwargs.pop("input_length", None), kwargs.pop("input_dim", None))
    # Keras 2 itself still takes input_dim/input_length on recurrent and 1D layers: no warning.
    return args, kwargs, []


@_documented(
    ("forget_bias_init='one'", "unit_forget_bias=True"),
    ("forget_bias_init=<other>", "dropped (warning): use unit_forget_bias"),
)
def _forget_bias_init(object_name, args, kwargs):
    if "forget_bias_init" not in kwargs:
        return args, kwargs, []
    value = kwargs.pop("forget_bias_init")
    if value in ("one", "ones"):
        if "unit_forget_bias" in kwargs:
            raise _both_error(object_name, "forget_bias_init", "unit_forget_bias")
        kwargs["unit_forget_bias"] = True
        return args, kwargs, ["forget_bias_init"]
    _warn_once(
        (object_name, "forget_bias_init ignored"),
        f"The `forget_bias_init` argument of `{object_name}` no longer exists and was ignored "
        f"(received forget_bias_init={value!r}). Use `unit_forget_bias=True` to initialize the forget "
        "gate bias with ones.",
    )
    return args, kwargs, []


@_documented(
    ("mode=1, mode=2", "ValueError (only mode=0 exists in Keras 2)"),
    ("BatchNormalization(1e-3)", "TypeError: pass epsilon="),
)
def _batchnorm_mode(object_name, args, kwargs):
    if args and not _is_int(args[0]):
        raise TypeError(
            f"{object_name} received {args[0]!r} as its first positional argument. In Keras 1 this was `epsilon`; "
            "in Keras 2 it is `axis`. Pass `epsilon=` (and `axis=`) as keywords."
        )
    value = kwargs.get("mode", 0)
    if value != 0:
        raise ValueError(
            f"{object_name} received mode={value!r}: the Keras 1 `mode` argument no longer exists and only "
            "mode=0 (feature-wise normalization with moving statistics at test time) is supported. "
            "Remove `mode`; for per-sample normalization use LayerNormalization."
        )
    return args, kwargs, []


def _pads(padding, keys):
    return tuple(int(padding.get(key, 0)) for key in keys)


@_documented(("padding={'left_pad': a, 'right_pad': b}", "padding=(a, b)"))
def _zero_padding1d(object_name, args, kwargs):
    return _convert_padding(args, kwargs, lambda p: _pads(p, ("left_pad", "right_pad")), {"left_pad", "right_pad"})


@_documented(
    ("padding={'top_pad': t, 'bottom_pad': b, 'left_pad': l, 'right_pad': r}", "padding=((t, b), (l, r))"),
    ("padding=(t, b, l, r)", "padding=((t, b), (l, r))"),
)
def _zero_padding2d(object_name, args, kwargs):
    keys = {"top_pad", "bottom_pad", "left_pad", "right_pad"}

    def convert(padding):
        top, bottom, left, right = _pads(padding, ("top_pad", "bottom_pad", "left_pad", "right_pad"))
        return ((top, bottom), (left, right))

    args, kwargs, converted = _convert_padding(args, kwargs, convert, keys)
    if converted:
        return args, kwargs, converted
    value = kwargs.get("padding", args[0] if args else None)
    if isinstance(value, (tuple, list)) and len(value) == 4 and all(_is_int(v) for v in value):
        new = ((value[0], value[1]), (value[2], value[3]))
        if "padding" in kwargs:
            kwargs["padding"] = new
        else:
            args = [new] + list(args[1:])
        converted = ["padding"]
    return args, kwargs, converted


def _convert_padding(args, kwargs, convert, keys):
    if isinstance(kwargs.get("padding"), dict) and set(kwargs["padding"]) <= keys:
        kwargs["padding"] = convert(kwargs["padding"])
        return args, kwargs, ["padding"]
    if args and isinstance(args[0], dict) and set(args[0]) <= keys:
        return [convert(args[0])] + list(args[1:]), kwargs, ["padding"]
    return args, kwargs, []


# ---------------------------------------------------------------------------------------------
# Which classes convert what
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


LAYER_CONVERSIONS = {
    "Dense": Conversion(DENSE),
    "Dropout": Conversion(DROPOUT),
    "SpatialDropout1D": Conversion(DROPOUT),
    "SpatialDropout2D": Conversion(SPATIAL_DROPOUT),
    "SpatialDropout3D": Conversion(SPATIAL_DROPOUT),
    "Embedding": Conversion(EMBEDDING),
    "BatchNormalization": Conversion(BATCH_NORMALIZATION, (_batchnorm_mode,)),
    "Conv1D": Conversion(CONV1D, (_sequence_input,), ("Convolution1D",)),
    "Conv2D": Conversion(CONV2D, (_conv2d_kernel,), ("Convolution2D",)),
    "Conv3D": Conversion(CONV3D, (_conv3d_kernel,), ("Convolution3D",)),
    "Conv2DTranspose": Conversion(DECONV2D, (_deconv2d_output_shape, _conv2d_kernel), ("Deconvolution2D",)),
    "SeparableConv2D": Conversion(SEPARABLE_CONV2D, (_separable_init, _conv2d_kernel), ("SeparableConvolution2D",)),
    "LocallyConnected1D": Conversion(CONV1D, (_sequence_input,)),
    "LocallyConnected2D": Conversion(CONV2D, (_conv2d_kernel,)),
    "MaxPooling1D": Conversion(POOLING1D),
    "AveragePooling1D": Conversion(POOLING1D),
    "MaxPooling2D": Conversion(POOLING2D),
    "AveragePooling2D": Conversion(POOLING2D),
    "MaxPooling3D": Conversion(POOLING3D),
    "AveragePooling3D": Conversion(POOLING3D),
    "GlobalMaxPooling2D": Conversion(GLOBAL_POOLING),
    "GlobalAveragePooling2D": Conversion(GLOBAL_POOLING),
    "GlobalMaxPooling3D": Conversion(GLOBAL_POOLING),
    "GlobalAveragePooling3D": Conversion(GLOBAL_POOLING),
    "SimpleRNN": Conversion(RECURRENT, (_sequence_input,)),
    "LSTM": Conversion(RECURRENT, (_forget_bias_init, _sequence_input)),
    "GRU": Conversion(RECURRENT, (_sequence_input,)),
    "GaussianNoise": Conversion(GAUSSIAN_NOISE),
    "GaussianDropout": Conversion(GAUSSIAN_DROPOUT),
    "ZeroPadding1D": Conversion((), (_zero_padding1d,)),
    "ZeroPadding2D": Conversion(ZERO_PADDING, (_zero_padding2d,)),
    "ZeroPadding3D": Conversion(ZERO_PADDING),
    "UpSampling1D": Conversion(UPSAMPLING1D),
    "UpSampling2D": Conversion(UPSAMPLING),
    "UpSampling3D": Conversion(UPSAMPLING),
    "Cropping2D": Conversion(CROPPING),
    "Cropping3D": Conversion(CROPPING),
    "PReLU": Conversion(PRELU),
}

# Functions of kerastorch.legacy.layers that build a Keras 2 class (their conversions, by name).
FUNCTION_CONVERSIONS = {
    "AtrousConvolution1D": ("Conv1D", Conversion(ATROUS_CONV1D, (_sequence_input,))),
    "AtrousConvolution2D": ("Conv2D", Conversion(ATROUS_CONV2D, (_conv2d_kernel,))),
    "TimeDistributedDense": ("TimeDistributed(Dense)", Conversion(DENSE, (_sequence_input,))),
}

# ---------------------------------------------------------------------------------------------
# The mechanism
# ---------------------------------------------------------------------------------------------
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

    for class_name, conversion in LAYER_CONVERSIONS.items():
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
