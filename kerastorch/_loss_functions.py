"""Keras 2 per-sample loss functions (y_true, y_pred) -> one value per sample, and their aliases."""

import math
import warnings

import numpy as np
import torch
import torch.nn.functional as F

from kerastorch import backend
from kerastorch.engine import symbolic_ops


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
@symbolic_ops.symbolic_function("losses")
def mean_squared_error(y_true, y_pred):
    """Mean squared error over the last axis: `mean(square(y_true - y_pred), axis=-1)`.

    Args:
        y_true: ground truth values, shape `(batch, ..., d)`.
        y_pred: predicted values, same shape.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    return torch.mean(torch.square(y_pred - y_true), dim=-1)


@symbolic_ops.symbolic_function("losses")
def mean_absolute_error(y_true, y_pred):
    """Mean absolute error over the last axis: `mean(abs(y_true - y_pred), axis=-1)`.

    Args:
        y_true: ground truth values.
        y_pred: predicted values.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    return torch.mean(torch.abs(y_pred - y_true), dim=-1)


@symbolic_ops.symbolic_function("losses")
def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)`.

    Args:
        y_true: ground truth values.
        y_pred: predicted values.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    diff = torch.abs((y_true - y_pred) / torch.clamp(torch.abs(y_true), min=backend.epsilon()))
    return 100.0 * torch.mean(diff, dim=-1)


@symbolic_ops.symbolic_function("losses")
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


@symbolic_ops.symbolic_function("losses")
def squared_hinge(y_true, y_pred):
    """`mean(square(max(1 - y_true * y_pred, 0)), axis=-1)`; {0, 1} labels become {-1, 1}.

    Args:
        y_true: labels in {-1, 1} (or {0, 1}).
        y_pred: predicted values.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return torch.mean(torch.square(torch.clamp(1.0 - y_true * y_pred, min=0.0)), dim=-1)


@symbolic_ops.symbolic_function("losses")
def hinge(y_true, y_pred):
    """`mean(max(1 - y_true * y_pred, 0), axis=-1)`; {0, 1} labels become {-1, 1}.

    Args:
        y_true: labels in {-1, 1} (or {0, 1}).
        y_pred: predicted values.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return torch.mean(torch.clamp(1.0 - y_true * y_pred, min=0.0), dim=-1)


@symbolic_ops.symbolic_function("losses")
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


@symbolic_ops.symbolic_function("losses")
def logcosh(y_true, y_pred):
    """Mean over the last axis of `log(cosh(y_pred - y_true))`, computed without overflow.

    Args:
        y_true: ground truth values.
        y_pred: predicted values.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    x = y_pred - y_true
    return torch.mean(x + F.softplus(-2.0 * x) - math.log(2.0), dim=-1)


@symbolic_ops.symbolic_function("losses")
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


@symbolic_ops.symbolic_function("losses")
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


@symbolic_ops.symbolic_function("losses")
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


@symbolic_ops.symbolic_function("losses")
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


@symbolic_ops.symbolic_function("losses")
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


@symbolic_ops.symbolic_function("losses")
def poisson(y_true, y_pred):
    """`mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)`.

    Args:
        y_true: ground truth counts.
        y_pred: predicted rates.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    return torch.mean(y_pred - y_true * torch.log(y_pred + backend.epsilon()), dim=-1)


@symbolic_ops.symbolic_function("losses")
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
