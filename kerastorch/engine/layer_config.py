"""Layer configs: the base layer's `get_config` entries and tf.keras 2's auto config of user layers."""

import inspect

from kerastorch import mixed_precision

_AUTO_CONFIG_TYPES = (str, int, float, bool, type(None))


def _plain(value):
    if isinstance(value, (list, tuple)):
        return all(_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _plain(item) for key, item in value.items())
    return isinstance(value, _AUTO_CONFIG_TYPES)


def auto_config(cls, args, kwargs):
    """The constructor arguments of a user layer, when all are plain values (tf.keras 2 auto config).

    Args:
        cls: a user layer class that keeps the base `get_config`.
        args, kwargs: the arguments it is constructed with.
    """
    if not args and not kwargs:
        return {}
    try:
        bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
    except TypeError:
        return None  # __init__ will raise its own error
    config = {}
    for name, value in list(bound.arguments.items())[1:]:
        kind = inspect.signature(cls.__init__).parameters[name].kind
        if kind == inspect.Parameter.VAR_KEYWORD:
            config.update(value)
        elif kind == inspect.Parameter.VAR_POSITIONAL:
            return None
        else:
            config[name] = value
    return config if _plain(config) else None


def base_config(layer, own_init):
    """The base layer's config entries: name, trainable, dtype, and the input shape and activity regularizer if set.

    Args:
        layer: the layer.
        own_init: whether the layer's class defines its own `__init__` (the activity regularizer is
            written only then).
    """
    config = {"name": layer.name, "trainable": layer.trainable, "dtype": layer.dtype}
    if layer._dtype_policy.is_mixed:
        config["dtype"] = mixed_precision.serialize_policy(layer._dtype_policy)
    if layer._batch_input_shape is not None:
        config["batch_input_shape"] = list(layer._batch_input_shape)
    if layer.activity_regularizer is not None and own_init:
        from kerastorch import regularizers

        config["activity_regularizer"] = regularizers.serialize(layer.activity_regularizer)
    return config


def merge_auto_config(cls, config, auto):
    """Adds the recorded constructor arguments `auto` to `config` (the base keys stay only if `__init__` takes them)."""
    base_keys = set(config)
    config.update(auto)
    parameters = inspect.signature(cls.__init__).parameters
    if not any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        # An __init__ without **kwargs cannot take the base keys back.
        for key in base_keys - set(parameters):
            config.pop(key, None)
