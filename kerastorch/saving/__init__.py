"""Saving and loading: Keras 2 HDF5 files, model JSON/YAML, Keras configs of any Keras version, torch checkpoints."""

from kerastorch.saving.hdf5 import load_model
from kerastorch.saving.hdf5 import load_weights
from kerastorch.saving.hdf5 import save_model
from kerastorch.saving.hdf5 import save_weights
from kerastorch.saving.model_config import model_from_config
from kerastorch.saving.model_config import model_from_json
from kerastorch.saving.model_config import model_from_yaml
from kerastorch.saving.model_config import to_json
from kerastorch.saving.model_config import to_yaml
from kerastorch.saving.serialization import LEGACY_CONFIG_HOOKS
from kerastorch.saving.serialization import CustomObjectScope
from kerastorch.saving.serialization import SafeModeScope
from kerastorch.saving.serialization import custom_object_scope
from kerastorch.saving.serialization import deserialize_keras_object
from kerastorch.saving.serialization import get_custom_objects
from kerastorch.saving.serialization import register_legacy_config_hook
from kerastorch.saving.serialization import safe_mode_scope
from kerastorch.saving.serialization import serialize_keras_object

__all__ = [
    "load_model",
    "save_model",
    "load_weights",
    "save_weights",
    "model_from_config",
    "model_from_json",
    "model_from_yaml",
    "to_json",
    "to_yaml",
    "LEGACY_CONFIG_HOOKS",
    "CustomObjectScope",
    "SafeModeScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "register_legacy_config_hook",
    "safe_mode_scope",
    "serialize_keras_object",
]
