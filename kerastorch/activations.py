"""Activation functions (Keras 2 names and formulas) and their get/serialize/deserialize."""

import torch

from kerastorch import _families
from kerastorch import backend
from kerastorch.engine import symbolic_ops

__all__ = [
    "deserialize",
    "elu",
    "exponential",
    "gelu",
    "get",
    "hard_sigmoid",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "serialize",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "swish",
    "tanh",
]


@symbolic_ops.symbolic_function("activations")
def softmax(x, axis=-1):
    """Softmax along `axis`; the output keeps its logits as `_keras_logits` for the losses.

    Args:
        x: tensor of rank >= 2.
        axis: int or tuple of ints.
    """
    return backend.softmax(x, axis=axis)


@symbolic_ops.symbolic_function("activations")
def elu(x, alpha=1.0):
    """Exponential linear unit: `x` if `x > 0`, else `alpha * (exp(x) - 1)`.

    Args:
        x: tensor.
        alpha: scale of the negative part.
    """
    return backend.elu(x, alpha)


@symbolic_ops.symbolic_function("activations")
def selu(x):
    """Scaled ELU: `scale * elu(x, alpha)` with alpha=1.67326324, scale=1.05070098.

    Args:
        x: tensor.
    """
    return torch.nn.functional.selu(x)


@symbolic_ops.symbolic_function("activations")
def softplus(x):
    """`log(exp(x) + 1)`.

    Args:
        x: tensor.
    """
    return torch.nn.functional.softplus(x)


@symbolic_ops.symbolic_function("activations")
def softsign(x):
    """`x / (abs(x) + 1)`.

    Args:
        x: tensor.
    """
    return torch.nn.functional.softsign(x)


@symbolic_ops.symbolic_function("activations")
def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit: `max(x, 0)` by default.

    Args:
        x: tensor.
        alpha: slope below `threshold`.
        max_value: saturation value, or None.
        threshold: values below it are damped.
    """
    return backend.relu(x, alpha=alpha, max_value=max_value, threshold=threshold)


@symbolic_ops.symbolic_function("activations")
def gelu(x, approximate=False):
    """Gaussian error linear unit: `x * P(X <= x)` for a standard normal `X`.

    Args:
        x: tensor.
        approximate: use the tanh approximation.
    """
    return torch.nn.functional.gelu(x, approximate="tanh" if approximate else "none")


@symbolic_ops.symbolic_function("activations")
def tanh(x):
    """Hyperbolic tangent.

    Args:
        x: tensor.
    """
    return torch.tanh(x)


@symbolic_ops.symbolic_function("activations")
def sigmoid(x):
    """`1 / (1 + exp(-x))`; the output keeps its logits as `_keras_logits` for the losses.

    Args:
        x: tensor.
    """
    return backend.sigmoid(x)


@symbolic_ops.symbolic_function("activations")
def exponential(x):
    """`exp(x)`.

    Args:
        x: tensor.
    """
    return torch.exp(x)


@symbolic_ops.symbolic_function("activations")
def hard_sigmoid(x):
    """Keras 2 hard sigmoid: `clip(0.2 * x + 0.5, 0, 1)`.

    Args:
        x: tensor.
    """
    return backend.hard_sigmoid(x)


@symbolic_ops.symbolic_function("activations")
def linear(x):
    """Identity.

    Args:
        x: tensor.
    """
    return x


@symbolic_ops.symbolic_function("activations")
def swish(x):
    """`x * sigmoid(x)`.

    Args:
        x: tensor.
    """
    return torch.nn.functional.silu(x)


silu = swish


@symbolic_ops.symbolic_function("activations")
def mish(x):
    """`x * tanh(softplus(x))`.

    Args:
        x: tensor.
    """
    return torch.nn.functional.mish(x)


@symbolic_ops.symbolic_function("activations")
def relu6(x):
    """`min(max(x, 0), 6)`.

    Args:
        x: tensor.
    """
    return torch.clamp(x, 0.0, 6.0)


@symbolic_ops.symbolic_function("activations")
def leaky_relu(x, alpha=0.2):
    """`x` for `x >= 0`, else `alpha * x` (tf.nn.leaky_relu default alpha=0.2).

    Args:
        x: tensor.
        alpha: negative slope.
    """
    return torch.nn.functional.leaky_relu(x, negative_slope=alpha)


@symbolic_ops.symbolic_function("activations")
def log_softmax(x, axis=-1):
    """`log(softmax(x))`, computed stably.

    Args:
        x: tensor.
        axis: int.
    """
    return torch.log_softmax(x, dim=axis)


_ACTIVATIONS = {
    "softmax": softmax,
    "elu": elu,
    "selu": selu,
    "softplus": softplus,
    "softsign": softsign,
    "relu": relu,
    "gelu": gelu,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "exponential": exponential,
    "hard_sigmoid": hard_sigmoid,
    "linear": linear,
    "swish": swish,
    "silu": silu,
    "mish": mish,
    "relu6": relu6,
    "leaky_relu": leaky_relu,
    "log_softmax": log_softmax,
}
# Names other frameworks wrote into saved configs for the same functions.
_ALIASES = {"softmax_v2": "softmax"}


def _layer_class(class_name, custom_objects):
    """The advanced activation layer class (LeakyReLU, PReLU, ...) named `class_name`, or None."""
    from kerastorch.saving import serialization

    try:
        return serialization.get_layer_class(class_name, custom_objects)
    except ValueError:
        return None


def _unknown(name):
    return ValueError(f"Unknown activation function {name!r}. Valid names: {', '.join(sorted(_ACTIVATIONS))}.")


def deserialize(name, custom_objects=None):
    """Returns the activation for a name or a config dict.

    Args:
        name: a function name ('relu'), a Keras 3 function config
            (`{"class_name": "function", "config": "relu", ...}`) or an advanced activation layer
            config (`{"class_name": "LeakyReLU", "config": {...}}`).
        custom_objects: optional dict of user functions/classes by name.
    """
    custom_objects = _families.scoped_custom_objects(custom_objects)
    if isinstance(name, dict):
        class_name = name.get("class_name")
        config = name.get("config", {})
        if class_name == "function" or (class_name in _ACTIVATIONS and not isinstance(config, dict)):
            return deserialize(config, custom_objects)
        if class_name in _ACTIVATIONS and not config:
            return _ACTIVATIONS[class_name]
        cls = custom_objects.get(class_name) or _layer_class(class_name, custom_objects)
        if cls is None:
            raise _unknown(class_name)
        if hasattr(cls, "from_config"):
            return cls.from_config(dict(config or {}))
        return cls(**(config or {}))
    if not isinstance(name, str):
        raise TypeError(f"Could not interpret activation function identifier: {name!r}")
    if name in custom_objects:
        return custom_objects[name]
    name = _ALIASES.get(name, name)
    if name in _ACTIVATIONS:
        return _ACTIVATIONS[name]
    raise _unknown(name)


def serialize(activation):
    """Returns the name of a built-in or named activation function, or the config dict of a layer.

    Args:
        activation: function or advanced activation layer.
    """
    for name, function in _ACTIVATIONS.items():
        if activation is function:
            return name
    if hasattr(activation, "get_config"):
        return {"class_name": type(activation).__name__, "config": activation.get_config()}
    name = getattr(activation, "__name__", None)
    if name:
        return _ALIASES.get(name, name)
    raise ValueError(f"Unknown activation function {activation!r} cannot be serialized: it has no name.")


def get(identifier):
    """Returns the activation for `identifier`.

    Args:
        identifier: None (linear), a name, a config dict, or a callable (function or layer).
    """
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret activation function identifier: {identifier!r}")
