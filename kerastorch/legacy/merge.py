"""The Keras 1 Merge layer and merge(): merge tensors, or the outputs of layers and models, by mode."""

import inspect
import threading

import torch

from kerastorch import backend
from kerastorch.engine import layer as layer_module
from kerastorch.legacy import interfaces

__all__ = ["Merge", "merge"]

# Set while merge() builds its Merge layer, which then leaves the update warning to merge().
_BUILDING_FROM_FUNCTION = threading.local()

_MODES = ("sum", "mul", "concat", "ave", "cos", "dot", "max")
_ELEMENTWISE = ("sum", "mul", "ave", "max")
# What each mode is in Keras 2 (shown in the update warning).
_KERAS2_MODES = {
    "sum": "add([...])",
    "mul": "multiply([...])",
    "ave": "average([...])",
    "max": "maximum([...])",
    "concat": "concatenate([...], axis={concat_axis})",
    "dot": "dot([...], axes={dot_axes})",
    "cos": "dot([...], axes={dot_axes}, normalize=True)",
}


def _keras2_equivalent(layer):
    if callable(layer.mode):
        return "a Lambda layer on the list of tensors"
    return "`" + _KERAS2_MODES[layer.mode].format(concat_axis=layer.concat_axis, dot_axes=layer.dot_axes) + "`"


def _accepts(function, name):
    try:
        return name in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


def _required_positional_count(function, keywords=()):
    """Number of positional parameters without defaults (other than `mask` and `keywords`); None with *args."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return None
    count = 0
    for parameter in parameters:
        if parameter.kind == parameter.VAR_POSITIONAL:
            return None
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            if parameter.default is parameter.empty and parameter.name not in ("mask",) + tuple(keywords):
                count += 1
    return count


def _branch_output(layer, node_index, tensor_index):
    """The symbolic output of a Keras 1 Merge branch: a model's output, or a called layer's."""
    from kerastorch.engine import model as model_module

    if not isinstance(layer, layer_module.Layer):
        raise TypeError(f"Merge expects `layers` to be a list of layers or models. Received an item {layer!r}.")
    if isinstance(layer, model_module.Model) and not layer._inbound_nodes:
        if layer._graph is None:
            raise ValueError(
                f"Merge cannot use model '{layer.name}': it has no defined output yet. Give its first layer an "
                "`input_shape` (or `input_dim`) so that the model is built when layers are added."
            )
        return layer._graph.outputs[tensor_index]
    if len(layer._inbound_nodes) <= node_index:
        raise ValueError(
            f"Merge cannot use layer '{layer.name}': it has {len(layer._inbound_nodes)} inbound node(s) and "
            f"node_index={node_index} was asked. Call the layer on an input first, or merge tensors with merge()."
        )
    return layer._inbound_nodes[node_index].output_tensors[tensor_index]


def _source_inputs(tensor):
    """The Input tensors `tensor` is computed from, in first-visit order."""
    found, seen_nodes, seen_tensors = [], set(), set()
    stack = [tensor]
    while stack:
        current = stack.pop()
        layer, node_index, _ = current._keras_history
        node = layer._inbound_nodes[node_index]
        if not node.input_tensors:
            if id(current) not in seen_tensors:
                seen_tensors.add(id(current))
                found.append(current)
            continue
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        stack.extend(reversed(node.input_tensors))
    return found


class Merge(layer_module.Layer):
    """The Keras 1 Merge layer: merges a list of tensors, or the outputs of a list of layers/models.

    Given `layers`, the Merge is connected to their outputs at once and can start a `Sequential`
    model, which then takes one input array per branch: `model.fit([x_left, x_right], y)`.

    Args:
        layers: None, or a list of at least 2 layers/models whose outputs are merged.
        mode: 'sum', 'mul', 'concat', 'ave', 'cos', 'dot', 'max', or a function of the list of
            tensors (a function of exactly as many positional arguments as there are inputs, such
            as `lambda x, y: x - y`, receives them unpacked).
        concat_axis: the axis of mode 'concat'.
        dot_axes: int or pair of ints, the axes of modes 'dot' and 'cos' (batch axis included in
            the numbering, negative values count from the end).
        output_shape: for a function mode: the output shape without the batch dimension, or a
            function of the list of input shapes returning the full output shape; None infers it.
        output_mask: for a function mode: a mask, or a function of the list of input masks.
        arguments: keyword arguments passed to a function mode.
        node_indices, tensor_indices: which output of each layer in `layers` is merged (default 0).
        name: layer name.

    Input shape:
        A list of tensors (same shape for 'sum', 'mul', 'ave', 'max', 'cos').

    Output shape:
        'concat': shapes summed along `concat_axis`; 'dot'/'cos': the shapes without the dot axes
        (`(batch, 1)` for 2-D inputs); elementwise modes: the input shape.

    Example:
        >>> merged = Merge([left_branch, right_branch], mode='concat')
        >>> model = Sequential(); model.add(merged); model.add(Dense(10, activation='softmax'))
    """

    _expects_list_input = True

    def __init__(
        self,
        layers=None,
        mode="sum",
        concat_axis=-1,
        dot_axes=-1,
        output_shape=None,
        output_mask=None,
        arguments=None,
        node_indices=None,
        tensor_indices=None,
        name=None,
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        if not callable(mode) and mode not in _MODES:
            raise ValueError(f"Merge expects `mode` to be one of {list(_MODES)} or a function. Received: mode={mode!r}")
        if not isinstance(concat_axis, int) or isinstance(concat_axis, bool):
            raise TypeError(f"Merge expects `concat_axis` to be an int. Received: concat_axis={concat_axis!r}")
        if isinstance(dot_axes, (list, tuple)):
            if len(dot_axes) != 2 or not all(isinstance(a, int) for a in dot_axes):
                raise ValueError(f"Merge expects `dot_axes` to be an int or 2 ints. Received: dot_axes={dot_axes!r}")
            dot_axes = list(dot_axes)
        elif not isinstance(dot_axes, int):
            raise TypeError(f"Merge expects `dot_axes` to be an int or 2 ints. Received: dot_axes={dot_axes!r}")
        self.mode = mode
        self.concat_axis = concat_axis
        self.dot_axes = dot_axes
        if isinstance(output_shape, list) and not any(isinstance(d, (list, tuple)) for d in output_shape):
            output_shape = tuple(output_shape)
        self._output_shape = output_shape
        self._output_mask = output_mask
        self.arguments = dict(arguments or {})
        self.supports_masking = True
        self._warn_update()
        object.__setattr__(self, "layers", None)
        object.__setattr__(self, "_merged", None)
        if layers:
            if not isinstance(layers, (list, tuple)) or len(layers) < 2:
                raise TypeError(
                    f"Merge should be applied to a list of at least 2 layers or models. Received: layers={layers!r}"
                )
            node_indices = list(node_indices or [0] * len(layers))
            tensor_indices = list(tensor_indices or [0] * len(layers))
            tensors = [_branch_output(*item) for item in zip(layers, node_indices, tensor_indices)]
            object.__setattr__(self, "layers", list(layers))
            object.__setattr__(self, "_merged", self(tensors))

    def _warn_update(self):
        if getattr(_BUILDING_FROM_FUNCTION, "active", False):
            return
        mode = self.mode if isinstance(self.mode, str) else "function"
        interfaces.warn_once(
            ("Merge", mode),
            f"The Keras 1 `Merge` layer (mode={mode!r}) is {_keras2_equivalent(self)} in Keras 2. "
            "A Merge of models is converted to a functional graph.",
            stacklevel=4,
        )

    def _sequential_start(self):
        """(input tensors, merged tensor) when this Merge was built on branches, else None.

        `Sequential.add` uses it to start a model whose inputs are the branches' inputs.
        """
        if self._merged is None:
            return None
        if "branches" not in self._modules:
            # The model this Merge starts holds the branches' layers through it: their weights are
            # trained, listed (before the layers added after the Merge, as Keras 1 listed them) and
            # saved with it.
            unique = []
            for layer in self.layers:
                if not any(layer is seen for seen in unique):
                    unique.append(layer)
            self.branches = torch.nn.ModuleList(unique)
        return _source_inputs(self._merged), self._merged

    # -- shapes ---------------------------------------------------------------------------
    def _dot_axes_for(self, shapes):
        axes = self.dot_axes
        if isinstance(axes, int):
            if axes < 0:
                return [axes % len(shapes[0]), axes % len(shapes[1])]
            return [axes, axes]
        return [axes[0] % len(shapes[0]), axes[1] % len(shapes[1])]

    def _check_shapes(self, input_shape):
        who = f"Merge '{self.name}'"
        if not isinstance(input_shape, list) or len(input_shape) < 2 or not isinstance(input_shape[0], (tuple, list)):
            raise ValueError(f"{who} should be called on a list of at least 2 tensors. Received: {input_shape!r}")
        shapes = [tuple(shape) for shape in input_shape]
        if callable(self.mode):
            return shapes
        if self.mode in _ELEMENTWISE + ("cos",) and len(set(shapes)) > 1:
            raise ValueError(
                f"{who}: only tensors of the same shape can be merged with mode={self.mode!r}. Received shapes: {shapes}"
            )
        if self.mode in ("cos", "dot"):
            if len(shapes) != 2:
                raise ValueError(f"{who}: mode={self.mode!r} merges exactly 2 tensors. Received {len(shapes)}.")
            axis1, axis2 = self._dot_axes_for(shapes)
            if shapes[0][axis1] != shapes[1][axis2]:
                raise ValueError(
                    f"{who}: dimension incompatibility for mode={self.mode!r}: {shapes[0][axis1]} != "
                    f"{shapes[1][axis2]} (dot_axes={self.dot_axes!r}). Received shapes: {shapes}"
                )
        if self.mode == "concat":
            reduced = set()
            for shape in shapes:
                rest = list(shape)
                del rest[self.concat_axis]
                reduced.add(tuple(rest))
            if len(reduced) > 1:
                raise ValueError(
                    f"{who}: mode='concat' needs matching shapes except along concat_axis={self.concat_axis}. "
                    f"Received shapes: {shapes}"
                )
        return shapes

    def build(self, input_shape):
        self._check_shapes(input_shape)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        shapes = self._check_shapes(input_shape)
        if callable(self.mode):
            if callable(self._output_shape):
                return tuple(self._output_shape(shapes))
            if self._output_shape is not None:
                return (shapes[0][0],) + tuple(self._output_shape)
            return super().compute_output_shape(list(shapes))
        if self.mode in _ELEMENTWISE:
            return shapes[0]
        if self.mode == "concat":
            output = list(shapes[0])
            for shape in shapes[1:]:
                if output[self.concat_axis] is None or shape[self.concat_axis] is None:
                    output[self.concat_axis] = None
                    break
                output[self.concat_axis] += shape[self.concat_axis]
            return tuple(output)
        axis1, axis2 = self._dot_axes_for(shapes)
        first, second = list(shapes[0]), list(shapes[1])
        first.pop(axis1)
        second.pop(axis2)
        second.pop(0)
        output = first + second
        if len(output) == 1:
            output.append(1)
        return tuple(output)

    # -- computation ----------------------------------------------------------------------
    def call(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(f"Merge '{self.name}' should be called on a list of at least 2 tensors.")
        inputs = list(inputs)
        if callable(self.mode):
            kwargs = dict(self.arguments)
            if _accepts(self.mode, "mask"):
                kwargs["mask"] = mask
            if _required_positional_count(self.mode, kwargs) == len(inputs):
                return self.mode(*inputs, **kwargs)
            return self.mode(inputs, **kwargs)
        if self.mode in ("sum", "ave"):
            output = inputs[0]
            for tensor in inputs[1:]:
                output = output + tensor
            return output / len(inputs) if self.mode == "ave" else output
        if self.mode == "mul":
            output = inputs[0]
            for tensor in inputs[1:]:
                output = output * tensor
            return output
        if self.mode == "max":
            output = inputs[0]
            for tensor in inputs[1:]:
                output = torch.maximum(output, tensor)
            return output
        if self.mode == "concat":
            return torch.cat(inputs, dim=self.concat_axis)
        first, second = inputs
        axes = self._dot_axes_for([tuple(first.shape), tuple(second.shape)])
        output = backend.batch_dot(first, second, axes)
        if self.mode == "cos":
            # Keras 1 cosine: dot / max(sqrt(|a|^2 |b|^2), epsilon). Keras 1 then added an axis that
            # its own output shape did not declare; the declared `(batch, 1)` is kept here.
            norms = backend.batch_dot(first, first, axes) * backend.batch_dot(second, second, axes)
            output = output / torch.clamp(torch.sqrt(norms), min=backend.epsilon())
        return output

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        if callable(self.mode):
            return self._output_mask(mask) if callable(self._output_mask) else self._output_mask
        if self.mode in _ELEMENTWISE:
            masks = [m.bool() for m in mask if m is not None]
            return torch.stack(masks).all(dim=0)
        if self.mode == "concat":
            masks = []
            for tensor, m in zip(inputs, mask):
                if m is None:
                    masks.append(torch.ones_like(tensor, dtype=torch.bool))
                elif m.dim() < tensor.dim():
                    masks.append(m.bool().unsqueeze(-1))
                else:
                    masks.append(m.bool())
            return torch.cat(masks, dim=self.concat_axis).all(dim=-1)
        return None

    # -- config ---------------------------------------------------------------------------
    def get_config(self):
        from kerastorch.layers import core
        from kerastorch.saving import serialization

        config = super().get_config()
        mode, mode_type, mode_module = core.Lambda._serialize_function(self.mode, allow_raw=True)
        shape, shape_type, shape_module = core.Lambda._serialize_function(self._output_shape, allow_raw=True)
        if self._output_mask is None or callable(self._output_mask):
            mask, mask_type, mask_module = core.Lambda._serialize_function(self._output_mask, allow_raw=True)
        else:
            raise ValueError(f"Merge '{self.name}' cannot serialize a tensor `output_mask`; pass a function.")
        config.update(
            {
                "mode": mode,
                "mode_type": mode_type,
                "mode_module": mode_module,
                "concat_axis": self.concat_axis,
                "dot_axes": self.dot_axes,
                "output_shape": shape,
                "output_shape_type": shape_type,
                "output_shape_module": shape_module,
                "output_mask": mask,
                "output_mask_type": mask_type,
                "output_mask_module": mask_module,
                "arguments": dict(self.arguments),
            }
        )
        if self.layers:
            config["layers"] = [serialization.serialize_layer(layer) for layer in self.layers]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Rebuilds the layer (and its branches); a lambda `mode` loads only with `safe_mode=False`."""
        from kerastorch.layers import core
        from kerastorch.saving import serialization

        config = dict(config)
        objects = serialization.scoped_custom_objects(custom_objects)
        parse = core.Lambda._parse_function
        config.setdefault("mode_type", "raw")
        mode = parse(config, objects, safe_mode, "mode", "mode_module", "mode_type")
        output_shape = parse(config, objects, safe_mode, "output_shape", "output_shape_module", "output_shape_type")
        output_mask = parse(config, objects, safe_mode, "output_mask", "output_mask_module", "output_mask_type")
        layers = config.pop("layers", None)
        if layers:
            layers = [serialization.deserialize_layer(layer, custom_objects=custom_objects) for layer in layers]
        return cls(
            layers=layers, mode=mode if mode is not None else "sum", output_shape=output_shape, output_mask=output_mask,
            **config,
        )  # fmt: skip


def merge(
    inputs, mode="sum", concat_axis=-1, dot_axes=-1, output_shape=None, output_mask=None, arguments=None, name=None
):
    """Keras 1 functional merge of a list of tensors (`Merge(mode=...)(inputs)`).

    Args:
        inputs: a list of at least 2 tensors (symbolic or concrete).
        mode, concat_axis, dot_axes, output_shape, output_mask, arguments, name: as in `Merge`.
    """
    _BUILDING_FROM_FUNCTION.active = True
    try:
        layer = Merge(
            mode=mode, concat_axis=concat_axis, dot_axes=dot_axes, output_shape=output_shape,
            output_mask=output_mask, arguments=arguments, name=name,
        )  # fmt: skip
    finally:
        _BUILDING_FROM_FUNCTION.active = False
    interfaces.warn_once(
        ("merge", mode if isinstance(mode, str) else "function"),
        f"Update your `merge` call to the Keras 2 API: {_keras2_equivalent(layer)}",
        stacklevel=3,
    )
    return layer(list(inputs))
