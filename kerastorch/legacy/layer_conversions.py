"""Keras 1 layer calls: which class converts with which rename table, and the preprocessors for the rest.

A preprocessor handles a Keras 1 form that is not one keyword for another (positional
`Convolution2D(32, 3, 3)`, padding dicts, `BatchNormalization(mode=...)`); `@_documented` attaches
the rows that `compat/generate_names.py` lists for it. `interfaces.install()` applies
`LAYER_CONVERSIONS` to the layer classes.
"""

from kerastorch.legacy.interfaces import Conversion
from kerastorch.legacy.interfaces import _both_error
from kerastorch.legacy.interfaces import _is_int
from kerastorch.legacy.interfaces import _warn_once
from kerastorch.legacy.tables import ATROUS_CONV1D
from kerastorch.legacy.tables import ATROUS_CONV2D
from kerastorch.legacy.tables import BATCH_NORMALIZATION
from kerastorch.legacy.tables import CONV1D
from kerastorch.legacy.tables import CONV2D
from kerastorch.legacy.tables import CONV3D
from kerastorch.legacy.tables import CROPPING
from kerastorch.legacy.tables import DECONV2D
from kerastorch.legacy.tables import DENSE
from kerastorch.legacy.tables import DROPOUT
from kerastorch.legacy.tables import EMBEDDING
from kerastorch.legacy.tables import GAUSSIAN_DROPOUT
from kerastorch.legacy.tables import GAUSSIAN_NOISE
from kerastorch.legacy.tables import GLOBAL_POOLING
from kerastorch.legacy.tables import POOLING1D
from kerastorch.legacy.tables import POOLING2D
from kerastorch.legacy.tables import POOLING3D
from kerastorch.legacy.tables import PRELU
from kerastorch.legacy.tables import RECURRENT
from kerastorch.legacy.tables import SEPARABLE_CONV2D
from kerastorch.legacy.tables import SPATIAL_DROPOUT
from kerastorch.legacy.tables import UPSAMPLING
from kerastorch.legacy.tables import UPSAMPLING1D
from kerastorch.legacy.tables import ZERO_PADDING


# ---------------------------------------------------------------------------------------------
# Preprocessors: conversions that are not one keyword for another
# ---------------------------------------------------------------------------------------------
def _documented(*rows):
    """Attaches `(Keras 1 spelling, Keras 2 spelling)` rows, listed in compat/NAMES.md."""

    def mark(function):
        function.rows = rows
        return function

    return mark


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
