"""Callbacks that act on training: ModelCheckpoint, EarlyStopping, ReduceLROnPlateau and
LearningRateScheduler, with the shared monitored-quantity and learning-rate helpers."""

import difflib
import inspect
import numbers
import os
import warnings

import numpy as np
import torch

from kerastorch import backend
from kerastorch import distribute
from kerastorch.callbacks import base

__all__ = ["EarlyStopping", "LearningRateScheduler", "ModelCheckpoint", "ReduceLROnPlateau"]


# ---------------------------------------------------------------------------------------------
# Monitored quantity
# ---------------------------------------------------------------------------------------------
def _resolve_mode(callback_name, monitor, mode):
    """Returns 'min' or 'max'; 'auto' is 'max' for accuracy-like names."""
    if mode not in ("auto", "min", "max"):
        # Keras falls back to 'auto' with a warning rather than failing.
        warnings.warn(
            f"{callback_name} mode {mode!r} is unknown, fallback to auto mode. Valid modes: 'auto', 'min', 'max'.",
            RuntimeWarning,
            stacklevel=3,
        )
        mode = "auto"
    if mode == "auto":
        higher_is_better = any(part in monitor for part in ("acc", "fmeasure", "auc"))
        mode = "max" if higher_is_better else "min"
    return mode


class _Monitor:
    """Reads the monitored value from logs, warning once when it is missing."""

    def __init__(self, monitor, message):
        self.monitor = monitor
        self.message = message
        self._warned = False

    def value(self, logs):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            alias = base._accuracy_alias(self.monitor)
            if alias is not None and logs.get(alias) is not None:
                if not self._warned:
                    self._warned = True
                    warnings.warn(
                        f"Monitoring {alias!r} for {self.monitor!r}: `metrics=['accuracy']` is logged as "
                        f"'accuracy' since Keras 2.3 (Keras 2.2.4 logged 'acc'). Pass monitor={alias!r}.",
                        RuntimeWarning,
                        stacklevel=3,
                    )
                return logs[alias]
        if value is None and not self._warned:
            self._warned = True
            available = [name for name in logs if name not in ("batch", "size")]
            text = f"{self.message} Available metrics are: {','.join(available)}."
            close = difflib.get_close_matches(self.monitor, available, n=1, cutoff=0.6)
            if close:
                text += f" Did you mean monitor={close[0]!r}?"
            warnings.warn(text, RuntimeWarning, stacklevel=3)
        return value


# ---------------------------------------------------------------------------------------------
# Learning rate
# ---------------------------------------------------------------------------------------------
def _learning_rate_holder(optimizer):
    for name in ("lr", "learning_rate"):
        if hasattr(optimizer, name):
            return name
    if isinstance(optimizer, torch.optim.Optimizer):
        return None
    raise ValueError(f'Optimizer must have a "lr" attribute. Received: optimizer={type(optimizer).__name__}')


def _get_learning_rate(optimizer):
    """The learning rate as `K.get_value(optimizer.lr)`, kept as a NumPy scalar of the variable's
    dtype (np.float32), as Keras logs it: CSV files show 0.001, not 0.0010000000474974513."""
    name = _learning_rate_holder(optimizer)
    if name is None:  # a plain torch optimizer
        return optimizer.param_groups[0]["lr"]
    value = getattr(optimizer, name)
    if isinstance(value, torch.Tensor):
        dtype = np.float32 if value.dtype == torch.bfloat16 else torch.empty((), dtype=value.dtype).numpy().dtype
        return np.asarray(backend.get_value(value), dtype=dtype)[()]
    return value


def _set_learning_rate(optimizer, value):
    name = _learning_rate_holder(optimizer)
    value = float(value)
    if name is None:
        for group in optimizer.param_groups:
            group["lr"] = value
        return
    current = getattr(optimizer, name)
    if isinstance(current, torch.Tensor):
        backend.set_value(current, value)
    else:
        setattr(optimizer, name, value)


# ---------------------------------------------------------------------------------------------
# Callbacks
# ---------------------------------------------------------------------------------------------
class ModelCheckpoint(base.Callback):
    """Saves the model (or its weights) after every epoch or every `save_freq` batches.

    `filepath` may contain named fields filled from `epoch` (1-based, as Keras) and the logs:
    `weights.{epoch:02d}-{val_loss:.2f}.hdf5`.

    Args:
        filepath: path of the file to write, a format string.
        monitor: logged quantity compared when `save_best_only`.
        verbose: 0 (silent) or 1 (one line per save).
        save_best_only: save only when `monitor` improves on the best value so far.
        save_weights_only: call `model.save_weights` instead of `model.save`.
        mode: 'auto', 'min' or 'max': whether a lower or a higher `monitor` is better
            ('auto': higher for accuracy-like names).
        period: number of epochs between saves.
        save_freq: 'epoch', or an integer number of batches between saves.
    """

    def __init__(
        self,
        filepath,
        monitor="val_loss",
        verbose=0,
        save_best_only=False,
        save_weights_only=False,
        mode="auto",
        period=1,
        save_freq="epoch",
    ):
        super().__init__()
        if save_freq != "epoch" and not _is_positive_int(save_freq):
            raise ValueError(
                "ModelCheckpoint expects `save_freq` to be 'epoch' or a positive integer (batches). "
                f"Received: save_freq={save_freq!r}"
            )
        if not _is_positive_int(period):
            raise ValueError(f"ModelCheckpoint expects `period` to be a positive integer. Received: period={period!r}")
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.period = period
        self.save_freq = save_freq
        self.epochs_since_last_save = 0
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        self._monitor = _Monitor(monitor, f"Can save best model only with {monitor} available, skipping.")
        if _resolve_mode("ModelCheckpoint", monitor, mode) == "min":
            self.monitor_op, self.best = np.less, np.inf
        else:
            self.monitor_op, self.best = np.greater, -np.inf

    def _implements_train_batch_hooks(self):
        return self.save_freq != "epoch"

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, logs, batch=batch)

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_since_last_save += 1
        if self.save_freq == "epoch" and self.epochs_since_last_save >= self.period:
            self._save_model(epoch, logs)

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        if batch <= self._last_batch_seen:  # a new epoch started
            add_batches = batch + 1
        else:
            add_batches = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add_batches
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _save_model(self, epoch, logs, batch=None):
        if not distribute.is_chief():
            return  # data-parallel training: only rank 0 writes checkpoints
        logs = logs or {}
        self.epochs_since_last_save = 0
        filepath = self._get_file_path(epoch, logs, batch)
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)  # as tf.keras 2
        if os.path.isdir(filepath):
            raise IsADirectoryError(
                "Please specify a non-directory filepath for ModelCheckpoint. "
                f"Filepath used is an existing directory: {filepath}"
            )
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            self._write(filepath)
            return
        current = self._monitor.value(logs)
        if current is None:
            return
        if self.monitor_op(current, self.best):
            if self.verbose > 0:
                print(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {current:.5f}, "
                    f"saving model to {filepath}"
                )
            self.best = current
            self._write(filepath)
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")

    def _write(self, filepath):
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)

    def _get_file_path(self, epoch, logs, batch=None):
        fields = dict(logs)
        for key in list(fields):
            # Keras 2.2.4 file names say {val_acc:.2f}; the logs say 'val_accuracy' (and back).
            alias = base._accuracy_alias(key)
            if alias is not None:
                fields.setdefault(alias, fields[key])
        fields["epoch"] = epoch + 1
        if batch is not None:
            fields["batch"] = batch + 1  # 1-based in file names, as tf.keras 2
        try:
            return self.filepath.format(**fields)
        except (KeyError, IndexError) as error:
            raise ValueError(
                f"ModelCheckpoint could not format filepath={self.filepath!r}: field {error} is not "
                f"among the available names {sorted(fields)}."
            ) from None


class EarlyStopping(base.Callback):
    """Stops training when a monitored quantity has stopped improving (tf.keras 2).

    An epoch that improves on the best value never stops training; the check for stopping
    starts at the second epoch.

    Args:
        monitor: logged quantity to watch.
        min_delta: smallest change counted as an improvement.
        patience: number of epochs without improvement after which training stops.
        verbose: 0 or 1 (prints `Epoch 5: early stopping`).
        mode: 'auto', 'min' or 'max' ('auto': higher is better for accuracy-like names).
        baseline: training stops unless the quantity improves on this value within
            `patience` epochs.
        restore_best_weights: when stopping, set the model weights back to those of the best
            epoch (through `model.get_weights()` / `model.set_weights()`).
        start_from_epoch: number of epochs (0-based index) to wait before monitoring starts.

    Attributes:
        stopped_epoch: the 0-based epoch at which training was stopped, 0 if it was not.
        best: the best monitored value seen.
        best_epoch: the 0-based epoch of `best`.
        wait: epochs since the last improvement.
    """

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0,
        patience=0,
        verbose=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
        start_from_epoch=0,
    ):
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.wait = 0
        self.stopped_epoch = 0
        self.best_epoch = 0
        self.best_weights = None
        self._monitor = _Monitor(monitor, f"Early stopping conditioned on metric `{monitor}` which is not available.")
        if _resolve_mode("EarlyStopping", monitor, mode) == "min":
            self.monitor_op = np.less
            self.min_delta = -abs(min_delta)
        else:
            self.monitor_op = np.greater
            self.min_delta = abs(min_delta)
        self.best = np.inf if self.monitor_op is np.less else -np.inf

    def on_train_begin(self, logs=None):
        # Reset so that one instance can serve several fit() calls.
        self.wait = 0
        self.stopped_epoch = 0
        self.best_epoch = 0
        self.best = np.inf if self.monitor_op is np.less else -np.inf
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Weights of the first epoch, restored if no epoch ever improves.
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # Only restart the wait when beating both the baseline and the best so far.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                if self.verbose > 0:
                    print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")

    def get_monitor_value(self, logs):
        """Returns the monitored value in `logs`, or None (with a warning, once).

        Args:
            logs: dict of epoch logs.
        """
        return self._monitor.value(logs)

    def _is_improvement(self, monitor_value, reference_value):
        return self.monitor_op(monitor_value - self.min_delta, reference_value)


class ReduceLROnPlateau(base.Callback):
    """Multiplies the learning rate by `factor` when a quantity has stopped improving.

    The current learning rate is added to the epoch logs as `lr`.

    Args:
        monitor: logged quantity to watch.
        factor: factor by which the learning rate is reduced (`new_lr = lr * factor`), < 1.
        patience: number of epochs without improvement after which the rate is reduced.
        verbose: 0 or 1 (one line per reduction).
        mode: 'auto', 'min' or 'max' ('auto': higher is better for accuracy-like names).
        min_delta: threshold for measuring a new optimum.
        cooldown: number of epochs to wait after a reduction before counting again.
        min_lr: lower bound on the learning rate.
        **kwargs: `epsilon`, the Keras 2.0 name of `min_delta`.
    """

    def __init__(
        self,
        monitor="val_loss",
        factor=0.1,
        patience=10,
        verbose=0,
        mode="auto",
        min_delta=1e-4,
        cooldown=0,
        min_lr=0,
        **kwargs,
    ):
        super().__init__()
        if "epsilon" in kwargs:
            min_delta = kwargs.pop("epsilon")
            warnings.warn(
                "`epsilon` argument is deprecated and will be removed, use `min_delta` instead.",
                DeprecationWarning,
                stacklevel=2,
            )
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau got unexpected keyword arguments {sorted(kwargs)}.")
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received: factor={factor!r}")
        self.monitor = monitor
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = min_delta
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0
        self.mode = _resolve_mode("ReduceLROnPlateau", monitor, mode)
        self._monitor = _Monitor(
            monitor, f"Learning rate reduction is conditioned on metric `{monitor}` which is not available."
        )
        self._reset()

    def _reset(self):
        if self.mode == "min":
            self.monitor_op = lambda a, b: np.less(a, b - self.min_delta)
            self.best = np.inf
        else:
            self.monitor_op = lambda a, b: np.greater(a, b + self.min_delta)
            self.best = -np.inf
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["lr"] = _get_learning_rate(self.model.optimizer)
        current = self._monitor.value(logs)
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(_get_learning_rate(self.model.optimizer))
                # Compared in float32, as the learning-rate variable holds it.
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    _set_learning_rate(self.model.optimizer, new_lr)
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def in_cooldown(self):
        """Whether the callback is in its cooldown period after a reduction."""
        return self.cooldown_counter > 0


class LearningRateScheduler(base.Callback):
    """Sets the learning rate at the start of every epoch from `schedule`.

    The learning rate is also added to the epoch logs as `lr`.

    Args:
        schedule: function `schedule(epoch)` or `schedule(epoch, lr)` (0-based epoch, current
            learning rate as a float) returning the new learning rate as a float.
        verbose: 0 or 1 (one line per epoch).
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler expects `schedule` to be callable. Received: {schedule!r}")
        self.schedule = schedule
        self.verbose = verbose
        self._takes_lr = _accepts_two_positional(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        current = float(_get_learning_rate(self.model.optimizer))
        if self._takes_lr is None:
            # Signature unknown: the Keras rule, try (epoch, lr) then (epoch).
            try:
                lr = self.schedule(epoch, current)
            except TypeError:
                lr = self.schedule(epoch)
        elif self._takes_lr:
            lr = self.schedule(epoch, current)
        else:
            lr = self.schedule(epoch)
        if isinstance(lr, torch.Tensor):
            if lr.numel() != 1 or not lr.dtype.is_floating_point:
                raise ValueError(f'The output of the "schedule" function should be a float. Received: {lr!r}')
            lr = float(lr)
        elif isinstance(lr, bool) or not isinstance(lr, numbers.Real):
            raise ValueError(f'The output of the "schedule" function should be a float. Received: {lr!r}')
        _set_learning_rate(self.model.optimizer, lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = _get_learning_rate(self.model.optimizer)


def _accepts_two_positional(function):
    """True/False when `function` can/cannot take two positional arguments; None if unknown."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    count = 0
    for parameter in signature.parameters.values():
        if parameter.kind == parameter.VAR_POSITIONAL:
            return True
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            count += 1
    return count >= 2


def _is_positive_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value > 0
