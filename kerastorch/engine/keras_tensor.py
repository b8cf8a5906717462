"""Symbolic tensors: KerasTensor, Node, InputLayer/Input, output-shape probes, and the op layers they record."""

import inspect
import operator

import numpy as np
import torch

from kerastorch import backend
from kerastorch.engine import input_spec
from kerastorch.engine import layer as layer_module
from kerastorch.engine import nest
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
        layer = TensorOp(op, constant=None if isinstance(other, KerasTensor) else other, reverse=reverse)
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
        return TensorOp("negative")(self)

    def __abs__(self):
        return TensorOp("abs")(self)

    def __invert__(self):
        return TensorOp("logical_not")(self)

    def __getitem__(self, key):
        """`x[:, 0]`, `x[..., :3]`: records a SlicingOpLambda layer, as tf.keras 2."""
        if contains_symbolic_key(key):
            raise TypeError(
                f"Symbolic tensors are sliced with ints, slices, None and `...`; the key {key!r} holds a "
                "symbolic tensor. Use a Lambda layer to index with tensors."
            )
        spec = symbolic_ops.encode_slice_spec(key)
        symbolic_ops.sliced_shape(self.shape, key)  # index errors are raised here, at the call
        return SlicingOpLambda()(self, slice_spec=spec)

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


def _symbolic_shapes(inputs):
    if isinstance(inputs, (list, tuple)):
        return [t.shape for t in inputs]
    return inputs.shape


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
    shapes = _symbolic_shapes(inputs)
    if layer.input_spec is not None:
        input_spec._check_input_spec(layer, layer.input_spec, shapes if input_is_list else [shapes])
    if not layer.built:
        layer._build_on(shapes if input_is_list else shapes)
    output_shapes, output_dtypes = infer_output(layer, inputs, kwargs)
    multiple = isinstance(output_shapes, list)
    outputs = []
    for index, (shape, dtype) in enumerate(zip(output_shapes if multiple else [output_shapes], output_dtypes)):
        outputs.append(KerasTensor(shape, dtype, name=f"{layer.name}/out:{index}" if multiple else f"{layer.name}/out"))
    for tensor, mask in zip(outputs, symbolic_output_masks(layer, inputs, len(outputs))):
        tensor._keras_mask = mask
    # The shape probes ran `call`: their add_metric names stay known, their fake values go.
    for module in [layer] + layer._all_sublayers():
        module._call_metrics = []
    node = Node(layer, flat, outputs, kwargs, input_is_list)
    return node.unpacked_outputs


def symbolic_output_masks(layer, inputs, count, input_masks=None):
    """The masks (KerasTensors or None) of the `count` outputs of `layer` on symbolic `inputs`.

    The same rule as the graph's run (`Graph.run`): a layer that computes masks gets the input
    masks (or None); another passes the input mask on when it supports masking. The mask's shape
    comes from running `compute_mask` on meta tensors, as tf.keras 2 gives `_keras_mask` to the
    KerasTensors of mask-producing layers.

    Args:
        layer: the layer called.
        inputs: its symbolic input (one KerasTensor or a list).
        count: the number of output tensors of the call (flat).
        input_masks: the input masks, by default the inputs' `_keras_mask`.
    """
    input_is_list = isinstance(inputs, (list, tuple))
    if input_masks is None:
        input_masks = [t._keras_mask for t in inputs] if input_is_list else inputs._keras_mask
    has_mask = any(m is not None for m in input_masks) if input_is_list else input_masks is not None
    makes_mask = type(layer).compute_mask is not layer_module.Layer.compute_mask
    if not has_mask and not makes_mask:
        return [None] * count
    if makes_mask:
        out_mask = _probe_mask(layer, inputs, input_masks if has_mask else None)
    else:
        out_mask = input_masks if layer.supports_masking else None
    if count == 1:
        return [out_mask[0] if isinstance(out_mask, (list, tuple)) else out_mask]
    if isinstance(out_mask, (list, tuple)):
        return (nest.flatten(list(out_mask)) + [None] * count)[:count]
    return [out_mask] * count


def _probe_mask(layer, inputs, masks):
    """`layer.compute_mask` run on fake tensors of the symbolic shapes, its results as KerasTensors."""
    results = []
    for fill in (2, 3):
        fake = _fake_kwargs({"inputs": inputs, "masks": masks}, fill)
        try:
            results.append(_run_compute_mask(layer, fake["inputs"], fake["masks"]))
        except (RuntimeError, NotImplementedError, TypeError, ValueError, IndexError):
            return None
    if any(isinstance(result, KerasTensor) for result in results):
        return results[0] if all(result is results[0] for result in results) else None

    def to_symbolic(first, second):
        if not isinstance(first, torch.Tensor) or not isinstance(second, torch.Tensor):
            return first if isinstance(first, KerasTensor) else None
        shape = tuple(a if a == b else None for a, b in zip(first.shape, second.shape))
        return KerasTensor(shape, backend.dtype_name(first.dtype), name=f"{layer.name}/mask")

    first, second = results
    if isinstance(first, (list, tuple)):
        return [to_symbolic(a, b) for a, b in zip(nest.flatten(list(first)), nest.flatten(list(second)))]
    return to_symbolic(first, second)


def _run_compute_mask(layer, inputs, masks):
    """compute_mask on meta tensors; on CPU zeros when an op has no meta kernel."""
    with torch.no_grad():
        try:
            return layer.compute_mask(inputs, masks)
        except (NotImplementedError, RuntimeError):
            real = _real_kwargs({"inputs": inputs, "masks": masks}, torch.device("cpu"))
            return layer.compute_mask(real["inputs"], real["masks"])


def _dtype_of_inputs(inputs):
    flat = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    return flat[0].dtype if flat else backend.floatx()


def infer_output(layer, inputs, kwargs):
    """(output shape(s), list of dtype names) of `layer` on symbolic `inputs`."""
    shapes = _symbolic_shapes(inputs)
    own = getattr(layer, "_infer_symbolic_output", None)
    if own is not None:
        return own(inputs, kwargs)
    # compute_output_shape(input_shape) sees neither symbolic keyword tensors nor call options such as
    # `return_attention_scores=True`: such calls are probed.
    call_options = any(key not in ("training", "mask") for key in kwargs)
    if type(layer).compute_output_shape is layer_module.Layer.compute_output_shape or call_options:
        return probe(layer, shapes, _input_dtypes(inputs), kwargs)
    output_shape = layer.compute_output_shape(shapes)
    output_shape = _normalize_shape_result(output_shape)
    count = len(output_shape) if isinstance(output_shape, list) else 1
    has_weights = bool(layer._weight_specs) or bool(layer._sublayers())
    dtype = layer.dtype if has_weights or not _dtype_of_inputs(inputs).startswith("int") else _dtype_of_inputs(inputs)
    return output_shape, [dtype] * count


def _normalize_shape_result(shape):
    if nest.is_nested_list(shape) and any(nest.is_nested_list(s) for s in shape):
        # Nested per-cell state shapes (`[(b, 2), [(b, 4), (b, 4)]]`): the node's tensors are flat.
        return [tuple(s) for s in _flat_shapes(shape)]
    if isinstance(shape, list) and shape and isinstance(shape[0], (tuple, list)):
        return [tuple(s) for s in shape]
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (tuple, list)):
        return [tuple(s) for s in shape]
    return tuple(shape)


def _flat_shapes(shape):
    if isinstance(shape, list) or (isinstance(shape, tuple) and shape and isinstance(shape[0], (tuple, list))):
        return [leaf for part in shape for leaf in _flat_shapes(part)]
    return [shape]


def _input_dtypes(inputs):
    flat = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    return [t.dtype for t in flat]


def _concrete(shape, fill):
    return tuple(fill if d is None else d for d in shape)


def probe_output_shape(layer, input_shape):
    """compute_output_shape by running `call` on meta tensors (unknown dims marked None)."""
    if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (tuple, list)):
        dtypes = [backend.floatx()] * len(input_shape)
    else:
        dtypes = [backend.floatx()]
    shape, _ = probe(layer, input_shape, dtypes, {})
    return shape


def probe(layer, input_shape, dtypes, kwargs):
    """Runs the layer on fake inputs twice with different sizes for unknown dims; differing dims are None."""
    multi = isinstance(input_shape, list) and (not input_shape or isinstance(input_shape[0], (tuple, list)))
    results = []
    for fill in (2, 3):
        shapes = input_shape if multi else [input_shape]
        tensors = []
        for shape, dtype in zip(shapes, dtypes):
            concrete = _concrete(shape, fill)
            torch_dtype = backend.standardize_dtype(dtype)
            tensors.append(torch.zeros(concrete, dtype=torch_dtype, device="meta"))
        args = tensors if multi else tensors[0]
        outputs = _run_fake(layer, args, _fake_kwargs(kwargs, fill))
        results.append(outputs)
    first, second = results
    flat_first = first if isinstance(first, (list, tuple)) else [first]
    flat_second = second if isinstance(second, (list, tuple)) else [second]
    shapes = []
    for a, b in zip(flat_first, flat_second):
        shapes.append(tuple(da if da == db else None for da, db in zip(a.shape, b.shape)))
    out_dtypes = [backend.dtype_name(t.dtype) for t in flat_first]
    if isinstance(first, (list, tuple)):
        return shapes, out_dtypes
    return shapes[0], out_dtypes


def _fake_kwargs(kwargs, fill):
    """Keyword arguments with each KerasTensor replaced by a meta tensor of its shape."""
    if not any_symbolic(kwargs):
        return kwargs

    def fake(value):
        if isinstance(value, KerasTensor):
            dtype = backend.standardize_dtype(value.dtype)
            return torch.zeros(_concrete(value.shape, fill), dtype=dtype, device="meta")
        return value

    return nest.map_structure(fake, kwargs)


def _real_kwargs(kwargs, device):
    """Meta tensors among keyword arguments as CPU zeros (the fallback of `_run_fake`)."""

    def real(value):
        if isinstance(value, torch.Tensor) and value.device.type == "meta":
            return torch.zeros(value.shape, dtype=value.dtype, device=device)
        return value

    return nest.map_structure(real, kwargs)


def _run_fake(layer, args, kwargs):
    """Calls layer.call with meta copies of its parameters and buffers (no real compute)."""
    params_and_buffers = {}
    for name, tensor in list(layer.named_parameters()) + list(layer.named_buffers()):
        params_and_buffers[name] = torch.empty_like(tensor, device="meta")
    was_training = layer.training
    layer.eval()
    try:
        with torch.no_grad():
            try:
                return torch.func.functional_call(layer, params_and_buffers, (args,), kwargs, strict=False)
            except (NotImplementedError, RuntimeError):
                pass
            # Some ops have no meta kernel: run for real on small CPU zeros instead.
            real_args = [torch.zeros(a.shape, dtype=a.dtype) for a in (args if isinstance(args, list) else [args])]
            device = layer._current_device() or torch.device("cpu")
            real_args = [a.to(device) for a in real_args]
            stateful_backup = _snapshot_states(layer)
            try:
                return layer(real_args if isinstance(args, list) else real_args[0], **_real_kwargs(kwargs, device))
            finally:
                _restore_states(layer, stateful_backup)
    finally:
        layer.train(was_training)


def _snapshot_states(layer):
    return {id(m): getattr(m, "states", None) for m in layer.modules() if hasattr(m, "states")}


def _restore_states(layer, snapshot):
    for module in layer.modules():
        if id(module) in snapshot:
            try:
                module.states = snapshot[id(module)]
            except AttributeError:
                pass


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


_TENSOR_OPS = {
    "add": operator.add,
    "subtract": operator.sub,
    "multiply": operator.mul,
    "divide": operator.truediv,
    "floordiv": operator.floordiv,
    "mod": operator.mod,
    "pow": operator.pow,
    "matmul": operator.matmul,
    "greater": operator.gt,
    "greater_equal": operator.ge,
    "less": operator.lt,
    "less_equal": operator.le,
    "logical_and": operator.and_,
    "logical_or": operator.or_,
    "logical_xor": operator.xor,
}
_UNARY_OPS = {"negative": operator.neg, "abs": operator.abs, "logical_not": torch.logical_not}


class TensorOp(layer_module.Layer):
    """Arithmetic on symbolic tensors (`x + y`, `2 * x`, `-x`, `x ** 2`, `x > 0`) recorded as a layer.

    Args:
        op: a binary op ('add', 'subtract', 'multiply', 'divide', 'floordiv', 'mod', 'pow', 'matmul',
            'greater', 'greater_equal', 'less', 'less_equal', 'logical_and', 'logical_or',
            'logical_xor') or a unary one ('negative', 'abs', 'logical_not').
        constant: the non-tensor operand, or None when both operands are tensors.
        reverse: True when the constant is the left operand.
    """

    def __init__(self, op, constant=None, reverse=False, **kwargs):
        if op not in _TENSOR_OPS and op not in _UNARY_OPS:
            raise ValueError(
                f"TensorOp expects `op` in {sorted(_TENSOR_OPS) + sorted(_UNARY_OPS)}. Received: op={op!r}"
            )
        kwargs.setdefault("name", backend.unique_object_name(f"tf_op_{op}"))
        super().__init__(**kwargs)
        self.op = op
        self.constant = constant
        self.reverse = bool(reverse)
        self.supports_masking = True

    def call(self, inputs):
        if self.op in _UNARY_OPS:
            return _UNARY_OPS[self.op](inputs)
        fn = _TENSOR_OPS[self.op]
        if isinstance(inputs, (list, tuple)):
            return fn(inputs[0], inputs[1])
        constant = self.constant
        return fn(constant, inputs) if self.reverse else fn(inputs, constant)

    def get_config(self):
        config = super().get_config()
        config.update({"op": self.op, "constant": self.constant, "reverse": self.reverse})
        return config


class SlicingOpLambda(layer_module.Layer):
    """`x[key]` on a symbolic tensor, recorded as a layer (tf.keras 2's SlicingOpLambda).

    The key travels as the call's `slice_spec` argument in tf.keras 2's JSON form (see
    `symbolic_ops.encode_slice_spec`), so functional configs hold it in their inbound nodes as
    tf.keras writes them, and tf.keras 2 configs load.

    Args:
        function: '__operators__.getitem' (the only function tf.keras 2 records here).
    """

    _autocast_inputs = False

    def __init__(self, function="__operators__.getitem", **kwargs):
        if function != "__operators__.getitem":
            raise ValueError(
                f"SlicingOpLambda expects function='__operators__.getitem'. Received: function={function!r}"
            )
        kwargs.setdefault("name", backend.unique_object_name("tf.__operators__.getitem"))
        super().__init__(**kwargs)
        self.function = function

    def call(self, inputs, slice_spec=None):
        return symbolic_ops.apply_slice(inputs, symbolic_ops.decode_slice_spec(slice_spec))

    def compute_output_shape(self, input_shape, slice_spec=None):
        if slice_spec is None and self._inbound_nodes:
            slice_spec = self._inbound_nodes[0].call_kwargs.get("slice_spec")
        return symbolic_ops.sliced_shape(tuple(input_shape), symbolic_ops.decode_slice_spec(slice_spec))

    def _infer_symbolic_output(self, inputs, kwargs):
        return self.compute_output_shape(inputs.shape, kwargs.get("slice_spec")), [inputs.dtype]

    def get_config(self):
        config = super().get_config()
        config["function"] = self.function
        return config


# ---------------------------------------------------------------------------------------------
# Functions called on symbolic tensors (tf.keras 2 TFOpLambda) and symbolic model losses (AddLoss)
# ---------------------------------------------------------------------------------------------
_TENSOR_MARK = "__keras_tensor__"


def record_function_call(function, args, kwargs):
    """Records `function(*args, **kwargs)` on KerasTensors as a `TFOpLambda` node; returns its output(s).

    Args:
        function: a public tensor function wrapped by `symbolic_ops` (it has a public name).
        args: positional arguments, KerasTensors among them (also inside lists).
        kwargs: keyword arguments.
    """
    name = symbolic_ops.public_name(function)
    try:
        bound = inspect.signature(function).bind(*args, **kwargs)
    except TypeError as error:
        raise TypeError(f"{name}() was called on symbolic tensors with invalid arguments: {error}") from None
    tensors = []
    arguments = {key: _to_template(value, tensors, name) for key, value in bound.arguments.items()}
    layer = TFOpLambda(name, arguments=arguments)
    return layer(tensors)


def _to_template(value, tensors, function_name):
    """`value` with each KerasTensor replaced by `{"__keras_tensor__": index}` (appended to `tensors`)."""
    if isinstance(value, KerasTensor):
        tensors.append(value)
        return {_TENSOR_MARK: len(tensors) - 1}
    if isinstance(value, (torch.Tensor, np.ndarray)):
        raise ValueError(
            f"{function_name}() was called on a mix of symbolic tensors (from Input() or layers) and a concrete "
            f"tensor of shape {tuple(value.shape)}. In a functional model every tensor argument must be "
            "symbolic; wrap the computation with the concrete tensor in a Lambda layer instead."
        )
    if isinstance(value, torch.dtype):
        return backend.dtype_name(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return type(value)(_to_template(item, tensors, function_name) for item in value)
    if isinstance(value, dict):
        return {key: _to_template(item, tensors, function_name) for key, item in value.items()}
    return value


def _from_template(value, tensors):
    """The inverse of `_to_template`: markers replaced by the concrete `tensors`."""
    if isinstance(value, dict):
        if len(value) == 1 and _TENSOR_MARK in value:
            return tensors[value[_TENSOR_MARK]]
        return {key: _from_template(item, tensors) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_from_template(item, tensors) for item in value)
    return value


def _is_serializable(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_serializable(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _is_serializable(item) for key, item in value.items())
    return False


class TFOpLambda(layer_module.Layer):
    """A public tensor function called on symbolic tensors (`K.sum(x, axis=-1)`), recorded as a layer.

    The layer takes the list of the call's tensors and runs the function on them with the stored
    non-tensor arguments, as tf.keras 2's TFOpLambda runs a TensorFlow function.

    Args:
        function: the function's public name ('backend.sum', 'activations.relu',
            'losses.binary_crossentropy', 'metrics.binary_accuracy') or the function itself.
        arguments: the call's arguments by parameter name; tensor positions are written
            `{"__keras_tensor__": index}` (index into the layer's input list).
    """

    _autocast_inputs = False
    _expects_list_input = True

    def __init__(self, function, arguments=None, **kwargs):
        if callable(function):
            name = symbolic_ops.public_name(function)
            if name is None:
                raise ValueError(
                    f"TFOpLambda expects a public kerastorch tensor function or its name. Received: {function!r}"
                )
            function = name
        self._function = symbolic_ops.resolve(function)
        kwargs.setdefault("name", backend.unique_object_name(function))
        super().__init__(**kwargs)
        self.function = function
        self.arguments = dict(arguments or {})
        self._parameters_kinds = {
            key: parameter.kind for key, parameter in inspect.signature(self._function).parameters.items()
        }
        unknown = [key for key in self.arguments if key not in self._parameters_kinds]
        if unknown:
            raise ValueError(f"TFOpLambda '{self.name}': {function}() has no parameter(s) {unknown}.")

    def call(self, inputs):
        tensors = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        positional, keywords = [], {}
        for key, value in self.arguments.items():
            value = _from_template(value, tensors)
            kind = self._parameters_kinds[key]
            if kind is inspect.Parameter.VAR_POSITIONAL:
                positional.extend(value)
            elif kind is inspect.Parameter.VAR_KEYWORD:
                keywords.update(value)
            elif kind is inspect.Parameter.POSITIONAL_ONLY:
                positional.append(value)
            else:
                keywords[key] = value
        raw = getattr(self._function, "__wrapped__", self._function)
        return raw(*positional, **keywords)

    def get_config(self):
        if not _is_serializable(self.arguments):
            raise ValueError(
                f"TFOpLambda '{self.name}' cannot be saved: the arguments of {self.function}() hold values "
                f"that are not numbers, strings, None or lists of them. Received: {self.arguments!r}"
            )
        config = super().get_config()
        config.update({"function": self.function, "arguments": self.arguments})
        return config


class AddLoss(layer_module.Layer):
    """Adds its input to the model's losses on every call and returns it (a symbolic `model.add_loss`).

    A tensor with more than one value is averaged, as tf.keras 2 logs it.

    Args:
        unconditional: kept for tf.keras 2 configs; the loss always depends on the call's inputs here.
    """

    _autocast_inputs = False

    def __init__(self, unconditional=False, **kwargs):
        super().__init__(**kwargs)
        self.unconditional = bool(unconditional)

    def call(self, inputs):
        self.add_loss(inputs if inputs.dim() == 0 else torch.mean(inputs))
        return inputs

    def get_config(self):
        config = super().get_config()
        config["unconditional"] = self.unconditional
        return config


class AddMetric(layer_module.Layer):
    """Logs its input as the metric `metric_name` on every call and returns it (a symbolic `model.add_metric`).

    Args:
        aggregation: 'mean' (or None, the same).
        metric_name: the metric's log name.
    """

    _autocast_inputs = False

    def __init__(self, aggregation="mean", metric_name=None, **kwargs):
        super().__init__(**kwargs)
        if aggregation not in ("mean", None):
            raise ValueError(f"AddMetric expects aggregation='mean'. Received: aggregation={aggregation!r}")
        if not metric_name:
            raise ValueError(f"AddMetric '{self.name}' needs a `metric_name`. Received: metric_name={metric_name!r}")
        self.aggregation = aggregation
        self.metric_name = metric_name

    def call(self, inputs):
        self.add_metric(inputs, name=self.metric_name, aggregation=self.aggregation)
        return inputs

    def get_config(self):
        config = super().get_config()
        config.update({"aggregation": self.aggregation, "metric_name": self.metric_name})
        return config
