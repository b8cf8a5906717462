"""Built-in recurrent cells: SimpleRNNCell, LSTMCell and GRUCell.

A cell computes one timestep: ``output, new_states = cell.call(inputs, states)``. Their shared
machinery (weight layouts, dropout masks, the step protocol) lives in `recurrent_cell_base`.
"""

import torch
import torch.nn.functional as F

from kerastorch import activations
from kerastorch.layers.recurrent_cell_base import _GRU_TORCH_ORDER
from kerastorch.layers.recurrent_cell_base import _BuiltinCell
from kerastorch.layers.recurrent_cell_base import _GateLayout
from kerastorch.layers.recurrent_cell_base import _identity
from kerastorch.layers.recurrent_cell_base import _implementation
from kerastorch.layers.recurrent_cell_base import _is_activation
from kerastorch.layers.recurrent_cell_base import _lstm_gates
from kerastorch.layers.recurrent_cell_base import _unit_forget_bias
from kerastorch.layers.recurrent_cell_base import _zero_bias


class SimpleRNNCell(_BuiltinCell):
    """Cell of the fully-connected RNN: `output = activation(x @ kernel + h @ recurrent_kernel + bias)`.

    Args:
        units: positive integer, dimensionality of the output space.
        activation: activation function (default 'tanh').
        use_bias: whether the layer uses a bias vector.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: regularizers.
        kernel_constraint, recurrent_constraint, bias_constraint: constraints.
        dropout: fraction of the inputs to drop (training only).
        recurrent_dropout: fraction of the recurrent state to drop (training only).

    Example:
        >>> rnn = RNN(SimpleRNNCell(4))
    """

    def __init__(
        self,
        units,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
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
        super().__init__(
            units,
            activation,
            use_bias,
            kernel_initializer,
            recurrent_initializer,
            bias_initializer,
            kernel_regularizer,
            recurrent_regularizer,
            bias_regularizer,
            kernel_constraint,
            recurrent_constraint,
            bias_constraint,
            dropout,
            recurrent_dropout,
            **kwargs,
        )
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self._add_kernels(input_shape)
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True

    def _step(self, projected, states, recurrent_masks):
        previous = states[0]
        if recurrent_masks is not None:
            previous = previous * recurrent_masks[0]
        output = projected + F.linear(previous, self.recurrent_kernel)
        if self.activation is not None:
            output = self.activation(output)
        return output, [output]

    def _fused_mode(self):
        if _is_activation(self.activation, "tanh"):
            return "rnn_tanh"
        if _is_activation(self.activation, "relu"):
            return "rnn_relu"
        return None

    def _fused_params(self):
        if self.use_bias:
            return [self.kernel, self.recurrent_kernel, self.bias, _zero_bias(self.bias)], True
        return [self.kernel, self.recurrent_kernel], False

    def get_config(self):
        config = super().get_config()
        config.update(self._common_config())
        return config


class LSTMCell(_BuiltinCell):
    """Cell of the Long Short-Term Memory layer (Hochreiter 1997), Keras gate order i, f, c, o.

    Args:
        units: positive integer, dimensionality of the output space.
        activation: activation of the cell candidate and output (default 'tanh').
        recurrent_activation: activation of the gates (default 'sigmoid', as tf.keras 2).
        use_bias: whether the layer uses a bias vector.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers.
        unit_forget_bias: add 1 to the forget-gate bias at initialization.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: regularizers.
        kernel_constraint, recurrent_constraint, bias_constraint: constraints.
        dropout: fraction of the inputs to drop (training only).
        recurrent_dropout: fraction of the recurrent state to drop (training only).
        implementation: 1 or 2; only changes how dropout masks are shared between gates.

    Example:
        >>> rnn = RNN(LSTMCell(4), return_state=True)
    """

    _NUM_GATES = 4

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
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
        implementation=2,
        **kwargs,
    ):
        super().__init__(
            units,
            activation,
            use_bias,
            kernel_initializer,
            recurrent_initializer,
            bias_initializer,
            kernel_regularizer,
            recurrent_regularizer,
            bias_regularizer,
            kernel_constraint,
            recurrent_constraint,
            bias_constraint,
            dropout,
            recurrent_dropout,
            **kwargs,
        )
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.implementation = _implementation(type(self).__name__, implementation, self.recurrent_dropout)
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def _mask_count(self):
        return 4 if self.implementation == 1 else 1

    def build(self, input_shape):
        self._add_kernels(input_shape)
        if self.use_bias:
            bias_initializer = self.bias_initializer
            if self.unit_forget_bias:
                bias_initializer = _unit_forget_bias(self.bias_initializer, self.units)
            self.bias = self.add_weight(
                name="bias",
                shape=(4 * self.units,),
                initializer=bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True

    def _step(self, projected, states, recurrent_masks):
        h_prev, c_prev = states[0], states[1]
        if recurrent_masks is None:
            z = projected + F.linear(h_prev, self.recurrent_kernel)
        else:
            recurrent = self.recurrent_kernel.chunk(4, dim=0)
            if len(recurrent_masks) == 1:
                recurrent_masks = recurrent_masks * 4
            z = projected + torch.cat([F.linear(h_prev * m, w) for m, w in zip(recurrent_masks, recurrent)], dim=-1)
        h, c = _lstm_gates(z, c_prev, self.recurrent_activation or _identity, self.activation or _identity, -1)
        return h, [h, c]

    def _fused_mode(self):
        if _is_activation(self.activation, "tanh") and _is_activation(self.recurrent_activation, "sigmoid"):
            return "lstm"
        return None

    def _fused_params(self):
        if self.use_bias:
            return [self.kernel, self.recurrent_kernel, self.bias, _zero_bias(self.bias)], True
        return [self.kernel, self.recurrent_kernel], False

    def get_config(self):
        config = super().get_config()
        config.update(self._common_config())
        config.update(
            {
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "unit_forget_bias": self.unit_forget_bias,
                "implementation": self.implementation,
            }
        )
        return config


class GRUCell(_BuiltinCell):
    """Cell of the Gated Recurrent Unit layer (Cho et al. 2014), Keras gate order z, r, h.

    Args:
        units: positive integer, dimensionality of the output space.
        activation: activation of the candidate state (default 'tanh').
        recurrent_activation: activation of the gates (default 'sigmoid', as tf.keras 2).
        use_bias: whether the layer uses a bias vector.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: regularizers.
        kernel_constraint, recurrent_constraint, bias_constraint: constraints.
        dropout: fraction of the inputs to drop (training only).
        recurrent_dropout: fraction of the recurrent state to drop (training only).
        implementation: 1 or 2; only changes how dropout masks are shared between gates.
        reset_after: apply the reset gate after the recurrent matrix product (tf.keras 2 and
            cuDNN convention, default True); the bias then has shape (2, 3 * units).

    Example:
        >>> rnn = RNN(GRUCell(4, reset_after=False))
    """

    _NUM_GATES = 3

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        implementation=2,
        reset_after=True,
        **kwargs,
    ):
        super().__init__(
            units,
            activation,
            use_bias,
            kernel_initializer,
            recurrent_initializer,
            bias_initializer,
            kernel_regularizer,
            recurrent_regularizer,
            bias_regularizer,
            kernel_constraint,
            recurrent_constraint,
            bias_constraint,
            dropout,
            recurrent_dropout,
            **kwargs,
        )
        self.recurrent_activation = activations.get(recurrent_activation)
        self.implementation = _implementation(type(self).__name__, implementation, self.recurrent_dropout)
        self.reset_after = bool(reset_after)
        self.state_size = self.units
        self.output_size = self.units

    def _mask_count(self):
        return 3 if self.implementation == 1 else 1

    def _kernel_layout(self):
        return _GateLayout(3, _GRU_TORCH_ORDER)

    def build(self, input_shape):
        self._add_kernels(input_shape)
        if self.use_bias:
            shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
            self.bias = self.add_weight(
                name="bias",
                shape=shape,
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                layout=_GateLayout(3, _GRU_TORCH_ORDER, transpose=False),
            )
        self.built = True

    def _input_bias(self):
        if self.bias is None:
            return None
        return self.bias[0] if self.reset_after else self.bias

    def _step(self, projected, states, recurrent_masks):
        # Torch layout: blocks (r, z, n) along the gate axis.
        h_prev = states[0]
        units = self.units
        x_r, x_z, x_h = projected.split(units, dim=-1)
        gate = self.recurrent_activation or _identity
        act = self.activation or _identity
        if recurrent_masks is not None and len(recurrent_masks) == 3:
            mask_z, mask_r, mask_h = recurrent_masks
        elif recurrent_masks is not None:
            mask_z = mask_r = mask_h = recurrent_masks[0]
        else:
            mask_z = mask_r = mask_h = None
        w_r, w_z, w_h = self.recurrent_kernel.split(units, dim=0)
        if self.reset_after:
            if self.use_bias:
                b_r, b_z, b_h = self.bias[1].split(units, dim=-1)
            else:
                b_r = b_z = b_h = None
            if mask_z is None:
                inner = F.linear(h_prev, self.recurrent_kernel, None if self.bias is None else self.bias[1])
                rec_r, rec_z, rec_h = inner.split(units, dim=-1)
            else:
                rec_r = F.linear(h_prev * mask_r, w_r, b_r)
                rec_z = F.linear(h_prev * mask_z, w_z, b_z)
                rec_h = F.linear(h_prev * mask_h, w_h, b_h)
            z = gate(x_z + rec_z)
            r = gate(x_r + rec_r)
            candidate = act(x_h + r * rec_h)
        else:
            if mask_z is None:
                rec_r = F.linear(h_prev, w_r)
                rec_z = F.linear(h_prev, w_z)
                z = gate(x_z + rec_z)
                r = gate(x_r + rec_r)
                candidate = act(x_h + F.linear(r * h_prev, w_h))
            else:
                z = gate(x_z + F.linear(h_prev * mask_z, w_z))
                r = gate(x_r + F.linear(h_prev * mask_r, w_r))
                candidate = act(x_h + F.linear(r * (h_prev * mask_h), w_h))
        h = z * h_prev + (1.0 - z) * candidate
        return h, [h]

    def _fused_mode(self):
        if (
            self.reset_after
            and _is_activation(self.activation, "tanh")
            and _is_activation(self.recurrent_activation, "sigmoid")
        ):
            return "gru"
        return None

    def _fused_params(self):
        if self.use_bias:
            return [self.kernel, self.recurrent_kernel, self.bias[0], self.bias[1]], True
        return [self.kernel, self.recurrent_kernel], False

    def get_config(self):
        config = super().get_config()
        config.update(self._common_config())
        config.update(
            {
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "implementation": self.implementation,
                "reset_after": self.reset_after,
            }
        )
        return config
