"""Shape probes: output shapes, dtypes and masks of a layer call on symbolic inputs, run on meta tensors."""

import torch

from kerastorch import backend
from kerastorch.engine import keras_tensor
from kerastorch.engine import layer as layer_module
from kerastorch.engine import nest


def _symbolic_shapes(inputs):
    if isinstance(inputs, (list, tuple)):
        return [t.shape for t in inputs]
    return inputs.shape


def symbolic_output_masks(layer, inputs, count, input_masks=None):
    """The masks (KerasTensors or None) of the `count` outputs of `layer` on symbolic `inputs`.

    The same rule as the graph's run (`Graph.run`): a layer that computes masks gets the input
    masks (or None); another passes the input mask on when it supports masking. The mask's shape
    comes from running `compute_mask` on meta tensors, as tf.keras 2 gives `_keras_mask` to the
    KerasTensors of mask-producing layers.

    Args:
        layer: the layer called.
        inputs: its symbolic input (one KerasTensor or a list).
        count: the number of output tensors of the call (flat).
        input_masks: the input masks, by default the inputs' `_keras_mask`.
    """
    input_is_list = isinstance(inputs, (list, tuple))
    if input_masks is None:
        input_masks = [t._keras_mask for t in inputs] if input_is_list else inputs._keras_mask
    has_mask = any(m is not None for m in input_masks) if input_is_list else input_masks is not None
    makes_mask = type(layer).compute_mask is not layer_module.Layer.compute_mask
    if not has_mask and not makes_mask:
        return [None] * count
    if makes_mask:
        out_mask = _probe_mask(layer, inputs, input_masks if has_mask else None)
    else:
        out_mask = input_masks if layer.supports_masking else None
    if count == 1:
        return [out_mask[0] if isinstance(out_mask, (list, tuple)) else out_mask]
    if isinstance(out_mask, (list, tuple)):
        return (nest.flatten(list(out_mask)) + [None] * count)[:count]
    return [out_mask] * count


def _probe_mask(layer, inputs, masks):
    """`layer.compute_mask` run on fake tensors of the symbolic shapes, its results as KerasTensors."""
    results = []
    for fill in (2, 3):
        fake = _fake_kwargs({"inputs": inputs, "masks": masks}, fill)
        try:
            results.append(_run_compute_mask(layer, fake["inputs"], fake["masks"]))
        except (RuntimeError, NotImplementedError, TypeError, ValueError, IndexError):
            return None
    if any(isinstance(result, keras_tensor.KerasTensor) for result in results):
        return results[0] if all(result is results[0] for result in results) else None

    def to_symbolic(first, second):
        if not isinstance(first, torch.Tensor) or not isinstance(second, torch.Tensor):
            return first if isinstance(first, keras_tensor.KerasTensor) else None
        shape = tuple(a if a == b else None for a, b in zip(first.shape, second.shape))
        return keras_tensor.KerasTensor(shape, backend.dtype_name(first.dtype), name=f"{layer.name}/mask")

    first, second = results
    if isinstance(first, (list, tuple)):
        return [to_symbolic(a, b) for a, b in zip(nest.flatten(list(first)), nest.flatten(list(second)))]
    return to_symbolic(first, second)


def _run_compute_mask(layer, inputs, masks):
    """compute_mask on meta tensors; on CPU zeros when an op has no meta kernel."""
    with torch.no_grad():
        try:
            return layer.compute_mask(inputs, masks)
        except (NotImplementedError, RuntimeError):
            real = _real_kwargs({"inputs": inputs, "masks": masks}, torch.device("cpu"))
            return layer.compute_mask(real["inputs"], real["masks"])


def _dtype_of_inputs(inputs):
    flat = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    return flat[0].dtype if flat else backend.floatx()


def infer_output(layer, inputs, kwargs):
    """(output shape(s), list of dtype names) of `layer` on symbolic `inputs`."""
    shapes = _symbolic_shapes(inputs)
    own = getattr(layer, "_infer_symbolic_output", None)
    if own is not None:
        return own(inputs, kwargs)
    # compute_output_shape(input_shape) sees neither symbolic keyword tensors nor call options such as
    # `return_attention_scores=True`: such calls are probed.
    call_options = any(key not in ("training", "mask") for key in kwargs)
    if type(layer).compute_output_shape is layer_module.Layer.compute_output_shape or call_options:
        return probe(layer, shapes, _input_dtypes(inputs), kwargs)
    output_shape = layer.compute_output_shape(shapes)
    output_shape = _normalize_shape_result(output_shape)
    count = len(output_shape) if isinstance(output_shape, list) else 1
    has_weights = bool(layer._weight_specs) or bool(layer._sublayers())
    dtype = layer.dtype if has_weights or not _dtype_of_inputs(inputs).startswith("int") else _dtype_of_inputs(inputs)
    return output_shape, [dtype] * count


def _normalize_shape_result(shape):
    if nest.is_nested_list(shape) and any(nest.is_nested_list(s) for s in shape):
        # Nested per-cell state shapes (`[(b, 2), [(b, 4), (b, 4)]]`): the node's tensors are flat.
        return [tuple(s) for s in _flat_shapes(shape)]
    if isinstance(shape, list) and shape and isinstance(shape[0], (tuple, list)):
        return [tuple(s) for s in shape]
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (tuple, list)):
        return [tuple(s) for s in shape]
    return tuple(shape)


def _flat_shapes(shape):
    if isinstance(shape, list) or (isinstance(shape, tuple) and shape and isinstance(shape[0], (tuple, list))):
        return [leaf for part in shape for leaf in _flat_shapes(part)]
    return [shape]


def _input_dtypes(inputs):
    flat = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    return [t.dtype for t in flat]


def _concrete(shape, fill):
    return tuple(fill if d is None else d for d in shape)


def probe_output_shape(layer, input_shape):
    """compute_output_shape by running `call` on meta tensors (unknown dims marked None)."""
    if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (tuple, list)):
        dtypes = [backend.floatx()] * len(input_shape)
    else:
        dtypes = [backend.floatx()]
    shape, _ = probe(layer, input_shape, dtypes, {})
    return shape


def probe(layer, input_shape, dtypes, kwargs):
    """Runs the layer on fake inputs twice with different sizes for unknown dims; differing dims are None."""
    multi = isinstance(input_shape, list) and (not input_shape or isinstance(input_shape[0], (tuple, list)))
    results = []
    for fill in (2, 3):
        shapes = input_shape if multi else [input_shape]
        tensors = []
        for shape, dtype in zip(shapes, dtypes):
            concrete = _concrete(shape, fill)
            torch_dtype = backend.standardize_dtype(dtype)
            tensors.append(torch.zeros(concrete, dtype=torch_dtype, device="meta"))
        args = tensors if multi else tensors[0]
        outputs = _run_fake(layer, args, _fake_kwargs(kwargs, fill))
        results.append(outputs)
    first, second = results
    flat_first = first if isinstance(first, (list, tuple)) else [first]
    flat_second = second if isinstance(second, (list, tuple)) else [second]
    shapes = []
    for a, b in zip(flat_first, flat_second):
        shapes.append(tuple(da if da == db else None for da, db in zip(a.shape, b.shape)))
    out_dtypes = [backend.dtype_name(t.dtype) for t in flat_first]
    if isinstance(first, (list, tuple)):
        return shapes, out_dtypes
    return shapes[0], out_dtypes


def _fake_kwargs(kwargs, fill):
    """Keyword arguments with each KerasTensor replaced by a meta tensor of its shape."""
    if not keras_tensor.any_symbolic(kwargs):
        return kwargs

    def fake(value):
        if isinstance(value, keras_tensor.KerasTensor):
            dtype = backend.standardize_dtype(value.dtype)
            return torch.zeros(_concrete(value.shape, fill), dtype=dtype, device="meta")
        return value

    return nest.map_structure(fake, kwargs)


def _real_kwargs(kwargs, device):
    """Meta tensors among keyword arguments as CPU zeros (the fallback of `_run_fake`)."""

    def real(value):
        if isinstance(value, torch.Tensor) and value.device.type == "meta":
            return torch.zeros(value.shape, dtype=value.dtype, device=device)
        return value

    return nest.map_structure(real, kwargs)


def _run_fake(layer, args, kwargs):
    """Calls layer.call with meta copies of its parameters and buffers (no real compute)."""
    params_and_buffers = {}
    for name, tensor in list(layer.named_parameters()) + list(layer.named_buffers()):
        params_and_buffers[name] = torch.empty_like(tensor, device="meta")
    was_training = layer.training
    layer.eval()
    try:
        with torch.no_grad():
            try:
                return torch.func.functional_call(layer, params_and_buffers, (args,), kwargs, strict=False)
            except (NotImplementedError, RuntimeError):
                pass
            # Some ops have no meta kernel: run for real on small CPU zeros instead.
            real_args = [torch.zeros(a.shape, dtype=a.dtype) for a in (args if isinstance(args, list) else [args])]
            device = layer._current_device() or torch.device("cpu")
            real_args = [a.to(device) for a in real_args]
            stateful_backup = _snapshot_states(layer)
            try:
                return layer(real_args if isinstance(args, list) else real_args[0], **_real_kwargs(kwargs, device))
            finally:
                _restore_states(layer, stateful_backup)
    finally:
        layer.train(was_training)


def _snapshot_states(layer):
    return {id(m): getattr(m, "states", None) for m in layer.modules() if hasattr(m, "states")}


def _restore_states(layer, snapshot):
    for module in layer.modules():
        if id(module) in snapshot:
            try:
                module.states = snapshot[id(module)]
            except AttributeError:
                pass
