"""Weight constraints (MaxNorm, NonNeg, UnitNorm, MinMaxNorm, RadialConstraint) and their get/serialize/deserialize."""

import torch

from kerastorch import _families
from kerastorch import backend

__all__ = [
    "Constraint",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "RadialConstraint",
    "UnitNorm",
    "deserialize",
    "get",
    "max_norm",
    "min_max_norm",
    "non_neg",
    "radial_constraint",
    "serialize",
    "unit_norm",
]


def _norms(w, axis):
    dims = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    return torch.sqrt(torch.sum(torch.square(w), dim=dims, keepdim=True))


class Constraint:
    """Base class: `c(weight) -> projected weight` (Keras layout), with `get_config()`."""

    def __call__(self, w):
        """Returns `w` unchanged (subclasses project it).

        Args:
            w: weight tensor in Keras layout.
        """
        return w

    def get_config(self):
        """Constructor arguments as a dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Creates the constraint from `get_config()` output."""
        return cls(**config)

    def __repr__(self):
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


class MaxNorm(Constraint):
    """Rescales the weight vectors along `axis` whose L2 norm exceeds `max_value`.

    `w * clip(norms, 0, max_value) / (epsilon + norms)`.

    Args:
        max_value: maximum norm.
        axis: axis (or axes) along which norms are computed: 0 for a Dense kernel
            `(input_dim, units)`, `[0, 1, 2]` for a Conv2D kernel `(rows, cols, in, out)`.
    """

    def __init__(self, max_value=2, axis=0, **kwargs):
        max_value = kwargs.pop("m", max_value)  # Keras 1 spelling
        if kwargs:
            raise TypeError(f"MaxNorm got unexpected keyword argument(s): {', '.join(map(repr, kwargs))}.")
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = torch.clamp(norms, 0, self.max_value)
        return w * (desired / (backend.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to zero."""

    def __call__(self, w):
        return w * (w >= 0.0).to(w.dtype)


class UnitNorm(Constraint):
    """Scales the weight vectors along `axis` to unit L2 norm: `w / (epsilon + norms)`.

    Args:
        axis: axis (or axes) along which norms are computed.
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (backend.epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Keeps the norms of weight vectors along `axis` between `min_value` and `max_value`.

    `w * (rate * clip(norms, min_value, max_value) + (1 - rate) * norms) / (epsilon + norms)`.

    Args:
        min_value: minimum norm.
        max_value: maximum norm.
        rate: how far to move towards the allowed interval per application (1 = all the way).
        axis: axis (or axes) along which norms are computed.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = self.rate * torch.clamp(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (backend.epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


class RadialConstraint(Constraint):
    """Makes square `Conv2D` kernels constant on each ring around the centre, as tf.keras 2.

    For a kernel of shape `(n, n, input_depth, output_depth)` and `start = n // 2`, every
    `(input, output)` slice becomes concentric rings: the innermost (1x1 for odd `n`, 2x2 for even
    `n`) takes the value at `[start - 1, start - 1]`, and ring `r` (counted outwards from 1) the
    value at `[start + r - 1, start + r - 1]` for odd `n`, `[start + r, start + r]` for even `n`.
    """

    def __call__(self, w):
        shape = tuple(w.shape)
        if len(shape) != 4:
            raise ValueError(f"RadialConstraint expects a weight tensor of rank 4. Received weight shape: {shape}")
        size = shape[0]
        if shape[1] != size or size < 2:
            raise ValueError(
                "RadialConstraint expects a square kernel of size >= 2 (rows == cols). "
                f"Received weight shape: {shape}"
            )
        start = size // 2
        positions = torch.arange(size, device=w.device)
        odd = size % 2
        # Distance of each row/column from the central 1x1 (odd) or 2x2 (even) block.
        distance = (positions - start).abs() if odd else torch.where(positions < start, start - 1 - positions, positions - start)
        ring = torch.maximum(distance[:, None], distance[None, :])
        source = torch.where(ring == 0, torch.full_like(ring, start - 1), start + ring - odd)
        diagonal = w[positions, positions]
        return diagonal[source]


# Function-style aliases (Keras 2) and the Keras 1 spellings.
max_norm = maxnorm = MaxNorm
non_neg = nonneg = NonNeg
unit_norm = unitnorm = UnitNorm
min_max_norm = MinMaxNorm
radial_constraint = RadialConstraint

_ALL_OBJECTS = {
    "MaxNorm": MaxNorm,
    "NonNeg": NonNeg,
    "UnitNorm": UnitNorm,
    "MinMaxNorm": MinMaxNorm,
    "RadialConstraint": RadialConstraint,
    "radial_constraint": RadialConstraint,
    "max_norm": MaxNorm,
    "non_neg": NonNeg,
    "unit_norm": UnitNorm,
    "min_max_norm": MinMaxNorm,
    "maxnorm": MaxNorm,
    "nonneg": NonNeg,
    "unitnorm": UnitNorm,
}


def serialize(constraint):
    """Returns `{"class_name": ..., "config": ...}` (None for None; a named function gives its name).

    Args:
        constraint: Constraint instance.
    """
    return _families.serialize_object("constraint", constraint)


def deserialize(config, custom_objects=None):
    """Returns a constraint from a name or a config dict.

    Args:
        config: a name ('max_norm', 'MaxNorm', 'maxnorm'), `{"class_name": ..., "config": ...}`
            (Keras 3 extra keys ignored) or a Keras 1 dict `{"name": "MaxNorm", "m": 2, "axis": 0}`.
        custom_objects: optional dict of user classes/functions by name.
    """
    if isinstance(config, str):
        target = _families.lookup("constraint", config, _ALL_OBJECTS, custom_objects)
        return target() if isinstance(target, type) else target
    if isinstance(config, dict) and "class_name" not in config and "name" in config:
        arguments = {k: v for k, v in config.items() if k != "name"}
        config = {"class_name": config["name"], "config": arguments}
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"Constraint config must be a name or a dict with 'class_name' and 'config'. Received: {config!r}"
        )
    target = _families.lookup("constraint", config["class_name"], _ALL_OBJECTS, custom_objects)
    arguments = dict(config.get("config") or {})
    if hasattr(target, "from_config"):
        return target.from_config(arguments)
    return target(**arguments)


def get(identifier):
    """Returns a constraint for `identifier`.

    Args:
        identifier: None, a name, a config dict or a callable `fn(weight) -> weight`.
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r}")
