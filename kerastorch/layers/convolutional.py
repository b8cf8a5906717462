"""Convolution layers: Conv1D, Conv2D and Conv3D, and the Keras import path of every convolution.

Keras 1 and 2 import the transposed, depthwise and separable convolutions (and the reshaping
layers) from here; they live in `convolutional_transpose`, `convolutional_depthwise` and
`reshaping`, and are re-exported. The shared base and layout notes are in `convolutional_base`.
"""

from kerastorch.engine import layer as base_layer
from kerastorch.layers.convolutional_base import _Conv
from kerastorch.layers.convolutional_depthwise import DepthwiseConv1D
from kerastorch.layers.convolutional_depthwise import DepthwiseConv2D
from kerastorch.layers.convolutional_depthwise import SeparableConv1D
from kerastorch.layers.convolutional_depthwise import SeparableConv2D
from kerastorch.layers.convolutional_transpose import Conv1DTranspose
from kerastorch.layers.convolutional_transpose import Conv2DTranspose
from kerastorch.layers.convolutional_transpose import Conv3DTranspose
from kerastorch.layers.reshaping import Cropping1D
from kerastorch.layers.reshaping import Cropping2D
from kerastorch.layers.reshaping import Cropping3D
from kerastorch.layers.reshaping import UpSampling1D
from kerastorch.layers.reshaping import UpSampling2D
from kerastorch.layers.reshaping import UpSampling3D
from kerastorch.layers.reshaping import ZeroPadding1D
from kerastorch.layers.reshaping import ZeroPadding2D
from kerastorch.layers.reshaping import ZeroPadding3D

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


# ---------------------------------------------------------------------------------------------
# Convolutions
# ---------------------------------------------------------------------------------------------
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
