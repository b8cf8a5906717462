"""Normalization layers added in tf.keras 2.x: UnitNormalization and GroupNormalization."""

import torch
import torch.nn.functional as F

from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.engine.layer import InputSpec
from kerastorch.engine.layer import Layer
from kerastorch.layers.normalization import _positive_axes

__all__ = ["UnitNormalization", "GroupNormalization"]


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm over `axis`: `x / sqrt(max(sum(x ** 2), 1e-12))`.

    As tf.keras 2 (`tf.linalg.l2_normalize`), an all-zero slice stays zero. After the layer is
    built, `axis` (and its config) holds the non-negative axis list, as tf.keras 2.

    Args:
        axis: integer or list/tuple of integers, the axis or axes to normalize across.

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:
        >>> y = UnitNormalization()(np.arange(6, dtype="float32").reshape(2, 3))
        >>> float((y[0] ** 2).sum())
        1.0
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and all(_is_int(a) for a in axis):
            self.axis = list(axis)
        elif _is_int(axis):
            self.axis = axis
        else:
            raise TypeError(
                f"UnitNormalization expects `axis` to be an int or a list/tuple of ints. Received: axis={axis!r}"
            )
        self.supports_masking = True

    def build(self, input_shape):
        self.axis = _positive_axes("UnitNormalization", self.axis, tuple(input_shape))

    def call(self, inputs):
        if not inputs.is_floating_point():
            inputs = inputs.to(self._torch_dtype)
        square_sum = torch.sum(inputs * inputs, dim=self.axis, keepdim=True)
        # tf.linalg.l2_normalize clamps the squared norm (not the norm) at 1e-12.
        return inputs * torch.rsqrt(torch.clamp(square_sum, min=1e-12))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis})
        return config


class GroupNormalization(Layer):
    """Normalizes groups of channels per sample: mean and variance over each group and the other axes.

    The `axis` dimension (channels) is split into `groups` contiguous groups; each sample's group
    is normalized with its own mean and (biased) variance, then scaled by `gamma` and shifted by
    `beta` per channel. `groups=1` is layer normalization over all axes but the batch, `groups=-1`
    (or the channel count) is instance normalization; with `groups=-1` the `groups` attribute and
    config take the channel count once built, as tf.keras 2. A `mask` (broadcastable to the input)
    weights the moments, as tf.keras 2's `tf.nn.weighted_moments`.

    Args:
        groups: number of groups, a divisor of the channel count, or -1 for one group per channel.
        axis: integer, the channel axis.
        epsilon: small float added to the variance.
        center: if True, add the learned offset `beta`.
        scale: if True, multiply by the learned `gamma`.
        beta_initializer, gamma_initializer: initializers of `beta` and `gamma`.
        beta_regularizer, gamma_regularizer: optional regularizers.
        beta_constraint, gamma_constraint: optional constraints.

    Input shape:
        Arbitrary, with a known `axis` dimension.

    Output shape:
        Same as the input.

    Example:
        >>> layer = GroupNormalization(groups=2)
        >>> layer(np.random.rand(2, 5, 4).astype("float32")).shape
        torch.Size([2, 5, 4])
    """

    def __init__(
        self,
        groups=32,
        axis=-1,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not _is_int(groups) or (groups < 1 and groups != -1):
            raise ValueError(
                f"GroupNormalization expects `groups` to be a positive integer or -1. Received: groups={groups!r}"
            )
        if not _is_int(axis):
            raise TypeError(f"GroupNormalization expects `axis` to be an int. Received: axis={axis!r}")
        self.supports_masking = True
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        channel_axis = _positive_axes("GroupNormalization", self.axis, input_shape)[0]
        channels = input_shape[channel_axis]
        if channels is None:
            raise ValueError(
                f"GroupNormalization: axis {self.axis} of the input should have a defined dimension, but the "
                f"layer received an input with shape {input_shape}."
            )
        if self.groups == -1:
            self.groups = channels
        if channels < self.groups:
            raise ValueError(
                f"GroupNormalization: the number of groups ({self.groups}) cannot be more than the number of "
                f"channels ({channels}). Received: groups={self.groups}, input shape {input_shape}"
            )
        if channels % self.groups != 0:
            raise ValueError(
                f"GroupNormalization: the number of groups ({self.groups}) must divide the number of channels "
                f"({channels}). Received: groups={self.groups}, input shape {input_shape}"
            )
        self._channel_axis = channel_axis
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: channels})
        self.gamma = None
        self.beta = None
        if self.scale:
            self.gamma = self.add_weight(
                "gamma",
                shape=(channels,),
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
        if self.center:
            self.beta = self.add_weight(
                "beta",
                shape=(channels,),
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )

    def call(self, inputs, mask=None):
        if mask is None and self._channel_axis != 0:
            # torch's fused kernel groups channels on axis 1 exactly as tf.keras groups the channel axis.
            moved = torch.movedim(inputs, self._channel_axis, 1)
            if self.gamma is not None:
                outputs = F.group_norm(moved, self.groups, self.gamma, self.beta, self.epsilon)
            else:
                # torch's group_norm backward fails with a bias but no weight: add the bias here.
                outputs = F.group_norm(moved, self.groups, None, None, self.epsilon)
                if self.beta is not None:
                    outputs = outputs + self.beta.reshape((-1,) + (1,) * (outputs.ndim - 2))
            return torch.movedim(outputs, 1, self._channel_axis)
        return self._grouped_normalization(inputs, mask)

    def _group_shape(self, shape):
        """tf.keras's reshape: the channel axis split into (groups, channels // groups) in place."""
        grouped = list(shape)
        grouped[self.axis] = shape[self.axis] // self.groups
        grouped.insert(self.axis, self.groups)
        return grouped

    def _grouped_normalization(self, inputs, mask):
        """The tf.keras 2 path: weighted moments over each group (masked inputs, or the batch axis)."""
        shape = tuple(inputs.shape)
        if mask is None:
            weights = torch.ones_like(inputs)
        else:
            try:
                weights = torch.broadcast_to(mask.to(inputs.dtype), shape)
            except RuntimeError:
                raise ValueError(
                    f"GroupNormalization expects a mask broadcastable to the input shape {shape}. "
                    f"Received: mask with shape {tuple(mask.shape)}"
                ) from None
        group_shape = self._group_shape(shape)
        grouped = inputs.reshape(group_shape)
        weights = weights.reshape(group_shape)
        reduction_axes = list(range(1, len(group_shape)))
        reduction_axes.pop(self.axis - 1)
        weight_sum = torch.sum(weights, dim=reduction_axes, keepdim=True)
        # tf.nn.weighted_moments divides by the weight sum (zero weights give NaN moments, as in tf).
        mean = torch.sum(weights * grouped, dim=reduction_axes, keepdim=True) / weight_sum
        variance = torch.sum(weights * (grouped - mean) ** 2, dim=reduction_axes, keepdim=True) / weight_sum
        inverse = torch.rsqrt(variance + self.epsilon)
        param_shape = self._group_shape([1 if i != self._channel_axis else shape[i] for i in range(len(shape))])
        if self.gamma is not None:
            inverse = inverse * self.gamma.reshape(param_shape)
        outputs = grouped * inverse - mean * inverse
        if self.beta is not None:
            outputs = outputs + self.beta.reshape(param_shape)
        return outputs.reshape(shape)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "groups": self.groups,
                "axis": self.axis,
                "epsilon": self.epsilon,
                "center": self.center,
                "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint),
            }
        )
        return config
