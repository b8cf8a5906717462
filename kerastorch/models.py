"""Models: Sequential and Model, plus loading helpers (load_model, model_from_json/yaml, clone_model)."""

from kerastorch.engine.model import Model
from kerastorch.engine.sequential import Sequential


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved with `model.save()` (or by Keras) from an HDF5 file."""
    from kerastorch.saving import hdf5

    return hdf5.load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Saves `model` to `filepath` (Keras 2 HDF5 layout)."""
    model.save(filepath, overwrite=overwrite, include_optimizer=include_optimizer)


def model_from_json(json_string, custom_objects=None, safe_mode=True):
    """Builds a model (uncompiled, fresh weights) from `model.to_json()` output."""
    from kerastorch.saving import model_config

    return model_config.model_from_json(json_string, custom_objects=custom_objects, safe_mode=safe_mode)


def model_from_yaml(yaml_string, custom_objects=None, safe_mode=True):
    """Builds a model from `model.to_yaml()` output (safe YAML only)."""
    from kerastorch.saving import model_config

    return model_config.model_from_yaml(yaml_string, custom_objects=custom_objects, safe_mode=safe_mode)


def model_from_config(config, custom_objects=None):
    """Builds a model from {'class_name': ..., 'config': ...}."""
    from kerastorch.saving import serialization

    return serialization.deserialize_layer(config, custom_objects=custom_objects)


def clone_model(model, input_tensors=None):
    """A new model with the same architecture and freshly initialised weights."""
    from kerastorch.saving import serialization

    if input_tensors is not None:
        raise ValueError("clone_model(input_tensors=...) is not supported; clone, then call the clone on the tensors.")
    # The config comes from memory, not from a file: Lambda functions may be rebuilt.
    with serialization.safe_mode_scope(False):
        return serialization.deserialize_layer(serialization.serialize_layer(model))


__all__ = [
    "Model",
    "Sequential",
    "load_model",
    "save_model",
    "model_from_json",
    "model_from_yaml",
    "model_from_config",
    "clone_model",
]
