"""Layer wrappers: Wrapper base, TimeDistributed and Bidirectional."""

import inspect

import torch

from kerastorch.engine import input_spec
from kerastorch.engine import keras_tensor
from kerastorch.engine import layer as layer_module
from kerastorch.engine import layer_weights
from kerastorch.engine import nest
from kerastorch.layers import recurrent_base
from kerastorch.layers import recurrent_structure

__all__ = ["Wrapper", "TimeDistributed", "Bidirectional"]


def _build_sublayer(layer, input_shape):
    """Builds `layer` on the current default device (where the wrapper is being built)."""
    if not layer.built:
        layer._build_on(input_shape, torch.empty(0).device)


def _model_class():
    from kerastorch.engine import model as model_module

    return model_module.Model


class Wrapper(layer_module.Layer):
    """Base class of the layers that wrap another layer.

    Args:
        layer: the wrapped `Layer` instance.
    """

    # Bidirectional runs two copies of `layer`, so it keeps `layer` itself untracked.
    _track_layer = True

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, layer_module.Layer):
            raise ValueError(f"{type(self).__name__} expects `layer` to be a Layer instance. Received: layer={layer!r}")
        super().__init__(**kwargs)
        if self._track_layer:
            self.layer = layer
        else:
            object.__setattr__(self, "layer", layer)

    def build(self, input_shape=None):
        _build_sublayer(self.layer, input_shape)
        super().build(input_shape)

    def _weight_keras_names(self):
        return recurrent_base._qualified_weight_names(self)

    def get_config(self):
        from kerastorch.saving import serialization

        config = super().get_config()
        config["layer"] = serialization.serialize_layer(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kerastorch.saving import serialization

        config = dict(config)
        layer = serialization.deserialize_layer(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)


class TimeDistributed(Wrapper):
    """Applies a layer to every temporal slice of an input (axis 1 is the time axis).

    The inner layer sees `(batch * timesteps, ...)` inputs in one call; a stateful inner layer,
    whose states are tied to the batch size, is applied timestep by timestep instead.

    Args:
        layer: a `Layer` instance.

    Input shape:
        `(batch_size, timesteps, ...)`, at least 3-D.

    Output shape:
        `(batch_size, timesteps) + inner_output_shape[1:]`.

    Example:
        >>> model.add(TimeDistributed(Dense(8), input_shape=(10, 16)))
    """

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _check_rank(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(
                f"TimeDistributed '{self.name}' expects an input with at least 3 dimensions (batch, timesteps, "
                f"...), got shape {input_spec._shape_text(input_shape)}."
            )

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_rank(input_shape)
        self.input_spec = layer_module.InputSpec(shape=(None, None) + input_shape[2:])
        # tf.keras calls the inner layer's build() inside the wrapper's name scope only: its weights
        # are `td/kernel:0`; an inner model builds its layers outside it (`dense/kernel:0`).
        hidden = self if isinstance(self.layer, _model_class()) else self.layer
        with layer_weights.hidden_scope(hidden):
            _build_sublayer(self.layer, (input_shape[0],) + input_shape[2:])
        layer_module.Layer.build(self, input_shape)

    def _weight_keras_names(self):
        if self.layer.built and all(getattr(weight, "name", None) for weight in self.weights):
            return [weight.name for weight in self.weights]
        # tf.keras builds the inner layer inside the wrapper's name scope: `time_distributed/kernel:0`.
        return [f"{self.name}/{name.split('/', 1)[-1]}" for name in self.layer._weight_keras_names()]

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_rank(input_shape)
        inner = self.layer.compute_output_shape((input_shape[0],) + input_shape[2:])
        if isinstance(inner, list):
            raise ValueError(
                f"TimeDistributed '{self.name}' wraps layer '{self.layer.name}', which has several outputs; "
                "TimeDistributed supports single-output layers."
            )
        return (input_shape[0], input_shape[1]) + tuple(inner)[1:]

    def call(self, inputs, training=None, mask=None):
        inputs = nest.to_tensor(inputs)
        # Layer.__call__ drops `training` for inner layers whose call does not take it.
        kwargs = {"training": training}
        batch, timesteps = inputs.shape[0], inputs.shape[1]
        takes_mask = self.layer._call_takes_mask and mask is not None
        if getattr(self.layer, "stateful", False):
            # Stateful inner layers keep per-sample states: apply them one timestep at a time.
            outputs = []
            for t in range(timesteps):
                step_kwargs = dict(kwargs)
                if takes_mask:
                    step_kwargs["mask"] = mask[:, t]
                outputs.append(self.layer(inputs[:, t], **step_kwargs))
            return torch.stack(outputs, dim=1)
        if takes_mask:
            mask = nest.to_tensor(mask)
            kwargs["mask"] = mask.reshape((-1,) + tuple(mask.shape[2:]))
        flat = inputs.reshape((batch * timesteps,) + tuple(inputs.shape[2:]))
        outputs = self.layer(flat, **kwargs)
        return outputs.reshape((batch, timesteps) + tuple(outputs.shape[1:]))

    def compute_mask(self, inputs, mask=None):
        inputs = nest.to_tensor(inputs)
        batch, timesteps = inputs.shape[0], inputs.shape[1]
        inner_mask = None
        if mask is not None:
            mask = nest.to_tensor(mask)
            inner_mask = mask.reshape((-1,) + tuple(mask.shape[2:]))
        flat = inputs.reshape((batch * timesteps,) + tuple(inputs.shape[2:]))
        output_mask = self.layer.compute_mask(flat, inner_mask)
        if output_mask is None:
            if mask is None:
                return None
            # The inner layer drops the mask: keep a timestep if any of its entries is kept.
            output_mask = mask
            while output_mask.dim() > 2:
                output_mask = output_mask.any(dim=-1)
            return output_mask
        return output_mask.reshape((batch, timesteps) + tuple(output_mask.shape[1:]))


_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _recreate_layer(layer, go_backwards=False):
    """A fresh copy of `layer` from its config (optionally with `go_backwards` flipped)."""
    config = layer.get_config()
    if go_backwards:
        config["go_backwards"] = not config["go_backwards"]
    if "custom_objects" in inspect.signature(type(layer).from_config).parameters:
        custom_objects = {}
        cell = getattr(layer, "cell", None)
        if cell is not None:
            custom_objects[type(cell).__name__] = type(cell)
            for inner in getattr(cell, "_all_cells", []):
                custom_objects[type(inner).__name__] = type(inner)
        return type(layer).from_config(config, custom_objects=custom_objects)
    return type(layer).from_config(config)


class Bidirectional(Wrapper):
    """Bidirectional wrapper for RNNs: runs a copy forwards and a copy backwards, then merges.

    Args:
        layer: an `RNN` instance (or a sequence layer with `go_backwards`, `return_sequences`,
            `return_state` and `get_config`/`from_config`).
        merge_mode: how the two outputs are combined: 'concat' (default), 'sum', 'mul', 'ave',
            or None (a list `[forward, backward]`).
        weights: initial weights (forward weights then backward weights).
        backward_layer: optional layer for the backward direction (default: a copy of `layer`
            with `go_backwards` flipped).

    Call arguments:
        Those of the wrapped RNN; `initial_state` is split in two: the first half goes to the
        forward layer, the second half to the backward layer.

    Output shape:
        The wrapped layer's, with the last axis doubled for 'concat'; with `return_state`,
        `[output] + forward_states + backward_states`, each nested as the wrapped RNN returns
        them (per cell for stacked cells, as in tf.keras 2).

    Example:
        >>> model.add(Bidirectional(LSTM(10, return_sequences=True), input_shape=(5, 10)))
    """

    _track_layer = False

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, layer_module.Layer):
            raise ValueError(f"Bidirectional expects `layer` to be a Layer instance. Received: layer={layer!r}")
        if backward_layer is not None and not isinstance(backward_layer, layer_module.Layer):
            raise ValueError(
                f"Bidirectional expects `backward_layer` to be a Layer instance. Received: backward_layer={backward_layer!r}"
            )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                "Bidirectional expects `merge_mode` to be one of 'sum', 'mul', 'ave', 'concat' or None. "
                f"Received: merge_mode={merge_mode!r}"
            )
        trainable_given = "trainable" in kwargs
        super().__init__(layer, weights=weights, **kwargs)
        self.forward_layer = _recreate_layer(layer)
        if backward_layer is None:
            self.backward_layer = _recreate_layer(layer, go_backwards=True)
            self._backward_layer_config = None
        else:
            from kerastorch.saving import serialization

            self.backward_layer = backward_layer
            self._backward_layer_config = serialization.serialize_layer(backward_layer)
        self.forward_layer.name = "forward_" + self.forward_layer.name
        self.backward_layer.name = "backward_" + self.backward_layer.name
        self._verify_layer_config()
        for each in (self.forward_layer, self.backward_layer):
            # tf.keras 2: masked timesteps output zeros when the sequences are returned.
            if getattr(each, "zero_output_for_mask", None) is not None:
                each.zero_output_for_mask = each.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self._num_constants = 0
        self.input_spec = layer.input_spec
        if not trainable_given:
            self.trainable = layer.trainable

    def _verify_layer_config(self):
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError(
                "Bidirectional expects the forward and backward layers to have different `go_backwards` values. "
                f"Received: forward_layer.go_backwards={self.forward_layer.go_backwards}, "
                f"backward_layer.go_backwards={self.backward_layer.go_backwards}"
            )
        for attribute in ("stateful", "return_sequences", "return_state"):
            forward_value = getattr(self.forward_layer, attribute)
            backward_value = getattr(self.backward_layer, attribute)
            if forward_value != backward_value:
                raise ValueError(
                    "Bidirectional expects the forward and backward layers to have the same value for "
                    f"`{attribute}`. Received: {forward_value!r} for the forward layer and {backward_value!r} "
                    "for the backward layer."
                )

    def build(self, input_shape):
        device = torch.empty(0).device
        for each in (self.forward_layer, self.backward_layer):
            if not each.built:
                each._build_on(input_shape, device)
        layer_module.Layer.build(self, input_shape)

    def compute_output_shape(self, input_shape):
        output_shape = self.forward_layer.compute_output_shape(input_shape)
        if self.return_state:
            state_shapes = [tuple(s) for s in output_shape[1:]]
            output_shape = tuple(output_shape[0])
        else:
            output_shape = tuple(output_shape)
        if self.merge_mode == "concat":
            last = output_shape[-1]
            output_shape = output_shape[:-1] + (None if last is None else 2 * last,)
            outputs = [output_shape]
        elif self.merge_mode is None:
            outputs = [output_shape, output_shape]
        else:
            outputs = [output_shape]
        if self.return_state:
            return outputs + state_shapes + state_shapes
        return outputs[0] if len(outputs) == 1 else outputs

    def _nest_outputs(self, flat_outputs):
        """A node records its output tensors flat; outputs then states nested like the eager call's."""
        num_outputs = 2 if self.merge_mode is None else 1
        return flat_outputs[:num_outputs] + self._nest_states(flat_outputs[num_outputs:])

    def _nest_states(self, flat_states):
        """Forward then backward states, each nested as its RNN returns them."""
        half = len(flat_states) // 2
        nested = []
        for layer, part in ((self.forward_layer, flat_states[:half]), (self.backward_layer, flat_states[half:])):
            nest_states = getattr(layer, "_nest_states", None)
            nested.extend(nest_states(part) if nest_states is not None else part)
        return nested

    def _nest_node_inputs(self, flat_inputs):
        """Nests a functional node's `[inputs, *states, *constants]` as tf.keras records it (states per cell)."""
        end = len(flat_inputs) - self._num_constants
        return [flat_inputs[0]] + self._nest_states(flat_inputs[1:end]) + list(flat_inputs[end:])

    def __call__(self, inputs, initial_state=None, constants=None, **kwargs):
        inputs, initial_state, constants = recurrent_structure._standardize_args(
            inputs, initial_state, constants, self._num_constants
        )
        if initial_state is None and constants is None:
            return super().__call__(inputs, **kwargs)
        if initial_state is not None and len(initial_state) % 2:
            raise ValueError(
                f"Bidirectional '{self.name}' expects `initial_state` to hold the states of the forward layer "
                f"then those of the backward layer (an even count). Received {len(initial_state)} states."
            )
        extra = (initial_state or []) + (constants or [])
        symbolic = [keras_tensor.any_symbolic(t) for t in extra]
        if any(symbolic) and not all(symbolic):
            raise ValueError(
                f"The initial state of Bidirectional '{self.name}' cannot mix symbolic tensors (from Input() or "
                "layers) with concrete tensors."
            )
        if all(symbolic):
            if constants is not None:
                self._num_constants = len(constants)
                self.forward_layer._num_constants = self._num_constants
                self.backward_layer._num_constants = self._num_constants
            return super().__call__([inputs] + extra, **kwargs)
        if initial_state is not None:
            kwargs["initial_state"] = initial_state
        if constants is not None:
            kwargs["constants"] = constants
        return super().__call__(inputs, **kwargs)

    def call(self, inputs, training=None, mask=None, initial_state=None, constants=None):
        if isinstance(inputs, (list, tuple)):
            items = list(inputs)
            if self._num_constants:
                constants = items[-self._num_constants :]
                items = items[: -self._num_constants]
            if len(items) > 1:
                initial_state = items[1:]
            inputs = items[0]
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = list(initial_state[:half]), list(initial_state[half:])
        kwargs = {"training": training}
        if mask is not None:
            kwargs["mask"] = mask
        if constants is not None:
            kwargs["constants"] = constants
        y = self.forward_layer(inputs, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(inputs, initial_state=backward_state, **kwargs)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = y_rev.flip(0 if getattr(self.forward_layer, "time_major", False) else 1)
        if self.merge_mode == "concat":
            output = torch.cat([y, y_rev], dim=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = [y, y_rev]
        if self.return_state:
            return (output if isinstance(output, list) else [output]) + states
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if self.return_sequences:
            output_mask = [mask, mask] if self.merge_mode is None else mask
        else:
            output_mask = [None, None] if self.merge_mode is None else None
        if self.return_state:
            state_masks = nest.map_structure(lambda _: None, list(self.forward_layer.states))
            state_masks += nest.map_structure(lambda _: None, list(self.backward_layer.states))
            if isinstance(output_mask, list):
                return output_mask + state_masks
            return [output_mask] + state_masks
        return output_mask

    def reset_states(self, states=None):
        """Resets the states of both directions (`states`: forward states then backward states)."""
        if not self.stateful:
            if states is not None:
                raise AttributeError(f"Bidirectional '{self.name}' must be stateful to set its states.")
            return
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
            return
        if not isinstance(states, (list, tuple)):
            raise ValueError(
                f"Bidirectional '{self.name}' expects `states` to be a list or tuple. Received: {states!r}"
            )
        half = len(states) // 2
        self.forward_layer.reset_states(list(states[:half]))
        self.backward_layer.reset_states(list(states[half:]))

    def get_config(self):
        config = super().get_config()
        config["merge_mode"] = self.merge_mode
        if self._num_constants:
            config["num_constants"] = self._num_constants
        if self._backward_layer_config is not None:
            config["backward_layer"] = self._backward_layer_config
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kerastorch.saving import serialization

        config = dict(config)
        num_constants = config.pop("num_constants", 0)
        layer = serialization.deserialize_layer(config.pop("layer"), custom_objects=custom_objects)
        backward_config = config.pop("backward_layer", None)
        if backward_config is not None:
            config["backward_layer"] = serialization.deserialize_layer(backward_config, custom_objects=custom_objects)
        wrapper = cls(layer, **config)
        wrapper._num_constants = num_constants
        return wrapper
