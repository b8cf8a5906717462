"""Name lookup and serialization shared by the initializer, regularizer and constraint families.

Each family keeps its own `get`/`serialize`/`deserialize` and its table of built-in names; these
helpers hold the logic that is the same for all of them. `kerastorch.saving.serialization` is
imported on use: it imports the layer engine, which imports the families.
"""


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
