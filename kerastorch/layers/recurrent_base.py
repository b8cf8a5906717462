"""The generic `RNN` layer: runs any Keras-style cell over the time axis of its input.

`RNN` runs a cell over the time axis with Keras 2 semantics (masks keep the previous state and
output, `go_backwards` returns the reversed sequence, `stateful` carries the last states into the
next batch). Built-in cells in a configuration that torch's fused kernels compute exactly
(LSTM tanh/sigmoid, GRU tanh/sigmoid with reset_after=True, SimpleRNN tanh/relu, no active
recurrent dropout) run through `torch.lstm` / `torch.gru` / `torch.rnn_*` (cuDNN on GPU); every
other configuration runs an exact per-timestep loop (both runners live in `recurrent_runners`).
"""

import torch

from kerastorch.engine import input_spec
from kerastorch.engine import keras_tensor
from kerastorch.engine import layer as layer_module
from kerastorch.engine import nest
from kerastorch.layers import recurrent_runners
from kerastorch.layers import recurrent_stacked
from kerastorch.layers.recurrent_cell_base import DropoutRNNCellMixin
from kerastorch.layers.recurrent_cell_base import _BuiltinCell
from kerastorch.layers.recurrent_cell_base import _call_takes
from kerastorch.layers.recurrent_cell_base import _training_flag
from kerastorch.layers.recurrent_structure import _flat_state_sizes
from kerastorch.layers.recurrent_structure import _standardize_args
from kerastorch.layers.recurrent_structure import _state_list
from kerastorch.layers.recurrent_structure import _to_list_or_none

__all__ = ["RNN"]


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def _qualified_weight_names(layer):
    """Keras 2 weight names (`bidirectional/forward_lstm/lstm_cell/kernel:0`) of a nested layer."""
    prefixes = {}

    def walk(current, path):
        prefixes[id(current)] = path
        for sub in current._sublayers():
            # A sub-layer built in its owner's name scope (a ConvLSTM's cell) adds no name of its own.
            walk(sub, path if getattr(sub, "_in_owner_name_scope", False) else f"{path}/{sub.name}")

    walk(layer, layer.name)
    return [f"{prefixes[id(owner)]}/{spec.name}:0" for owner, spec in layer._ordered_entries()]


def _first_shape(input_shape):
    if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
        return tuple(input_shape[0])
    return tuple(input_shape)


def _shape_text(shape):
    return input_spec._shape_text(tuple(shape))


def _is_builtin_step(cell):
    return isinstance(cell, _BuiltinCell) and type(cell).call is _BuiltinCell.call


# ---------------------------------------------------------------------------------------------
# RNN
# ---------------------------------------------------------------------------------------------
class RNN(layer_module.Layer):
    """Base class for recurrent layers: runs a cell over the time axis of its input.

    Args:
        cell: an RNN cell (an object with `call(inputs, states)` returning
            `(output, new_states)` and a `state_size` attribute; optionally `output_size` and
            `get_initial_state(inputs, batch_size, dtype)`), or a list of cells (stacked).
        return_sequences: return the full output sequence instead of the last output.
        return_state: also return the last states (`[output] + states`); the states of stacked
            cells are nested per cell, as in tf.keras 2: `[output, [h1, c1], h2]` for an
            LSTMCell then a GRUCell.
        go_backwards: process the sequence backwards and return the reversed sequence.
        stateful: reuse the last states of batch i as initial states of batch i + 1 (needs a
            fixed batch size: `batch_input_shape`, `batch_size` or `Input(batch_shape=...)`).
        unroll: accepted for compatibility; the computation is the same.
        time_major: if True, inputs and returned sequences are `(timesteps, batch, ...)` (and so is
            the input mask), as in tf.keras 2; states stay `(batch, ...)`.

    Call arguments:
        inputs: `(batch, timesteps, ...)` tensor.
        mask: `(batch, timesteps)` boolean tensor; masked steps keep the previous state.
        training: enables dropout.
        initial_state: list of initial state tensors (symbolic tensors in functional models),
            nested per cell for stacked cells like the returned states (a flat list is accepted too).
        constants: list of tensors passed to the cell's `call(..., constants=...)` at every step.

    Input shape:
        `(batch_size, timesteps, input_dim)`.

    Output shape:
        `(batch_size, timesteps, units)` with `return_sequences`, else `(batch_size, units)`;
        with `return_state`, a list `[output] + states`, each state `(batch_size, units)` (nested
        per cell for stacked cells).

    Example:
        >>> layer = RNN(LSTMCell(4), return_sequences=True)
        >>> layer(np.zeros((2, 5, 3), "float32")).shape
        torch.Size([2, 5, 4])
    """

    def __init__(
        self,
        cell,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        time_major=False,
        **kwargs,
    ):
        if isinstance(cell, (list, tuple)):
            cell = recurrent_stacked.StackedRNNCells(cell)
        if not hasattr(cell, "call") or not callable(getattr(cell, "call")):
            raise ValueError(f"{type(self).__name__} expects `cell` to have a `call` method. Received: cell={cell!r}")
        if not hasattr(cell, "state_size"):
            raise ValueError(
                f"{type(self).__name__} expects `cell` to have a `state_size` attribute (an integer, or a list "
                f"of integers, one per state). Received: cell={cell!r}"
            )
        # If True, masked timesteps output zeros instead of repeating the previous output.
        self.zero_output_for_mask = bool(kwargs.pop("zero_output_for_mask", False))
        if (
            "input_shape" not in kwargs
            and "batch_input_shape" not in kwargs
            and ("input_dim" in kwargs or "input_length" in kwargs)
        ):
            kwargs["input_shape"] = (kwargs.pop("input_length", None), kwargs.pop("input_dim", None))
        kwargs.pop("input_length", None)
        super().__init__(**kwargs)
        if isinstance(cell, torch.nn.Module):
            self.cell = cell
        else:
            object.__setattr__(self, "cell", cell)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.time_major = bool(time_major)
        self.supports_masking = True
        self.state_spec = None
        self._states = None
        self._stateful_batch_size = None
        self._num_constants = 0
        # Tests switch this off to compare the fused kernels with the exact loop.
        self._use_fused_kernels = True

    # -- states ----------------------------------------------------------------------------
    def _state_shapes(self):
        return _flat_state_sizes(self.cell.state_size)

    def _nest_states(self, flat_states):
        """Flat states nested like `cell.state_size`, as tf.keras returns them (unchanged on a count mismatch)."""
        if len(flat_states) != len(self._state_shapes()):
            return list(flat_states)
        return _state_list(list(flat_states), self.cell.state_size)

    @property
    def states(self):
        """The stored states of a stateful layer, else None placeholders; nested like `cell.state_size`."""
        if self._states is None:
            return self._nest_states([None] * len(self._state_shapes()))
        return self._nest_states(self._states)

    @states.setter
    def states(self, value):
        value = None if value is None else nest.flatten(value)
        self._states = None if value is None or all(v is None for v in value) else value

    def get_initial_state(self, inputs):
        """Zero states (or the cell's `get_initial_state`) for a batch of `inputs`, nested like `cell.state_size`."""
        batch_size = inputs.shape[0]
        make = getattr(self.cell, "get_initial_state", None)
        if make is not None:
            try:
                states = make(inputs=None, batch_size=batch_size, dtype=inputs.dtype)
            except TypeError:
                # Cells written for Keras 3 take only the batch size.
                states = make(batch_size)
        else:
            states = [torch.zeros((batch_size,) + shape, dtype=inputs.dtype) for shape in self._state_shapes()]
        states = _to_list_or_none(states) or []
        return self._nest_states([torch.as_tensor(s).to(device=inputs.device, dtype=inputs.dtype) for s in states])

    def reset_states(self, states=None):
        """Resets the stored states of a stateful layer to zeros, or to the given arrays.

        Args:
            states: None (zeros), or a NumPy array / list of arrays, one per state, each
                `(batch_size, units)`.
        """
        if not self.stateful:
            if states is not None:
                raise AttributeError(f"{type(self).__name__} '{self.name}' must be stateful to set its states.")
            return
        batch_size = self._stateful_batch_size
        if batch_size is None:
            if not self.built:
                # Nothing is stored before the first build; build() resets again.
                return
            raise self._batch_size_error(self._build_input_shape)
        shapes = self._state_shapes()
        device = self._current_device() or torch.device("cpu")
        if states is None:
            self._states = [
                torch.zeros((batch_size,) + shape, dtype=self._torch_dtype, device=device) for shape in shapes
            ]
            return
        values = _to_list_or_none(states) or []
        if len(values) != len(shapes):
            raise ValueError(
                f"{type(self).__name__} '{self.name}' expects {len(shapes)} states, but it received "
                f"{len(values)} state values."
            )
        new_states = []
        for index, (value, shape) in enumerate(zip(values, shapes)):
            tensor = nest.to_tensor(value)
            expected = (batch_size,) + shape
            if tuple(tensor.shape) != expected:
                raise ValueError(
                    f"State {index} is incompatible with layer '{self.name}': expected shape={expected} "
                    f"but found shape={tuple(tensor.shape)}."
                )
            new_states.append(tensor.detach().to(device=device, dtype=self._torch_dtype).clone())
        self._states = new_states

    def _batch_size_error(self, input_shape):
        return ValueError(
            f"{type(self).__name__} '{self.name}' is stateful, so it needs to know its batch size; got input "
            f"shape {_shape_text(_first_shape(input_shape)) if input_shape is not None else None}. Specify the "
            "batch size of your inputs: in a Sequential model pass `batch_input_shape=(batch_size, timesteps, "
            "features)` (or `batch_size=`) to the first layer; in the functional API pass "
            "`Input(batch_shape=(batch_size, timesteps, features))`."
        )

    # -- building ----------------------------------------------------------------------------
    def build(self, input_shape):
        shapes = (
            input_shape
            if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple))
            else [input_shape]
        )
        shape = tuple(shapes[0])
        if len(shape) < 3:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' expects input with ndim >= 3 (batch, timesteps, features), "
                f"got ndim={len(shape)} (shape {_shape_text(shape)})."
            )
        if self.time_major:
            shape = (shape[1], shape[0]) + shape[2:]
        step_shape = (shape[0],) + shape[2:]
        if isinstance(self.cell, layer_module.Layer) and not self.cell.built:
            cell_shape = step_shape
            if self._num_constants:
                cell_shape = [step_shape] + [tuple(s) for s in shapes[-self._num_constants :]]
            self.cell._build_on(cell_shape, torch.empty(0).device)
        if self.stateful:
            if shape[0] is None:
                raise self._batch_size_error(input_shape)
            self._stateful_batch_size = int(shape[0])
        super().build(input_shape)
        if self.stateful:
            self.reset_states()

    # -- calling ------------------------------------------------------------------------------
    def _nest_outputs(self, flat_outputs):
        """A node records its output tensors flat; `[output, *states]` nested like the eager call's."""
        return [flat_outputs[0]] + self._nest_states(flat_outputs[1:])

    def __call__(self, inputs, initial_state=None, constants=None, **kwargs):
        inputs, initial_state, constants = _standardize_args(inputs, initial_state, constants, self._num_constants)
        if initial_state is None and constants is None:
            return super().__call__(inputs, **kwargs)
        extra = (initial_state or []) + (constants or [])
        symbolic = [keras_tensor.any_symbolic(t) for t in extra]
        if any(symbolic) and not all(symbolic):
            raise ValueError(
                f"The initial state or constants of {type(self).__name__} '{self.name}' cannot mix symbolic "
                "tensors (from Input() or layers) with concrete tensors. Received: "
                f"initial_state={initial_state!r}, constants={constants!r}"
            )
        if all(symbolic) and extra:
            # Functional API: the states/constants become inputs of the node so the graph records them.
            if constants is not None:
                self._num_constants = len(constants)
            return super().__call__([inputs] + extra, **kwargs)
        if initial_state is not None:
            kwargs["initial_state"] = initial_state
        if constants is not None:
            kwargs["constants"] = constants
        return super().__call__(inputs, **kwargs)

    def _split_inputs(self, inputs, initial_state, constants):
        if isinstance(inputs, (list, tuple)):
            # `[inputs] + initial_state + constants`, as a functional node records them.
            return _standardize_args(inputs, None, None, self._num_constants)
        return inputs, _to_list_or_none(initial_state), _to_list_or_none(constants)

    def _prepare_states(self, x, initial_state):
        expected = len(self._state_shapes())
        if self.stateful:
            stored = self._stored_states(x)
            if initial_state is not None:
                # Keras keeps the recorded states once they are non-zero, else uses initial_state.
                if any(bool(s.ne(0).any()) for s in stored):
                    initial_state = None
            states = stored if initial_state is None else None
        else:
            states = None
        if states is None:
            if initial_state is None:
                states = nest.flatten(self.get_initial_state(x))
            else:
                states = [nest.to_tensor(s).to(device=x.device, dtype=x.dtype) for s in initial_state]
        if len(states) != expected:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' has {expected} states but was passed {len(states)} initial "
                f"states. Received: initial_state={initial_state!r}"
            )
        for index, (state, shape) in enumerate(zip(states, self._state_shapes())):
            if tuple(state.shape[1:]) != shape or state.shape[0] != x.shape[0]:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}' initial state {index} must have shape "
                    f"{_shape_text((x.shape[0],) + shape)}, got {_shape_text(tuple(state.shape))}."
                )
        return states

    def _stored_states(self, x):
        if self._states is None or self._stateful_batch_size is None:
            self._stateful_batch_size = int(x.shape[0])
            self.reset_states()
        if x.shape[0] != self._stateful_batch_size:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' is stateful with batch size {self._stateful_batch_size}, "
                f"got a batch of {x.shape[0]} samples. Every batch of a stateful RNN must have exactly "
                "batch_size samples (drop the last partial batch, or pick a batch size that divides the data)."
            )
        states = []
        for state in self._states:
            if state.is_inference() and not torch.is_inference_mode_enabled():
                state = state.clone()
            states.append(state.to(device=x.device, dtype=x.dtype))
        return states

    def _fused_mode(self, training, constants, x):
        cell = self.cell
        if not self._use_fused_kernels or constants or x.dim() != 3 or not _is_builtin_step(cell):
            return None
        if x.device.type == "meta":
            return None
        mode = cell._fused_mode()
        if mode is None:
            return None
        if training and 0.0 < cell.recurrent_dropout < 1.0:
            return None
        if training and 0.0 < cell.dropout < 1.0 and cell._mask_count() > 1:
            return None
        return mode

    def call(self, inputs, mask=None, training=None, initial_state=None, constants=None):
        x, initial_state, constants = self._split_inputs(inputs, initial_state, constants)
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        x = nest.to_tensor(x)
        if not x.is_floating_point() or (x.dtype != self._torch_dtype and self._torch_dtype.is_floating_point):
            x = x.to(self._torch_dtype)
        if x.dim() < 3:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' expects input with ndim >= 3 (batch, timesteps, features), "
                f"got ndim={x.dim()} (shape {_shape_text(tuple(x.shape))})."
            )
        if self.time_major:
            # (timesteps, batch, ...) inputs and masks run batch-major; sequences go back time-major below.
            x = x.transpose(0, 1)
            if mask is not None:
                mask = nest.to_tensor(mask).transpose(0, 1)
        timesteps = x.shape[1]
        if timesteps == 0:
            raise ValueError(f"{type(self).__name__} '{self.name}' got an input with 0 timesteps: {tuple(x.shape)}.")
        training = _training_flag(self, training)
        if mask is not None:
            mask = nest.to_tensor(mask).to(device=x.device, dtype=torch.bool)
            if mask.dim() > 2:
                mask = mask.reshape(mask.shape[:2] + (-1,)).any(-1)
        states = self._prepare_states(x, initial_state)
        cell = self.cell
        for each in [cell] + list(getattr(cell, "_all_cells", [])):
            if isinstance(each, DropoutRNNCellMixin):
                each.reset_dropout_mask()
                each.reset_recurrent_dropout_mask()
        if self.go_backwards:
            x = x.flip(1)
            if mask is not None:
                mask = mask.flip(1)

        mode = self._fused_mode(training, constants, x)
        if mode is not None:
            input_masks = cell._input_masks(x[:, 0], training)
            if input_masks is not None:
                x = x * input_masks[0].unsqueeze(1)
            params, has_biases = cell._fused_params()
            sequence, last_output, final_states = recurrent_runners._run_fused(
                mode,
                x,
                states,
                params,
                has_biases,
                mask,
                self.zero_output_for_mask,
                self.return_sequences,
                need_states=self.return_state or self.stateful,
            )
        else:
            step = self._make_step(x, states, training, constants)
            sequence, last_output, final_states = recurrent_runners._run_loop(
                step, timesteps, states, mask, self.zero_output_for_mask, self.return_sequences
            )

        if self.stateful and x.device.type != "meta":
            self._states = [s.detach() for s in final_states]
        output = sequence if self.return_sequences else last_output
        if self.return_sequences and self.time_major:
            output = output.transpose(0, 1)
        if self.return_state:
            return [output] + self._nest_states(final_states)
        return output

    def _make_step(self, x, states, training, constants):
        cell = self.cell
        if _is_builtin_step(cell):
            projected = cell._project_inputs(x, cell._input_masks(x[:, 0], training))
            recurrent_masks = cell._recurrent_masks(states[0], training)

            def step(t, step_states):
                return cell._step(projected[:, t], step_states, recurrent_masks)

            return step
        if (
            isinstance(cell, recurrent_stacked.StackedRNNCells)
            and type(cell).call is recurrent_stacked.StackedRNNCells.call
        ):
            # The stack's own flat entry point skips nesting and flattening the states at every step.
            def stacked_step(t, step_states):
                return cell._call_flat(x[:, t], list(step_states), constants or None, training)

            return stacked_step
        kwargs = {}
        if _call_takes(cell.call, "training"):
            kwargs["training"] = training
        if constants:
            if not _call_takes(cell.call, "constants"):
                raise ValueError(
                    f"The cell of {type(self).__name__} '{self.name}' does not accept constants: its `call` has "
                    f"no `constants` argument. Received: constants={constants!r}"
                )
            kwargs["constants"] = constants

        state_size = cell.state_size

        def step(t, step_states):
            # Like tf.keras, a cell sees its states nested like its `state_size`.
            output, new_states = cell.call(x[:, t], _state_list(list(step_states), state_size), **kwargs)
            return output, nest.flatten(new_states)

        return step

    # -- shapes, masks, config ----------------------------------------------------------------
    def _output_dims(self):
        output_size = getattr(self.cell, "output_size", None)
        if output_size is None:
            return self._state_shapes()[0]
        if isinstance(output_size, (list, tuple, torch.Size)):
            return tuple(int(d) for d in output_size)
        return (int(output_size),)

    def compute_output_shape(self, input_shape):
        shape = _first_shape(input_shape)
        batch, timesteps = (shape[1], shape[0]) if self.time_major else (shape[0], shape[1])
        dims = self._output_dims()
        if not self.return_sequences:
            output_shape = (batch,) + dims
        elif self.time_major:
            output_shape = (timesteps, batch) + dims
        else:
            output_shape = (batch, timesteps) + dims
        if self.return_state:
            return [output_shape] + [(batch,) + s for s in self._state_shapes()]
        return output_shape

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + self._nest_states([None] * len(self._state_shapes()))
        return output_mask

    def _nest_node_inputs(self, flat_inputs):
        """Nests a functional node's `[inputs, *states, *constants]` as tf.keras records it (states per cell).

        The graph writes the node's inbound entries this way, so a config with the states of
        stacked cells as `initial_state` reads `[x, [h1, c1], h2]`, as tf.keras 2 writes it.
        """
        end = len(flat_inputs) - self._num_constants
        return [flat_inputs[0]] + self._nest_states(flat_inputs[1:end]) + list(flat_inputs[end:])

    def _weight_keras_names(self):
        return _qualified_weight_names(self)

    def _rnn_config(self):
        config = {
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "time_major": self.time_major,
        }
        if self._num_constants:
            config["num_constants"] = self._num_constants
        if self.zero_output_for_mask:
            config["zero_output_for_mask"] = self.zero_output_for_mask
        return config

    def get_config(self):
        from kerastorch.saving import serialization

        config = super().get_config()
        config.update(self._rnn_config())
        config["cell"] = serialization.serialize_layer(self.cell)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kerastorch.saving import serialization

        config = dict(config)
        cell = serialization.deserialize_layer(config.pop("cell"), custom_objects=custom_objects)
        num_constants = config.pop("num_constants", 0)
        layer = cls(cell, **config)
        layer._num_constants = num_constants
        return layer
