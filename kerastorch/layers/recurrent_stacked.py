"""StackedRNNCells: a list of RNN cells run as one cell, each feeding the next."""

import torch

from kerastorch import backend
from kerastorch.engine import layer as layer_module
from kerastorch.layers.recurrent_cell_base import _call_takes
from kerastorch.layers.recurrent_structure import _batch_dim
from kerastorch.layers.recurrent_structure import _flat_state_sizes


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
