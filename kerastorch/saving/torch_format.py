"""Torch checkpoints (`.pt`): the model JSON, its state_dict and the optimizer state, saved with torch.save.

A checkpoint is a dict of strings and tensors only, so it is read back with
`torch.load(..., weights_only=True)` (no pickled code runs):

    {'format': 'kerastorch', 'keras_version': ..., 'model_config': <to_json text>,
     'training_config': <JSON text or None>, 'state_dict': model.state_dict(),
     'optimizer_weights': [tensors in optimizer.get_weights() order],
     'torch_optimizer_state': <state_dict of a wrapped torch.optim optimizer, when there is one>}
"""

import json
import os

import numpy as np
import torch

from kerastorch.saving import file_io
from kerastorch.saving import model_config

_FORMAT = "kerastorch"


def _state_dict_cpu(model):
    return {key: value.detach().cpu().clone() for key, value in model.state_dict().items()}


def _payload(model, include_optimizer):
    payload = {
        "format": _FORMAT,
        "keras_version": model_config.KERAS_VERSION,
        "model_config": json.dumps(model_config.architecture(model), default=model_config.json_default),
        "training_config": None,
        "state_dict": _state_dict_cpu(model),
        "optimizer_weights": [],
        "torch_optimizer_state": None,
    }
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and optimizer is not None:
        training = model_config.training_config(model)
        if training is not None:
            payload["training_config"] = json.dumps(training)
        if optimizer.built:
            payload["optimizer_weights"] = [torch.as_tensor(np.array(value)) for value in optimizer.get_weights()]
            wrapped = getattr(optimizer, "optimizer", None)
            if isinstance(wrapped, torch.optim.Optimizer):
                payload["torch_optimizer_state"] = wrapped.state_dict()
    return payload


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Writes a torch checkpoint of the model (atomically)."""
    payload = _payload(model, include_optimizer)
    file_io.atomic_write(filepath, lambda path: torch.save(payload, path), overwrite=overwrite)


def save_weights(model, filepath, overwrite=True):
    """Writes the model's state_dict as a torch checkpoint (atomically)."""
    payload = {"format": _FORMAT, "state_dict": _state_dict_cpu(model)}
    file_io.atomic_write(filepath, lambda path: torch.save(payload, path), overwrite=overwrite)


def _read(filepath):
    try:
        payload = torch.load(os.fspath(filepath), map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises several types for foreign or unsafe pickles
        raise ValueError(
            f"{os.fspath(filepath)!r} is not a kerastorch torch checkpoint that can be read safely ({error})."
        ) from None
    if not isinstance(payload, dict) or "state_dict" not in payload:
        if isinstance(payload, dict) and all(isinstance(v, torch.Tensor) for v in payload.values()):
            return {"state_dict": payload}
        raise ValueError(f"{os.fspath(filepath)!r} holds no kerastorch checkpoint (no 'state_dict' entry).")
    return payload


def _load_state_dict(model, state_dict):
    device = model._current_device() if hasattr(model, "_current_device") else None
    if device is not None:
        state_dict = {key: value.to(device) for key, value in state_dict.items()}
    result = model.load_state_dict(state_dict, strict=False)
    problems = []
    if result.missing_keys:
        problems.append(f"missing {result.missing_keys}")
    if result.unexpected_keys:
        problems.append(f"unexpected {result.unexpected_keys}")
    if problems:
        raise ValueError(f"The checkpoint does not match model '{model.name}': {'; '.join(problems)}.")


def load_weights(model, filepath):
    """Loads the state_dict of a torch checkpoint into `model` (keys and shapes must match)."""
    _load_state_dict(model, _read(filepath)["state_dict"])


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuilds a model from a torch checkpoint written by `save_model`."""
    from kerastorch.saving import hdf5

    payload = _read(filepath)
    if not payload.get("model_config"):
        raise ValueError(
            f"{os.fspath(filepath)!r} holds only weights (written by save_weights): build the model and use "
            "`model.load_weights(path)`."
        )
    model = model_config.model_from_json(payload["model_config"], custom_objects=custom_objects, safe_mode=safe_mode)
    _load_state_dict(model, payload["state_dict"])
    training = payload.get("training_config")
    if not compile or not training:
        return model
    hdf5.compile_from_training_config(model, json.loads(training), custom_objects)
    optimizer = model.optimizer
    if not optimizer.built:
        return model
    torch_state = payload.get("torch_optimizer_state")
    wrapped = getattr(optimizer, "optimizer", None)
    if torch_state is not None and isinstance(wrapped, torch.optim.Optimizer):
        wrapped.load_state_dict(torch_state)
        weights = payload.get("optimizer_weights") or []
        if weights:
            optimizer.iterations = int(weights[0])
        return model
    weights = [value.numpy() for value in payload.get("optimizer_weights") or []]
    if weights:
        optimizer.set_weights(weights)
    return model
