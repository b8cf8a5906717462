"""Optimizer state in saved files: tf.keras / Keras 3 names and layouts <-> kerastorch optimizer weights.

Files name optimizer weights in three ways, all understood when reading:

- tf.keras 2.0-2.10 (what kerastorch writes): `Adam/iter:0`, `Adam/dense_1/kernel/m:0`, every
  slot kind for all weights before the next kind (the Keras 2 order).
- tf.keras >= 2.11: `iteration:0`, `Adam/m/dense_1/kernel:0`, slots interleaved per weight.
- Keras 3: `adam/iteration`, `adam/learning_rate`, `adam/sequential_dense_kernel_momentum`.

Slots are matched to the model's weights through the weight names of the same file, never by
position, when the names allow it; files without usable names (standalone Keras 2.x) are read in
the Keras 2 order. Slot arrays are stored in Keras layout (a Conv2D slot is `(kh, kw, in, out)`),
as the weights are.
"""

import warnings

import numpy as np
import torch

from kerastorch import optimizers

# Slot names other Keras versions use, per kerastorch optimizer class: {saved name: our slot}.
SLOT_ALIASES = {
    "SGD": {"momentum": "momentum", "m": "momentum"},
    "RMSprop": {"rms": "rms", "velocity": "rms"},
    "Adagrad": {"accumulator": "accumulator"},
    "Adadelta": {
        "accum_grad": "accum_grad",
        "accum_var": "accum_var",
        "accumulated_grad": "accum_grad",
        "accumulated_delta_var": "accum_var",
    },
    "Adam": {"m": "m", "v": "v", "vhat": "vhat", "momentum": "m", "velocity": "v", "velocity_hat": "vhat"},
    "Adamax": {"m": "m", "v": "v", "u": "v", "momentum": "m", "norm": "v"},
    "Nadam": {"m": "m", "v": "v", "momentum": "m", "velocity": "v"},
}
_ITERATION_NAMES = ("iter", "iterations", "iteration")
_CACHE_NAMES = ("momentum_cache", "u_product", "m_schedule")
_LEARNING_RATE_NAMES = ("learning_rate", "lr")


def _slot_aliases(optimizer):
    for klass in type(optimizer).__mro__:
        if klass.__name__ in SLOT_ALIASES:
            return SLOT_ALIASES[klass.__name__]
    return {name: name for name in optimizer.get_slot_names()}


def _layouts(model):
    """{id(param): spec} for every weight of the model (its layout and Keras shape)."""
    return {id(owner._parameters[spec.attr]): spec for owner, spec in model._ordered_entries()}


def _to_keras(array, spec):
    if spec is None or spec.layout is None:
        return np.asarray(array)
    return spec.layout.to_keras(torch.as_tensor(np.asarray(array))).numpy()


def _to_torch(array, spec, what="slot"):
    array = np.asarray(array)
    if spec is not None and tuple(array.shape) != tuple(spec.keras_shape):
        raise ValueError(
            f"the saved {what} for weight '{spec.name}' has shape {tuple(array.shape)}, expected "
            f"{tuple(spec.keras_shape)}"
        )
    if spec is None or spec.layout is None:
        return array
    return spec.layout.to_torch(torch.as_tensor(np.ascontiguousarray(array))).numpy()


def _is_torch_optimizer(optimizer):
    return isinstance(optimizer, optimizers.TorchOptimizer)


def _prime_torch_state(optimizer):
    """Creates the state of a wrapped torch optimizer (torch creates it lazily at the first step).

    Runs one step with zero gradients and a zero learning rate, which leaves the parameters
    unchanged; the saved state then overwrites what it created.
    """
    wrapped = optimizer.optimizer
    params = [p for group in wrapped.param_groups for p in group["params"]]
    if any(wrapped.state.get(p) for p in params):
        return
    saved_lrs = [group["lr"] for group in wrapped.param_groups]
    saved_grads = [p.grad for p in params]
    try:
        for group in wrapped.param_groups:
            group["lr"] = torch.zeros_like(group["lr"]) if isinstance(group["lr"], torch.Tensor) else 0.0
        for p in params:
            p.grad = torch.zeros_like(p)
        with torch.no_grad():
            wrapped.step()
    finally:
        for group, lr in zip(wrapped.param_groups, saved_lrs):
            group["lr"] = lr
        for p, grad in zip(params, saved_grads):
            p.grad = grad


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------
def weights_for_saving(optimizer, model, param_names):
    """[(name, array)] of the optimizer state with tf.keras 2.0-2.10 names, slots in Keras layout.

    Args:
        optimizer: the model's (built) optimizer.
        model: the model (for the weight layouts).
        param_names: {id(param): weight name without ':0'} of the model's weights.
    """
    if not optimizer.built:
        return []
    prefix = optimizer.name
    params = list(optimizer._params)
    values = optimizer.get_weights()
    if _is_torch_optimizer(optimizer):
        entries = optimizer._state_entries()
        names = [f"{prefix}/iter:0"] + [f"{prefix}/{param_names.get(id(p), 'param')}/{key}:0" for p, key in entries]
        return _unique(list(zip(names, values)))
    layouts = _layouts(model)
    non_slots = [name for name, _ in optimizer._non_slot_variables()]
    result = []
    for name, value in zip(non_slots, values):
        result.append((f"{prefix}/{'iter' if name == 'iterations' else name}:0", value))
    position = len(non_slots)
    for slot in optimizer.get_slot_names():
        for param in params:
            value = _to_keras(values[position], layouts.get(id(param)))
            result.append((f"{prefix}/{param_names.get(id(param), 'param')}/{slot}:0", value))
            position += 1
    return _unique(result)


def _unique(pairs):
    seen = set()
    result = []
    for name, value in pairs:
        candidate, index = name, 1
        while candidate in seen:
            stem, colon, suffix = name.rpartition(":")
            candidate = f"{stem}_{index}:{suffix}" if colon else f"{name}_{index}"
            index += 1
        seen.add(candidate)
        result.append((candidate, value))
    return result


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------
def _parse_named(name, keys, underscored, aliases):
    """('iterations'|'cache'|'lr'|'slot', slot, param index) for one saved name, or None."""
    stem = name.rsplit(":", 1)[0] if ":" in name else name
    parts = stem.split("/")
    last = parts[-1]
    if last in _ITERATION_NAMES and len(parts) <= 2:
        return ("iterations", None, None)
    if last in _CACHE_NAMES and len(parts) <= 2:
        return ("cache", None, None)
    if last in _LEARNING_RATE_NAMES and len(parts) <= 2:
        return ("lr", None, None)
    if len(parts) >= 3:
        # tf.keras >= 2.11: <opt>/<slot>/<variable path>
        path = "/".join(parts[2:])
        if parts[1] in aliases and path in keys:
            return ("slot", aliases[parts[1]], keys[path])
        # tf.keras 2.0-2.10: <opt>/<variable path>/<slot>
        path = "/".join(parts[1:-1])
        if last in aliases and path in keys:
            return ("slot", aliases[last], keys[path])
    if len(parts) == 2:
        # Keras 3: <opt>/<variable path with '_'>_<slot>
        rest = parts[1]
        best = None
        for key, index in underscored.items():
            if rest.startswith(key + "_") and rest[len(key) + 1 :] in aliases:
                if best is None or len(key) > len(best[0]):
                    best = (key, index)
        if best is not None:
            return ("slot", aliases[rest[len(best[0]) + 1 :]], best[1])
    return None


def _assemble(optimizer, params, layouts, iterations, cache, slots):
    """Keras 2 ordered list (torch layout) from parsed parts; missing slots keep their current value."""
    current = optimizer.get_weights()
    non_slots = [name for name, _ in optimizer._non_slot_variables()]
    values = []
    for index, name in enumerate(non_slots):
        if name == "iterations" and iterations is not None:
            values.append(np.asarray(iterations).astype(np.int64))
        elif name == "momentum_cache":
            if cache is None:
                continue  # rebuilt from the iteration count by Nadam's set_weights
            values.append(np.asarray(cache, dtype=np.float32))
        else:
            values.append(current[index])
    position = len(non_slots)
    for slot in optimizer.get_slot_names():
        for index, param in enumerate(params):
            saved = slots.get((slot, index))
            if saved is None:
                values.append(current[position])
            else:
                values.append(_to_torch(saved, layouts.get(id(param)), f"{slot!r} slot"))
            position += 1
    return values


def _set(optimizer, values, learning_rate=None):
    optimizer.set_weights(values)
    if learning_rate is not None:
        optimizer.learning_rate = float(np.asarray(learning_rate).reshape(()))


def restore_named(optimizer, model, entries, name_map):
    """Restores the optimizer from saved (name, array) pairs (a `optimizer_weights` group).

    Args:
        optimizer: the model's optimizer, built on `model.trainable_weights`.
        model: the model.
        entries: list of (saved name, array) in file order.
        name_map: {saved weight name without ':0': param} for the model's weights.

    Returns:
        True when the state was restored; False (after a warning) when it could not be.
    """
    params = list(optimizer._params or [])
    if not entries:
        return True
    try:
        if _is_torch_optimizer(optimizer):
            _prime_torch_state(optimizer)
            _set(optimizer, [value for _, value in entries])
            return True
        layouts = _layouts(model)
        index_of = {id(p): i for i, p in enumerate(params)}
        keys = {}
        for name, param in name_map.items():
            if id(param) in index_of:
                keys[name] = index_of[id(param)]
        underscored = {name.replace("/", "_"): index for name, index in keys.items()}
        aliases = _slot_aliases(optimizer)
        parsed = [_parse_named(name, keys, underscored, aliases) for name, _ in entries]
        resolved = all(item is not None for item in parsed)
        has_slots = any(item is not None and item[0] == "slot" for item in parsed)
        if resolved and (has_slots or not optimizer.get_slot_names()):
            iterations = cache = learning_rate = None
            slots = {}
            for (kind, slot, index), (_, value) in zip(parsed, entries):
                if kind == "iterations":
                    iterations = value
                elif kind == "cache":
                    cache = value
                elif kind == "lr":
                    learning_rate = value
                else:
                    slots[(slot, index)] = value
            _set(optimizer, _assemble(optimizer, params, layouts, iterations, cache, slots), learning_rate)
            return True
        restore_positional(optimizer, model, [value for _, value in entries])
        return True
    except (ValueError, TypeError, RuntimeError) as error:
        warnings.warn(
            f"Error in loading the saved optimizer state ({error}). As a result, your model is starting with a "
            "freshly initialized optimizer.",
            UserWarning,
            stacklevel=3,
        )
        return False


def restore_positional(optimizer, model, values):
    """Restores the optimizer from arrays in the Keras 2 order (slots in Keras layout).

    Older Keras layouts of the same state (Keras 2.2.4 without iterations, Keras 2.3 Adam
    placeholders) are accepted as `optimizer.set_weights` accepts them.
    """
    values = [np.asarray(v) for v in values]
    if _is_torch_optimizer(optimizer):
        optimizer.set_weights(values)
        return
    params = list(optimizer._params or [])
    expected = len(optimizer.weights)
    adapted = optimizer._adapt_legacy_weights(values, expected)
    if len(adapted) != expected:
        raise ValueError(
            f"{optimizer.name} has {expected} state arrays but the file holds {len(values)} that could not be matched "
            "to the model's weights by name."
        )
    layouts = _layouts(model)
    non_slot_count = len(optimizer._non_slot_variables())
    converted = list(adapted[:non_slot_count])
    for offset, value in enumerate(adapted[non_slot_count:]):
        param = params[offset % len(params)] if params else None
        converted.append(_to_torch(value, layouts.get(id(param))))
    optimizer.set_weights(converted)


def restore_interleaved(optimizer, model, values):
    """Restores the optimizer from a `.weights.h5` / `.keras` optimizer group (tf.keras >= 2.11, Keras 3).

    Layout: `iteration` (Keras 3: then `learning_rate`), then for each trainable weight its slots
    in order (Adam: m, v); AMSGrad's `vhat` slots follow as a block.

    Returns:
        True when the state was restored; False (after a warning) when it could not be.
    """
    values = [np.asarray(v) for v in values]
    params = list(optimizer._params or [])
    slot_names = optimizer.get_slot_names()
    main = [slot for slot in slot_names if slot != "vhat"]
    count = len(params)
    extra = len(values) - count * len(slot_names)
    try:
        if _is_torch_optimizer(optimizer) or extra not in (1, 2):
            raise ValueError(
                f"{optimizer.name} expects 1 or 2 scalars and {len(slot_names)} slot(s) for each of {count} weights; "
                f"the file holds {len(values)} arrays."
            )
        learning_rate = values[1] if extra == 2 and values[1].ndim == 0 else None
        slots = {}
        for index in range(count):
            for k, slot in enumerate(main):
                slots[(slot, index)] = values[extra + index * len(main) + k]
        if "vhat" in slot_names:
            start = extra + count * len(main)
            for index in range(count):
                slots[("vhat", index)] = values[start + index]
        layouts = _layouts(model)
        _set(optimizer, _assemble(optimizer, params, layouts, values[0], None, slots), learning_rate)
        return True
    except (ValueError, TypeError, RuntimeError) as error:
        warnings.warn(
            f"Error in loading the saved optimizer state ({error}). As a result, your model is starting with a "
            "freshly initialized optimizer.",
            UserWarning,
            stacklevel=3,
        )
        return False
