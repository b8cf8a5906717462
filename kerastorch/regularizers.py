"""Weight regularizers (L1, L2, L1L2, OrthogonalRegularizer) and their get/serialize/deserialize."""

import math
import numbers

import torch

from kerastorch import _families

__all__ = [
    "L1",
    "L1L2",
    "L2",
    "OrthogonalRegularizer",
    "Regularizer",
    "deserialize",
    "get",
    "l1",
    "l1_l2",
    "l2",
    "orthogonal_regularizer",
    "serialize",
]


def _check_penalty(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value) or math.isinf(value):
        raise ValueError(
            f"Expected `{name}` to be a finite int or float regularization factor. Received: {name}={value!r}"
        )
    return float(value)


class Regularizer:
    """Base class: `reg(weight) -> scalar tensor`, with `get_config()`/`from_config()`."""

    def __call__(self, x):
        """Returns the penalty for the weight `x` (zero for the base class).

        Args:
            x: weight tensor in Keras layout.
        """
        return torch.zeros((), dtype=x.dtype, device=x.device)

    def get_config(self):
        """Constructor arguments as a dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Creates the regularizer from `get_config()` output."""
        return cls(**config)

    def __repr__(self):
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


class L1L2(Regularizer):
    """Penalty `l1 * sum(abs(x)) + l2 * sum(square(x))`.

    Args:
        l1: L1 factor (default 0).
        l2: L2 factor (default 0).
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _check_penalty(0.0 if l1 is None else l1, "l1")
        self.l2 = _check_penalty(0.0 if l2 is None else l2, "l2")

    def __call__(self, x):
        regularization = torch.zeros((), dtype=x.dtype, device=x.device)
        if self.l1:
            regularization = regularization + self.l1 * torch.sum(torch.abs(x))
        if self.l2:
            regularization = regularization + self.l2 * torch.sum(torch.square(x))
        return regularization

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """Penalty `l1 * sum(abs(x))`.

    Args:
        l1: L1 factor (default 0.01); `l=` is accepted as in Keras 2.2.
    """

    def __init__(self, l1=0.01, **kwargs):
        l1 = kwargs.pop("l", l1)
        if kwargs:
            raise TypeError(f"L1 got unexpected keyword argument(s): {', '.join(map(repr, kwargs))}.")
        self.l1 = _check_penalty(0.01 if l1 is None else l1, "l1")

    def __call__(self, x):
        return self.l1 * torch.sum(torch.abs(x))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """Penalty `l2 * sum(square(x))`.

    Args:
        l2: L2 factor (default 0.01); `l=` is accepted as in Keras 2.2.
    """

    def __init__(self, l2=0.01, **kwargs):
        l2 = kwargs.pop("l", l2)
        if kwargs:
            raise TypeError(f"L2 got unexpected keyword argument(s): {', '.join(map(repr, kwargs))}.")
        self.l2 = _check_penalty(0.01 if l2 is None else l2, "l2")

    def __call__(self, x):
        return self.l2 * torch.sum(torch.square(x))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Penalty pushing the rows (or columns) of a 2D weight to be orthogonal.

    `factor * 0.5 * sum(|offdiag(N N^T)|) / (n * (n - 1) / 2)` with N the L2-normalized rows.

    Args:
        factor: regularization factor (default 0.01).
        mode: 'rows' or 'columns'.
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _check_penalty(factor, "factor")
        if mode not in ("rows", "columns"):
            raise ValueError(f"OrthogonalRegularizer expects `mode` 'rows' or 'columns'. Received: mode={mode!r}")
        self.mode = mode

    def __call__(self, x):
        if x.ndim != 2:
            raise ValueError(f"OrthogonalRegularizer needs a 2D weight. Received: shape={tuple(x.shape)}")
        vectors = x if self.mode == "rows" else x.transpose(0, 1)
        vectors = vectors * torch.rsqrt(torch.clamp(torch.sum(vectors * vectors, dim=1, keepdim=True), min=1e-12))
        product = vectors @ vectors.transpose(0, 1)
        size = vectors.shape[0]
        off_diagonal = product * (1.0 - torch.eye(size, dtype=x.dtype, device=x.device))
        num_pairs = size * (size - 1.0) / 2.0
        return self.factor * 0.5 * torch.sum(torch.abs(off_diagonal)) / num_pairs

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


def l1_l2(l1=0.01, l2=0.01):
    """Returns `L1L2(l1, l2)` (note the 0.01 defaults, unlike the class).

    Args:
        l1: L1 factor.
        l2: L2 factor.
    """
    return L1L2(l1=l1, l2=l2)


l1 = L1
l2 = L2
orthogonal_regularizer = OrthogonalRegularizer

_ALL_OBJECTS = {
    "L1L2": L1L2,
    "L1": L1,
    "L2": L2,
    "OrthogonalRegularizer": OrthogonalRegularizer,
    "l1": L1,
    "l2": L2,
    "l1_l2": l1_l2,
    "orthogonal_regularizer": OrthogonalRegularizer,
    # Keras 1 class names (configs written as {"name": ..., "l1": ..., "l2": ...}).
    "WeightRegularizer": L1L2,
    "ActivityRegularizer": L1L2,
    "L1L2Regularizer": L1L2,
}


def serialize(regularizer):
    """Returns `{"class_name": ..., "config": ...}` (None for None; a named function gives its name).

    Args:
        regularizer: Regularizer instance.
    """
    return _families.serialize_object("regularizer", regularizer)


def deserialize(config, custom_objects=None):
    """Returns a regularizer from a name or a config dict.

    Args:
        config: 'l1', 'l2', 'l1_l2' (0.01 factors), a class name, `{"class_name": ..., "config": ...}`
            (Keras 3 extra keys ignored) or a Keras 1 dict `{"name": "WeightRegularizer", "l1": ..., "l2": ...}`.
        custom_objects: optional dict of user classes/functions by name.
    """
    if isinstance(config, str):
        if config == "l1_l2" and config not in _families.scoped_custom_objects(custom_objects):
            return L1L2(l1=0.01, l2=0.01)
        target = _families.lookup("regularizer", config, _ALL_OBJECTS, custom_objects)
        return target() if isinstance(target, type) else target
    if isinstance(config, dict) and "class_name" not in config and "name" in config:
        arguments = {k: v for k, v in config.items() if k != "name"}
        config = {"class_name": config["name"], "config": arguments}
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"Regularizer config must be a name or a dict with 'class_name' and 'config'. Received: {config!r}"
        )
    target = _families.lookup("regularizer", config["class_name"], _ALL_OBJECTS, custom_objects)
    arguments = dict(config.get("config") or {})
    if hasattr(target, "from_config"):
        return target.from_config(arguments)
    return target(**arguments)


def get(identifier):
    """Returns a regularizer for `identifier`.

    Args:
        identifier: None, a name, a config dict or a callable `fn(weight) -> scalar`.
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")
