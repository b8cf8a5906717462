"""Metrics: Keras 2 metric functions (per-sample values) and stateful Metric objects kept on the input's device.

Metric functions take `(y_true, y_pred)` torch tensors and return one value per sample, like the
loss functions (which are all re-exported here). `Metric` objects accumulate totals in torch tensors
that live on the device of the tensors they are given; `update_state` never reads a value back to
the host, and `result()` returns a 0-dim tensor, so a training loop decides when to synchronise.
Weighted means follow tf.keras 2: `sum(w * value) / sum(w)` with `w` broadcast to the value shape,
accumulated exactly across batches of any size.
"""

import functools
import inspect

import numpy as np
import torch

from kerastorch import backend, losses

__all__ = [
    "Metric",
    "Reduce",
    "Mean",
    "Sum",
    "MeanMetricWrapper",
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "SparseCategoricalAccuracy",
    "TopKCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy",
    "MeanSquaredError",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError",
    "RootMeanSquaredError",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy",
    "Hinge",
    "SquaredHinge",
    "CategoricalHinge",
    "LogCoshError",
    "KLDivergence",
    "Poisson",
    "CosineSimilarity",
    "TruePositives",
    "FalsePositives",
    "TrueNegatives",
    "FalseNegatives",
    "Precision",
    "Recall",
    "AUC",
    "accuracy",
    "acc",
    "ACC",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "cosine_similarity",
    "cosine_proximity",
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
    "get",
    "serialize",
    "deserialize",
]

# tf.keras fills the non-top-k predictions with this value for top_k precision/recall.
NEG_INF = -1e10


# ---------------------------------------------------------------------------------------------
# Tensor helpers
# ---------------------------------------------------------------------------------------------
def _as_tensor(value, dtype=None, device=None):
    """`value` as a torch tensor on `device` (if given), cast to `dtype` (if given)."""
    if isinstance(value, torch.Tensor):
        if (dtype is not None and value.dtype != dtype) or (device is not None and value.device != device):
            value = value.to(device=device, dtype=dtype)
        return value
    array = np.asarray(value)
    if dtype is None:
        dtype = backend.standardize_dtype(array.dtype.name if array.dtype.kind in "fiub" else None)
    return torch.as_tensor(array, dtype=dtype, device=device)


def _cast_predictions(y_pred, dtype):
    """Casts `y_pred`, keeping the logits cached by softmax/sigmoid for the probability metrics."""
    if y_pred.dtype == dtype:
        return y_pred
    logits = getattr(y_pred, "_keras_logits", None)
    y_pred = y_pred.to(dtype)
    if logits is not None:
        y_pred._keras_logits = logits.to(dtype)
    return y_pred


def _accumulator_dtype(device):
    # Totals and counts accumulate in float64 so epoch means stay exact over many batches;
    # MPS has no float64.
    return torch.float32 if device.type == "mps" else torch.float64


def _divide_no_nan(numerator, denominator):
    return torch.where(denominator != 0, numerator / denominator, torch.zeros_like(numerator))


# ---------------------------------------------------------------------------------------------
# Metric functions
# ---------------------------------------------------------------------------------------------
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


def categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_true) == argmax(y_pred) over the last axis.

    Args:
        y_true: one-hot labels.
        y_pred: predicted scores (probabilities or logits).
    """
    y_pred = _as_tensor(y_pred)
    y_true = _as_tensor(y_true, device=y_pred.device)
    return _sparse_categorical_matches(torch.argmax(y_true, dim=-1), y_pred)


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


def cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine similarity (positive, the tf.keras 2 metric): `sum(l2_normalize(y_true) * l2_normalize(y_pred))`.

    Args:
        y_true: ground truth vectors.
        y_pred: predicted vectors.
        axis: the axis the similarity is computed along.
    """
    return -losses.cosine_similarity(y_true, y_pred, axis=axis)


acc = ACC = accuracy
cosine_proximity = cosine_similarity

# Loss functions double as metrics.
mean_squared_error = mse = MSE = losses.mean_squared_error
mean_absolute_error = mae = MAE = losses.mean_absolute_error
mean_absolute_percentage_error = mape = MAPE = losses.mean_absolute_percentage_error
mean_squared_logarithmic_error = msle = MSLE = losses.mean_squared_logarithmic_error
squared_hinge = losses.squared_hinge
hinge = losses.hinge
categorical_hinge = losses.categorical_hinge
logcosh = log_cosh = losses.logcosh
huber = losses.huber
categorical_crossentropy = losses.categorical_crossentropy
sparse_categorical_crossentropy = losses.sparse_categorical_crossentropy
binary_crossentropy = bce = BCE = losses.binary_crossentropy
kullback_leibler_divergence = kl_divergence = kld = KLD = losses.kullback_leibler_divergence
poisson = losses.poisson


# ---------------------------------------------------------------------------------------------
# Metric base class
# ---------------------------------------------------------------------------------------------
def _first_tensor(args, kwargs):
    for value in args:
        if isinstance(value, torch.Tensor):
            return value
    for value in kwargs.values():
        if isinstance(value, torch.Tensor):
            return value
    return None


def _stateful_update(update_state):
    """Wraps `update_state`: state follows the inputs' device, and no autograd graph is recorded."""
    if getattr(update_state, "_kerastorch_stateful", False):
        return update_state

    @functools.wraps(update_state)
    def wrapper(self, *args, **kwargs):
        tensor = _first_tensor(args, kwargs)
        if tensor is not None and tensor.device != self._device:
            self._move_states(tensor.device)
        with torch.no_grad():
            return update_state(self, *args, **kwargs)

    wrapper._kerastorch_stateful = True
    return wrapper


class Metric:
    """Base class of stateful metrics.

    Subclasses create their state in `__init__` with `self.add_weight(name, shape=(),
    initializer='zeros')` (a torch tensor stored as `self.<name>`), update it in place in
    `update_state(...)` (e.g. `self.total += values.sum()`), and compute `result()` from it.
    State moves to the device of the first tensor given to `update_state`.

    Args:
        name: name of the metric (default: the class name in snake_case).
        dtype: dtype of the result (default: floatx).
    """

    def __init__(self, name=None, dtype=None, **kwargs):
        if kwargs:
            raise TypeError(
                f"{type(self).__name__} got unexpected keyword arguments: {', '.join(sorted(kwargs))}. "
                "Metric accepts `name` and `dtype`."
            )
        self.name = name if name is not None else backend.to_snake_case(type(self).__name__)
        self._torch_dtype = backend.standardize_dtype(dtype)
        self._device = torch.device("cpu")
        self._state_names = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "update_state" in cls.__dict__:
            cls.update_state = _stateful_update(cls.__dict__["update_state"])

    @property
    def dtype(self):
        """The Keras name of the result dtype ('float32')."""
        return backend.dtype_name(self._torch_dtype)

    def add_weight(self, name, shape=(), initializer="zeros", dtype=None):
        """Creates a state tensor `self.<name>` on the metric's device.

        Args:
            name: attribute name of the state.
            shape: shape of the state.
            initializer: 'zeros', 'ones', or a number.
            dtype: dtype of the state (default: the metric dtype).
        """
        if initializer in (None, "zeros", "Zeros"):
            fill = 0.0
        elif initializer in ("ones", "Ones"):
            fill = 1.0
        elif isinstance(initializer, (int, float)):
            fill = float(initializer)
        else:
            raise ValueError(
                f"Metric {self.name!r}: `initializer` must be 'zeros', 'ones' or a number. "
                f"Received: initializer={initializer!r}"
            )
        dtype = self._torch_dtype if dtype is None else backend.standardize_dtype(dtype)
        if isinstance(shape, int):
            shape = (shape,)
        value = torch.full(tuple(shape), fill, dtype=dtype, device=self._device)
        setattr(self, name, value)
        if name not in self._state_names:
            self._state_names.append(name)
        self._initial_values = getattr(self, "_initial_values", {})
        self._initial_values[name] = fill
        return value

    def _move_states(self, device):
        for name in self._state_names:
            value = getattr(self, name)
            dtype = value.dtype
            if device.type == "mps" and dtype == torch.float64:
                dtype = torch.float32
            setattr(self, name, value.to(device=device, dtype=dtype))
        self._device = device

    @property
    def variables(self):
        """The state tensors, in creation order."""
        return [getattr(self, name) for name in self._state_names]

    weights = variables

    def get_weights(self):
        """The state as a list of NumPy arrays."""
        return [value.detach().cpu().numpy() for value in self.variables]

    def set_weights(self, weights):
        """Sets the state from a list of arrays.

        Args:
            weights: arrays matching `variables` in number and shapes.
        """
        if len(weights) != len(self._state_names):
            raise ValueError(f"Metric {self.name!r} expects {len(self._state_names)} weights. Received: {len(weights)}")
        for name, value in zip(self._state_names, weights):
            current = getattr(self, name)
            current.copy_(torch.as_tensor(np.asarray(value), dtype=current.dtype))

    def update_state(self, *args, **kwargs):
        """Accumulates statistics; subclasses override this.

        Args:
            *args: a mini-batch of inputs (usually `y_true, y_pred, sample_weight=None`).
            **kwargs: keyword inputs.
        """
        raise TypeError(f"{type(self).__name__} must override `update_state(...)`.")

    def result(self):
        """Returns the metric value as a 0-dim tensor; subclasses override this."""
        raise TypeError(f"{type(self).__name__} must override `result()`.")

    def _zero_states(self):
        initial = getattr(self, "_initial_values", {})
        for name in self._state_names:
            getattr(self, name).fill_(initial.get(name, 0.0))

    def reset_state(self):
        """Resets all state to its initial value (in place, on its device)."""
        if type(self).reset_states is not Metric.reset_states:
            return self.reset_states()
        self._zero_states()
        return None

    def reset_states(self):
        """Alias of `reset_state` (the Keras 2 spelling)."""
        if type(self).reset_state is not Metric.reset_state:
            return self.reset_state()
        self._zero_states()
        return None

    def __call__(self, *args, **kwargs):
        """Updates the state with a mini-batch and returns the current result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


# ---------------------------------------------------------------------------------------------
# Reductions of values
# ---------------------------------------------------------------------------------------------
_SUM = "sum"
_SUM_OVER_BATCH_SIZE = "sum_over_batch_size"
_WEIGHTED_MEAN = "weighted_mean"


class Reduce(Metric):
    """Accumulates a reduction ('sum', 'sum_over_batch_size' or 'weighted_mean') of values.

    Args:
        reduction: 'sum', 'sum_over_batch_size' or 'weighted_mean'.
        name: name of the metric.
        dtype: dtype of the result.
    """

    def __init__(self, reduction, name, dtype=None):
        if reduction not in (_SUM, _SUM_OVER_BATCH_SIZE, _WEIGHTED_MEAN):
            raise ValueError(
                "Reduce expects `reduction` to be 'sum', 'sum_over_batch_size' or 'weighted_mean'. "
                f"Received: reduction={reduction!r}"
            )
        super().__init__(name=name, dtype=dtype)
        self.reduction = reduction
        self.total = self.add_weight("total", dtype=_accumulator_dtype(self._device))
        if reduction != _SUM:
            self.count = self.add_weight("count", dtype=_accumulator_dtype(self._device))

    def update_state(self, values, sample_weight=None):
        """Adds a batch of values, optionally weighted.

        Args:
            values: tensor of values.
            sample_weight: None, a scalar, or weights broadcastable to `values` (after tf.keras rank
                alignment: `(batch,)` weights on `(batch, T)` values weight every timestep).
        """
        values = _as_tensor(values, device=self._device)
        accumulator = self.total.dtype
        values = values.to(accumulator)
        weights = None
        if sample_weight is not None:
            weights = _as_tensor(sample_weight, dtype=accumulator, device=values.device)
            values, _, weights = losses.squeeze_or_expand_dimensions(values, None, weights)
            try:
                weights = torch.broadcast_to(weights, values.shape)
            except RuntimeError:
                if weights.dim() >= values.dim():
                    raise ValueError(
                        f"Metric {self.name!r}: `sample_weight` of shape {tuple(weights.shape)} cannot be "
                        f"broadcast to values of shape {tuple(values.shape)}."
                    ) from None
                # tf.keras reduces the values down to the weights' rank instead.
                axes = tuple(range(weights.dim(), values.dim()))
                values = values.sum(dim=axes) if self.reduction == _SUM else values.mean(dim=axes)
                weights = torch.broadcast_to(weights, values.shape)
            values = values * weights
        self.total += torch.sum(values)
        if self.reduction == _SUM:
            return
        if self.reduction == _WEIGHTED_MEAN and weights is not None:
            self.count += torch.sum(weights)
        else:
            self.count += values.numel()

    def result(self):
        if self.reduction == _SUM:
            return self.total.to(self._torch_dtype)
        return _divide_no_nan(self.total, self.count).to(self._torch_dtype)

    def get_config(self):
        return Metric.get_config(self)


class Mean(Reduce):
    """Weighted mean of the values given to `update_state(values, sample_weight=None)`.

    Args:
        name: name of the metric.
        dtype: dtype of the result.
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(_WEIGHTED_MEAN, name=name, dtype=dtype)


class Sum(Reduce):
    """Weighted sum of the values given to `update_state(values, sample_weight=None)`.

    Args:
        name: name of the metric.
        dtype: dtype of the result.
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(_SUM, name=name, dtype=dtype)


class MeanMetricWrapper(Mean):
    """Weighted mean of a per-sample function `fn(y_true, y_pred, **kwargs)`.

    Args:
        fn: the metric function.
        name: name of the metric (default: the function's name).
        dtype: dtype of the result; inputs are cast to it as tf.keras does.
        **kwargs: keyword arguments passed to `fn`.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"MeanMetricWrapper expects a callable `fn`. Received: fn={fn!r}")
        super().__init__(name=name or getattr(fn, "__name__", None) or "mean_metric_wrapper", dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds a batch.

        Args:
            y_true: ground truth values.
            y_pred: predicted values.
            sample_weight: optional per-sample (or per-timestep) weights.
        """
        y_pred = _cast_predictions(_as_tensor(y_pred, device=self._device), self._torch_dtype)
        y_true = _as_tensor(y_true, dtype=self._torch_dtype, device=y_pred.device)
        y_pred, y_true = losses.squeeze_or_expand_dimensions(y_pred, y_true)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        mask = getattr(values, "_keras_mask", None)
        if mask is not None:
            # Entries masked by the function (e.g. `ignore_class`) leave the weighted mean.
            mask = mask.to(values.dtype)
            if sample_weight is not None:
                weights = _as_tensor(sample_weight, dtype=values.dtype, device=values.device)
                mask, _, weights = losses.squeeze_or_expand_dimensions(mask, None, weights)
                mask = mask * weights
            sample_weight = mask
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        if type(self) is MeanMetricWrapper:
            config["fn"] = serialize(self._fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls is MeanMetricWrapper:
            fn = get(config.pop("fn"))
            return cls(fn, **config)
        config.pop("fn", None)
        return cls(**config)


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


def _wrapper_class(class_name, fn, default_name, doc):
    """A MeanMetricWrapper subclass `class_name(name=default_name, dtype=None)` around `fn`."""

    def __init__(self, name=default_name, dtype=None):
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype)

    body = {
        "__init__": __init__,
        "__doc__": doc + "\n\n    Args:\n        name: name of the metric.\n        dtype: dtype of the result.\n",
        "__module__": __name__,
    }
    return type(class_name, (MeanMetricWrapper,), body)


MeanSquaredError = _wrapper_class(
    "MeanSquaredError", losses.mean_squared_error, "mean_squared_error", "Mean squared error."
)
MeanAbsoluteError = _wrapper_class(
    "MeanAbsoluteError", losses.mean_absolute_error, "mean_absolute_error", "Mean absolute error."
)
MeanAbsolutePercentageError = _wrapper_class(
    "MeanAbsolutePercentageError",
    losses.mean_absolute_percentage_error,
    "mean_absolute_percentage_error",
    "Mean absolute percentage error.",
)
MeanSquaredLogarithmicError = _wrapper_class(
    "MeanSquaredLogarithmicError",
    losses.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error",
    "Mean squared logarithmic error.",
)
Hinge = _wrapper_class("Hinge", losses.hinge, "hinge", "Hinge loss as a metric.")
SquaredHinge = _wrapper_class("SquaredHinge", losses.squared_hinge, "squared_hinge", "Squared hinge as a metric.")
CategoricalHinge = _wrapper_class(
    "CategoricalHinge", losses.categorical_hinge, "categorical_hinge", "Categorical hinge as a metric."
)
LogCoshError = _wrapper_class("LogCoshError", losses.logcosh, "logcosh", "Log-cosh error.")
KLDivergence = _wrapper_class(
    "KLDivergence", losses.kullback_leibler_divergence, "kullback_leibler_divergence", "KL divergence."
)
Poisson = _wrapper_class("Poisson", losses.poisson, "poisson", "Poisson loss as a metric.")


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity between labels and predictions (positive).

    Args:
        name: name of the metric.
        dtype: dtype of the result.
        axis: the axis the similarity is computed along.
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)


class RootMeanSquaredError(Mean):
    """Square root of the weighted mean of element-wise squared errors.

    Args:
        name: name of the metric.
        dtype: dtype of the result.
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds a batch.

        Args:
            y_true: ground truth values.
            y_pred: predicted values.
            sample_weight: optional weights.
        """
        y_pred = _as_tensor(y_pred, dtype=self._torch_dtype, device=self._device)
        y_true = _as_tensor(y_true, dtype=self._torch_dtype, device=y_pred.device)
        y_pred, y_true = losses.squeeze_or_expand_dimensions(y_pred, y_true)
        super().update_state(torch.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return torch.sqrt(_divide_no_nan(self.total, self.count)).to(self._torch_dtype)


class BinaryCrossentropy(MeanMetricWrapper):
    """Mean binary cross-entropy.

    Args:
        name: name of the metric.
        dtype: dtype of the result.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: float in [0, 1] squeezing labels towards 0.5.
    """

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(
            losses.binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits, label_smoothing=label_smoothing
        )


class CategoricalCrossentropy(MeanMetricWrapper):
    """Mean categorical cross-entropy.

    Args:
        name: name of the metric.
        dtype: dtype of the result.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: float in [0, 1] squeezing labels towards uniform.
    """

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(
            losses.categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
        )


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Mean categorical cross-entropy with integer labels.

    Args:
        name: name of the metric.
        dtype: dtype of the result.
        from_logits: whether `y_pred` holds logits.
        ignore_class: optional label excluded from the mean.
        axis: the class axis of `y_pred`.
    """

    def __init__(
        self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False, ignore_class=None, axis=-1
    ):
        super().__init__(
            losses.sparse_categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )


# ---------------------------------------------------------------------------------------------
# Confusion-matrix metrics
# ---------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------
# get / serialize / deserialize
# ---------------------------------------------------------------------------------------------
METRIC_FUNCTIONS = {
    name: globals()[name]
    for name in __all__
    if name not in ("get", "serialize", "deserialize")
    and not inspect.isclass(globals()[name])
    and callable(globals()[name])
}

METRIC_CLASSES = {
    name: globals()[name]
    for name in __all__
    if name[0].isupper() and inspect.isclass(globals()[name]) and issubclass(globals()[name], Metric)
}

_FUNCTION_NAMES = {}
for _name, _fn in METRIC_FUNCTIONS.items():
    _FUNCTION_NAMES.setdefault(_fn, _fn.__name__)
del _name, _fn

_NOT_BY_NAME = ("Metric", "Reduce", "MeanMetricWrapper")


def _valid_names():
    return ", ".join(sorted(set(METRIC_FUNCTIONS) | (set(METRIC_CLASSES) - set(_NOT_BY_NAME))))


def serialize(metric):
    """Returns the Keras config of a metric: a function's name, or `{'class_name', 'config'}`.

    Args:
        metric: a metric function or `Metric` instance.
    """
    if metric is None:
        return None
    if isinstance(metric, Metric):
        return {"class_name": type(metric).__name__, "config": metric.get_config()}
    if isinstance(metric, losses.Loss):
        return losses.serialize(metric)
    if callable(metric) and hasattr(metric, "__name__"):
        return _FUNCTION_NAMES.get(metric, metric.__name__)
    raise ValueError(f"Cannot serialize metric {metric!r}: expected a metric function or a `Metric` instance.")


def deserialize(config, custom_objects=None):
    """Returns the metric function or `Metric` instance described by a name or a config dict.

    Args:
        config: a metric name (`'mae'`, `'BinaryAccuracy'`) or `{'class_name': ..., 'config': ...}`.
        custom_objects: optional dict of user-defined metrics by name.
    """
    from kerastorch.saving import serialization

    objects = serialization.scoped_custom_objects(custom_objects)
    if isinstance(config, str):
        if config in objects:
            obj = objects[config]
        elif config in METRIC_FUNCTIONS:
            return METRIC_FUNCTIONS[config]
        elif config in METRIC_CLASSES and config not in _NOT_BY_NAME:
            obj = METRIC_CLASSES[config]
        else:
            raise ValueError(f"Unknown metric function {config!r}. Valid names: {_valid_names()}.")
        return obj() if inspect.isclass(obj) else obj
    if isinstance(config, dict):
        if "class_name" not in config:
            raise ValueError(
                f"Improper metric config: expected a dict with 'class_name' and 'config'. Received: {config!r}"
            )
        class_name = config["class_name"]
        inner = config.get("config") or {}
        if class_name == "function":  # Keras 3 spelling of a plain function.
            return deserialize(inner, custom_objects)
        cls = objects.get(class_name, METRIC_CLASSES.get(class_name))
        if cls is None:
            raise ValueError(f"Unknown metric class {class_name!r}. Valid names: {_valid_names()}.")
        if not inspect.isclass(cls):
            return cls
        with serialization.CustomObjectScope(custom_objects or {}):
            return cls.from_config(dict(inner))
    raise TypeError(f"Could not interpret metric config {config!r}: expected a string or a dict.")


def get(identifier):
    """Resolves a metric identifier: a name gives the plain function (or an instance for class names).

    Args:
        identifier: None, a metric name, a config dict, a function, a `Metric` class or instance.
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if inspect.isclass(identifier) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(
        f"Could not interpret metric identifier {identifier!r}: expected a name, a config dict, a function "
        f"or a Metric instance. Valid names: {_valid_names()}."
    )
