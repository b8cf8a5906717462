"""Sequential: a linear stack of layers, built at once or on its first input (delayed build)."""

import numpy as np
import torch

from kerastorch import backend
from kerastorch.engine import keras_tensor as kt
from kerastorch.engine import layer as layer_module
from kerastorch.engine import model as model_module


class Sequential(model_module.Model):
    """A linear stack of layers.

    Args:
        layers: list of layers to add.
        name: model name.

    Example:
        model = Sequential([Dense(32, input_shape=(784,), activation="relu"), Dense(10, activation="softmax")])
    """

    def __init__(self, layers=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._stack = []
        object.__setattr__(self, "_input_layer", None)
        self._input_layer_given = False
        # (input tensors, output tensor) of a first layer that is already connected to its own
        # inputs: the Keras 1 `Merge` of models (see `_connected_start`).
        self._start = None
        if layers is not None:
            if not isinstance(layers, (list, tuple)):
                layers = [layers]
            for layer in layers:
                self.add(layer)

    def __setattr__(self, name, value):
        # The InputLayer holds no weights: keep it out of the torch module tree.
        if name == "_input_layer":
            object.__setattr__(self, name, value)
            return
        super().__setattr__(name, value)

    @classmethod
    def _default_name(cls):
        return "sequential" if cls is Sequential else backend.to_snake_case(cls.__name__)

    @property
    def layers(self):
        return list(self._stack)

    def add(self, layer):
        """Adds a layer on top of the stack."""
        if isinstance(layer, kt.KerasTensor):
            origin = layer._keras_history[0] if layer._keras_history else None
            if isinstance(origin, kt.InputLayer):
                layer = origin
            else:
                raise TypeError(
                    f"The added layer must be an instance of class Layer. Received a symbolic tensor {layer!r}."
                )
        if not isinstance(layer, layer_module.Layer):
            raise TypeError(
                f"The added layer must be an instance of class Layer. Received: layer={layer!r} of type {type(layer)}."
            )
        names = [existing.name for existing in self._stack]
        if layer.name in names:
            raise ValueError(
                f"All layers added to a Sequential model should have unique names. Name '{layer.name}' is already "
                "the name of a layer in this model. Update the `name` argument to pass a unique name."
            )
        if isinstance(layer, kt.InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError("An InputLayer can only be the first layer of a Sequential model.")
            self._input_layer = layer
            self._input_layer_given = True
            self._rebuild_graph()
            return
        self._stack.append(layer)
        self._track_layer(layer)
        if self._input_layer is None and len(self._stack) == 1:
            self._start = _connected_start(layer)
            batch_shape = None if self._start is not None else _first_layer_input_shape(layer)
            if batch_shape is not None:
                dtype = layer._dtype_arg or backend.floatx()
                if isinstance(dtype, torch.dtype):
                    dtype = backend.dtype_name(dtype)
                self._input_layer = kt.InputLayer(
                    batch_input_shape=batch_shape, dtype=_input_dtype_for(layer, dtype), name=f"{layer.name}_input"
                )
        if self._input_layer is not None or self._start is not None:
            self._rebuild_graph()
        else:
            self._graph = None
            self.built = False

    def pop(self):
        """Removes the last layer."""
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        for key, module in list(self._modules.items()):
            if module is layer:
                del self._modules[key]
        if not self._stack:
            self._start = None
        if self._stack and (self._input_layer is not None or self._start is not None):
            self._rebuild_graph()
        else:
            self._graph = None
            self.built = False
            if not self._stack and self._input_layer is not None and not self._input_layer_given:
                # An input made from the popped first layer's input_shape goes with it; an
                # InputLayer the user added stays for the next add().
                self._input_layer = None

    def _rebuild_graph(self):
        if not self._stack:
            self._graph = None
            return
        if self._start is not None:
            inputs, tensor = self._start
            layers = self._stack[1:]
        else:
            inputs = [self._input_layer._inbound_nodes[0].output_tensors[0]]
            tensor, layers = inputs[0], self._stack
        for layer in layers:
            tensor = layer(tensor)
            if isinstance(tensor, (list, tuple)):
                raise ValueError(
                    "All layers in a Sequential model should have a single output tensor. For multi-output "
                    f"layers, use the functional API. Layer '{layer.name}' returned {len(tensor)} tensors."
                )
        self._nested_inputs = inputs[0] if len(inputs) == 1 else list(inputs)
        self._nested_outputs = tensor
        from kerastorch.engine import graph as graph_module

        self._graph = graph_module.Graph(inputs, [tensor])
        self._is_graph_network = True
        self.built = True
        self._build_input_shape = inputs[0].shape if len(inputs) == 1 else [t.shape for t in inputs]
        if self._compile_args is not None and self._compiled is None:
            self._make_compiled()

    def build(self, input_shape=None):
        """Creates the graph and the weights for `input_shape` (batch dimension included)."""
        if self._start is not None:  # connected to the inputs of its first layer's branches already
            return
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError("You must provide an `input_shape` argument to build() a Sequential model.")
        else:
            if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
                input_shape = input_shape[0]
            self._build_for_shape(tuple(input_shape), backend.floatx())

    def _build_for_shape(self, batch_shape, dtype):
        if not self._stack:
            raise ValueError("A Sequential model needs at least one layer before it can be built.")
        if self._input_layer is None:
            self._input_layer = kt.InputLayer(
                batch_input_shape=batch_shape, dtype=_input_dtype_for(self._stack[0], dtype),
                name=f"{self._stack[0].name}_input",
            )
        self._rebuild_graph()

    def _build_from_inputs(self, inputs):
        if isinstance(inputs, (list, tuple)):
            first = inputs[0]
        else:
            first = inputs
        shape = tuple(np.shape(first)) if not isinstance(first, torch.Tensor) else tuple(first.shape)
        dtype = _dtype_name_of(first)
        self._build_for_shape((None,) + shape[1:], dtype)
        device = first.device if isinstance(first, torch.Tensor) else None
        if device is not None:
            torch.nn.Module.to(self, device)

    def _build_from_data(self, xs_cpu, device):
        if len(xs_cpu) != 1:
            raise ValueError(f"A Sequential model takes a single input; received {len(xs_cpu)} input arrays.")
        first = xs_cpu[0]
        self._build_for_shape((None,) + tuple(first.shape[1:]), _dtype_name_of(first))
        torch.nn.Module.to(self, device)

    def call(self, inputs, training=None, mask=None):
        if self._graph is None:
            self._build_from_inputs(inputs)
        return super().call(inputs, training=training, mask=mask)

    @property
    def input_names(self):
        if self._start is not None:
            return [t._keras_history[0].name for t in self._start[0]]
        if self._input_layer is not None:
            return [self._input_layer.name]
        if self._stack:
            return [f"{self._stack[0].name}_input"]
        return ["input_1"]

    @property
    def output_names(self):
        if self._stack:
            return [self._stack[-1].name]
        return ["output_1"]

    def _outputs_known(self):
        return bool(self._stack)

    def get_config(self):
        """Keras 2.2+ Sequential config: {'name': ..., 'layers': [layer configs]}."""
        from kerastorch.saving import serialization

        layer_configs = []
        for index, layer in enumerate(self._stack):
            config = serialization.serialize_layer(layer)
            if index == 0 and self._input_layer is not None and "batch_input_shape" not in config["config"]:
                config["config"]["batch_input_shape"] = list(self._input_layer._batch_input_shape)
            layer_configs.append(config)
        return {"name": self.name, "layers": layer_configs}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kerastorch.saving import serialization

        if isinstance(config, list):  # Keras 2.0/2.1 and Keras 1 stored a bare list of layers
            name, layer_configs = None, config
        else:
            name, layer_configs = config.get("name"), config["layers"]
        model = cls(name=name)
        for layer_config in layer_configs:
            if layer_config.get("class_name") == "InputLayer":
                inner = dict(layer_config["config"])
                inner.pop("ragged", None)
                shape = inner.get("batch_input_shape") or inner.get("batch_shape")
                model.add(kt.InputLayer(batch_input_shape=shape, dtype=inner.get("dtype"), name=inner.get("name")))
                continue
            model.add(serialization.deserialize_layer(layer_config, custom_objects=custom_objects))
        return model

    def predict_proba(self, x, batch_size=32, verbose=0):
        """Class probabilities (the model's output), with Keras 2's check that they look like probabilities."""
        preds = self.predict(x, batch_size=batch_size, verbose=verbose)
        if preds.min() < 0.0 or preds.max() > 1.0:
            import warnings

            warnings.warn(
                "Network returning invalid probability values. The last layer might not normalize predictions "
                "into probabilities (like softmax or sigmoid would).",
                stacklevel=2,
            )
        return preds

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Class indices: argmax for multi-class outputs, `p > 0.5` for a single unit."""
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")


def _connected_start(layer):
    """(inputs, output) for a first layer already connected to its inputs, else None.

    A Keras 1 `Merge([model_a, model_b])` is built on its branches' outputs; a Sequential model
    starting with it takes the branches' inputs (one array each) and continues from its output.
    """
    start = getattr(layer, "_sequential_start", None)
    return start() if callable(start) else None


def _first_layer_input_shape(layer):
    if isinstance(layer, model_module.Model) and layer._graph is not None:
        inputs = layer._graph.inputs
        if len(inputs) != 1:
            raise ValueError(f"A Sequential model can only contain single-input models; '{layer.name}' has {len(inputs)}.")
        return inputs[0].shape
    return layer._batch_input_shape


def _input_dtype_for(layer, dtype):
    """Embedding-like first layers take integer ids; everything else floats."""
    if getattr(layer, "_expects_integer_input", False) and not str(dtype).startswith("int"):
        return "int64"
    return dtype


def _dtype_name_of(value):
    if isinstance(value, torch.Tensor):
        return backend.dtype_name(value.dtype)
    array = np.asarray(value)
    if array.dtype.kind in "iu":
        return "int64"
    return backend.floatx()
