"""Keras layers: the public layer classes, and (de)serialization by class name."""

from kerastorch.engine.keras_tensor import Input, InputLayer, TensorOp
from kerastorch.engine.layer import InputSpec, Layer
from kerastorch.saving.serialization import deserialize_layer as deserialize
from kerastorch.saving.serialization import serialize_layer as serialize
