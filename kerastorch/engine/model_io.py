"""Model introspection: a model's layers by name or index, and its inputs and outputs (tensors, masks, names, shapes)."""

from kerastorch.engine import model_graph


def input_tensors(model):
    """The model's input KerasTensor(s): one, a list, or the dict it was built on."""
    if model._graph is None:
        raise AttributeError(f"Model '{model.name}' has no defined input yet (it has not been built).")
    if isinstance(model._nested_inputs, dict):
        return dict(model._nested_inputs)
    inputs = model._graph.inputs
    return inputs[0] if len(inputs) == 1 else list(inputs)


def output_tensors(model):
    """The model's output KerasTensor(s), nested as it was built."""
    if model._graph is None:
        raise AttributeError(f"Model '{model.name}' has no defined output yet (it has not been built).")
    return model_graph.pack_outputs(model, model._graph.outputs)


def input_mask(model):
    """The masks of the model's inputs (None: Inputs carry no mask), as tf.keras 2."""
    if model._graph is None:
        return None
    masks = [tensor._keras_mask for tensor in model._graph.inputs]
    return masks[0] if len(masks) == 1 else masks


def output_mask(model):
    """The symbolic masks of the model's outputs (None where unmasked), as tf.keras 2."""
    if model._graph is None:
        return None
    return model_graph.pack_outputs(model, [tensor._keras_mask for tensor in model._graph.outputs])


def input_names(model):
    """The names of the model's input layers (a subclassed model's: as seen in its data)."""
    if model._graph is not None:
        return [layer.name for layer in model._graph.input_layers]
    return getattr(model, "_subclass_input_names", ["input_1"])


def output_names(model):
    """The names of the model's outputs, as the logs and `compile` dicts use them."""
    if model._graph is not None:
        return _unique_output_names([layer.name for layer in model._graph.output_layers])
    names = getattr(model, "_subclass_output_names", None)
    return names if names is not None else ["output_1"]


def _unique_output_names(layer_names):
    """Output names as tf.keras 2 gives them: a layer with several outputs names them `enc`, `enc_1`, `enc_2`."""
    names, taken, counts = [], set(), {}
    for layer_name in layer_names:
        name = layer_name
        while name in taken:
            counts[layer_name] = counts.get(layer_name, 0) + 1
            name = f"{layer_name}_{counts[layer_name]}"
        taken.add(name)
        names.append(name)
    return names


def input_shape(model):
    """The input shape(s) of a functional model: one, a list, or a dict as its inputs."""
    shapes = [t.shape for t in model._graph.inputs]
    if isinstance(model._nested_inputs, dict):
        return {key: tensor.shape for key, tensor in model._nested_inputs.items()}
    return shapes[0] if len(shapes) == 1 else shapes


def output_shape(model):
    """The output shape(s) of a functional model, nested as its outputs."""
    return model_graph.pack_outputs(model, [t.shape for t in model._graph.outputs])


def get_layer(model, name=None, index=None):
    """`Model.get_layer`: a layer of `model.layers` by name or by index."""
    layers = model.layers
    if index is not None:
        if name is not None:
            raise ValueError(
                f"Provide only a layer name or a layer index, not both. Received: index={index}, name={name}."
            )
        if not isinstance(index, int) or len(layers) <= index or index < -len(layers):
            raise ValueError(
                f"Was asked to retrieve layer at index {index} but model only has {len(layers)} layers."
            )
        return layers[index]
    if name is None:
        raise ValueError("Provide either a layer name or a layer index at `get_layer`.")
    for layer in layers:
        if layer.name == name:
            return layer
    raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in layers]}.")
