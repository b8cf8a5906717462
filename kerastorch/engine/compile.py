"""Compile: resolves losses, loss weights, metrics and sample-weight modes per output; computes the loss."""

import torch

from kerastorch import losses as losses_module
from kerastorch import metrics as metrics_module

_ACCURACY_NAMES = ("accuracy", "acc")
_CROSSENTROPY_NAMES = ("crossentropy", "ce")


class _Mean:
    """Batch-size weighted running mean of a scalar tensor; the count lives on the host (no sync)."""

    __slots__ = ("name", "total", "count")

    def __init__(self, name):
        self.name = name
        self.total = None
        self.count = 0

    def update(self, value, batch_size):
        value = value.detach()
        if value.dim():
            # A loss with reduction='none': its elements are averaged, each weighted by the batch
            # size, as tf.keras 2's loss Mean (sample_weight=batch size) does.
            batch_size = batch_size * value.numel()
            value = value.mean()
        value = value * batch_size
        self.total = value if self.total is None else self.total + value
        self.count += batch_size

    def result(self):
        if self.total is None:
            return torch.tensor(0.0)
        return self.total / self.count

    def reset(self):
        self.total = None
        self.count = 0


class _AddedMean(_Mean):
    """The running mean of an `add_metric` value: every element counts once (tf.keras 2's Mean
    without sample weights), so a scalar counts once per batch; the count stays on the host."""

    __slots__ = ()

    def update(self, value):
        value = value.detach()
        if not value.is_floating_point():
            value = value.float()
        total = value.sum() if value.dim() else value
        self.total = total if self.total is None else self.total + total
        self.count += value.numel()


def _per_output(value, output_names, what, output_keys=None):
    """Spreads a single value / list / dict over the outputs; errors name the missing or extra keys.

    Dict keys are output names, or (a model built on a dict of outputs) the keys of that dict.
    """
    count = len(output_names)
    if isinstance(value, dict):
        keys = list(output_keys) if output_keys is not None else list(output_names)
        unknown = [key for key in value if key not in output_names and key not in keys]
        if unknown:
            expected = output_names + [key for key in keys if key not in output_names]
            raise ValueError(
                f"Unknown entries in {what} dictionary: {unknown}. Only expected the following keys: {expected}"
            )
        return [value[name] if name in value else value.get(key) for name, key in zip(output_names, keys)]
    if isinstance(value, (list, tuple)) and not (what == "metrics" and count == 1):
        if len(value) != count:
            raise ValueError(
                f"When passing a list as {what}, it should have one entry per model output. "
                f"The model has {count} outputs ({output_names}), but you passed {what}={value!r}"
            )
        return list(value)
    return [value] * count


def _fn_name(obj):
    if isinstance(obj, str):
        return obj
    name = getattr(obj, "name", None)
    if isinstance(name, str):
        return name
    return getattr(obj, "__name__", type(obj).__name__)


class CompiledLoss:
    """Everything `compile()` decided: per-output losses, weights, metrics; computes and tracks them.

    Args:
        loss: a loss (name, function, Loss object), or a list/dict of them per output.
        metrics: list (every output), dict by output name, or list of lists.
        loss_weights: list or dict of scalars per output.
        sample_weight_mode: None / 'temporal', or a list/dict per output.
        weighted_metrics: like `metrics`, but weighted by sample weights.
        output_names: names of the model outputs.
        output_keys: for a model built on a dict of outputs, its keys (in output order); dicts
            passed to compile may use them instead of the output names.

    `loss=None`, or a dict or list without an entry for an output, leaves that output without a
    loss (tf.keras 2); the model then trains on the other outputs' losses and its `add_loss` losses.
    """

    def __init__(
        self, loss, metrics, loss_weights, sample_weight_mode, weighted_metrics, output_names, output_keys=None
    ):
        self.output_names = list(output_names)
        self.output_keys = None if output_keys is None else list(output_keys)
        count = len(self.output_names)
        self.loss_specs = [None] * count if loss is None else self._per_output(loss, "loss")
        self.loss_fns = [losses_module.get(spec) if spec is not None else None for spec in self.loss_specs]
        if loss_weights is None:
            self.loss_weights = [1.0] * count
        else:
            self.loss_weights = [1.0 if w is None else float(w) for w in self._per_output(loss_weights, "loss_weights")]
        modes = self._per_output(sample_weight_mode, "sample_weight_mode")
        for mode in modes:
            if mode not in (None, "temporal"):
                raise ValueError(
                    f"sample_weight_mode should be None or 'temporal'. Received: sample_weight_mode={mode!r}"
                )
        self.sample_weight_modes = modes
        self.metric_specs = self._spread_metrics(metrics, "metrics")
        self.weighted_metric_specs = self._spread_metrics(weighted_metrics, "weighted_metrics")
        self._loss_tracker = _Mean("loss")
        # As tf.keras 2: with several outputs, one `<output>_loss` per output that has a loss.
        self._output_trackers = {
            index: _Mean(f"{name}_loss")
            for index, name in enumerate(self.output_names)
            if count > 1 and self.loss_fns[index] is not None
        }
        self.metric_objects = None  # built on the first batch, once output shapes are known
        self.added_metrics = {}  # add_metric name -> _AddedMean, in the order first seen

    def _per_output(self, value, what):
        return _per_output(value, self.output_names, what, self.output_keys)

    def _spread_metrics(self, metrics, what):
        if metrics is None:
            return [[] for _ in self.output_names]
        if isinstance(metrics, dict):
            spread = self._per_output(metrics, what)
            return [([] if m is None else list(m) if isinstance(m, (list, tuple)) else [m]) for m in spread]
        if isinstance(metrics, (list, tuple)):
            if metrics and all(isinstance(m, (list, tuple)) for m in metrics):
                if len(metrics) != len(self.output_names):
                    raise ValueError(
                        f"When passing a list of lists as {what}, it should have one list per output "
                        f"({self.output_names}). Received: {metrics!r}"
                    )
                return [list(m) for m in metrics]
            return [list(metrics) for _ in self.output_names]
        return [[metrics] for _ in self.output_names]

    # -----------------------------------------------------------------------------------------
    def _resolve_metric(self, spec, index, y_pred_shape, y_true_shape=None):
        """A Metric object for `spec` on output `index`, resolving 'accuracy'/'crossentropy' as tf.keras.

        Binary from the loss or a last output dimension of 1; sparse from the loss, or (tf.keras 2)
        from integer-label targets: a lower rank than the output, or a last dimension of 1.
        """
        loss_fn = self.loss_fns[index]
        loss_name = losses_module.get_loss_name(loss_fn) if loss_fn is not None else ""
        is_binary = loss_name in ("binary_crossentropy", "BinaryCrossentropy") or (
            y_pred_shape is not None and len(y_pred_shape) > 0 and y_pred_shape[-1] == 1
        )
        is_sparse = loss_name in ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy")
        if not is_sparse and y_true_shape is not None and y_pred_shape is not None and len(y_pred_shape) > 0:
            is_sparse = len(y_true_shape) < len(y_pred_shape) or (
                len(y_true_shape) > 0 and y_true_shape[-1] == 1 and y_pred_shape[-1] > 1
            )
        if isinstance(spec, str) and spec in _ACCURACY_NAMES:
            if is_binary:
                fn = metrics_module.binary_accuracy
            elif is_sparse:
                fn = metrics_module.sparse_categorical_accuracy
            else:
                fn = metrics_module.categorical_accuracy
            return metrics_module.MeanMetricWrapper(fn, name=spec)
        if isinstance(spec, str) and spec in _CROSSENTROPY_NAMES:
            if is_binary:
                fn = losses_module.binary_crossentropy
            elif is_sparse:
                fn = losses_module.sparse_categorical_crossentropy
            else:
                fn = losses_module.categorical_crossentropy
            return metrics_module.MeanMetricWrapper(fn, name=spec)
        if isinstance(spec, metrics_module.Metric):
            return spec
        if isinstance(spec, type) and issubclass(spec, metrics_module.Metric):
            return spec()
        fn = metrics_module.get(spec)
        if isinstance(fn, metrics_module.Metric):
            return fn
        return metrics_module.MeanMetricWrapper(fn, name=spec if isinstance(spec, str) else _fn_name(fn))

    def _log_names(self):
        """[(output index, spec, weighted, log name)] in Keras order; weighted duplicates get a prefix."""
        multi = len(self.output_names) > 1
        entries, seen = [], set()
        for index, name in enumerate(self.output_names):
            for weighted, specs in ((False, self.metric_specs[index]), (True, self.weighted_metric_specs[index])):
                for spec in specs:
                    base = spec if isinstance(spec, str) else _fn_name(spec)
                    log_name = f"{name}_{base}" if multi else base
                    if weighted and log_name in seen:
                        log_name = f"{name}_weighted_{base}" if multi else f"weighted_{base}"
                    seen.add(log_name)
                    entries.append((index, spec, weighted, log_name))
        return entries

    def build_metrics(self, y_preds, y_trues=None):
        """Creates the metric objects once the output (and target) shapes are known."""
        self.metric_objects = [[] for _ in self.output_names]
        used = set()
        for index, spec, weighted, log_name in self._log_names():
            y_true = y_trues[index] if y_trues is not None and index < len(y_trues) else None
            true_shape = tuple(y_true.shape) if y_true is not None else None
            metric = self._resolve_metric(spec, index, tuple(y_preds[index].shape), true_shape)
            if id(metric) in used:
                # One Metric object given for several outputs: each output gets its own copy (tf.keras 2).
                metric = type(metric).from_config(metric.get_config())
            used.add(id(metric))
            self.metric_objects[index].append((log_name, metric, weighted))

    @property
    def metrics_names(self):
        names = ["loss"] + [t.name for t in self._output_trackers.values()]
        return names + [log_name for _, _, _, log_name in self._log_names()]

    # -----------------------------------------------------------------------------------------
    def __call__(self, y_trues, y_preds, sample_weights, regularization=None):
        """Total loss (scalar tensor) for one batch; updates the loss trackers."""
        total = None
        batch_size = int(y_preds[0].shape[0]) if y_preds[0].dim() else 1
        for index, loss_fn in enumerate(self.loss_fns):
            if loss_fn is None:
                continue
            y_true, y_pred = y_trues[index], y_preds[index]
            if y_true is None:
                raise ValueError(
                    f"No target was given for output '{self.output_names[index]}', which has a loss."
                )
            value = weighted_loss(loss_fn, y_true, y_pred, sample_weights[index] if sample_weights else None)
            if self._output_trackers:
                self._output_trackers[index].update(value, batch_size)
            weight = self.loss_weights[index]
            term = value if weight == 1.0 else value * weight
            total = term if total is None else total + term
        if regularization:
            dtype = regularization[0].dtype if total is None else total.dtype
            extra = torch.stack([r.to(dtype).reshape(()) for r in regularization]).sum()
            total = extra if total is None else total + extra
        if total is None:
            raise ValueError(
                "The model has no loss to optimize: compile() gave none of its outputs a loss and the model "
                "has no add_loss() losses. Pass `loss=` to compile()."
            )
        self._loss_tracker.update(total, batch_size)
        if total.dim():
            # A Loss object with reduction='none' leaves per-sample values: as tf.keras 2, the
            # gradient is that of their sum (and the logged loss their mean).
            total = total.sum()
        return total

    def update_metrics(self, y_trues, y_preds, sample_weights):
        if self.metric_objects is None:
            self.build_metrics(y_preds, y_trues)
        with torch.no_grad():
            for index, per_output in enumerate(self.metric_objects):
                if not per_output:
                    continue
                y_true, y_pred = y_trues[index], y_preds[index].detach()
                weight = sample_weights[index] if sample_weights else None
                for _, metric, weighted in per_output:
                    metric.update_state(y_true, y_pred, sample_weight=weight if weighted else None)

    def update_added_metrics(self, model):
        """Adds the values that `add_metric` recorded during the last call of `model` (and its layers)."""
        for layer in [model] + model._all_sublayers():
            for name, value in layer._call_metrics:
                tracker = self.added_metrics.get(name)
                if tracker is None:
                    tracker = self.added_metrics[name] = _AddedMean(name)
                tracker.update(value)

    def results(self):
        """{log name: 0-dim tensor} in metrics_names order, `add_metric` metrics last."""
        out = {"loss": self._loss_tracker.result()}
        for tracker in self._output_trackers.values():
            out[tracker.name] = tracker.result()
        for per_output in self.metric_objects or []:
            for log_name, metric, _ in per_output:
                out[log_name] = metric.result()
        for name, tracker in self.added_metrics.items():
            if name not in out:
                out[name] = tracker.result()
        return out

    def reset(self):
        for tracker in self.added_metrics.values():
            tracker.reset()
        self._loss_tracker.reset()
        for tracker in self._output_trackers.values():
            tracker.reset()
        for per_output in self.metric_objects or []:
            for _, metric, _ in per_output:
                metric.reset_states()


def weighted_loss(loss_fn, y_true, y_pred, sample_weight):
    """tf.keras 2 reduction: sum(sample_weight * per-sample loss) / number of loss elements."""
    if isinstance(loss_fn, losses_module.Loss):
        return loss_fn(y_true, y_pred, sample_weight=sample_weight)
    values = loss_fn(y_true, y_pred)
    if sample_weight is None:
        return values.mean()
    return losses_module.compute_weighted_loss(values, sample_weight)
