"""Pooling layers: max and average pooling (1D/2D/3D) and their global versions.

'same' padding follows TensorFlow: the odd pad element goes after, max pooling pads with -inf
and average pooling leaves the padding out of the divisor.
"""

import torch
import torch.nn.functional as F

from kerastorch.engine import layer as base_layer
from kerastorch.utils import conv_utils

InputSpec = base_layer.InputSpec

__all__ = [
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPool3D",
    "AvgPool1D",
    "AvgPool2D",
    "AvgPool3D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPool3D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalAvgPool3D",
]

_MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG_POOL = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


class _Pooling(base_layer.Layer):
    """N-D max or average pooling.

    Args:
        pool_size: int or tuple of `rank` ints.
        strides: int, tuple of `rank` ints, or None (= pool_size).
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` or `"channels_first"`.
    """

    _rank = None
    _mode = None  # "max" or "avg"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        if strides is None:
            strides = pool_size
        self.pool_size = conv_utils.normalize_tuple(pool_size, self._rank, "pool_size", owner=type(self).__name__)
        self.strides = conv_utils.normalize_tuple(strides, self._rank, "strides", owner=type(self).__name__)
        self.padding = conv_utils.normalize_padding(padding, ("valid", "same"), owner=type(self).__name__)
        self.data_format = conv_utils.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self._rank + 2)
        self._pad_cache = {}

    def _same_pads(self, spatial):
        pads = self._pad_cache.get(spatial)
        if pads is None:
            pads = conv_utils.same_pads(spatial, self.pool_size, self.strides, (1,) * self._rank)
            self._pad_cache[spatial] = pads
        return pads

    def _pool(self, x):
        if self.padding == "valid":
            if any(size < k for size, k in zip(x.shape[2:], self.pool_size)):
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': input spatial shape {tuple(x.shape[2:])} is smaller than "
                    f"pool_size={self.pool_size} with padding='valid'. Use a larger input or padding='same'."
                )
            if self._mode == "max":
                return _MAX_POOL[self._rank](x, self.pool_size, self.strides)
            return _AVG_POOL[self._rank](x, self.pool_size, self.strides)
        pads = self._same_pads(tuple(x.shape[2:]))
        if all(before == after for before, after in pads):
            padding = tuple(before for before, _ in pads)
            if self._mode == "max":
                # torch's implicit max-pool padding is -inf, as TensorFlow's.
                return _MAX_POOL[self._rank](x, self.pool_size, self.strides, padding)
            return _AVG_POOL[self._rank](x, self.pool_size, self.strides, padding, count_include_pad=False)
        flat = conv_utils.torch_pad_list(pads)
        if self._mode == "max":
            return _MAX_POOL[self._rank](F.pad(x, flat, value=float("-inf")), self.pool_size, self.strides)
        # Asymmetric 'same' average: window means over the zero-padded input, divided by the
        # fraction of each window inside the input (TensorFlow leaves padding out of the count).
        means = _AVG_POOL[self._rank](F.pad(x, flat), self.pool_size, self.strides)
        ones = torch.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype, device=x.device)
        inside = _AVG_POOL[self._rank](F.pad(ones, flat), self.pool_size, self.strides)
        return means / inside

    def call(self, inputs):
        x = conv_utils.to_channels_first(inputs, self.data_format)
        if self._mode == "max" and not x.is_floating_point():
            # torch max-pools floats only; integers (as tf.keras allows) go through float64 (exact below 2**53).
            return conv_utils.from_channels_first(self._pool(x.double()).to(x.dtype), self.data_format)
        return conv_utils.from_channels_first(self._pool(x), self.data_format)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, k, s in zip(conv_utils.spatial_axes(self._rank, self.data_format), self.pool_size, self.strides):
            shape[axis] = conv_utils.conv_output_length(shape[axis], k, self.padding, s)
            if shape[axis] is not None and shape[axis] <= 0:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': input shape {tuple(input_shape)} is smaller than "
                    f"pool_size={self.pool_size} with padding='valid'. Use a larger input or padding='same'."
                )
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "pool_size": self.pool_size,
                "padding": self.padding,
                "strides": self.strides,
                "data_format": self.data_format,
            }
        )
        return config


class MaxPooling1D(_Pooling):
    """Max pooling over the time axis.

    Args:
        pool_size: window size.
        strides: step between windows; None means `pool_size`.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Input shape:
        `(batch, steps, features)` (channels_last) or `(batch, features, steps)`.

    Output shape:
        `(batch, pooled_steps, features)` (channels_last).

    Example:
        >>> MaxPooling1D(2)(np.zeros((1, 5, 3), "float32")).shape
        torch.Size([1, 2, 3])
    """

    _rank, _mode = 1, "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last", **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(_Pooling):
    """Max pooling over rows and columns.

    Args:
        pool_size: int or tuple of 2 ints.
        strides: int, tuple of 2 ints, or None (= pool_size).
        padding: `"valid"` or `"same"` (pads with -inf, odd pad at the bottom/right).
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).

    Input shape:
        `(batch, rows, cols, channels)` (channels_last) or `(batch, channels, rows, cols)`.

    Output shape:
        `(batch, pooled_rows, pooled_cols, channels)` (channels_last).

    Example:
        >>> MaxPooling2D()(np.zeros((1, 4, 4, 3), "float32")).shape
        torch.Size([1, 2, 2, 3])
    """

    _rank, _mode = 2, "max"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling3D(_Pooling):
    """Max pooling over the three spatial dimensions.

    Args:
        pool_size: int or tuple of 3 ints.
        strides: int, tuple of 3 ints, or None (= pool_size).
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).

    Input shape:
        `(batch, d1, d2, d3, channels)` (channels_last) or `(batch, channels, d1, d2, d3)`.

    Output shape:
        `(batch, pooled_d1, pooled_d2, pooled_d3, channels)` (channels_last).
    """

    _rank, _mode = 3, "max"

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(_Pooling):
    """Average pooling over the time axis.

    Args:
        pool_size: window size.
        strides: step between windows; None means `pool_size`.
        padding: `"valid"` or `"same"` (padding is not counted in the average).
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Input shape:
        `(batch, steps, features)` (channels_last) or `(batch, features, steps)`.

    Output shape:
        `(batch, pooled_steps, features)` (channels_last).
    """

    _rank, _mode = 1, "avg"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last", **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(_Pooling):
    """Average pooling over rows and columns.

    Args:
        pool_size: int or tuple of 2 ints.
        strides: int, tuple of 2 ints, or None (= pool_size).
        padding: `"valid"` or `"same"` (padding is not counted in the average).
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).

    Input shape:
        `(batch, rows, cols, channels)` (channels_last) or `(batch, channels, rows, cols)`.

    Output shape:
        `(batch, pooled_rows, pooled_cols, channels)` (channels_last).

    Example:
        >>> AveragePooling2D(3, strides=2, padding="same")(np.ones((1, 4, 4, 1), "float32"))[0, :, :, 0]
        tensor([[1., 1.],
                [1., 1.]])
    """

    _rank, _mode = 2, "avg"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(_Pooling):
    """Average pooling over the three spatial dimensions.

    Args:
        pool_size: int or tuple of 3 ints.
        strides: int, tuple of 3 ints, or None (= pool_size).
        padding: `"valid"` or `"same"` (padding is not counted in the average).
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).

    Input shape:
        `(batch, d1, d2, d3, channels)` (channels_last) or `(batch, channels, d1, d2, d3)`.

    Output shape:
        `(batch, pooled_d1, pooled_d2, pooled_d3, channels)` (channels_last).
    """

    _rank, _mode = 3, "avg"

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _GlobalPooling(base_layer.Layer):
    """Max or mean over all spatial dimensions.

    Args:
        data_format: `"channels_last"` or `"channels_first"`.
        keepdims: keep the reduced dimensions with length 1.
    """

    _rank = None
    _mode = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = conv_utils.normalize_data_format(data_format)
        if not isinstance(keepdims, bool):
            raise TypeError(f"{type(self).__name__} expects `keepdims` to be a bool. Received: keepdims={keepdims!r}")
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self._rank + 2)
        self._axes = conv_utils.spatial_axes(self._rank, self.data_format)

    def build(self, input_shape):
        for axis in self._axes:
            if input_shape[axis] == 0:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}' cannot reduce axis {axis} of size 0 "
                    f"(input shape {tuple(input_shape)})."
                )
        super().build(input_shape)

    def call(self, inputs):
        if self._mode == "max":
            return torch.amax(inputs, dim=self._axes, keepdim=self.keepdims)
        return torch.mean(inputs, dim=self._axes, keepdim=self.keepdims)

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return tuple(1 if axis in self._axes else d for axis, d in enumerate(input_shape))
        return tuple(d for axis, d in enumerate(input_shape) if axis not in self._axes)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


class GlobalMaxPooling1D(_GlobalPooling):
    """Maximum over the time axis.

    Args:
        data_format: `"channels_last"` (default) or `"channels_first"`.
        keepdims: keep the time axis with length 1.

    Input shape:
        `(batch, steps, features)` (channels_last) or `(batch, features, steps)`.

    Output shape:
        `(batch, features)`, or `(batch, 1, features)` with keepdims (channels_last).
    """

    _rank, _mode = 1, "max"

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over the time axis; masked steps are left out when a mask is given.

    Args:
        data_format: `"channels_last"` (default) or `"channels_first"`.
        keepdims: keep the time axis with length 1.

    Input shape:
        `(batch, steps, features)` (channels_last) or `(batch, features, steps)`; optional mask
        `(batch, steps)`.

    Output shape:
        `(batch, features)`, or `(batch, 1, features)` with keepdims (channels_last).

    Example:
        >>> GlobalAveragePooling1D()(np.ones((2, 5, 3), "float32")).shape
        torch.Size([2, 3])
    """

    _rank, _mode = 1, "avg"

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        steps_axis = self._axes[0]
        weights = mask.to(inputs.dtype).unsqueeze(2 if self.data_format == "channels_last" else 1)
        total = torch.sum(inputs * weights, dim=steps_axis, keepdim=self.keepdims)
        return total / torch.sum(weights, dim=steps_axis, keepdim=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalMaxPooling2D(_GlobalPooling):
    """Maximum over rows and columns.

    Args:
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).
        keepdims: keep the spatial axes with length 1.

    Input shape:
        `(batch, rows, cols, channels)` (channels_last) or `(batch, channels, rows, cols)`.

    Output shape:
        `(batch, channels)`, or `(batch, 1, 1, channels)` with keepdims (channels_last).
    """

    _rank, _mode = 2, "max"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over rows and columns.

    Args:
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).
        keepdims: keep the spatial axes with length 1.

    Input shape:
        `(batch, rows, cols, channels)` (channels_last) or `(batch, channels, rows, cols)`.

    Output shape:
        `(batch, channels)`, or `(batch, 1, 1, channels)` with keepdims (channels_last).

    Example:
        >>> GlobalAveragePooling2D()(np.ones((2, 4, 4, 3), "float32")).shape
        torch.Size([2, 3])
    """

    _rank, _mode = 2, "avg"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


class GlobalMaxPooling3D(_GlobalPooling):
    """Maximum over the three spatial dimensions.

    Args:
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).
        keepdims: keep the spatial axes with length 1.

    Input shape:
        `(batch, d1, d2, d3, channels)` (channels_last) or `(batch, channels, d1, d2, d3)`.

    Output shape:
        `(batch, channels)`, or with keepdims `(batch, 1, 1, 1, channels)` (channels_last).
    """

    _rank, _mode = 3, "max"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


class GlobalAveragePooling3D(_GlobalPooling):
    """Mean over the three spatial dimensions.

    Args:
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).
        keepdims: keep the spatial axes with length 1.

    Input shape:
        `(batch, d1, d2, d3, channels)` (channels_last) or `(batch, channels, d1, d2, d3)`.

    Output shape:
        `(batch, channels)`, or with keepdims `(batch, 1, 1, 1, channels)` (channels_last).
    """

    _rank, _mode = 3, "avg"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


# Keras aliases.
MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
MaxPool3D = MaxPooling3D
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
AvgPool3D = AveragePooling3D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalMaxPool3D = GlobalMaxPooling3D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D
