"""Model summaries in Keras's table format, and parameter counting."""

import numpy as np


def count_params(weights):
    """Number of scalars in a list of weights."""
    return int(sum(int(np.prod(tuple(w.shape))) for w in weights))


def _is_sequential_like(model):
    if type(model).__name__ == "Sequential" or model._graph is None:
        return True
    graph = model._graph
    nodes = []
    for depth_nodes in graph.nodes_by_depth.values():
        if len(depth_nodes) > 1 or (len(depth_nodes) == 1 and len(depth_nodes[0].inbound_layers) > 1):
            return False
        nodes.extend(depth_nodes)
    for layer in model.layers:
        seen = False
        for node in layer._inbound_nodes:
            if node in nodes:
                if seen:
                    return False
                seen = True
    return True


def print_summary(model, line_length=None, positions=None, print_fn=None):
    """Prints the Keras summary table of `model`.

    Args:
        model: a built model.
        line_length: total width (65 for sequential-like models, 98 otherwise).
        positions: column end positions, as fractions of the width or absolute.
        print_fn: function called with each line (default `print`).
    """
    if print_fn is None:
        print_fn = print
    sequential_like = _is_sequential_like(model)
    if sequential_like:
        line_length = line_length or 65
        positions = positions or [0.45, 0.85, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #"]
        relevant_nodes = None
    else:
        line_length = line_length or 98
        positions = positions or [0.33, 0.55, 0.67, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        relevant_nodes = model._graph.network_nodes
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]

    def print_row(fields):
        line = ""
        for index, field in enumerate(fields):
            if index > 0:
                line = line[:-1] + " "
            line += str(field)
            line = line[: positions[index]]
            line += " " * (positions[index] - len(line))
        print_fn(line)

    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    print_row(headers)
    print_fn("=" * line_length)
    layers = model.layers
    for index, layer in enumerate(layers):
        try:
            output_shape = layer.output_shape
        except AttributeError:
            output_shape = "multiple"
        if isinstance(output_shape, list) and len(output_shape) == 1:
            output_shape = output_shape[0]
        params = layer.count_params() if layer.built else 0
        title = f"{layer.name} ({type(layer).__name__})"
        if sequential_like:
            print_row([title, output_shape, params])
        else:
            connections = []
            for node in layer._inbound_nodes:
                if relevant_nodes is not None and node not in relevant_nodes:
                    continue
                for inbound, node_index, tensor_index in zip(
                    node.inbound_layers, node.node_indices, node.tensor_indices
                ):
                    connections.append(f"{inbound.name}[{node_index}][{tensor_index}]")
            print_row([title, output_shape, params, connections[0] if connections else ""])
            for extra in connections[1:]:
                print_row(["", "", "", extra])
        print_fn("=" * line_length if index == len(layers) - 1 else "_" * line_length)
    trainable = count_params(model.trainable_weights)
    non_trainable = count_params(model.non_trainable_weights)
    print_fn(f"Total params: {trainable + non_trainable:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {non_trainable:,}")
    print_fn("_" * line_length)
