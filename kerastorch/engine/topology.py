"""Keras 1 / 2.0 `keras.engine.topology`: Layer, InputSpec, Input, InputLayer, Node, Merge, merge, Container."""

from kerastorch.engine.keras_tensor import Input
from kerastorch.engine.keras_tensor import InputLayer
from kerastorch.engine.keras_tensor import Node
from kerastorch.engine.layer import InputSpec
from kerastorch.engine.layer import Layer
from kerastorch.engine.model import Model
from kerastorch.legacy.layers import Merge
from kerastorch.legacy.layers import merge

# Keras 1 / 2.0 called the graph of layers a Container, Keras 2.1-2.3 a Network.
Container = Model
Network = Model


def get_source_inputs(tensor, layer=None, node_index=None):
    """The Input tensors a symbolic tensor is computed from.

    Args:
        tensor: a symbolic tensor.
        layer, node_index: accepted for Keras 2 compatibility (the tensor's own history is used).
    """
    from kerastorch.legacy import merge as legacy_merge

    return legacy_merge._source_inputs(tensor)


__all__ = [
    "Input",
    "InputLayer",
    "InputSpec",
    "Layer",
    "Node",
    "Merge",
    "merge",
    "Container",
    "Network",
    "Model",
    "get_source_inputs",
]
