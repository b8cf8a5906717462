"""Recurrent cells: SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells and their dropout masks.

A cell computes one timestep: ``output, new_states = cell.call(inputs, states)``. The built-in
cells keep their kernels in torch layout (``(gates * units, input_dim)``, gate blocks in torch's
order) so that the `RNN` layers can hand them straight to torch's fused LSTM/GRU kernels;
`get_weights()` / `set_weights()` still speak the Keras layout and gate order.
"""

import torch
import torch.nn.functional as F

from kerastorch import activations
from kerastorch import backend
from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.engine import layer as layer_module


# ---------------------------------------------------------------------------------------------
# Weight layouts
# ---------------------------------------------------------------------------------------------
class _GateLayout:
    """Keras gate blocks (last axis) -> torch gate order, optionally transposing 2-D kernels.

    Args:
        num_gates: number of `units`-wide blocks along the last Keras axis.
        torch_order: for each torch block position, the Keras block index it holds.
        transpose: True for kernels, stored `(gates * units, input_dim)` as torch expects.
    """

    def __init__(self, num_gates, torch_order=None, transpose=True):
        self.num_gates = int(num_gates)
        self.torch_order = tuple(range(num_gates)) if torch_order is None else tuple(torch_order)
        self.keras_order = tuple(self.torch_order.index(i) for i in range(num_gates))
        self.transpose = bool(transpose)
        self._reorder = self.torch_order != tuple(range(num_gates))

    def _permute_blocks(self, value, order):
        if not self._reorder:
            return value
        blocks = value.chunk(self.num_gates, dim=-1)
        return torch.cat([blocks[i] for i in order], dim=-1)

    def to_torch(self, value):
        value = self._permute_blocks(value, self.torch_order)
        return value.transpose(0, 1) if self.transpose else value

    def to_keras(self, value):
        if self.transpose:
            value = value.transpose(0, 1)
        return self._permute_blocks(value, self.keras_order)


# Torch's GRU gate order is (r, z, n); Keras's is (z, r, h).
_GRU_TORCH_ORDER = (1, 0, 2)


# ---------------------------------------------------------------------------------------------
# Dropout masks
# ---------------------------------------------------------------------------------------------
def _dropout_masks(inputs, rate, count):
    ones = torch.ones_like(inputs)
    masks = [F.dropout(ones, p=rate, training=True) for _ in range(count)]
    return masks


class DropoutRNNCellMixin:
    """Dropout masks for RNN cells, sampled once per sequence and cached until reset.

    Keras samples the input and recurrent dropout masks at the first timestep and reuses them
    for the whole sequence; `RNN` calls `reset_dropout_mask()` / `reset_recurrent_dropout_mask()`
    before each sequence.
    """

    def _mask_cache(self):
        cache = self.__dict__.get("_dropout_mask_cache_store")
        if cache is None:
            cache = {}
            self.__dict__["_dropout_mask_cache_store"] = cache
        return cache

    def reset_dropout_mask(self):
        """Forgets the cached input dropout mask."""
        self._mask_cache().pop("input", None)

    def reset_recurrent_dropout_mask(self):
        """Forgets the cached recurrent dropout mask."""
        self._mask_cache().pop("recurrent", None)

    def _cached_mask(self, key, inputs, rate, training, count):
        if rate == 0:
            return None
        cache = self._mask_cache()
        if key not in cache:
            if training and 0 < rate < 1:
                masks = _dropout_masks(inputs, rate, count)
            else:
                masks = [torch.ones_like(inputs) for _ in range(count)]
            cache[key] = masks if count > 1 else masks[0]
        return cache[key]

    def get_dropout_mask_for_cell(self, inputs, training, count=1):
        """The input dropout mask (a tensor, or a list of `count` tensors); None without dropout.

        Args:
            inputs: the step input, whose shape the mask takes.
            training: whether dropout is active (ones are returned when it is not).
            count: number of independent masks (one per gate).
        """
        return self._cached_mask("input", inputs, getattr(self, "dropout", 0.0), training, count)

    def get_recurrent_dropout_mask_for_cell(self, inputs, training, count=1):
        """The recurrent dropout mask for the previous state `inputs`; None without dropout.

        Args:
            inputs: the previous output state, whose shape the mask takes.
            training: whether dropout is active (ones are returned when it is not).
            count: number of independent masks (one per gate).
        """
        return self._cached_mask("recurrent", inputs, getattr(self, "recurrent_dropout", 0.0), training, count)


# ---------------------------------------------------------------------------------------------
# Built-in cells
# ---------------------------------------------------------------------------------------------
def _check_units(cls_name, units):
    if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
        try:
            as_int = int(units)
        except (TypeError, ValueError):
            as_int = None
        if as_int is None or as_int != units or as_int <= 0 or isinstance(units, bool):
            raise ValueError(f"{cls_name} expects `units` to be a positive integer. Received: units={units!r}")
        units = as_int
    return units


def _check_rate(cls_name, name, value):
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{cls_name} expects `{name}` to be a float in [0, 1]. Received: {name}={value!r}") from None
    # Keras clips the rates into [0, 1].
    return min(1.0, max(0.0, value))


def _training_flag(layer, training):
    if training is None:
        return layer.training
    if isinstance(training, torch.Tensor):
        return bool(training.item())
    return bool(training)


class _BuiltinCell(DropoutRNNCellMixin, layer_module.Layer):
    """Shared arguments, weights and step protocol of SimpleRNNCell, LSTMCell and GRUCell."""

    _NUM_GATES = 1

    def __init__(
        self,
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
    ):
        super().__init__(**kwargs)
        cls_name = type(self).__name__
        self.units = _check_units(cls_name, units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _check_rate(cls_name, "dropout", dropout)
        self.recurrent_dropout = _check_rate(cls_name, "recurrent_dropout", recurrent_dropout)
        self.kernel = None
        self.recurrent_kernel = None
        self.bias = None

    # -- weights ----------------------------------------------------------------------------
    def _kernel_layout(self):
        return _GateLayout(self._NUM_GATES)

    def _add_kernels(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' needs a known last input dimension, "
                f"got input shape {tuple(input_shape)}."
            )
        width = self._NUM_GATES * self.units
        self.kernel = self.add_weight(
            name="kernel",
            shape=(int(input_dim), width),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            layout=self._kernel_layout(),
        )
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel",
            shape=(self.units, width),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
            layout=self._kernel_layout(),
        )

    # -- dropout ----------------------------------------------------------------------------
    def _mask_count(self):
        return 1

    def _input_masks(self, step_inputs, training):
        """List of input dropout masks (one, or one per gate), or None when inactive."""
        if not (training and 0.0 < self.dropout < 1.0):
            return None
        masks = self.get_dropout_mask_for_cell(step_inputs, training, count=self._mask_count())
        return masks if isinstance(masks, list) else [masks]

    def _recurrent_masks(self, state, training):
        if not (training and 0.0 < self.recurrent_dropout < 1.0):
            return None
        masks = self.get_recurrent_dropout_mask_for_cell(state, training, count=self._mask_count())
        return masks if isinstance(masks, list) else [masks]

    # -- step protocol -------------------------------------------------------------------------
    def _input_bias(self):
        return self.bias

    def _project_inputs(self, inputs, masks):
        """`inputs @ kernel + input_bias` for one step (batch, dim) or a sequence (batch, time, dim)."""
        bias = self._input_bias()
        if masks is None:
            return F.linear(inputs, self.kernel, bias)
        if inputs.dim() == 3:
            masks = [m.unsqueeze(1) for m in masks]
        if len(masks) == 1:
            return F.linear(inputs * masks[0], self.kernel, bias)
        # One mask per gate (Keras implementation=1 semantics).
        weights = self.kernel.chunk(len(masks), dim=0)
        biases = bias.chunk(len(masks), dim=0) if bias is not None else [None] * len(masks)
        return torch.cat([F.linear(inputs * m, w, b) for m, w, b in zip(masks, weights, biases)], dim=-1)

    def _step(self, projected, states, recurrent_masks):
        raise TypeError(f"{type(self).__name__} does not define a step.")

    def call(self, inputs, states, training=None):
        training = _training_flag(self, training)
        nested = isinstance(states, (list, tuple))
        states = list(states) if nested else [states]
        projected = self._project_inputs(inputs, self._input_masks(inputs, training))
        output, new_states = self._step(projected, states, self._recurrent_masks(states[0], training))
        # Like Keras, a single state comes back as it was given: bare tensor or list.
        return output, (new_states if nested or len(new_states) > 1 else new_states[0])

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Zero states: a tensor (one state) or a list of tensors, shaped (batch_size, units)."""
        if inputs is not None:
            batch_size = inputs.shape[0]
            dtype = dtype or inputs.dtype
        dtype = backend.standardize_dtype(dtype) if dtype is not None else self._torch_dtype
        device = self._current_device()
        if inputs is not None:
            device = inputs.device
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        zeros = [torch.zeros((_batch_dim(batch_size), size), dtype=dtype, device=device) for size in sizes]
        return zeros if isinstance(self.state_size, (list, tuple)) else zeros[0]

    # -- fused kernels ------------------------------------------------------------------------
    def _fused_mode(self):
        """Name of the torch fused kernel matching this configuration, or None."""
        return None

    def _fused_params(self):
        """(params list, has_biases) for torch.lstm / torch.gru / torch.rnn_*."""
        raise TypeError(f"{type(self).__name__} has no fused kernel.")

    def _common_config(self):
        return {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
        }

    def compute_output_shape(self, input_shape):
        return (tuple(input_shape)[0], self.units)

    def extra_repr(self):
        return f"name={self.name!r}, units={self.units}"


def _is_activation(fn, name):
    if fn is getattr(activations, name, None):
        return True
    return fn is {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu}.get(name)


def _implementation(cls_name, implementation, recurrent_dropout):
    if implementation not in (0, 1, 2):
        raise ValueError(f"{cls_name} expects `implementation` in (1, 2). Received: implementation={implementation!r}")
    # Keras maps the deprecated 0 to 1, and uses 1 whenever recurrent dropout is on.
    if implementation == 0 or recurrent_dropout != 0:
        return 1
    return int(implementation)


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


def _zero_bias(bias):
    # Keras has one bias where torch's kernels add two (b_ih + b_hh): torch's second stays zero.
    return torch.zeros_like(bias, requires_grad=False).detach()


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
            if self.unit_forget_bias:
                base_initializer = self.bias_initializer
                units = self.units

                def bias_initializer(shape, dtype=None):
                    parts = [
                        base_initializer((units,), dtype=dtype),
                        torch.ones((units,)),
                        base_initializer((2 * units,), dtype=dtype),
                    ]
                    parts = [torch.as_tensor(p) for p in parts]
                    return torch.cat([p.to(parts[0].dtype) for p in parts])

            else:
                bias_initializer = self.bias_initializer
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
        z_i, z_f, z_c, z_o = z.chunk(4, dim=-1)
        gate = self.recurrent_activation or _identity
        act = self.activation or _identity
        i = gate(z_i)
        f = gate(z_f)
        c = f * c_prev + i * act(z_c)
        o = gate(z_o)
        h = o * act(c)
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


def _identity(x):
    return x


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


# ---------------------------------------------------------------------------------------------
# Stacking
# ---------------------------------------------------------------------------------------------
def _batch_dim(batch_size):
    """The batch size for a state shape: symbolic sizes (torch.export) stay symbolic."""
    if isinstance(batch_size, torch.SymInt):
        return batch_size
    if batch_size is None:
        raise ValueError("An RNN cell's get_initial_state needs `inputs` or `batch_size`. Received: batch_size=None")
    return int(batch_size)


def _flat_state_sizes(state_size):
    """Flattens a cell's `state_size` (int, list of ints, nested lists) into a list of shapes."""
    if isinstance(state_size, torch.Size):
        return [tuple(int(d) for d in state_size)]
    if isinstance(state_size, (list, tuple)):
        shapes = []
        for size in state_size:
            shapes.extend(_flat_state_sizes(size))
        return shapes
    return [(int(state_size),)]


def _output_dim(cell):
    output_size = getattr(cell, "output_size", None)
    if output_size is not None:
        return output_size
    return _flat_state_sizes(cell.state_size)[0][0]


def _call_takes(fn, name):
    import inspect

    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


class StackedRNNCells(layer_module.Layer):
    """Wraps a list of cells so that `RNN` runs them as one stacked cell.

    Args:
        cells: list of RNN cells (objects with `call(inputs, states)` and `state_size`).

    Example:
        >>> rnn = RNN(StackedRNNCells([LSTMCell(8), LSTMCell(4)]))
    """

    def __init__(self, cells, **kwargs):
        for cell in cells:
            if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
                raise ValueError(
                    "StackedRNNCells expects cells with a `call` method and a `state_size` attribute. "
                    f"Received: cell={cell!r}"
                )
        # tf.keras 2 keeps the cells' states in their natural order.
        kwargs.pop("reverse_state_order", None)
        super().__init__(**kwargs)
        self.cells = torch.nn.ModuleList([c for c in cells if isinstance(c, torch.nn.Module)])
        self._all_cells = list(cells)

    @property
    def state_size(self):
        return tuple(cell.state_size for cell in self._all_cells)

    @property
    def output_size(self):
        return _output_dim(self._all_cells[-1])

    def _state_counts(self):
        return [len(_flat_state_sizes(cell.state_size)) for cell in self._all_cells]

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Per-cell initial states, flattened into one list."""
        states = []
        for cell in self._all_cells:
            make = getattr(cell, "get_initial_state", None)
            if make is not None:
                value = make(inputs=inputs, batch_size=batch_size, dtype=dtype)
            else:
                dtype_t = backend.standardize_dtype(dtype) if dtype is not None else self._torch_dtype
                device = inputs.device if inputs is not None else None
                if inputs is not None:
                    batch_size = inputs.shape[0]
                value = [
                    torch.zeros((_batch_dim(batch_size),) + shape, dtype=dtype_t, device=device)
                    for shape in _flat_state_sizes(cell.state_size)
                ]
            states.extend(value if isinstance(value, (list, tuple)) else [value])
        return states

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        device = torch.empty(0).device
        for cell in self._all_cells:
            if isinstance(cell, layer_module.Layer) and not cell.built:
                cell._build_on(input_shape, device)
            input_shape = (input_shape[0], _output_dim(cell))
        self.built = True

    def call(self, inputs, states, constants=None, training=None):
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        new_states = []
        position = 0
        for cell, count in zip(self._all_cells, self._state_counts()):
            cell_states = states[position : position + count]
            position += count
            kwargs = {}
            if _call_takes(cell.call, "training"):
                kwargs["training"] = training
            if constants is not None and _call_takes(cell.call, "constants"):
                kwargs["constants"] = constants
            inputs, cell_new = cell.call(inputs, cell_states, **kwargs)
            new_states.extend(cell_new if isinstance(cell_new, (list, tuple)) else [cell_new])
        return inputs, new_states

    def compute_output_shape(self, input_shape):
        return (tuple(input_shape)[0], self.output_size)

    def get_config(self):
        from kerastorch.saving import serialization

        config = super().get_config()
        config["cells"] = [serialization.serialize_layer(cell) for cell in self._all_cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kerastorch.saving import serialization

        config = dict(config)
        cells = [serialization.deserialize_layer(c, custom_objects=custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)
