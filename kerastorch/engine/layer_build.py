"""Lazy build: layers built on their first input (converted to tensors) for its shapes and device; models on samples."""

import functools

import torch

from kerastorch.engine import input_spec
from kerastorch.engine import layer_weights
from kerastorch.engine import nest


def marking_built(build):
    """Wraps a subclass's build() so that calling it directly also marks the layer built (as Keras)."""

    @functools.wraps(build)
    def wrapper(self, input_shape, *args, **kwargs):
        with layer_weights.building(self):
            result = build(self, input_shape, *args, **kwargs)
        self.built = True
        if self._build_input_shape is None:
            self._build_input_shape = input_shape
        return result

    wrapper._marks_built = True
    return wrapper


def convert_inputs(layer, inputs):
    """NumPy / list inputs as tensors of the layer's float dtype, on the device of its weights.

    Floating tensors in a list or nested structure take the layer's dtype too (tf.keras 2
    autocasts the first argument's floating tensors: `Add(dtype='float64')` on float32 inputs
    gives float64, Concatenate of float32 and float64 gives float32).
    """
    dtype = layer._torch_dtype if layer._torch_dtype.is_floating_point else None
    device = layer._current_device()
    autocast = dtype is not None and layer._autocast_inputs

    def convert(value):
        if value is None:
            return value
        if isinstance(value, torch.Tensor):
            if autocast and value.dtype != dtype and value.is_floating_point():
                return layer._cast_input(value)
            return value
        tensor = nest.to_tensor(value)
        if dtype is not None and tensor.is_floating_point():
            tensor = tensor.to(dtype)
        return tensor if device is None else tensor.to(device)

    return nest.map_structure(convert, inputs)


def maybe_build(layer, inputs):
    """Calls build() once, on the device of the first input, then applies initial weights."""
    shapes = nest.shape_of(inputs)
    if layer.input_spec is not None:
        input_spec._check_input_spec(layer, layer.input_spec, shapes if isinstance(shapes, list) else [shapes])
    device = None
    for tensor in nest.flatten(inputs):
        if isinstance(tensor, torch.Tensor):
            device = tensor.device
            break
    layer._build_on(shapes, device)


def build_on(layer, input_shape, device=None):
    """Builds `layer` for `input_shape` on `device` (default: its weights', else CPU); then sets initial weights."""
    if device is None or device.type == "meta":
        device = layer._current_device() or torch.device("cpu")
    with torch.device(device), layer_weights.building(layer):
        layer.build(input_shape)
    layer.built = True
    if layer._build_input_shape is None:
        layer._build_input_shape = input_shape
    if layer._initial_weights is not None:
        weights, layer._initial_weights = layer._initial_weights, None
        layer.set_weights(weights)


def build_from_samples(model, xs_cpu, device):
    """Builds every layer of a subclassed `model` by one forward pass on the first samples of `xs_cpu`.

    Args:
        model: the model.
        xs_cpu: the input arrays (CPU tensors), one per model input.
        device: the device the forward pass runs on.
    """
    sample = [x[: max(1, min(len(x), 2))].to(device) for x in xs_cpu]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            outputs = model(sample[0] if len(sample) == 1 else sample)
    finally:
        model.train(was_training)
    count = len(outputs) if isinstance(outputs, (list, tuple)) else 1
    model._subclass_output_names = [f"output_{i + 1}" for i in range(count)]
