"""Layer nodes: a layer's input/output tensors, shapes and masks, for its only call or its call number `node_index`.

The `Layer` properties (`input`, `output_shape`, `input_mask`, ...) and `get_*_at` methods
delegate here; the layer's calls are its inbound nodes (`keras_tensor.Node`).
"""


def _shape_of_every_call(layer, side):
    """The `side` ('input' or 'output') shape of every call of `layer`; they must agree."""
    shapes = [getattr(node, f"{side}_shapes") for node in layer._inbound_nodes]
    if all(shape == shapes[0] for shape in shapes):
        return shapes[0]
    raise AttributeError(
        f"The layer '{layer.name}' has multiple inbound nodes with different {side} shapes, so its {side} "
        f"shape is ill-defined. Use `get_{side}_shape_at(node_index)` instead."
    )


def input_shape(layer):
    """The input shape of every call of `layer` (they must agree), else its build or declared shape."""
    if layer._inbound_nodes:
        return _shape_of_every_call(layer, "input")
    if layer._build_input_shape is not None:
        return layer._build_input_shape
    if layer._batch_input_shape is not None:
        return layer._batch_input_shape
    raise AttributeError(f"The layer '{layer.name}' has never been called and thus has no defined input shape.")


def output_shape(layer):
    """The output shape of every call of `layer` (they must agree), else the one of its build shape."""
    if layer._inbound_nodes:
        return _shape_of_every_call(layer, "output")
    if layer.built and layer._build_input_shape is not None:
        return layer.compute_output_shape(layer._build_input_shape)
    raise AttributeError(f"The layer '{layer.name}' has never been called and thus has no defined output shape.")


def input_tensors(layer):
    """The input tensor(s) of the first call of `layer` (an InputLayer's: the tensor it creates)."""
    if not layer._inbound_nodes:
        raise AttributeError(f"Layer '{layer.name}' is not connected, no input to return.")
    node = layer._inbound_nodes[0]
    if not node.input_tensors:  # an InputLayer: its input is the tensor it creates
        return node.unpacked_outputs
    return node.unpacked_inputs


def output_tensors(layer):
    """The output tensor(s) of the first call of `layer`."""
    if not layer._inbound_nodes:
        raise AttributeError(f"Layer '{layer.name}' has no inbound nodes.")
    return layer._inbound_nodes[0].unpacked_outputs


def node_attribute(layer, node_index, attr, what):
    """`attr` of inbound node `node_index` (one tensor/shape, or a list for list inputs/outputs).

    Args:
        layer: the layer.
        node_index: index of the call (node) of the layer.
        attr: 'input_tensors', 'output_tensors', 'input_shapes' or 'output_shapes'.
        what: the attribute's name in error messages ('input shape').
    """
    if not layer._inbound_nodes:
        raise RuntimeError(f"The layer '{layer.name}' has never been called and thus has no defined {what}.")
    if not isinstance(node_index, int) or not -len(layer._inbound_nodes) <= node_index < len(layer._inbound_nodes):
        raise ValueError(
            f"Asked to get {what} at node {node_index!r}, but the layer '{layer.name}' has only "
            f"{len(layer._inbound_nodes)} inbound node(s)."
        )
    node = layer._inbound_nodes[node_index]
    if attr == "input_tensors":
        return node.unpacked_outputs if not node.input_tensors else node.unpacked_inputs
    if attr == "output_tensors":
        return node.unpacked_outputs
    if attr == "input_shapes":
        return node.input_shapes if node.input_tensors else node.output_shapes
    return node.output_shapes


def masks_of(tensors):
    """The `_keras_mask` of each tensor (None where unmasked), nested as `tensors`."""
    if isinstance(tensors, (list, tuple)):
        return [masks_of(tensor) for tensor in tensors]
    return getattr(tensors, "_keras_mask", None)


def input_mask(layer):
    """The input mask of the only call of `layer` (None where unmasked or never called)."""
    if not layer._inbound_nodes:
        return None
    return masks_of(layer.input)


def output_mask(layer):
    """The output mask of the only call of `layer` (None where unmasked or never called)."""
    if not layer._inbound_nodes:
        return None
    return masks_of(layer.output)
