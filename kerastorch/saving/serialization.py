"""Serialization: the class registry, custom objects, and layer (de)serialization from Keras configs."""

import contextlib
import threading

from kerastorch.engine import layer as layer_module

_GLOBAL_CUSTOM_OBJECTS = {}
_SCOPE = threading.local()


def get_custom_objects():
    """The global dict of custom objects, keyed by the name used in configs."""
    return _GLOBAL_CUSTOM_OBJECTS


class CustomObjectScope:
    """Makes `custom_objects` visible to deserialization inside a `with` block."""

    def __init__(self, *args):
        self.custom_objects = {}
        for objects in args:
            self.custom_objects.update(objects)

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
    return CustomObjectScope(*args)


def scoped_custom_objects(custom_objects=None):
    """Merged view: global objects, then enclosing scopes, then `custom_objects`."""
    merged = dict(_GLOBAL_CUSTOM_OBJECTS)
    for objects in getattr(_SCOPE, "stack", None) or []:
        merged.update(objects)
    merged.update(custom_objects or {})
    return merged


def get_layer_class(class_name, custom_objects=None):
    """The layer class for a Keras class name, searching custom objects first."""
    objects = scoped_custom_objects(custom_objects)
    if class_name in objects:
        return objects[class_name]
    import kerastorch.layers  # noqa: F401  (registers the built-in classes)
    from kerastorch import models  # noqa: F401

    if class_name in layer_module.LAYER_REGISTRY:
        return layer_module.LAYER_REGISTRY[class_name]
    raise ValueError(
        f"Unknown layer: {class_name!r}. Please ensure this object is passed to the `custom_objects` "
        "argument (or registered with CustomObjectScope)."
    )


def serialize_layer(layer):
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize_layer(config, custom_objects=None):
    """Builds a layer from {'class_name': ..., 'config': ...}."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Improper layer config: expected a dict with 'class_name' and 'config'. Received: {config!r}")
    cls = get_layer_class(config["class_name"], custom_objects)
    inner = dict(config.get("config", {}))
    from_config = cls.from_config
    try:
        import inspect

        takes_custom = "custom_objects" in inspect.signature(from_config).parameters
    except (TypeError, ValueError):
        takes_custom = False
    if takes_custom:
        return from_config(inner, custom_objects=scoped_custom_objects(custom_objects))
    with CustomObjectScope(custom_objects or {}):
        return from_config(inner)
