"""Metric base classes: the stateful `Metric` kept on the input's device, `Reduce`/`Mean`/`Sum` and `MeanMetricWrapper`.

`Metric` objects accumulate totals in torch tensors that live on the device of the tensors they are
given; `update_state` never reads a value back to the host, and `result()` returns a 0-dim tensor,
so a training loop decides when to synchronise. Weighted means follow tf.keras 2:
`sum(w * value) / sum(w)` with `w` broadcast to the value shape, accumulated exactly across batches
of any size. The private tensor helpers here serve every metric module of the package.
"""

import functools

import numpy as np
import torch

from kerastorch import backend
from kerastorch import losses

__all__ = ["Metric", "Reduce", "Mean", "Sum", "MeanMetricWrapper"]


# ---------------------------------------------------------------------------------------------
# Tensor helpers
# ---------------------------------------------------------------------------------------------
def _as_tensor(value, dtype=None, device=None):
    """`value` as a torch tensor on `device` (if given), cast to `dtype` (if given)."""
    if isinstance(value, torch.Tensor):
        if (dtype is not None and value.dtype != dtype) or (device is not None and value.device != device):
            value = value.to(device=device, dtype=dtype)
        return value
    array = np.asarray(value)
    if dtype is None:
        dtype = backend.standardize_dtype(array.dtype.name if array.dtype.kind in "fiub" else None)
    return torch.as_tensor(array, dtype=dtype, device=device)


def _cast_predictions(y_pred, dtype):
    """Casts `y_pred`, keeping the logits cached by softmax/sigmoid for the probability metrics."""
    if y_pred.dtype == dtype:
        return y_pred
    logits = getattr(y_pred, "_keras_logits", None)
    y_pred = y_pred.to(dtype)
    if logits is not None:
        y_pred._keras_logits = logits.to(dtype)
    return y_pred


def _accumulator_dtype(device):
    # Totals and counts accumulate in float64 so epoch means stay exact over many batches;
    # MPS has no float64.
    return torch.float32 if device.type == "mps" else torch.float64


def _divide_no_nan(numerator, denominator):
    return torch.where(denominator != 0, numerator / denominator, torch.zeros_like(numerator))


# ---------------------------------------------------------------------------------------------
# Metric base class
# ---------------------------------------------------------------------------------------------
def _first_tensor(args, kwargs):
    for value in args:
        if isinstance(value, torch.Tensor):
            return value
    for value in kwargs.values():
        if isinstance(value, torch.Tensor):
            return value
    return None


def _stateful_update(update_state):
    """Wraps `update_state`: state follows the inputs' device, and no autograd graph is recorded."""
    if getattr(update_state, "_kerastorch_stateful", False):
        return update_state

    @functools.wraps(update_state)
    def wrapper(self, *args, **kwargs):
        tensor = _first_tensor(args, kwargs)
        if tensor is not None and tensor.device != self._device:
            self._move_states(tensor.device)
        with torch.no_grad():
            return update_state(self, *args, **kwargs)

    wrapper._kerastorch_stateful = True
    return wrapper


class Metric:
    """Base class of stateful metrics.

    Subclasses create their state in `__init__` with `self.add_weight(name, shape=(),
    initializer='zeros')` (a torch tensor stored as `self.<name>`), update it in place in
    `update_state(...)` (e.g. `self.total += values.sum()`), and compute `result()` from it.
    State moves to the device of the first tensor given to `update_state`.

    Args:
        name: name of the metric (default: the class name in snake_case).
        dtype: dtype of the result (default: floatx).
    """

    def __init__(self, name=None, dtype=None, **kwargs):
        if kwargs:
            raise TypeError(
                f"{type(self).__name__} got unexpected keyword arguments: {', '.join(sorted(kwargs))}. "
                "Metric accepts `name` and `dtype`."
            )
        self.name = name if name is not None else backend.to_snake_case(type(self).__name__)
        self._torch_dtype = backend.standardize_dtype(dtype)
        self._device = torch.device("cpu")
        self._state_names = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "update_state" in cls.__dict__:
            cls.update_state = _stateful_update(cls.__dict__["update_state"])

    @property
    def dtype(self):
        """The Keras name of the result dtype ('float32')."""
        return backend.dtype_name(self._torch_dtype)

    def add_weight(self, name, shape=(), initializer="zeros", dtype=None):
        """Creates a state tensor `self.<name>` on the metric's device.

        Args:
            name: attribute name of the state.
            shape: shape of the state.
            initializer: 'zeros', 'ones', or a number.
            dtype: dtype of the state (default: the metric dtype).
        """
        if initializer in (None, "zeros", "Zeros"):
            fill = 0.0
        elif initializer in ("ones", "Ones"):
            fill = 1.0
        elif isinstance(initializer, (int, float)):
            fill = float(initializer)
        else:
            raise ValueError(
                f"Metric {self.name!r}: `initializer` must be 'zeros', 'ones' or a number. "
                f"Received: initializer={initializer!r}"
            )
        dtype = self._torch_dtype if dtype is None else backend.standardize_dtype(dtype)
        if isinstance(shape, int):
            shape = (shape,)
        value = torch.full(tuple(shape), fill, dtype=dtype, device=self._device)
        setattr(self, name, value)
        if name not in self._state_names:
            self._state_names.append(name)
        self._initial_values = getattr(self, "_initial_values", {})
        self._initial_values[name] = fill
        return value

    def _move_states(self, device):
        for name in self._state_names:
            value = getattr(self, name)
            dtype = value.dtype
            if device.type == "mps" and dtype == torch.float64:
                dtype = torch.float32
            setattr(self, name, value.to(device=device, dtype=dtype))
        self._device = device

    @property
    def variables(self):
        """The state tensors, in creation order."""
        return [getattr(self, name) for name in self._state_names]

    weights = variables

    def get_weights(self):
        """The state as a list of NumPy arrays."""
        return [value.detach().cpu().numpy() for value in self.variables]

    def set_weights(self, weights):
        """Sets the state from a list of arrays.

        Args:
            weights: arrays matching `variables` in number and shapes.
        """
        if len(weights) != len(self._state_names):
            raise ValueError(f"Metric {self.name!r} expects {len(self._state_names)} weights. Received: {len(weights)}")
        for name, value in zip(self._state_names, weights):
            current = getattr(self, name)
            current.copy_(torch.as_tensor(np.asarray(value), dtype=current.dtype))

    def update_state(self, *args, **kwargs):
        """Accumulates statistics; subclasses override this.

        Args:
            *args: a mini-batch of inputs (usually `y_true, y_pred, sample_weight=None`).
            **kwargs: keyword inputs.
        """
        raise TypeError(f"{type(self).__name__} must override `update_state(...)`.")

    def result(self):
        """Returns the metric value as a 0-dim tensor; subclasses override this."""
        raise TypeError(f"{type(self).__name__} must override `result()`.")

    def _zero_states(self):
        initial = getattr(self, "_initial_values", {})
        for name in self._state_names:
            getattr(self, name).fill_(initial.get(name, 0.0))

    def reset_state(self):
        """Resets all state to its initial value (in place, on its device)."""
        if type(self).reset_states is not Metric.reset_states:
            return self.reset_states()
        self._zero_states()
        return None

    def reset_states(self):
        """Alias of `reset_state` (the Keras 2 spelling)."""
        if type(self).reset_state is not Metric.reset_state:
            return self.reset_state()
        self._zero_states()
        return None

    def __call__(self, *args, **kwargs):
        """Updates the state with a mini-batch and returns the current result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


# ---------------------------------------------------------------------------------------------
# Reductions of values
# ---------------------------------------------------------------------------------------------
_SUM = "sum"
_SUM_OVER_BATCH_SIZE = "sum_over_batch_size"
_WEIGHTED_MEAN = "weighted_mean"


class Reduce(Metric):
    """Accumulates a reduction ('sum', 'sum_over_batch_size' or 'weighted_mean') of values.

    Args:
        reduction: 'sum', 'sum_over_batch_size' or 'weighted_mean'.
        name: name of the metric.
        dtype: dtype of the result.
    """

    def __init__(self, reduction, name, dtype=None):
        if reduction not in (_SUM, _SUM_OVER_BATCH_SIZE, _WEIGHTED_MEAN):
            raise ValueError(
                "Reduce expects `reduction` to be 'sum', 'sum_over_batch_size' or 'weighted_mean'. "
                f"Received: reduction={reduction!r}"
            )
        super().__init__(name=name, dtype=dtype)
        self.reduction = reduction
        self.total = self.add_weight("total", dtype=_accumulator_dtype(self._device))
        if reduction != _SUM:
            self.count = self.add_weight("count", dtype=_accumulator_dtype(self._device))

    def update_state(self, values, sample_weight=None):
        """Adds a batch of values, optionally weighted.

        Args:
            values: tensor of values.
            sample_weight: None, a scalar, or weights broadcastable to `values` (after tf.keras rank
                alignment: `(batch,)` weights on `(batch, T)` values weight every timestep).
        """
        values = _as_tensor(values, device=self._device)
        accumulator = self.total.dtype
        values = values.to(accumulator)
        weights = None
        if sample_weight is not None:
            weights = _as_tensor(sample_weight, dtype=accumulator, device=values.device)
            values, _, weights = losses.squeeze_or_expand_dimensions(values, None, weights)
            try:
                weights = torch.broadcast_to(weights, values.shape)
            except RuntimeError:
                if weights.dim() >= values.dim():
                    raise ValueError(
                        f"Metric {self.name!r}: `sample_weight` of shape {tuple(weights.shape)} cannot be "
                        f"broadcast to values of shape {tuple(values.shape)}."
                    ) from None
                # tf.keras reduces the values down to the weights' rank instead.
                axes = tuple(range(weights.dim(), values.dim()))
                values = values.sum(dim=axes) if self.reduction == _SUM else values.mean(dim=axes)
                weights = torch.broadcast_to(weights, values.shape)
            values = values * weights
        self.total += torch.sum(values)
        if self.reduction == _SUM:
            return
        if self.reduction == _WEIGHTED_MEAN and weights is not None:
            self.count += torch.sum(weights)
        else:
            self.count += values.numel()

    def result(self):
        if self.reduction == _SUM:
            return self.total.to(self._torch_dtype)
        return _divide_no_nan(self.total, self.count).to(self._torch_dtype)

    def get_config(self):
        return Metric.get_config(self)


class Mean(Reduce):
    """Weighted mean of the values given to `update_state(values, sample_weight=None)`.

    Args:
        name: name of the metric.
        dtype: dtype of the result.
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(_WEIGHTED_MEAN, name=name, dtype=dtype)


class Sum(Reduce):
    """Weighted sum of the values given to `update_state(values, sample_weight=None)`.

    Args:
        name: name of the metric.
        dtype: dtype of the result.
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(_SUM, name=name, dtype=dtype)


class MeanMetricWrapper(Mean):
    """Weighted mean of a per-sample function `fn(y_true, y_pred, **kwargs)`.

    Args:
        fn: the metric function.
        name: name of the metric (default: the function's name).
        dtype: dtype of the result; inputs are cast to it as tf.keras does.
        **kwargs: keyword arguments passed to `fn`.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"MeanMetricWrapper expects a callable `fn`. Received: fn={fn!r}")
        super().__init__(name=name or getattr(fn, "__name__", None) or "mean_metric_wrapper", dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds a batch.

        Args:
            y_true: ground truth values.
            y_pred: predicted values.
            sample_weight: optional per-sample (or per-timestep) weights.
        """
        y_pred = _cast_predictions(_as_tensor(y_pred, device=self._device), self._torch_dtype)
        y_true = _as_tensor(y_true, dtype=self._torch_dtype, device=y_pred.device)
        y_pred, y_true = losses.squeeze_or_expand_dimensions(y_pred, y_true)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        mask = getattr(values, "_keras_mask", None)
        if mask is not None:
            # Entries masked by the function (e.g. `ignore_class`) leave the weighted mean.
            mask = mask.to(values.dtype)
            if sample_weight is not None:
                weights = _as_tensor(sample_weight, dtype=values.dtype, device=values.device)
                mask, _, weights = losses.squeeze_or_expand_dimensions(mask, None, weights)
                mask = mask * weights
            sample_weight = mask
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        if type(self) is MeanMetricWrapper:
            # The family's registry lives in the package, which imports this module first.
            from kerastorch import metrics

            config["fn"] = metrics.serialize(self._fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls is MeanMetricWrapper:
            from kerastorch import metrics

            fn = metrics.get(config.pop("fn"))
            return cls(fn, **config)
        config.pop("fn", None)
        return cls(**config)
