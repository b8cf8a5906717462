"""Numeric and categorical preprocessing layers of tf.keras 2: Normalization, Discretization, CategoryEncoding."""

import numpy as np
import torch

from kerastorch import backend
from kerastorch.layers import preprocessing_adapt
from kerastorch.layers.preprocessing_image import CenterCrop  # noqa: F401
from kerastorch.layers.preprocessing_image import Rescaling  # noqa: F401
from kerastorch.layers.preprocessing_image import Resizing  # noqa: F401

__all__ = ["Normalization", "Discretization", "CategoryEncoding", "Rescaling", "CenterCrop", "Resizing"]

_ENCODINGS = ("int", "one_hot", "multi_hot", "count")


def _listify(value):
    """Arrays and tensors as (nested) lists, for configs."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    return value


def _is_integer_dtype(dtype):
    try:
        torch_dtype = backend.standardize_dtype(dtype)
    except (TypeError, ValueError):
        return False
    return not torch_dtype.is_floating_point and not torch_dtype.is_complex and torch_dtype != torch.bool


def _check_sparse(layer_name, sparse):
    if sparse:
        raise ValueError(
            f"{layer_name} does not support sparse outputs: torch layers pass dense tensors. "
            f"Received: sparse={sparse!r}; use sparse=False."
        )


def _encode(indices, output_mode, depth, dtype, count_weights=None):
    """tf.keras's `encode_categorical_inputs`: int passthrough, or one/multi-hot or count vectors."""
    if output_mode == "int":
        return indices.to(dtype)
    original_shape = tuple(indices.shape)
    if indices.ndim == 0:
        indices = indices.unsqueeze(-1)
        if count_weights is not None:
            count_weights = count_weights.unsqueeze(-1)
    if output_mode == "one_hot" and indices.shape[-1] != 1:
        indices = indices.unsqueeze(-1)
        if count_weights is not None:
            count_weights = count_weights.unsqueeze(-1)
    if indices.ndim > 2:
        raise ValueError(
            "When output_mode is not 'int', the maximum supported output rank is 2. Received: "
            f"output_mode={output_mode!r} and input shape {original_shape}, which would result in output rank "
            f"{indices.ndim + 1 if output_mode == 'one_hot' and indices.shape[-1] != 1 else indices.ndim}."
        )
    flat = indices.reshape(-1, indices.shape[-1]).long()
    values = torch.ones(flat.shape, dtype=dtype, device=flat.device) if count_weights is None else count_weights
    values = values.reshape(flat.shape).to(dtype)
    counts = torch.zeros((flat.shape[0], depth), dtype=dtype, device=flat.device)
    counts.scatter_add_(1, flat, values)
    if output_mode in ("one_hot", "multi_hot"):
        counts = (counts > 0).to(dtype)
    return counts.reshape(indices.shape[:-1] + (depth,))


def _encoded_shape(input_shape, output_mode, depth):
    shape = list(input_shape)
    if output_mode == "int":
        return tuple(shape)
    if not shape:
        return (depth,)
    if output_mode == "one_hot" and shape[-1] != 1:
        return tuple(shape + [depth])
    return tuple(shape[:-1] + [depth])


class Normalization(preprocessing_adapt.PreprocessingLayer):
    """Shifts and scales inputs to zero mean and unit variance: `(x - mean) / sqrt(variance)`.

    `mean` and `variance` are given or learned by `adapt(data)`, with a separate value per index of
    the kept `axis` (axes). Adapted layers hold tf.keras 2's non-trainable weights `mean`,
    `variance` (the kept-axes shape) and `count` (int64), so tf.keras files load; given values
    are constants. The divisor is `max(sqrt(variance), K.epsilon())`, as tf.keras 2; with
    `invert=True` the layer computes `mean + x * max(sqrt(variance), K.epsilon())`.

    Args:
        axis: integer, tuple of integers or None: the axes with their own statistics (-1: one per
            feature); None for a single scalar mean and variance.
        mean: value(s) broadcast to the kept-axes shape; requires `variance`.
        variance: value(s) broadcast to the kept-axes shape; requires `mean`.
        invert: if True, undo the normalization instead.

    Input shape:
        Arbitrary, with known sizes along the kept axes.

    Output shape:
        Same as the input.

    Example:
        >>> layer = Normalization(axis=None)
        >>> layer.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0], "float32"))
        >>> layer(np.array([1.0, 2.0, 3.0], "float32"))
        tensor([-1.4142, -0.7071,  0.0000])
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int) and not isinstance(axis, bool):
            axis = (axis,)
        elif isinstance(axis, (list, tuple)) and all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
            axis = tuple(axis)
        else:
            raise TypeError(
                f"Normalization expects `axis` to be an int, a tuple of ints or None. Received: axis={axis!r}"
            )
        if (mean is None) != (variance is None):
            raise ValueError(
                "Normalization: when setting values directly, both `mean` and `variance` must be set. "
                f"Received: mean={mean!r} and variance={variance!r}"
            )
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert

    def build(self, input_shape):
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
            raise ValueError(
                "Normalization only accepts a single input. If you are passing a Python list or tuple as a "
                "single input, convert it to a NumPy array or a tensor."
            )
        input_shape = tuple(input_shape)
        rank = len(input_shape)
        if any(a < -rank or a >= rank for a in self.axis):
            raise ValueError(
                f"Normalization: all `axis` values must be in the range [-ndim, ndim). Received: ndim={rank}, "
                f"axis={self.axis}"
            )
        self._keep_axis = sorted(a % rank for a in self.axis)
        for a in self._keep_axis:
            if input_shape[a] is None:
                raise ValueError(
                    "Normalization: all `axis` values to be kept must have a known size. Received: "
                    f"axis={self.axis}, input shape {input_shape}, unknown size at index {a}"
                )
        self._reduce_axis = [a for a in range(rank) if a not in self._keep_axis]
        self._broadcast_shape = tuple(input_shape[a] if a in self._keep_axis else 1 for a in range(rank))
        stats_shape = tuple(input_shape[a] for a in self._keep_axis)
        dtype = self._output_dtype()
        if self.input_mean is None:
            self.mean = self.add_weight("mean", shape=stats_shape, dtype=dtype, initializer="zeros", trainable=False)
            self.variance = self.add_weight(
                "variance", shape=stats_shape, dtype=dtype, initializer="ones", trainable=False
            )
            self.count = self.add_weight("count", shape=(), dtype="int64", initializer="zeros", trainable=False)
            return
        try:
            mean = np.asarray(self.input_mean, dtype=np.float64) * np.ones(stats_shape)
            variance = np.asarray(self.input_variance, dtype=np.float64) * np.ones(stats_shape)
        except ValueError:
            raise ValueError(
                f"Normalization: `mean` and `variance` must broadcast to the kept-axes shape {stats_shape}. "
                f"Received: mean={self.input_mean!r}, variance={self.input_variance!r}"
            ) from None
        # Given statistics are constants (buffers follow the layer across devices, outside the weights).
        self.register_buffer("_static_mean", torch.as_tensor(mean, dtype=dtype).reshape(self._broadcast_shape), False)
        self.register_buffer(
            "_static_variance", torch.as_tensor(variance, dtype=dtype).reshape(self._broadcast_shape), False
        )

    def _adapted_batch_input_shape(self, rank):
        # tf.keras 2 records (None, ..., None), which its own load_model cannot rebuild (the kept axes
        # need sizes); the kept sizes are written here so saved models load again.
        return tuple(self._broadcast_shape[a] if a in self._keep_axis else None for a in range(rank))

    def _statistics(self):
        if self.input_mean is not None:
            return self._static_mean, self._static_variance
        return self.mean.reshape(self._broadcast_shape), self.variance.reshape(self._broadcast_shape)

    def call(self, inputs):
        inputs = inputs.to(self._output_dtype())
        mean, variance = self._statistics()
        scale = torch.clamp(torch.sqrt(variance), min=backend.epsilon())
        if self.invert:
            return mean + inputs * scale
        return (inputs - mean) / scale

    def reset_state(self):
        if self.input_mean is not None or not self.built:
            return
        with torch.no_grad():
            self.mean.zero_()
            self.variance.fill_(1.0)
            self.count.zero_()

    def update_state(self, data):
        """Merges one batch's mean and variance into the running statistics (tf.keras 2's formula)."""
        if self.input_mean is not None:
            raise ValueError(
                "Cannot adapt a Normalization layer initialized with static `mean` and `variance`. Received: "
                f"mean={self.input_mean!r}, variance={self.input_variance!r}"
            )
        data = data.to(self.mean.dtype)
        if self._reduce_axis:
            batch_mean = torch.mean(data, dim=self._reduce_axis)
            batch_variance = torch.mean((data - batch_mean.reshape(self._broadcast_shape)) ** 2, dim=self._reduce_axis)
            batch_count = int(np.prod([data.shape[a] for a in self._reduce_axis]))
        else:
            batch_mean, batch_variance, batch_count = data, torch.zeros_like(data), 1
        with torch.no_grad():
            total_count = self.count + batch_count
            batch_weight = torch.tensor(batch_count, dtype=self.mean.dtype, device=data.device) / total_count.to(
                self.mean.dtype
            )
            existing_weight = 1.0 - batch_weight
            total_mean = self.mean * existing_weight + batch_mean * batch_weight
            total_variance = (self.variance + (self.mean - total_mean) ** 2) * existing_weight + (
                batch_variance + (batch_mean - total_mean) ** 2
            ) * batch_weight
            self.mean.copy_(total_mean)
            self.variance.copy_(total_variance)
            self.count.copy_(total_count)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        if self.built:
            # The statistics fix the kept axes (an adapted layer first in a model gives Dense a size).
            for a in self._keep_axis:
                if a < len(shape) and shape[a] is None:
                    shape[a] = self._broadcast_shape[a]
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "axis": self.axis,
                "invert": self.invert,
                "mean": _listify(self.input_mean),
                "variance": _listify(self.input_variance),
            }
        )
        return config


def _summarize(values, epsilon):
    """tf.keras's quantile summary of one batch: every `step`-th sorted value, each weighing `step`."""
    values = np.sort(values.reshape(-1).astype(np.float32))
    increment = int(np.float32(values.size) / np.float32(1.0 / epsilon))
    step = max(increment, 1)
    boundaries = values[increment::step]
    return np.stack([boundaries, np.full(boundaries.shape, np.float32(step), dtype=np.float32)])


def _compress(summary, epsilon):
    """tf.keras's summary compression to about `1 / epsilon` bins (interpolated cumulative weights)."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_weight_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_weight_percents, summary[0])
    cum_weights = np.interp(percents, cum_weight_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype(np.float32)


def _merge_summaries(previous, following, epsilon):
    merged = np.concatenate((previous, following), axis=1)
    merged = merged[:, np.argsort(merged[0], kind="stable")]
    return _compress(merged, epsilon)


class Discretization(preprocessing_adapt.PreprocessingLayer):
    """Buckets values by ranges: `bin_boundaries=[0., 1., 2.]` gives bins `(-inf, 0)`, `[0, 1)`, `[1, 2)`, `[2, inf)`.

    The boundaries are given, or learned by `adapt(data)` with `num_bins`: tf.keras 2's approximate
    quantiles (per-batch summaries merged and compressed to `1 / epsilon` points), reproduced
    exactly; the layer then holds tf.keras's non-trainable `summary` weight (shape `(2, n)`,
    n growing with adapt). Integer inputs are compared with the float boundaries. The output is
    int64 bin indices (`output_mode='int'`) or one-hot / multi-hot / count vectors over the bins.

    Args:
        bin_boundaries: sorted list of boundaries; exclusive with `num_bins`.
        num_bins: number of bins to learn with `adapt()`.
        epsilon: quantile approximation error (tf.keras's summary resolution).
        output_mode: `'int'`, `'one_hot'`, `'multi_hot'` or `'count'`.
        sparse: only False (dense outputs).

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input for `'int'`; see CategoryEncoding for the other modes.

    Example:
        >>> layer = Discretization(bin_boundaries=[0.0, 1.0, 2.0])
        >>> layer(np.array([[-1.5, 1.0, 3.4, 0.5]], "float32"))
        tensor([[0, 2, 3, 1]])
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else backend.floatx()
        elif output_mode == "int" and not _is_integer_dtype(kwargs["dtype"]):
            # As tf.keras 2: 'int' outputs are int64 whatever float dtype is asked for.
            kwargs["dtype"] = "int64"
        super().__init__(**kwargs)
        if output_mode not in _ENCODINGS:
            raise ValueError(
                f"Discretization received an unknown `output_mode`. Received: output_mode={output_mode!r}; "
                f"expected one of {', '.join(_ENCODINGS)}."
            )
        _check_sparse("Discretization", sparse)
        if num_bins is not None and (isinstance(num_bins, bool) or not isinstance(num_bins, int) or num_bins < 0):
            raise ValueError(
                f"Discretization expects `num_bins` to be an integer >= 0. Received: num_bins={num_bins!r}"
            )
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(
                "Discretization: set either `num_bins` or `bin_boundaries`, not both. Received: "
                f"num_bins={num_bins!r} and bin_boundaries={bin_boundaries!r}"
            )
        bin_boundaries = _listify(bin_boundaries)
        if bin_boundaries is not None and any(b > a for a, b in zip(bin_boundaries[1:], bin_boundaries)):
            raise ValueError(
                f"Discretization expects sorted `bin_boundaries`. Received: bin_boundaries={bin_boundaries!r}"
            )
        self.input_bin_boundaries = bin_boundaries
        self.bin_boundaries = bin_boundaries if bin_boundaries is not None else []
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self._boundary_tensors = {}

    # Weights whose saved length may differ from the built one (tf.keras declares `summary` as
    # shape (2, None)); `_assign_weight` checks them, so file loaders skip their shape check.
    _variable_shape_weights = ("summary",)

    def build(self, input_shape):
        if self.input_bin_boundaries is not None:
            return
        self.summary = self.add_weight("summary", shape=(2, 0), dtype="float32", initializer="zeros", trainable=False)

    def _assign_weight(self, spec, value):
        """The `summary` weight changes length with adapt: it takes the shape of the assigned value."""
        if spec.name != "summary":
            return super()._assign_weight(spec, value)
        value = np.asarray(value, dtype=np.float32)
        if value.ndim != 2 or value.shape[0] != 2:
            raise ValueError(
                f"Discretization '{self.name}' weight 'summary' has shape (2, n), got an array of shape {value.shape}."
            )
        with torch.no_grad():
            self.summary.data = torch.as_tensor(value.copy(), device=self.summary.device)
        spec.keras_shape = tuple(value.shape)
        self.finalize_state()

    def reset_state(self):
        if self.input_bin_boundaries is not None or not self.built:
            return
        self._assign_weight(self._summary_spec(), np.zeros((2, 0), np.float32))

    def _summary_spec(self):
        return next(spec for spec in self._weight_specs if spec.name == "summary")

    def update_state(self, data):
        """Merges the quantile summary of one batch into the `summary` weight (tf.keras 2's algorithm)."""
        if self.input_bin_boundaries is not None:
            raise ValueError(
                "Cannot adapt a Discretization layer initialized with `bin_boundaries`; use `num_bins` instead. "
                f"Received: bin_boundaries={self.input_bin_boundaries!r}"
            )
        # Quantile summaries are small host-side NumPy work, as in tf.keras (a numpy_function there).
        summary = _summarize(data.detach().cpu().numpy(), self.epsilon)
        merged = _merge_summaries(summary, self.summary.detach().cpu().numpy(), self.epsilon)
        with torch.no_grad():
            self.summary.data = torch.as_tensor(merged, device=self.summary.device)
        self._summary_spec().keras_shape = tuple(merged.shape)

    def finalize_state(self):
        if self.input_bin_boundaries is not None or not self.built:
            return
        summary = self.summary.detach().cpu().numpy()
        self.bin_boundaries = _compress(summary, 1.0 / self.num_bins)[0, :-1].tolist() if self.num_bins else []
        self._boundary_tensors = {}

    def _boundaries(self, dtype, device):
        key = (dtype, device)
        if key not in self._boundary_tensors:
            # tf's Bucketize holds float32 boundaries.
            boundaries = torch.as_tensor(np.asarray(self.bin_boundaries, dtype=np.float32).reshape(-1))
            self._boundary_tensors[key] = boundaries.to(device=device, dtype=dtype)
        return self._boundary_tensors[key]

    def call(self, inputs):
        # Comparisons in float32 (float64 for float64 inputs), as tf's Bucketize with float boundaries.
        work_dtype = torch.float64 if inputs.dtype == torch.float64 else torch.float32
        values = inputs.to(work_dtype)
        indices = torch.bucketize(values, self._boundaries(work_dtype, values.device), right=True)
        depth = len(self.bin_boundaries) + 1
        return _encode(indices, self.output_mode, depth, self._output_dtype())

    def compute_output_shape(self, input_shape):
        return _encoded_shape(input_shape, self.output_mode, len(self.bin_boundaries) + 1)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "bin_boundaries": self.input_bin_boundaries,
                "num_bins": self.num_bins,
                "epsilon": self.epsilon,
                "output_mode": self.output_mode,
                "sparse": self.sparse,
            }
        )
        return config


class CategoryEncoding(preprocessing_adapt.PreprocessingLayer):
    """Encodes integer category ids in `[0, num_tokens)` as one-hot, multi-hot or count vectors.

    `'one_hot'` encodes each value (a last axis of size 1 is replaced, otherwise a new axis is
    added); `'multi_hot'` and `'count'` reduce the last axis (1 where an id appears / how many
    times, weighted by `count_weights` in `'count'` mode). Outputs are at most 2D, as tf.keras 2.
    Ids outside `[0, num_tokens)` raise an error (checked on the device for CUDA inputs). The
    output takes the layer's dtype (floatx).

    Args:
        num_tokens: the number of categories.
        output_mode: `'multi_hot'` (alias `'binary'`), `'one_hot'` or `'count'`.
        sparse: only False (dense outputs).

    Input shape:
        Scalar, 1D `(batch,)` or 2D `(batch, length)` integer ids.

    Output shape:
        `(batch, num_tokens)` (`(batch, length, num_tokens)` for 2D one-hot inputs is refused).

    Example:
        >>> CategoryEncoding(num_tokens=4, output_mode="one_hot")(np.array([3, 2, 0, 1]))[0]
        tensor([0., 0., 0., 1.])
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        if "max_tokens" in kwargs:
            num_tokens = kwargs.pop("max_tokens")
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(
                f"CategoryEncoding received an unknown `output_mode`. Received: output_mode={output_mode!r}; "
                "expected one of count, one_hot, multi_hot."
            )
        if num_tokens is None:
            raise ValueError(
                "CategoryEncoding: `num_tokens` must be set. If the number of tokens is not known beforehand, "
                "use an IntegerLookup layer instead. Received: num_tokens=None"
            )
        if isinstance(num_tokens, bool) or not isinstance(num_tokens, (int, np.integer)) or num_tokens < 1:
            raise ValueError(f"CategoryEncoding expects `num_tokens` >= 1. Received: num_tokens={num_tokens!r}")
        _check_sparse("CategoryEncoding", sparse)
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse

    def _check_range(self, inputs):
        if inputs.numel() == 0:
            return
        inside = torch.logical_and(inputs.min() >= 0, inputs.max() < self.num_tokens)
        message = f"CategoryEncoding: input values must be in the range 0 <= values < num_tokens={self.num_tokens}"
        if inputs.device.type in ("cpu", "meta"):
            if inputs.device.type == "cpu" and not bool(inside):
                raise ValueError(f"{message}. Received values in [{inputs.min().item()}, {inputs.max().item()}]")
        else:
            # No host sync on accelerators: the check runs on the device.
            torch._assert_async(inside, message)

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(
                    "CategoryEncoding: `count_weights` is only used when output_mode='count'. Received: "
                    f"output_mode={self.output_mode!r}"
                )
            count_weights = torch.as_tensor(count_weights, device=inputs.device).to(self._output_dtype())
        self._check_range(inputs)
        return _encode(inputs, self.output_mode, self.num_tokens, self._output_dtype(), count_weights)

    def compute_output_shape(self, input_shape):
        return _encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self):
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode, "sparse": self.sparse})
        return config
