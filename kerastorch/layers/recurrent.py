"""Recurrent layers: SimpleRNN, LSTM, GRU, CuDNNLSTM and CuDNNGRU, and the Keras import path of RNN and the cells.

Keras 2 imports `RNN` and the cells from here; `RNN` lives in `recurrent_base`, the cells in
`recurrent_cells` (their shared machinery and `DropoutRNNCellMixin` in `recurrent_cell_base`) and
`StackedRNNCells` in `recurrent_stacked`; all are re-exported. Each layer here is an `RNN` whose
cell is built from the layer's own arguments.
"""

from kerastorch import regularizers
from kerastorch.engine import layer as layer_module
from kerastorch.layers.recurrent_base import RNN
from kerastorch.layers.recurrent_cell_base import DropoutRNNCellMixin
from kerastorch.layers.recurrent_cells import GRUCell
from kerastorch.layers.recurrent_cells import LSTMCell
from kerastorch.layers.recurrent_cells import SimpleRNNCell
from kerastorch.layers.recurrent_stacked import StackedRNNCells

__all__ = [
    "RNN",
    "SimpleRNN",
    "LSTM",
    "GRU",
    "CuDNNLSTM",
    "CuDNNGRU",
    "SimpleRNNCell",
    "LSTMCell",
    "GRUCell",
    "StackedRNNCells",
    "DropoutRNNCellMixin",
]


# ---------------------------------------------------------------------------------------------
# SimpleRNN, LSTM, GRU
# ---------------------------------------------------------------------------------------------
_CELL_CONFIG_SKIP = ("name", "trainable", "dtype", "batch_input_shape")
# Keys Keras 3 writes into recurrent-layer configs that have no tf.keras 2 meaning.
_KERAS3_ONLY_KEYS = ("seed", "use_cudnn")


def _forward_to_cell(cls, names):
    """Gives `cls` read-only properties `names` that return the attributes of the same names on `self.cell`."""
    for name in names:
        setattr(cls, name, property(lambda self, attribute=name: getattr(self.cell, attribute)))
    return cls


def _cell_kwargs(kwargs, name):
    """The cell's `name`, and the `dtype` and `trainable` of the layer's keyword arguments."""
    return {"dtype": kwargs.get("dtype"), "trainable": kwargs.get("trainable", True), "name": name}


class _CellLayer(RNN):
    """An RNN whose cell is built from the layer's own arguments (SimpleRNN, LSTM, GRU)."""

    def get_config(self):
        cell_config = {k: v for k, v in self.cell.get_config().items() if k not in _CELL_CONFIG_SKIP}
        config = layer_module.Layer.get_config(self)
        config.update(cell_config)
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        config.update(self._rnn_config())
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = {k: v for k, v in config.items() if k not in _KERAS3_ONLY_KEYS}
        num_constants = config.pop("num_constants", 0)
        if config.get("implementation") == 0:
            config["implementation"] = 1
        layer = cls(**config)
        layer._num_constants = num_constants
        return layer


_COMMON_PROPERTIES = (
    "units",
    "activation",
    "use_bias",
    "kernel_initializer",
    "recurrent_initializer",
    "bias_initializer",
    "kernel_regularizer",
    "recurrent_regularizer",
    "bias_regularizer",
    "kernel_constraint",
    "recurrent_constraint",
    "bias_constraint",
    "dropout",
    "recurrent_dropout",
)


class SimpleRNN(_CellLayer):
    """Fully-connected RNN whose output is fed back as input: `h_t = activation(x_t W + h_{t-1} U + b)`.

    Args:
        units: positive integer, dimensionality of the output space.
        activation: activation function (default 'tanh').
        use_bias: whether the layer uses a bias vector.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers
            (defaults 'glorot_uniform', 'orthogonal', 'zeros').
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer:
            regularizers.
        kernel_constraint, recurrent_constraint, bias_constraint: constraints.
        dropout: fraction of the inputs to drop (training only).
        recurrent_dropout: fraction of the recurrent state to drop (training only).
        return_sequences, return_state, go_backwards, stateful, unroll, time_major: see `RNN`.

    Input shape:
        `(batch_size, timesteps, input_dim)`.

    Output shape:
        `(batch_size, units)`, or `(batch_size, timesteps, units)` with `return_sequences`.

    Example:
        >>> model.add(SimpleRNN(32, input_shape=(10, 8)))
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
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        time_major=False,
        **kwargs,
    ):
        # tf.keras 2 ignores SimpleRNN's deprecated `implementation`.
        kwargs.pop("implementation", None)
        cell = SimpleRNNCell(
            units,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            **_cell_kwargs(kwargs, "simple_rnn_cell"),
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            time_major=time_major,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )


class LSTM(_CellLayer):
    """Long Short-Term Memory layer (Hochreiter 1997), with tf.keras 2 defaults.

    Runs torch's fused LSTM kernel (cuDNN on GPU) when `activation='tanh'`,
    `recurrent_activation='sigmoid'` and recurrent dropout is inactive; otherwise an exact loop.

    Args:
        units: positive integer, dimensionality of the output space.
        activation: activation of the cell candidate and output (default 'tanh').
        recurrent_activation: activation of the gates (default 'sigmoid').
        use_bias: whether the layer uses a bias vector.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers
            (defaults 'glorot_uniform', 'orthogonal', 'zeros').
        unit_forget_bias: add 1 to the forget-gate bias at initialization.
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer:
            regularizers.
        kernel_constraint, recurrent_constraint, bias_constraint: constraints.
        dropout: fraction of the inputs to drop (training only).
        recurrent_dropout: fraction of the recurrent state to drop (training only).
        implementation: 1 or 2 (accepted; results are the same).
        return_sequences, return_state, go_backwards, stateful, unroll, time_major: see `RNN`.

    Input shape:
        `(batch_size, timesteps, input_dim)`.

    Output shape:
        `(batch_size, units)`, or `(batch_size, timesteps, units)` with `return_sequences`;
        with `return_state`, `[output, h, c]`.

    Example:
        >>> model.add(LSTM(32, return_sequences=True, input_shape=(10, 64)))
    """

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
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        implementation=2,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        time_major=False,
        unroll=False,
        **kwargs,
    ):
        cell = LSTMCell(
            units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            implementation=implementation,
            **_cell_kwargs(kwargs, "lstm_cell"),
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            time_major=time_major,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )


class GRU(_CellLayer):
    """Gated Recurrent Unit (Cho et al. 2014), with tf.keras 2 defaults (`reset_after=True`).

    Runs torch's fused GRU kernel (cuDNN on GPU) when `activation='tanh'`,
    `recurrent_activation='sigmoid'`, `reset_after=True` and recurrent dropout is inactive;
    otherwise an exact loop (also for `reset_after=False`, the Keras 2.2 formulation).

    Args:
        units: positive integer, dimensionality of the output space.
        activation: activation of the candidate state (default 'tanh').
        recurrent_activation: activation of the gates (default 'sigmoid').
        use_bias: whether the layer uses a bias vector.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers
            (defaults 'glorot_uniform', 'orthogonal', 'zeros').
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer:
            regularizers.
        kernel_constraint, recurrent_constraint, bias_constraint: constraints.
        dropout: fraction of the inputs to drop (training only).
        recurrent_dropout: fraction of the recurrent state to drop (training only).
        implementation: 1 or 2 (accepted; results are the same).
        return_sequences, return_state, go_backwards, stateful, unroll, time_major: see `RNN`.
        reset_after: apply the reset gate after the recurrent matrix product (bias shape
            `(2, 3 * units)`); False is the Keras 2.2 formulation (bias `(3 * units,)`).

    Input shape:
        `(batch_size, timesteps, input_dim)`.

    Output shape:
        `(batch_size, units)`, or `(batch_size, timesteps, units)` with `return_sequences`.

    Example:
        >>> model.add(GRU(32, input_shape=(10, 64)))
    """

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
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        implementation=2,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        time_major=False,
        reset_after=True,
        **kwargs,
    ):
        cell = GRUCell(
            units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            implementation=implementation,
            reset_after=reset_after,
            **_cell_kwargs(kwargs, "gru_cell"),
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            time_major=time_major,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )


_forward_to_cell(SimpleRNN, _COMMON_PROPERTIES)
_forward_to_cell(LSTM, _COMMON_PROPERTIES + ("recurrent_activation", "unit_forget_bias", "implementation"))
_forward_to_cell(GRU, _COMMON_PROPERTIES + ("recurrent_activation", "implementation", "reset_after"))


_CUDNN_DROPPED_KEYS = (
    "activation",
    "recurrent_activation",
    "use_bias",
    "dropout",
    "recurrent_dropout",
    "implementation",
    "unroll",
    "time_major",
    "reset_after",
)


class CuDNNLSTM(LSTM):
    """Keras 2's CuDNNLSTM: an LSTM fixed to tanh/sigmoid, no dropout (runs on cuDNN on GPU, fused on CPU).

    Files written with CuDNNLSTM (bias of shape `(8 * units,)`) load into it; its weights are the
    LSTM's (`kernel`, `recurrent_kernel`, `bias` of shape `(4 * units,)`).

    Args:
        units: dimensionality of the output.
        kernel_initializer, recurrent_initializer, bias_initializer, unit_forget_bias: as LSTM.
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer: as LSTM.
        kernel_constraint, recurrent_constraint, bias_constraint: as LSTM.
        return_sequences, return_state, go_backwards, stateful: as LSTM.
    """

    def __init__(self, units, **kwargs):
        for key in _CUDNN_DROPPED_KEYS:
            if key in kwargs:
                raise TypeError(f"CuDNNLSTM does not take `{key}` (it is fixed by cuDNN); use LSTM instead.")
        super().__init__(units, activation="tanh", recurrent_activation="sigmoid", **kwargs)

    def get_config(self):
        config = super().get_config()
        for key in _CUDNN_DROPPED_KEYS:
            config.pop(key, None)
        return config


class CuDNNGRU(GRU):
    """Keras 2's CuDNNGRU: a GRU with reset_after=True fixed to tanh/sigmoid, no dropout.

    Files written with CuDNNGRU (bias of shape `(6 * units,)`) load into it.

    Args:
        units: dimensionality of the output.
        kernel_initializer, recurrent_initializer, bias_initializer: as GRU.
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer: as GRU.
        kernel_constraint, recurrent_constraint, bias_constraint: as GRU.
        return_sequences, return_state, go_backwards, stateful: as GRU.
    """

    def __init__(self, units, **kwargs):
        for key in _CUDNN_DROPPED_KEYS:
            if key in kwargs:
                raise TypeError(f"CuDNNGRU does not take `{key}` (it is fixed by cuDNN); use GRU instead.")
        super().__init__(units, activation="tanh", recurrent_activation="sigmoid", reset_after=True, **kwargs)

    def get_config(self):
        config = super().get_config()
        for key in _CUDNN_DROPPED_KEYS:
            config.pop(key, None)
        return config
