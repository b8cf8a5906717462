"""Convolution base: the N-D `_Conv` layer that regular, transposed and depthwise convolutions extend.

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
from kerastorch.utils import conv_utils

InputSpec = base_layer.InputSpec

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


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
            hint = ""
            channels = input_shape[-1] if self.data_format == "channels_last" else None
            first = input_shape[batch_rank] if len(input_shape) > batch_rank else None
            if channels is not None and first is not None and channels > first:
                # Keras 1 / Theano scripts give input_shape=(channels, rows, cols).
                hint = (
                    " If the input is channels-first (e.g. a Keras 1 / Theano input_shape such as (3, 32, 32)), "
                    "pass data_format='channels_first' or set image_data_format('channels_first')."
                )
            raise ValueError(
                f"{type(self).__name__} '{self.name}': input shape {input_shape} is too small for "
                f"kernel_size={self.kernel_size}, strides={self.strides}, padding={self.padding!r} "
                f"(the output shape would be {shape}). Use a larger input or padding='same'.{hint}"
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
