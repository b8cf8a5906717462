"""Model files: save/load models and weights in the Keras 2 HDF5 layout (written atomically), dispatching other formats.

Layout written by `save_model` (the one tf.keras 2.x writes and its legacy loader reads):

    attrs: keras_version, backend, model_config (JSON), training_config (JSON, compiled models)
    model_weights/             attrs: layer_names, backend, keras_version
        <layer name>/          attrs: weight_names ['dense_1/kernel:0', ...]
            <weight name>      dataset in Keras layout
        top_level_model_weights/
    optimizer_weights/         attrs: weight_names ['Adam/iter:0', 'Adam/dense_1/kernel/m:0', ...]

`save_weights` writes the `model_weights` part at the root of the file. Attributes too large for
an HDF5 object header are split into `<name>0`, `<name>1`, ... as Keras does. Reading also accepts
files of Keras 1 and 2.0-2.3 (see `legacy_weights`), the newer `.weights.h5` layout and the Keras 3
`.keras` zip (see `keras_v3`), and kerastorch's torch checkpoints (see `torch_format`).
"""

import json
import os
import warnings

import numpy as np
import torch

from kerastorch.engine import layer_weights
from kerastorch.saving import legacy_weights
from kerastorch.saving import model_config
from kerastorch.saving import optimizer_state
from kerastorch.saving.file_io import HDF5_OBJECT_HEADER_LIMIT
from kerastorch.saving.file_io import _decode
from kerastorch.saving.file_io import _is_h5py_object
from kerastorch.saving.file_io import _require_h5py
from kerastorch.saving.file_io import ask_to_proceed_with_overwrite
from kerastorch.saving.file_io import atomic_write
from kerastorch.saving.file_io import file_kind
from kerastorch.saving.file_io import load_attributes_from_hdf5_group
from kerastorch.saving.file_io import save_attributes_to_hdf5_group

try:
    import h5py
except ImportError:  # pragma: no cover - h5py is a dependency
    h5py = None

_TORCH_EXTENSIONS = (".pt", ".pth", ".ckpt")
_IGNORED_SAVE_KWARGS = ("signatures", "options", "save_traces")

__all__ = [
    "save_model",
    "save_weights",
    "load_model",
    "load_weights",
    "load_model_from_hdf5",
    "compile_from_training_config",
    "qualified_weight_names",
    "save_weights_to_hdf5_group",
    "load_weights_from_hdf5_group",
    "load_weights_from_hdf5_group_by_name",
    # The file plumbing lives in `file_io`; Keras 2 scripts import these names from here.
    "HDF5_OBJECT_HEADER_LIMIT",
    "save_attributes_to_hdf5_group",
    "load_attributes_from_hdf5_group",
    "ask_to_proceed_with_overwrite",
    "atomic_write",
    "file_kind",
]


# ---------------------------------------------------------------------------------------------
# Save format
# ---------------------------------------------------------------------------------------------
def _save_format(filepath, save_format, what):
    if save_format is None:
        path = os.fspath(filepath) if not _is_h5py_object(filepath) else ""
        return "torch" if path.lower().endswith(_TORCH_EXTENSIONS) else "h5"
    fmt = str(save_format).lower()
    if fmt in ("h5", "hdf5", "keras"):
        return "h5"
    if fmt in ("torch", "pt", "pth"):
        return "torch"
    if fmt in ("tf", "tensorflow", "savedmodel"):
        raise ValueError(
            f"{what}: save_format='tf' (TensorFlow SavedModel) is not available in kerastorch. Use save_format='h5' "
            "(Keras HDF5, readable by Keras) or 'torch' (a torch checkpoint)."
        )
    raise ValueError(f"{what}: unknown save_format {save_format!r}. Expected one of 'h5', 'torch'.")


# ---------------------------------------------------------------------------------------------
# Weight names
# ---------------------------------------------------------------------------------------------
def qualified_weight_names(model):
    """{id(param): Keras weight name without ':0'} for every weight of `model` (nested models too)."""
    from kerastorch.engine import model as model_module

    names = {}

    def visit(layer):
        if isinstance(layer, model_module.Model) and layer._graph is not None:
            for sub in layer.layers:
                visit(sub)
        for param, name in zip(layer.weights, layer._weight_keras_names()):
            names.setdefault(id(param), name.rsplit(":", 1)[0])

    visit(model)
    return names


def _file_weights(layer):
    """A layer's weights in the order HDF5 files keep them: trainable, then non-trainable.

    tf.keras writes `layer.trainable_weights + layer.non_trainable_weights`, so a nested model's
    weights are trainable-first across its layers, unlike its layer-by-layer `get_weights()`.
    """
    return [owner._parameters[spec.attr] for owner, spec in layer._ordered_entries()]


def _layer_weight_names(layer, names):
    """Unique names ('dense_1/kernel:0', ...) of a layer's weights, in `_file_weights` order."""
    result = []
    for index, param in enumerate(_file_weights(layer)):
        name = names.get(id(param))
        name = f"{name}:0" if name else f"param_{index}"
        if name in result:
            suffix = 1
            while f"{name}_{suffix}" in result:
                suffix += 1
            name = f"{name}_{suffix}"
        result.append(name)
    return result


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------
def save_weights_to_hdf5_group(group, model):
    """Writes the weights of `model.layers` into `group` (the Keras 2 `model_weights` layout).

    Args:
        group: an h5py Group (or File).
        model: the model (or any layer holding `layers`).
    """
    layers = list(model.layers) if hasattr(model, "layers") else [model]
    names = qualified_weight_names(model)
    save_attributes_to_hdf5_group(group, "layer_names", [layer.name for layer in layers])
    group.attrs["backend"] = model_config.BACKEND
    group.attrs["keras_version"] = model_config.KERAS_VERSION
    for layer in layers:
        layer_group = group.create_group(layer.name)
        weight_names = _layer_weight_names(layer, names)
        values = layer_weights.keras_values(layer._ordered_entries())
        save_attributes_to_hdf5_group(layer_group, "weight_names", weight_names)
        for name, value in zip(weight_names, values):
            dataset = layer_group.create_dataset(name, value.shape, dtype=value.dtype)
            if value.shape:
                dataset[:] = value
            else:
                dataset[()] = value
    if "top_level_model_weights" not in group:
        # tf.keras 2.x keeps the model's own (non-layer) weights here; kerastorch models have none.
        top = group.create_group("top_level_model_weights")
        save_attributes_to_hdf5_group(top, "weight_names", [])


def _write_model(model, handle, include_optimizer):
    handle.attrs["keras_version"] = model_config.KERAS_VERSION
    handle.attrs["backend"] = model_config.BACKEND
    handle.attrs["model_config"] = json.dumps(model_config.architecture(model), default=model_config.json_default)
    save_weights_to_hdf5_group(handle.create_group("model_weights"), model)
    if not include_optimizer or getattr(model, "optimizer", None) is None:
        return
    training = model_config.training_config(model)
    if training is None:
        return
    handle.attrs["training_config"] = json.dumps(training, default=model_config.json_default)
    entries = optimizer_state.weights_for_saving(model.optimizer, model, qualified_weight_names(model))
    if entries:
        group = handle.create_group("optimizer_weights")
        save_attributes_to_hdf5_group(group, "weight_names", [name for name, _ in entries])
        for name, value in entries:
            value = np.asarray(value)
            dataset = group.create_dataset(name, value.shape, dtype=value.dtype)
            if value.shape:
                dataset[:] = value
            else:
                dataset[()] = value


def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None, **kwargs):
    """Saves architecture, weights and optimizer state in one file (Keras 2 HDF5 layout, atomically).

    Args:
        model: the model.
        filepath: path (str or PathLike) or an open h5py File/Group; a `.pt`/`.pth` path (or
            save_format='torch') writes a torch checkpoint instead.
        overwrite: when False and the file exists, ask on stdin before replacing it.
        include_optimizer: also save the training config and the optimizer state.
        save_format: None (from the path), 'h5' or 'torch'.
        **kwargs: tf.keras `signatures`/`options`/`save_traces`, accepted and ignored.
    """
    for key in _IGNORED_SAVE_KWARGS:
        kwargs.pop(key, None)
    if kwargs:
        raise TypeError(f"save() got unexpected keyword argument(s): {', '.join(sorted(kwargs))}.")
    if getattr(model, "_graph", None) is None:
        raise ValueError(
            f"Model '{getattr(model, 'name', model)}' cannot be saved with its architecture: it is not built or it "
            "is a subclassed model (its structure is Python code). Use `save_weights()`, or define it with the "
            "Sequential or functional API."
        )
    fmt = _save_format(filepath, save_format, "save")
    if fmt == "torch":
        from kerastorch.saving import torch_format

        return torch_format.save_model(model, filepath, overwrite=overwrite, include_optimizer=include_optimizer)
    _require_h5py()
    if _is_h5py_object(filepath):
        _write_model(model, filepath, include_optimizer)
        return None

    def write(path):
        with h5py.File(path, "w") as handle:
            _write_model(model, handle, include_optimizer)

    atomic_write(filepath, write, overwrite=overwrite)
    return None


def save_weights(model, filepath, overwrite=True, save_format=None):
    """Saves the weights in the Keras 2 HDF5 layout (any file name), atomically.

    Args:
        model: the model.
        filepath: path (str or PathLike) or an open h5py File/Group; a `.pt`/`.pth` path (or
            save_format='torch') writes a torch state_dict instead.
        overwrite: when False and the file exists, ask on stdin before replacing it.
        save_format: None (from the path), 'h5' or 'torch'.
    """
    fmt = _save_format(filepath, save_format, "save_weights")
    if fmt == "torch":
        from kerastorch.saving import torch_format

        return torch_format.save_weights(model, filepath, overwrite=overwrite)
    _require_h5py()
    if _is_h5py_object(filepath):
        save_weights_to_hdf5_group(filepath, model)
        return None

    def write(path):
        with h5py.File(path, "w") as handle:
            save_weights_to_hdf5_group(handle, model)

    atomic_write(filepath, write, overwrite=overwrite)
    return None


# ---------------------------------------------------------------------------------------------
# Reading weights
# ---------------------------------------------------------------------------------------------
def _versions(group):
    version = _decode(group.attrs["keras_version"]) if "keras_version" in group.attrs else "1"
    backend_name = _decode(group.attrs["backend"]) if "backend" in group.attrs else None
    return version, backend_name


def _saved_layer(group, name):
    layer_group = group[name]
    weight_names = load_attributes_from_hdf5_group(layer_group, "weight_names")
    return weight_names, [np.asarray(layer_group[weight_name]) for weight_name in weight_names]


def _assign_layer(layer, values, position, saved_name, skip_mismatch, name_map, saved_weight_names):
    """Sets one layer's weights from saved arrays (Keras layout), checking counts and shapes."""
    entries = layer._ordered_entries()
    who = f'Layer #{position} (named "{layer.name}" in the current model, "{saved_name}" in the file)'
    if len(values) != len(entries):
        message = (
            f"{who} expects {len(entries)} weight(s) ({', '.join(spec.name for _, spec in entries)}), but the saved "
            f"weights have {len(values)} element(s)."
        )
        if skip_mismatch:
            warnings.warn(f"Skipping loading of weights for layer {layer.name!r}: {message}", stacklevel=5)
            return
        raise ValueError(message)
    checked = []
    for (owner, spec), value in zip(entries, values):
        expected = tuple(spec.keras_shape)
        variable = spec.name in getattr(owner, "_variable_shape_weights", ())  # the layer checks it
        if tuple(value.shape) != expected and not variable:
            message = (
                f"{who}: weight '{spec.name}' has shape {expected}, but the saved weight has shape "
                f"{tuple(value.shape)}."
            )
            if skip_mismatch:
                warnings.warn(
                    f"Skipping loading of weight {spec.name!r} of layer {layer.name!r}: {message}", stacklevel=5
                )
                continue
            raise ValueError(message)
        checked.append((owner, spec, value))
    with torch.no_grad():
        for owner, spec, value in checked:
            owner._assign_weight(spec, value)
    for weight_name, (owner, spec) in zip(saved_weight_names, entries):
        name_map[weight_name.rsplit(":", 1)[0]] = owner._parameters[spec.attr]


def load_weights_from_hdf5_group(group, layers, skip_mismatch=False, reshape=False):
    """Topological loading: the i-th layer with weights in the file goes to the i-th layer with weights.

    Args:
        group: the h5py Group holding `layer_names` (a weights file, or `model_weights` of a model file).
        layers: the model's layers.
        skip_mismatch: warn and skip layers/weights whose count or shape differs instead of raising.
        reshape: reshape conv kernels of the right size but another shape.

    Returns:
        {saved weight name without ':0': parameter} for the weights that were set.
    """
    version, backend_name = _versions(group)
    filtered_layers = [layer for layer in layers if layer.weights]
    layer_names = load_attributes_from_hdf5_group(group, "layer_names")
    filtered_names = [
        name for name in layer_names if name in group and load_attributes_from_hdf5_group(group[name], "weight_names")
    ]
    if len(filtered_names) != len(filtered_layers):
        raise ValueError(
            f"You are trying to load a weight file containing {len(filtered_names)} layers with weights "
            f"({filtered_names}) into a model with {len(filtered_layers)} layers with weights "
            f"({[layer.name for layer in filtered_layers]}). Use by_name=True to load the layers whose names match."
        )
    name_map = {}
    for position, (name, layer) in enumerate(zip(filtered_names, filtered_layers)):
        weight_names, values = _saved_layer(group, name)
        values = legacy_weights.preprocess_weights_for_loading(layer, values, version, backend_name, reshape=reshape)
        _assign_layer(layer, values, position, name, skip_mismatch, name_map, weight_names)
    return name_map


def load_weights_from_hdf5_group_by_name(group, layers, skip_mismatch=False, reshape=False):
    """Name-based loading: each layer of the file goes to the model layer of the same name (others skipped).

    Args:
        group: the h5py Group holding `layer_names`.
        layers: the model's layers.
        skip_mismatch: warn and skip layers/weights whose count or shape differs instead of raising.
        reshape: reshape conv kernels of the right size but another shape.

    Returns:
        {saved weight name without ':0': parameter} for the weights that were set.
    """
    version, backend_name = _versions(group)
    index = {}
    for layer in layers:
        index.setdefault(layer.name, []).append(layer)
    name_map = {}
    for position, name in enumerate(load_attributes_from_hdf5_group(group, "layer_names")):
        if name not in index or name not in group:
            continue
        weight_names, saved = _saved_layer(group, name)
        for layer in index[name]:
            if not layer.weights and not saved:
                continue
            values = legacy_weights.preprocess_weights_for_loading(layer, saved, version, backend_name, reshape=reshape)
            _assign_layer(layer, values, position, name, skip_mismatch, name_map, weight_names)
    return name_map


def _open(filepath):
    _require_h5py()
    if _is_h5py_object(filepath):
        return filepath, False
    return h5py.File(os.fspath(filepath), "r"), True


def _weights_group(handle):
    if "layer_names" in handle.attrs or "layer_names0" in handle.attrs:
        return handle
    if "model_weights" in handle:
        return handle["model_weights"]
    return None


def load_weights(model, filepath, by_name=False, skip_mismatch=False):
    """Loads weights saved by kerastorch, Keras 1/2, tf.keras 2.x or Keras 3 into `model`.

    Reads the Keras 2 layout (weights files and full model files), the `.weights.h5` layout of
    tf.keras >= 2.13 and Keras 3, Keras 3 `.keras` zips and kerastorch torch checkpoints.

    Args:
        model: the model (built, so that its weights exist).
        filepath: path or an open h5py File/Group.
        by_name: load into the layers of the same name (others are skipped) instead of by order.
        skip_mismatch: warn and skip layers or weights whose count or shape differs.
    """
    if not getattr(model, "built", False):
        raise ValueError(
            f"Unable to load weights into model '{model.name}': it is not built yet, so it has no weights. Build it "
            "first by calling it on a batch of data or with `model.build(input_shape)`."
        )
    if not _is_h5py_object(filepath):
        path = os.fspath(filepath)
        if not os.path.exists(path):
            raise FileNotFoundError(f"No such weights file: {path!r}")
        kind = file_kind(path)
        if kind == "torch":
            from kerastorch.saving import torch_format

            return torch_format.load_weights(model, path)
        if kind == "keras_zip":
            from kerastorch.saving import keras_v3

            return keras_v3.load_weights_from_zip(model, path, by_name=by_name, skip_mismatch=skip_mismatch)
        if kind != "hdf5":
            raise ValueError(
                f"{path!r} is not a weights file kerastorch can read (HDF5, .keras zip or torch checkpoint)."
            )
    handle, opened = _open(filepath)
    try:
        group = _weights_group(handle)
        if group is None:
            from kerastorch.saving import keras_v3

            if keras_v3.is_new_layout(handle):
                keras_v3.load_weights_from_group(handle, model, by_name=by_name, skip_mismatch=skip_mismatch)
                return None
            raise ValueError(
                f"{getattr(handle, 'filename', filepath)!r} holds no Keras weights (no 'layer_names' attribute, "
                "'model_weights' group or 'layers' group)."
            )
        layers = model.layers
        if by_name:
            load_weights_from_hdf5_group_by_name(group, layers, skip_mismatch=skip_mismatch)
        else:
            load_weights_from_hdf5_group(group, layers, skip_mismatch=skip_mismatch)
    finally:
        if opened:
            handle.close()
    return None


# ---------------------------------------------------------------------------------------------
# Reading models
# ---------------------------------------------------------------------------------------------
def compile_from_training_config(model, config, custom_objects=None):
    """Compiles `model` with a saved training config; returns True when it was compiled."""
    from kerastorch.saving import serialization

    args = model_config.compile_args_from_training_config(config, model.output_names, custom_objects)
    # Place the model first so that the optimizer state is created (and restored) on its device.
    place = getattr(model, "_target_device", None)
    if place is not None:
        place()
    with serialization.CustomObjectScope(custom_objects or {}):
        model.compile(**args)
    optimizer = model.optimizer
    if not optimizer.built and model.trainable_weights:
        optimizer.build(model.trainable_weights)
    return True


def _read_json_attr(handle, name):
    value = handle.attrs.get(name)
    if value is None:
        return None
    return json.loads(_decode(value))


def load_model_from_hdf5(handle, custom_objects=None, compile=True, safe_mode=True):
    """Rebuilds, fills and (optionally) compiles a model from an open HDF5 model file."""
    config = _read_json_attr(handle, "model_config")
    if config is None:
        raise ValueError(
            f"No model found in config file {getattr(handle, 'filename', '')!r}: it holds no 'model_config' "
            "attribute (a weights-only file?). Build the model and use `model.load_weights(path)` instead."
        )
    model = model_config.model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)
    group = _weights_group(handle)
    if group is None:
        raise ValueError(f"The model file {getattr(handle, 'filename', '')!r} has no 'model_weights' group.")
    name_map = load_weights_from_hdf5_group(group, model.layers)
    if not compile:
        return model
    training = _read_json_attr(handle, "training_config")
    if training is None:
        warnings.warn(
            "No training configuration found in save file: the model was *not* compiled. Compile it manually.",
            stacklevel=4,
        )
        return model
    compile_from_training_config(model, training, custom_objects)
    if "optimizer_weights" in handle and model.optimizer.built:
        optimizer_group = handle["optimizer_weights"]
        names = load_attributes_from_hdf5_group(optimizer_group, "weight_names")
        entries = [(name, np.asarray(optimizer_group[name])) for name in names]
        optimizer_state.restore_named(model.optimizer, model, entries, name_map)
    return model


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved by kerastorch, Keras 2.x, tf.keras 2.x or Keras 3.

    Formats: Keras HDF5 model files (any extension), Keras 3 `.keras` zips and kerastorch torch
    checkpoints, recognised by their content. With `compile=True` and a saved training config, the
    model is compiled with the saved optimizer, loss, metrics and loss weights and the optimizer
    state (iterations and slots) is restored, so training continues where it stopped.

    Args:
        filepath: path (str or PathLike) or an open h5py File.
        custom_objects: dict of user classes and functions by name used in the file.
        compile: compile the model from the saved training config.
        safe_mode: False allows loading Lambda layers stored as Python bytecode (trusted files only).
    """
    if _is_h5py_object(filepath):
        return load_model_from_hdf5(filepath, custom_objects, compile, safe_mode)
    path = os.fspath(filepath)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No file or directory found at {path!r}.")
    if os.path.isdir(path):
        raise ValueError(
            f"{path!r} is a directory (a TensorFlow SavedModel?). kerastorch loads Keras HDF5 files, Keras 3 "
            "'.keras' files and torch checkpoints."
        )
    kind = file_kind(path)
    if kind == "keras_zip":
        from kerastorch.saving import keras_v3

        return keras_v3.load_model_from_zip(path, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)
    if kind == "torch":
        from kerastorch.saving import torch_format

        return torch_format.load_model(path, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)
    if kind != "hdf5":
        raise ValueError(f"{path!r} is not a model file kerastorch can read (HDF5, .keras zip or torch checkpoint).")
    _require_h5py()
    with h5py.File(path, "r") as handle:
        return load_model_from_hdf5(handle, custom_objects, compile, safe_mode)
