"""Normalization layers: BatchNormalization and LayerNormalization with tf.keras 2 numerics."""

import torch
import torch.nn.functional as F

from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.engine.layer import InputSpec
from kerastorch.engine.layer import Layer

__all__ = ["BatchNormalization", "LayerNormalization"]

_FUSABLE_DTYPES = (torch.float16, torch.bfloat16, torch.float32)


def _check_axis_argument(layer_name, axis):
    if isinstance(axis, (list, tuple)):
        if not axis or not all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
            raise TypeError(
                f"{layer_name} expects `axis` to be an int or a list/tuple of ints. Received: axis={axis!r}"
            )
        return list(axis)
    if isinstance(axis, int) and not isinstance(axis, bool):
        return axis
    raise TypeError(f"{layer_name} expects `axis` to be an int or a list/tuple of ints. Received: axis={axis!r}")


def _positive_axes(layer_name, axis, input_shape):
    """tf.keras's `validate_axis`: the axes as a list of non-negative ints, with range and duplicate checks."""
    rank = len(input_shape)
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    resolved = []
    for value in axes:
        if not -rank <= value < rank:
            raise ValueError(
                f"{layer_name} received an invalid axis {value} for an input of rank {rank} "
                f"(shape {tuple(input_shape)}); expected an axis in [{-rank}, {rank})."
            )
        value %= rank
        if value in resolved:
            raise ValueError(f"{layer_name} received a duplicate axis {value}. Received: axis={axis!r}")
        resolved.append(value)
    return resolved


def _validate_axes(layer_name, axis, input_shape):
    """`_positive_axes`, and a ValueError naming the layer when one of the axes has no known size."""
    resolved = _positive_axes(layer_name, axis, input_shape)
    for a in resolved:
        if input_shape[a] is None:
            raise ValueError(
                f"{layer_name}: input has undefined `axis` dimension. Received input with shape "
                f"{tuple(input_shape)} and axis={tuple(resolved)}"
            )
    return resolved


class BatchNormalization(Layer):
    """Normalizes the input per feature with batch statistics in training and moving statistics in inference.

    Training: `gamma * (x - mean(x)) / sqrt(var(x) + epsilon) + beta` with the batch moments, and the
    moving statistics updated as `moving = moving * momentum + batch_stat * (1 - momentum)`.
    Inference (and whenever the layer is frozen with `trainable=False`, as in tf.keras 2):
    `gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta`.

    As tf.keras 2.x does, 4D/5D inputs normalized over their channel axis (1 or last) take the
    "fused" path, whose moving-variance update uses the UNBIASED batch variance (n / (n - 1)
    correction); other inputs (2D, 3D, other axes, several axes) update it with the biased
    variance. The normalization itself always uses the biased variance. Keras 3 uses the biased
    variance everywhere, so Keras 3 files trained further here drift slightly (by design).

    Args:
        axis: integer or list of integers, the feature axis (axes) to keep; -1 for channels_last.
        momentum: momentum of the moving averages (the keep rate of the old value).
        epsilon: small float added to the variance.
        center: if True, add the learned offset `beta`.
        scale: if True, multiply by the learned `gamma`.
        beta_initializer, gamma_initializer, moving_mean_initializer, moving_variance_initializer:
            initializers of the four weights.
        beta_regularizer, gamma_regularizer: optional regularizers.
        beta_constraint, gamma_constraint: optional constraints.
        fused: None (automatic, as tf.keras), True (require the fused path) or False (never fuse:
            biased moving-variance update for every rank).
        renorm: batch renormalization (tf.keras 2): in training the normalized values are corrected
            by `r = batch_std / renorm_std` and `d = (batch_mean - renorm_mean) / renorm_std`, and the
            layer keeps three more non-trainable weights `moving_stddev`, `renorm_mean`, `renorm_stddev`.
        renorm_clipping: dict with optional keys `'rmin'`, `'rmax'`, `'dmax'` clipping `r` and `d`.
        renorm_momentum: momentum of the `renorm_mean`/`renorm_stddev` averages.
        virtual_batch_size: ghost batch normalization (tf.keras 2): the batch is viewed as
            `(virtual_batch_size, batch // virtual_batch_size, ...)` and each ghost batch is normalized
            with its own moments; the weights then have shape `(1, 1, ...)` as in tf.keras.
        adjustment: only None is supported.
        synchronized: accepted for compatibility; training is single-process, so it has no effect.

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:
        >>> layer = BatchNormalization()
        >>> layer(np.random.rand(8, 4).astype("float32"), training=True).shape
        torch.Size([8, 4])
    """

    def __init__(
        self,
        axis=-1,
        momentum=0.99,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        renorm=False,
        renorm_clipping=None,
        renorm_momentum=0.99,
        fused=None,
        virtual_batch_size=None,
        adjustment=None,
        synchronized=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.axis = _check_axis_argument("BatchNormalization", axis)
        self.renorm = bool(renorm)
        self.renorm_clipping = dict(renorm_clipping or {})
        self.renorm_momentum = float(renorm_momentum)
        unknown = set(self.renorm_clipping) - {"rmax", "rmin", "dmax"}
        if self.renorm and unknown:
            raise ValueError(
                "BatchNormalization received invalid keys for `renorm_clipping`: "
                f"{sorted(unknown)}. Supported keys: 'rmax', 'rmin', 'dmax'. Received: renorm_clipping={renorm_clipping!r}"
            )
        if virtual_batch_size is not None and (
            isinstance(virtual_batch_size, bool) or not isinstance(virtual_batch_size, int) or virtual_batch_size <= 0
        ):
            raise ValueError(
                "BatchNormalization expects `virtual_batch_size` to be a positive integer that divides the batch "
                f"size. Received: virtual_batch_size={virtual_batch_size!r}"
            )
        self.virtual_batch_size = virtual_batch_size
        if fused and (self.renorm or virtual_batch_size is not None):
            raise ValueError(
                "BatchNormalization cannot use `fused=True` with `renorm=True` or a `virtual_batch_size`. "
                f"Received: fused={fused!r}, renorm={renorm!r}, virtual_batch_size={virtual_batch_size!r}"
            )
        if adjustment is not None:
            raise ValueError(
                f"BatchNormalization does not support `adjustment`. Received: adjustment={adjustment!r}; "
                "use adjustment=None."
            )
        if fused not in (None, True, False):
            raise ValueError(f"BatchNormalization expects `fused` to be None, True or False. Received: fused={fused!r}")
        if fused and isinstance(self.axis, list) and len(self.axis) > 1:
            raise ValueError(
                "Passing `fused=True` is only supported when axis is 1 or 3 for input rank = 4 or 1 or 4 "
                f"for input rank = 5. Got axis {self.axis}"
            )
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.fused = fused
        self.synchronized = bool(synchronized)
        self.supports_masking = True

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        rank = len(input_shape)
        axes = _validate_axes("BatchNormalization", self.axis, input_shape)
        if self.virtual_batch_size is not None and 0 in axes:
            raise ValueError(
                "BatchNormalization with a `virtual_batch_size` cannot normalize over the batch axis 0. "
                f"Received: axis={self.axis!r}"
            )
        self._axes = axes
        self._rank = rank
        self.input_spec = InputSpec(ndim=rank, axes={a: int(input_shape[a]) for a in axes})
        if len(axes) == 1 and self.virtual_batch_size is None:
            param_shape = (int(input_shape[axes[0]]),)
        else:
            param_shape = tuple(int(input_shape[i]) if i in axes else 1 for i in range(rank))
        if self.virtual_batch_size is not None:
            # As tf.keras: inputs gain a ghost-batch axis at index 1, and so do the weights.
            param_shape = param_shape[:1] + (1,) + param_shape[1:]
            self._axes = [a + 1 for a in axes]
        self._param_shape = param_shape
        # tf.keras 2 fuses 4D/5D inputs normalized over axis 1 or the last axis (float16/32 only).
        fusable = (
            len(axes) == 1
            and rank in (4, 5)
            and axes[0] in (1, rank - 1)
            and self._torch_dtype in _FUSABLE_DTYPES
            and not self.renorm
            and self.virtual_batch_size is None
        )
        if self.fused and not fusable:
            raise ValueError(
                "BatchNormalization with `fused=True` needs a 4D or 5D float16/float32 input normalized over "
                f"axis 1 or its last axis. Received: input shape {input_shape}, axis={self.axis!r}"
            )
        self._unbiased_moving_variance = fusable and self.fused is not False
        # torch's batch_norm keeps channels on axis 1: inputs normalized over axis 1 go as they are,
        # channels-last inputs are viewed as (-1, channels).
        self._channel_path = None
        if len(axes) == 1 and not self.renorm and self.virtual_batch_size is None:
            if axes[0] == 1:
                self._channel_path = "first"
            elif axes[0] == rank - 1 and rank > 1:
                self._channel_path = "last"
        weight_dtype = torch.float32 if self._torch_dtype in (torch.float16, torch.bfloat16) else None
        if self.scale:
            self.gamma = self.add_weight(
                "gamma",
                shape=param_shape,
                dtype=weight_dtype,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
        else:
            self.gamma = None
        if self.center:
            self.beta = self.add_weight(
                "beta",
                shape=param_shape,
                dtype=weight_dtype,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
        else:
            self.beta = None
        self.moving_mean = self.add_weight(
            "moving_mean",
            shape=param_shape,
            dtype=weight_dtype,
            initializer=self.moving_mean_initializer,
            trainable=False,
        )
        self.moving_variance = self.add_weight(
            "moving_variance",
            shape=param_shape,
            dtype=weight_dtype,
            initializer=self.moving_variance_initializer,
            trainable=False,
        )
        if self.renorm:
            # tf.keras tracks the moving standard deviation with renorm, plus the renorm moments.
            def stddev_initializer(shape, dtype=None):
                return torch.sqrt(self.moving_variance_initializer(shape, dtype=dtype))

            self.moving_stddev = self.add_weight(
                "moving_stddev", shape=param_shape, dtype=weight_dtype, initializer=stddev_initializer, trainable=False
            )
            self.renorm_mean = self.add_weight(
                "renorm_mean",
                shape=param_shape,
                dtype=weight_dtype,
                initializer=self.moving_mean_initializer,
                trainable=False,
            )
            self.renorm_stddev = self.add_weight(
                "renorm_stddev", shape=param_shape, dtype=weight_dtype, initializer=stddev_initializer, trainable=False
            )
        super().build(input_shape)

    def call(self, inputs, training=None, mask=None):
        training = self.training if training is None else bool(training)
        if not self._trainable:
            # tf.keras 2: a frozen BatchNormalization runs in inference mode and keeps its statistics.
            training = False
        if self._channel_path is None or (
            training
            and (inputs.numel() <= self._param_shape[0] or (mask is not None and not self._unbiased_moving_variance))
        ):
            # torch's batch_norm refuses one value per channel in training (a last batch of size 1);
            # tf.keras gives zero batch variance there.
            return self._general_call(inputs, training, mask)
        shape = inputs.shape
        x = inputs
        if self._channel_path == "last" and x.dim() > 2:
            x = x.reshape(-1, shape[-1])
        if x.dtype != self.moving_mean.dtype:
            x = x.to(self.moving_mean.dtype)
        if not training:
            outputs = F.batch_norm(
                x, self.moving_mean, self.moving_variance, self.gamma, self.beta, False, 0.0, self.epsilon
            )
        elif self._unbiased_moving_variance:
            # Keras BatchNormalization momentum is the keep rate; torch's is the update rate. torch
            # updates running_var with the unbiased batch variance, as tf.keras 2's fused kernel.
            outputs = F.batch_norm(
                x,
                self.moving_mean,
                self.moving_variance,
                self.gamma,
                self.beta,
                True,
                1.0 - self.momentum,
                self.epsilon,
            )
        else:
            outputs = F.batch_norm(x, None, None, self.gamma, self.beta, True, 0.0, self.epsilon)
            with torch.no_grad():
                reduce_dims = [d for d in range(x.dim()) if d != 1]
                variance, mean = torch.var_mean(x.detach(), dim=reduce_dims, correction=0)
                self._update_moving(mean, variance)
        if outputs.shape != shape:
            outputs = outputs.reshape(shape)
        if outputs.dtype != inputs.dtype:
            outputs = outputs.to(inputs.dtype)
        return outputs

    def _update_moving(self, mean, variance):
        decay = 1.0 - self.momentum
        self.moving_mean.lerp_(mean.reshape(self._param_shape).to(self.moving_mean.dtype), decay)
        self.moving_variance.lerp_(variance.reshape(self._param_shape).to(self.moving_variance.dtype), decay)

    def _broadcast(self, value, rank):
        if value is None or len(self._param_shape) == rank:
            return value
        shape = [1] * rank
        shape[self._axes[0]] = self._param_shape[0]
        return value.reshape(shape)

    def _general_call(self, inputs, training, mask):
        """Several axes, a middle axis, masked moments, renorm or ghost batches (tf.keras's non-fused path)."""
        x = inputs
        if x.dtype != self.moving_mean.dtype:
            x = x.to(self.moving_mean.dtype)
        if training and x.numel() == 0:
            training = False  # an empty batch has no statistics to learn from
        if self.virtual_batch_size is not None:
            if training and x.shape[0] % self.virtual_batch_size:
                raise ValueError(
                    f"BatchNormalization '{self.name}': virtual_batch_size={self.virtual_batch_size} must divide "
                    f"the batch size. Received: input shape {tuple(x.shape)}"
                )
            if training and mask is not None:
                raise ValueError(
                    f"BatchNormalization '{self.name}' with a `virtual_batch_size` cannot take a mask in training."
                )
            # tf.keras views the batch as (virtual_batch_size, -1, ...): ghost batch j holds samples j, j + n, ...
            ghost = (self.virtual_batch_size, -1) if training else (-1, 1)
            x = x.reshape(ghost + tuple(x.shape[1:]))
        rank = x.dim()
        scale = self._broadcast(self.gamma, rank)
        offset = self._broadcast(self.beta, rank)
        if training:
            reduce_dims = [d for d in range(rank) if d not in self._axes]
            if self.virtual_batch_size is not None:
                del reduce_dims[1]  # each ghost batch keeps its own moments
            if not reduce_dims:
                # Nothing to reduce (a rank-1 input, or every axis kept): each value is its own batch.
                mean, variance = x, torch.zeros_like(x)
            elif mask is None:
                variance, mean = torch.var_mean(x, dim=reduce_dims, keepdim=True, correction=0)
            else:
                # tf.nn.weighted_moments with the mask as frequency weights on the last axis.
                weights = mask.to(x.dtype).unsqueeze(-1)
                total = (weights + torch.zeros_like(x)).sum(dim=reduce_dims, keepdim=True)
                mean = (weights * x).sum(dim=reduce_dims, keepdim=True) / total
                variance = (weights * (x - mean.detach()) ** 2).sum(dim=reduce_dims, keepdim=True) / total
            new_mean, new_variance = mean.detach(), variance.detach()
            if self.virtual_batch_size is not None:
                new_mean = new_mean.mean(dim=1, keepdim=True)
                new_variance = new_variance.mean(dim=1, keepdim=True)
            with torch.no_grad():
                if self.renorm:
                    r, d = self._renorm_step(new_mean, new_variance, rank)
                else:
                    self._update_moving(new_mean, new_variance)
            if self.renorm:
                # (x_hat * r + d) * gamma + beta, with r and d as constants (gradients reach gamma and beta).
                offset = d if scale is None else d * scale
                if self.beta is not None:
                    offset = offset + self._broadcast(self.beta, rank)
                scale = r if scale is None else r * scale
        else:
            mean = self._broadcast(self.moving_mean, rank)
            variance = self._broadcast(self.moving_variance, rank)
        outputs = (x - mean) * torch.rsqrt(variance + self.epsilon)
        if scale is not None:
            outputs = outputs * scale
        if offset is not None:
            outputs = outputs + offset
        if outputs.shape != inputs.shape:
            outputs = outputs.reshape(inputs.shape)
        if outputs.dtype != inputs.dtype:
            outputs = outputs.to(inputs.dtype)
        return outputs

    def _renorm_step(self, mean, variance, rank):
        """Batch renormalization corrections `r`, `d` and the updates of the four moving weights."""
        stddev = torch.sqrt(variance + self.epsilon)
        renorm_stddev = torch.clamp(self._broadcast(self.renorm_stddev, rank), min=self.epsilon**0.5)
        r = stddev / renorm_stddev
        d = (mean - self._broadcast(self.renorm_mean, rank)) / renorm_stddev
        clipping = self.renorm_clipping
        if clipping.get("rmin") is not None:
            r = torch.clamp(r, min=float(clipping["rmin"]))
        if clipping.get("rmax") is not None:
            r = torch.clamp(r, max=float(clipping["rmax"]))
        if clipping.get("dmax") is not None:
            d = torch.clamp(d, min=-float(clipping["dmax"]), max=float(clipping["dmax"]))
        renorm_decay = 1.0 - self.renorm_momentum
        self.renorm_mean.lerp_(mean.reshape(self._param_shape), renorm_decay)
        self.renorm_stddev.lerp_(stddev.reshape(self._param_shape), renorm_decay)
        decay = 1.0 - self.momentum
        self.moving_mean.lerp_(mean.reshape(self._param_shape), decay)
        self.moving_stddev.lerp_(stddev.reshape(self._param_shape), decay)
        # tf.keras derives the moving variance from the moving stddev (relu against rounding).
        self.moving_variance.copy_(torch.relu(self.moving_stddev * self.moving_stddev - self.epsilon))
        return r, d

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "axis": self.axis,
                "momentum": self.momentum,
                "epsilon": self.epsilon,
                "center": self.center,
                "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint),
            }
        )
        if self.renorm:
            config["renorm"] = True
            config["renorm_clipping"] = dict(self.renorm_clipping)
            config["renorm_momentum"] = self.renorm_momentum
        if self.virtual_batch_size is not None:
            config["virtual_batch_size"] = self.virtual_batch_size
        if self.fused is not None:
            config["fused"] = self.fused
        if self.synchronized:
            config["synchronized"] = True
        return config


class LayerNormalization(Layer):
    """Normalizes each sample over `axis`: `gamma * (x - mean) / sqrt(var + epsilon) + beta`.

    Args:
        axis: integer or list of integers, the axes to normalize over (default the last).
        epsilon: small float added to the variance (tf.keras 2 default 1e-3).
        center: if True, add the learned offset `beta` (shape of the normalized axes).
        scale: if True, multiply by the learned `gamma`.
        beta_initializer, gamma_initializer: initializers.
        beta_regularizer, gamma_regularizer: optional regularizers.
        beta_constraint, gamma_constraint: optional constraints.

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:
        >>> LayerNormalization()(np.array([[0.0, 10.0]], "float32"))
        tensor([[-0.9999,  0.9999]], grad_fn=<NativeLayerNormBackward0>)
    """

    def __init__(
        self,
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
        self.axis = _check_axis_argument("LayerNormalization", axis)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        rank = len(input_shape)
        axes = _validate_axes("LayerNormalization", self.axis, input_shape)
        self._axes = axes
        param_shape = tuple(int(input_shape[a]) for a in axes)
        # F.layer_norm normalizes trailing axes; usable when `axis` lists them in order.
        self._trailing = axes == list(range(rank - len(axes), rank))
        self._normalized_shape = param_shape
        self._broadcast_shape = [1] * rank
        for a in axes:
            self._broadcast_shape[a] = int(input_shape[a])
        if self.scale:
            self.gamma = self.add_weight(
                "gamma",
                shape=param_shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
        else:
            self.gamma = None
        if self.center:
            self.beta = self.add_weight(
                "beta",
                shape=param_shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
        else:
            self.beta = None
        super().build(input_shape)

    def call(self, inputs):
        if self._trailing:
            x = inputs
            dtype = (
                self.gamma.dtype if self.gamma is not None else (self.beta.dtype if self.beta is not None else x.dtype)
            )
            if x.dtype != dtype:
                x = x.to(dtype)
            outputs = F.layer_norm(x, self._normalized_shape, self.gamma, self.beta, self.epsilon)
            return outputs if outputs.dtype == inputs.dtype else outputs.to(inputs.dtype)
        x = inputs.float() if inputs.dtype in (torch.float16, torch.bfloat16) else inputs
        variance, mean = torch.var_mean(x, dim=self._axes, keepdim=True, correction=0)
        outputs = (x - mean) * torch.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            outputs = outputs * self._to_broadcast(self.gamma)
        if self.beta is not None:
            outputs = outputs + self._to_broadcast(self.beta)
        return outputs.to(inputs.dtype)

    def _to_broadcast(self, value):
        # As tf.keras 2: the weights (in `axis` order) are reshaped, not transposed, to the input's axes.
        return value.reshape(self._broadcast_shape)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
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
