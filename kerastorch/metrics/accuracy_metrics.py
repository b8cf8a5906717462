"""Accuracy metrics: the per-sample accuracy functions and the `MeanMetricWrapper` classes that average them."""

import numpy as np
import torch

from kerastorch import backend
from kerastorch.engine import symbolic_ops
from kerastorch.metrics.base_metric import MeanMetricWrapper
from kerastorch.metrics.base_metric import _as_tensor

__all__ = [
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "SparseCategoricalAccuracy",
    "TopKCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy",
    "accuracy",
    "acc",
    "ACC",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
]


@symbolic_ops.symbolic_function("metrics")
def accuracy(y_true, y_pred):
    """Element-wise equality of labels and predictions, as floats (not reduced).

    Args:
        y_true: ground truth values.
        y_pred: predicted values, same shape.
    """
    y_pred = _as_tensor(y_pred)
    y_true = _as_tensor(y_true, device=y_pred.device)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "accuracy expects `y_true` and `y_pred` with the same shape. "
            f"Received: y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}"
        )
    if y_true.dtype != y_pred.dtype:
        y_pred = y_pred.to(y_true.dtype)
    return (y_true == y_pred).to(backend.standardize_dtype(None))


@symbolic_ops.symbolic_function("metrics")
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Mean over the last axis of `y_true == (y_pred > threshold)`.

    Args:
        y_true: binary labels.
        y_pred: predicted probabilities.
        threshold: predictions strictly above it count as 1.
    """
    y_pred = _as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(backend.standardize_dtype(None))
    y_true = _as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    predicted = (y_pred > threshold).to(y_pred.dtype)
    return torch.mean((y_true == predicted).to(backend.standardize_dtype(None)), dim=-1)


def _sparse_categorical_matches(y_true, y_pred):
    """1.0 where the integer label equals argmax(y_pred), shaped like `y_true`."""
    y_pred = _as_tensor(y_pred)
    y_true = _as_tensor(y_true, device=y_pred.device)
    original_shape = y_true.shape
    squeeze = y_true.dim() == y_pred.dim()
    if squeeze:
        if y_true.shape[-1] != 1:
            raise ValueError(
                "Sparse categorical accuracy expects integer labels with shape y_pred.shape[:-1] "
                f"(or with a trailing 1). Received: y_true.shape={tuple(y_true.shape)}, "
                f"y_pred.shape={tuple(y_pred.shape)}"
            )
        y_true = y_true.squeeze(-1)
    predicted = torch.argmax(y_pred, dim=-1)
    if predicted.dtype != y_true.dtype:
        predicted = predicted.to(y_true.dtype)
    matches = (y_true == predicted).to(backend.standardize_dtype(None))
    if squeeze:
        matches = matches.reshape(original_shape)
    return matches


@symbolic_ops.symbolic_function("metrics")
def categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_true) == argmax(y_pred) over the last axis.

    Args:
        y_true: one-hot labels.
        y_pred: predicted scores (probabilities or logits).
    """
    y_pred = _as_tensor(y_pred)
    y_true = _as_tensor(y_true, device=y_pred.device)
    return _sparse_categorical_matches(torch.argmax(y_true, dim=-1), y_pred)


@symbolic_ops.symbolic_function("metrics")
def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label equals argmax(y_pred).

    Args:
        y_true: integer labels of shape `(batch,)`, `(batch, 1)`, `(batch, T)` or `(batch, T, 1)`.
        y_pred: predicted scores with classes on the last axis.
    """
    matches = _sparse_categorical_matches(y_true, y_pred)
    if matches.dim() > 1 and matches.shape[-1] == 1:
        matches = matches.squeeze(-1)
    return matches


def _in_top_k(predictions, targets, k):
    """tf.math.in_top_k: ties at the boundary count as in; non-finite rows and bad targets are out."""
    num_classes = predictions.shape[-1]
    in_range = (targets >= 0) & (targets < num_classes)
    safe_targets = torch.clamp(targets, 0, max(num_classes - 1, 0))
    target_scores = torch.gather(predictions, -1, safe_targets.unsqueeze(-1))
    more_probable = torch.sum(predictions > target_scores, dim=-1)
    finite = torch.all(torch.isfinite(predictions), dim=-1)
    return in_range & finite & (more_probable < k)


@symbolic_ops.symbolic_function("metrics")
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the integer label is among the `k` highest predictions.

    Args:
        y_true: integer labels of shape `(batch,)`, `(batch, 1)`, `(batch, T)` or `(batch, T, 1)`.
        y_pred: predicted scores with classes on the last axis.
        k: number of top predictions to consider.
    """
    y_pred = _as_tensor(y_pred)
    y_true = _as_tensor(y_true, device=y_pred.device)
    labels = y_true.to(torch.int64)
    if labels.dim() == y_pred.dim() and labels.shape[-1] == 1:
        labels = labels.squeeze(-1)
    leading_shape = tuple(y_pred.shape[:-1])
    if labels.numel() != int(np.prod(leading_shape, dtype=np.int64)):
        raise ValueError(
            "sparse_top_k_categorical_accuracy expects integer labels with shape y_pred.shape[:-1]. "
            f"Received: y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}"
        )
    flat = _in_top_k(y_pred.reshape(-1, y_pred.shape[-1]), labels.reshape(-1), k)
    return flat.reshape(leading_shape).to(backend.standardize_dtype(None))


@symbolic_ops.symbolic_function("metrics")
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where argmax(y_true) is among the `k` highest predictions.

    Args:
        y_true: one-hot labels.
        y_pred: predicted scores.
        k: number of top predictions to consider.
    """
    y_pred = _as_tensor(y_pred)
    y_true = _as_tensor(y_true, device=y_pred.device)
    return sparse_top_k_categorical_accuracy(torch.argmax(y_true, dim=-1), y_pred, k=k)


acc = ACC = accuracy


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels (element-wise).

    Args:
        name: name of the metric.
        dtype: dtype of the result.
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often predictions thresholded at `threshold` match binary labels.

    Args:
        name: name of the metric.
        dtype: dtype of the result.
        threshold: predictions strictly above it count as 1.
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often argmax of predictions matches argmax of one-hot labels.

    Args:
        name: name of the metric.
        dtype: dtype of the result.
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often argmax of predictions matches integer labels.

    Args:
        name: name of the metric.
        dtype: dtype of the result.
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target is among the top `k` predictions.

    Args:
        k: number of top predictions to consider.
        name: name of the metric.
        dtype: dtype of the result.
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer target is among the top `k` predictions.

    Args:
        k: number of top predictions to consider.
        name: name of the metric.
        dtype: dtype of the result.
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
