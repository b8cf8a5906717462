"""Keras 1-only layers: Merge and merge(), TimeDistributedDense, MaxoutDense, Highway, AtrousConvolution1D/2D."""

import torch

from kerastorch import activations
from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.engine import layer as layer_module
from kerastorch.legacy import interfaces
from kerastorch.legacy import layer_conversions
from kerastorch.legacy.merge import Merge
from kerastorch.legacy.merge import merge

__all__ = [
    "Merge",
    "merge",
    "TimeDistributedDense",
    "MaxoutDense",
    "Highway",
    "AtrousConvolution1D",
    "AtrousConvolution2D",
]


def _build_converted(function_name, build, args, kwargs, describe):
    """Converts a Keras 1 call with FUNCTION_CONVERSIONS[function_name], warns once, builds the layer."""
    _, conversion = layer_conversions.FUNCTION_CONVERSIONS[function_name]
    args, kwargs = interfaces.convert_call(conversion, function_name, args, kwargs, ("units",), warn=False)
    interfaces.warn_once(
        (function_name, "class"),
        f"Update your `{function_name}` call to the Keras 2 API: `{describe(args, kwargs)}`",
        stacklevel=4,
    )
    return build(args, kwargs)


def TimeDistributedDense(*args, **kwargs):
    """Keras 1 `TimeDistributedDense(output_dim, ...)`: a `TimeDistributed(Dense(units, ...))`.

    Args:
        *args, **kwargs: the Keras 1 (or Keras 2) arguments of `Dense`; `name`, `input_shape`,
            `batch_input_shape`, `input_dim`/`input_length` and `trainable` go to the wrapper.
    """
    from kerastorch.layers import core
    from kerastorch.layers import wrappers

    outer_keys = ("name", "input_shape", "batch_input_shape", "batch_size", "trainable")

    def split(kwargs):
        outer = {key: kwargs.pop(key) for key in outer_keys if key in kwargs}
        if "dtype" in kwargs:
            outer["dtype"] = kwargs["dtype"]
        return outer, kwargs

    def describe(args, kwargs):
        outer, inner = split(dict(kwargs))
        parts = [interfaces.format_call("Dense", args, inner)]
        parts += [f"{key}={interfaces.format_value(value)}" for key, value in outer.items()]
        return f"TimeDistributed({', '.join(parts)})"

    def build(args, kwargs):
        outer, inner = split(kwargs)
        return wrappers.TimeDistributed(core.Dense(*args, **inner), **outer)

    return _build_converted("TimeDistributedDense", build, args, kwargs, describe)


def AtrousConvolution1D(*args, **kwargs):
    """Keras 1 `AtrousConvolution1D(nb_filter, filter_length, atrous_rate=...)`: a dilated `Conv1D`."""
    from kerastorch.layers import convolutional

    return _build_converted(
        "AtrousConvolution1D",
        lambda a, k: convolutional.Conv1D(*a, **k),
        args,
        kwargs,
        lambda a, k: interfaces.format_call("Conv1D", a, k),
    )


def AtrousConvolution2D(*args, **kwargs):
    """Keras 1 `AtrousConvolution2D(nb_filter, nb_row, nb_col, atrous_rate=...)`: a dilated `Conv2D`."""
    from kerastorch.layers import convolutional

    return _build_converted(
        "AtrousConvolution2D",
        lambda a, k: convolutional.Conv2D(*a, **k),
        args,
        kwargs,
        lambda a, k: interfaces.format_call("Conv2D", a, k),
    )


class MaxoutDense(layer_module.Layer):
    """Keras 1 maxout layer: the elementwise maximum of `nb_feature` linear `Dense` projections.

    `output = max_f(dot(x, W[f]) + b[f])`; the layer is linear (no activation).

    Args:
        output_dim: positive int, the output size.
        nb_feature: number of linear pieces.
        init: initializer of `W` (shape `(nb_feature, input_dim, output_dim)`).
        weights: initial weights `[W, b]`.
        W_regularizer, b_regularizer, activity_regularizer: regularizers.
        W_constraint, b_constraint: constraints.
        bias: whether to add the bias `b` (shape `(nb_feature, output_dim)`).
        input_dim: input size, for a first layer.

    Input shape:
        `(batch_size, input_dim)`.

    Output shape:
        `(batch_size, output_dim)`.

    Example:
        >>> model.add(MaxoutDense(16, nb_feature=4, input_dim=8))
    """

    def __init__(
        self,
        output_dim,
        nb_feature=4,
        init="glorot_uniform",
        weights=None,
        W_regularizer=None,
        b_regularizer=None,
        activity_regularizer=None,
        W_constraint=None,
        b_constraint=None,
        bias=True,
        input_dim=None,
        **kwargs,
    ):
        if input_dim is not None and "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (input_dim,)
        super().__init__(weights=weights, activity_regularizer=activity_regularizer, **kwargs)
        for arg, value in (("output_dim", output_dim), ("nb_feature", nb_feature)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"MaxoutDense expects `{arg}` to be a positive int. Received: {arg}={value!r}")
        self.output_dim = output_dim
        self.nb_feature = nb_feature
        self.init = initializers.get(init)
        self.W_regularizer = regularizers.get(W_regularizer)
        self.b_regularizer = regularizers.get(b_regularizer)
        self.W_constraint = constraints.get(W_constraint)
        self.b_constraint = constraints.get(b_constraint)
        self.bias = bool(bias)
        self.input_dim = input_dim
        self.input_spec = layer_module.InputSpec(ndim=2)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.W = self.add_weight(
            "W", (self.nb_feature, input_dim, self.output_dim), initializer=self.init,
            regularizer=self.W_regularizer, constraint=self.W_constraint,
        )  # fmt: skip
        self.b = None
        if self.bias:
            self.b = self.add_weight(
                "b", (self.nb_feature, self.output_dim), initializer="zeros",
                regularizer=self.b_regularizer, constraint=self.b_constraint,
            )  # fmt: skip
        self.input_spec = layer_module.InputSpec(ndim=2, axes={-1: input_dim})

    def call(self, inputs):
        output = torch.einsum("bi,fio->bfo", inputs, self.W)
        if self.b is not None:
            output = output + self.b
        return output.max(dim=1).values

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "output_dim": self.output_dim,
                "nb_feature": self.nb_feature,
                "init": initializers.serialize(self.init),
                "W_regularizer": regularizers.serialize(self.W_regularizer),
                "b_regularizer": regularizers.serialize(self.b_regularizer),
                "W_constraint": constraints.serialize(self.W_constraint),
                "b_constraint": constraints.serialize(self.b_constraint),
                "bias": self.bias,
                "input_dim": self.input_dim,
            }
        )
        return config


class Highway(layer_module.Layer):
    """Keras 1 densely connected highway layer.

    `t = sigmoid(dot(x, W_carry) + b_carry)`, `output = t * activation(dot(x, W) + b) + (1 - t) * x`.

    Args:
        init: initializer of `W` and `W_carry` (shape `(input_dim, input_dim)`).
        transform_bias: initial value of `b_carry` (Keras 1 default -2: start by carrying the input).
        activation: activation of the transform (default linear).
        weights: initial weights `[W, b, W_carry, b_carry]` (the Keras 1 order).
        W_regularizer, b_regularizer, activity_regularizer: regularizers of `W`, `b` and the output.
        W_constraint, b_constraint: constraints of `W` and `b`.
        bias: whether to use the biases `b` and `b_carry`.
        input_dim: input size, for a first layer.

    Input shape:
        `(batch_size, input_dim)`.

    Output shape:
        `(batch_size, input_dim)`.

    Example:
        >>> model.add(Highway(activation='relu', input_dim=16))
    """

    def __init__(
        self,
        init="glorot_uniform",
        transform_bias=-2,
        activation=None,
        weights=None,
        W_regularizer=None,
        b_regularizer=None,
        activity_regularizer=None,
        W_constraint=None,
        b_constraint=None,
        bias=True,
        input_dim=None,
        **kwargs,
    ):
        if input_dim is not None and "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (input_dim,)
        super().__init__(weights=weights, activity_regularizer=activity_regularizer, **kwargs)
        self.init = initializers.get(init)
        self.transform_bias = float(transform_bias)
        self.activation = activations.get(activation)
        self.W_regularizer = regularizers.get(W_regularizer)
        self.b_regularizer = regularizers.get(b_regularizer)
        self.W_constraint = constraints.get(W_constraint)
        self.b_constraint = constraints.get(b_constraint)
        self.bias = bool(bias)
        self.input_dim = input_dim
        self.input_spec = layer_module.InputSpec(ndim=2)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        square = (input_dim, input_dim)
        self.W = self.add_weight(
            "W", square, initializer=self.init, regularizer=self.W_regularizer, constraint=self.W_constraint
        )
        self.b = self.b_carry = None
        if self.bias:
            self.b = self.add_weight(
                "b", (input_dim,), initializer="zeros", regularizer=self.b_regularizer, constraint=self.b_constraint
            )
        self.W_carry = self.add_weight("W_carry", square, initializer=self.init)
        if self.bias:
            self.b_carry = self.add_weight(
                "b_carry", (input_dim,), initializer=initializers.Constant(self.transform_bias)
            )
        self.input_spec = layer_module.InputSpec(ndim=2, axes={-1: input_dim})

    def call(self, inputs):
        carry = inputs @ self.W_carry
        transform = inputs @ self.W
        if self.bias:
            carry = carry + self.b_carry
            transform = transform + self.b
        gate = torch.sigmoid(carry)
        return self.activation(transform) * gate + (1.0 - gate) * inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "init": initializers.serialize(self.init),
                "transform_bias": self.transform_bias,
                "activation": activations.serialize(self.activation),
                "W_regularizer": regularizers.serialize(self.W_regularizer),
                "b_regularizer": regularizers.serialize(self.b_regularizer),
                "W_constraint": constraints.serialize(self.W_constraint),
                "b_constraint": constraints.serialize(self.b_constraint),
                "bias": self.bias,
                "input_dim": self.input_dim,
            }
        )
        return config
