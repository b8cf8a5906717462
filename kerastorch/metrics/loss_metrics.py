"""Loss metrics: the loss functions that double as metrics, cosine similarity, and their mean metrics.

The per-sample functions are the `kerastorch.losses` functions under their Keras metric names;
the classes (`MeanSquaredError`, `Hinge`, `BinaryCrossentropy`, ...) average them with
`MeanMetricWrapper`, and `RootMeanSquaredError` takes the square root of the weighted mean.
"""

import torch

from kerastorch import losses
from kerastorch.engine import symbolic_ops
from kerastorch.metrics.base_metric import Mean
from kerastorch.metrics.base_metric import MeanMetricWrapper
from kerastorch.metrics.base_metric import _as_tensor
from kerastorch.metrics.base_metric import _divide_no_nan

__all__ = [
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
]


@symbolic_ops.symbolic_function("metrics")
def cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine similarity (positive, the tf.keras 2 metric): `sum(l2_normalize(y_true) * l2_normalize(y_pred))`.

    Args:
        y_true: ground truth vectors.
        y_pred: predicted vectors.
        axis: the axis the similarity is computed along.
    """
    return -losses.cosine_similarity(y_true, y_pred, axis=axis)


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
