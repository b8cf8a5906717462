"""The one loop: fit / evaluate / predict over a data adapter, with callbacks and validation."""

import collections.abc
import warnings

import torch

from kerastorch import callbacks as callbacks_module
from kerastorch.engine import execution
from kerastorch.engine import nest


class LazyLogs(collections.abc.Mapping):
    """Batch logs whose metric values are computed (on the device) only when someone reads them."""

    __slots__ = ("_compute", "_extra", "_cache")

    def __init__(self, compute, extra):
        self._compute = compute
        self._extra = extra
        self._cache = None

    def _values(self):
        if self._cache is None:
            values = dict(self._extra)
            values.update(self._compute())
            self._cache = values
        return self._cache

    def __getitem__(self, key):
        if self._cache is None and key in self._extra:
            return self._extra[key]
        return self._values()[key]

    def __iter__(self):
        return iter(self._values())

    def __len__(self):
        return len(self._values())


def _to_floats(logs):
    out = {}
    for key, value in logs.items():
        if isinstance(value, torch.Tensor):
            value = float(value.detach().float().cpu()) if value.numel() == 1 else value.detach().cpu().numpy()
        out[key] = value
    return out


def _make_callbacks(model, callbacks, verbose, add_history, count_mode, params):
    if isinstance(callbacks, callbacks_module.CallbackList):
        callback_list = callbacks
    else:
        # As tf.keras: the progress bar first (so it shows what later callbacks add), History last.
        progbar = [callbacks_module.ProgbarLogger(count_mode=count_mode)] if verbose else []
        callback_list = callbacks_module.CallbackList(
            progbar + list(callbacks or []), add_history=add_history, add_progbar=False, model=model
        )
    callback_list.set_model(model)
    callback_list.set_params(params)
    return callback_list


def _run_params(adapter, batch_size, epochs, verbose, do_validation, metrics):
    """Callback `params`: tf.keras 2's `epochs`, `steps` (batches per epoch, None when unknown) and
    `verbose`, with Keras 2.2.4's `batch_size`, `samples`, `do_validation` and `metrics`."""
    return {
        "batch_size": batch_size,
        "epochs": epochs,
        "steps": getattr(adapter, "steps_per_epoch", None),
        "samples": getattr(adapter, "num_samples", None) if adapter.count_mode == "samples" else None,
        "verbose": verbose,
        "do_validation": do_validation,
        "metrics": metrics,
    }


def _step_logs(model, batch_index, size):
    compiled = model._compiled
    return LazyLogs(compiled.results, {"batch": batch_index, "size": size})


def _batch_size_of(batch):
    xs = batch[0]
    first = xs[0] if isinstance(xs, (list, tuple)) else xs
    return int(first.shape[0])


def fit_loop(
    model,
    adapter,
    epochs,
    initial_epoch,
    verbose,
    callbacks,
    val_adapter,
    validation_freq,
    batch_size,
):
    """Trains `model` on the batches of `adapter`; returns the History callback."""
    adapter, val_adapter, verbose = execution.begin(model, adapter, val_adapter, verbose, "train")
    do_validation = val_adapter is not None
    metric_names = list(model.metrics_names)
    log_names = metric_names + (["val_" + name for name in metric_names] if do_validation else [])
    params = _run_params(adapter, batch_size, epochs, verbose, do_validation, log_names)
    callback_list = _make_callbacks(model, callbacks, verbose, True, adapter.count_mode, params)
    want_batch_begin = callback_list.needs_batch_hooks("train")
    model.stop_training = False
    model._train_counter = 0
    epoch_logs = None
    callback_list.on_train_begin()
    try:
        for epoch in range(initial_epoch, epochs):
            model.reset_metrics()
            model.train()
            callback_list.on_epoch_begin(epoch)
            steps_done = 0
            for step, batch in enumerate(adapter.epoch()):
                if want_batch_begin:
                    callback_list.on_train_batch_begin(step, {"batch": step, "size": _batch_size_of(batch)})
                logs = model.train_step(batch)
                steps_done += 1
                if want_batch_begin:
                    if logs is model._compiled or logs is None:
                        logs = _step_logs(model, step, _batch_size_of(batch))
                    else:
                        logs = dict(logs, batch=step, size=_batch_size_of(batch))
                    callback_list.on_train_batch_end(step, logs)
                if model.stop_training:
                    break
            if steps_done == 0 and epoch == initial_epoch:
                raise ValueError(
                    "The training data produced no batches. Check that x is not empty, that "
                    "steps_per_epoch is positive, and that a generator can produce `steps_per_epoch * epochs` "
                    "batches (a finite generator without steps_per_epoch is consumed by the first epoch)."
                )
            expected_steps = getattr(adapter, "steps_per_epoch", None)
            # A generator that runs out: the epoch ends (an empty one logs zeros, as tf.keras 2) and
            # training stops with a warning.
            ran_out = not model.stop_training and (
                steps_done == 0 or (expected_steps is not None and steps_done < expected_steps)
            )
            epoch_logs = _to_floats(execution.epoch_results(model, "train"))
            if do_validation and _should_validate(epoch, validation_freq):
                val_logs = evaluate_loop(model, val_adapter, verbose=0, callbacks=callback_list, in_fit=True)
                epoch_logs.update({"val_" + key: value for key, value in val_logs.items()})
            callback_list.on_epoch_end(epoch, epoch_logs)
            if model.stop_training:
                break
            if ran_out and epoch + 1 < epochs:
                warnings.warn(
                    "Your input ran out of data; interrupting training. Make sure that your dataset or generator "
                    "can generate at least `steps_per_epoch * epochs` batches (in this case, "
                    f"{(epochs - initial_epoch) * (expected_steps or steps_done)} batches).",
                    stacklevel=3,
                )
                break
    finally:
        model.eval()
        adapter.close()
        if val_adapter is not None:
            val_adapter.close()
    callback_list.on_train_end(epoch_logs)  # the last epoch's logs, as tf.keras 2
    return model.history


def _should_validate(epoch, validation_freq):
    if isinstance(validation_freq, int):
        if validation_freq < 1:
            raise ValueError(f"`validation_freq` should be a positive integer. Received: validation_freq={validation_freq!r}")
        return (epoch + 1) % validation_freq == 0
    if isinstance(validation_freq, collections.abc.Container):
        return (epoch + 1) in validation_freq
    raise ValueError(
        f"`validation_freq` should be an int or a list of epochs (1-based). Received: validation_freq={validation_freq!r}"
    )


def evaluate_loop(model, adapter, verbose=0, callbacks=None, in_fit=False):
    """Runs test_step over the adapter; returns {name: float} of exact sample-weighted means."""
    if in_fit:
        callback_list = callbacks
    else:
        adapter, _, verbose = execution.begin(model, adapter, None, verbose, "test")
        params = _run_params(adapter, getattr(adapter, "batch_size", None), 1, verbose, False, list(model.metrics_names))
        callback_list = _make_callbacks(model, callbacks, verbose, False, adapter.count_mode, params)
    want_batch = callback_list.needs_batch_hooks("test")
    if in_fit and hasattr(adapter, "rewind"):
        adapter.rewind()  # validation_steps: every validation starts from the first batch (tf.keras 2)
    was_training = model.training
    model.eval()
    model.reset_metrics()
    callback_list.on_test_begin()
    try:
        with torch.no_grad():
            for step, batch in enumerate(adapter.epoch()):
                if want_batch:
                    callback_list.on_test_batch_begin(step, {"batch": step, "size": _batch_size_of(batch)})
                logs = model.test_step(batch)
                if want_batch:
                    if logs is model._compiled or logs is None:
                        logs = _step_logs(model, step, _batch_size_of(batch))
                    callback_list.on_test_batch_end(step, logs)
        results = _to_floats(execution.epoch_results(model, "test"))
    finally:
        if not in_fit:
            adapter.close()
        model.train(was_training)
    callback_list.on_test_end(results)
    return results


def predict_loop(model, adapter, verbose=0, callbacks=None):
    """Runs predict_step over the adapter; returns NumPy outputs (a list for several outputs)."""
    adapter, _, verbose = execution.begin(model, adapter, None, verbose, "predict")
    params = _run_params(adapter, getattr(adapter, "batch_size", None), 1, verbose, False, [])
    callback_list = _make_callbacks(model, callbacks, verbose, False, adapter.count_mode, params)
    want_batch = callback_list.needs_batch_hooks("predict")
    was_training = model.training
    model.eval()
    chunks = structure = None
    callback_list.on_predict_begin()
    try:
        with torch.no_grad():
            for step, batch in enumerate(adapter.epoch()):
                if want_batch:
                    callback_list.on_predict_batch_begin(step, {"batch": step, "size": _batch_size_of(batch)})
                outputs = model.predict_step(batch)
                flat = nest.flatten_outputs(outputs)
                if chunks is None:
                    structure = outputs
                    chunks = [[] for _ in flat]
                for index, value in enumerate(flat):
                    chunks[index].append(value.detach())
                if want_batch:
                    callback_list.on_predict_batch_end(step, {"batch": step, "size": _batch_size_of(batch), "outputs": outputs})
    finally:
        adapter.close()
        model.train(was_training)
    callback_list.on_predict_end()
    chunks = execution.gather_predictions(adapter, chunks)
    if chunks is None:
        raise ValueError("predict received no data: the input produced no batches.")
    arrays = [torch.cat(parts, dim=0).cpu().numpy() for parts in chunks]
    # Dict outputs give a dict, per-cell RNN states stay nested, as the model returns them.
    return nest.pack_outputs_like(structure, arrays)


def numpy_outputs(outputs):
    """NumPy copies of a batch's outputs: one array, a list, a dict, or nested lists of arrays."""
    outputs = list(outputs) if isinstance(outputs, tuple) else outputs
    return nest.map_structure(lambda output: output.detach().cpu().numpy(), outputs)


__all__ = ["fit_loop", "evaluate_loop", "predict_loop", "LazyLogs"]
