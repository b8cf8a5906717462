"""Backend control flow: function, switch, in_train_phase/in_test_phase, map_fn/foldl/foldr and rnn."""

import numpy as np
import torch

from kerastorch.backend._config import get_device
from kerastorch.backend._config import learning_phase
from kerastorch.backend._config import standardize_dtype
from kerastorch.backend._tensors import _as_tensor
from kerastorch.backend._tensors import _like
from kerastorch.backend._tensors import get_value
from kerastorch.backend._tensors import is_keras_tensor


def function(inputs, outputs, updates=None, name=None, **kwargs):
    """Returns `f(values) -> numpy outputs` that runs the graph from `inputs` to `outputs`.

    As in eager tf.keras, a functional Model is built from the symbolic tensors. The old
    `K.function([model.input, K.learning_phase()], ...)` form works: the fed value of the
    learning-phase slot selects training (1) or inference (0) behaviour.

    Args:
        inputs: list of symbolic input tensors (plus, optionally, `K.learning_phase()`).
        outputs: a symbolic tensor or a list of them.
        updates: not supported (must be empty); weights change only through training.
        name: ignored.
    """
    if updates:
        raise ValueError("K.function does not run `updates`; update variables with K.update / K.set_value instead.")
    from kerastorch.engine import model as model_module

    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    phase_slots = []
    graph_inputs = []
    for index, value in enumerate(inputs):
        if is_keras_tensor(value):
            graph_inputs.append(value)
        elif isinstance(value, (int, np.integer)) or (isinstance(value, torch.Tensor) and value.ndim == 0):
            phase_slots.append(index)
        else:
            raise TypeError(
                "K.function expects symbolic input tensors (and optionally K.learning_phase()). "
                f"Received input {index}: {type(value).__name__}"
            )
    return_list = isinstance(outputs, (list, tuple))
    model = model_module.Model(inputs=graph_inputs, outputs=list(outputs) if return_list else outputs)
    differentiates = any(type(layer).__name__ == "Gradients" for layer in model._graph.layers)

    def run(values):
        values = list(values) if isinstance(values, (list, tuple)) else [values]
        if len(values) != len(inputs):
            raise ValueError(f"This function expects {len(inputs)} input values. Received: {len(values)}")
        training = learning_phase()
        feeds = []
        for index, value in enumerate(values):
            if index in phase_slots:
                training = int(np.asarray(get_value(value)))
            else:
                feeds.append(value)
        if differentiates:
            # Symbolic gradients (K.gradients) are taken through this very run, as tf.gradients in a graph.
            feeds = [_differentiable_feed(value, tensor) for value, tensor in zip(feeds, graph_inputs)]
            with torch.enable_grad():
                result = model(feeds if len(feeds) > 1 else feeds[0], training=bool(training))
        else:
            with torch.no_grad():
                result = model(feeds if len(feeds) > 1 else feeds[0], training=bool(training))
        if isinstance(result, (list, tuple)):
            return [get_value(r) for r in result]
        return [get_value(result)] if return_list else get_value(result)

    return run


def _differentiable_feed(value, symbolic):
    """`value` as a tensor of the symbolic input's dtype on the device, requiring gradients when floating."""
    tensor = value if isinstance(value, torch.Tensor) else torch.as_tensor(np.asarray(value))
    dtype = standardize_dtype(symbolic.dtype)
    tensor = tensor.to(device=get_device(), dtype=dtype if tensor.is_floating_point() else tensor.dtype)
    if tensor.is_floating_point():
        tensor = tensor.detach().requires_grad_(True)
    return tensor


# Control flow --------------------------------------------------------------------------------------
def switch(condition, then_expression, else_expression):
    """Selects `then_expression` where `condition` holds, else `else_expression`.

    Args:
        condition: scalar (Python bool, int or 0-dim tensor) or a tensor whose rank is at most the
            expressions' rank (broadcast over their trailing axes).
        then_expression, else_expression: tensors or callables returning tensors.
    """
    if not isinstance(condition, torch.Tensor) or condition.ndim == 0:
        chosen = then_expression if bool(condition) else else_expression
        return chosen() if callable(chosen) else chosen
    if callable(then_expression):
        then_expression = then_expression()
    if callable(else_expression):
        else_expression = else_expression()
    then_expression = _as_tensor(then_expression)
    else_expression = _like(else_expression, then_expression)
    condition = condition.bool()
    expr_ndim = then_expression.ndim
    if condition.ndim > expr_ndim:
        raise ValueError(
            "switch: the rank of `condition` must not exceed the rank of the expressions. "
            f"Received: ndim(condition)={condition.ndim}, ndim(then_expression)={expr_ndim}"
        )
    condition = condition.reshape(tuple(condition.shape) + (1,) * (expr_ndim - condition.ndim))
    return torch.where(condition, then_expression, else_expression)


def in_train_phase(x, alt, training=None):
    """`x` in the training phase, `alt` otherwise.

    Args:
        x, alt: tensors or callables returning tensors.
        training: Python bool/int or tensor; default `learning_phase()`.
    """
    if training is None:
        training = learning_phase()
    if isinstance(training, torch.Tensor) and training.ndim > 0:
        return switch(training, x, alt)
    chosen = x if bool(training) else alt
    return chosen() if callable(chosen) else chosen


def in_test_phase(x, alt, training=None):
    """`x` in the test phase, `alt` in the training phase."""
    return in_train_phase(alt, x, training=training)


def map_fn(fn, elems, name=None, dtype=None):
    """Applies `fn` to each slice of `elems` along axis 0 and stacks the results."""
    return torch.stack([fn(element) for element in _as_tensor(elems)])


def foldl(fn, elems, initializer=None, name=None):
    """Reduces `elems` along axis 0 from the left with `fn(accumulator, element)`."""
    elems = _as_tensor(elems)
    accumulator, start = (elems[0], 1) if initializer is None else (initializer, 0)
    for index in range(start, elems.shape[0]):
        accumulator = fn(accumulator, elems[index])
    return accumulator


def foldr(fn, elems, initializer=None, name=None):
    """Reduces `elems` along axis 0 from the right with `fn(accumulator, element)`."""
    return foldl(fn, torch.flip(_as_tensor(elems), dims=(0,)), initializer=initializer)


def rnn(
    step_function,
    inputs,
    initial_states,
    go_backwards=False,
    mask=None,
    constants=None,
    unroll=False,
    input_length=None,
    time_major=False,
    zero_output_for_mask=False,
    return_all_outputs=True,
):
    """Iterates `step_function` over the time axis (tf.keras 2 semantics, masking included).

    Args:
        step_function: `fn(inputs_t, states + constants) -> (output_t, new_states)`.
        inputs: tensor `(samples, time, ...)` (or `(time, samples, ...)` with `time_major`), or a
            list of such tensors.
        initial_states: list of tensors `(samples, ...)`.
        go_backwards: iterate from the last timestep; outputs are in iteration order.
        mask: optional `(samples, time)` or `(samples, time, 1)` tensor, zero for masked steps:
            masked steps keep the previous states and repeat the previous output (or give zeros
            with `zero_output_for_mask=True`).
        constants: list of tensors passed to every step.
        unroll, input_length: accepted for compatibility (the loop always runs eagerly);
            `input_length` must be an int or None.
        time_major: whether the time axis comes first.
        zero_output_for_mask: zeros instead of the previous output at masked steps.
        return_all_outputs: if False, `outputs` holds only the last output.

    Returns:
        `(last_output, outputs, new_states)`.
    """
    if input_length is not None and not isinstance(input_length, (int, np.integer)):
        raise TypeError(
            "rnn: `input_length` must be an int or None; pass a `mask` for variable lengths. "
            f"Received: {type(input_length).__name__}"
        )
    nested = isinstance(inputs, (list, tuple))
    flat_inputs = [_as_tensor(t) for t in (inputs if nested else [inputs])]
    for tensor in flat_inputs:
        if tensor.ndim < 3:
            raise ValueError(f"rnn: inputs must be at least 3D. Received: shape={tuple(tensor.shape)}")
    time_axis = 0 if time_major else 1
    timesteps = flat_inputs[0].shape[time_axis]
    if mask is not None:
        mask = _as_tensor(mask).bool()
        if mask.ndim == 3:
            mask = mask[..., 0]
        if time_major:
            mask = mask.transpose(0, 1)  # -> (samples, time)
    states = list(initial_states)
    constants = list(constants or [])
    steps = range(timesteps - 1, -1, -1) if go_backwards else range(timesteps)
    outputs = []
    previous_output = None
    for step in steps:
        step_inputs = [t.select(time_axis, step) for t in flat_inputs]
        output, new_states = step_function(step_inputs if nested else step_inputs[0], states + constants)
        new_states = list(new_states) if isinstance(new_states, (list, tuple)) else [new_states]
        if mask is not None:
            mask_t = mask[:, step]
            if previous_output is None or zero_output_for_mask:
                fill = torch.zeros_like(output)
            else:
                fill = previous_output
            output = torch.where(_broadcast_mask(mask_t, output), output, fill)
            new_states = [torch.where(_broadcast_mask(mask_t, new), new, old) for new, old in zip(new_states, states)]
        previous_output = output
        states = new_states
        if return_all_outputs or step == steps[-1]:
            outputs.append(output)
    stacked = torch.stack(outputs, dim=time_axis)
    return outputs[-1], stacked, states


def _broadcast_mask(mask_t, tensor):
    return mask_t.reshape(tuple(mask_t.shape) + (1,) * (tensor.ndim - mask_t.ndim))
