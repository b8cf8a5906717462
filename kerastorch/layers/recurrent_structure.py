"""RNN argument and state structures: splitting `[inputs, *initial_state, *constants]`, flattening `state_size`."""

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
