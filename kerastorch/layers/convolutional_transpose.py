"""Transposed convolutions: Conv1DTranspose, Conv2DTranspose and Conv3DTranspose.

'same' padding and the output length follow TensorFlow (`conv_utils.deconv_output_length`);
weights are exposed in Keras layout `(*kernel, filters, in)`.
"""

import torch.nn.functional as F

from kerastorch.engine import layer as base_layer
from kerastorch.layers.convolutional_base import _Conv
from kerastorch.utils import conv_utils

InputSpec = base_layer.InputSpec

__all__ = [
    "Conv1DTranspose",
    "Conv2DTranspose",
    "Conv3DTranspose",
]

_CONV_TRANSPOSE = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


class _ConvTranspose(_Conv):
    """N-D transposed convolution base (the gradient of a convolution), Keras output-shape formula.

    Args:
        rank: number of spatial dimensions.
        output_padding: None (inferred) or int / tuple of `rank` ints, each smaller than its stride.
        groups: must be 1 (accepted because tf.keras configs carry it).
        other arguments: as in `_Conv`.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", output_padding=None, **kwargs):
        groups = kwargs.pop("groups", 1)
        if groups not in (1, None):
            raise ValueError(f"{type(self).__name__} supports only groups=1. Received: groups={groups!r}")
        super().__init__(rank, filters, kernel_size, strides, padding, **kwargs)
        if output_padding is not None:
            output_padding = conv_utils.normalize_tuple(
                output_padding, rank, "output_padding", allow_zero=True, owner=type(self).__name__
            )
            for stride, pad in zip(self.strides, output_padding):
                if pad >= stride:
                    raise ValueError(
                        f"{type(self).__name__} expects every `output_padding` to be smaller than its "
                        f"stride. Received: strides={self.strides}, output_padding={output_padding}"
                    )
        self.output_padding = output_padding
        self.input_spec = InputSpec(ndim=rank + 2)

    def _spatial_output_shape(self, spatial_shape):
        output_padding = self.output_padding or (None,) * self.rank
        return [
            conv_utils.deconv_output_length(length, k, self.padding, op, s, d)
            for length, k, op, s, d in zip(
                spatial_shape, self.kernel_size, output_padding, self.strides, self.dilation_rate
            )
        ]

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        # Keras layout (*k, filters, in) <-> torch conv_transpose layout (in, filters, *k).
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (self.filters, channels),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            layout=self._torch_kernel_perm(),
        )
        self._build_bias(self.filters)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): channels})
        base_layer.Layer.build(self, input_shape)

    def _transpose_args(self, spatial_shape):
        """How torch reproduces TensorFlow's transposed convolution for inputs of `spatial_shape`.

        Returns `(padding, output_padding, out_lengths, crop)`. torch pads both ends equally, so
        where TensorFlow's odd 'same' pad goes after, torch's result is one element longer and
        `crop` says to slice it. The extra length torch needs (`output_padding`) is always below
        the stride because Keras requires `output_padding < strides`.
        """
        cached = self._pad_cache.get(spatial_shape)
        if cached is not None:
            return cached
        out_lengths = self._spatial_output_shape(spatial_shape)
        padding, output_padding, crop = [], [], False
        for length, out, k, s, d in zip(spatial_shape, out_lengths, self.kernel_size, self.strides, self.dilation_rate):
            dilated = (k - 1) * d + 1
            # TensorFlow pads the forward convolution whose input is the output here.
            before = max((length - 1) * s + dilated - out, 0) // 2 if self.padding == "same" else 0
            extra = out - ((length - 1) * s + dilated - 2 * before)
            padding.append(before)
            output_padding.append(max(extra, 0))
            crop = crop or extra < 0
        result = (tuple(padding), tuple(output_padding), tuple(out_lengths), crop)
        self._pad_cache[spatial_shape] = result
        return result

    def _convolve(self, x):
        padding, output_padding, out_lengths, crop = self._transpose_args(tuple(x.shape[2:]))
        out = _CONV_TRANSPOSE[self.rank](
            x, self.kernel, self.bias, self.strides, padding, output_padding, 1, self.dilation_rate
        )
        if crop:
            for axis, length in enumerate(out_lengths):
                out = out.narrow(axis + 2, 0, length)
        return out

    def get_config(self):
        config = super().get_config()
        config["output_padding"] = self.output_padding
        return config


class Conv1DTranspose(_ConvTranspose):
    """Transposed 1D convolution.

    Args:
        filters: number of output channels.
        kernel_size: int or tuple of 1 int.
        strides: int or tuple of 1 int.
        padding: `"valid"` or `"same"`.
        output_padding: None or an int smaller than the stride.
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).
        dilation_rate: int or tuple of 1 int.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as in Keras.

    Input shape:
        `(batch, steps, channels)` (channels_last) or `(batch, channels, steps)`.

    Output shape:
        `(batch, new_steps, filters)` with `new_steps` from `conv_utils.deconv_output_length`.
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        output_padding=None,
        data_format=None,
        dilation_rate=1,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            1, filters, kernel_size, strides, padding, output_padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )  # fmt: skip


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2D convolution (sometimes called deconvolution).

    Args:
        filters: number of output channels.
        kernel_size: int or tuple of 2 ints.
        strides: int or tuple of 2 ints.
        padding: `"valid"` or `"same"`.
        output_padding: None or int / tuple of 2 ints, each smaller than its stride.
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).
        dilation_rate: int or tuple of 2 ints.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as in Keras.

    Input shape:
        `(batch, rows, cols, channels)` (channels_last) or `(batch, channels, rows, cols)`.

    Output shape:
        `(batch, new_rows, new_cols, filters)`; with padding="same" and no output_padding,
        `new_rows = rows * strides[0]`.

    Example:
        >>> Conv2DTranspose(4, 3, strides=2, padding="same")(np.zeros((1, 5, 5, 2), "float32")).shape
        torch.Size([1, 10, 10, 4])
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        output_padding=None,
        data_format=None,
        dilation_rate=(1, 1),
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            2, filters, kernel_size, strides, padding, output_padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )  # fmt: skip


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3D convolution.

    Args:
        filters: number of output channels.
        kernel_size: int or tuple of 3 ints.
        strides: int or tuple of 3 ints.
        padding: `"valid"` or `"same"`.
        output_padding: None or int / tuple of 3 ints, each smaller than its stride.
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).
        dilation_rate: must be 1 (tf.keras accepts it and ignores it; it is not in the config).
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as in Keras.

    Input shape:
        `(batch, d1, d2, d3, channels)` (channels_last) or `(batch, channels, d1, d2, d3)`.

    Output shape:
        `(batch, new_d1, new_d2, new_d3, filters)` (channels_last).
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1, 1),
        padding="valid",
        output_padding=None,
        data_format=None,
        dilation_rate=(1, 1, 1),
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        if conv_utils.normalize_tuple(dilation_rate, 3, "dilation_rate", owner=type(self).__name__) != (1, 1, 1):
            raise ValueError(
                "Conv3DTranspose supports only dilation_rate=1 (tf.keras ignores other values). "
                f"Received: dilation_rate={dilation_rate!r}"
            )
        super().__init__(
            3, filters, kernel_size, strides, padding, output_padding, data_format=data_format,
            activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )  # fmt: skip

    def get_config(self):
        config = super().get_config()
        config.pop("dilation_rate")  # tf.keras leaves it out of the config
        return config
