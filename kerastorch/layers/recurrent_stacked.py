"""StackedRNNCells: a list of RNN cells run as one cell, each feeding the next.

As in tf.keras 2, the stack's states are nested per cell: `state_size` is a tuple of the cells'
state sizes, and `call` / `get_initial_state` return one entry per cell (a list for a cell with
several states, such as an LSTMCell's `[h, c]`; the state itself for a single-state cell).
"""

import torch

from kerastorch import backend
from kerastorch.engine import layer as layer_module
from kerastorch.engine import nest
from kerastorch.layers.recurrent_cell_base import _call_takes
from kerastorch.layers.recurrent_structure import _batch_dim
from kerastorch.layers.recurrent_structure import _flat_state_sizes
from kerastorch.layers.recurrent_structure import _is_multiple_state
from kerastorch.layers.recurrent_structure import _pack_states
from kerastorch.layers.recurrent_structure import _state_list


def _output_dim(cell):
    output_size = getattr(cell, "output_size", None)
    if output_size is not None:
        return output_size
    return _flat_state_sizes(cell.state_size)[0][0]


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

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Per-cell initial states: a tuple with one entry per cell, nested like that cell's `state_size`."""
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
                zeros = [
                    torch.zeros((_batch_dim(batch_size),) + shape, dtype=dtype_t, device=device)
                    for shape in _flat_state_sizes(cell.state_size)
                ]
                value = _pack_states(zeros, cell.state_size)
            states.append(value)
        return tuple(states)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        device = torch.empty(0).device
        for cell in self._all_cells:
            if isinstance(cell, layer_module.Layer) and not cell.built:
                cell._build_on(input_shape, device)
            input_shape = (input_shape[0], _output_dim(cell))
        self.built = True

    def call(self, inputs, states, constants=None, training=None):
        # tf.keras accepts the states flat or nested per cell, and returns them nested per cell.
        output, flat_states = self._call_flat(inputs, nest.flatten(states), constants, training)
        new_states = []
        position = 0
        for cell, count, _, _, _ in self._cell_plan():
            new_states.append(_pack_states(flat_states[position : position + count], cell.state_size))
            position += count
        return output, tuple(new_states)

    def _call_flat(self, inputs, states, constants=None, training=None):
        """One step on a flat list of states; returns (output, flat list of new states). `RNN` runs this."""
        new_states = []
        position = 0
        for cell, count, nested, takes_training, takes_constants in self._cell_plan():
            cell_states = states[position : position + count]
            position += count
            if nested:
                cell_states = _state_list(cell_states, cell.state_size)
            kwargs = {}
            if takes_training:
                kwargs["training"] = training
            if constants is not None and takes_constants:
                kwargs["constants"] = constants
            inputs, cell_new = cell.call(inputs, cell_states, **kwargs)
            if nested or not isinstance(cell_new, (list, tuple)):
                cell_new = nest.flatten(cell_new)
            new_states.extend(cell_new)
        return inputs, new_states

    def _cell_plan(self):
        """Per cell, computed once (this runs every timestep): (cell, state count, whether its
        `state_size` nests, whether its `call` takes `training`, and `constants`)."""
        plan = self.__dict__.get("_cell_plan_cache")
        if plan is None:
            plan = []
            for cell in self._all_cells:
                size = cell.state_size
                nested = _is_multiple_state(size) and any(_is_multiple_state(each) for each in size)
                takes = (_call_takes(cell.call, "training"), _call_takes(cell.call, "constants"))
                plan.append((cell, len(_flat_state_sizes(size)), nested) + takes)
            self.__dict__["_cell_plan_cache"] = plan
        return plan

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
