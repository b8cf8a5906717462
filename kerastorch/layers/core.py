"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector, Lambda, Masking."""

import base64
import inspect
import marshal
import math
import sys
import types

import numpy as np
import torch
import torch.nn.functional as F

from kerastorch import activations
from kerastorch import backend
from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.engine.layer import InputSpec
from kerastorch.engine.layer import Layer

__all__ = [
    "Dense",
    "Activation",
    "Dropout",
    "Flatten",
    "Reshape",
    "Permute",
    "RepeatVector",
    "Lambda",
    "ActivityRegularization",
    "Masking",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
]


# ---------------------------------------------------------------------------------------------
# Private helpers shared by the layers of this module (and by noise.py).
# ---------------------------------------------------------------------------------------------
def _resolve_training(layer, training):
    """`training=None` follows the module's train/eval mode, as the training loops set it."""
    return layer.training if training is None else bool(training)


def _validate_rate(layer_name, rate):
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.integer, np.floating)):
        raise TypeError(f"{layer_name} expects `rate` to be a float in [0, 1]. Received: rate={rate!r}")
    if not 0 <= rate <= 1:
        raise ValueError(
            f"Invalid value {rate!r} received for `rate` of {layer_name}, expected a value between 0 and 1."
        )
    return float(rate)


class _SeededNoise:
    """Per-device torch.Generator seeded once, so a layer built with `seed=` draws a reproducible sequence."""

    def __init__(self, seed):
        self.seed = seed
        self._generators = {}

    def generator(self, device):
        if self.seed is None:
            return None
        key = str(device)
        generator = self._generators.get(key)
        if generator is None:
            generator = torch.Generator(device=device)
            generator.manual_seed(int(self.seed))
            self._generators[key] = generator
        return generator

    def uniform(self, shape, like):
        return torch.rand(shape, dtype=like.dtype, device=like.device, generator=self.generator(like.device))

    def normal(self, shape, like):
        return torch.randn(shape, dtype=like.dtype, device=like.device, generator=self.generator(like.device))


def _concrete_noise_shape(noise_shape, inputs):
    """`noise_shape` with its None entries replaced by the input's sizes (Keras's _get_noise_shape)."""
    if noise_shape is None:
        return tuple(inputs.shape)
    if len(noise_shape) != inputs.dim():
        raise ValueError(
            f"`noise_shape` {tuple(noise_shape)} must have the rank of the input; got an input of shape "
            f"{tuple(inputs.shape)}."
        )
    return tuple(int(inputs.shape[i]) if size is None else int(size) for i, size in enumerate(noise_shape))


def _func_dump(function):
    """Serializes a Python function's bytecode as Keras 2 does: (base64 code, defaults, closure)."""
    code = base64.encodebytes(marshal.dumps(function.__code__)).decode("ascii")
    closure = tuple(cell.cell_contents for cell in function.__closure__) if function.__closure__ else None
    return code, function.__defaults__, closure


def _make_cell(value):
    return (lambda: value).__closure__[0]


def _func_load(payload, globs):
    """Rebuilds a function from a `_func_dump` payload (a (code, defaults, closure) triple or the code)."""
    if isinstance(payload, (list, tuple)):
        code, defaults, closure = (list(payload) + [None, None])[:3]
    else:
        code, defaults, closure = payload, None, None
    if isinstance(defaults, list):
        defaults = tuple(defaults)
    try:
        raw = base64.decodebytes(code.encode("ascii"))
    except (UnicodeEncodeError, ValueError):
        raw = code.encode("raw_unicode_escape")
    code_object = marshal.loads(raw)
    if closure is not None:
        closure = tuple(_make_cell(value) for value in closure)
    return types.FunctionType(code_object, globs, name=code_object.co_name, argdefs=defaults, closure=closure)


def _is_module_level_function(function):
    """True for a named function reachable as `module.name` (not a lambda, not nested)."""
    name = getattr(function, "__name__", None)
    if not isinstance(function, types.FunctionType):
        return name is not None
    if name == "<lambda>" or "<locals>" in getattr(function, "__qualname__", ""):
        return False
    module = sys.modules.get(function.__module__)
    return module is not None and getattr(module, name, None) is function


# ---------------------------------------------------------------------------------------------
# Dense
# ---------------------------------------------------------------------------------------------
class Dense(Layer):
    """Densely-connected layer: `output = activation(dot(input, kernel) + bias)` on the last axis.

    Args:
        units: positive integer, dimensionality of the output space.
        activation: activation function (name or callable); None means linear.
        use_bias: whether the layer uses a bias vector.
        kernel_initializer, bias_initializer: initializers of the kernel `(input_dim, units)` and bias.
        kernel_regularizer, bias_regularizer, activity_regularizer: optional regularizers.
        kernel_constraint, bias_constraint: optional constraints.

    Input shape:
        N-D tensor `(batch_size, ..., input_dim)`, N >= 2.

    Output shape:
        `(batch_size, ..., units)`.

    Example:
        >>> layer = Dense(32, activation="relu")
        >>> layer(np.zeros((4, 16), "float32")).shape
        torch.Size([4, 32])
    """

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = _positive_int("Dense", "units", units)
        self.activation = activation
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=2)

    @property
    def activation(self):
        return self._activation

    @activation.setter
    def activation(self, value):
        # Reassigning `layer.activation` (a common Keras idiom) also updates the fast path.
        self._activation = activations.get(value)
        self._activation_fn = None if _is_linear(self._activation) else self._activation

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                "The last dimension of the inputs to a Dense layer should be defined. Found None. "
                f"Full input shape received: {tuple(input_shape)}"
            )
        input_dim = int(input_dim)
        self.kernel = self.add_weight(
            "kernel",
            shape=(input_dim, self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                "bias",
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        super().build(input_shape)

    def call(self, inputs):
        kernel = self.kernel
        if inputs.dtype != kernel.dtype:
            inputs = inputs.to(kernel.dtype)
        if inputs.dim() == 2:
            if self.bias is not None:
                outputs = torch.addmm(self.bias, inputs, kernel)
            else:
                outputs = torch.mm(inputs, kernel)
        else:
            outputs = torch.matmul(inputs, kernel)
            if self.bias is not None:
                outputs = outputs + self.bias
        if self._activation_fn is not None:
            outputs = self._activation_fn(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 2:
            raise ValueError(f"Dense expects an input of rank >= 2. Received: input_shape={input_shape}")
        return input_shape[:-1] + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
            }
        )
        return config

    def extra_repr(self):
        return f"name={self.name!r}, units={self.units}"


def _positive_int(layer_name, argument, value):
    if isinstance(value, bool):
        valid = False
    else:
        try:
            valid = int(value) == value and int(value) > 0
        except (TypeError, ValueError):
            valid = False
    if not valid:
        raise ValueError(f"{layer_name} expects `{argument}` to be a positive integer. Received: {argument}={value!r}")
    return int(value)


def _is_linear(function):
    if function is None:
        return True
    linear = getattr(activations, "linear", None)
    return function is linear or getattr(function, "__name__", None) == "linear"


# ---------------------------------------------------------------------------------------------
# Activation, ActivityRegularization, Masking
# ---------------------------------------------------------------------------------------------
class Activation(Layer):
    """Applies an activation function to the output.

    Args:
        activation: name of an activation function (`'relu'`, `'softmax'`, ...) or a callable.

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:
        >>> Activation("relu")(np.array([[-1.0, 2.0]], "float32"))
        tensor([[0., 2.]])
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


class ActivityRegularization(Layer):
    """Identity layer that adds an L1/L2 penalty on its input activity to the model loss.

    Args:
        l1: L1 regularization factor (positive float).
        l2: L2 regularization factor (positive float).

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:
        >>> layer = ActivityRegularization(l1=0.01)
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1 = l1
        self.l2 = l2
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update({"l1": self.l1, "l2": self.l2})
        return config


class Masking(Layer):
    """Masks timesteps whose features all equal `mask_value`; masked timesteps are zeroed.

    Args:
        mask_value: the value that marks a timestep to skip.

    Input shape:
        Arbitrary, typically `(batch_size, timesteps, features)`.

    Output shape:
        Same as the input; the mask is `any(inputs != mask_value, axis=-1)`.

    Example:
        >>> layer = Masking(mask_value=0.0)
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return torch.any(inputs != self.mask_value, dim=-1)

    def call(self, inputs):
        keep = torch.any(inputs != self.mask_value, dim=-1, keepdim=True)
        return inputs * keep.to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config


# ---------------------------------------------------------------------------------------------
# Dropout family
# ---------------------------------------------------------------------------------------------
class Dropout(Layer):
    """Inverted dropout: in training, zeroes inputs with probability `rate` and scales the rest by 1/(1-rate).

    Args:
        rate: float in [0, 1], fraction of the inputs to drop.
        noise_shape: shape of the binary mask broadcast over the inputs (None entries take the input's
            size), e.g. `(batch_size, 1, features)` to drop the same features at every timestep.
        seed: integer seed for a reproducible sequence of masks.

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:
        >>> layer = Dropout(0.5)
        >>> layer(np.ones((2, 4), "float32"), training=False)
        tensor([[1., 1., 1., 1.],
                [1., 1., 1., 1.]])
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _validate_rate(type(self).__name__, rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._noise = _SeededNoise(seed)
        # torch's fused dropout draws the same Bernoulli(1 - rate) mask and 1/(1 - rate) scaling.
        self._fused = self.noise_shape is None and seed is None
        self.supports_masking = True

    def _get_noise_shape(self, inputs):
        return _concrete_noise_shape(self.noise_shape, inputs)

    def call(self, inputs, training=None):
        if not (self.training if training is None else training) or self.rate == 0.0:
            return inputs
        if self._fused:
            return F.dropout(inputs, self.rate, True)
        if self.rate >= 1.0:
            return inputs * 0.0
        keep = self._noise.uniform(self._get_noise_shape(inputs), inputs) >= self.rate
        return inputs * (keep.to(inputs.dtype) / (1.0 - self.rate))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "rate": self.rate,
                "noise_shape": None if self.noise_shape is None else list(self.noise_shape),
                "seed": self.seed,
            }
        )
        return config


class _SpatialDropout(Dropout):
    """Dropout of whole feature maps: the mask is shared over all non-channel axes."""

    _rank = None

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        noise_shape = kwargs.pop("noise_shape", None)
        if noise_shape is not None:
            raise ValueError(
                f"{type(self).__name__} derives its noise shape from the input; `noise_shape` must be None. "
                f"Received: noise_shape={noise_shape!r}"
            )
        super().__init__(rate, seed=seed, **kwargs)
        self._fused = False
        self.data_format = backend.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self._rank)

    def _get_noise_shape(self, inputs):
        shape = list(inputs.shape)
        channel_axis = 1 if self.data_format == "channels_first" else inputs.dim() - 1
        return tuple(shape[i] if i in (0, channel_axis) else 1 for i in range(inputs.dim()))

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Drops entire 1D feature maps (channels) instead of single elements.

    Args:
        rate: float in [0, 1], fraction of the channels to drop.
        seed: integer seed for reproducible masks.

    Input shape:
        3D tensor `(samples, timesteps, channels)`.

    Output shape:
        Same as the input.

    Example:
        >>> layer = SpatialDropout1D(0.2)
    """

    _rank = 3

    def __init__(self, rate, seed=None, **kwargs):
        kwargs.pop("data_format", None)
        super().__init__(rate, data_format="channels_last", seed=seed, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("data_format", None)
        return config


class SpatialDropout2D(_SpatialDropout):
    """Drops entire 2D feature maps (channels) instead of single elements.

    Args:
        rate: float in [0, 1], fraction of the channels to drop.
        data_format: 'channels_last' (default from `image_data_format()`) or 'channels_first'.
        seed: integer seed for reproducible masks.

    Input shape:
        4D tensor `(samples, rows, cols, channels)` (channels_last) or `(samples, channels, rows, cols)`.

    Output shape:
        Same as the input.

    Example:
        >>> layer = SpatialDropout2D(0.2)
    """

    _rank = 4


class SpatialDropout3D(_SpatialDropout):
    """Drops entire 3D feature maps (channels) instead of single elements.

    Args:
        rate: float in [0, 1], fraction of the channels to drop.
        data_format: 'channels_last' (default from `image_data_format()`) or 'channels_first'.
        seed: integer seed for reproducible masks.

    Input shape:
        5D tensor `(samples, dim1, dim2, dim3, channels)` (channels_last) or channels first.

    Output shape:
        Same as the input.

    Example:
        >>> layer = SpatialDropout3D(0.2)
    """

    _rank = 5


# ---------------------------------------------------------------------------------------------
# Shape layers
# ---------------------------------------------------------------------------------------------
class Flatten(Layer):
    """Flattens the input to `(batch_size, -1)`; channels_first inputs are flattened in channels_last order.

    Keras 2 moves the channels to the end before flattening channels_first inputs, so the weights of
    a following Dense layer are the same in both data formats; this layer does the same.

    Args:
        data_format: 'channels_last' (default from `image_data_format()`) or 'channels_first'.

    Input shape:
        `(batch_size, ...)`.

    Output shape:
        `(batch_size, product of the other dimensions)`; a 1D input becomes `(batch_size, 1)`.

    Example:
        >>> Flatten()(np.zeros((2, 3, 4), "float32")).shape
        torch.Size([2, 12])
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = backend.normalize_data_format(data_format)
        self._channels_first = self.data_format == "channels_first"
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        if inputs.dim() == 1:
            return inputs.unsqueeze(1)
        if self._channels_first and inputs.dim() > 2:
            inputs = inputs.movedim(1, -1)
        return inputs.flatten(1)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 2:
            return (input_shape[0] if input_shape else None, 1)
        rest = input_shape[1:]
        if any(d is None for d in rest):
            return (input_shape[0], None)
        return (input_shape[0], int(np.prod(rest, dtype=np.int64)))

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


def _fix_unknown_dimension(input_shape, output_shape):
    """The output shape with its -1 resolved; Keras's errors for impossible shapes."""
    output_shape = list(output_shape)
    message = (
        f"total size of new array must be unchanged, input_shape = {list(input_shape)}, output_shape = {output_shape}"
    )
    known, unknown = 1, None
    for index, dim in enumerate(output_shape):
        if dim < 0:
            if unknown is None:
                unknown = index
            else:
                raise ValueError(
                    f"There must be at most one unknown dimension in output_shape. Received: output_shape={output_shape}."
                )
        else:
            known *= dim
    original = int(np.prod(input_shape, dtype=np.int64))
    if unknown is not None:
        if known == 0 or original % known != 0:
            raise ValueError(message)
        output_shape[unknown] = original // known
    elif original != known:
        raise ValueError(message)
    return output_shape


class Reshape(Layer):
    """Reshapes the input (batch dimension excluded) to `target_shape`; one entry may be -1.

    Args:
        target_shape: tuple of integers, the shape without the batch dimension.

    Input shape:
        Arbitrary, with all non-batch dimensions known.

    Output shape:
        `(batch_size,) + target_shape`.

    Example:
        >>> Reshape((3, -1))(np.zeros((2, 12), "float32")).shape
        torch.Size([2, 3, 4])
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        if isinstance(target_shape, int):
            target_shape = (target_shape,)
        try:
            target_shape = tuple(int(d) for d in target_shape)
        except (TypeError, ValueError):
            raise TypeError(
                f"Reshape expects `target_shape` to be a tuple of integers. Received: target_shape={target_shape!r}"
            ) from None
        if sum(1 for d in target_shape if d < 0) > 1:
            raise ValueError(
                "There must be at most one unknown dimension in output_shape. "
                f"Received: output_shape={list(target_shape)}."
            )
        if any(d < -1 for d in target_shape):
            raise ValueError(
                f"Reshape expects `target_shape` entries to be positive or -1. Received: target_shape={target_shape}"
            )
        self.target_shape = target_shape
        self._has_unknown = -1 in target_shape

    def call(self, inputs):
        shape = self.target_shape
        if self._has_unknown or math.prod(shape) != math.prod(inputs.shape[1:]):
            shape = tuple(_fix_unknown_dimension(tuple(inputs.shape[1:]), shape))
        return inputs.reshape((inputs.shape[0],) + shape)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if any(d is None for d in input_shape[1:]):
            return (input_shape[0],) + tuple(None if d == -1 else d for d in self.target_shape)
        return (input_shape[0],) + tuple(_fix_unknown_dimension(input_shape[1:], self.target_shape))

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config


class Permute(Layer):
    """Permutes the non-batch dimensions of the input (1-based indices, as Keras).

    Args:
        dims: tuple of integers, a permutation of `1..ndim-1`; e.g. `(2, 1)` swaps the first two axes.

    Input shape:
        Arbitrary, of rank `len(dims) + 1`.

    Output shape:
        The input shape re-ordered by `dims`.

    Example:
        >>> Permute((2, 1))(np.zeros((2, 10, 64), "float32")).shape
        torch.Size([2, 64, 10])
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        dims = tuple(int(d) for d in dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must be "
                f"consecutive and start from 1. Received dims={dims}"
            )
        self.dims = dims
        self._perm = (0,) + dims
        self.input_spec = InputSpec(ndim=len(dims) + 1)

    def call(self, inputs):
        return inputs.permute(self._perm)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return tuple(input_shape[i] for i in self._perm)

    def get_config(self):
        config = super().get_config()
        config["dims"] = list(self.dims)
        return config


class RepeatVector(Layer):
    """Repeats a 2D input `n` times along a new time axis.

    Args:
        n: integer, number of repetitions.

    Input shape:
        2D tensor `(batch_size, features)`.

    Output shape:
        3D tensor `(batch_size, n, features)`.

    Example:
        >>> RepeatVector(3)(np.zeros((2, 5), "float32")).shape
        torch.Size([2, 3, 5])
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"RepeatVector expects `n` to be an integer. Received: n={n!r} of type {type(n).__name__}")
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return inputs.unsqueeze(1).repeat(1, self.n, 1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config


# ---------------------------------------------------------------------------------------------
# Lambda
# ---------------------------------------------------------------------------------------------
def _accepts(function, argument):
    try:
        return argument in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


def _safe_mode_enabled(safe_mode):
    if safe_mode is not None:
        return bool(safe_mode)
    from kerastorch.saving import serialization

    check = getattr(serialization, "in_safe_mode", None)
    return True if check is None else bool(check())


class Lambda(Layer):
    """Wraps an arbitrary expression `function(inputs, **arguments)` as a layer.

    Args:
        function: the function to evaluate; takes the input tensor (or list of tensors) first, and
            `mask`/`training` if it declares them.
        output_shape: the output shape without the batch dimension (tuple), or a function of the full
            input shape returning the full output shape; None infers it by running the function.
        mask: None, a function `mask(inputs, previous_mask)`, or a fixed mask tensor.
        arguments: dict of keyword arguments passed to `function`.

    Input shape:
        Arbitrary.

    Output shape:
        Given by `output_shape`, else inferred.

    Example:
        >>> Lambda(lambda x: x ** 2)(np.array([[2.0]], "float32"))
        tensor([[4.]])
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda expects `function` to be callable. Received: function={function!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        if isinstance(output_shape, list) and output_shape and not isinstance(output_shape[0], (list, tuple)):
            output_shape = tuple(output_shape)
        self._output_shape = output_shape
        self.mask = mask
        self.supports_masking = mask is not None
        self._fn_expects_mask = _accepts(function, "mask")
        self._fn_expects_training = _accepts(function, "training")

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask:
            kwargs["mask"] = mask
        if self._fn_expects_training:
            kwargs["training"] = _resolve_training(self, training)
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            shape = self._output_shape(input_shape)
            if isinstance(shape, list) and shape and isinstance(shape[0], (list, tuple)):
                return [tuple(s) for s in shape]
            return tuple(shape)
        multi_input = isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple))
        first = input_shape[0] if multi_input else input_shape
        batch_size = first[0] if first else None
        if (
            isinstance(self._output_shape, list)
            and self._output_shape
            and isinstance(self._output_shape[0], (list, tuple))
        ):
            return [(batch_size,) + tuple(shape) for shape in self._output_shape]
        return (batch_size,) + tuple(self._output_shape)

    # -- serialization ------------------------------------------------------------------------
    @staticmethod
    def _serialize_function(function, allow_raw=False):
        if callable(function):
            if _is_module_level_function(function):
                return function.__name__, "function", getattr(function, "__module__", None)
            if isinstance(function, types.FunctionType):
                return _func_dump(function), "lambda", function.__module__
            raise ValueError(
                f"Lambda cannot serialize the callable {function!r}: it has no name. "
                "Use a named function, a lambda, or a Layer subclass."
            )
        if allow_raw:
            if isinstance(function, tuple):
                function = list(function)
            return function, "raw", None
        raise ValueError(f"Lambda cannot serialize {function!r} of type {type(function).__name__}.")

    def get_config(self):
        function, function_type, module = self._serialize_function(self.function)
        output_shape, output_shape_type, output_shape_module = self._serialize_function(
            self._output_shape, allow_raw=True
        )
        config = super().get_config()
        config.update(
            {
                "function": function,
                "function_type": function_type,
                "module": module,
                "output_shape": output_shape,
                "output_shape_type": output_shape_type,
                "output_shape_module": output_shape_module,
            }
        )
        if self.mask is not None:
            mask, mask_type, mask_module = self._serialize_function(self.mask)
            config.update({"mask": mask, "mask_type": mask_type, "mask_module": mask_module})
        arguments = {}
        for key, value in self.arguments.items():
            if isinstance(value, np.ndarray):
                value = {"type": "ndarray", "value": value.tolist()}
            arguments[key] = value
        config["arguments"] = arguments
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Rebuilds the layer; Python bytecode (lambdas) is loaded only with `safe_mode=False`."""
        from kerastorch.saving import serialization

        config = dict(config)
        custom_objects = serialization.scoped_custom_objects(custom_objects)
        function = cls._parse_function(config, custom_objects, safe_mode, "function", "module", "function_type")
        output_shape = cls._parse_function(
            config, custom_objects, safe_mode, "output_shape", "output_shape_module", "output_shape_type"
        )
        mask = None
        if config.get("mask") is not None:
            mask = cls._parse_function(config, custom_objects, safe_mode, "mask", "mask_module", "mask_type")
        else:
            for key in ("mask", "mask_module", "mask_type"):
                config.pop(key, None)
        arguments = {}
        for key, value in (config.pop("arguments", None) or {}).items():
            if isinstance(value, dict) and value.get("type") == "ndarray":
                value = np.array(value["value"])
            arguments[key] = value
        return cls(function, output_shape=output_shape, mask=mask, arguments=arguments, **config)

    @classmethod
    def _parse_function(cls, config, custom_objects, safe_mode, name_key, module_key, type_key):
        value = config.pop(name_key, None)
        module = config.pop(module_key, None)
        function_type = config.pop(type_key, None)
        if isinstance(value, dict) and "class_name" in value:
            # Keras 3 configs: {"class_name": "__lambda__" | "function", "config": ...}.
            if value["class_name"] == "__lambda__":
                inner = value.get("config", {})
                value, function_type = (inner.get("code"), inner.get("defaults"), inner.get("closure")), "lambda"
            else:
                value, function_type = value.get("config"), "function"
        if value is None:
            return None
        if function_type is None:
            function_type = "function" if isinstance(value, str) else "raw"
        if function_type == "function":
            return cls._lookup_function(value, custom_objects)
        if function_type == "raw":
            if isinstance(value, list) and value and isinstance(value[0], (list, tuple)):
                return [tuple(v) for v in value]
            return tuple(value) if isinstance(value, list) else value
        if function_type == "lambda":
            if _safe_mode_enabled(safe_mode):
                raise ValueError(
                    "Requested the deserialization of a Lambda layer whose function is Python bytecode (a "
                    "`lambda`). Loading code from a file can execute arbitrary code, so it is disallowed by "
                    "default. If you trust the source of the file, pass `safe_mode=False` to the loading "
                    "function (e.g. `load_model(path, safe_mode=False)`)."
                )
            globs = dict(vars(backend))
            globs.update({"K": backend, "np": np, "torch": torch, "math": math})
            if module in sys.modules:
                globs.update(vars(sys.modules[module]))
            globs.update(custom_objects)
            return _func_load(value, globs)
        raise TypeError(
            f"Unsupported value for `{type_key}` in a Lambda config. Received: {type_key}={function_type!r}. "
            "Expected one of ['function', 'lambda', 'raw']."
        )

    @staticmethod
    def _lookup_function(name, custom_objects):
        if name in custom_objects:
            return custom_objects[name]
        for module in (activations, backend):
            found = getattr(module, name, None)
            if callable(found) and not name.startswith("_"):
                return found
        raise ValueError(
            f"Unknown function in Lambda layer: {name!r}. Pass it in `custom_objects` "
            f"(e.g. `custom_objects={{{name!r}: {name}}}`) when loading."
        )
