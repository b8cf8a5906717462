"""register_keras_serializable and the registered-name look-ups (tf.keras 2 `keras.utils`)."""

import inspect

from kerastorch.saving import serialization

__all__ = ["register_keras_serializable", "get_registered_name", "get_registered_object"]

_REGISTERED_NAMES = {}


def register_keras_serializable(package="Custom", name=None):
    """Class/function decorator registering it as a custom object under `'package>name'`.

    The object is also registered under its plain name, the class name Keras 2 configs carry, so
    models saved with it load without `custom_objects`.

    Args:
        package: the package the object belongs to (default 'Custom').
        name: the registered name (default: the class or function name).

    Example:

    ```python
    @register_keras_serializable(package="MyLayers")
    class Scale(Layer):
        ...
    get_registered_name(Scale)  # 'MyLayers>Scale'
    ```
    """

    def decorator(arg):
        class_name = name if name is not None else arg.__name__
        registered_name = f"{package}>{class_name}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError(
                f"register_keras_serializable: {arg.__name__} cannot be registered: a class needs a "
                "`get_config()` method to be serializable."
            )
        custom_objects = serialization.get_custom_objects()
        if registered_name in custom_objects:
            raise ValueError(f"{registered_name} has already been registered to {custom_objects[registered_name]}")
        if arg in _REGISTERED_NAMES:
            raise ValueError(f"{arg} has already been registered to {_REGISTERED_NAMES[arg]}")
        custom_objects[registered_name] = arg
        custom_objects.setdefault(class_name, arg)
        _REGISTERED_NAMES[arg] = registered_name
        return arg

    return decorator


def get_registered_name(obj):
    """The name `obj` was registered under, else its `__name__`.

    Args:
        obj: a class or function.
    """
    if obj in _REGISTERED_NAMES:
        return _REGISTERED_NAMES[obj]
    return obj.__name__


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered or in scope under `name`, else the one in `custom_objects` or
    `module_objects`, else None.

    Args:
        name: the registered name.
        custom_objects: optional dict of names to objects.
        module_objects: optional dict of names to objects (a module's namespace).
    """
    scoped = serialization.scoped_custom_objects()
    if name in scoped:
        return scoped[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None
