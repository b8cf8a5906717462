"""Depthwise and separable convolutions: DepthwiseConv1D/2D and SeparableConv1D/2D.

Output channel `c * depth_multiplier + m` of a depthwise convolution comes from input channel `c`
and kernel `m`, as in TensorFlow; a separable convolution follows it with a 1x1 pointwise one.
"""

from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.engine import layer as base_layer
from kerastorch.layers._common import _positive_int
from kerastorch.layers.convolutional_base import _CONV
from kerastorch.layers.convolutional_base import _Conv

InputSpec = base_layer.InputSpec

__all__ = [
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "SeparableConv1D",
    "SeparableConv2D",
]


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
