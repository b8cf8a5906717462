"""Op layers: operators, slicing, tensor functions, add_loss and add_metric on KerasTensors, recorded as layers."""

import inspect
import operator

import numpy as np
import torch

from kerastorch import backend
from kerastorch.engine import layer as layer_module
from kerastorch.engine import symbolic_ops

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
    from kerastorch.engine import keras_tensor  # imported late: it imports this module

    if isinstance(value, keras_tensor.KerasTensor):
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


# ---------------------------------------------------------------------------------------------
# K.gradients on symbolic tensors (Keras 2's tf.gradients in the graph)
# ---------------------------------------------------------------------------------------------
def _ancestry(tensor):
    """The ids of the KerasTensors and the layers `tensor` is computed from (itself included)."""
    tensors, layers, stack = set(), set(), [tensor]
    while stack:
        current = stack.pop()
        if id(current) in tensors:
            continue
        tensors.add(id(current))
        layer, node_index, _ = current._keras_history
        layers.add(layer)
        stack.extend(layer._inbound_nodes[node_index].keras_inputs)
    return tensors, layers


def record_gradients(loss, variables):
    """`K.gradients(loss, variables)` for a symbolic `loss`: one symbolic gradient per variable.

    As `tf.gradients` in a Keras 2 graph, the entry of a variable `loss` does not depend on is
    None; the others are the outputs of one `Gradients` node, evaluated when the graph runs (see
    `K.function`).

    Args:
        loss: a KerasTensor (a non-scalar one is summed, as tf.gradients does).
        variables: a KerasTensor, a weight (Parameter), or a list of them.
    """
    from kerastorch.engine import keras_tensor  # imported late: it imports this module

    if not isinstance(loss, keras_tensor.KerasTensor):
        raise TypeError(f"K.gradients expects `loss` to be one tensor. Received: {type(loss).__name__}")
    variables = list(variables) if isinstance(variables, (list, tuple)) else [variables]
    tensors, layers = _ancestry(loss)
    layer_weights = {id(w) for layer in layers for w in layer.weights}
    connected_tensors, connected_weights, slots = [], [], []
    for index, variable in enumerate(variables):
        if isinstance(variable, keras_tensor.KerasTensor):
            if id(variable) in tensors:
                slots.append((index, "tensor", len(connected_tensors)))
                connected_tensors.append(variable)
        elif isinstance(variable, torch.Tensor):
            if id(variable) in layer_weights:
                slots.append((index, "weight", len(connected_weights)))
                connected_weights.append(variable)
        else:
            raise TypeError(
                "K.gradients expects `variables` to be symbolic tensors (from Input() or layers) or weights. "
                f"Received at index {index}: {type(variable).__name__}"
            )
    result = [None] * len(variables)
    if not slots:
        return result
    layer = Gradients(len(connected_tensors), connected_weights)
    outputs = layer([loss] + connected_tensors)
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    for index, kind, position in slots:
        result[index] = outputs[position if kind == "tensor" else len(connected_tensors) + position]
    return result


class Gradients(layer_module.Layer):
    """The gradients of a loss with respect to tensors of the graph and to weights, as a layer.

    Its input is `[loss, *tensors]`, its outputs the gradient of `sum(loss)` with respect to each
    tensor, then to each weight. The gradients are taken through the graph's own computation (one
    forward pass, as `tf.gradients` in a Keras 2 graph), so the graph must run with autograd on
    and its inputs requiring gradients: `K.function` runs it so. The gradients keep their own
    autograd graph, so they can themselves be differentiated.

    Args:
        num_tensors: how many inputs after the loss are differentiated.
        variables: the weights (Parameters) differentiated after the tensors.
    """

    _autocast_inputs = False
    _expects_list_input = True

    def __init__(self, num_tensors, variables=(), **kwargs):
        kwargs.setdefault("name", backend.unique_object_name("gradients"))
        super().__init__(**kwargs)
        self.num_tensors = int(num_tensors)
        # A tuple, so the weights are not registered as this layer's own.
        self._variables = tuple(variables)

    def call(self, inputs):
        loss, tensors = inputs[0], list(inputs[1 : 1 + self.num_tensors])
        targets = tensors + list(self._variables)
        if not torch.is_grad_enabled():
            raise ValueError(
                f"Layer '{self.name}' (K.gradients) runs with autograd off (in predict/evaluate or torch.no_grad()). "
                "Evaluate symbolic gradients with K.function([inputs], [..., grads])."
            )
        wanted = [t for t in targets if t.requires_grad]
        grads = {}
        if wanted and loss.requires_grad:
            found = torch.autograd.grad(
                loss,
                wanted,
                grad_outputs=torch.ones_like(loss),
                retain_graph=True,
                create_graph=True,
                allow_unused=True,
            )
            grads = {id(t): g for t, g in zip(wanted, found)}
        outputs = []
        for target in targets:
            grad = grads.get(id(target))
            outputs.append(torch.zeros_like(target) if grad is None else grad)
        return outputs if len(outputs) > 1 else outputs[0]

    def _infer_symbolic_output(self, inputs, kwargs):
        tensors = list(inputs[1 : 1 + self.num_tensors])
        shapes = [tuple(t.shape) for t in tensors] + [tuple(v.shape) for v in self._variables]
        dtypes = [t.dtype for t in tensors] + [backend.dtype_name(v.dtype) for v in self._variables]
        return (shapes if len(shapes) > 1 else shapes[0]), dtypes

    def get_config(self):
        raise ValueError(
            f"Layer '{self.name}' (K.gradients) cannot be saved: rebuild the gradients with K.gradients after loading."
        )
