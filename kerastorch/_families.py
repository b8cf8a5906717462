"""Name lookup and serialization shared by the family modules (initializers ... losses, metrics).

Each family keeps its own `get`/`serialize`/`deserialize` and its table of built-in names; these
helpers hold the logic that is the same for all of them. `kerastorch.saving.serialization` is
imported on use: it imports the layer engine, which imports the families.
"""

import inspect


def scoped_custom_objects(custom_objects):
    """User objects visible here: global registry, open CustomObjectScopes, then `custom_objects`.

    Args:
        custom_objects: optional dict of user classes/functions by name.
    """
    from kerastorch.saving import serialization

    return serialization.scoped_custom_objects(custom_objects)


def lookup(family, class_name, objects, custom_objects):
    """The class or function called `class_name`: user objects first, then the family's built-ins.

    Args:
        family: the family's name in error messages ('initializer', 'regularizer', 'constraint').
        class_name: the name to resolve.
        objects: the family's built-in objects by name.
        custom_objects: optional dict of user classes/functions by name.
    """
    custom_objects = scoped_custom_objects(custom_objects)
    if class_name in custom_objects:
        return custom_objects[class_name]
    if class_name in objects:
        return objects[class_name]
    raise ValueError(f"Unknown {family} {class_name!r}. Valid names: {', '.join(sorted(objects))}.")


def serialize_object(family, obj):
    """Keras config of `obj`: `{"class_name", "config"}` with `get_config`, else a function's name (None for None).

    Args:
        family: the family's name in error messages.
        obj: the object to serialize.
    """
    if obj is None:
        return None
    if hasattr(obj, "get_config"):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    name = getattr(obj, "__name__", None)
    if name:
        return name
    raise ValueError(f"Cannot serialize {family} {obj!r}: it has no get_config() and no name.")


def from_class_config(family, config, classes, custom_objects, deserialize, valid_names, prepare=None):
    """The object a `{"class_name", "config"}` dict describes (the dict branch of a family's deserialize).

    Args:
        family: the family's name in error messages ('loss', 'metric').
        config: the dict.
        classes: the family's built-in classes by name.
        custom_objects: optional dict of user classes/functions by name.
        deserialize: the family's `deserialize`, for Keras 3's `{"class_name": "function", ...}`.
        valid_names: the names listed when `class_name` is unknown.
        prepare: optional `prepare(class_name, cls, inner_config) -> inner_config` run before `from_config`.
    """
    if "class_name" not in config:
        raise ValueError(
            f"Improper {family} config: expected a dict with 'class_name' and 'config'. Received: {config!r}"
        )
    class_name = config["class_name"]
    inner = config.get("config") or {}
    if class_name == "function":  # Keras 3 spelling of a plain function.
        return deserialize(inner, custom_objects)
    cls = scoped_custom_objects(custom_objects).get(class_name, classes.get(class_name))
    if cls is None:
        raise ValueError(f"Unknown {family} class {class_name!r}. Valid names: {valid_names}.")
    if not inspect.isclass(cls):
        return cls
    inner = dict(inner) if prepare is None else prepare(class_name, cls, dict(inner))
    from kerastorch.saving import serialization

    with serialization.CustomObjectScope(custom_objects or {}):
        return cls.from_config(inner)
