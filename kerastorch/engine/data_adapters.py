"""Data adapters: arrays, generators, Sequence and DataLoader -> (x, y, sample_weight) batches on a device."""

import math

import numpy as np
import torch

from kerastorch import backend


# ---------------------------------------------------------------------------------------------
# Standardizing user data into per-input / per-output lists
# ---------------------------------------------------------------------------------------------
def to_list(value):
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def standardize(data, names, what, allow_missing=False):
    """Arrays for each of `names` from a single array, a list (in order) or a dict (by name)."""
    if data is None:
        return None
    if isinstance(data, dict):
        unknown = [key for key in data if key not in names]
        missing = [name for name in names if name not in data]
        if unknown:
            raise ValueError(
                f"Unknown key(s) {unknown} in the {what} dictionary. Expected keys: {names}"
            )
        if missing and not allow_missing:
            raise ValueError(
                f"Missing data for {what} {missing}. You passed a dictionary with keys {list(data)}; "
                f"expected keys: {names}"
            )
        return [data.get(name) for name in names]
    if isinstance(data, (list, tuple)) and not _is_row_list(data, len(names)):
        if len(data) != len(names):
            raise ValueError(
                f"The model expects {len(names)} {what} array(s) ({names}), but received a list of "
                f"{len(data)} arrays."
            )
        return list(data)
    if len(names) != 1:
        raise ValueError(
            f"The model expects {len(names)} {what} arrays ({names}), but received a single array. "
            "Pass a list or a dict keyed by name."
        )
    return [data]


def _is_row_list(data, count):
    """A plain Python list of numbers or rows (one array), as opposed to a list of arrays."""
    return count == 1 and bool(data) and not any(hasattr(item, "shape") for item in data)


def as_tensor(value, float_dtype=None):
    """numpy / list / tensor -> torch tensor on CPU (floats as floatx, other numbers unchanged)."""
    if value is None:
        return None
    if isinstance(value, torch.Tensor):
        tensor = value
    else:
        array = np.asarray(value)
        if array.dtype == object:
            raise TypeError(f"Cannot convert data of dtype object (a ragged list?) to a tensor: {value!r:.80}")
        if array.dtype.kind == "b":
            array = array.astype(np.float32)
        if array.dtype.kind in "US":
            raise TypeError(
                f"Received string data of dtype {array.dtype}; convert it to numbers first (e.g. with a Tokenizer)."
            )
        tensor = torch.from_numpy(np.ascontiguousarray(array))
    if tensor.is_floating_point() or tensor.dtype == torch.bool:
        tensor = tensor.to(float_dtype or backend.standardize_dtype(None))
    return tensor


def num_samples_of(arrays, what="x"):
    counts = {int(a.shape[0]) for a in arrays if a is not None}
    if len(counts) > 1:
        shapes = [tuple(a.shape) for a in arrays if a is not None]
        raise ValueError(f"All {what} arrays should have the same number of samples. Got array shapes: {shapes}")
    return counts.pop() if counts else 0


def class_weight_to_sample_weight(y, class_weight):
    """Per-sample weights from a {class: weight} dict, using argmax for one-hot targets."""
    y = y.detach().cpu() if isinstance(y, torch.Tensor) else torch.as_tensor(np.asarray(y))
    if y.dim() >= 2 and y.shape[-1] > 1:
        classes = y.argmax(dim=-1)
    elif y.dim() >= 2 and y.shape[-1] == 1:
        classes = y[..., 0].round().long() if y.is_floating_point() else y[..., 0].long()
    else:
        classes = y.round().long() if y.is_floating_point() else y.long()
    if classes.dim() > 1:
        raise ValueError(
            f"class_weight is not supported for targets of shape {tuple(y.shape)} (3+ dimensions); "
            "use sample_weight with sample_weight_mode='temporal' instead."
        )
    table = {int(k): float(v) for k, v in class_weight.items()}
    missing = sorted(set(classes.unique().tolist()) - set(table))
    if missing:
        raise ValueError(
            f"`class_weight` must contain all classes in the data. The classes {missing} exist in the data "
            f"but not in `class_weight`. Received: class_weight={class_weight!r}"
        )
    weights = np.array([table[int(c)] for c in classes.numpy()], dtype=np.float32)
    return torch.from_numpy(weights)


# ---------------------------------------------------------------------------------------------
# Array adapter
# ---------------------------------------------------------------------------------------------
class ArrayAdapter:
    """Batches in-memory arrays: moved to the device once, shuffled by index permutation.

    Args:
        xs, ys, sws: lists of CPU tensors (ys/sws may be None or contain None).
        batch_size: samples per batch.
        shuffle: True, False or 'batch' (shuffle in batch-sized chunks, as Keras).
        steps: batches per epoch (None: one pass over the data).
        device: torch device for the batches.
    """

    count_mode = "samples"

    def __init__(self, xs, ys, sws, batch_size, shuffle=False, steps=None, device=None):
        self.device = device or torch.device("cpu")
        self.xs = [to_device(x, self.device) for x in xs]
        self.ys = [to_device(y, self.device) for y in ys] if ys else None
        self.sws = [to_device(w, self.device) for w in sws] if sws else None
        self.num_samples = num_samples_of(list(xs) + list(ys or []) + [w for w in sws or [] if w is not None])
        if batch_size is None:
            # As tf.keras 2: with `steps` the data is spread evenly over the steps.
            batch_size = int(math.ceil(self.num_samples / steps)) if steps and self.num_samples else 32
        if not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"`batch_size` should be a positive integer. Received: batch_size={batch_size!r}")
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.steps = steps
        self._generator = None
        self._cursor = None
        # Data-parallel runs: an object whose order(perm) makes the shuffle rank 0's and whose
        # shard(start, stop) returns this rank's share of a global batch (None: skip it).
        self.sharding = None
        if steps is not None:
            self.count_mode = "steps"

    @property
    def steps_per_epoch(self):
        if self.steps is not None:
            return self.steps
        return int(math.ceil(self.num_samples / self.batch_size)) if self.num_samples else 0

    def _order(self):
        if self.shuffle == "batch":
            batches = int(math.ceil(self.num_samples / self.batch_size))
            perm = torch.randperm(batches).tolist()
            index = torch.arange(self.num_samples)
            chunks = [index[b * self.batch_size : (b + 1) * self.batch_size] for b in perm]
            return torch.cat(chunks).to(self.device) if chunks else index.to(self.device)
        if self.shuffle:
            return torch.randperm(self.num_samples).to(self.device)
        return None

    def _one_pass(self):
        order = self._order()
        sharding = self.sharding
        if sharding is not None:
            order = sharding.order(order)
        for start in range(0, self.num_samples, self.batch_size):
            stop = min(start + self.batch_size, self.num_samples)
            if sharding is not None:
                share = sharding.shard(start, stop)
                if share is None:
                    continue
                start, stop = share
            if order is None:
                take = slice(start, stop)
                yield (
                    [x[take] for x in self.xs],
                    [y[take] if y is not None else None for y in self.ys] if self.ys else None,
                    [w[take] if w is not None else None for w in self.sws] if self.sws else None,
                )
            else:
                index = order[start:stop]
                yield (
                    [x.index_select(0, index) for x in self.xs],
                    [y.index_select(0, index) if y is not None else None for y in self.ys] if self.ys else None,
                    [w.index_select(0, index) if w is not None else None for w in self.sws] if self.sws else None,
                )

    def epoch(self):
        """Yields the batches of one epoch."""
        if self.steps is None:
            yield from self._one_pass()
            return
        # With steps_per_epoch, epochs continue where the last one stopped (tf.keras semantics).
        produced = 0
        while produced < self.steps:
            if self._cursor is None:
                self._cursor = self._one_pass()
            for batch in self._cursor:
                yield batch
                produced += 1
                if produced >= self.steps:
                    return
            self._cursor = None
            if self.num_samples == 0:
                return

    def rewind(self):
        """The next epoch starts from the first batch (validation with `validation_steps`)."""
        self._cursor = None

    def close(self):
        self._cursor = None


def to_device(tensor, device):
    """Moves a batch to `device`; CPU -> CUDA goes through pinned memory with a non-blocking copy."""
    if tensor is None:
        return None
    if tensor.device == device:
        return tensor
    if device.type == "cuda" and tensor.device.type == "cpu":
        if not tensor.is_pinned():
            tensor = tensor.pin_memory()
        return tensor.to(device, non_blocking=True)
    return tensor.to(device)
