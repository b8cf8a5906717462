"""Cell machinery shared by the recurrent cells: gate layouts, dropout masks, the LSTM update, the `_BuiltinCell` step protocol.

The built-in cells keep their kernels in torch layout (``(gates * units, input_dim)``, gate
blocks in torch's order) so that the `RNN` layers can hand them straight to torch's fused
LSTM/GRU kernels; `get_weights()` / `set_weights()` still speak the Keras layout and gate order.
"""

import inspect

import torch
import torch.nn.functional as F

from kerastorch import activations
from kerastorch import backend
from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.engine import layer as layer_module
from kerastorch.layers.recurrent_structure import _batch_dim


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

    def _gate_masks(self, inputs, training, count, recurrent=False):
        """The input (or recurrent) dropout masks as a list (one, or one per gate); None while inactive."""
        rate = self.recurrent_dropout if recurrent else self.dropout
        if not (training and 0.0 < rate < 1.0):
            return None
        get_masks = self.get_recurrent_dropout_mask_for_cell if recurrent else self.get_dropout_mask_for_cell
        masks = get_masks(inputs, training, count=count)
        return masks if isinstance(masks, list) else [masks]


# ---------------------------------------------------------------------------------------------
# The built-in cell protocol
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


def _call_takes(fn, name):
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


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
        return self._gate_masks(step_inputs, training, self._mask_count())

    def _recurrent_masks(self, state, training):
        return self._gate_masks(state, training, self._mask_count(), recurrent=True)

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


def _zero_bias(bias):
    # Keras has one bias where torch's kernels add two (b_ih + b_hh): torch's second stays zero.
    return torch.zeros_like(bias, requires_grad=False).detach()


def _identity(x):
    return x


def _unit_forget_bias(base_initializer, units):
    """The LSTM bias initializer of `unit_forget_bias`: `base_initializer`, with ones for the forget gate (i, f, c, o)."""

    def bias_initializer(shape, dtype=None):
        parts = [
            base_initializer((units,), dtype=dtype),
            torch.ones((units,)),
            base_initializer((2 * units,), dtype=dtype),
        ]
        parts = [torch.as_tensor(p) for p in parts]
        return torch.cat([p.to(parts[0].dtype) for p in parts])

    return bias_initializer


def _lstm_gates(z, c_prev, gate, activation, dim):
    """The LSTM update from the pre-activations `z` (blocks i, f, c, o along `dim`): returns (h, c)."""
    z_i, z_f, z_c, z_o = z.chunk(4, dim=dim)
    i = gate(z_i)
    f = gate(z_f)
    c = f * c_prev + i * activation(z_c)
    o = gate(z_o)
    return o * activation(c), c
