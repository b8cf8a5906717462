"""Image preprocessing layers of tf.keras 2: Rescaling, CenterCrop and Resizing (tf.image.resize numerics)."""

import functools
import math

import numpy as np
import torch
import torch.nn.functional as F

from kerastorch import backend
from kerastorch.engine.layer import Layer

__all__ = ["Rescaling", "CenterCrop", "Resizing"]

_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area")
# tf.image.resize methods that have no kerastorch kernel matching TensorFlow's numbers.
_UNSUPPORTED_INTERPOLATIONS = ("lanczos3", "lanczos5", "gaussian", "mitchellcubic")
# tf's bicubic kernel (a = -0.5 when half_pixel_centers) reads its weights from a 1024-step table.
_BICUBIC_TABLE_SIZE = 1024


def _check_size(layer_name, height, width):
    for argument, value in (("height", height), ("width", width)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(
                f"{layer_name} expects `{argument}` to be a positive integer. Received: {argument}={value!r}"
            )


def _compute_dtype(layer):
    return backend.standardize_dtype(layer.compute_dtype)


def _as_images(layer_name, inputs):
    """Inputs as a 4D (batch, height, width, channels) tensor, and whether a batch axis was added."""
    if inputs.ndim == 3:
        return inputs.unsqueeze(0), True
    if inputs.ndim == 4:
        return inputs, False
    raise ValueError(
        f"{layer_name} expects images of shape (height, width, channels) or (batch, height, width, channels). "
        f"Received: input with shape {tuple(inputs.shape)}"
    )


@functools.lru_cache(maxsize=64)
def _bicubic_weights(in_size, out_size):
    """(out_size, in_size) matrix of tf's half-pixel Keys-cubic resize along one axis."""
    scale = np.float32(in_size / out_size)
    a = -0.5
    table_x = np.arange(_BICUBIC_TABLE_SIZE + 1, dtype=np.float64) / _BICUBIC_TABLE_SIZE
    near = (((a + 2) * table_x - (a + 3)) * table_x * table_x + 1).astype(np.float32)
    far_x = (table_x.astype(np.float32) + np.float32(1.0)).astype(np.float64)
    far = (((a * far_x - 5 * a) * far_x + 8 * a) * far_x - 4 * a).astype(np.float32)
    matrix = np.zeros((out_size, in_size), dtype=np.float32)
    for out_index in range(out_size):
        position = np.float32((np.float32(out_index) + np.float32(0.5)) * scale - np.float32(0.5))
        floor = int(math.floor(position))
        offset = int(np.rint(np.float32(position - floor) * _BICUBIC_TABLE_SIZE))
        taps = (
            (floor - 1, far[offset]),
            (floor, near[offset]),
            (floor + 1, near[_BICUBIC_TABLE_SIZE - offset]),
            (floor + 2, far[_BICUBIC_TABLE_SIZE - offset]),
        )
        # Taps outside the image get no weight; the others are renormalized to sum to one (as tf).
        inside = [(index, weight) for index, weight in taps if 0 <= index < in_size]
        total = np.float32(sum(weight for _, weight in inside))
        for index, weight in inside:
            matrix[out_index, index] += weight / total if abs(total) > 0 else weight
    return matrix


@functools.lru_cache(maxsize=64)
def _area_weights(in_size, out_size):
    """(out_size, in_size) matrix of tf's area resize: the mean over each output cell's input area."""
    scale = np.float32(in_size / out_size)
    matrix = np.zeros((out_size, in_size), dtype=np.float64)
    for out_index in range(out_size):
        start = np.float32(out_index * scale)
        end = np.float32((out_index + 1) * scale)
        for index in range(int(math.floor(start)), int(math.ceil(end))):
            if index < start:
                weight = scale if index + 1 > end else index + 1 - start
            else:
                weight = end - index if index + 1 > end else 1.0
            matrix[out_index, min(max(index, 0), in_size - 1)] += weight
    return (matrix / scale).astype(np.float32)


_WEIGHT_MATRICES = {"bicubic": _bicubic_weights, "area": _area_weights}


def _resize(images, height, width, interpolation):
    """tf.image.resize (antialias=False) of 4D channels-last float images."""
    if interpolation in ("bilinear", "nearest"):
        # tf's half-pixel bilinear is torch's align_corners=False; tf's half-pixel nearest neighbour
        # (floor((i + 0.5) * scale)) is torch's 'nearest-exact'.
        mode = "bilinear" if interpolation == "bilinear" else "nearest-exact"
        kwargs = {"align_corners": False} if mode == "bilinear" else {}
        channels_first = images.permute(0, 3, 1, 2)
        return F.interpolate(channels_first, size=(height, width), mode=mode, **kwargs).permute(0, 2, 3, 1)
    build = _WEIGHT_MATRICES[interpolation]
    rows = torch.as_tensor(build(images.shape[1], height), device=images.device, dtype=images.dtype)
    columns = torch.as_tensor(build(images.shape[2], width), device=images.device, dtype=images.dtype)
    return torch.einsum("oh,nhwc,pw->nopc", rows, images, columns)


def _smart_resize(images, height, width, interpolation):
    """tf.keras's `smart_resize`: the largest centred crop of the target aspect ratio, then resize."""
    in_height, in_width = images.shape[1], images.shape[2]
    crop_height = min(in_height, int(np.float32(in_width * height) / np.float32(width)))
    crop_width = min(in_width, int(np.float32(in_height * width) / np.float32(height)))
    top = int(np.float32(in_height - crop_height) / np.float32(2))
    left = int(np.float32(in_width - crop_width) / np.float32(2))
    cropped = images[:, top : top + crop_height, left : left + crop_width, :]
    return _resize(cropped, height, width, interpolation)


class _ImageLayer(Layer):
    """Image layers output the compute dtype whatever the input dtype (uint8 images give floats)."""

    def _infer_symbolic_output(self, inputs, kwargs):
        return self.compute_output_shape(tuple(inputs.shape)), [backend.dtype_name(_compute_dtype(self))]


def _image_output_shape(input_shape, height, width):
    shape = list(input_shape)
    shape[-3] = height
    shape[-2] = width
    return tuple(shape)


class Rescaling(_ImageLayer):
    """Multiplies the inputs by `scale` and adds `offset`: `inputs * scale + offset`.

    Inputs of any dtype (uint8 images included) are cast to the layer's compute dtype first, as
    tf.keras 2; `scale` and `offset` may be scalars or per-channel lists broadcast on the last axis.

    Args:
        scale: float or list of floats, the multiplier (`1 / 255` maps [0, 255] to [0, 1]).
        offset: float or list of floats, added after scaling.

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:
        >>> Rescaling(1.0 / 127.5, offset=-1.0)(np.array([[0, 255]], "uint8"))
        tensor([[-1.,  1.]])
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        for argument, value in (("scale", scale), ("offset", offset)):
            try:
                np.asarray(value, dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError(
                    f"Rescaling expects `{argument}` to be a number or a list of numbers. "
                    f"Received: {argument}={value!r}"
                ) from None
        self.scale = scale
        self.offset = offset
        self._constants = {}

    def _constant(self, value, like):
        if isinstance(value, (int, float, np.number)):
            return float(value)
        key = (id(value), like.device, like.dtype)
        if key not in self._constants:
            self._constants[key] = torch.as_tensor(np.asarray(value, dtype=np.float64), dtype=like.dtype).to(
                like.device
            )
        return self._constants[key]

    def call(self, inputs):
        inputs = inputs.to(_compute_dtype(self))
        return inputs * self._constant(self.scale, inputs) + self._constant(self.offset, inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale, "offset": self.offset})
        return config


class CenterCrop(_ImageLayer):
    """Crops the central `(height, width)` region of images (resizing those smaller than the target).

    As tf.keras 2: the crop starts at `(input_height - height) // 2`, `(input_width - width) // 2`;
    an image smaller than the target along either axis is instead resized with tf.keras's
    `smart_resize` (centred aspect-ratio crop, then bilinear resize). The output takes the
    layer's compute dtype.

    Args:
        height: integer, the output height.
        width: integer, the output width.

    Input shape:
        3D `(height, width, channels)` or 4D `(batch, height, width, channels)`, channels last.

    Output shape:
        `(..., height, width, channels)`.

    Example:
        >>> CenterCrop(2, 2)(np.zeros((1, 4, 5, 3), "float32")).shape
        torch.Size([1, 2, 2, 3])
    """

    def __init__(self, height, width, **kwargs):
        super().__init__(**kwargs)
        _check_size("CenterCrop", height, width)
        self.height = height
        self.width = width

    def call(self, inputs):
        images, added_batch = _as_images("CenterCrop", inputs.to(_compute_dtype(self)))
        height_difference = images.shape[1] - self.height
        width_difference = images.shape[2] - self.width
        if height_difference >= 0 and width_difference >= 0:
            top, left = height_difference // 2, width_difference // 2
            outputs = images[:, top : top + self.height, left : left + self.width, :]
        else:
            outputs = _smart_resize(images.to(torch.float32), self.height, self.width, "bilinear")
            outputs = outputs.to(images.dtype)
        return outputs[0] if added_batch else outputs

    def compute_output_shape(self, input_shape):
        return _image_output_shape(input_shape, self.height, self.width)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width})
        return config


class Resizing(_ImageLayer):
    """Resizes images to `(height, width)` with tf.image.resize's numbers (antialias=False).

    `'bilinear'` and `'nearest'` use half-pixel centres (torch's `align_corners=False` and
    `'nearest-exact'`); `'bicubic'` is TensorFlow's Keys cubic (a = -0.5, zero weight outside the
    image, renormalized) and `'area'` TensorFlow's area averaging, both applied as per-axis weight
    matrices on the input's device. `'lanczos3'`, `'lanczos5'`, `'gaussian'` and
    `'mitchellcubic'` raise a ValueError. With `crop_to_aspect_ratio=True` the largest centred
    window of the target aspect ratio is resized instead (tf.keras's `smart_resize`). The output
    takes the layer's compute dtype.

    Args:
        height: integer, the output height.
        width: integer, the output width.
        interpolation: `'bilinear'`, `'nearest'`, `'bicubic'` or `'area'`.
        crop_to_aspect_ratio: if True, crop to the target aspect ratio before resizing.

    Input shape:
        3D `(height, width, channels)` or 4D `(batch, height, width, channels)`, channels last.

    Output shape:
        `(..., height, width, channels)`.

    Example:
        >>> Resizing(8, 8)(np.zeros((2, 4, 4, 3), "float32")).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False, **kwargs):
        super().__init__(**kwargs)
        _check_size("Resizing", height, width)
        method = interpolation.lower() if isinstance(interpolation, str) else interpolation
        if method in _UNSUPPORTED_INTERPOLATIONS:
            raise ValueError(
                f"Resizing does not support interpolation={interpolation!r}: kerastorch has no kernel that "
                f"matches TensorFlow's {method!r} resize. Supported values: {', '.join(_INTERPOLATIONS)}."
            )
        if method not in _INTERPOLATIONS:
            raise ValueError(
                f"Resizing received an unknown `interpolation`. Received: interpolation={interpolation!r}; "
                f"expected one of {', '.join(_INTERPOLATIONS)}."
            )
        self.height = height
        self.width = width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self._method = method

    def call(self, inputs):
        # tf.image.resize computes in float32, except 'nearest', which keeps the compute dtype.
        work_dtype = _compute_dtype(self) if self._method == "nearest" else torch.float32
        images, added_batch = _as_images("Resizing", inputs.to(work_dtype))
        if self.crop_to_aspect_ratio:
            outputs = _smart_resize(images, self.height, self.width, self._method)
        else:
            outputs = _resize(images, self.height, self.width, self._method)
        outputs = outputs.to(_compute_dtype(self))
        return outputs[0] if added_batch else outputs

    def compute_output_shape(self, input_shape):
        return _image_output_shape(input_shape, self.height, self.width)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "height": self.height,
                "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            }
        )
        return config
