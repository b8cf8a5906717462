"""Core layers: Dense, Activation, ActivityRegularization, Masking, Flatten, Reshape, Permute, RepeatVector.

Keras 1 and 2 import Dropout, SpatialDropout1D/2D/3D and Lambda from here; they live in
`core_dropout` and `core_lambda`, and are re-exported.
"""

import math

import numpy as np
import torch

from kerastorch import activations
from kerastorch import backend
from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.engine.layer import InputSpec
from kerastorch.engine.layer import Layer
from kerastorch.layers._common import _positive_int
from kerastorch.layers.core_dropout import Dropout
from kerastorch.layers.core_dropout import SpatialDropout1D
from kerastorch.layers.core_dropout import SpatialDropout2D
from kerastorch.layers.core_dropout import SpatialDropout3D
from kerastorch.layers.core_lambda import Lambda

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
