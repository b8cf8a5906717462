"""TorchModuleWrapper: any torch.nn.Module used as a Keras layer, its parameters tracked as Keras weights."""

import base64
import io

import torch

from kerastorch.engine import layer_weights
from kerastorch.engine.layer import Layer

__all__ = ["TorchModuleWrapper"]


class _WrappedParameters(dict):
    """The wrapper's `_parameters`: torch sees only real entries (so `state_dict()` keeps one key per
    weight, `module.<path>`), while the Keras weight machinery looks weights up by their path."""

    def __init__(self, owner):
        super().__init__()
        self.owner = owner

    def __missing__(self, key):
        owner = self.owner
        try:
            return owner.get_parameter(key)
        except AttributeError:
            return owner.get_buffer(key)


def _has_lazy_parameters(module):
    return any(isinstance(p, torch.nn.parameter.UninitializedParameter) for p in module.parameters()) or any(
        isinstance(b, torch.nn.parameter.UninitializedBuffer) for b in module.buffers()
    )


def _dry_input(shape, dtype, device):
    if isinstance(shape, list):
        return [_dry_input(s, dtype, device) for s in shape]
    sizes = [2 if dim is None else int(dim) for dim in shape]
    return torch.zeros(sizes, dtype=dtype, device=device)


class TorchModuleWrapper(Layer):
    """Uses a `torch.nn.Module` as a Keras layer.

    The module's parameters become the layer's weights: trainable ones (those with
    `requires_grad`) in `trainable_weights`, the others and the module's floating-point
    persistent buffers (BatchNorm running statistics) in `non_trainable_weights`, all in the
    module's own layout and order. So `fit` trains them, and `get_weights`/`set_weights`, HDF5
    saving and `state_dict()` (keys `<layer name>.module.<torch name>`) include them. Lazy modules
    (`torch.nn.LazyLinear`, ...) are materialized on the first call. The module runs in training
    mode during `fit` and in eval mode otherwise, as the model's other layers; a list input is
    passed as positional arguments.

    Args:
        module: the `torch.nn.Module` to wrap.
        name: layer name.
        **kwargs: base Layer arguments (`trainable`, `input_shape`, ...).

    Input shape:
        Whatever the module accepts.

    Output shape:
        Whatever the module returns.

    Example:
        >>> layer = TorchModuleWrapper(torch.nn.LazyLinear(4))
        >>> model = Sequential([Input((3,)), layer, Dense(1)])
    """

    def __init__(self, module, name=None, **kwargs):
        if not isinstance(module, torch.nn.Module):
            raise TypeError(
                f"TorchModuleWrapper expects `module` to be a torch.nn.Module. Received: module={module!r} "
                f"of type {type(module).__name__}"
            )
        if isinstance(module, Layer):
            raise TypeError(
                f"TorchModuleWrapper wraps plain torch modules; {type(module).__name__} '{module.name}' is already "
                "a Keras layer: use it directly."
            )
        super().__init__(name=name, **kwargs)
        self.__dict__["_parameters"] = _WrappedParameters(self)
        self.module = module
        self.module.train(False)
        if not _has_lazy_parameters(module):
            self._track_module()

    def _track_module(self):
        """Registers every parameter (and floating persistent buffer) of the module as a Keras weight."""
        if self._weight_specs:
            return
        persistent_buffers = set()
        for prefix, sub in self.module.named_modules():
            for buffer_name, buffer in sub._buffers.items():
                if buffer is not None and buffer_name not in sub._non_persistent_buffers_set:
                    persistent_buffers.add(f"{prefix}.{buffer_name}" if prefix else buffer_name)
        entries = [(name, param, param.requires_grad) for name, param in self.module.named_parameters()]
        entries += [
            (name, buffer, False)
            for name, buffer in self.module.named_buffers()
            if name in persistent_buffers and buffer.is_floating_point()
        ]
        for name, tensor, trainable in entries:
            self._weight_specs.append(
                layer_weights._WeightSpec("module." + name, name, bool(trainable), None, None, None, tuple(tensor.shape))
            )
        if not self._trainable:
            self._sync_requires_grad()
        layer_weights._STRUCTURE_VERSION[0] += 1

    def build(self, input_shape):
        device = torch.get_default_device() if hasattr(torch, "get_default_device") else None
        if device is not None:
            self.module.to(device)
        if _has_lazy_parameters(self.module):
            # One forward pass in eval mode materializes the lazy parameters (no statistics updated).
            was_training = self.module.training
            self.module.train(False)
            try:
                with torch.no_grad():
                    sample = _dry_input(input_shape, self._torch_dtype, device)
                    self.module(*sample) if isinstance(sample, list) else self.module(sample)
            finally:
                self.module.train(was_training)
        self._track_module()

    def call(self, inputs, training=None):
        mode = self.training if training is None else bool(training)
        if self.module.training != mode:
            self.module.train(mode)
        if isinstance(inputs, (list, tuple)):
            return self.module(*inputs)
        return self.module(inputs)

    def _sync_requires_grad(self):
        for spec in self._weight_specs:
            tensor = self._parameters[spec.attr]
            if isinstance(tensor, torch.nn.Parameter):
                tensor.requires_grad_(bool(spec.trainable and self._trainable))

    def compute_output_shape(self, input_shape):
        if not self.built or _has_lazy_parameters(self.module):
            raise ValueError(
                f"TorchModuleWrapper '{self.name}' cannot infer its output shape before it is built; "
                "call it on data (or build it) first."
            )
        return super().compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        buffer = io.BytesIO()
        torch.save(self.module, buffer)
        config["module"] = base64.b64encode(buffer.getvalue()).decode("ascii")
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        module = config.pop("module")
        if isinstance(module, str):
            from kerastorch.layers import core_lambda

            if core_lambda._safe_mode_enabled(None):
                raise ValueError(
                    "Requested the deserialization of a TorchModuleWrapper, whose torch module is stored as a "
                    "pickle. Loading a pickle can execute arbitrary code, so it is disallowed by default. If "
                    "you trust the source of the file, pass `safe_mode=False` to the loading function."
                )
            module = torch.load(io.BytesIO(base64.b64decode(module)), weights_only=False)
        return cls(module, **config)

    def extra_repr(self):
        return f"name={self.name!r}"
