"""Convolutional recurrent layers: ConvLSTM1D, ConvLSTM2D, ConvLSTM3D and the Keras 2.2.4 `ConvRNN2D`.

Each layer is an `RNN` (masks, `go_backwards`, `stateful`, `initial_state`, Bidirectional) whose
states are feature maps: `(batch, *spatial, filters)` (channels_last) or `(batch, filters,
*spatial)`. Their spatial shape follows the input's, so it is worked out per call. The input
convolution of a ConvLSTM cell runs once over all timesteps; the per-timestep loop of
`recurrent_runners` then adds the recurrent convolution and applies the gates.
"""

import torch

from kerastorch import regularizers
from kerastorch.engine import layer as layer_module
from kerastorch.engine import layer_weights
from kerastorch.engine import nest
from kerastorch.layers import recurrent_base
from kerastorch.layers.convolutional_recurrent_cell import ConvLSTM2DCell
from kerastorch.layers.convolutional_recurrent_cell import ConvLSTMCell
from kerastorch.layers.convolutional_recurrent_cell import _channels_first
from kerastorch.layers.convolutional_recurrent_cell import _conv_output_spatial
from kerastorch.layers.convolutional_recurrent_cell import _keras_layout
from kerastorch.layers.recurrent import _cell_kwargs
from kerastorch.layers.recurrent import _forward_to_cell

__all__ = ["ConvRNN2D", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "ConvLSTMCell", "ConvLSTM2DCell"]

# Keys Keras 3 writes into these configs that have no tf.keras 2 meaning.
_KERAS3_ONLY_KEYS = ("seed",)
_CELL_CONFIG_SKIP = ("name", "trainable", "dtype", "batch_input_shape", "rank")


def _first_shape(input_shape):
    if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
        return tuple(input_shape[0])
    return tuple(input_shape)


class _ConvRNN(recurrent_base.RNN):
    """An `RNN` over `(batch, time, *spatial, channels)` inputs whose states are feature maps.

    The cell must have `filters`, `kernel_size`, `strides`, `padding`, `data_format`,
    `dilation_rate` and a `state_size` of channel counts (tf.keras's ConvRNN contract).
    """

    def __init__(
        self,
        rank,
        cell,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        time_major=False,
        **kwargs,
    ):
        who = type(self).__name__
        if unroll:
            raise TypeError(
                f"{who} cannot be unrolled (unrolling is not possible with convolutional RNNs). "
                f"Received: unroll={unroll!r}"
            )
        if isinstance(cell, (list, tuple)):
            raise TypeError(
                f"{who} cannot stack convolutional cells: pass a single cell instance as `cell`. Received: cell={cell!r}"
            )
        if time_major:
            # tf.keras 2.15 keeps the flag in the config but still runs batch-major: a silent no-op.
            raise ValueError(
                f"{who} runs batch-major only (inputs `(batch, time, ...)`); tf.keras 2 ignores `time_major` "
                f"for convolutional RNNs. Transpose the input instead. Received: time_major={time_major!r}"
            )
        super().__init__(cell, return_sequences, return_state, go_backwards, stateful, False, False, **kwargs)
        self.rank = int(rank)
        # tf.keras builds the cell in the layer's name scope: `conv_lstm2d/kernel:0`.
        object.__setattr__(cell, "_in_owner_name_scope", True)
        self._spatial_shape = None

    # -- shapes --------------------------------------------------------------------------------
    def _channels_first(self):
        return self.cell.data_format == "channels_first"

    def _check_rank(self, shape):
        if len(shape) != self.rank + 3:
            layout = "channels, *spatial" if self._channels_first() else "*spatial, channels"
            raise ValueError(
                f"{type(self).__name__} '{self.name}' expects input with ndim={self.rank + 3} (batch, time, "
                f"{layout}), got ndim={len(shape)} (shape {tuple(shape)})."
            )

    def _input_spatial(self, shape):
        return tuple(shape[3:]) if self._channels_first() else tuple(shape[2:-1])

    def _output_spatial(self, spatial):
        cell = self.cell
        output = _conv_output_spatial(cell, spatial)
        if any(d is not None and d <= 0 for d in output):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': the spatial input shape {tuple(spatial)} is too small for "
                f"kernel_size={cell.kernel_size}, strides={cell.strides}, dilation_rate={cell.dilation_rate}, "
                f"padding={cell.padding!r} (output spatial shape {output}). Use a larger input or padding='same'."
            )
        return output

    def _feature_map_shape(self, spatial, channels):
        output = self._output_spatial(spatial)
        return (int(channels),) + output if self._channels_first() else output + (int(channels),)

    def _state_shapes(self):
        spatial = self._spatial_shape if self._spatial_shape is not None else (None,) * self.rank
        sizes = self.cell.state_size if isinstance(self.cell.state_size, (list, tuple)) else [self.cell.state_size]
        return [self._feature_map_shape(spatial, size) for size in sizes]

    def compute_output_shape(self, input_shape):
        shape = _first_shape(input_shape)
        self._check_rank(shape)
        output = self._feature_map_shape(self._input_spatial(shape), self.cell.filters)
        output_shape = (shape[0], shape[1]) + output if self.return_sequences else (shape[0],) + output
        if self.return_state:
            sizes = self.cell.state_size if isinstance(self.cell.state_size, (list, tuple)) else [self.cell.state_size]
            spatial = self._input_spatial(shape)
            return [output_shape] + [(shape[0],) + self._feature_map_shape(spatial, size) for size in sizes]
        return output_shape

    # -- building and states -----------------------------------------------------------------
    def build(self, input_shape):
        shape = _first_shape(input_shape)
        self._check_rank(shape)
        self._spatial_shape = self._input_spatial(shape)
        self._output_spatial(self._spatial_shape)
        # tf.keras builds the cell in the layer's name scope: `conv_lstm2d/kernel:0`.
        with layer_weights.hidden_scope(self.cell):
            super().build(input_shape)

    def reset_states(self, states=None):
        """Resets the stored states of a stateful layer to zeros, or to the given arrays.

        Args:
            states: None (zeros), or a NumPy array / list of two arrays `(batch_size, *spatial, filters)`.
        """
        if self.stateful and self.built and any(d is None for s in self._state_shapes() for d in s):
            raise ValueError(
                f"{type(self).__name__} '{self.name}' is stateful, so it needs to know its batch size and the "
                f"spatial shape of its input; got input shape {self._build_input_shape}. Pass the full "
                "`batch_input_shape=(batch_size, timesteps, rows, cols, channels)` to the first layer, or "
                "`Input(batch_shape=...)`."
            )
        super().reset_states(states)

    def get_initial_state(self, inputs):
        """Zero states `[h, c]` for a batch of `inputs` (`(batch, time, ...)`), shaped like the output maps."""
        inputs = nest.to_tensor(inputs)
        self._check_rank(tuple(inputs.shape))
        self._spatial_shape = self._input_spatial(tuple(inputs.shape))
        batch_size = inputs.shape[0]
        dtype = inputs.dtype if inputs.is_floating_point() else self._torch_dtype
        zeros = [torch.zeros((batch_size,) + s, dtype=dtype, device=inputs.device) for s in self._state_shapes()]
        return self._nest_states(zeros)

    def _prepare_states(self, x, initial_state):
        self._check_rank(tuple(x.shape))
        self._spatial_shape = self._input_spatial(tuple(x.shape))
        return super()._prepare_states(x, initial_state)

    # -- the per-timestep step ---------------------------------------------------------------
    def _make_step(self, x, states, training, constants):
        cell = self.cell
        if constants or not isinstance(cell, ConvLSTMCell) or type(cell).call is not ConvLSTMCell.call:
            return super()._make_step(x, states, training, constants)
        data_format = cell.data_format
        batch, timesteps = x.shape[0], x.shape[1]
        # The input convolution of every timestep at once: (batch * time, channels, *spatial).
        steps = _channels_first(x.reshape((batch * timesteps,) + tuple(x.shape[2:])), data_format)
        masks = cell._input_masks(x[:, 0], training)
        if masks is not None:
            masks = [m.repeat_interleave(timesteps, dim=0) for m in masks]
        projected = cell._input_conv(steps, masks)
        projected = projected.reshape((batch, timesteps) + tuple(projected.shape[1:]))
        recurrent_masks = cell._recurrent_masks(states[0], training)

        def step(t, step_states):
            h, c = cell._gates(
                projected[:, t],
                _channels_first(step_states[0], data_format),
                _channels_first(step_states[1], data_format),
                recurrent_masks,
            )
            h = _keras_layout(h, data_format)
            return h, [h, _keras_layout(c, data_format)]

        return step

    def _rnn_config(self):
        config = super()._rnn_config()
        config["time_major"] = False
        return config


class ConvRNN2D(_ConvRNN):
    """Runs a 2-D convolutional recurrent cell (such as `ConvLSTM2DCell`) over time (Keras 2.2.4).

    Args:
        cell: a convolutional cell with `filters`, `kernel_size`, `strides`, `padding`,
            `data_format`, `dilation_rate` and `state_size` (channels of each state).
        return_sequences, return_state, go_backwards, stateful: see `RNN`.
        unroll: must be False (convolutional RNNs cannot be unrolled).

    Input shape:
        `(batch, time, rows, cols, channels)` (channels_last) or `(batch, time, channels, rows, cols)`.

    Output shape:
        `(batch, [time,] new_rows, new_cols, filters)` (channels_last); with `return_state`,
        `[output, *states]`.

    Example:
        >>> layer = ConvRNN2D(ConvLSTM2DCell(4, 3, padding="same"), return_sequences=True)
    """

    def __init__(
        self,
        cell,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        **kwargs,
    ):
        super().__init__(2, cell, return_sequences, return_state, go_backwards, stateful, unroll, **kwargs)

    @classmethod
    def _default_name(cls):
        return "conv_rnn2d"


# ---------------------------------------------------------------------------------------------
# ConvLSTM1D / 2D / 3D
# ---------------------------------------------------------------------------------------------
_CELL_PROPERTIES = (
    "filters",
    "kernel_size",
    "strides",
    "padding",
    "data_format",
    "dilation_rate",
    "activation",
    "recurrent_activation",
    "use_bias",
    "kernel_initializer",
    "recurrent_initializer",
    "bias_initializer",
    "unit_forget_bias",
    "kernel_regularizer",
    "recurrent_regularizer",
    "bias_regularizer",
    "kernel_constraint",
    "recurrent_constraint",
    "bias_constraint",
    "dropout",
    "recurrent_dropout",
)


class _ConvLSTM(_ConvRNN):
    """N-D convolutional LSTM layer: a `_ConvRNN` whose cell is a `ConvLSTMCell` built from the layer's arguments."""

    _RANK = None

    def __init__(
        self,
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
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        dropout=0.0,
        recurrent_dropout=0.0,
        **kwargs,
    ):
        cell = ConvLSTMCell(
            self._RANK,
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
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
            **_cell_kwargs(kwargs, "conv_lstm_cell"),
        )
        super().__init__(
            self._RANK,
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )

    @classmethod
    def _default_name(cls):
        # tf.keras 2 names these `conv_lstm2d` (Keras 2.2.4's to_snake_case gave `conv_lst_m2d`).
        return f"conv_lstm{cls._RANK}d"

    def call(self, inputs, mask=None, training=None, initial_state=None):
        return super().call(inputs, mask=mask, training=training, initial_state=initial_state)

    def get_config(self):
        config = layer_module.Layer.get_config(self)
        config.update(self._rnn_config())
        cell_config = self.cell.get_config()
        config.update({k: v for k, v in cell_config.items() if k not in _CELL_CONFIG_SKIP})
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = {k: v for k, v in config.items() if k not in _KERAS3_ONLY_KEYS}
        return cls(**config)


_forward_to_cell(_ConvLSTM, _CELL_PROPERTIES)


_LAYER_DOC = """{rank}-D convolutional LSTM (Shi et al. 2015): an LSTM whose input and recurrent products are convolutions.

    Runs the exact tf.keras 2 step: gates i, f, c, o from `conv(x, kernel) + conv(h, recurrent_kernel)
    + bias` (the recurrent convolution is stride 1, 'same'), `recurrent_activation='hard_sigmoid'`
    by default as in tf.keras 2.15.

    Args:
        filters: number of output filters (channels of the output and of both states).
        kernel_size: int or tuple of {rank} ints.
        strides: int or tuple of {rank} ints (not together with `dilation_rate` > 1).
        padding: 'valid' or 'same' (case-insensitive; 'same' pads as TensorFlow).
        data_format: 'channels_last' (`(batch, time, {spatial}, channels)`) or 'channels_first'
            (`(batch, time, channels, {spatial})`); default `image_data_format()`.
        dilation_rate: int or tuple of {rank} ints.
        activation: activation of the candidate and output (default 'tanh').
        recurrent_activation: activation of the gates (default 'hard_sigmoid').
        use_bias: whether the layer has a bias vector.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers
            (defaults 'glorot_uniform', 'orthogonal', 'zeros').
        unit_forget_bias: add 1 to the forget-gate bias at initialization.
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer: regularizers.
        kernel_constraint, recurrent_constraint, bias_constraint: constraints.
        return_sequences, return_state, go_backwards, stateful: see `RNN`.
        dropout: fraction of the inputs to drop (training only; one mask per gate).
        recurrent_dropout: fraction of the recurrent state to drop (training only).

    Input shape:
        `(batch, time, {spatial}, channels)` (channels_last) or `(batch, time, channels, {spatial})`.

    Output shape:
        `(batch, [time,] {new_spatial}, filters)` (channels_last; `time` with `return_sequences`);
        with `return_state`, `[output, h, c]`, each state `(batch, {new_spatial}, filters)`.

    Example:
        >>> layer = {name}(8, {kernel}, padding="same", return_sequences=True)
"""


class ConvLSTM1D(_ConvLSTM):
    _RANK = 1
    __doc__ = _LAYER_DOC.format(rank=1, spatial="rows", new_spatial="new_rows", name="ConvLSTM1D", kernel=3)

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, **kwargs)


class ConvLSTM2D(_ConvLSTM):
    _RANK = 2
    __doc__ = _LAYER_DOC.format(
        rank=2, spatial="rows, cols", new_spatial="new_rows, new_cols", name="ConvLSTM2D", kernel="(3, 3)"
    )

    def __init__(
        self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1), **kwargs
    ):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, **kwargs)


class ConvLSTM3D(_ConvLSTM):
    _RANK = 3
    __doc__ = _LAYER_DOC.format(
        rank=3,
        spatial="dim1, dim2, dim3",
        new_spatial="new_dim1, new_dim2, new_dim3",
        name="ConvLSTM3D",
        kernel="(3, 3, 3)",
    )

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1, 1),
        **kwargs,
    ):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, **kwargs)
