"""Weight initializers (tf.keras 2 classes, fan rules and aliases) and their get/serialize/deserialize."""

import math

import numpy as np
import torch

from kerastorch import _families
from kerastorch import backend

__all__ = [
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "deserialize",
    "get",
    "serialize",
]

# scipy.stats.truncnorm.std(a=-2, b=2, loc=0., scale=1.): the stddev of a unit normal truncated
# at two standard deviations. tf.keras 2 divides by it so truncated draws have the wanted stddev.
_TRUNCATED_STDDEV = 0.87962566103423978


def _compute_fans(shape):
    """Keras fan rules: `(in, out)` for 2D; `(*receptive_field, in, out)` for convolution kernels."""
    shape = tuple(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field_size = 1
    for dim in shape[:-2]:
        receptive_field_size *= dim
    return shape[-2] * receptive_field_size, shape[-1] * receptive_field_size


def _float_dtype(dtype, initializer):
    torch_dtype = backend.standardize_dtype(dtype)
    if not torch_dtype.is_floating_point:
        raise ValueError(
            f"{initializer} only creates floating point tensors. Received: dtype={backend.dtype_name(torch_dtype)!r}"
        )
    return backend.dtype_name(torch_dtype)


def _shape(shape):
    return tuple(int(d) for d in shape)


class Initializer:
    """Base class: `init(shape, dtype=None)` returns a tensor in Keras layout on torch's default device."""

    def __call__(self, shape, dtype=None, **kwargs):
        """Returns a tensor of zeros (subclasses override).

        Args:
            shape: tuple of ints, Keras layout.
            dtype: Keras dtype name (default `floatx()`).
        """
        return torch.zeros(_shape(shape), dtype=backend.standardize_dtype(dtype))

    def get_config(self):
        """Constructor arguments as a dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Creates the initializer from `get_config()` output (tf.keras v1 `dtype` keys are dropped)."""
        config = dict(config)
        config.pop("dtype", None)
        return cls(**config)

    def __repr__(self):
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


class Zeros(Initializer):
    """Initializer that generates tensors filled with 0."""

    def __call__(self, shape, dtype=None, **kwargs):
        return torch.zeros(_shape(shape), dtype=backend.standardize_dtype(dtype))


class Ones(Initializer):
    """Initializer that generates tensors filled with 1."""

    def __call__(self, shape, dtype=None, **kwargs):
        return torch.ones(_shape(shape), dtype=backend.standardize_dtype(dtype))


class Constant(Initializer):
    """Initializer that generates tensors filled with a constant value.

    Args:
        value: a scalar, or an array with as many elements as the requested shape.
    """

    def __init__(self, value=0):
        self.value = value.tolist() if isinstance(value, np.ndarray) else value

    def __call__(self, shape, dtype=None, **kwargs):
        return backend.constant(self.value, dtype=dtype, shape=_shape(shape))

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    """Initializer that generates tensors with a normal distribution.

    Args:
        mean: mean of the values.
        stddev: standard deviation of the values.
        seed: optional int; a seeded initializer returns the same values on every call.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed

    def __call__(self, shape, dtype=None, **kwargs):
        dtype = _float_dtype(dtype, type(self).__name__)
        return backend.random_normal(_shape(shape), self.mean, self.stddev, dtype=dtype, seed=self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Initializer that generates tensors with a uniform distribution in `[minval, maxval)`.

    Args:
        minval: lower bound.
        maxval: upper bound.
        seed: optional int; a seeded initializer returns the same values on every call.
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        self.seed = seed

    def __call__(self, shape, dtype=None, **kwargs):
        dtype = _float_dtype(dtype, type(self).__name__)
        return backend.random_uniform(_shape(shape), self.minval, self.maxval, dtype=dtype, seed=self.seed)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(Initializer):
    """Normal values, re-drawn when more than two standard deviations from the mean.

    Args:
        mean: mean of the values.
        stddev: standard deviation before truncation.
        seed: optional int; a seeded initializer returns the same values on every call.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed

    def __call__(self, shape, dtype=None, **kwargs):
        dtype = _float_dtype(dtype, type(self).__name__)
        return backend.truncated_normal(_shape(shape), self.mean, self.stddev, dtype=dtype, seed=self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")


class VarianceScaling(Initializer):
    """Initializer whose scale adapts to the shape of the weights.

    With the normal distributions the stddev is `sqrt(scale / n)` (after truncation for
    'truncated_normal'); with 'uniform' the limit is `sqrt(3 * scale / n)`; `n` is fan_in, fan_out
    or their average depending on `mode`.

    Args:
        scale: positive float.
        mode: 'fan_in', 'fan_out' or 'fan_avg'.
        distribution: 'truncated_normal' ('normal' is read as it, as tf.keras 2 does),
            'untruncated_normal' or 'uniform'.
        seed: optional int; a seeded initializer returns the same values on every call.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if not isinstance(scale, (int, float)) or scale <= 0.0:
            raise ValueError(f"VarianceScaling expects `scale` to be a positive float. Received: scale={scale!r}")
        if mode not in _MODES:
            raise ValueError(f"VarianceScaling expects `mode` in {list(_MODES)}. Received: mode={mode!r}")
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in _DISTRIBUTIONS:
            raise ValueError(
                f"VarianceScaling expects `distribution` in {list(_DISTRIBUTIONS) + ['normal']}. "
                f"Received: distribution={distribution!r}"
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.seed = seed

    def _scale_for(self, shape):
        fan_in, fan_out = _compute_fans(shape)
        if self.mode == "fan_in":
            return self.scale / max(1.0, fan_in)
        if self.mode == "fan_out":
            return self.scale / max(1.0, fan_out)
        return self.scale / max(1.0, (fan_in + fan_out) / 2.0)

    def __call__(self, shape, dtype=None, **kwargs):
        dtype = _float_dtype(dtype, type(self).__name__)
        shape = _shape(shape)
        scale = self._scale_for(shape)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(scale) / _TRUNCATED_STDDEV
            return backend.truncated_normal(shape, 0.0, stddev, dtype=dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return backend.random_normal(shape, 0.0, math.sqrt(scale), dtype=dtype, seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return backend.random_uniform(shape, -limit, limit, dtype=dtype, seed=self.seed)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


class Orthogonal(Initializer):
    """Initializer that generates a (semi-)orthogonal matrix, reshaped to the requested shape.

    Args:
        gain: multiplicative factor.
        seed: optional int; a seeded initializer returns the same values on every call.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        self.seed = seed

    def __call__(self, shape, dtype=None, **kwargs):
        dtype = _float_dtype(dtype, type(self).__name__)
        shape = _shape(shape)
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal needs a shape of rank at least 2. Received: shape={shape} of rank {len(shape)}"
            )
        num_rows = int(np.prod(shape[:-1]))
        num_cols = shape[-1]
        flat_shape = (max(num_cols, num_rows), min(num_cols, num_rows))
        work_dtype = "float64" if dtype == "float64" else "float32"
        matrix = backend.random_normal(flat_shape, dtype=work_dtype, seed=self.seed)
        q, r = torch.linalg.qr(matrix, mode="reduced")
        # Multiplying by the signs of diag(r) makes the decomposition unique (uniform over matrices).
        q = q * torch.sign(torch.diagonal(r))
        if num_rows < num_cols:
            q = q.transpose(0, 1)
        return (self.gain * q.reshape(shape)).to(backend.standardize_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """Initializer that generates `gain` times the identity matrix (2D shapes only).

    Args:
        gain: multiplicative factor.
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None, **kwargs):
        dtype = _float_dtype(dtype, type(self).__name__)
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError(f"Identity can only initialize 2D matrices. Received: shape={shape} of rank {len(shape)}")
        return self.gain * torch.eye(shape[0], shape[1], dtype=backend.standardize_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain}


class _SeededVarianceScaling(VarianceScaling):
    """A VarianceScaling with fixed scale/mode/distribution; its config is only the seed."""

    _SCALE = 1.0
    _MODE = "fan_in"
    _DISTRIBUTION = "truncated_normal"

    def __init__(self, seed=None):
        super().__init__(scale=self._SCALE, mode=self._MODE, distribution=self._DISTRIBUTION, seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotNormal(_SeededVarianceScaling):
    """Glorot (Xavier) normal: truncated normal with stddev `sqrt(2 / (fan_in + fan_out))`.

    Args:
        seed: optional int.
    """

    _MODE = "fan_avg"


class GlorotUniform(_SeededVarianceScaling):
    """Glorot (Xavier) uniform: uniform in `[-limit, limit]`, `limit = sqrt(6 / (fan_in + fan_out))`.

    Args:
        seed: optional int.
    """

    _MODE = "fan_avg"
    _DISTRIBUTION = "uniform"


class LecunNormal(_SeededVarianceScaling):
    """LeCun normal: truncated normal with stddev `sqrt(1 / fan_in)`.

    Args:
        seed: optional int.
    """


class LecunUniform(_SeededVarianceScaling):
    """LeCun uniform: uniform in `[-limit, limit]`, `limit = sqrt(3 / fan_in)`.

    Args:
        seed: optional int.
    """

    _DISTRIBUTION = "uniform"


class HeNormal(_SeededVarianceScaling):
    """He normal: truncated normal with stddev `sqrt(2 / fan_in)`.

    Args:
        seed: optional int.
    """

    _SCALE = 2.0


class HeUniform(_SeededVarianceScaling):
    """He uniform: uniform in `[-limit, limit]`, `limit = sqrt(6 / fan_in)`.

    Args:
        seed: optional int.
    """

    _SCALE = 2.0
    _DISTRIBUTION = "uniform"


_CLASSES = (
    Zeros,
    Ones,
    Constant,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    Orthogonal,
    Identity,
    GlorotNormal,
    GlorotUniform,
    LecunNormal,
    LecunUniform,
    HeNormal,
    HeUniform,
)

# Function-style names (Keras 2.2 `keras.initializers.glorot_uniform`, tf.keras snake_case
# aliases), Keras 1 names and the `...V2` names tf.keras wrote into some saved configs.
zeros = zero = Zeros
ones = one = Ones
constant = Constant
random_normal = normal = RandomNormal
random_uniform = uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
orthogonal = Orthogonal
identity = Identity
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
he_normal = HeNormal
he_uniform = HeUniform

_ALL_OBJECTS = {cls.__name__: cls for cls in _CLASSES}
_ALL_OBJECTS.update({backend.to_snake_case(cls.__name__): cls for cls in _CLASSES})
_ALL_OBJECTS.update({f"{cls.__name__}V2": cls for cls in _CLASSES})
_ALL_OBJECTS.update({"zero": Zeros, "one": Ones, "normal": RandomNormal, "uniform": RandomUniform})
# Keras 3 adds these keys to initializer configs; they have no Keras 2 meaning.
_KERAS3_ONLY_KEYS = ("input_axes", "output_axes")


def serialize(initializer):
    """Returns `{"class_name": ..., "config": ...}` for an initializer (None for None).

    Args:
        initializer: Initializer instance (or a named function, serialized as its name).
    """
    return _families.serialize_object("initializer", initializer)


def deserialize(config, custom_objects=None):
    """Returns an initializer from a name or a config dict.

    Args:
        config: a name ('glorot_uniform', 'GlorotUniform', Keras 1 'uniform'), or a dict
            `{"class_name": ..., "config": {...}}` (Keras 3 "module"/"registered_name" keys ignored).
        custom_objects: optional dict of user classes/functions by name.
    """
    if isinstance(config, str):
        target = _families.lookup("initializer", config, _ALL_OBJECTS, custom_objects)
        return target() if isinstance(target, type) else target
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"Initializer config must be a name or a dict with 'class_name' and 'config'. Received: {config!r}"
        )
    target = _families.lookup("initializer", config["class_name"], _ALL_OBJECTS, custom_objects)
    arguments = {k: v for k, v in dict(config.get("config") or {}).items() if k not in _KERAS3_ONLY_KEYS}
    if hasattr(target, "from_config"):
        return target.from_config(arguments)
    if isinstance(target, type):
        return target(**arguments)
    return target


def get(identifier):
    """Returns an initializer for `identifier`.

    Args:
        identifier: None, a name, a config dict, an Initializer class (instantiated) or any
            callable `fn(shape, dtype=None)`.
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier() if isinstance(identifier, type) else identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")
