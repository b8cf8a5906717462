"""Export: a model's inference forward as a torch.export program, a TorchScript trace, or an ONNX file.

Every export runs the model in inference mode (`training=False`: dropout off, BatchNormalization
on its moving statistics) and takes example inputs in the model's own layout (channels last for
images). The batch dimension stays dynamic unless `dynamic_batch=False`.

Example:
    >>> program = kerastorch.export.export(model, x[:4], path="model.pt2")
    >>> program.module()(torch.as_tensor(x[:10]))        # any batch size
    >>> loaded = torch.export.load("model.pt2")
"""

import contextlib
import warnings

import numpy as np
import torch

__all__ = ["export", "trace", "to_onnx"]


class _Inference(torch.nn.Module):
    """The model's call with `training=False`, taking its inputs as positional tensors."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, *inputs):
        return self.model(inputs[0] if len(inputs) == 1 else list(inputs), training=False)


def _example_tuple(model, example_inputs):
    """Example inputs as a tuple of tensors on the model's device (floats in the model's dtype)."""
    if isinstance(example_inputs, dict):
        names = getattr(model, "input_names", None) or list(example_inputs)
        example_inputs = [example_inputs[name] for name in names]
    items = list(example_inputs) if isinstance(example_inputs, (list, tuple)) else [example_inputs]
    if not items:
        raise ValueError("export needs at least one example input. Received: example_inputs=[]")
    device, dtype = None, None
    for param in model.parameters():
        device = param.device
        if param.is_floating_point():
            dtype = param.dtype
            break
    tensors = []
    for item in items:
        tensor = item if isinstance(item, torch.Tensor) else torch.as_tensor(np.asarray(item))
        if tensor.dtype == torch.float64 or (tensor.is_floating_point() and dtype is not None):
            tensor = tensor.to(dtype or torch.float32)
        if device is not None:
            tensor = tensor.to(device)
        if tensor.dim() == 0:
            raise ValueError(f"export expects batched example inputs; received a scalar: {item!r}")
        tensors.append(tensor)
    return tuple(tensors)


@contextlib.contextmanager
def _inference_state(model):
    """Eval mode while tracing; per-call attributes the trace writes (checked shapes, activity
    losses) are put back afterwards so the model keeps working eagerly."""
    layers = [m for m in model.modules() if hasattr(m, "_checked_spec")]
    keys = ("_checked_spec", "_activity_losses", "_call_losses")
    saved = [(layer, {key: layer.__dict__.get(key) for key in keys}) for layer in layers]
    for layer, _ in saved:
        layer.__dict__["_checked_spec"] = None  # a cached eager shape would pin the batch size
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)
        for layer, values in saved:
            for key, value in values.items():
                if key in layer.__dict__:
                    layer.__dict__[key] = value


def _ensure_built(model, inputs):
    if not model.built:
        with torch.no_grad(), _inference_state(model):
            model(inputs[0] if len(inputs) == 1 else list(inputs), training=False)


def export(model, example_inputs, path=None, dynamic_batch=True, strict=False):
    """Exports the model's inference forward with `torch.export`, the batch dimension dynamic.

    Args:
        model: a kerastorch model or layer (built, or buildable from the example inputs).
        example_inputs: an array/tensor, or a list (dict by input name) for several inputs, with
            a batch of at least 2 samples (torch.export treats a batch of 1 as a constant).
        path: optional file to write with `torch.export.save` (load it with `torch.export.load`).
        dynamic_batch: keep the first dimension of every input dynamic (default True).
        strict: torch.export's strict mode (default False: the model's Python runs as is).

    Returns:
        The `torch.export.ExportedProgram`; `program.module()(x)` runs it.
    """
    inputs = _example_tuple(model, example_inputs)
    if dynamic_batch and any(int(t.shape[0]) < 2 for t in inputs):
        raise ValueError(
            "export with dynamic_batch=True needs example inputs with a batch of at least 2 samples "
            f"(torch.export specializes a batch of 1). Received batch sizes {[int(t.shape[0]) for t in inputs]}."
        )
    _ensure_built(model, inputs)
    dynamic_shapes = None
    if dynamic_batch:
        batch = torch.export.Dim("batch")
        # forward(*inputs): one variadic argument, the tuple of inputs.
        dynamic_shapes = (tuple({0: batch} for _ in inputs),)
    with _inference_state(model):
        program = torch.export.export(_Inference(model), inputs, dynamic_shapes=dynamic_shapes, strict=strict)
    if path is not None:
        torch.export.save(program, path)
    return program


def trace(model, example_inputs, path=None):
    """A TorchScript trace (`torch.jit.trace`) of the model's inference forward.

    Shapes are recorded as operations on the input sizes, so the trace runs on other batch
    sizes; Python control flow that depends on values is frozen at the example's path.

    Args:
        model: a kerastorch model or layer.
        example_inputs: an array/tensor, or a list of them for several inputs.
        path: optional file to write with `torch.jit.save` (load it with `torch.jit.load`).

    Returns:
        The traced `torch.jit.ScriptModule`.
    """
    inputs = _example_tuple(model, example_inputs)
    _ensure_built(model, inputs)
    with _inference_state(model), torch.no_grad(), warnings.catch_warnings():
        # The layers' shape checks compare static sizes in Python; the trace keeps those
        # comparisons as constants, which is what they are for any batch size.
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        traced = torch.jit.trace(_Inference(model), inputs, check_trace=False)
    if path is not None:
        torch.jit.save(traced, path)
    return traced


def to_onnx(model, path, example_inputs, dynamic_batch=True, opset_version=None):
    """Writes the model's inference forward to an ONNX file (needs the `onnx` package).

    Args:
        model: a kerastorch model or layer.
        path: the `.onnx` file to write.
        example_inputs: an array/tensor, or a list of them for several inputs.
        dynamic_batch: keep the batch dimension dynamic (default True).
        opset_version: ONNX opset (torch's default when None).

    Returns:
        `path`.
    """
    try:
        import onnx  # noqa: F401
    except ImportError:
        raise ImportError(
            "kerastorch.export.to_onnx needs the `onnx` package (and `onnxscript` for torch's exporter): "
            "`pip install onnx onnxscript`."
        ) from None
    inputs = _example_tuple(model, example_inputs)
    _ensure_built(model, inputs)
    names = [f"input_{index + 1}" for index in range(len(inputs))]
    options = {"input_names": names, "output_names": ["output"]}
    if opset_version is not None:
        options["opset_version"] = opset_version
    if dynamic_batch:
        options["dynamic_axes"] = {name: {0: "batch"} for name in names + ["output"]}
    with _inference_state(model), torch.no_grad():
        torch.onnx.export(_Inference(model), inputs, path, **options)
    return path
