"""RNN argument and state structures: splitting `[inputs, *initial_state, *constants]`, flattening and nesting states.

RNN layers keep their states as a flat list of tensors inside; at the edges (`return_state`
outputs, `states`, `get_initial_state`) they nest them like the cell's `state_size`, as tf.keras 2
does: `StackedRNNCells([LSTMCell(3), GRUCell(2)])` has `state_size == ([3, 3], 2)`, and its
states come back as `[[h1, c1], h2]`.
"""

import torch


def _to_list_or_none(value):
    """Flat list of tensors, or None for None and empty lists."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        flat = []
        for item in value:
            flat.extend(_to_list_or_none(item) or [])
        return flat or None
    return [value]


def _standardize_args(inputs, initial_state, constants, num_constants):
    """Splits `[inputs, *initial_state, *constants]` lists into the three parts, as Keras does.

    Args:
        inputs: a tensor, or a list whose first element is the sequence input.
        initial_state: None, a tensor or a list of tensors.
        constants: None, a tensor or a list of tensors.
        num_constants: how many trailing list elements are constants.

    Returns:
        (inputs, initial_state list or None, constants list or None).
    """
    if isinstance(inputs, (list, tuple)):
        if initial_state is not None or constants is not None:
            raise ValueError(
                "When `inputs` is a list, pass the initial states and constants inside it, not also as "
                f"`initial_state`/`constants`. Received: initial_state={initial_state!r}, constants={constants!r}"
            )
        items = list(inputs)
        if num_constants:
            constants = items[-num_constants:]
            items = items[:-num_constants]
        if len(items) > 1:
            initial_state = items[1:]
        inputs = items[0]
    return inputs, _to_list_or_none(initial_state), _to_list_or_none(constants)


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


def _is_multiple_state(state_size):
    """Whether `state_size` describes several states (a list or tuple), not one (an int or a torch.Size)."""
    return isinstance(state_size, (list, tuple)) and not isinstance(state_size, torch.Size)


def _pack_states(flat_states, state_size):
    """Nests a flat list of states like `state_size`: a list per multi-state entry, the state itself for one.

    Args:
        flat_states: list of tensors (or placeholders), one per flattened state.
        state_size: a cell's `state_size` (int, torch.Size, or a possibly nested list of them).
    """
    packed, used = _pack_from(flat_states, 0, state_size)
    if used != len(flat_states):
        raise ValueError(
            f"A cell with state_size={state_size!r} has {used} states. Received {len(flat_states)} states."
        )
    return packed


def _pack_from(flat_states, start, state_size):
    """(`flat_states[start:]` nested like `state_size`, index after the last state used)."""
    if _is_multiple_state(state_size):
        items = []
        for size in state_size:
            item, start = _pack_from(flat_states, start, size)
            items.append(item)
        return items, start
    # Past the end, keep counting: _pack_states reports the mismatch.
    return (flat_states[start] if start < len(flat_states) else None), start + 1


def _state_list(flat_states, state_size):
    """The states as `RNN` hands them out (`return_state`, `states`): `_pack_states` as a list, `[state]` for one."""
    packed = _pack_states(flat_states, state_size)
    return packed if _is_multiple_state(state_size) else [packed]
