"""Confusion-matrix metrics: TruePositives/FalsePositives/TrueNegatives/FalseNegatives, Precision, Recall and AUC.

All of them count weighted true/false positives/negatives of predictions thresholded at fixed
values (a prediction is positive when strictly above a threshold), with tf.keras 2's formulas and
its O(N + T) bucketed path for evenly spaced thresholds.
"""

import numpy as np
import torch

from kerastorch import backend
from kerastorch import losses
from kerastorch.metrics.base_metric import Metric
from kerastorch.metrics.base_metric import _accumulator_dtype
from kerastorch.metrics.base_metric import _as_tensor
from kerastorch.metrics.base_metric import _divide_no_nan

__all__ = [
    "TruePositives",
    "FalsePositives",
    "TrueNegatives",
    "FalseNegatives",
    "Precision",
    "Recall",
    "AUC",
]

# tf.keras fills the non-top-k predictions with this value for top_k precision/recall.
NEG_INF = -1e10


def _parse_thresholds(thresholds, default_threshold, metric_name):
    if thresholds is None:
        return [float(default_threshold)]
    values = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) else [thresholds]
    invalid = [t for t in values if t is None or t < 0 or t > 1]
    if invalid:
        raise ValueError(f"{metric_name}: threshold values must be in [0, 1]. Received: thresholds={thresholds!r}")
    return [float(t) for t in values]


def _is_evenly_distributed(thresholds):
    num_thresholds = len(thresholds)
    if num_thresholds < 3:
        return False
    even = np.arange(num_thresholds, dtype=np.float32) / (num_thresholds - 1)
    return bool(np.allclose(thresholds, even, atol=backend.epsilon()))


def _filter_top_k(x, k):
    """Keeps the top-k values of the last axis and sets the others to NEG_INF."""
    _, indices = torch.topk(x, k, dim=-1, sorted=False)
    mask = torch.zeros_like(x).scatter_(-1, indices, 1.0)
    return x * mask + NEG_INF * (1.0 - mask)


def _confusion_counts(
    metric,
    y_true,
    y_pred,
    thresholds,
    top_k=None,
    class_id=None,
    sample_weight=None,
    multi_label=False,
    label_weights=None,
    evenly=False,
):
    """Weighted (tp, fp, tn, fn) per threshold: predictions count as positive when strictly above it.

    Returns a dict of tensors of shape `(num_thresholds,)` (or `(num_thresholds, num_labels)` with
    `multi_label`), computed on the inputs' device in the accumulator dtype.
    """
    compute_dtype = metric._torch_dtype
    y_pred = _as_tensor(y_pred, dtype=compute_dtype, device=metric._device)
    y_true = _as_tensor(y_true, dtype=compute_dtype, device=y_pred.device)
    weights = None
    if sample_weight is None:
        y_pred, y_true = losses.squeeze_or_expand_dimensions(y_pred, y_true)
    else:
        weights = _as_tensor(sample_weight, dtype=compute_dtype, device=y_pred.device)
        y_pred, y_true, weights = losses.squeeze_or_expand_dimensions(y_pred, y_true, weights)
    if y_pred.shape != y_true.shape:
        raise ValueError(
            f"Metric {metric.name!r} expects `y_true` and `y_pred` with the same shape. "
            f"Received: y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}"
        )
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        y_true = y_true[..., class_id : class_id + 1]
        y_pred = y_pred[..., class_id : class_id + 1]
    if weights is not None:
        try:
            weights = torch.broadcast_to(weights, y_pred.shape)
        except RuntimeError:
            raise ValueError(
                f"Metric {metric.name!r}: `sample_weight` of shape {tuple(weights.shape)} cannot be broadcast "
                f"to predictions of shape {tuple(y_pred.shape)}."
            ) from None
    if label_weights is not None and not multi_label:
        label_weights = torch.broadcast_to(label_weights.to(y_pred.device, compute_dtype), y_pred.shape)
        weights = label_weights if weights is None else weights * label_weights
    if weights is None:
        weights = torch.ones_like(y_pred)
    if not multi_label:
        y_pred, y_true, weights = y_pred.reshape(-1), y_true.reshape(-1), weights.reshape(-1)
    elif y_pred.dim() != 2:
        raise ValueError(
            f"Metric {metric.name!r} with multi_label=True expects `y_pred` of rank 2. "
            f"Received: y_pred.shape={tuple(y_pred.shape)}"
        )
    accumulator = _accumulator_dtype(y_pred.device)
    is_positive = (y_true != 0).to(accumulator)
    weights = weights.to(accumulator)
    true_labels = is_positive * weights
    false_labels = (1.0 - is_positive) * weights
    num_thresholds = len(thresholds)
    if evenly:
        tp, fp = _bucketed_positive_counts(y_pred, true_labels, false_labels, thresholds, multi_label)
    else:
        threshold_tensor = torch.tensor(thresholds, dtype=compute_dtype, device=y_pred.device)
        shape = (num_thresholds,) + (1,) * y_pred.dim()
        predicted_positive = (y_pred.unsqueeze(0) > threshold_tensor.reshape(shape)).to(accumulator)
        tp = torch.sum(predicted_positive * true_labels.unsqueeze(0), dim=1)
        fp = torch.sum(predicted_positive * false_labels.unsqueeze(0), dim=1)
    fn = torch.sum(true_labels, dim=0) - tp
    tn = torch.sum(false_labels, dim=0) - fp
    return {"tp": tp, "fp": fp, "tn": tn, "fn": fn}


def _bucketed_positive_counts(y_pred, true_labels, false_labels, thresholds, multi_label):
    """O(N + T) counts for evenly spaced thresholds (tf.keras's optimised path, same bucketing)."""
    num_thresholds = len(thresholds)
    with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
    y_pred = torch.clamp(y_pred, 0.0, 1.0)
    buckets = torch.ceil(y_pred * (num_thresholds - 1)) - 1
    if with_epsilon:
        buckets = torch.relu(buckets)
    buckets = buckets.to(torch.int64)
    # Predictions of exactly 0 fall in bucket -1, which counts for no threshold.
    valid = (buckets >= 0).to(true_labels.dtype)
    buckets = torch.clamp(buckets, min=0)
    if multi_label:
        num_labels = y_pred.shape[1]
        label_index = torch.arange(num_labels, device=y_pred.device)
        index = (buckets * num_labels + label_index).reshape(-1)
        size = num_thresholds * num_labels
    else:
        index = buckets
        size = num_thresholds

    def bucket_sum(values):
        totals = torch.zeros(size, dtype=values.dtype, device=values.device)
        totals.index_add_(0, index, (values * valid).reshape(-1))
        if multi_label:
            totals = totals.reshape(num_thresholds, -1)
        return torch.flip(torch.cumsum(torch.flip(totals, (0,)), dim=0), (0,))

    return bucket_sum(true_labels), bucket_sum(false_labels)


class _ConfusionMatrixConditionCount(Metric):
    def __init__(self, condition, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._condition = condition
        self.init_thresholds = thresholds
        self.thresholds = _parse_thresholds(thresholds, 0.5, type(self).__name__)
        self._evenly = _is_evenly_distributed(self.thresholds)
        self.accumulator = self.add_weight(
            "accumulator", shape=(len(self.thresholds),), dtype=_accumulator_dtype(self._device)
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds a batch.

        Args:
            y_true: binary labels.
            y_pred: predicted probabilities.
            sample_weight: optional weights.
        """
        counts = _confusion_counts(
            self, y_true, y_pred, self.thresholds, sample_weight=sample_weight, evenly=self._evenly
        )
        self.accumulator += counts[self._condition]

    def result(self):
        value = self.accumulator[0] if len(self.thresholds) == 1 else self.accumulator
        return value.to(self._torch_dtype)

    def get_config(self):
        config = super().get_config()
        config["thresholds"] = self.init_thresholds
        return config


class TruePositives(_ConfusionMatrixConditionCount):
    """Weighted count of true positives (prediction above threshold, label true).

    Args:
        thresholds: float or list of floats in [0, 1] (default 0.5).
        name: name of the metric.
        dtype: dtype of the result.
    """

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__("tp", thresholds=thresholds, name=name, dtype=dtype)


class FalsePositives(_ConfusionMatrixConditionCount):
    """Weighted count of false positives.

    Args:
        thresholds: float or list of floats in [0, 1] (default 0.5).
        name: name of the metric.
        dtype: dtype of the result.
    """

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__("fp", thresholds=thresholds, name=name, dtype=dtype)


class TrueNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of true negatives.

    Args:
        thresholds: float or list of floats in [0, 1] (default 0.5).
        name: name of the metric.
        dtype: dtype of the result.
    """

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__("tn", thresholds=thresholds, name=name, dtype=dtype)


class FalseNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of false negatives.

    Args:
        thresholds: float or list of floats in [0, 1] (default 0.5).
        name: name of the metric.
        dtype: dtype of the result.
    """

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__("fn", thresholds=thresholds, name=name, dtype=dtype)


class _PrecisionRecall(Metric):
    _second = None  # "fp" for precision, "fn" for recall

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default_threshold = 0.5 if top_k is None else NEG_INF
        self.thresholds = _parse_thresholds(thresholds, default_threshold, type(self).__name__)
        self._evenly = _is_evenly_distributed(self.thresholds)
        shape = (len(self.thresholds),)
        accumulator = _accumulator_dtype(self._device)
        self.true_positives = self.add_weight("true_positives", shape=shape, dtype=accumulator)
        second_name = "false_positives" if self._second == "fp" else "false_negatives"
        self._second_name = second_name
        self.add_weight(second_name, shape=shape, dtype=accumulator)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds a batch.

        Args:
            y_true: binary (or one-hot) labels.
            y_pred: predicted probabilities, same shape.
            sample_weight: optional weights.
        """
        counts = _confusion_counts(
            self,
            y_true,
            y_pred,
            self.thresholds,
            top_k=self.top_k,
            class_id=self.class_id,
            sample_weight=sample_weight,
            evenly=self._evenly,
        )
        self.true_positives += counts["tp"]
        getattr(self, self._second_name).add_(counts[self._second])

    def result(self):
        tp = self.true_positives
        value = _divide_no_nan(tp, tp + getattr(self, self._second_name))
        value = value[0] if len(self.thresholds) == 1 else value
        return value.to(self._torch_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"thresholds": self.init_thresholds, "top_k": self.top_k, "class_id": self.class_id})
        return config


class Precision(_PrecisionRecall):
    """Precision `tp / (tp + fp)` of predictions thresholded at `thresholds`.

    Args:
        thresholds: float or list of floats in [0, 1] (default 0.5; with `top_k`, the top-k count as positive).
        top_k: only the top-k predictions of each sample can be positive.
        class_id: compute the metric for this class only.
        name: name of the metric.
        dtype: dtype of the result.
    """

    _second = "fp"


class Recall(_PrecisionRecall):
    """Recall `tp / (tp + fn)` of predictions thresholded at `thresholds`.

    Args:
        thresholds: float or list of floats in [0, 1] (default 0.5; with `top_k`, the top-k count as positive).
        top_k: only the top-k predictions of each sample can be positive.
        class_id: compute the metric for this class only.
        name: name of the metric.
        dtype: dtype of the result.
    """

    _second = "fn"


_AUC_CURVES = {"roc": "ROC", "pr": "PR"}
_AUC_SUMMATIONS = ("interpolation", "minoring", "majoring")


class AUC(Metric):
    """Area under the ROC or PR curve, from confusion counts at discrete thresholds (tf.keras formulas).

    Args:
        num_thresholds: number of thresholds (> 1) when `thresholds` is not given.
        curve: 'ROC' or 'PR'.
        summation_method: 'interpolation' (trapezoids for ROC, Davis & Goadrich for PR), 'minoring'
            or 'majoring'.
        name: name of the metric.
        dtype: dtype of the result.
        thresholds: optional list of thresholds in [0, 1]; -epsilon and 1 + epsilon are added.
        multi_label: compute one AUC per label (y_pred of shape `(batch, labels)`) and average them.
        num_labels: number of labels with `multi_label` (else found on the first update).
        label_weights: optional non-negative weights per label.
        from_logits: apply a sigmoid to `y_pred` first.
    """

    def __init__(
        self,
        num_thresholds=200,
        curve="ROC",
        summation_method="interpolation",
        name=None,
        dtype=None,
        thresholds=None,
        multi_label=False,
        num_labels=None,
        label_weights=None,
        from_logits=False,
    ):
        if str(curve).lower() not in _AUC_CURVES:
            raise ValueError(f"AUC expects `curve` to be 'ROC' or 'PR'. Received: curve={curve!r}")
        if str(summation_method).lower() not in _AUC_SUMMATIONS:
            raise ValueError(
                "AUC expects `summation_method` to be 'interpolation', 'minoring' or 'majoring'. "
                f"Received: summation_method={summation_method!r}"
            )
        super().__init__(name=name, dtype=dtype)
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            thresholds = sorted(_parse_thresholds(thresholds, 0.5, "AUC"))
            self.num_thresholds = len(thresholds) + 2
            self._evenly = _is_evenly_distributed(np.array([0.0] + thresholds + [1.0]))
        else:
            if int(num_thresholds) <= 1:
                raise ValueError(
                    f"AUC expects `num_thresholds` to be an integer > 1. Received: num_thresholds={num_thresholds!r}"
                )
            self.num_thresholds = int(num_thresholds)
            thresholds = [(i + 1) * 1.0 / (self.num_thresholds - 1) for i in range(self.num_thresholds - 2)]
            self._evenly = True
        epsilon = backend.epsilon()
        self._thresholds = [0.0 - epsilon] + list(thresholds) + [1.0 + epsilon]
        self.curve = _AUC_CURVES[str(curve).lower()]
        self.summation_method = str(summation_method).lower()
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        if label_weights is not None:
            label_weights = torch.as_tensor(np.asarray(label_weights), dtype=self._torch_dtype)
            if bool(torch.any(label_weights < 0)):
                raise ValueError(f"AUC expects non-negative `label_weights`. Received: {label_weights.tolist()}")
        self.label_weights = label_weights
        self._from_logits = bool(from_logits)
        self._built = False
        if not self.multi_label:
            if num_labels:
                raise ValueError("AUC: `num_labels` is needed only when `multi_label` is True.")
            self._build(None)
        elif num_labels:
            self._build(int(num_labels))

    @property
    def thresholds(self):
        """The thresholds used, including the -epsilon and 1 + epsilon end points."""
        return list(self._thresholds)

    def _build(self, num_labels):
        shape = (self.num_thresholds,) if num_labels is None else (self.num_thresholds, num_labels)
        accumulator = _accumulator_dtype(self._device)
        for state in ("true_positives", "true_negatives", "false_positives", "false_negatives"):
            self.add_weight(state, shape=shape, dtype=accumulator)
        self._num_labels = num_labels
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds a batch.

        Args:
            y_true: binary labels.
            y_pred: predicted probabilities (or logits with `from_logits=True`).
            sample_weight: optional weights.
        """
        y_pred = _as_tensor(y_pred, device=self._device)
        if not self._built:
            if y_pred.dim() != 2:
                raise ValueError(
                    f"AUC with multi_label=True expects `y_pred` of rank 2. Received: y_pred.shape={tuple(y_pred.shape)}"
                )
            self._build(int(y_pred.shape[1]))
        if self._from_logits:
            y_pred = torch.sigmoid(y_pred)
        label_weights = None if self.multi_label else self.label_weights
        counts = _confusion_counts(
            self,
            y_true,
            y_pred,
            self._thresholds,
            sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=label_weights,
            evenly=self._evenly,
        )
        self.true_positives += counts["tp"]
        self.true_negatives += counts["tn"]
        self.false_positives += counts["fp"]
        self.false_negatives += counts["fn"]

    def _average_labels(self, by_label):
        if self.label_weights is None:
            return torch.mean(by_label)
        weights = self.label_weights.to(by_label.device, by_label.dtype)
        return _divide_no_nan(torch.sum(by_label * weights), torch.sum(weights))

    def _interpolate_pr_auc(self):
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        precision_slope = _divide_no_nan(dtp, torch.clamp(dp, min=0))
        intercept = tp[1:] - precision_slope * p[1:]
        safe_p_ratio = torch.where(
            (p[:-1] > 0) & (p[1:] > 0), _divide_no_nan(p[:-1], torch.clamp(p[1:], min=0)), torch.ones_like(p[1:])
        )
        increments = _divide_no_nan(
            precision_slope * (dtp + intercept * torch.log(safe_p_ratio)), torch.clamp(tp[1:] + fn[1:], min=0)
        )
        if self.multi_label:
            return self._average_labels(torch.sum(increments, dim=0))
        return torch.sum(increments)

    def result(self):
        if not self._built:
            return torch.zeros((), dtype=self._torch_dtype)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc().to(self._torch_dtype)
        tp, fp = self.true_positives, self.false_positives
        recall = _divide_no_nan(tp, tp + self.false_negatives)
        if self.curve == "ROC":
            x = _divide_no_nan(fp, fp + self.true_negatives)
            y = recall
        else:
            x = recall
            y = _divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = torch.minimum(y[:-1], y[1:])
        else:
            heights = torch.maximum(y[:-1], y[1:])
        riemann_terms = (x[:-1] - x[1:]) * heights
        if self.multi_label:
            return self._average_labels(torch.sum(riemann_terms, dim=0)).to(self._torch_dtype)
        return torch.sum(riemann_terms).to(self._torch_dtype)

    def reset_state(self):
        if self._built:
            self._zero_states()

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_thresholds": self.num_thresholds,
                "curve": self.curve,
                "summation_method": self.summation_method,
                "multi_label": self.multi_label,
                "num_labels": self.num_labels,
                "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
                "from_logits": self._from_logits,
            }
        )
        if self._init_from_thresholds:
            config["thresholds"] = self._thresholds[1:-1]
        return config
