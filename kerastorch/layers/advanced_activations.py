"""Advanced activation layers: LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax, ReLU."""

import torch
import torch.nn.functional as F

from kerastorch import backend
from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.engine.layer import InputSpec
from kerastorch.engine.layer import Layer

__all__ = ["LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax", "ReLU"]


class LeakyReLU(Layer):
    """Leaky rectified linear unit: `x` for `x > 0`, `alpha * x` otherwise.

    Args:
        alpha: float >= 0, slope of the negative part (Keras 3 spelling `negative_slope` accepted).

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:
        >>> LeakyReLU(alpha=0.1)(np.array([[-10.0, 5.0]], "float32"))
        tensor([[-1.,  5.]])
    """

    def __init__(self, alpha=0.3, **kwargs):
        if "negative_slope" in kwargs:
            alpha = kwargs.pop("negative_slope")
        super().__init__(**kwargs)
        if alpha is None:
            raise ValueError(
                f"The alpha value of a Leaky ReLU layer cannot be None. Expecting a float. Received: alpha={alpha}"
            )
        self.alpha = float(alpha)
        self.supports_masking = True

    def call(self, inputs):
        return F.leaky_relu(inputs, self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class PReLU(Layer):
    """Parametric rectified linear unit: `x` for `x >= 0`, `alpha * x` otherwise, with a learned `alpha`.

    Args:
        alpha_initializer: initializer of `alpha` (default zeros).
        alpha_regularizer: optional regularizer of `alpha`.
        alpha_constraint: optional constraint of `alpha`.
        shared_axes: axes (1-based, batch excluded) along which `alpha` is shared, e.g. `[1, 2]` for
            one slope per channel of a `(batch, height, width, channels)` input.

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:
        >>> layer = PReLU(shared_axes=[1, 2])
    """

    def __init__(
        self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None, **kwargs
    ):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [int(a) for a in shared_axes]
        else:
            self.shared_axes = [int(shared_axes)]
        self.supports_masking = True

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        rank = len(input_shape)
        param_shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if not 1 <= axis < rank:
                raise ValueError(
                    f"PReLU `shared_axes` must be in [1, {rank - 1}] for an input of rank {rank}. "
                    f"Received: shared_axes={self.shared_axes}"
                )
            param_shape[axis - 1] = 1
        for index, size in enumerate(param_shape):
            if size is None:
                raise ValueError(
                    f"PReLU needs every non-shared axis of its input to be known; axis {index + 1} of "
                    f"{input_shape} is None. Share it with `shared_axes=[{index + 1}]`."
                )
        self.alpha = self.add_weight(
            "alpha",
            shape=tuple(param_shape),
            initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )
        shared = set(self.shared_axes or [])
        self.input_spec = InputSpec(ndim=rank, axes={i: int(input_shape[i]) for i in range(1, rank) if i not in shared})
        super().build(input_shape)

    def call(self, inputs):
        return F.relu(inputs) - self.alpha * F.relu(-inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes,
            }
        )
        return config


class ELU(Layer):
    """Exponential linear unit: `x` for `x > 0`, `alpha * (exp(x) - 1)` otherwise.

    Args:
        alpha: scale of the negative part.

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:
        >>> layer = ELU(alpha=1.0)
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        if alpha is None:
            raise ValueError(f"Alpha of an ELU layer cannot be None, expecting a float. Received: alpha={alpha}")
        self.alpha = float(alpha)
        self.supports_masking = True

    def call(self, inputs):
        return F.elu(inputs, self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class ThresholdedReLU(Layer):
    """Thresholded rectified linear unit: `x` for `x > theta`, 0 otherwise.

    Args:
        theta: float >= 0, the threshold.

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:
        >>> ThresholdedReLU(theta=1.0)(np.array([[0.5, 1.0, 2.0]], "float32"))
        tensor([[0., 0., 2.]])
    """

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        if theta is None:
            raise ValueError(
                f"Theta of a Thresholded ReLU layer cannot be None, expecting a float. Received: theta={theta}"
            )
        if theta < 0:
            raise ValueError(f"The theta value of a Thresholded ReLU layer should be >=0. Received: theta={theta}")
        self.theta = float(theta)
        self.supports_masking = True

    def call(self, inputs):
        return inputs * (inputs > self.theta).to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["theta"] = self.theta
        return config


class Softmax(Layer):
    """Softmax activation over `axis`; masked positions (mask False) get ~zero probability.

    Args:
        axis: integer or tuple of integers, the axes the softmax is normalized over.

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:
        >>> Softmax()(np.array([[0.0, 0.0]], "float32"))
        tensor([[0.5000, 0.5000]])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            axis = [int(a) for a in axis]
            if len(axis) == 1:
                axis = axis[0]
        else:
            axis = int(axis)
        self.axis = axis
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            # tf.keras 2 adds a large negative number where the mask is False.
            large_negative = -65504.0 if inputs.dtype == torch.float16 else -1e9
            inputs = inputs + (1.0 - mask.to(inputs.dtype)) * large_negative
        if isinstance(self.axis, list):
            return torch.exp(inputs - torch.logsumexp(inputs, dim=self.axis, keepdim=True))
        outputs = torch.softmax(inputs, dim=self.axis)
        if self.axis == -1 or self.axis == inputs.dim() - 1:
            # Losses take the stable logits path through this attribute, as tf.keras 2 does.
            outputs._keras_logits = inputs
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class ReLU(Layer):
    """Rectified linear unit with optional cap, leak and threshold (tf.keras 2 `backend.relu`).

    `f(x) = max_value` for `x >= max_value`, `x` for `threshold <= x < max_value`,
    `negative_slope * (x - threshold)` otherwise.

    Args:
        max_value: float >= 0, the cap (None for no cap).
        negative_slope: float >= 0, slope below the threshold.
        threshold: float >= 0, the threshold.

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:
        >>> ReLU(max_value=6.0)(np.array([[-1.0, 3.0, 9.0]], "float32"))
        tensor([[0., 3., 6.]])
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(f"max_value of a ReLU layer cannot be a negative value. Received: max_value={max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(
                f"negative_slope of a ReLU layer cannot be a negative value. Received: negative_slope={negative_slope}"
            )
        if threshold is None or threshold < 0.0:
            raise ValueError(f"threshold of a ReLU layer cannot be a negative value. Received: threshold={threshold}")
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope = float(negative_slope)
        self.threshold = float(threshold)
        self.supports_masking = True

    def call(self, inputs):
        slope, threshold, max_value = self.negative_slope, self.threshold, self.max_value
        if slope == 0.0 and threshold == 0.0:
            if max_value is None:
                return F.relu(inputs)
            return torch.clamp(inputs, 0.0, max_value)
        return backend.relu(inputs, alpha=slope, max_value=max_value, threshold=threshold)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope, "threshold": self.threshold})
        return config
