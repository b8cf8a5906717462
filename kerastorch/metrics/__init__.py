"""Metrics: the Keras 2 metric family, re-exported from its modules and resolved by `get`/`serialize`/`deserialize`.

Metric functions take `(y_true, y_pred)` torch tensors and return one value per sample, like the
loss functions (which are all re-exported here). `Metric` objects accumulate totals in torch tensors
that live on the device of the tensors they are given; `update_state` never reads a value back to
the host, and `result()` returns a 0-dim tensor, so a training loop decides when to synchronise.
Weighted means follow tf.keras 2: `sum(w * value) / sum(w)` with `w` broadcast to the value shape,
accumulated exactly across batches of any size.

Modules: `base_metric` (Metric, Reduce, Mean, Sum, MeanMetricWrapper), `accuracy_metrics`,
`loss_metrics` (losses as metrics, cosine similarity, RMSE) and `confusion_metrics` (thresholded
counts, Precision, Recall, AUC).
"""

import inspect

from kerastorch import _families
from kerastorch import losses
from kerastorch.metrics.accuracy_metrics import ACC
from kerastorch.metrics.accuracy_metrics import Accuracy
from kerastorch.metrics.accuracy_metrics import BinaryAccuracy
from kerastorch.metrics.accuracy_metrics import CategoricalAccuracy
from kerastorch.metrics.accuracy_metrics import SparseCategoricalAccuracy
from kerastorch.metrics.accuracy_metrics import SparseTopKCategoricalAccuracy
from kerastorch.metrics.accuracy_metrics import TopKCategoricalAccuracy
from kerastorch.metrics.accuracy_metrics import acc
from kerastorch.metrics.accuracy_metrics import accuracy
from kerastorch.metrics.accuracy_metrics import binary_accuracy
from kerastorch.metrics.accuracy_metrics import categorical_accuracy
from kerastorch.metrics.accuracy_metrics import sparse_categorical_accuracy
from kerastorch.metrics.accuracy_metrics import sparse_top_k_categorical_accuracy
from kerastorch.metrics.accuracy_metrics import top_k_categorical_accuracy
from kerastorch.metrics.base_metric import Mean
from kerastorch.metrics.base_metric import MeanMetricWrapper
from kerastorch.metrics.base_metric import Metric
from kerastorch.metrics.base_metric import Reduce
from kerastorch.metrics.base_metric import Sum
from kerastorch.metrics.confusion_metrics import AUC
from kerastorch.metrics.confusion_metrics import NEG_INF  # noqa: F401  (public constant, not in __all__)
from kerastorch.metrics.confusion_metrics import FalseNegatives
from kerastorch.metrics.confusion_metrics import FalsePositives
from kerastorch.metrics.confusion_metrics import Precision
from kerastorch.metrics.confusion_metrics import Recall
from kerastorch.metrics.confusion_metrics import TrueNegatives
from kerastorch.metrics.confusion_metrics import TruePositives
from kerastorch.metrics.loss_metrics import BCE
from kerastorch.metrics.loss_metrics import KLD
from kerastorch.metrics.loss_metrics import MAE
from kerastorch.metrics.loss_metrics import MAPE
from kerastorch.metrics.loss_metrics import MSE
from kerastorch.metrics.loss_metrics import MSLE
from kerastorch.metrics.loss_metrics import BinaryCrossentropy
from kerastorch.metrics.loss_metrics import CategoricalCrossentropy
from kerastorch.metrics.loss_metrics import CategoricalHinge
from kerastorch.metrics.loss_metrics import CosineSimilarity
from kerastorch.metrics.loss_metrics import Hinge
from kerastorch.metrics.loss_metrics import KLDivergence
from kerastorch.metrics.loss_metrics import LogCoshError
from kerastorch.metrics.loss_metrics import MeanAbsoluteError
from kerastorch.metrics.loss_metrics import MeanAbsolutePercentageError
from kerastorch.metrics.loss_metrics import MeanSquaredError
from kerastorch.metrics.loss_metrics import MeanSquaredLogarithmicError
from kerastorch.metrics.loss_metrics import Poisson
from kerastorch.metrics.loss_metrics import RootMeanSquaredError
from kerastorch.metrics.loss_metrics import SparseCategoricalCrossentropy
from kerastorch.metrics.loss_metrics import SquaredHinge
from kerastorch.metrics.loss_metrics import bce
from kerastorch.metrics.loss_metrics import binary_crossentropy
from kerastorch.metrics.loss_metrics import categorical_crossentropy
from kerastorch.metrics.loss_metrics import categorical_hinge
from kerastorch.metrics.loss_metrics import cosine_proximity
from kerastorch.metrics.loss_metrics import cosine_similarity
from kerastorch.metrics.loss_metrics import hinge
from kerastorch.metrics.loss_metrics import huber
from kerastorch.metrics.loss_metrics import kl_divergence
from kerastorch.metrics.loss_metrics import kld
from kerastorch.metrics.loss_metrics import kullback_leibler_divergence
from kerastorch.metrics.loss_metrics import log_cosh
from kerastorch.metrics.loss_metrics import logcosh
from kerastorch.metrics.loss_metrics import mae
from kerastorch.metrics.loss_metrics import mape
from kerastorch.metrics.loss_metrics import mean_absolute_error
from kerastorch.metrics.loss_metrics import mean_absolute_percentage_error
from kerastorch.metrics.loss_metrics import mean_squared_error
from kerastorch.metrics.loss_metrics import mean_squared_logarithmic_error
from kerastorch.metrics.loss_metrics import mse
from kerastorch.metrics.loss_metrics import msle
from kerastorch.metrics.loss_metrics import poisson
from kerastorch.metrics.loss_metrics import sparse_categorical_crossentropy
from kerastorch.metrics.loss_metrics import squared_hinge

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
    objects = _families.scoped_custom_objects(custom_objects)
    if isinstance(config, str):
        if config in objects:
            obj = objects[config]
        elif config in METRIC_FUNCTIONS:
            return METRIC_FUNCTIONS[config]
        elif config in METRIC_CLASSES and config not in _NOT_BY_NAME:
            obj = METRIC_CLASSES[config]
        else:
            from kerastorch.legacy import interfaces  # Keras 1 names: renamed or removed metrics

            renamed = interfaces.check_metric_name(config)
            if renamed != config:
                return deserialize(renamed, custom_objects)
            raise ValueError(f"Unknown metric function {config!r}. Valid names: {_valid_names()}.")
        return obj() if inspect.isclass(obj) else obj
    if isinstance(config, dict):
        return _families.from_class_config(
            "metric", config, METRIC_CLASSES, custom_objects, deserialize, _valid_names()
        )
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
