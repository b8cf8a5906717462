"""Reshaping layers: UpSampling1D/2D/3D, ZeroPadding1D/2D/3D and Cropping1D/2D/3D.

tf.keras 2.9+ files this family under `layers.reshaping`; Keras 1 and 2 imported it from
`layers.convolutional`, which re-exports it. Up-sampling by repetition is a single expand/reshape
copy; the smooth `UpSampling2D` interpolations reproduce TensorFlow 2's `tf.image.resize`
(half-pixel centers) as one matrix per spatial axis.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

from kerastorch.engine import layer as base_layer
from kerastorch.layers._common import _positive_int
from kerastorch.utils import conv_utils

InputSpec = base_layer.InputSpec

__all__ = [
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
]


def _repeat_axes(x, axes, sizes):
    """Repeats every element `size` times along each axis (nearest up-sampling), one copy."""
    if all(size == 1 for size in sizes):
        return x
    shape, expanded, final = list(x.shape), [], []
    for axis, length in enumerate(shape):
        expanded.append(length)
        if axis in axes:
            size = sizes[axes.index(axis)]
            expanded.append(size)
            final.append(length * size)
        else:
            final.append(length)
    view = x
    for axis in sorted(axes, reverse=True):
        view = view.unsqueeze(axis + 1)
    return view.expand(expanded).reshape(final)


class UpSampling1D(base_layer.Layer):
    """Repeats each time step `size` times along the time axis.

    Args:
        size: upsampling factor.

    Input shape:
        `(batch, steps, features)`.

    Output shape:
        `(batch, steps * size, features)`.
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = _positive_int("UpSampling1D", "size", size)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return _repeat_axes(inputs, (1,), (self.size,))

    def compute_output_shape(self, input_shape):
        steps = input_shape[1]
        return (input_shape[0], None if steps is None else steps * self.size, input_shape[2])

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config


# Kernels of TensorFlow's resize (v2, half-pixel centers) used for the smooth modes.
def _keys_cubic(x):
    x = np.abs(x)
    a = -0.5
    return np.where(
        x <= 1,
        ((a + 2) * x - (a + 3)) * x * x + 1,
        np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0.0),
    )


def _mitchell_cubic(x):
    x = np.abs(x)
    b = c = 1.0 / 3.0
    return np.where(
        x <= 1,
        ((12 - 9 * b - 6 * c) * x**3 + (-18 + 12 * b + 6 * c) * x**2 + (6 - 2 * b)) / 6,
        np.where(
            x < 2, ((-b - 6 * c) * x**3 + (6 * b + 30 * c) * x**2 + (-12 * b - 48 * c) * x + (8 * b + 24 * c)) / 6, 0.0
        ),
    )


def _lanczos(radius):
    def kernel(x):
        x = np.abs(x)
        return np.where(x < radius, np.sinc(x) * np.sinc(x / radius), 0.0)

    return kernel, radius


_RESIZE_KERNELS = {
    "mitchellcubic": (_mitchell_cubic, 2.0),
    "lanczos3": _lanczos(3),
    "lanczos5": _lanczos(5),
    "gaussian": (lambda x: np.where(np.abs(x) < 1.5, np.exp(-(x**2) / (2 * 0.5**2)), 0.0), 1.5),
}


def _bicubic_matrix(length, factor):
    """TensorFlow's resize_bicubic (half-pixel centers): Keys a=-0.5 weights from a 1024-entry
    table, taps outside the image dropped and the rest renormalized."""
    out_length = length * factor
    matrix = np.zeros((out_length, length), dtype=np.float64)
    for out in range(out_length):
        position = (out + 0.5) / factor - 0.5
        base = int(math.floor(position))
        delta = round((position - base) * 1024) / 1024.0
        taps = np.arange(base - 1, base + 3)
        weights = _keys_cubic(np.array([1 + delta, delta, 1 - delta, 2 - delta]))
        inside = (taps >= 0) & (taps < length)
        weights = np.where(inside, weights, 0.0)
        weights = weights / weights.sum()
        for tap, weight in zip(np.clip(taps, 0, length - 1), weights):
            matrix[out, tap] += weight
    return matrix


def _resize_matrix(length, factor, interpolation):
    """(length * factor, length) matrix of TensorFlow's resize weights along one axis."""
    if interpolation == "bicubic":
        return _bicubic_matrix(length, factor)
    kernel, radius = _RESIZE_KERNELS[interpolation]
    out_length = length * factor
    matrix = np.zeros((out_length, length), dtype=np.float64)
    for out in range(out_length):
        center = (out + 0.5) / factor
        start = max(int(math.ceil(center - radius - 0.5)), 0)
        stop = min(int(math.floor(center + radius - 0.5)), length - 1)
        taps = np.arange(start, stop + 1)
        weights = kernel(taps + 0.5 - center)
        total = weights.sum()
        if abs(total) > 1000 * np.finfo(np.float32).eps:
            weights = weights / total
        matrix[out, taps] = weights
    return matrix


class UpSampling2D(base_layer.Layer):
    """Up-samples rows and columns by `size`, by repetition or TensorFlow-2 interpolation.

    Args:
        size: int or tuple of 2 ints.
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).
        interpolation: `"nearest"`, `"bilinear"` (half-pixel centers, as `tf.image.resize`),
            `"area"`, `"bicubic"`, `"gaussian"`, `"lanczos3"`, `"lanczos5"` or `"mitchellcubic"`.

    Input shape:
        `(batch, rows, cols, channels)` (channels_last) or `(batch, channels, rows, cols)`.

    Output shape:
        `(batch, rows * size[0], cols * size[1], channels)` (channels_last).

    Example:
        >>> UpSampling2D(2, interpolation="bilinear")(np.zeros((1, 3, 3, 2), "float32")).shape
        torch.Size([1, 6, 6, 2])
    """

    _INTERPOLATIONS = ("area", "bicubic", "bilinear", "gaussian", "lanczos3", "lanczos5", "mitchellcubic", "nearest")

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.size = conv_utils.normalize_tuple(size, 2, "size", owner=type(self).__name__)
        self.data_format = conv_utils.normalize_data_format(data_format)
        if interpolation not in self._INTERPOLATIONS:
            raise ValueError(
                "UpSampling2D expects `interpolation` to be one of "
                f"{', '.join(repr(i) for i in self._INTERPOLATIONS)}. Received: interpolation={interpolation!r}"
            )
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)
        self._matrices = {}

    def call(self, inputs):
        axes = conv_utils.spatial_axes(2, self.data_format)
        if self.interpolation in ("nearest", "area"):
            # For integer factors TensorFlow's nearest and area resizes both repeat pixels.
            return _repeat_axes(inputs, axes, self.size)
        if self.interpolation == "bilinear":
            x = conv_utils.to_channels_first(inputs, self.data_format)
            size = (x.shape[2] * self.size[0], x.shape[3] * self.size[1])
            out = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
            return conv_utils.from_channels_first(out, self.data_format)
        rows, cols = inputs.shape[axes[0]], inputs.shape[axes[1]]
        key = (rows, cols, inputs.dtype, inputs.device)
        if key not in self._matrices:
            self._matrices[key] = tuple(
                torch.as_tensor(
                    _resize_matrix(length, factor, self.interpolation), dtype=inputs.dtype, device=inputs.device
                )
                for length, factor in zip((rows, cols), self.size)
            )
        row_matrix, col_matrix = self._matrices[key]
        if self.data_format == "channels_last":
            return torch.einsum("oh,nhwc,pw->nopc", row_matrix, inputs, col_matrix)
        return torch.einsum("oh,nchw,pw->ncop", row_matrix, inputs, col_matrix)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, size in zip(conv_utils.spatial_axes(2, self.data_format), self.size):
            shape[axis] = None if shape[axis] is None else shape[axis] * size
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format, "interpolation": self.interpolation})
        return config


class UpSampling3D(base_layer.Layer):
    """Repeats the three spatial dimensions by `size`.

    Args:
        size: int or tuple of 3 ints.
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).

    Input shape:
        `(batch, d1, d2, d3, channels)` (channels_last) or `(batch, channels, d1, d2, d3)`.

    Output shape:
        `(batch, d1 * size[0], d2 * size[1], d3 * size[2], channels)` (channels_last).
    """

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.size = conv_utils.normalize_tuple(size, 3, "size", owner=type(self).__name__)
        self.data_format = conv_utils.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=5)

    def call(self, inputs):
        return _repeat_axes(inputs, conv_utils.spatial_axes(3, self.data_format), self.size)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, size in zip(conv_utils.spatial_axes(3, self.data_format), self.size):
            shape[axis] = None if shape[axis] is None else shape[axis] * size
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        return config


def _pairs(value, rank, arg, layer_name):
    """int | tuple of `rank` ints | tuple of `rank` pairs -> tuple of `rank` (before, after) pairs."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        pair = conv_utils.normalize_tuple(value, 2, arg, allow_zero=True, owner=layer_name)
        return (pair,) * rank
    if not hasattr(value, "__len__") or len(value) != rank:
        raise ValueError(
            f"{layer_name} expects `{arg}` to be an int, a tuple of {rank} ints, or a tuple of {rank} "
            f"tuples of 2 ints. Received: {arg}={value!r}"
        )
    return tuple(
        conv_utils.normalize_tuple(entry, 2, f"{arg}[{index}]", allow_zero=True, owner=layer_name)
        for index, entry in enumerate(value)
    )


class _ZeroPadding(base_layer.Layer):
    """Zero-padding of the `rank` spatial dimensions."""

    _rank = None

    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(**kwargs)
        who = type(self).__name__
        if self._rank == 1:
            self.padding = conv_utils.normalize_tuple(padding, 2, "padding", allow_zero=True, owner=type(self).__name__)
            self._pads = (self.padding,)
            self.data_format = "channels_last"
        else:
            self.padding = _pairs(padding, self._rank, "padding", who)
            self._pads = self.padding
            self.data_format = conv_utils.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def call(self, inputs):
        pads = list(self._pads)
        if self.data_format == "channels_last":
            pads.append((0, 0))
        return F.pad(inputs, conv_utils.torch_pad_list(pads))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in zip(conv_utils.spatial_axes(self._rank, self.data_format), self._pads):
            shape[axis] = None if shape[axis] is None else shape[axis] + before + after
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config["padding"] = self.padding
        if self._rank > 1:
            config["data_format"] = self.data_format
        return config


class ZeroPadding1D(_ZeroPadding):
    """Pads the time axis with zeros.

    Args:
        padding: int (both sides) or tuple `(left, right)`.

    Input shape:
        `(batch, steps, features)`.

    Output shape:
        `(batch, left + steps + right, features)`.
    """

    _rank = 1

    def __init__(self, padding=1, **kwargs):
        super().__init__(padding, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    """Pads rows and columns with zeros.

    Args:
        padding: int, tuple `(rows_pad, cols_pad)` or `((top, bottom), (left, right))`.
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).

    Input shape:
        `(batch, rows, cols, channels)` (channels_last) or `(batch, channels, rows, cols)`.

    Output shape:
        `(batch, top + rows + bottom, left + cols + right, channels)` (channels_last).
    """

    _rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Pads the three spatial dimensions with zeros.

    Args:
        padding: int, tuple of 3 ints, or tuple of 3 `(before, after)` tuples.
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).

    Input shape:
        `(batch, d1, d2, d3, channels)` (channels_last) or `(batch, channels, d1, d2, d3)`.

    Output shape:
        each spatial dimension grown by its `before + after`.
    """

    _rank = 3

    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class _Cropping(base_layer.Layer):
    """Cropping of the `rank` spatial dimensions."""

    _rank = None

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        who = type(self).__name__
        if self._rank == 1:
            self.cropping = conv_utils.normalize_tuple(
                cropping, 2, "cropping", allow_zero=True, owner=type(self).__name__
            )
            self._crops = (self.cropping,)
            self.data_format = "channels_last"
        else:
            self.cropping = _pairs(cropping, self._rank, "cropping", who)
            self._crops = self.cropping
            self.data_format = conv_utils.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _check(self, shape):
        for axis, (before, after) in zip(conv_utils.spatial_axes(self._rank, self.data_format), self._crops):
            if shape[axis] is not None and before + after >= shape[axis]:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}' crops {before + after} elements from an axis "
                    f"of size {shape[axis]} (input shape {tuple(shape)}, cropping={self.cropping}); "
                    "the cropping must leave at least one element."
                )

    def call(self, inputs):
        self._check(tuple(inputs.shape))
        for axis, (before, after) in zip(conv_utils.spatial_axes(self._rank, self.data_format), self._crops):
            inputs = inputs.narrow(axis, before, inputs.shape[axis] - before - after)
        return inputs

    def compute_output_shape(self, input_shape):
        self._check(tuple(input_shape))
        shape = list(input_shape)
        for axis, (before, after) in zip(conv_utils.spatial_axes(self._rank, self.data_format), self._crops):
            shape[axis] = None if shape[axis] is None else shape[axis] - before - after
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config["cropping"] = self.cropping
        if self._rank > 1:
            config["data_format"] = self.data_format
        return config


class Cropping1D(_Cropping):
    """Crops the time axis.

    Args:
        cropping: int (both sides) or tuple `(start, end)`.

    Input shape:
        `(batch, steps, features)`.

    Output shape:
        `(batch, steps - start - end, features)`.
    """

    _rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, **kwargs)


class Cropping2D(_Cropping):
    """Crops rows and columns.

    Args:
        cropping: int, tuple `(rows_crop, cols_crop)` or `((top, bottom), (left, right))`.
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).

    Input shape:
        `(batch, rows, cols, channels)` (channels_last) or `(batch, channels, rows, cols)`.

    Output shape:
        `(batch, rows - top - bottom, cols - left - right, channels)` (channels_last).
    """

    _rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Crops the three spatial dimensions.

    Args:
        cropping: int, tuple of 3 ints, or tuple of 3 `(before, after)` tuples.
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).

    Input shape:
        `(batch, d1, d2, d3, channels)` (channels_last) or `(batch, channels, d1, d2, d3)`.

    Output shape:
        each spatial dimension shrunk by its `before + after`.
    """

    _rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
