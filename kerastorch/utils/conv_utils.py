"""Convolution arithmetic: argument normalization, output lengths, TensorFlow's 'same' padding, layouts."""

import numpy as np

from kerastorch import backend

__all__ = [
    "normalize_tuple",
    "normalize_padding",
    "normalize_data_format",
    "conv_output_length",
    "conv_input_length",
    "deconv_output_length",
    "same_padding",
    "same_pads",
    "torch_pad_list",
    "spatial_axes",
    "to_channels_first",
    "from_channels_first",
    "convert_kernel",
]


def normalize_tuple(value, n, name, allow_zero=False, owner=None):
    """Turns an int or an iterable of `n` ints into a tuple of `n` ints, validated.

    Args:
        value: an int, or an iterable of `n` ints.
        n: length of the tuple to return.
        name: argument name used in error messages (`"kernel_size"`, `"strides"`).
        allow_zero: accept zeros (values must then be >= 0 instead of > 0).
        owner: layer class name that starts the error message.

    Returns:
        A tuple of `n` Python ints.
    """
    requirement = ">= 0" if allow_zero else "> 0"
    subject = f"{owner} expects `{name}` to be" if owner else f"The `{name}` argument must be"
    message = f"{subject} an integer or a tuple of {n} integers {requirement}. Received: {name}={value!r}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        values = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(message) from None
        if len(values) != n:
            raise ValueError(message)
        converted = []
        for item in values:
            if isinstance(item, bool) or not isinstance(item, (int, np.integer)):
                if isinstance(item, float) and item.is_integer():
                    item = int(item)
                else:
                    raise ValueError(message)
            converted.append(int(item))
        values = tuple(converted)
    if any(v < 0 or (v == 0 and not allow_zero) for v in values):
        raise ValueError(message)
    return values


def normalize_padding(value, allowed=("valid", "same", "causal"), owner=None):
    """Lower-cases and validates a padding mode.

    Args:
        value: `"valid"`, `"same"` or `"causal"` (any case).
        allowed: the modes the caller accepts.
        owner: layer class name that starts the error message.

    Returns:
        The lower-cased mode.
    """
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        valid = ", ".join(repr(p) for p in allowed)
        subject = f"{owner} expects `padding` to be" if owner else "The `padding` argument must be"
        raise ValueError(f"{subject} one of {valid}. Received: padding={value!r}")
    return padding


def normalize_data_format(value):
    """`value` or the global `image_data_format()`, validated (`channels_last`/`channels_first`)."""
    return backend.normalize_data_format(value)


def _dilated(filter_size, dilation):
    return (filter_size - 1) * dilation + 1


def conv_output_length(input_length, filter_size, padding, stride, dilation=1):
    """Output length of a convolution (Keras formula).

    Args:
        input_length: int or None.
        filter_size: kernel length.
        padding: `"same"`, `"valid"`, `"full"` or `"causal"`.
        stride: stride.
        dilation: dilation rate.

    Returns:
        The output length, or None when `input_length` is None.
    """
    if input_length is None:
        return None
    padding = normalize_padding(padding, ("same", "valid", "full", "causal"))
    dilated = _dilated(filter_size, dilation)
    if padding in ("same", "causal"):
        length = input_length
    elif padding == "valid":
        length = input_length - dilated + 1
    else:
        length = input_length + dilated - 1
    return (length + stride - 1) // stride


def conv_input_length(output_length, filter_size, padding, stride):
    """Input length of a convolution given its output length (Keras formula).

    Args:
        output_length: int or None.
        filter_size: kernel length.
        padding: `"same"`, `"valid"` or `"full"`.
        stride: stride.

    Returns:
        The input length, or None when `output_length` is None.
    """
    if output_length is None:
        return None
    padding = normalize_padding(padding, ("same", "valid", "full"))
    if padding == "same":
        pad = filter_size // 2
    elif padding == "valid":
        pad = 0
    else:
        pad = filter_size - 1
    return (output_length - 1) * stride - 2 * pad + filter_size


def deconv_output_length(input_length, filter_size, padding, output_padding=None, stride=0, dilation=1):
    """Output length of a transposed convolution (Keras formula).

    Args:
        input_length: int or None.
        filter_size: kernel length.
        padding: `"same"`, `"valid"` or `"full"`.
        output_padding: extra length on the output, or None to infer it.
        stride: stride.
        dilation: dilation rate.

    Returns:
        The output length, or None when `input_length` is None.
    """
    if input_length is None:
        return None
    padding = normalize_padding(padding, ("same", "valid", "full"))
    dilated = _dilated(filter_size, dilation)
    if output_padding is None:
        if padding == "valid":
            return input_length * stride + max(dilated - stride, 0)
        if padding == "full":
            return input_length * stride - (stride + dilated - 2)
        return input_length * stride
    if padding == "same":
        pad = dilated // 2
    elif padding == "valid":
        pad = 0
    else:
        pad = dilated - 1
    return (input_length - 1) * stride + dilated - 2 * pad + output_padding


def same_padding(input_length, filter_size, stride=1, dilation=1):
    """TensorFlow's 'same' padding: (pad_before, pad_after) for one spatial dimension.

    The total is `max((ceil(in / stride) - 1) * stride + dilated_kernel - in, 0)`; the extra
    element of an odd total goes after, as in TensorFlow (torch splits it differently).

    Args:
        input_length: input length.
        filter_size: kernel (or pool window) length.
        stride: stride.
        dilation: dilation rate.

    Returns:
        A tuple `(pad_before, pad_after)`.
    """
    output_length = (input_length + stride - 1) // stride
    total = max((output_length - 1) * stride + _dilated(filter_size, dilation) - input_length, 0)
    before = total // 2
    return before, total - before


def same_pads(spatial_shape, kernel_size, strides, dilation_rate):
    """TensorFlow 'same' pads for every spatial dimension.

    Args:
        spatial_shape: input lengths, one per spatial dimension.
        kernel_size, strides, dilation_rate: tuples with one entry per spatial dimension.

    Returns:
        A list of `(pad_before, pad_after)` tuples, first spatial dimension first.
    """
    return [
        same_padding(length, k, s, d) for length, k, s, d in zip(spatial_shape, kernel_size, strides, dilation_rate)
    ]


def torch_pad_list(pads):
    """`[(before, after), ...]` (first spatial dimension first) -> `torch.nn.functional.pad`'s flat list.

    Args:
        pads: one `(before, after)` pair per trailing dimension, in dimension order.

    Returns:
        The flat list, last dimension first, as `F.pad` expects.
    """
    flat = []
    for before, after in reversed(pads):
        flat.extend((before, after))
    return flat


def spatial_axes(rank, data_format, ndim=None):
    """Axes of the spatial dimensions of an input.

    Args:
        rank: number of spatial dimensions.
        data_format: `"channels_last"` or `"channels_first"`.
        ndim: input rank (default `rank + 2`).

    Returns:
        A tuple of `rank` axis indices.
    """
    ndim = rank + 2 if ndim is None else ndim
    first = ndim - rank - (1 if data_format == "channels_last" else 0)
    return tuple(range(first, first + rank))


def to_channels_first(x, data_format):
    """`(N, *spatial, C)` -> `(N, C, *spatial)` as a view (torch's channels_last memory format).

    Args:
        x: a torch tensor.
        data_format: the layout of `x`; channels_first input is returned as is.

    Returns:
        The channels-first view.
    """
    return x.movedim(-1, 1) if data_format == "channels_last" else x


def from_channels_first(x, data_format):
    """Inverse of `to_channels_first`: back to `data_format` (a view).

    Args:
        x: a channels-first torch tensor.
        data_format: the layout to return.

    Returns:
        `x` in `data_format`.
    """
    return x.movedim(1, -1) if data_format == "channels_last" else x


def convert_kernel(kernel):
    """Flips a convolution kernel along its spatial axes (Theano <-> TensorFlow kernels).

    Args:
        kernel: NumPy array in Keras layout `(*spatial, in, out)`.

    Returns:
        The flipped kernel (a new array).
    """
    kernel = np.asarray(kernel)
    if kernel.ndim < 3:
        raise ValueError(f"convert_kernel expects a kernel with at least 3 dimensions. Received shape {kernel.shape}.")
    slices = tuple(slice(None, None, -1) for _ in range(kernel.ndim - 2))
    return np.copy(kernel[slices])
