"""Model configs: architecture as Keras 2 JSON/YAML (safe YAML only), and the training config of saved models."""

import json

import numpy as np

from kerastorch.saving import serialization

# The Keras version kerastorch's files claim: the tf.keras 2.x layout and semantics they follow.
KERAS_VERSION = "2.15.0"
BACKEND = "torch"

# Limits for model_from_yaml: a model config is a few KB to a few MB of plain data. Documents past
# these limits (alias bombs, huge inputs) are refused before they are turned into Python objects.
MAX_YAML_CHARS = 64 * 1024 * 1024
MAX_YAML_NODES = 2_000_000
MAX_YAML_ALIASES = 10_000
_PYTHON_TUPLE_TAG = "tag:yaml.org,2002:python/tuple"

# Optimizer config keys written by Keras 3 with no Keras 2 meaning, and their harmless values.
_KERAS3_OPTIMIZER_KEYS = {"loss_scale_factor": (None, 1, 1.0), "gradient_accumulation_steps": (None, 1)}
_ACCURACY_NAMES = ("accuracy", "acc", "crossentropy", "ce")


# ---------------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------------
def json_default(obj):
    """JSON fallback for Keras configs: objects with get_config, NumPy values, functions, classes."""
    if hasattr(obj, "get_config"):
        return serialization.serialize_keras_object(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, (tuple, set, frozenset)):
        return list(obj)
    if isinstance(obj, type):
        return obj.__name__
    if callable(obj) and getattr(obj, "__name__", None):
        return obj.__name__
    try:
        import torch

        if isinstance(obj, torch.Tensor):
            return obj.detach().cpu().tolist()
        if isinstance(obj, torch.dtype):
            from kerastorch import backend

            return backend.dtype_name(obj)
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    raise TypeError(f"Not JSON serializable: {obj!r} of type {type(obj).__name__}.")


_MODULE_BY_SUFFIX = (
    ("_initializer", "keras.initializers"),
    ("_regularizer", "keras.regularizers"),
    ("_constraint", "keras.constraints"),
)
_NESTED_LAYER_KEYS = ("layer", "backward_layer", "cell", "cells")
# Layer config keys left out when they hold their default: Keras 2.2 (and Keras 3 for some
# classes: transposed and depthwise convolutions have no `groups`) reject them.
_OMITTED_WHEN_DEFAULT = {"time_major": False, "groups": 1}
# Keys Keras's own get_config leaves out for a class (the class does not use them).
_NOT_WRITTEN_BY_KERAS = {
    "SeparableConv1D": ("kernel_initializer", "kernel_regularizer", "kernel_constraint"),
    "SeparableConv2D": ("kernel_initializer", "kernel_regularizer", "kernel_constraint"),
}
# Optimizer config keys left out when they hold their default, for the same reason.
_OPTIMIZER_OMITTED_WHEN_DEFAULT = {"Nadam": {"schedule_decay": 0.004}}
# Optimizer config keys written even at their Keras 2 default, because tf.keras's default differs.
_OPTIMIZER_WRITTEN_EXPLICITLY = {"Adagrad": {"initial_accumulator_value": 0.0}}


def _module_for(key, class_name):
    """The Keras module tf.keras >= 2.13 records for a nested built-in object, or None."""
    if not isinstance(key, str):
        return None
    for suffix, module in _MODULE_BY_SUFFIX:
        if key.endswith(suffix):
            return module
    if key in _NESTED_LAYER_KEYS:
        from kerastorch.engine import layer as layer_module

        cls = layer_module.LAYER_REGISTRY.get(class_name)
        if cls is not None and cls.__module__.startswith("kerastorch."):
            return "keras.layers"
    return None


def _with_input_layer(config):
    """A Sequential config that starts with its InputLayer, as tf.keras 2.x writes it."""
    layers = config.get("layers")
    if not isinstance(layers, list) or not layers or not isinstance(layers[0], dict):
        return config
    first = layers[0]
    inner = first.get("config") if isinstance(first.get("config"), dict) else {}
    shape = inner.get("batch_input_shape")
    if first.get("class_name") == "InputLayer" or shape is None:
        return config
    dtype = inner.get("dtype") if isinstance(inner.get("dtype"), str) else "float32"
    input_layer = {
        "class_name": "InputLayer",
        "config": {
            "batch_input_shape": list(shape),
            "dtype": dtype,
            "sparse": False,
            "ragged": False,
            "name": f"{inner.get('name', 'sequential')}_input",
        },
    }
    return dict(config, layers=[input_layer] + layers)


def keras_compatible(value, key=None):
    """A config as tf.keras >= 2.13 writes it, readable by Keras 2, tf.keras 2 and Keras 3.

    Sequential configs start with their InputLayer, and nested built-in objects (initializers,
    regularizers, constraints, wrapped layers, RNN cells) carry `module`/`registered_name`.
    """
    if isinstance(value, list):
        return [keras_compatible(item, key) for item in value]
    if not isinstance(value, dict):
        return value
    result = {name: keras_compatible(item, name) for name, item in value.items()}
    class_name = result.get("class_name")
    if isinstance(class_name, str) and isinstance(result.get("config"), dict):
        inner = result["config"]
        omitted = [k for k, default in _OMITTED_WHEN_DEFAULT.items() if k in inner and inner[k] == default]
        omitted += [k for k in _NOT_WRITTEN_BY_KERAS.get(class_name, ()) if k in inner]
        if omitted:
            result["config"] = {k: v for k, v in inner.items() if k not in omitted}
        if class_name == "Sequential":
            result["config"] = _with_input_layer(result["config"])
        module = _module_for(key, class_name)
        if module is not None and "module" not in result:
            result = {"module": module, **result, "registered_name": None}
    return result


def model_to_dict(model):
    """`{'class_name', 'config', 'keras_version', 'backend'}` as Keras 2's `to_json` writes it.

    The config follows tf.keras 2.x (see `keras_compatible`), so that Keras 3 reads it too.

    Args:
        model: a Model or Sequential (or any layer).
    """
    plain = architecture(model)
    plain["keras_version"] = KERAS_VERSION
    plain["backend"] = BACKEND
    return plain


def architecture(model):
    """`{'class_name', 'config'}` of a model as plain JSON data, in the tf.keras 2.x form."""
    config = serialization.serialize_layer(model)
    # One JSON round trip turns tuples, NumPy scalars and nested objects into plain data.
    return keras_compatible(json.loads(json.dumps(config, default=json_default)))


def to_json(model, **kwargs):
    """The model architecture as a Keras 2 JSON string.

    Args:
        model: the model.
        **kwargs: passed to `json.dumps` (e.g. `indent=2`).
    """
    return json.dumps(model_to_dict(model), default=json_default, **kwargs)


def model_from_config(config, custom_objects=None, safe_mode=True):
    """Builds a model (fresh weights, not compiled) from `{'class_name': ..., 'config': ...}`.

    Accepts configs written by Keras 1/2, tf.keras 2.x and Keras 3 (JSON files of the `.keras`
    format included).

    Args:
        config: the architecture dict.
        custom_objects: optional dict of user classes and functions by name.
        safe_mode: False allows loading Lambda layers stored as Python bytecode (trusted files only).
    """
    if isinstance(config, list):
        # Keras 1 / 2.0 `to_json` of a Sequential sometimes stored the bare layer list.
        config = {"class_name": "Sequential", "config": config}
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "A model config must be a dict with 'class_name' and 'config' (as written by `to_json`). "
            f"Received: {str(config)[:200]!r}"
        )
    with serialization.loading_scope(custom_objects, safe_mode):
        model = serialization.deserialize_layer(config, custom_objects=custom_objects)
    _build_from_saved_shape(model, config)
    return model


def _build_from_saved_shape(model, config):
    """Builds a deferred Sequential from `build_input_shape` / Keras 3 `build_config` when given."""
    built = getattr(model, "built", True)
    if built or not hasattr(model, "build"):
        return
    inner = config.get("config") if isinstance(config.get("config"), dict) else {}
    shape = inner.get("build_input_shape")
    if shape is None and isinstance(config.get("build_config"), dict):
        shape = config["build_config"].get("input_shape")
    if shape is None:
        return
    if isinstance(shape, list) and shape and isinstance(shape[0], list):
        shape = [tuple(s) for s in shape]
        shape = shape[0] if len(shape) == 1 else shape
    else:
        shape = tuple(shape)
    model.build(shape)


def model_from_json(json_string, custom_objects=None, safe_mode=True):
    """Builds a model from `model.to_json()` output (or any Keras 1/2/3 model JSON).

    Args:
        json_string: the JSON text.
        custom_objects: optional dict of user classes and functions by name.
        safe_mode: False allows loading Lambda layers stored as Python bytecode.
    """
    if isinstance(json_string, bytes):
        json_string = json_string.decode("utf-8")
    try:
        config = json.loads(json_string)
    except json.JSONDecodeError as error:
        raise ValueError(f"model_from_json: the text is not valid JSON ({error}).") from None
    return model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)


# ---------------------------------------------------------------------------------------------
# YAML
# ---------------------------------------------------------------------------------------------
def _yaml():
    try:
        import yaml
    except ImportError:  # pragma: no cover - pyyaml is a dependency
        raise ImportError("YAML support needs pyyaml: `pip install pyyaml`.") from None
    return yaml


def to_yaml(model, **kwargs):
    """The model architecture as a Keras 2 YAML string (plain YAML: no Python tags, no aliases).

    Args:
        model: the model.
        **kwargs: passed to `yaml.dump` (e.g. `default_flow_style=False`).
    """
    yaml = _yaml()

    class _PlainDumper(yaml.SafeDumper):
        def ignore_aliases(self, data):
            return True

    kwargs.pop("Dumper", None)
    return yaml.dump(model_to_dict(model), Dumper=_PlainDumper, **kwargs)


def _node_children(node):
    yaml = _yaml()
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_yaml_graph(root):
    """Refuses Python tags, recursive anchors, too many aliases and documents that expand too far.

    The composed node graph shares aliased nodes; its expanded size is counted with memoization,
    so a "billion laughs" document is measured in time proportional to its text.
    """
    sizes = {}
    on_path = set()
    aliases = 0
    stack = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            on_path.discard(key)
            size = 1 + sum(sizes[id(child)] for child in _node_children(node))
            if size > MAX_YAML_NODES:
                raise ValueError(
                    f"model_from_yaml: the YAML document expands to more than {MAX_YAML_NODES} nodes (aliases "
                    "referencing aliases); refusing to load it."
                )
            sizes[key] = size
            continue
        if key in sizes:
            aliases += 1
            if aliases > MAX_YAML_ALIASES:
                raise ValueError(
                    f"model_from_yaml: the YAML document uses more than {MAX_YAML_ALIASES} aliases; refusing to load it."
                )
            continue
        if key in on_path:
            raise ValueError("model_from_yaml: the YAML document contains a recursive alias; refusing to load it.")
        tag = node.tag or ""
        if tag != _PYTHON_TUPLE_TAG and ("python/" in tag or (tag.startswith("!") and not tag.startswith("!!"))):
            raise ValueError(
                f"model_from_yaml: the YAML document uses the tag {tag!r}. Only plain YAML (no Python object "
                "tags) is accepted: such tags can run arbitrary code. Write the config with `model.to_yaml()`."
            )
        on_path.add(key)
        stack.append((node, True))
        for child in _node_children(node):
            if id(child) in on_path:
                raise ValueError("model_from_yaml: the YAML document contains a recursive alias; refusing to load it.")
            stack.append((child, False))


def safe_yaml_load(text):
    """`yaml.safe_load` with limits on size and aliases checked before any object is constructed.

    Args:
        text: the YAML text (str or bytes).
    """
    yaml = _yaml()
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    if not isinstance(text, str):
        raise TypeError(f"model_from_yaml expects a YAML string. Received: {type(text).__name__}")
    if len(text) > MAX_YAML_CHARS:
        raise ValueError(
            f"model_from_yaml: the YAML text has {len(text)} characters, more than the {MAX_YAML_CHARS} allowed."
        )

    class _GuardedLoader(yaml.SafeLoader):
        pass

    # Keras 2's `to_yaml` (yaml.dump of configs holding tuples) wrote `!!python/tuple`; a tuple
    # is plain data, so this one Python tag is read (as a tuple) while every other is refused.
    _GuardedLoader.add_constructor(_PYTHON_TUPLE_TAG, lambda loader, node: tuple(loader.construct_sequence(node)))

    loader = _GuardedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_yaml_graph(node)
        return loader.construct_document(node)
    except yaml.constructor.ConstructorError as error:
        raise ValueError(
            f"model_from_yaml: the YAML document holds an object that plain YAML cannot describe ({error.problem}). "
            "Only plain YAML written by `model.to_yaml()` is accepted."
        ) from None
    except yaml.YAMLError as error:
        raise ValueError(f"model_from_yaml: invalid YAML ({error}).") from None
    finally:
        loader.dispose()


def model_from_yaml(yaml_string, custom_objects=None, safe_mode=True):
    """Builds a model from `model.to_yaml()` output; only plain YAML is accepted (yaml.safe_load rules).

    Args:
        yaml_string: the YAML text.
        custom_objects: optional dict of user classes and functions by name.
        safe_mode: False allows loading Lambda layers stored as Python bytecode.
    """
    config = safe_yaml_load(yaml_string)
    return model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)


# ---------------------------------------------------------------------------------------------
# Training config
# ---------------------------------------------------------------------------------------------
def _serialize_nested(value, serialize):
    if isinstance(value, str):
        return serialize(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, dict):
        return {key: _serialize_nested(item, serialize) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_serialize_nested(item, serialize) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return serialize(value)


def training_config(model):
    """The `training_config` of a compiled model as tf.keras 2 writes it, or None if not compiled.

    Args:
        model: the model.
    """
    from kerastorch import losses
    from kerastorch import metrics
    from kerastorch import optimizers

    args = getattr(model, "_compile_args", None)
    if args is None or getattr(model, "optimizer", None) is None:
        return None

    def serialize_metric(metric):
        if isinstance(metric, str):
            return metric
        if isinstance(metric, type):
            return metric.__name__
        return metrics.serialize(metric)

    def serialize_loss(loss):
        if isinstance(loss, str) and loss in losses.LOSS_FUNCTIONS:
            # Full function names ('mean_squared_error' for 'mse'): Keras 3 reads only those.
            return losses.LOSS_FUNCTIONS[loss].__name__
        return losses.serialize(loss)

    config = {
        "loss": _serialize_nested(args.get("loss"), serialize_loss),
        "metrics": _serialize_nested(args.get("metrics"), serialize_metric),
        "weighted_metrics": _serialize_nested(args.get("weighted_metrics"), serialize_metric),
        "loss_weights": _serialize_nested(args.get("loss_weights"), float),
        "sample_weight_mode": args.get("sample_weight_mode"),
        "optimizer_config": optimizers.serialize(model.optimizer),
    }
    # No `is_legacy_optimizer` key: tf.keras >= 2.11 then rebuilds its legacy optimizer, whose
    # weight names and order are the ones written in `optimizer_weights`.
    optimizer_config = config["optimizer_config"]["config"]
    class_name = config["optimizer_config"]["class_name"]
    for key, default in _OPTIMIZER_OMITTED_WHEN_DEFAULT.get(class_name, {}).items():
        if optimizer_config.get(key) == default:
            del optimizer_config[key]
    for key, value in _OPTIMIZER_WRITTEN_EXPLICITLY.get(class_name, {}).items():
        optimizer_config.setdefault(key, value)
    return json.loads(json.dumps(config, default=json_default))


def _clean_optimizer_config(config):
    config = serialization.strip_object_metadata(config)
    if not isinstance(config, dict) or not isinstance(config.get("config"), dict):
        return config
    inner = dict(config["config"])
    for key, allowed in _KERAS3_OPTIMIZER_KEYS.items():
        if key in inner:
            value = inner.pop(key)
            if value not in allowed:
                raise ValueError(
                    f"The saved optimizer uses {key}={value!r} (a Keras 3 option kerastorch does not implement). "
                    "Load the model with compile=False and compile it again."
                )
    if isinstance(inner.get("learning_rate"), dict):
        raise ValueError(
            "The saved optimizer uses a learning-rate schedule "
            f"({inner['learning_rate'].get('class_name')!r}), which kerastorch optimizers do not take: load the "
            "model with compile=False, compile it with a float learning rate and use a LearningRateScheduler "
            "callback."
        )
    return {"class_name": config["class_name"], "config": inner}


def _deserialize_loss(config, custom_objects):
    from kerastorch import losses

    if isinstance(config, str) and config in custom_objects:
        return custom_objects[config]
    if config is None or isinstance(config, str):
        return config
    config = serialization.strip_object_metadata(config)
    if isinstance(config, dict) and isinstance(config.get("config"), dict):
        inner = dict(config["config"])
        inner.pop("dtype", None)  # Keras 3 losses carry a compute dtype; kerastorch losses follow their inputs.
        config = {"class_name": config["class_name"], "config": inner}
    return losses.deserialize(config, custom_objects=custom_objects)


def _nested_losses(value, custom_objects):
    if isinstance(value, dict) and "class_name" not in value:
        return {key: _deserialize_loss(item, custom_objects) for key, item in value.items()}
    if isinstance(value, list):
        return [_deserialize_loss(item, custom_objects) for item in value]
    return _deserialize_loss(value, custom_objects)


def _deserialize_metric(config, custom_objects, output_prefix=None):
    """A metric spec from a saved metric: names stay names; configs become Metric objects."""
    from kerastorch import metrics

    if isinstance(config, str) and config in custom_objects:
        return custom_objects[config]
    if config is None or isinstance(config, str):
        return config
    config = serialization.strip_object_metadata(config)
    if not isinstance(config, dict) or "class_name" not in config:
        return config
    inner = dict(config.get("config") or {})
    if "dtype" in inner:
        inner["dtype"] = serialization.normalize_dtype(inner["dtype"])
    name = inner.get("name")
    if output_prefix and isinstance(name, str) and name.startswith(output_prefix):
        # tf.keras stores per-output metrics of multi-output models under their logged names
        # ('out_cls_accuracy'); the output prefix is added again when the model is compiled.
        inner["name"] = name[len(output_prefix) :]
    return metrics.deserialize({"class_name": config["class_name"], "config": inner}, custom_objects=custom_objects)


def _nested_metrics(value, output_names, custom_objects):
    """Per-output metric lists (or a plain list) from the saved `metrics` entry."""
    if value is None:
        return None
    multi = len(output_names) > 1
    if isinstance(value, dict) and "class_name" not in value:
        result = {}
        for key, item in value.items():
            prefix = f"{key}_" if multi else None
            items = item if isinstance(item, list) else [item]
            result[key] = [_deserialize_metric(m, custom_objects, prefix) for m in items if m is not None]
        return result
    if isinstance(value, list):
        if value and all(isinstance(item, list) for item in value):
            # tf.keras 2 writes one list per output ([[m1, m2]] for a single output).
            if len(value) == len(output_names):
                per_output = []
                for name, items in zip(output_names, value):
                    prefix = f"{name}_" if multi else None
                    per_output.append([_deserialize_metric(m, custom_objects, prefix) for m in items if m is not None])
                if not multi:
                    return per_output[0]
                return dict(zip(output_names, per_output))
        return [_deserialize_metric(m, custom_objects) for m in value if m is not None]
    return [_deserialize_metric(value, custom_objects)]


def compile_args_from_training_config(config, output_names, custom_objects=None):
    """`compile()` keyword arguments from a saved training config (Keras 2, tf.keras 2 or Keras 3).

    Args:
        config: the decoded `training_config` (or the Keras 3 `compile_config`).
        output_names: the model's output names (metrics are saved per output).
        custom_objects: optional dict of user objects by name.
    """
    from kerastorch import optimizers

    objects = serialization.scoped_custom_objects(custom_objects)
    optimizer_config = config.get("optimizer_config", config.get("optimizer"))
    if isinstance(optimizer_config, str):
        optimizer = optimizers.get(optimizer_config)
    else:
        optimizer = optimizers.deserialize(_clean_optimizer_config(optimizer_config), custom_objects=objects)
    loss_weights = config.get("loss_weights")
    sample_weight_mode = config.get("sample_weight_mode")
    return {
        "optimizer": optimizer,
        "loss": _nested_losses(config.get("loss"), objects),
        "metrics": _nested_metrics(config.get("metrics"), output_names, objects),
        "weighted_metrics": _nested_metrics(config.get("weighted_metrics"), output_names, objects),
        "loss_weights": loss_weights,
        "sample_weight_mode": sample_weight_mode,
    }
