"""adapt() for preprocessing layers: batches from arrays, generators or Sequences, then reset/update/finalize."""

import math

import numpy as np
import torch

from kerastorch import backend
from kerastorch.engine.layer import Layer

__all__ = ["PreprocessingLayer"]


def _is_array_like(data):
    return isinstance(data, (np.ndarray, torch.Tensor, list, tuple, float, int, np.number))


def _array_batches(layer_name, data, batch_size, steps):
    """Batches of an in-memory array the way tf.keras 2's data handler cuts them."""
    data = data if isinstance(data, torch.Tensor) else np.asarray(data)
    if data.ndim == 0:
        raise ValueError(f"{layer_name}.adapt expects data with a batch axis. Received: a scalar {data!r}")
    num_samples = int(data.shape[0])
    for argument, value in (("batch_size", batch_size), ("steps", steps)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1):
            raise ValueError(
                f"{layer_name}.adapt expects `{argument}` to be a positive integer. Received: {argument}={value!r}"
            )
    if batch_size is None:
        # As tf.keras 2: 32 samples per batch, or the data split evenly over `steps` batches.
        batch_size = math.ceil(num_samples / steps) if steps is not None else 32
    num_batches = math.ceil(num_samples / batch_size)
    if steps is not None:
        num_batches = min(num_batches, steps)
    for index in range(num_batches):
        yield data[index * batch_size : (index + 1) * batch_size]


def _iterated_batches(layer_name, data, batch_size, steps):
    """Batches yielded by a generator, iterator or Sequence (each item is one batch)."""
    if batch_size is not None:
        raise ValueError(
            f"{layer_name}.adapt: do not pass `batch_size` with a generator or Sequence, which yield batches. "
            f"Received: batch_size={batch_size!r}"
        )
    if hasattr(data, "__getitem__") and hasattr(data, "__len__"):
        items = (data[index] for index in range(len(data)))
    else:
        try:
            items = iter(data)
        except TypeError:
            raise ValueError(
                f"{layer_name}.adapt expects a NumPy array, a tensor, a list, a generator or a Sequence of "
                f"arrays. Received: {type(data).__name__}"
            ) from None
    for index, item in enumerate(items):
        if steps is not None and index >= steps:
            break
        yield item


class PreprocessingLayer(Layer):
    """Base class of layers whose state is computed from data by `adapt()` (tf.keras 2's protocol).

    Subclasses implement `reset_state()`, `update_state(batch)` (one batch, a torch tensor) and
    `finalize_state()`; `adapt` builds the layer on the first batch's shape (batch axis unknown),
    resets it, feeds every batch, then finalizes.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._is_adapted = False

    @property
    def is_adapted(self):
        """Whether `adapt()` has been run on the layer."""
        return self._is_adapted

    def reset_state(self):
        """Resets the adapted statistics to their initial values."""

    def update_state(self, data):
        """Accumulates the statistics of one batch."""
        raise TypeError(f"{type(self).__name__} cannot be adapted.")

    def finalize_state(self):
        """Turns the accumulated statistics into the layer's state."""

    def adapt(self, data, batch_size=None, steps=None):
        """Computes the layer's state from data.

        Args:
            data: a NumPy array, tensor or list (cut into batches), or a generator, iterator or
                `Sequence` yielding batches.
            batch_size: samples per batch for array data (default 32, or the data split over
                `steps` batches); not allowed with generators and Sequences.
            steps: number of batches to use (default: all).
        """
        name = type(self).__name__
        if _is_array_like(data):
            batches = _array_batches(name, data, batch_size, steps)
        else:
            batches = _iterated_batches(name, data, batch_size, steps)
        if self.built:
            self.reset_state()
        seen = False
        for batch in batches:
            batch = self._adapt_tensor(batch)
            if not self.built:
                shape = (None,) + tuple(batch.shape[1:])
                self._build_on(shape, batch.device)
                if self._batch_input_shape is None:
                    # tf.keras 2 records the adapted rank as the layer's batch input shape.
                    self._batch_input_shape = self._adapted_batch_input_shape(batch.ndim)
            self.update_state(batch)
            seen = True
        if not seen:
            raise ValueError(f"{name}.adapt received no data (an empty array or generator).")
        self.finalize_state()
        self._is_adapted = True

    def _adapted_batch_input_shape(self, rank):
        """The batch input shape recorded by adapt: every size unknown, as tf.keras 2."""
        return (None,) * rank

    def _adapt_tensor(self, batch):
        if isinstance(batch, torch.Tensor):
            tensor = batch
        else:
            tensor = torch.as_tensor(np.asarray(batch))
        device = self._current_device()
        if device is not None and tensor.device != device:
            tensor = tensor.to(device)
        if tensor.ndim == 0:
            raise ValueError(f"{type(self).__name__}.adapt expects batches with a batch axis. Received: a scalar")
        return tensor

    def _infer_symbolic_output(self, inputs, kwargs):
        """Output shape and dtype of a symbolic call: the layer's compute dtype, whatever the input dtype."""
        return self.compute_output_shape(tuple(inputs.shape)), [backend.dtype_name(self._output_dtype())]

    def _output_dtype(self):
        return backend.standardize_dtype(self.compute_dtype)
