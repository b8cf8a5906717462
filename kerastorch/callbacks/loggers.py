"""Callbacks that report progress: History, BaseLogger, ProgbarLogger, CSVLogger, RemoteMonitor,
TerminateOnNaN and LambdaCallback."""

import collections.abc
import csv
import json
import os
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np
import torch

from kerastorch import distribute
from kerastorch.callbacks import base
from kerastorch.utils import generic_utils

__all__ = [
    "BaseLogger",
    "CSVLogger",
    "History",
    "LambdaCallback",
    "ProgbarLogger",
    "RemoteMonitor",
    "TerminateOnNaN",
]

# Keys of batch logs that describe the batch rather than measure the model.
_BATCH_INFO_KEYS = frozenset(["batch", "size", "num_steps"])


class _HistoryDict(dict):
    """`History.history`: a dict where a Keras 2.2.4 key (`history['val_acc']`) finds `val_accuracy`."""

    def __missing__(self, key):
        alias = base._accuracy_alias(key) if isinstance(key, str) else None
        if alias is not None and dict.__contains__(self, alias):
            return self[alias]
        raise KeyError(key)


class History(base.Callback):
    """Records the epoch logs; `fit` returns it.

    Attributes:
        history: dict mapping each log name to the list of its values, one per epoch.
        epoch: list of the 0-based epoch indices seen.
    """

    def __init__(self):
        super().__init__()
        self.history = _HistoryDict()
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epoch.append(epoch)
        for name, value in logs.items():
            self.history.setdefault(name, []).append(value)
        if self.model is not None:
            self.model.history = self


class BaseLogger(base.Callback):
    """Averages the batch logs over each epoch into the epoch logs (Keras 2).

    Every value of `on_batch_end` logs is weighted by the batch `size`; at the end of the
    epoch the averages of the names in `params['metrics']` are written into the epoch logs.

    Args:
        stateful_metrics: names whose last batch value is used as is instead of averaged.
    """

    def __init__(self, stateful_metrics=None):
        super().__init__()
        self.stateful_metrics = set(stateful_metrics or [])
        self.seen = 0
        self.totals = {}

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = 0
        self.totals = {}

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        batch_size = logs.get("size", 0)
        self.seen += batch_size * logs.get("num_steps", 1)
        for name, value in logs.items():
            if name in self.stateful_metrics:
                self.totals[name] = value
            elif name in self.totals:
                self.totals[name] += value * batch_size
            else:
                self.totals[name] = value * batch_size

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        for name in self.params.get("metrics", []):
            if name in self.totals:
                if name in self.stateful_metrics:
                    logs[name] = self.totals[name]
                elif self.seen:
                    logs[name] = self.totals[name] / self.seen


class TerminateOnNaN(base.Callback):
    """Stops training as soon as a batch loss is NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (np.isnan(loss) or np.isinf(loss)):
            print("Batch %d: Invalid loss, terminating training" % batch)
            self.model.stop_training = True


class ProgbarLogger(base.Callback):
    """Prints `Epoch 1/10` and a progress bar with the logged values (tf.keras 2 text).

    Batch logs hold the running epoch means (as in tf.keras 2), so values are shown as given,
    never averaged again. With `verbose=1` the bar is redrawn on a terminal; elsewhere, and
    with `verbose=2`, one line per epoch is printed. Validation inside `fit` is silent.

    Args:
        count_mode: 'samples' or 'steps': whether the bar counts samples or batches.
        stateful_metrics: names shown as given (all logged values are; kept for Keras 2).
    """

    _lazy_batch_logs = True

    def __init__(self, count_mode="samples", stateful_metrics=None):
        super().__init__()
        if count_mode not in ("samples", "steps"):
            raise ValueError(
                f"ProgbarLogger expects `count_mode` to be 'samples' or 'steps'. Received: count_mode={count_mode!r}"
            )
        self.use_steps = count_mode == "steps"
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics else set()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._call_batch_hooks = True
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps" if self.use_steps else "samples")
        # Batch logs are only needed to redraw the bar on a terminal, or to count the
        # steps when the target is unknown.
        self._call_batch_hooks = bool(self.verbose) and (
            self.target is None or (self.verbose == 1 and generic_utils._is_dynamic_display())
        )

    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_train_end(self, logs=None):
        self._called_in_fit = False

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            print("Epoch %d/%d" % (epoch + 1, self.epochs))

    def on_train_batch_end(self, batch, logs=None):
        self._batch_update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._batch_update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._batch_update_progbar(batch, logs, with_values=False)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        self._finalize_progbar(None)

    def _implements_train_batch_hooks(self):
        return self._call_batch_hooks

    def _implements_test_batch_hooks(self):
        return self._call_batch_hooks and not self._called_in_fit

    def _implements_predict_batch_hooks(self):
        return self._call_batch_hooks

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self):
        if self.progbar is None:
            self.progbar = generic_utils.Progbar(
                target=self.target,
                verbose=self.verbose,
                stateful_metrics=self.stateful_metrics,
                unit_name="step" if self.use_steps else "sample",
            )

    def _batch_update_progbar(self, batch, logs, with_values=True):
        logs = logs if logs is not None else {}
        self._maybe_init_progbar()
        if self.use_steps:
            self.seen = batch + 1
        else:
            self.seen += int(logs.get("size", 0)) * int(logs.get("num_steps", 1))
        if self.verbose != 1:
            return
        values = None
        # Reading the logs may synchronise with the device: do it only when the bar is drawn.
        if with_values and self.progbar._is_due():
            values = self._metric_values(logs)
        self.progbar.update(self.seen, values, finalize=False)

    def _finalize_progbar(self, logs):
        self._maybe_init_progbar()
        values = self._metric_values(generic_utils.sync_to_python(logs))
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, values, finalize=True)

    def _metric_values(self, logs):
        values = [(name, value) for name, value in logs.items() if name not in _BATCH_INFO_KEYS]
        self.progbar._update_stateful_metrics(name for name, _ in values)
        return values


class CSVLogger(base.Callback):
    """Streams the epoch logs to a CSV file (Keras 2 format).

    The header is `epoch` then the sorted log names of the first epoch (with a `val_` column for
    each when the first epoch has none, as tf.keras 2); each row starts with the 0-based epoch and
    missing values are written `NA`. The file is flushed after every epoch.

    Args:
        filename: path of the CSV file.
        separator: string separating the fields.
        append: append to an existing file (its header is kept) instead of overwriting it.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if not distribute.is_chief():
            return  # data-parallel training: only rank 0 writes the log
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, "r", newline="") as existing:
                    self.append_header = not bool(len(existing.readline()))
            mode = "a"
        else:
            mode = "w"
        # newline="" leaves the csv module's "\r\n" row ends as Keras writes them.
        self.csv_file = open(self.filename, mode, newline="")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        if self.csv_file is None and not distribute.is_chief():
            return
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
            # As tf.keras 2: without `val_` keys in the first epoch (validation_freq > 1, or no
            # validation at all) the `val_` columns are added and hold "NA" until filled.
            if not any(key.startswith("val_") for key in self.keys):
                self.keys.extend(["val_" + key for key in self.keys])
        if self.writer is None:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys, delimiter=self.sep)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        # "NA" keeps the row parseable when a value is missing (stopped or unvalidated epoch).
        row.update((key, _csv_value(logs[key]) if key in logs else "NA") for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
            self.csv_file = None
        self.writer = None


def _csv_value(value):
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (isinstance(value, np.ndarray) and value.ndim == 0):
        return '"[%s]"' % ", ".join(map(str, value))
    return value


class RemoteMonitor(base.Callback):
    """POSTs the epoch logs to a server at the end of every epoch.

    The payload is the logs plus `epoch` (0-based), JSON-encoded: as the request body with
    content type `application/json` when `send_as_json`, else as the form field `field`.
    An unreachable server gives a warning, not an error.

    Args:
        root: root URL of the server.
        path: path relative to `root` the events are sent to.
        field: form field holding the JSON data (when `send_as_json` is False).
        headers: dict of extra HTTP headers.
        send_as_json: send the payload as an `application/json` body.
    """

    def __init__(
        self,
        root="http://localhost:9000",
        path="/publish/epoch/end/",
        field="data",
        headers=None,
        send_as_json=False,
    ):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json
        self.timeout = 10

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for name, value in (logs or {}).items():
            send[name] = _json_scalar(value)
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            content_type = "application/json"
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
            content_type = "application/x-www-form-urlencoded"
        headers = {"Content-Type": content_type}
        headers.update(self.headers or {})
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError:
            pass  # The server answered; like `requests.post`, an error status is not raised.
        except (urllib.error.URLError, OSError):
            warnings.warn(
                "Warning: could not reach RemoteMonitor root server at " + str(self.root),
                RuntimeWarning,
                stacklevel=2,
            )


def _json_scalar(value):
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    return value


_LAMBDA_HOOKS = (
    "on_epoch_begin",
    "on_epoch_end",
    "on_batch_begin",
    "on_batch_end",
    "on_train_begin",
    "on_train_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_begin",
    "on_test_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_begin",
    "on_predict_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
)


class LambdaCallback(base.Callback):
    """A callback built from functions, called with positional arguments.

    `on_epoch_*` take `(epoch, logs)`, `on_batch_*` take `(batch, logs)`, `on_train_*` take
    `(logs)`. Other hooks (e.g. `on_test_batch_end=`) may be passed as keyword arguments.

    Args:
        on_epoch_begin: called at the start of every epoch.
        on_epoch_end: called at the end of every epoch.
        on_batch_begin: called before every training batch.
        on_batch_end: called after every training batch.
        on_train_begin: called at the start of training.
        on_train_end: called at the end of training.
        **kwargs: further hooks by name (any `on_*` hook of `Callback`).
    """

    def __init__(
        self,
        on_epoch_begin=None,
        on_epoch_end=None,
        on_batch_begin=None,
        on_batch_end=None,
        on_train_begin=None,
        on_train_end=None,
        **kwargs,
    ):
        super().__init__()
        unknown = sorted(set(kwargs) - set(_LAMBDA_HOOKS))
        if unknown:
            raise TypeError(
                f"LambdaCallback got unexpected keyword arguments {unknown}. Valid hooks: {', '.join(_LAMBDA_HOOKS)}."
            )
        hooks = dict(kwargs)
        hooks.update(
            on_epoch_begin=on_epoch_begin,
            on_epoch_end=on_epoch_end,
            on_batch_begin=on_batch_begin,
            on_batch_end=on_batch_end,
            on_train_begin=on_train_begin,
            on_train_end=on_train_end,
        )
        for name, function in hooks.items():
            if function is None:
                continue
            if not callable(function):
                raise TypeError(f"LambdaCallback expects `{name}` to be callable. Received: {function!r}")
            # Set on the instance only, so that hooks left out are not dispatched at all.
            setattr(self, name, function)
