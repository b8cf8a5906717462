"""Convolutional LSTM cells: the N-D `ConvLSTMCell` step (gates from convolutions) and `ConvLSTM2DCell`.

The kernels are stored in torch layout (`(4 * filters, in, *kernel)`, gate blocks i, f, c, o
along the first axis) and exposed in Keras layout (`(*kernel, in, 4 * filters)`) by
`get_weights`/`set_weights`. Inside, tensors are channels-first views of the Keras-layout
tensors; 'same' padding follows TensorFlow (the odd extra element goes after).
"""

import torch
import torch.nn.functional as F

from kerastorch import activations
from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.engine import layer as layer_module
from kerastorch.layers._common import _positive_int
from kerastorch.layers.recurrent_cell_base import DropoutRNNCellMixin
from kerastorch.layers.recurrent_cell_base import _check_rate
from kerastorch.layers.recurrent_cell_base import _lstm_gates
from kerastorch.layers.recurrent_cell_base import _training_flag
from kerastorch.layers.recurrent_cell_base import _unit_forget_bias
from kerastorch.utils import conv_utils

__all__ = ["ConvLSTMCell", "ConvLSTM2DCell"]

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def _channels_first(x, data_format):
    return conv_utils.to_channels_first(x, data_format)


def _keras_layout(x, data_format):
    return conv_utils.from_channels_first(x, data_format)


def _conv_output_spatial(cell, spatial_shape):
    """Spatial output shape of the input convolution of `cell` (its kernel_size, padding, strides, dilation_rate)."""
    return tuple(
        conv_utils.conv_output_length(length, k, cell.padding, s, d)
        for length, k, s, d in zip(spatial_shape, cell.kernel_size, cell.strides, cell.dilation_rate)
    )


class ConvLSTMCell(DropoutRNNCellMixin, layer_module.Layer):
    """Cell of the N-D convolutional LSTM: an LSTM step whose products are convolutions.

    `i, f, o = recurrent_activation(conv(x, W) + conv(h, U) + b)` per gate,
    `c = f * c_prev + i * activation(conv(x, W_c) + conv(h, U_c) + b_c)`, `h = o * activation(c)`.
    The input convolution uses `strides`, `padding` and `dilation_rate`; the recurrent one is
    always stride 1, 'same' padding, no dilation (as in tf.keras).

    Args:
        rank: number of spatial dimensions (1, 2 or 3).
        filters: number of output channels (state channels).
        kernel_size: int or tuple of `rank` ints.
        strides: int or tuple of `rank` ints.
        padding: 'valid' or 'same' (any case).
        data_format: 'channels_last' or 'channels_first' (default `image_data_format()`).
        dilation_rate: int or tuple of `rank` ints.
        activation: activation of the candidate and output (default 'tanh').
        recurrent_activation: activation of the gates (default 'hard_sigmoid', as in tf.keras).
        use_bias: whether the cell has a bias vector.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers.
        unit_forget_bias: add 1 to the forget-gate bias at initialization.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: regularizers.
        kernel_constraint, recurrent_constraint, bias_constraint: constraints.
        dropout: fraction of the inputs to drop (training only; one mask per gate).
        recurrent_dropout: fraction of the recurrent state to drop (training only).

    Input shape:
        One step: `(batch, *spatial, channels)` (channels_last) or `(batch, channels, *spatial)`.

    Output shape:
        `(batch, *output_spatial, filters)` (channels_last) or `(batch, filters, *output_spatial)`.

    Example:
        >>> cell = ConvLSTMCell(2, filters=4, kernel_size=3, padding="same")
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
        activation="tanh",
        recurrent_activation="hard_sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias=True,
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        who = type(self).__name__
        if rank not in (1, 2, 3):
            raise ValueError(f"{who} expects `rank` to be 1, 2 or 3. Received: rank={rank!r}")
        self.rank = int(rank)
        self.filters = _positive_int(who, "filters", filters)
        self.kernel_size = conv_utils.normalize_tuple(kernel_size, rank, "kernel_size", owner=who)
        self.strides = conv_utils.normalize_tuple(strides, rank, "strides", owner=who)
        self.padding = conv_utils.normalize_padding(padding, ("valid", "same"), owner=who)
        self.data_format = conv_utils.normalize_data_format(data_format)
        self.dilation_rate = conv_utils.normalize_tuple(dilation_rate, rank, "dilation_rate", owner=who)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{who} does not support `strides` > 1 together with `dilation_rate` > 1. "
                f"Received: strides={self.strides}, dilation_rate={self.dilation_rate}"
            )
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _check_rate(who, "dropout", dropout)
        self.recurrent_dropout = _check_rate(who, "recurrent_dropout", recurrent_dropout)
        # Channels of (h, c); the layer works out their spatial shape from its input.
        self.state_size = (self.filters, self.filters)
        self.kernel = None
        self.recurrent_kernel = None
        self.bias = None
        self._pad_cache = {}

    # -- building ---------------------------------------------------------------------------
    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    def _torch_kernel_perm(self):
        # Keras (*k, in, out) <-> torch (out, in, *k): gate blocks stay in Keras order i, f, c, o.
        return (self.rank + 1, self.rank) + tuple(range(self.rank))

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' expects step inputs of rank {self.rank + 2} "
                f"(batch, spatial..., channels). Received input_shape={input_shape}"
            )
        input_dim = input_shape[self._channel_axis()]
        if input_dim is None:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' needs a known channel dimension (axis "
                f"{self._channel_axis()}). Received input_shape={input_shape}"
            )
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (int(input_dim), 4 * self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            layout=self._torch_kernel_perm(),
        )
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel",
            shape=self.kernel_size + (self.filters, 4 * self.filters),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
            layout=self._torch_kernel_perm(),
        )
        if self.use_bias:
            bias_initializer = self.bias_initializer
            if self.unit_forget_bias:
                bias_initializer = _unit_forget_bias(self.bias_initializer, self.filters)
            self.bias = self.add_weight(
                name="bias",
                shape=(4 * self.filters,),
                initializer=bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        self.built = True

    # -- convolutions (channels-first tensors) ------------------------------------------------
    def _same_pads(self, spatial, kernel_size, strides, dilation_rate):
        key = (spatial, kernel_size, strides, dilation_rate)
        pads = self._pad_cache.get(key)
        if pads is None:
            pads = conv_utils.same_pads(spatial, kernel_size, strides, dilation_rate)
            self._pad_cache[key] = pads
        return pads

    def _convolve(self, x, weight, bias, strides, padding, dilation_rate):
        if padding == "same":
            pads = self._same_pads(tuple(x.shape[2:]), self.kernel_size, strides, dilation_rate)
            if all(before == after for before, after in pads):
                torch_padding = tuple(before for before, _ in pads)
            else:
                # TensorFlow puts the odd element after; torch's native padding is symmetric.
                x = F.pad(x, conv_utils.torch_pad_list(pads))
                torch_padding = 0
        else:
            torch_padding = 0
        return _CONV[self.rank](x, weight, bias, strides, torch_padding, dilation_rate)

    def _input_conv(self, x, masks):
        """`conv(x, kernel) + bias` for channels-first `x` -> `(N, 4 * filters, *out)`; one input mask per gate."""
        if masks is None:
            return self._convolve(x, self.kernel, self.bias, self.strides, self.padding, self.dilation_rate)
        kernels = self.kernel.chunk(4, dim=0)
        biases = self.bias.chunk(4, dim=0) if self.bias is not None else [None] * 4
        return torch.cat(
            [
                self._convolve(x * mask, kernel, bias, self.strides, self.padding, self.dilation_rate)
                for mask, kernel, bias in zip(masks, kernels, biases)
            ],
            dim=1,
        )

    def _recurrent_conv(self, h, masks):
        """`conv(h, recurrent_kernel)` (stride 1, 'same') for channels-first `h`; one mask per gate."""
        ones = (1,) * self.rank
        if masks is None:
            return self._convolve(h, self.recurrent_kernel, None, ones, "same", ones)
        kernels = self.recurrent_kernel.chunk(4, dim=0)
        return torch.cat([self._convolve(h * m, k, None, ones, "same", ones) for m, k in zip(masks, kernels)], dim=1)

    def _gates(self, projected, h, c, recurrent_masks):
        """One step from the input projection; channels-first `projected`, `h`, `c` -> (h, c)."""
        z = projected + self._recurrent_conv(h, recurrent_masks)
        return _lstm_gates(z, c, self.recurrent_activation, self.activation, 1)

    # -- dropout ------------------------------------------------------------------------------
    def _input_masks(self, step_inputs, training):
        """Four channels-first input masks (one per gate) shaped like a Keras-layout step input, or None."""
        return self._channels_first_masks(self._gate_masks(step_inputs, training, 4))

    def _recurrent_masks(self, h, training):
        return self._channels_first_masks(self._gate_masks(h, training, 4, recurrent=True))

    def _channels_first_masks(self, masks):
        return None if masks is None else [_channels_first(m, self.data_format) for m in masks]

    # -- calling ------------------------------------------------------------------------------
    def call(self, inputs, states, training=None):
        training = _training_flag(self, training)
        h_prev, c_prev = states[0], states[1]
        projected = self._input_conv(_channels_first(inputs, self.data_format), self._input_masks(inputs, training))
        h, c = self._gates(
            projected,
            _channels_first(h_prev, self.data_format),
            _channels_first(c_prev, self.data_format),
            self._recurrent_masks(h_prev, training),
        )
        h = _keras_layout(h, self.data_format)
        return h, [h, _keras_layout(c, self.data_format)]

    def output_spatial_shape(self, spatial_shape):
        """Spatial shape of the output (and states) for an input of spatial shape `spatial_shape`."""
        return _conv_output_spatial(self, spatial_shape)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters) + self.output_spatial_shape(input_shape[2:])
        return (input_shape[0],) + self.output_spatial_shape(input_shape[1:-1]) + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "rank": self.rank,
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "unit_forget_bias": self.unit_forget_bias,
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "dropout": self.dropout,
                "recurrent_dropout": self.recurrent_dropout,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def extra_repr(self):
        return f"name={self.name!r}, filters={self.filters}, kernel_size={self.kernel_size}, padding={self.padding!r}"


class ConvLSTM2DCell(ConvLSTMCell):
    """Cell of `ConvLSTM2D` (the Keras 2.2.4 public cell): `ConvLSTMCell` with `rank=2`.

    Args:
        filters, kernel_size, strides, padding, data_format, dilation_rate, activation,
        recurrent_activation, use_bias, kernel_initializer, recurrent_initializer,
        bias_initializer, unit_forget_bias, kernel_regularizer, recurrent_regularizer,
        bias_regularizer, kernel_constraint, recurrent_constraint, bias_constraint, dropout,
        recurrent_dropout: as in `ConvLSTMCell`.

    Input shape:
        One step: `(batch, rows, cols, channels)` (channels_last) or `(batch, channels, rows, cols)`.

    Output shape:
        `(batch, new_rows, new_cols, filters)` (channels_last) or `(batch, filters, new_rows, new_cols)`.

    Example:
        >>> cell = ConvLSTM2DCell(4, (3, 3), padding="same")
    """

    def __init__(
        self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1), **kwargs
    ):
        super().__init__(
            2,
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            **kwargs,
        )

    def get_config(self):
        config = super().get_config()
        # The rank is fixed by the class, as in Keras 2.2.4's config.
        del config["rank"]
        return config
