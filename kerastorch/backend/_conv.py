"""Backend spatial ops: padding, resizing, convolutions, pooling and bias_add."""

import builtins

import numpy as np
import torch

from kerastorch.backend._config import normalize_data_format
from kerastorch.backend._tensors import _as_tensor


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
