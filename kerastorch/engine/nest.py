"""Nested structures of tensors: conversion to tensors, mapping, flattening and shapes."""

import numpy as np
import torch

from kerastorch import backend


def to_tensor(value, dtype=None):
    """numpy arrays / lists / scalars -> torch tensor (float arrays to floatx); tensors pass through."""
    if isinstance(value, torch.Tensor):
        return value
    array = np.asarray(value)
    if dtype is None and array.dtype.kind == "f":
        dtype = backend.standardize_dtype(None)
    tensor = torch.from_numpy(np.ascontiguousarray(array)) if array.dtype != object else torch.tensor(value)
    if dtype is not None:
        tensor = tensor.to(dtype)
    return tensor


def map_structure(fn, value):
    """Applies `fn` to every leaf of a nested list / tuple / dict, keeping the structure."""
    if isinstance(value, (list, tuple)):
        return type(value)(map_structure(fn, v) for v in value)
    if isinstance(value, dict):
        return {k: map_structure(fn, v) for k, v in value.items()}
    return fn(value)


def flatten(value):
    """The leaves of a nested list / tuple / dict, in order."""
    if isinstance(value, (list, tuple)):
        out = []
        for v in value:
            out.extend(flatten(v))
        return out
    if isinstance(value, dict):
        out = []
        for key in sorted(value):  # as tf.nest: a dict's leaves in sorted-key order
            out.extend(flatten(value[key]))
        return out
    return [value]


def pack_like(structure, flat):
    """The leaves `flat` arranged as `structure` (nested lists / tuples / dicts), the inverse of `flatten`."""
    leaves = iter(flat)

    def build(node):
        if isinstance(node, (list, tuple)):
            return type(node)(build(v) for v in node)
        if isinstance(node, dict):
            built = {key: build(node[key]) for key in sorted(node)}
            return {key: built[key] for key in node}
        return next(leaves)

    packed = build(structure)
    if next(leaves, None) is not None:
        raise ValueError(f"pack_like received more leaves ({len(flat)}) than the structure holds.")
    return packed


def is_nested_list(value):
    """True for a list / tuple holding another list / tuple (a model's outputs with per-cell states)."""
    return isinstance(value, (list, tuple)) and any(isinstance(v, (list, tuple)) for v in value)


def flatten_outputs(outputs):
    """A model's outputs as the flat list losses and predictions use: lists flattened, dicts by sorted key."""
    return flatten(outputs) if isinstance(outputs, (list, tuple, dict)) else [outputs]


def pack_outputs_like(structure, flat):
    """Flat per-output values shaped like the outputs `structure` (`flatten_outputs`'s inverse)."""
    if isinstance(structure, dict) or is_nested_list(structure):
        return pack_like(structure, flat)
    return flat[0] if len(flat) == 1 else list(flat)


def shape_of(value):
    """Shape tuple(s) of a tensor or nested structure of tensors."""
    if isinstance(value, (list, tuple)):
        return [shape_of(v) for v in value]
    return tuple(value.shape)
