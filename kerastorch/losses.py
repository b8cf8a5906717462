"""Losses: Keras 2 loss functions (per-sample values) and Loss classes with tf.keras 2 reductions.

Loss functions take `(y_true, y_pred)` torch tensors and return one value per sample (the mean over
the last axis, as Keras does), so the result has shape `(batch,)` or `(batch, timesteps)`. `Loss`
objects reduce those values with optional sample weights the tf.keras 2 way:
`sum(sample_weight * loss) / num_elements(loss)`.

Probability losses (`binary_crossentropy`, `categorical_crossentropy`,
`sparse_categorical_crossentropy`) take the stable logits path when `y_pred` carries the
`_keras_logits` attribute that `activations.softmax` / `activations.sigmoid` attach, exactly as
tf.keras 2 does.
"""

import inspect
import math
import warnings

import numpy as np
import torch
import torch.nn.functional as F

from kerastorch import backend

__all__ = [
    "Reduction",
    "compute_weighted_loss",
    "squeeze_or_expand_dimensions",
    "Loss",
    "LossFunctionWrapper",
    "MeanSquaredError",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy",
    "Hinge",
    "SquaredHinge",
    "CategoricalHinge",
    "Huber",
    "LogCosh",
    "KLDivergence",
    "Poisson",
    "CosineSimilarity",
    "mean_squared_error",
    "mse",
    "MSE",
    "mean_absolute_error",
    "mae",
    "MAE",
    "mean_absolute_percentage_error",
    "mape",
    "MAPE",
    "mean_squared_logarithmic_error",
    "msle",
    "MSLE",
    "squared_hinge",
    "hinge",
    "categorical_hinge",
    "logcosh",
    "log_cosh",
    "huber",
    "huber_loss",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "binary_crossentropy",
    "bce",
    "BCE",
    "kullback_leibler_divergence",
    "kl_divergence",
    "kld",
    "KLD",
    "poisson",
    "cosine_similarity",
    "cosine_proximity",
    "cosine",
    "get",
    "serialize",
    "deserialize",
    "get_loss_name",
]


# ---------------------------------------------------------------------------------------------
# Tensor helpers
# ---------------------------------------------------------------------------------------------
def _as_tensor(value, dtype=None, device=None):
    """`value` as a torch tensor; non-tensors become `floatx` tensors when they are not already float."""
    if isinstance(value, torch.Tensor):
        if dtype is not None and value.dtype != dtype:
            value = value.to(dtype)
        if device is not None and value.device != torch.device(device):
            value = value.to(device)
        return value
    array = np.asarray(value)
    if dtype is None:
        dtype = array.dtype if array.dtype.kind == "f" else backend.floatx()
    return torch.as_tensor(array, dtype=backend.standardize_dtype(dtype), device=device)


def _prepare(y_true, y_pred):
    """Returns float `y_pred` and `y_true` cast to its dtype and device (Keras casts y_true to y_pred)."""
    if not isinstance(y_pred, torch.Tensor):
        y_pred = _as_tensor(y_pred)
    elif not y_pred.is_floating_point():
        y_pred = y_pred.to(backend.standardize_dtype(None))
    if not isinstance(y_true, torch.Tensor):
        y_true = torch.as_tensor(np.asarray(y_true), dtype=y_pred.dtype, device=y_pred.device)
    elif y_true.dtype != y_pred.dtype or y_true.device != y_pred.device:
        y_true = y_true.to(device=y_pred.device, dtype=y_pred.dtype)
    return y_true, y_pred


def _keras_logits(y_pred, from_logits, fn_name):
    """Returns (tensor, from_logits): the logits cached by softmax/sigmoid when present, as tf.keras 2 does."""
    logits = getattr(y_pred, "_keras_logits", None)
    if logits is None:
        return y_pred, from_logits
    if from_logits:
        warnings.warn(
            f"`{fn_name}` received `from_logits=True`, but the `y_pred` argument was produced by a "
            "sigmoid or softmax activation and thus does not represent logits. Was this intended?",
            stacklevel=3,
        )
    if logits.dtype != y_pred.dtype:
        logits = logits.to(y_pred.dtype)
    return logits, True


def _clip_probabilities(x):
    epsilon = backend.epsilon()
    return torch.clamp(x, epsilon, 1.0 - epsilon)


def _l2_normalize(x, axis):
    # tf.math.l2_normalize: x * rsqrt(max(sum(x ** 2), 1e-12)).
    square_sum = torch.sum(x * x, dim=axis, keepdim=True)
    return x * torch.rsqrt(torch.clamp(square_sum, min=1e-12))


def _maybe_convert_labels(y_true):
    """Turns {0, 1} labels into {-1, 1} (hinge losses), without a host sync."""
    is_binary = torch.all((y_true == 0) | (y_true == 1))
    return torch.where(is_binary, 2.0 * y_true - 1.0, y_true)


# ---------------------------------------------------------------------------------------------
# Loss functions
# ---------------------------------------------------------------------------------------------
def mean_squared_error(y_true, y_pred):
    """Mean squared error over the last axis: `mean(square(y_true - y_pred), axis=-1)`.

    Args:
        y_true: ground truth values, shape `(batch, ..., d)`.
        y_pred: predicted values, same shape.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    return torch.mean(torch.square(y_pred - y_true), dim=-1)


def mean_absolute_error(y_true, y_pred):
    """Mean absolute error over the last axis: `mean(abs(y_true - y_pred), axis=-1)`.

    Args:
        y_true: ground truth values.
        y_pred: predicted values.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    return torch.mean(torch.abs(y_pred - y_true), dim=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)`.

    Args:
        y_true: ground truth values.
        y_pred: predicted values.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    diff = torch.abs((y_true - y_pred) / torch.clamp(torch.abs(y_true), min=backend.epsilon()))
    return 100.0 * torch.mean(diff, dim=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """`mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)`.

    Args:
        y_true: ground truth values.
        y_pred: predicted values.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    epsilon = backend.epsilon()
    first_log = torch.log(torch.clamp(y_pred, min=epsilon) + 1.0)
    second_log = torch.log(torch.clamp(y_true, min=epsilon) + 1.0)
    return torch.mean(torch.square(first_log - second_log), dim=-1)


def squared_hinge(y_true, y_pred):
    """`mean(square(max(1 - y_true * y_pred, 0)), axis=-1)`; {0, 1} labels become {-1, 1}.

    Args:
        y_true: labels in {-1, 1} (or {0, 1}).
        y_pred: predicted values.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return torch.mean(torch.square(torch.clamp(1.0 - y_true * y_pred, min=0.0)), dim=-1)


def hinge(y_true, y_pred):
    """`mean(max(1 - y_true * y_pred, 0), axis=-1)`; {0, 1} labels become {-1, 1}.

    Args:
        y_true: labels in {-1, 1} (or {0, 1}).
        y_pred: predicted values.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return torch.mean(torch.clamp(1.0 - y_true * y_pred, min=0.0), dim=-1)


def categorical_hinge(y_true, y_pred):
    """`max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)` over the last axis.

    Args:
        y_true: one-hot labels.
        y_pred: predicted values.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    positive = torch.sum(y_true * y_pred, dim=-1)
    negative = torch.amax((1.0 - y_true) * y_pred, dim=-1)
    return torch.clamp(negative - positive + 1.0, min=0.0)


def logcosh(y_true, y_pred):
    """Mean over the last axis of `log(cosh(y_pred - y_true))`, computed without overflow.

    Args:
        y_true: ground truth values.
        y_pred: predicted values.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    x = y_pred - y_true
    return torch.mean(x + F.softplus(-2.0 * x) - math.log(2.0), dim=-1)


def huber(y_true, y_pred, delta=1.0):
    """Huber loss: quadratic for `|error| <= delta`, linear beyond; mean over the last axis.

    Args:
        y_true: ground truth values.
        y_pred: predicted values.
        delta: the point where the loss changes from quadratic to linear.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    delta = float(delta)
    error = y_pred - y_true
    abs_error = torch.abs(error)
    quadratic = 0.5 * torch.square(error)
    linear = delta * abs_error - 0.5 * delta * delta
    return torch.mean(torch.where(abs_error <= delta, quadratic, linear), dim=-1)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical cross-entropy between one-hot (or soft) labels and predictions.

    Probabilities are rescaled to sum to 1, clipped to `[epsilon, 1 - epsilon]`, and the result is
    `-sum(y_true * log(y_pred), axis)`. With `from_logits=True`, or when `y_pred` came out of a
    softmax that cached its logits, the stable `-sum(y_true * log_softmax(logits), axis)` is used.

    Args:
        y_true: one-hot labels, same shape as `y_pred`.
        y_pred: predicted probabilities (or logits with `from_logits=True`).
        from_logits: whether `y_pred` holds logits.
        label_smoothing: float in [0, 1]; labels become `y * (1 - ls) + ls / num_classes`.
        axis: the class axis.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "categorical_crossentropy expects `y_true` and `y_pred` with the same shape. "
            f"Received: y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}"
        )
    if label_smoothing:
        num_classes = y_true.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    output, from_logits = _keras_logits(y_pred, from_logits, "categorical_crossentropy")
    if from_logits:
        return -torch.sum(y_true * torch.log_softmax(output, dim=axis), dim=axis)
    output = output / torch.sum(output, dim=axis, keepdim=True)
    output = _clip_probabilities(output)
    return -torch.sum(y_true * torch.log(output), dim=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1, ignore_class=None):
    """Categorical cross-entropy with integer labels.

    Probabilities are clipped to `[epsilon, 1 - epsilon]` and their logs used as logits (as tf.keras
    2 does: no rescaling before the clip). Labels of shape `(batch,)` / `(batch, 1)` give
    `(batch,)`; `(batch, T)` / `(batch, T, 1)` give `(batch, T)`.

    Args:
        y_true: integer class indices (float labels are cast to integers).
        y_pred: predicted probabilities (or logits with `from_logits=True`), classes on `axis`.
        from_logits: whether `y_pred` holds logits.
        axis: the class axis of `y_pred`.
        ignore_class: optional label whose entries get a zero loss; the result then carries the
            valid-entry mask as `_keras_mask`, which `Loss` objects and metrics use to average over
            the valid entries only (as tf.keras does).
    """
    y_pred = _as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(backend.standardize_dtype(None))
    output, from_logits = _keras_logits(y_pred, from_logits, "sparse_categorical_crossentropy")
    labels = _as_tensor(y_true, dtype=torch.int64, device=output.device)
    if output.dim() < 1:
        raise ValueError(
            f"sparse_categorical_crossentropy expects `y_pred` of rank >= 1. Received: y_pred.shape={tuple(output.shape)}"
        )
    if axis != -1 and axis != output.dim() - 1:
        output = torch.movedim(output, axis, -1)
    if not from_logits:
        output = torch.log(_clip_probabilities(output))
    leading_shape = tuple(output.shape[:-1])
    num_classes = output.shape[-1]
    if labels.dim() == output.dim() and labels.shape[-1] == 1:
        labels = labels.squeeze(-1)
    if tuple(labels.shape) != leading_shape:
        if labels.numel() != math.prod(leading_shape):
            raise ValueError(
                "sparse_categorical_crossentropy expects integer `y_true` with shape "
                f"{leading_shape} (or {leading_shape + (1,)}) for `y_pred` of shape {tuple(output.shape)}. "
                f"Received: y_true.shape={tuple(labels.shape)}"
            )
        labels = labels.reshape(leading_shape)
    valid = None
    if ignore_class is not None:
        valid = labels != int(ignore_class)
        labels = torch.where(valid, labels, torch.zeros_like(labels))
    losses = F.cross_entropy(output.reshape(-1, num_classes), labels.reshape(-1), reduction="none")
    losses = losses.reshape(leading_shape)
    if valid is not None:
        losses = losses * valid.to(losses.dtype)
        losses._keras_mask = valid
    return losses


def _sigmoid_cross_entropy_with_logits(labels, logits):
    # tf.nn.sigmoid_cross_entropy_with_logits: max(x, 0) - x * z + log(1 + exp(-|x|)).
    return torch.relu(logits) - logits * labels + torch.log1p(torch.exp(-torch.abs(logits)))


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy, mean over `axis`.

    On probabilities (tf.keras 2 formula): `p = clip(y_pred, eps, 1 - eps)`, then
    `-(y * log(p + eps) + (1 - y) * log(1 - p + eps))`. With `from_logits=True`, or when `y_pred`
    came out of a sigmoid that cached its logits, the stable sigmoid cross-entropy with logits.

    Args:
        y_true: labels in [0, 1], same shape as `y_pred`.
        y_pred: predicted probabilities (or logits with `from_logits=True`).
        from_logits: whether `y_pred` holds logits.
        label_smoothing: float in [0, 1]; labels become `y * (1 - ls) + 0.5 * ls`.
        axis: the axis the mean is taken over.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    output, from_logits = _keras_logits(y_pred, from_logits, "binary_crossentropy")
    if from_logits:
        return torch.mean(_sigmoid_cross_entropy_with_logits(y_true, output), dim=axis)
    epsilon = backend.epsilon()
    output = _clip_probabilities(output)
    bce_value = y_true * torch.log(output + epsilon) + (1.0 - y_true) * torch.log(1.0 - output + epsilon)
    return torch.mean(-bce_value, dim=axis)


def kullback_leibler_divergence(y_true, y_pred):
    """`sum(y_true * log(y_true / y_pred), axis=-1)` with both clipped to `[epsilon, 1]`.

    Args:
        y_true: target distribution.
        y_pred: predicted distribution.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    epsilon = backend.epsilon()
    y_true = torch.clamp(y_true, epsilon, 1.0)
    y_pred = torch.clamp(y_pred, epsilon, 1.0)
    return torch.sum(y_true * torch.log(y_true / y_pred), dim=-1)


def poisson(y_true, y_pred):
    """`mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)`.

    Args:
        y_true: ground truth counts.
        y_pred: predicted rates.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    return torch.mean(y_pred - y_true * torch.log(y_pred + backend.epsilon()), dim=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity (tf.keras 2 loss sign): `-sum(l2_normalize(y_true) * l2_normalize(y_pred))`.

    Args:
        y_true: ground truth vectors.
        y_pred: predicted vectors.
        axis: the axis the similarity is computed along.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    return -torch.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), dim=axis)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
log_cosh = logcosh
huber_loss = huber
bce = BCE = binary_crossentropy
kld = KLD = kl_divergence = kullback_leibler_divergence
cosine_proximity = cosine = cosine_similarity


# ---------------------------------------------------------------------------------------------
# Reduction
# ---------------------------------------------------------------------------------------------
class Reduction:
    """The reductions a `Loss` applies to per-sample losses (tf.keras `ReductionV2` values)."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, reduction):
        if reduction not in cls.all():
            raise ValueError(
                f"Invalid `reduction` {reduction!r}. Expected one of {', '.join(repr(r) for r in cls.all())}."
            )


def squeeze_or_expand_dimensions(y_pred, y_true=None, sample_weight=None):
    """Aligns ranks the tf.keras way (static shapes only, no host sync).

    A trailing size-1 axis is squeezed from `y_pred` or `y_true` when their ranks differ by one;
    `sample_weight` is squeezed or given a trailing axis so its rank matches `y_pred`.

    Args:
        y_pred: predictions (or per-sample losses / metric values).
        y_true: optional labels.
        sample_weight: optional weights.

    Returns:
        `(y_pred, y_true)` when `sample_weight` is None, else `(y_pred, y_true, sample_weight)`.
    """
    if y_true is not None:
        pred_rank = y_pred.dim()
        true_rank = y_true.dim()
        if pred_rank - true_rank != 1 or (pred_rank > 0 and y_pred.shape[-1] == 1):
            rank_diff = pred_rank - true_rank
            if rank_diff == 1 and y_pred.shape[-1] == 1:
                y_pred = y_pred.squeeze(-1)
            elif rank_diff == -1 and y_true.shape[-1] == 1:
                y_true = y_true.squeeze(-1)
    if sample_weight is None:
        return y_pred, y_true
    weight_rank = sample_weight.dim()
    if weight_rank == 0:
        return y_pred, y_true, sample_weight
    pred_rank = y_pred.dim()
    if weight_rank - pred_rank == 1:
        if sample_weight.shape[-1] != 1:
            raise ValueError(
                f"`sample_weight` of shape {tuple(sample_weight.shape)} does not match values of shape "
                f"{tuple(y_pred.shape)}: expected a trailing axis of size 1 to squeeze."
            )
        sample_weight = sample_weight.squeeze(-1)
    elif pred_rank - weight_rank == 1:
        sample_weight = sample_weight.unsqueeze(-1)
    return y_pred, y_true, sample_weight


def compute_weighted_loss(losses, sample_weight=None, reduction=Reduction.SUM_OVER_BATCH_SIZE):
    """Weights per-sample losses and reduces them as tf.keras 2 does.

    `sum_over_batch_size` (and `auto`) gives `sum(w * loss) / num_elements(w * loss)`; `sum` gives
    `sum(w * loss)`; `none` gives `w * loss`. Weights of shape `(batch,)` on losses of shape
    `(batch, T)` broadcast along T; `(batch, T)` weights weight each timestep.

    Args:
        losses: per-sample loss tensor.
        sample_weight: None, a scalar, or a tensor broadcastable to `losses` after rank alignment.
        reduction: one of 'auto', 'sum_over_batch_size', 'sum', 'none'.
    """
    Reduction.validate(reduction)
    if reduction == Reduction.AUTO:
        reduction = Reduction.SUM_OVER_BATCH_SIZE
    if not isinstance(losses, torch.Tensor):
        losses = _as_tensor(losses)
    if sample_weight is not None:
        if isinstance(sample_weight, (int, float)):
            losses = losses * float(sample_weight)
        else:
            sample_weight = _as_tensor(sample_weight, dtype=losses.dtype, device=losses.device)
            losses, _, sample_weight = squeeze_or_expand_dimensions(losses, None, sample_weight)
            try:
                losses = losses * sample_weight
            except RuntimeError:
                raise ValueError(
                    f"`sample_weight` of shape {tuple(sample_weight.shape)} cannot be broadcast to "
                    f"losses of shape {tuple(losses.shape)}."
                ) from None
    if reduction == Reduction.NONE:
        return losses
    total = torch.sum(losses)
    if reduction == Reduction.SUM:
        return total
    num_elements = losses.numel()
    if num_elements == 0:
        return total * 0.0
    return total / num_elements


def _apply_valid_mask(losses, sample_weight, mask, reduction):
    """Folds a valid-entry mask into the sample weights; mean reductions then average valid entries only."""
    mask = mask.to(losses.dtype)
    if reduction in (Reduction.AUTO, Reduction.SUM_OVER_BATCH_SIZE):
        # Valid entries weigh total / valid, so sum(w * loss) / total = sum(loss) / valid.
        valid = torch.sum(mask)
        mask = mask * torch.where(valid > 0, mask.numel() / valid, torch.zeros_like(valid))
    if sample_weight is None:
        return mask
    sample_weight = _as_tensor(sample_weight, dtype=losses.dtype, device=losses.device)
    mask, _, sample_weight = squeeze_or_expand_dimensions(mask, None, sample_weight)
    return sample_weight * mask


# ---------------------------------------------------------------------------------------------
# Loss classes
# ---------------------------------------------------------------------------------------------
class Loss:
    """Base class: `loss(y_true, y_pred, sample_weight=None)` -> reduced loss.

    Subclasses implement `call(y_true, y_pred)` returning per-sample losses.

    Args:
        reduction: 'auto' (= 'sum_over_batch_size'), 'sum_over_batch_size', 'sum' or 'none'.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name=None):
        Reduction.validate(reduction)
        self.reduction = reduction
        self.name = name

    def __call__(self, y_true, y_pred, sample_weight=None):
        losses = self.call(y_true, y_pred)
        mask = getattr(losses, "_keras_mask", None)
        if mask is not None:
            sample_weight = _apply_valid_mask(losses, sample_weight, mask, self.reduction)
        return compute_weighted_loss(losses, sample_weight, reduction=self.reduction)

    def call(self, y_true, y_pred):
        """Returns per-sample losses; subclasses override this.

        Args:
            y_true: ground truth values.
            y_pred: predicted values.
        """
        raise TypeError(
            f"{type(self).__name__} must override `call(y_true, y_pred)` to return per-sample losses, "
            "or be built with LossFunctionWrapper(fn)."
        )

    def get_config(self):
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """A `Loss` built from a function `fn(y_true, y_pred, **kwargs)`.

    Args:
        fn: the per-sample loss function.
        reduction: reduction applied to the per-sample losses.
        name: name of the loss (defaults to the function's name).
        **kwargs: keyword arguments passed to `fn`.
    """

    def __init__(self, fn, reduction=Reduction.AUTO, name=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"LossFunctionWrapper expects a callable `fn`. Received: fn={fn!r}")
        super().__init__(reduction=reduction, name=name or getattr(fn, "__name__", None))
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        if isinstance(y_true, torch.Tensor) and isinstance(y_pred, torch.Tensor):
            y_pred, y_true = squeeze_or_expand_dimensions(y_pred, y_true)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        if type(self) is LossFunctionWrapper:
            config["fn"] = serialize(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls is LossFunctionWrapper:
            fn = get(config.pop("fn"))
            return cls(fn, **config)
        return cls(**config)


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squares of errors between labels and predictions.

    Args:
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name="mean_squared_error"):
        super().__init__(mean_squared_error, reduction=reduction, name=name)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors between labels and predictions.

    Args:
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name="mean_absolute_error"):
        super().__init__(mean_absolute_error, reduction=reduction, name=name)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute percentage error between labels and predictions.

    Args:
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name="mean_absolute_percentage_error"):
        super().__init__(mean_absolute_percentage_error, reduction=reduction, name=name)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared logarithmic error between labels and predictions.

    Args:
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name="mean_squared_logarithmic_error"):
        super().__init__(mean_squared_logarithmic_error, reduction=reduction, name=name)


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy between labels and predicted probabilities (or logits).

    Args:
        from_logits: whether `y_pred` holds logits.
        label_smoothing: float in [0, 1] squeezing labels towards 0.5.
        axis: the axis the mean is taken over.
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(
        self, from_logits=False, label_smoothing=0.0, axis=-1, reduction=Reduction.AUTO, name="binary_crossentropy"
    ):
        super().__init__(
            binary_crossentropy,
            reduction=reduction,
            name=name,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class CategoricalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy between one-hot labels and predicted probabilities (or logits).

    Args:
        from_logits: whether `y_pred` holds logits.
        label_smoothing: float in [0, 1] squeezing labels towards uniform.
        axis: the class axis.
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction=Reduction.AUTO,
        name="categorical_crossentropy",
    ):
        super().__init__(
            categorical_crossentropy,
            reduction=reduction,
            name=name,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy with integer labels.

    Args:
        from_logits: whether `y_pred` holds logits.
        ignore_class: optional label excluded from the loss and from the mean.
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(
        self, from_logits=False, ignore_class=None, reduction=Reduction.AUTO, name="sparse_categorical_crossentropy"
    ):
        super().__init__(
            sparse_categorical_crossentropy,
            reduction=reduction,
            name=name,
            from_logits=from_logits,
            ignore_class=ignore_class,
        )


class Hinge(LossFunctionWrapper):
    """Hinge loss (labels in {-1, 1} or {0, 1}).

    Args:
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name="hinge"):
        super().__init__(hinge, reduction=reduction, name=name)


class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss (labels in {-1, 1} or {0, 1}).

    Args:
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name="squared_hinge"):
        super().__init__(squared_hinge, reduction=reduction, name=name)


class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss (one-hot labels).

    Args:
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name="categorical_hinge"):
        super().__init__(categorical_hinge, reduction=reduction, name=name)


class Huber(LossFunctionWrapper):
    """Huber loss: quadratic for small errors, linear for large ones.

    Args:
        delta: the point where the loss changes from quadratic to linear.
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, delta=1.0, reduction=Reduction.AUTO, name="huber_loss"):
        super().__init__(huber, reduction=reduction, name=name, delta=delta)


class LogCosh(LossFunctionWrapper):
    """Logarithm of the hyperbolic cosine of the prediction error.

    Args:
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name="log_cosh"):
        super().__init__(logcosh, reduction=reduction, name=name)


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence between label and prediction distributions.

    Args:
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name="kl_divergence"):
        super().__init__(kullback_leibler_divergence, reduction=reduction, name=name)


class Poisson(LossFunctionWrapper):
    """Poisson loss: `y_pred - y_true * log(y_pred)`.

    Args:
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name="poisson"):
        super().__init__(poisson, reduction=reduction, name=name)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity between labels and predictions (tf.keras 2 sign).

    Args:
        axis: the axis the similarity is computed along.
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, axis=-1, reduction=Reduction.AUTO, name="cosine_similarity"):
        super().__init__(cosine_similarity, reduction=reduction, name=name, axis=axis)


# ---------------------------------------------------------------------------------------------
# get / serialize / deserialize
# ---------------------------------------------------------------------------------------------
LOSS_FUNCTIONS = {
    "mean_squared_error": mean_squared_error,
    "mse": mse,
    "MSE": MSE,
    "mean_absolute_error": mean_absolute_error,
    "mae": mae,
    "MAE": MAE,
    "mean_absolute_percentage_error": mean_absolute_percentage_error,
    "mape": mape,
    "MAPE": MAPE,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error,
    "msle": msle,
    "MSLE": MSLE,
    "squared_hinge": squared_hinge,
    "hinge": hinge,
    "categorical_hinge": categorical_hinge,
    "logcosh": logcosh,
    "log_cosh": log_cosh,
    "huber": huber,
    "huber_loss": huber_loss,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "binary_crossentropy": binary_crossentropy,
    "bce": bce,
    "BCE": BCE,
    "kullback_leibler_divergence": kullback_leibler_divergence,
    "kl_divergence": kl_divergence,
    "kld": kld,
    "KLD": KLD,
    "poisson": poisson,
    "cosine_similarity": cosine_similarity,
    "cosine_proximity": cosine_proximity,
    "cosine": cosine,
}

LOSS_CLASSES = {
    cls.__name__: cls
    for cls in (
        Loss,
        LossFunctionWrapper,
        MeanSquaredError,
        MeanAbsoluteError,
        MeanAbsolutePercentageError,
        MeanSquaredLogarithmicError,
        BinaryCrossentropy,
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
        Hinge,
        SquaredHinge,
        CategoricalHinge,
        Huber,
        LogCosh,
        KLDivergence,
        Poisson,
        CosineSimilarity,
    )
}
# Keras 2 spellings of class names found in older configs.
LOSS_CLASSES["KLD"] = KLDivergence
LOSS_CLASSES["LogCoshError"] = LogCosh

_FUNCTION_NAMES = {fn: fn.__name__ for fn in LOSS_FUNCTIONS.values()}


def _valid_names():
    return ", ".join(sorted(set(LOSS_FUNCTIONS) | (set(LOSS_CLASSES) - {"Loss", "LossFunctionWrapper"})))


def _custom_objects(custom_objects):
    from kerastorch.saving import serialization

    return serialization.scoped_custom_objects(custom_objects)


def serialize(loss):
    """Returns the Keras config of a loss: a function's name, or `{'class_name', 'config'}` for objects.

    Args:
        loss: a loss function or `Loss` instance.
    """
    if loss is None:
        return None
    if isinstance(loss, Loss):
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    if callable(loss) and hasattr(loss, "__name__"):
        return _FUNCTION_NAMES.get(loss, loss.__name__)
    raise ValueError(f"Cannot serialize loss {loss!r}: expected a loss function or a `Loss` instance.")


def deserialize(config, custom_objects=None):
    """Returns the loss function or `Loss` instance described by a name or a config dict.

    Args:
        config: a loss name (`'mse'`, `'MeanSquaredError'`) or `{'class_name': ..., 'config': ...}`.
        custom_objects: optional dict of user-defined losses by name.
    """
    objects = _custom_objects(custom_objects)
    if isinstance(config, str):
        if config in objects:
            obj = objects[config]
        elif config in LOSS_FUNCTIONS:
            return LOSS_FUNCTIONS[config]
        elif config in LOSS_CLASSES and config not in ("Loss", "LossFunctionWrapper"):
            obj = LOSS_CLASSES[config]
        else:
            raise ValueError(f"Unknown loss function {config!r}. Valid names: {_valid_names()}.")
        return obj() if inspect.isclass(obj) else obj
    if isinstance(config, dict):
        if "class_name" not in config:
            raise ValueError(
                f"Improper loss config: expected a dict with 'class_name' and 'config'. Received: {config!r}"
            )
        class_name = config["class_name"]
        inner = config.get("config") or {}
        if class_name == "function":  # Keras 3 spelling of a plain function.
            return deserialize(inner, custom_objects)
        cls = objects.get(class_name, LOSS_CLASSES.get(class_name))
        if cls is None:
            raise ValueError(f"Unknown loss class {class_name!r}. Valid names: {_valid_names()}.")
        if not inspect.isclass(cls):
            return cls
        inner = dict(inner)
        if class_name in LOSS_CLASSES and "fn" in inner and cls is not LossFunctionWrapper:
            inner.pop("fn")  # Keras 3 configs carry `fn` for every wrapper.
        from kerastorch.saving import serialization

        with serialization.CustomObjectScope(custom_objects or {}):
            return cls.from_config(inner)
    raise TypeError(f"Could not interpret loss config {config!r}: expected a string or a dict.")


def get(identifier):
    """Resolves a loss identifier: a name gives the plain function (or an instance for class names).

    Args:
        identifier: None, a loss name, a config dict, a function, a `Loss` class or instance.
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if inspect.isclass(identifier) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(
        f"Could not interpret loss identifier {identifier!r}: expected a name, a config dict, "
        f"a function or a Loss instance. Valid names: {_valid_names()}."
    )


def get_loss_name(loss):
    """The name Keras uses in logs for a loss: the string as given, `Loss.name`, or the function name.

    Args:
        loss: a loss name, function, `Loss` instance or class.
    """
    if isinstance(loss, str):
        return loss
    if isinstance(loss, Loss) and loss.name:
        return loss.name
    if inspect.isclass(loss):
        return backend.to_snake_case(loss.__name__)
    name = getattr(loss, "__name__", None)
    if name:
        return name
    return backend.to_snake_case(type(loss).__name__)
