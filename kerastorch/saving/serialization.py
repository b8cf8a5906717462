"""Serialization: the class registry, custom objects, safe mode, and Keras configs (Keras 1 hooks, tf.keras 2, Keras 3) -> objects."""

import contextlib
import inspect
import threading
import warnings

from kerastorch.engine import layer as layer_module

_GLOBAL_CUSTOM_OBJECTS = {}
_SCOPE = threading.local()

# Converters for configs written by Keras 1 / Keras 2.0-2.3 (legacy argument names, removed classes).
# Each entry is a callable `hook(class_name, config)` returning None (not concerned) or the new
# `(class_name, config)` pair; they run in registration order before the class is looked up.
# `kerastorch.legacy` registers its rename tables here with `register_legacy_config_hook`.
LEGACY_CONFIG_HOOKS = []

# Class names that newer Keras versions write for classes we know under another name.
_CLASS_ALIASES = {"Functional": "Model"}

# Keys that tf.keras 2.x / Keras 3 write into layer configs and that Keras 2 layers do not take.
# A key is dropped only when the target class does not accept it, and only when it holds a value
# for which dropping it leaves the computation unchanged (`_ANY_VALUE`: any value does); another
# value raises a ValueError rather than silently computing something else.
_ANY_VALUE = object()
_NEWER_KERAS_KEYS = {
    "time_major": (False, None),
    "sparse": (False, None),
    "ragged": (False, None),
    "optional": (False, None),
    "quantization_config": (None,),
    "lora_rank": (None, 0),
    "lora_alpha": _ANY_VALUE,  # only used together with lora_rank
    "synchronized": _ANY_VALUE,  # cross-replica statistics; kerastorch runs one replica
    "fused": _ANY_VALUE,  # a kernel choice with the same result
    "use_cudnn": _ANY_VALUE,  # a kernel choice with the same result
    "renorm": (False, None),
    "renorm_clipping": (None, {}),
    "renorm_momentum": _ANY_VALUE,  # only used together with renorm
    "virtual_batch_size": (None,),
    "adjustment": (None,),
    "rms_scaling": (False, None),
    "seed": _ANY_VALUE,  # changes the random stream only
    "groups": (1, None),
    "autocast": _ANY_VALUE,
    "input_axes": (None,),
    "output_axes": (None,),
}

# Keras 3 spellings of Keras 2 arguments, per class: (Keras 3 name, Keras 2 name).
_KERAS3_RENAMES = {
    "LeakyReLU": (("negative_slope", "alpha"),),
    "InputLayer": (("batch_shape", "batch_input_shape"),),
}

# Keys that describe where an object came from (Keras 3 / tf.keras >= 2.13), not what it is.
_OBJECT_METADATA_KEYS = ("module", "registered_name", "shared_object_id", "build_config", "compile_config")

_WARNED = set()


def _warn_once(key, message):
    if key in _WARNED:
        return
    _WARNED.add(key)
    warnings.warn(message, UserWarning, stacklevel=3)


# ---------------------------------------------------------------------------------------------
# Custom objects
# ---------------------------------------------------------------------------------------------
def get_custom_objects():
    """The global dict of custom objects, keyed by the name used in configs."""
    return _GLOBAL_CUSTOM_OBJECTS


class CustomObjectScope:
    """Makes `custom_objects` visible to deserialization inside a `with` block.

    Args:
        *args: dicts mapping names (as written in configs) to classes or functions.
    """

    def __init__(self, *args):
        self.custom_objects = {}
        for objects in args:
            self.custom_objects.update(objects or {})

    def __enter__(self):
        stack = getattr(_SCOPE, "stack", None)
        if stack is None:
            stack = _SCOPE.stack = []
        stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _SCOPE.stack.pop()
        return False


def custom_object_scope(*args):
    """`with custom_object_scope({'MyLayer': MyLayer}): ...` (Keras 2 spelling of CustomObjectScope)."""
    return CustomObjectScope(*args)


def scoped_custom_objects(custom_objects=None):
    """Merged view: global objects, then enclosing scopes, then `custom_objects`."""
    merged = dict(_GLOBAL_CUSTOM_OBJECTS)
    for objects in getattr(_SCOPE, "stack", None) or []:
        merged.update(objects)
    merged.update(custom_objects or {})
    return merged


# ---------------------------------------------------------------------------------------------
# Safe mode
# ---------------------------------------------------------------------------------------------
class SafeModeScope:
    """Sets whether deserialization may load Python bytecode (Lambda layers) inside a `with` block.

    Args:
        safe_mode: True (the default outside any scope) refuses bytecode; False allows it.
    """

    def __init__(self, safe_mode=True):
        self.safe_mode = True if safe_mode is None else bool(safe_mode)

    def __enter__(self):
        stack = getattr(_SCOPE, "safe_mode", None)
        if stack is None:
            stack = _SCOPE.safe_mode = []
        stack.append(self.safe_mode)
        return self

    def __exit__(self, *exc):
        _SCOPE.safe_mode.pop()
        return False


def safe_mode_scope(safe_mode=True):
    """`with safe_mode_scope(False): ...` allows loading Lambda bytecode from trusted files."""
    return SafeModeScope(safe_mode)


def in_safe_mode():
    """Whether deserialization currently refuses Python bytecode (True unless a scope says otherwise)."""
    stack = getattr(_SCOPE, "safe_mode", None)
    return stack[-1] if stack else True


@contextlib.contextmanager
def loading_scope(custom_objects=None, safe_mode=True):
    """Custom objects and safe mode together, as the loading functions use them."""
    with CustomObjectScope(custom_objects or {}), SafeModeScope(safe_mode):
        yield


# ---------------------------------------------------------------------------------------------
# Config normalization
# ---------------------------------------------------------------------------------------------
def register_legacy_config_hook(hook):
    """Adds `hook(class_name, config) -> None | (class_name, config)` to LEGACY_CONFIG_HOOKS (once).

    Args:
        hook: the converter; returns None when the config is not one it converts.
    """
    if not callable(hook):
        raise TypeError(f"register_legacy_config_hook expects a callable. Received: {hook!r}")
    if hook not in LEGACY_CONFIG_HOOKS:
        LEGACY_CONFIG_HOOKS.append(hook)
    return hook


def apply_legacy_hooks(class_name, config):
    """Runs LEGACY_CONFIG_HOOKS on a (class_name, config) pair; returns the converted pair."""
    for hook in list(LEGACY_CONFIG_HOOKS):
        result = hook(class_name, config)
        if result is not None:
            class_name, config = result
    return class_name, config


def normalize_dtype(dtype):
    """A dtype name from a name or a dtype policy config (`DTypePolicy`, tf.keras `Policy`).

    Args:
        dtype: None, a name, or `{'class_name': 'DTypePolicy' | 'Policy' | ..., 'config': {'name': ...}}`.
    """
    if isinstance(dtype, dict):
        inner = dtype.get("config")
        name = inner.get("name") if isinstance(inner, dict) else inner
        dtype = name if name is not None else dtype.get("name")
    # Mixed policies ('mixed_float16', 'mixed_bfloat16') pass through: layers accept them.
    return dtype


def strip_object_metadata(value):
    """Removes Keras 3 / tf.keras `module`/`registered_name`/... keys from object configs, recursively.

    Only dicts that describe an object (they have a 'class_name') lose these keys; other dicts
    (Lambda `arguments`, for example) are left as they are, although their values are visited.

    Args:
        value: a config (dict, list or plain value).
    """
    if isinstance(value, dict):
        is_object = "class_name" in value
        return {
            key: strip_object_metadata(item)
            for key, item in value.items()
            if not (is_object and key in _OBJECT_METADATA_KEYS)
        }
    if isinstance(value, list):
        return [strip_object_metadata(item) for item in value]
    return value


def _accepted_arguments(cls):
    """Constructor argument names of `cls`, following `**kwargs` up to the Layer base class."""
    names = set()
    for klass in getattr(cls, "__mro__", (cls,)):
        init = klass.__dict__.get("__init__") if isinstance(klass, type) else None
        if init is None:
            continue
        if klass is layer_module.Layer:
            names.update(layer_module._BASE_KWARGS)
            break
        try:
            parameters = inspect.signature(init).parameters
        except (TypeError, ValueError):
            break
        names.update(
            name
            for name, parameter in parameters.items()
            if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY) and name != "self"
        )
        if not any(parameter.kind == parameter.VAR_KEYWORD for parameter in parameters.values()):
            break
    return names


def _is_allowed_default(value, allowed):
    if allowed is _ANY_VALUE:
        return True
    return any(value is candidate or (candidate is not None and value == candidate) for candidate in allowed)


def normalize_layer_config(class_name, config, cls=None):
    """Turns a tf.keras 2.x / Keras 3 layer config into the arguments of the kerastorch class.

    Object configs lose their `module`/`registered_name` keys, dtype policies become names, Keras 3
    spellings are renamed, and keys that only newer Keras versions write are dropped when they hold a
    value that does not change the layer (another value raises ValueError).

    Args:
        class_name: the class name from the config.
        config: the inner config dict.
        cls: the target class (its constructor decides which keys it takes).
    """
    if not isinstance(config, dict):
        return config
    config = strip_object_metadata(config)
    if "dtype" in config:
        config["dtype"] = normalize_dtype(config["dtype"])
    if cls is None or not isinstance(cls, type):
        return config
    accepted = _accepted_arguments(cls)
    takes_anything = not issubclass(cls, layer_module.Layer)
    for new, old in _KERAS3_RENAMES.get(class_name, ()):
        if new in config and new not in accepted:
            value = config.pop(new)
            if config.get(old) is None:
                config[old] = value
    if takes_anything:
        return config
    for key in list(config):
        if key in accepted or key not in _NEWER_KERAS_KEYS:
            continue
        value = config[key]
        if not _is_allowed_default(value, _NEWER_KERAS_KEYS[key]):
            raise ValueError(
                f"{class_name} config has {key}={value!r}, an option of newer Keras versions that kerastorch "
                f"does not implement; only the default leaves the layer unchanged. Remove `{key}` from the "
                "config (or set it to its default) to load this layer."
            )
        del config[key]
    return config


# ---------------------------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------------------------
def _lookup_custom(class_name, objects):
    if class_name in objects:
        return objects[class_name]
    # Keras 3 / tf.keras registered names: "package>ClassName".
    short = class_name.split(">")[-1]
    if short != class_name and short in objects:
        return objects[short]
    return None


def get_layer_class(class_name, custom_objects=None):
    """The layer class for a Keras class name, searching custom objects first.

    Args:
        class_name: name as written in configs (`Dense`, `Functional`, `package>MyLayer`).
        custom_objects: optional dict of user classes by name.
    """
    if not isinstance(class_name, str):
        raise ValueError(f"Improper layer config: 'class_name' must be a string. Received: {class_name!r}")
    objects = scoped_custom_objects(custom_objects)
    found = _lookup_custom(class_name, objects)
    if found is not None:
        return found
    import kerastorch.layers  # noqa: F401  (registers the built-in classes)
    from kerastorch import models  # noqa: F401

    short = class_name.split(">")[-1]
    for name in (class_name, short, _CLASS_ALIASES.get(short)):
        if name is not None and name in layer_module.LAYER_REGISTRY:
            return layer_module.LAYER_REGISTRY[name]
    raise ValueError(
        f"Unknown layer: {class_name!r}. Please ensure this object is passed to the `custom_objects` argument "
        f"(for example `load_model(path, custom_objects={{{short!r}: {short}}})`) or registered with "
        "CustomObjectScope. See https://keras.io/getting_started/faq/#how-can-i-save-a-keras-model"
    )


def serialize_layer(layer):
    """`{'class_name': ..., 'config': layer.get_config()}` for a layer or model.

    Args:
        layer: a Layer instance.
    """
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def _call_from_config(from_config, config, custom_objects):
    try:
        takes_custom = "custom_objects" in inspect.signature(from_config).parameters
    except (TypeError, ValueError):
        takes_custom = False
    with CustomObjectScope(custom_objects or {}):
        if takes_custom:
            return from_config(config, custom_objects=scoped_custom_objects(custom_objects))
        return from_config(config)


def deserialize_layer(config, custom_objects=None):
    """Builds a layer (or model) from `{'class_name': ..., 'config': ...}`.

    Accepts configs written by Keras 2.x, tf.keras 2.x and Keras 3 (see `normalize_layer_config`);
    Keras 1 / 2.0 spellings go through `LEGACY_CONFIG_HOOKS` first.

    Args:
        config: the serialized layer.
        custom_objects: optional dict of user classes and functions by name.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Improper layer config: expected a dict with 'class_name' and 'config'. Received: {config!r}")
    class_name, inner = apply_legacy_hooks(config["class_name"], config.get("config", {}))
    cls = get_layer_class(class_name, custom_objects)
    if isinstance(inner, dict):
        inner = normalize_layer_config(class_name.split(">")[-1], dict(inner), cls)
    from_config = getattr(cls, "from_config", None)
    if from_config is None:
        with CustomObjectScope(custom_objects or {}):
            return cls(**inner)
    return _call_from_config(from_config, inner, custom_objects)


# ---------------------------------------------------------------------------------------------
# Any Keras object
# ---------------------------------------------------------------------------------------------
def serialize_keras_object(instance):
    """Keras 2 config of any kerastorch object: `{'class_name', 'config'}`, or a function's name.

    Args:
        instance: a layer, model, optimizer, loss, metric, initializer, regularizer, constraint,
            or a named function (None gives None).
    """
    from kerastorch import losses
    from kerastorch import metrics
    from kerastorch import optimizers

    if instance is None:
        return None
    if isinstance(instance, layer_module.Layer):
        return serialize_layer(instance)
    if isinstance(instance, optimizers.Optimizer):
        return optimizers.serialize(instance)
    if isinstance(instance, losses.Loss):
        return losses.serialize(instance)
    if isinstance(instance, metrics.Metric):
        return metrics.serialize(instance)
    if hasattr(instance, "get_config"):
        return {"class_name": type(instance).__name__, "config": instance.get_config()}
    name = getattr(instance, "__name__", None)
    if callable(instance) and name:
        return name
    raise ValueError(
        f"Cannot serialize {instance!r}: it has no get_config() and no __name__. Give it a get_config() method."
    )


def _family_lookup(class_name):
    """The deserialize function of the family that knows `class_name` (layers first), or None."""
    import kerastorch.layers  # noqa: F401
    from kerastorch import constraints
    from kerastorch import initializers
    from kerastorch import losses
    from kerastorch import metrics
    from kerastorch import models  # noqa: F401
    from kerastorch import optimizers
    from kerastorch import regularizers

    short = class_name.split(">")[-1]
    if short in layer_module.LAYER_REGISTRY or _CLASS_ALIASES.get(short) in layer_module.LAYER_REGISTRY:
        return deserialize_layer
    if short.lower() in optimizers.OPTIMIZERS or short == "TorchOptimizer":
        return optimizers.deserialize
    if short in losses.LOSS_CLASSES:
        return losses.deserialize
    if short in metrics.METRIC_CLASSES:
        return metrics.deserialize
    for family in (initializers, regularizers, constraints):
        try:
            family.deserialize({"class_name": short, "config": {}})
        except (ValueError, TypeError, KeyError):
            continue
        return family.deserialize
    return None


def deserialize_keras_object(identifier, module_objects=None, custom_objects=None, printable_module_name="object"):
    """Builds an object from its Keras config (Keras 2 signature).

    Args:
        identifier: `{'class_name': ..., 'config': ...}` or a name; None gives None.
        module_objects: dict of the candidate classes/functions by name; when None, the kerastorch
            families are searched (layers, optimizers, losses, metrics, initializers, regularizers,
            constraints, in that order).
        custom_objects: optional dict of user classes and functions by name (searched first).
        printable_module_name: what the object is, for error messages ('layer', 'loss', ...).
    """
    if identifier is None:
        return None
    objects = scoped_custom_objects(custom_objects)
    if isinstance(identifier, dict):
        identifier = strip_object_metadata(identifier)
        if "class_name" not in identifier:
            raise ValueError(
                f"Improper config for {printable_module_name}: expected a dict with 'class_name' and 'config'. "
                f"Received: {identifier!r}"
            )
        class_name = identifier["class_name"]
        inner = identifier.get("config") or {}
        target = _lookup_custom(class_name, objects)
        if target is None and module_objects is not None:
            target = _lookup_custom(class_name, module_objects)
        if target is None and module_objects is None:
            family = _family_lookup(class_name)
            if family is not None:
                return family(identifier, custom_objects=custom_objects)
        if target is None:
            raise ValueError(
                f"Unknown {printable_module_name}: {class_name!r}. Please ensure this object is passed to the "
                "`custom_objects` argument."
            )
        if not inspect.isclass(target):
            return target
        if isinstance(inner, dict) and issubclass(target, layer_module.Layer):
            inner = normalize_layer_config(class_name, dict(inner), target)
        from_config = getattr(target, "from_config", None)
        if from_config is None:
            with CustomObjectScope(custom_objects or {}):
                return target(**inner)
        return _call_from_config(from_config, inner, custom_objects)
    if isinstance(identifier, str):
        target = _lookup_custom(identifier, objects)
        if target is None and module_objects is not None:
            target = _lookup_custom(identifier, module_objects)
        if target is None:
            raise ValueError(
                f"Unknown {printable_module_name}: {identifier!r}. Please ensure this object is passed to the "
                "`custom_objects` argument."
            )
        return target
    return identifier
