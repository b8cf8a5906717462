"""Convolution layers: Conv1D/2D/3D, separable, depthwise and transposed convolutions.

Weights are stored in torch layout (`(out, in / groups, *kernel)`) and exposed in Keras layout
(`(*kernel, in / groups, out)`) by `get_weights`/`set_weights`. A channels-last input is permuted
to channels-first as a view (torch's channels_last memory format), so no copy happens around
the convolution. 'same' padding follows TensorFlow: the extra element of an odd total pad goes
after (bottom/right), with and without strides.
"""

import torch.nn.functional as F

from kerastorch import activations
from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.engine import layer as base_layer
from kerastorch.layers._common import _positive_int

# Keras 1 and 2 import the reshaping layers from here; they live in `reshaping` (tf.keras 2.9+).
from kerastorch.layers.reshaping import Cropping1D
from kerastorch.layers.reshaping import Cropping2D
from kerastorch.layers.reshaping import Cropping3D
from kerastorch.layers.reshaping import UpSampling1D
from kerastorch.layers.reshaping import UpSampling2D
from kerastorch.layers.reshaping import UpSampling3D
from kerastorch.layers.reshaping import ZeroPadding1D
from kerastorch.layers.reshaping import ZeroPadding2D
from kerastorch.layers.reshaping import ZeroPadding3D
from kerastorch.utils import conv_utils

InputSpec = base_layer.InputSpec

__all__ = [
    "Conv1D",
    "Conv2D",
    "Conv3D",
    "Conv1DTranspose",
    "Conv2DTranspose",
    "Conv3DTranspose",
    "SeparableConv1D",
    "SeparableConv2D",
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "Convolution1D",
    "Convolution2D",
    "Convolution3D",
    "Convolution1DTranspose",
    "Convolution2DTranspose",
    "Convolution3DTranspose",
    "Deconvolution2D",
    "Deconvolution3D",
    "SeparableConvolution1D",
    "SeparableConvolution2D",
]

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_TRANSPOSE = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def _merge_batch_dims(x, rank):
    """Folds extra leading batch dimensions into one; returns (x, leading shape or None)."""
    if x.dim() <= rank + 2:
        return x, None
    leading = tuple(x.shape[: x.dim() - rank - 1])
    return x.reshape((-1,) + tuple(x.shape[x.dim() - rank - 1 :])), leading


def _split_batch_dims(x, leading):
    if leading is None:
        return x
    return x.reshape(leading + tuple(x.shape[1:]))


# ---------------------------------------------------------------------------------------------
# Convolutions
# ---------------------------------------------------------------------------------------------
class _Conv(base_layer.Layer):
    """N-D convolution base: `activation(conv(inputs, kernel) + bias)`.

    Args:
        rank: number of spatial dimensions (1, 2 or 3).
        filters: number of output channels.
        kernel_size: int or tuple of `rank` ints.
        strides: int or tuple of `rank` ints.
        padding: `"valid"`, `"same"` or (Conv1D / SeparableConv1D) `"causal"`.
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).
        dilation_rate: int or tuple of `rank` ints.
        groups: number of channel groups.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as in Keras.
    """

    _allows_causal = False
    _filters_from_input = False  # depthwise layers derive their output channels from the input

    def __init__(
        self,
        rank,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        groups=1,
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
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        who = type(self).__name__
        self.rank = rank
        self.filters = _positive_int(who, "filters", filters, allow_none=self._filters_from_input)
        self.groups = _positive_int(who, "groups", groups or 1)
        self.kernel_size = conv_utils.normalize_tuple(kernel_size, rank, "kernel_size", owner=type(self).__name__)
        self.strides = conv_utils.normalize_tuple(strides, rank, "strides", owner=type(self).__name__)
        self.padding = conv_utils.normalize_padding(padding, owner=type(self).__name__)
        self.data_format = conv_utils.normalize_data_format(data_format)
        self.dilation_rate = conv_utils.normalize_tuple(dilation_rate, rank, "dilation_rate", owner=type(self).__name__)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        if self.filters is not None and self.filters % self.groups:
            raise ValueError(
                f"{who} expects `filters` to be divisible by `groups`. "
                f"Received: filters={self.filters}, groups={self.groups}"
            )
        if self.padding == "causal" and not self._allows_causal:
            raise ValueError(
                f"{who} does not support padding='causal' (only Conv1D and SeparableConv1D do). Use 'valid' or 'same'."
            )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{who} does not support `strides` > 1 together with `dilation_rate` > 1. "
                f"Received: strides={self.strides}, dilation_rate={self.dilation_rate}"
            )
        self.input_spec = InputSpec(min_ndim=rank + 2)
        self._pad_cache = {}

    # -- shapes -----------------------------------------------------------------------------
    def _channel_axis(self):
        return -1 - self.rank if self.data_format == "channels_first" else -1

    def _input_channels(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < self.rank + 2:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' expects inputs of rank >= {self.rank + 2}. "
                f"Received input_shape={input_shape}"
            )
        channels = input_shape[self._channel_axis()]
        if channels is None:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' needs a known channel dimension (axis "
                f"{self._channel_axis()}). Received input_shape={input_shape}"
            )
        return int(channels)

    def _spatial_output_shape(self, spatial_shape):
        return [
            conv_utils.conv_output_length(length, k, self.padding, s, d)
            for length, k, s, d in zip(spatial_shape, self.kernel_size, self.strides, self.dilation_rate)
        ]

    def _output_channels(self, input_shape):
        return self.filters

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        batch_rank = len(input_shape) - self.rank - 1
        if self.data_format == "channels_last":
            spatial = self._spatial_output_shape(input_shape[batch_rank:-1])
            shape = input_shape[:batch_rank] + tuple(spatial) + (self._output_channels(input_shape),)
        else:
            spatial = self._spatial_output_shape(input_shape[batch_rank + 1 :])
            shape = input_shape[:batch_rank] + (self._output_channels(input_shape),) + tuple(spatial)
        if any(d is not None and d <= 0 for d in spatial):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': input shape {input_shape} is too small for "
                f"kernel_size={self.kernel_size}, strides={self.strides}, padding={self.padding!r} "
                f"(the output shape would be {shape}). Use a larger input or padding='same'."
            )
        return shape

    # -- weights ----------------------------------------------------------------------------
    def _torch_kernel_perm(self):
        # Keras (*k, in, out) <-> torch (out, in, *k).
        return (self.rank + 1, self.rank) + tuple(range(self.rank))

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' expects the number of input channels to be "
                f"divisible by groups={self.groups}. Received input_shape={tuple(input_shape)}"
            )
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (channels // self.groups, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            layout=self._torch_kernel_perm(),
        )
        self._build_bias(self.filters)
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={self._channel_axis(): channels})
        super().build(input_shape)

    def _build_bias(self, size):
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(size,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None

    # -- compute ----------------------------------------------------------------------------
    def _pad(self, x, kernel_size=None):
        """Applies causal/'same' padding to a channels-first `x`; returns (x, torch padding arg)."""
        kernel_size = kernel_size or self.kernel_size
        if self.padding == "valid":
            return x, 0
        if self.padding == "causal":
            left = self.dilation_rate[0] * (kernel_size[0] - 1)
            return F.pad(x, (left, 0)), 0
        spatial = tuple(x.shape[2:])
        pads = self._pad_cache.get(spatial)
        if pads is None:
            pads = conv_utils.same_pads(spatial, kernel_size, self.strides, self.dilation_rate)
            self._pad_cache[spatial] = pads
        if all(before == after for before, after in pads):
            return x, tuple(before for before, _ in pads)
        # TensorFlow puts the odd element after; torch's native padding is symmetric.
        return F.pad(x, conv_utils.torch_pad_list(pads)), 0

    def _convolve(self, x):
        x, padding = self._pad(x)
        return _CONV[self.rank](x, self.kernel, self.bias, self.strides, padding, self.dilation_rate, self.groups)

    def call(self, inputs):
        x, leading = _merge_batch_dims(inputs, self.rank)
        outputs = self._convolve(conv_utils.to_channels_first(x, self.data_format))
        outputs = conv_utils.from_channels_first(outputs, self.data_format)
        outputs = _split_batch_dims(outputs, leading)
        return self.activation(outputs)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
                "groups": self.groups,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
            }
        )
        return config

    def extra_repr(self):
        return (
            f"name={self.name!r}, filters={self.filters}, kernel_size={self.kernel_size}, "
            f"strides={self.strides}, padding={self.padding!r}, data_format={self.data_format!r}"
        )


class Conv1D(_Conv):
    """1D convolution (temporal convolution).

    Args:
        filters: number of output channels.
        kernel_size: int or tuple of 1 int.
        strides: int or tuple of 1 int.
        padding: `"valid"`, `"same"` or `"causal"` (left padding by `dilation_rate * (kernel_size - 1)`).
        data_format: `"channels_last"` (default) or `"channels_first"`.
        dilation_rate: int or tuple of 1 int.
        groups: number of channel groups.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as in Keras.

    Input shape:
        `(batch, steps, channels)` (channels_last) or `(batch, channels, steps)`.

    Output shape:
        `(batch, new_steps, filters)` (channels_last) or `(batch, filters, new_steps)`.

    Example:
        >>> Conv1D(8, 3, padding="causal")(np.zeros((2, 10, 4), "float32")).shape
        torch.Size([2, 10, 8])
    """

    _allows_causal = True

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format="channels_last",
        dilation_rate=1,
        groups=1,
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
            1, filters, kernel_size, strides, padding, data_format, dilation_rate, groups, activation,
            use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
            activity_regularizer, kernel_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


class Conv2D(_Conv):
    """2D convolution (spatial convolution over images).

    Args:
        filters: number of output channels.
        kernel_size: int or tuple of 2 ints.
        strides: int or tuple of 2 ints.
        padding: `"valid"` or `"same"` (TensorFlow's split: the odd pad goes bottom/right).
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).
        dilation_rate: int or tuple of 2 ints.
        groups: number of channel groups.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as in Keras.

    Input shape:
        `(batch, rows, cols, channels)` (channels_last) or `(batch, channels, rows, cols)`.

    Output shape:
        `(batch, new_rows, new_cols, filters)` (channels_last) or `(batch, filters, new_rows, new_cols)`.

    Example:
        >>> Conv2D(8, 3, strides=2, padding="same")(np.zeros((2, 9, 9, 3), "float32")).shape
        torch.Size([2, 5, 5, 8])
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1),
        groups=1,
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
            2, filters, kernel_size, strides, padding, data_format, dilation_rate, groups, activation,
            use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
            activity_regularizer, kernel_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


class Conv3D(_Conv):
    """3D convolution (spatial convolution over volumes).

    Args:
        filters: number of output channels.
        kernel_size: int or tuple of 3 ints.
        strides: int or tuple of 3 ints.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).
        dilation_rate: int or tuple of 3 ints.
        groups: number of channel groups.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as in Keras.

    Input shape:
        `(batch, d1, d2, d3, channels)` (channels_last) or `(batch, channels, d1, d2, d3)`.

    Output shape:
        `(batch, new_d1, new_d2, new_d3, filters)` or `(batch, filters, new_d1, new_d2, new_d3)`.

    Example:
        >>> Conv3D(4, 3)(np.zeros((1, 5, 5, 5, 2), "float32")).shape
        torch.Size([1, 3, 3, 3, 4])
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1, 1),
        groups=1,
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
            3, filters, kernel_size, strides, padding, data_format, dilation_rate, groups, activation,
            use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
            activity_regularizer, kernel_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Transposed convolutions
# ---------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------
# Depthwise and separable convolutions
# ---------------------------------------------------------------------------------------------
class _DepthwiseConv(_Conv):
    """Depthwise convolution base: each input channel convolved with `depth_multiplier` kernels.

    Output channel `c * depth_multiplier + m` comes from input channel `c` and kernel `m`, as in
    TensorFlow.
    """

    _filters_from_input = True

    def __init__(
        self,
        rank,
        kernel_size,
        strides=1,
        padding="valid",
        depth_multiplier=1,
        data_format=None,
        dilation_rate=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        groups = kwargs.pop("groups", 1)  # tf.keras configs carry groups=1
        if groups not in (1, None):
            raise ValueError(f"{type(self).__name__} supports only groups=1. Received: groups={groups!r}")
        super().__init__(
            rank, None, kernel_size, strides, padding, data_format, dilation_rate, 1, activation,
            use_bias, bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, bias_constraint=bias_constraint, **kwargs,
        )  # fmt: skip
        self.depth_multiplier = _positive_int(type(self).__name__, "depth_multiplier", depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def _output_channels(self, input_shape):
        channels = input_shape[self._channel_axis()]
        return None if channels is None else channels * self.depth_multiplier

    def _build_depthwise(self, input_shape):
        channels = self._input_channels(input_shape)
        if len(tuple(input_shape)) != self.rank + 2:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' expects inputs of rank {self.rank + 2}. "
                f"Received input_shape={tuple(input_shape)}"
            )
        self.compute_output_shape(input_shape)
        # Keras (*k, in, multiplier) <-> torch (in, multiplier, *k); reshaped to
        # (in * multiplier, 1, *k) in call, a view.
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel",
            shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
            layout=(self.rank, self.rank + 1) + tuple(range(self.rank)),
        )
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): channels})
        return channels

    def build(self, input_shape):
        channels = self._build_depthwise(input_shape)
        self._build_bias(channels * self.depth_multiplier)
        base_layer.Layer.build(self, input_shape)

    def _depthwise(self, x, bias=None):
        x, padding = self._pad(x)
        channels = x.shape[1]
        kernel = self.depthwise_kernel.reshape((channels * self.depth_multiplier, 1) + self.kernel_size)
        return _CONV[self.rank](x, kernel, bias, self.strides, padding, self.dilation_rate, channels)

    def _convolve(self, x):
        return self._depthwise(x, self.bias)

    def get_config(self):
        config = super().get_config()
        for key in ("filters", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            config.pop(key)
        config.update(
            {
                "depth_multiplier": self.depth_multiplier,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
                "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            }
        )
        return config


class DepthwiseConv1D(_DepthwiseConv):
    """Depthwise 1D convolution.

    Args:
        kernel_size: int or tuple of 1 int.
        strides: int or tuple of 1 int.
        padding: `"valid"` or `"same"`.
        depth_multiplier: number of output channels per input channel.
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).
        dilation_rate: int or tuple of 1 int.
        activation, use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer,
        bias_regularizer, activity_regularizer, depthwise_constraint, bias_constraint: as in Keras.

    Input shape:
        `(batch, steps, channels)` (channels_last) or `(batch, channels, steps)`.

    Output shape:
        `(batch, new_steps, channels * depth_multiplier)` (channels_last).
    """

    def __init__(
        self,
        kernel_size,
        strides=1,
        padding="valid",
        depth_multiplier=1,
        data_format=None,
        dilation_rate=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            1, kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate, activation,
            use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer,
            activity_regularizer, depthwise_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


class DepthwiseConv2D(_DepthwiseConv):
    """Depthwise 2D convolution.

    Args:
        kernel_size: int or tuple of 2 ints.
        strides: int or tuple of 2 ints.
        padding: `"valid"` or `"same"`.
        depth_multiplier: number of output channels per input channel.
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).
        dilation_rate: int or tuple of 2 ints.
        activation, use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer,
        bias_regularizer, activity_regularizer, depthwise_constraint, bias_constraint: as in Keras.

    Input shape:
        `(batch, rows, cols, channels)` (channels_last) or `(batch, channels, rows, cols)`.

    Output shape:
        `(batch, new_rows, new_cols, channels * depth_multiplier)` (channels_last).

    Example:
        >>> DepthwiseConv2D(3, depth_multiplier=2)(np.zeros((1, 5, 5, 3), "float32")).shape
        torch.Size([1, 3, 3, 6])
    """

    def __init__(
        self,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        depth_multiplier=1,
        data_format=None,
        dilation_rate=(1, 1),
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            2, kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate, activation,
            use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer,
            activity_regularizer, depthwise_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


class _SeparableConv(_DepthwiseConv):
    """Separable convolution base: depthwise convolution, then a 1x1 pointwise convolution.

    `kernel_initializer`, `kernel_regularizer`, `kernel_constraint` and `groups` are accepted
    and kept in the config (tf.keras does the same) but no `kernel` weight exists.
    """

    def __init__(
        self,
        rank,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        depth_multiplier=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        unused = {
            key: kwargs.pop(key, None) for key in ("kernel_initializer", "kernel_regularizer", "kernel_constraint")
        }
        super().__init__(
            rank, kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate, activation,
            use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer,
            activity_regularizer, depthwise_constraint, bias_constraint, **kwargs,
        )  # fmt: skip
        self.filters = _positive_int(type(self).__name__, "filters", filters)
        self.kernel_initializer = initializers.get(unused["kernel_initializer"] or "glorot_uniform")
        self.kernel_regularizer = regularizers.get(unused["kernel_regularizer"])
        self.kernel_constraint = constraints.get(unused["kernel_constraint"])
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def _output_channels(self, input_shape):
        return self.filters

    def build(self, input_shape):
        channels = self._build_depthwise(input_shape)
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
            layout=self._torch_kernel_perm(),
        )
        self._build_bias(self.filters)
        base_layer.Layer.build(self, input_shape)

    def _convolve(self, x):
        return _CONV[self.rank](self._depthwise(x), self.pointwise_kernel, self.bias)

    def get_config(self):
        config = _Conv.get_config(self)
        config.update(
            {
                "depth_multiplier": self.depth_multiplier,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
                "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
                "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
                "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
                "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
            }
        )
        return config


class SeparableConv1D(_SeparableConv):
    """Depthwise separable 1D convolution.

    Args:
        filters: number of output channels.
        kernel_size: int or tuple of 1 int.
        strides: int or tuple of 1 int.
        padding: `"valid"`, `"same"` or `"causal"`.
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).
        dilation_rate: int or tuple of 1 int.
        depth_multiplier: depthwise output channels per input channel.
        activation, use_bias, depthwise_initializer, pointwise_initializer, bias_initializer,
        depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer,
        depthwise_constraint, pointwise_constraint, bias_constraint: as in Keras.

    Input shape:
        `(batch, steps, channels)` (channels_last) or `(batch, channels, steps)`.

    Output shape:
        `(batch, new_steps, filters)` (channels_last).
    """

    _allows_causal = True

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        depth_multiplier=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            1, filters, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier,
            activation, use_bias, depthwise_initializer, pointwise_initializer, bias_initializer,
            depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer,
            depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


class SeparableConv2D(_SeparableConv):
    """Depthwise separable 2D convolution.

    Args:
        filters: number of output channels.
        kernel_size: int or tuple of 2 ints.
        strides: int or tuple of 2 ints.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).
        dilation_rate: int or tuple of 2 ints.
        depth_multiplier: depthwise output channels per input channel.
        activation, use_bias, depthwise_initializer, pointwise_initializer, bias_initializer,
        depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer,
        depthwise_constraint, pointwise_constraint, bias_constraint: as in Keras.

    Input shape:
        `(batch, rows, cols, channels)` (channels_last) or `(batch, channels, rows, cols)`.

    Output shape:
        `(batch, new_rows, new_cols, filters)` (channels_last).

    Example:
        >>> SeparableConv2D(8, 3, padding="same")(np.zeros((1, 5, 5, 3), "float32")).shape
        torch.Size([1, 5, 5, 8])
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1),
        depth_multiplier=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            2, filters, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier,
            activation, use_bias, depthwise_initializer, pointwise_initializer, bias_initializer,
            depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer,
            depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs,
        )  # fmt: skip


# Keras aliases.
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
Deconvolution2D = Conv2DTranspose
Deconvolution3D = Conv3DTranspose
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
