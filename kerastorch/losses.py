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

from kerastorch import _families
from kerastorch import backend
from kerastorch._loss_classes import BinaryCrossentropy
from kerastorch._loss_classes import CategoricalCrossentropy
from kerastorch._loss_classes import CategoricalHinge
from kerastorch._loss_classes import CosineSimilarity
from kerastorch._loss_classes import Hinge
from kerastorch._loss_classes import Huber
from kerastorch._loss_classes import KLDivergence
from kerastorch._loss_classes import LogCosh
from kerastorch._loss_classes import Loss
from kerastorch._loss_classes import LossFunctionWrapper
from kerastorch._loss_classes import MeanAbsoluteError
from kerastorch._loss_classes import MeanAbsolutePercentageError
from kerastorch._loss_classes import MeanSquaredError
from kerastorch._loss_classes import MeanSquaredLogarithmicError
from kerastorch._loss_classes import Poisson
from kerastorch._loss_classes import Reduction
from kerastorch._loss_classes import SparseCategoricalCrossentropy
from kerastorch._loss_classes import SquaredHinge
from kerastorch._loss_classes import compute_weighted_loss
from kerastorch._loss_classes import squeeze_or_expand_dimensions
from kerastorch._loss_functions import BCE
from kerastorch._loss_functions import KLD
from kerastorch._loss_functions import MAE
from kerastorch._loss_functions import MAPE
from kerastorch._loss_functions import MSE
from kerastorch._loss_functions import MSLE
from kerastorch._loss_functions import bce
from kerastorch._loss_functions import binary_crossentropy
from kerastorch._loss_functions import categorical_crossentropy
from kerastorch._loss_functions import categorical_hinge
from kerastorch._loss_functions import cosine
from kerastorch._loss_functions import cosine_proximity
from kerastorch._loss_functions import cosine_similarity
from kerastorch._loss_functions import hinge
from kerastorch._loss_functions import huber
from kerastorch._loss_functions import huber_loss
from kerastorch._loss_functions import kl_divergence
from kerastorch._loss_functions import kld
from kerastorch._loss_functions import kullback_leibler_divergence
from kerastorch._loss_functions import log_cosh
from kerastorch._loss_functions import logcosh
from kerastorch._loss_functions import mae
from kerastorch._loss_functions import mape
from kerastorch._loss_functions import mean_absolute_error
from kerastorch._loss_functions import mean_absolute_percentage_error
from kerastorch._loss_functions import mean_squared_error
from kerastorch._loss_functions import mean_squared_logarithmic_error
from kerastorch._loss_functions import mse
from kerastorch._loss_functions import msle
from kerastorch._loss_functions import poisson
from kerastorch._loss_functions import sparse_categorical_crossentropy
from kerastorch._loss_functions import squared_hinge

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


def _drop_keras3_fn(class_name, cls, inner):
    """Keras 3 configs carry `fn` for every loss wrapper class; only `LossFunctionWrapper` takes it."""
    if class_name in LOSS_CLASSES and "fn" in inner and cls is not LossFunctionWrapper:
        inner.pop("fn")
    return inner


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
    objects = _families.scoped_custom_objects(custom_objects)
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
        return _families.from_class_config(
            "loss", config, LOSS_CLASSES, custom_objects, deserialize, _valid_names(), _drop_keras3_fn
        )
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


# Public objects keep naming this module, as before the split, so pickles and saved configs
# refer to the public path.
for _name in __all__:
    _value = globals()[_name]
    if getattr(_value, "__module__", "").startswith("kerastorch._loss_"):
        _value.__module__ = __name__
del _name, _value
