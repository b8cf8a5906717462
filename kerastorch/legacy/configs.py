"""Keras 1 layer configs (saved models, JSON) -> Keras 2 configs, with the rename tables of `interfaces`."""

import functools

from kerastorch.legacy import interfaces
from kerastorch.legacy import layer_conversions

# Keys every Keras 1 layer config may hold: the dtype of the model input a first layer creates
# (`dtype` of an InputLayer; kerastorch infers it for other first layers, e.g. ints for Embedding).
INPUT_LAYER = (("input_dtype", "dtype"),)
BASE = (("input_dtype", None, "the input dtype is inferred from the first layer"),)

# Keras 1 regularizer / constraint configs `{'name': ..., ...}` -> Keras 2 `{'class_name', 'config'}`.
_REGULARIZERS = {"WeightRegularizer": "L1L2", "L1L2Regularizer": "L1L2", "ActivityRegularizer": "L1L2"}
_CONSTRAINTS = {"MaxNorm": (("m", "max_value"),), "NonNeg": (), "UnitNorm": (), "MinMaxNorm": ()}


@functools.lru_cache(maxsize=None)
def _class_renames():
    """Keras 1 class name -> (Keras 2 class name, Conversion)."""
    renames = {}
    for class_name, conversion in layer_conversions.LAYER_CONVERSIONS.items():
        renames[class_name] = (class_name, conversion)
        for old in conversion.keras1_names:
            renames[old] = (class_name, conversion)
    for function_name, (target, conversion) in layer_conversions.FUNCTION_CONVERSIONS.items():
        if "(" not in target:
            renames[function_name] = (target, conversion)
    return renames


def _convert_object(value):
    """A Keras 1 regularizer or constraint config as a Keras 2 one (other values unchanged)."""
    if not isinstance(value, dict) or "class_name" in value or "name" not in value:
        return value
    name = value["name"]
    inner = {k: v for k, v in value.items() if k != "name"}
    if name in _REGULARIZERS:
        return {"class_name": _REGULARIZERS[name], "config": {"l1": inner.get("l1", 0.0), "l2": inner.get("l2", 0.0)}}
    if name in _CONSTRAINTS:
        for old, new in _CONSTRAINTS[name]:
            if old in inner:
                inner[new] = inner.pop(old)
        return {"class_name": name, "config": inner}
    return value


def convert_layer_config(class_name, config):
    """The `LEGACY_CONFIG_HOOKS` entry: converts a Keras 1 layer config, or returns None when it is not one.

    Args:
        class_name: the class name written in the file (`Convolution2D`, `Dense`, ...).
        config: the layer's config dict.
    """
    if not isinstance(config, dict):
        return None
    if class_name == "TimeDistributedDense":
        return _time_distributed_dense(config)
    target, conversion = _class_renames().get(class_name, (class_name, None))
    rows = (INPUT_LAYER if class_name == "InputLayer" else BASE) + (conversion.rows if conversion is not None else ())
    old_keys = {row[0] for row in rows}
    keras1_keys = {"nb_row", "nb_col", "kernel_dim1", "forget_bias_init"}
    if target == class_name and not (old_keys | keras1_keys) & set(config):
        return None
    config = dict(config)
    if conversion is not None and "batch_input_shape" in config:
        if layer_conversions._sequence_input in conversion.preprocessors:
            config.pop("input_dim", None)
            config.pop("input_length", None)
    args, kwargs = [], config
    if conversion is not None:
        for preprocess in conversion.preprocessors:
            args, kwargs, _ = preprocess(target, args, kwargs)
    interfaces.apply_rows(rows, target, kwargs)
    for key in list(kwargs):
        if key.endswith(("_regularizer", "_constraint")):
            kwargs[key] = _convert_object(kwargs[key])
    interfaces.warn_once(
        ("config", class_name),
        f"Loaded a Keras 1 `{class_name}` config as `{target}` (Keras 1 arguments converted to Keras 2).",
        stacklevel=2,
    )
    return target, kwargs


def _time_distributed_dense(config):
    config = dict(config)
    outer = {key: config.pop(key) for key in ("name", "trainable", "batch_input_shape") if key in config}
    if "batch_input_shape" not in outer and ("input_dim" in config or "input_length" in config):
        outer["batch_input_shape"] = [None, config.get("input_length"), config.get("input_dim")]
    config.pop("input_dim", None)
    config.pop("input_length", None)
    config.pop("input_dtype", None)
    interfaces.apply_rows(interfaces.DENSE, "TimeDistributedDense", config)
    for key in list(config):
        if key.endswith(("_regularizer", "_constraint")):
            config[key] = _convert_object(config[key])
    outer["layer"] = {"class_name": "Dense", "config": config}
    interfaces.warn_once(
        ("config", "TimeDistributedDense"),
        "Loaded a Keras 1 `TimeDistributedDense` config as `TimeDistributed(Dense(...))`.",
        stacklevel=2,
    )
    return "TimeDistributed", outer
