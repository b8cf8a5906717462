"""Symbolic tensors: KerasTensor, Node, InputLayer/Input, and the recording of layer calls on them."""

import inspect

import numpy as np

from kerastorch import backend
from kerastorch.engine import input_spec
from kerastorch.engine import layer as layer_module
from kerastorch.engine import nest
from kerastorch.engine import op_layers
from kerastorch.engine import symbolic_ops


class KerasTensor:
    """A symbolic tensor of a functional model: a shape, a dtype and the layer call that made it.

    Args:
        shape: tuple with None for unknown dimensions (the batch dimension first).
        dtype: Keras dtype name.
        name: a readable name.
    """

    def __init__(self, shape, dtype="float32", name=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self.name = name
        self._keras_history = None  # (layer, node_index, tensor_index)
        self._keras_mask = None

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        layer = self._keras_history[0].name if self._keras_history else None
        return f"<KerasTensor shape={self.shape} dtype={self.dtype} name={self.name!r} (created by layer {layer!r})>"

    def __len__(self):
        if self.shape and self.shape[0] is not None:
            return self.shape[0]
        raise TypeError("len() of a symbolic tensor with an unknown batch dimension is undefined.")

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def __bool__(self):
        return True

    # Arithmetic on symbolic tensors records a TensorOp layer, as tf.keras records TFOpLambda.
    def _op(self, op, other, reverse=False):
        layer = op_layers.TensorOp(op, constant=None if isinstance(other, KerasTensor) else other, reverse=reverse)
        return layer([self, other] if isinstance(other, KerasTensor) else self)

    def __add__(self, other):
        return self._op("add", other)

    def __radd__(self, other):
        return self._op("add", other, reverse=True)

    def __sub__(self, other):
        return self._op("subtract", other)

    def __rsub__(self, other):
        return self._op("subtract", other, reverse=True)

    def __mul__(self, other):
        return self._op("multiply", other)

    def __rmul__(self, other):
        return self._op("multiply", other, reverse=True)

    def __truediv__(self, other):
        return self._op("divide", other)

    def __rtruediv__(self, other):
        return self._op("divide", other, reverse=True)

    def __floordiv__(self, other):
        return self._op("floordiv", other)

    def __rfloordiv__(self, other):
        return self._op("floordiv", other, reverse=True)

    def __mod__(self, other):
        return self._op("mod", other)

    def __rmod__(self, other):
        return self._op("mod", other, reverse=True)

    def __pow__(self, other):
        return self._op("pow", other)

    def __rpow__(self, other):
        return self._op("pow", other, reverse=True)

    def __matmul__(self, other):
        return self._op("matmul", other)

    def __rmatmul__(self, other):
        return self._op("matmul", other, reverse=True)

    # Comparisons give bool tensors; `==` stays identity (tensors are dict keys), as tf.keras 2.
    def __gt__(self, other):
        return self._op("greater", other)

    def __ge__(self, other):
        return self._op("greater_equal", other)

    def __lt__(self, other):
        return self._op("less", other)

    def __le__(self, other):
        return self._op("less_equal", other)

    def __and__(self, other):
        return self._op("logical_and", other)

    def __rand__(self, other):
        return self._op("logical_and", other, reverse=True)

    def __or__(self, other):
        return self._op("logical_or", other)

    def __ror__(self, other):
        return self._op("logical_or", other, reverse=True)

    def __xor__(self, other):
        return self._op("logical_xor", other)

    def __rxor__(self, other):
        return self._op("logical_xor", other, reverse=True)

    def __neg__(self):
        return op_layers.TensorOp("negative")(self)

    def __abs__(self):
        return op_layers.TensorOp("abs")(self)

    def __invert__(self):
        return op_layers.TensorOp("logical_not")(self)

    def __getitem__(self, key):
        """`x[:, 0]`, `x[..., :3]`: records a SlicingOpLambda layer, as tf.keras 2."""
        if contains_symbolic_key(key):
            raise TypeError(
                f"Symbolic tensors are sliced with ints, slices, None and `...`; the key {key!r} holds a "
                "symbolic tensor. Use a Lambda layer to index with tensors."
            )
        spec = symbolic_ops.encode_slice_spec(key)
        symbolic_ops.sliced_shape(self.shape, key)  # index errors are raised here, at the call
        return op_layers.SlicingOpLambda()(self, slice_spec=spec)

    def __iter__(self):
        raise TypeError(
            f"Symbolic tensor {self.name!r} cannot be iterated over (its values exist only when the model runs). "
            "Slice it (`x[:, 0]`) or use a layer."
        )


symbolic_ops.register_keras_tensor(KerasTensor)


def contains_symbolic_key(key):
    items = key if isinstance(key, tuple) else (key,)
    for item in items:
        if isinstance(item, KerasTensor):
            return True
        if isinstance(item, slice) and any(isinstance(v, KerasTensor) for v in (item.start, item.stop, item.step)):
            return True
    return False


def any_symbolic(value):
    if isinstance(value, KerasTensor):
        return True
    if isinstance(value, (list, tuple)):
        return any(any_symbolic(v) for v in value)
    if isinstance(value, dict):
        return any(any_symbolic(v) for v in value.values())
    return False


class Node:
    """One call of a layer on symbolic tensors: which tensors went in, which came out."""

    def __init__(self, layer, input_tensors, output_tensors, call_kwargs, input_is_list):
        self.outbound_layer = layer
        self.input_tensors = list(input_tensors)
        self.output_tensors = list(output_tensors)
        self.call_kwargs = dict(call_kwargs)
        self.input_is_list = input_is_list
        # Symbolic tensors passed as keyword arguments (`mha(q, value=v, attention_mask=m)`) are
        # inputs of the node too, as tf.keras records them; the call gets their values by keyword.
        self.kwarg_tensors = [t for t in nest.flatten(list(self.call_kwargs.values())) if isinstance(t, KerasTensor)]
        keras_inputs = self.keras_inputs
        self.inbound_layers = [t._keras_history[0] for t in keras_inputs]
        self.node_indices = [t._keras_history[1] for t in keras_inputs]
        self.tensor_indices = [t._keras_history[2] for t in keras_inputs]
        node_index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for index, tensor in enumerate(self.output_tensors):
            tensor._keras_history = (layer, node_index, index)
        for inbound in self.inbound_layers:
            inbound._outbound_nodes.append(self)

    @property
    def keras_inputs(self):
        """Every symbolic tensor the call depends on: the first argument's, then the keyword arguments'."""
        return self.input_tensors + self.kwarg_tensors

    @property
    def layer(self):
        return self.outbound_layer

    @property
    def input_shapes(self):
        shapes = [t.shape for t in self.input_tensors]
        return shapes if self.input_is_list else (shapes[0] if shapes else None)

    @property
    def output_shapes(self):
        return nest.map_structure(lambda tensor: tensor.shape, self.unpacked_outputs)

    @property
    def unpacked_inputs(self):
        return list(self.input_tensors) if self.input_is_list else self.input_tensors[0]

    @property
    def unpacked_outputs(self):
        """The outputs as the call returned them: one tensor, a list, or nested lists (`layer._nest_outputs`)."""
        if len(self.output_tensors) == 1:
            return self.output_tensors[0]
        nest_outputs = getattr(self.outbound_layer, "_nest_outputs", None)
        if nest_outputs is not None:
            return nest_outputs(list(self.output_tensors))
        return list(self.output_tensors)


def _positional_as_keywords(layer, args, kwargs):
    """Positional arguments after the first, as keyword arguments named by `layer.call` (as tf.keras records them)."""
    parameters = list(inspect.signature(layer.call).parameters.values())[1:]
    names = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(args) > len(names):
        raise TypeError(
            f"Layer '{layer.name}' was called on symbolic tensors with {len(args)} extra positional argument(s), "
            f"but its call() takes at most {len(names)} ({names}); pass them as keyword arguments."
        )
    merged = dict(zip(names, args))
    for key, value in kwargs.items():
        if key in merged:
            raise TypeError(f"Layer '{layer.name}' got multiple values for argument {key!r}.")
        merged[key] = value
    return merged


def call_symbolic(layer, inputs, args, kwargs):
    """Records a Node for `layer(inputs, ...)` on KerasTensors and returns the symbolic outputs.

    Positional arguments after the first are recorded by their `call` parameter names; symbolic
    tensors among the keyword arguments become inputs of the node (`Node.kwarg_tensors`).
    """
    from kerastorch.engine import shape_probe  # imported late: it imports this module

    if args:
        kwargs = _positional_as_keywords(layer, args, kwargs)
    input_is_list = isinstance(inputs, (list, tuple))
    flat = list(inputs) if input_is_list else [inputs]
    for tensor in flat:
        if not isinstance(tensor, KerasTensor):
            raise TypeError(
                f"Layer '{layer.name}' was called on a mix of symbolic and concrete values: {tensor!r}. "
                "All inputs of a functional-model layer must come from Input() or other layers."
            )
    kwargs = {k: v for k, v in kwargs.items() if not (k == "mask" and v is None)}
    shapes = shape_probe._symbolic_shapes(inputs)
    if layer.input_spec is not None:
        input_spec._check_input_spec(layer, layer.input_spec, shapes if input_is_list else [shapes])
    if not layer.built:
        layer._build_on(shapes if input_is_list else shapes)
    output_shapes, output_dtypes = shape_probe.infer_output(layer, inputs, kwargs)
    multiple = isinstance(output_shapes, list)
    outputs = []
    for index, (shape, dtype) in enumerate(zip(output_shapes if multiple else [output_shapes], output_dtypes)):
        outputs.append(KerasTensor(shape, dtype, name=f"{layer.name}/out:{index}" if multiple else f"{layer.name}/out"))
    for tensor, mask in zip(outputs, shape_probe.symbolic_output_masks(layer, inputs, len(outputs))):
        tensor._keras_mask = mask
    # The shape probes ran `call`: their add_metric names stay known, their fake values go.
    for module in [layer] + layer._all_sublayers():
        module._call_metrics = []
    node = Node(layer, flat, outputs, kwargs, input_is_list)
    return node.unpacked_outputs


class InputLayer(layer_module.Layer):
    """The entry point of a functional model: holds the shape and dtype of one input.

    Args:
        input_shape: shape without the batch dimension.
        batch_size: fixed batch size, or None.
        batch_input_shape: full shape including the batch dimension.
        dtype: input dtype name (default floatx).
        sparse: must be False.
        name: layer name.
    """

    def __init__(
        self,
        input_shape=None,
        batch_size=None,
        batch_input_shape=None,
        dtype=None,
        input_tensor=None,
        sparse=False,
        name=None,
        ragged=False,
        batch_shape=None,
        **kwargs,
    ):
        if sparse or ragged:
            raise ValueError(
                f"InputLayer '{name}': sparse and ragged inputs are not supported (got sparse={sparse!r}, "
                f"ragged={ragged!r}); feed dense arrays instead."
            )
        if batch_shape is not None and batch_input_shape is None:
            batch_input_shape = batch_shape
        if name is None:
            name = backend.unique_object_name("input")
        kwargs.pop("trainable", None)
        super().__init__(name=name, dtype=dtype or backend.floatx(), **kwargs)
        if input_tensor is not None:
            raise ValueError(
                f"InputLayer '{name}' got input_tensor={input_tensor!r}; pass a KerasTensor through Input(tensor=...)."
            )
        if batch_input_shape is None:
            if input_shape is None:
                raise ValueError(
                    f"InputLayer '{name}' needs `input_shape` or `batch_input_shape`. Received neither."
                )
            if isinstance(input_shape, int):
                input_shape = (input_shape,)
            batch_input_shape = (batch_size,) + tuple(input_shape)
        self._batch_input_shape = tuple(None if d is None else int(d) for d in batch_input_shape)
        self._input_dtype = dtype or backend.floatx()
        self.built = True
        self.is_placeholder = True
        tensor = KerasTensor(self._batch_input_shape, self._input_dtype, name=name)
        Node(self, [], [tensor], {}, False)

    @property
    def dtype(self):
        return self._input_dtype

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            "batch_input_shape": list(self._batch_input_shape),
            "dtype": self._input_dtype,
            "sparse": False,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("ragged", None)
        return cls(**config)


def Input(shape=None, batch_size=None, name=None, dtype=None, sparse=False, tensor=None, batch_shape=None, **kwargs):
    """Returns a symbolic input tensor for a functional model.

    Args:
        shape: shape without the batch dimension, e.g. `(784,)`.
        batch_size: optional fixed batch size.
        name: optional name (used as the input's key when data are given as a dict).
        dtype: dtype name, default floatx.
        sparse: must be False (sparse tensors are not supported).
        tensor: an existing KerasTensor to reuse as this input.
        batch_shape: full shape including the batch dimension (alternative to `shape`).
    """
    batch_input_shape = kwargs.pop("batch_input_shape", None) or batch_shape
    if kwargs:
        raise TypeError(f"Input got unexpected keyword argument(s): {', '.join(map(repr, kwargs))}.")
    if tensor is not None:
        if isinstance(tensor, KerasTensor):
            return tensor
        raise ValueError(
            f"Input(tensor=...) expects a KerasTensor. Received: {type(tensor).__name__}. "
            "Feed concrete data through fit/predict instead."
        )
    if shape is None and batch_input_shape is None:
        raise ValueError("Please provide to Input either a `shape` or a `batch_shape` argument.")
    if isinstance(shape, int):
        shape = (shape,)
    layer = InputLayer(
        input_shape=shape,
        batch_size=batch_size,
        batch_input_shape=batch_input_shape,
        dtype=dtype,
        sparse=sparse,
        name=name,
    )
    return layer._inbound_nodes[0].output_tensors[0]


def int_shape(value):
    """Shape tuple of a KerasTensor, torch tensor or array."""
    if isinstance(value, KerasTensor):
        return value.shape
    return tuple(np.shape(value))
