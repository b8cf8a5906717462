"""Newer Keras files: the `.weights.h5` layout (tf.keras >= 2.13, Keras 3) and the Keras 3 `.keras` zip.

In the `.weights.h5` layout each layer of a model is a group `layers/<name>` whose `vars` group
holds datasets `0`, `1`, ... in the layer's weight order; sub-layers are child groups (`cell`,
`layer`, `forward_layer`, `backward_layer`, nested models' `layers/...`). `<name>` is the
snake-case class name made unique in layer order (`dense`, `dense_1`, ...); Keras 3 also records
the layer's own name in the `name` attribute of `vars`. The optimizer is `optimizer/vars`.
The `.keras` zip holds `config.json` (architecture and `compile_config`) and `model.weights.h5`.
"""

import io
import json
import re
import warnings
import zipfile

import numpy as np
import torch

from kerastorch.saving import model_config
from kerastorch.saving import optimizer_state

# Child groups of a layer, in the order their weights follow the layer's own.
_CHILD_ORDER = ("cell", "cells", "layer", "forward_layer", "backward_layer")


def keras3_snake_case(name):
    """Keras 3's `to_snake_case` (group names in `.weights.h5` files)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def is_new_layout(handle):
    """Whether an open HDF5 file/group uses the `.weights.h5` layout."""
    return "layers" in handle and "layer_names" not in handle.attrs


def _is_graph_model(layer):
    from kerastorch.engine import model as model_module

    return isinstance(layer, model_module.Model) and layer._graph is not None


def _class_key(layer):
    from kerastorch.engine import sequential

    if isinstance(layer, sequential.Sequential):
        return "sequential"
    if _is_graph_model(layer) and type(layer).__name__ == "Model":
        return "functional"
    return keras3_snake_case(type(layer).__name__)


def _generated_names(layers):
    used = {}
    names = []
    for layer in layers:
        base = _class_key(layer)
        if base in used:
            used[base] += 1
            names.append(f"{base}_{used[base]}")
        else:
            used[base] = 0
            names.append(base)
    return names


def _vars(group):
    if "vars" not in group:
        return []
    variables = group["vars"]
    keys = sorted((key for key in variables.keys() if key.isdigit()), key=int)
    return [np.asarray(variables[key]) for key in keys]


def _natural_key(name):
    match = re.match(r"^(.*?)(?:_(\d+))?$", name)
    return (match.group(1), int(match.group(2) or 0))


def _flatten(group):
    """All arrays of a layer group: its own vars, then its children in weight order."""
    arrays = _vars(group)
    children = [key for key in group.keys() if key != "vars" and hasattr(group[key], "keys")]
    ordered = [key for key in _CHILD_ORDER if key in children]
    ordered += sorted((key for key in children if key not in _CHILD_ORDER), key=_natural_key)
    for key in ordered:
        arrays.extend(_flatten(group[key]))
    return arrays


def _recorded_name(group):
    if "vars" in group and "name" in group["vars"].attrs:
        value = group["vars"].attrs["name"]
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)
    return None


def _find_groups(container, layers, by_name):
    """{id(layer): group} for the layers of a model.

    By order (Keras's rule): the generated names, falling back to the names Keras 3 records. By
    name: the recorded names, or a group named like the layer.
    """
    by_recorded = {}
    for key in container.keys():
        recorded = _recorded_name(container[key])
        if recorded is not None:
            by_recorded.setdefault(recorded, container[key])
    found = {}
    for layer, generated in zip(layers, _generated_names(layers)):
        if by_name:
            group = by_recorded.get(layer.name)
            if group is None and layer.name in container and _recorded_name(container[layer.name]) is None:
                group = container[layer.name]
        else:
            group = container[generated] if generated in container else by_recorded.get(layer.name)
        if group is not None:
            found[id(layer)] = group
    return found


def _assign(layer, arrays, skip_mismatch):
    entries = layer._ordered_entries()
    if len(arrays) != len(entries):
        message = (
            f"Layer '{layer.name}' expects {len(entries)} weight(s) "
            f"({', '.join(spec.name for _, spec in entries) or 'none'}), but the saved weights have {len(arrays)}."
        )
        if skip_mismatch:
            warnings.warn(f"Skipping loading of weights for layer '{layer.name}': {message}", stacklevel=4)
            return
        raise ValueError(message)
    checked = []
    for (owner, spec), value in zip(entries, arrays):
        if tuple(value.shape) != tuple(spec.keras_shape):
            message = (
                f"Layer '{layer.name}': weight '{spec.name}' has shape {tuple(spec.keras_shape)}, but the saved weight "
                f"has shape {tuple(value.shape)}."
            )
            if skip_mismatch:
                warnings.warn(
                    f"Skipping loading of weight '{spec.name}' of layer '{layer.name}': {message}", stacklevel=4
                )
                continue
            raise ValueError(message)
        checked.append((owner, spec, value))
    with torch.no_grad():
        for owner, spec, value in checked:
            owner._assign_weight(spec, value)


def _load_model_group(model, group, by_name, skip_mismatch):
    """Loads the layers of `model` from `group`; returns how many layers with weights were matched."""
    if "layers" not in group:
        if model.weights:
            raise ValueError(f"The weights file has no 'layers' group for model '{model.name}'.")
        return 0
    container = group["layers"]
    layers = list(model.layers)
    found = _find_groups(container, layers, by_name)
    matched = 0
    for layer in layers:
        layer_group = found.get(id(layer))
        if layer_group is None:
            if layer.weights and not by_name:
                raise ValueError(
                    f"The weights file has no group for layer '{layer.name}' ({type(layer).__name__}); it holds "
                    f"{sorted(container.keys())}. Load it with by_name=True to skip layers without saved weights."
                )
            continue
        if _is_graph_model(layer):
            matched += _load_model_group(layer, layer_group, by_name, skip_mismatch)
        elif layer.weights or _flatten(layer_group):
            _assign(layer, _flatten(layer_group), skip_mismatch)
            matched += 1
    return matched


def load_weights_from_group(handle, model, by_name=False, skip_mismatch=False):
    """Loads a `.weights.h5`-layout file (open h5py File/Group) into `model`.

    Args:
        handle: the open file (its root holds `layers`).
        model: the target model.
        by_name: skip layers that have no group of their name instead of raising.
        skip_mismatch: warn and skip layers whose weight count or shapes differ.
    """
    matched = _load_model_group(model, handle, by_name, skip_mismatch)
    if by_name and not matched and model.weights:
        warnings.warn(
            "load_weights(by_name=True) matched no layer of the model: this `.weights.h5` file names its groups "
            f"{sorted(handle['layers'].keys())} and records no layer names (tf.keras writes none). Load it by "
            "order (by_name=False) into the same architecture.",
            stacklevel=4,
        )


def _zip_member(archive, name):
    try:
        return archive.read(name)
    except KeyError:
        raise ValueError(f"The .keras file has no {name!r} entry; it holds {archive.namelist()}.") from None


def load_weights_from_zip(model, filepath, by_name=False, skip_mismatch=False):
    """Loads the weights of a Keras 3 `.keras` zip into `model`."""
    import h5py

    with zipfile.ZipFile(filepath) as archive:
        data = _zip_member(archive, "model.weights.h5")
    with h5py.File(io.BytesIO(data), "r") as handle:
        load_weights_from_group(handle, model, by_name=by_name, skip_mismatch=skip_mismatch)


def restore_optimizer_from_group(model, handle):
    """Restores the optimizer of a compiled model from the `optimizer/vars` group, if present."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or "optimizer" not in handle or not optimizer.built:
        return False
    values = _vars(handle["optimizer"])
    if not values:
        return False
    return optimizer_state.restore_interleaved(optimizer, model, values)


def load_model_from_zip(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a Keras 3 `.keras` model: architecture, weights, and (with compile) optimizer state."""
    import h5py

    from kerastorch.saving import hdf5

    with zipfile.ZipFile(filepath) as archive:
        config = json.loads(_zip_member(archive, "config.json").decode("utf-8"))
        weights = _zip_member(archive, "model.weights.h5")
    model = model_config.model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)
    with h5py.File(io.BytesIO(weights), "r") as handle:
        load_weights_from_group(handle, model)
        compile_config = config.get("compile_config") if compile else None
        if compile_config:
            hdf5.compile_from_training_config(model, compile_config, custom_objects)
            restore_optimizer_from_group(model, handle)
    return model
