"""CallbackList: the one dispatcher that sends each training event to the callbacks using it."""

import collections.abc

from kerastorch.callbacks import base
from kerastorch.callbacks import loggers
from kerastorch.utils import generic_utils

__all__ = ["CallbackList"]

# After these events callbacks may answer `_implements_*_batch_hooks` differently
# (ProgbarLogger stays silent during the validation inside `fit`).
_PHASE_HOOKS = frozenset(["on_train_begin", "on_train_end"])


class CallbackList:
    """Holds the callbacks of one `fit`/`evaluate`/`predict` call and dispatches events to them.

    Each `on_*` method sends the event, in list order, only to the callbacks that override that
    hook (the lists are computed once and refreshed by `append`, `set_params`, `set_model`).
    Batch logs may hold 0-dim torch tensors: they are turned into Python floats once per
    batch, and only when a callback that takes the hook needs numbers.

    Args:
        callbacks: a list of `Callback` instances (or one callback), or None.
        add_history: append a `History` callback when the list has none.
        add_progbar: insert a `ProgbarLogger(count_mode='steps')` first when the list has none.
        model: when given, passed to `set_model`.
        **params: when given, passed to `set_params`.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        self.callbacks = _flatten(callbacks)
        self.params = {}
        self.model = None
        self._subscribers = {}
        self._history = None
        self._progbar = None
        for callback in self.callbacks:
            if isinstance(callback, loggers.ProgbarLogger):
                self._progbar = callback
            elif isinstance(callback, loggers.History):
                self._history = callback
        if self._progbar is None and add_progbar:
            self._progbar = loggers.ProgbarLogger(count_mode="steps")
            self.callbacks.insert(0, self._progbar)
        if self._history is None and add_history:
            self._history = loggers.History()
            self.callbacks.append(self._history)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback):
        """Adds a callback at the end of the list.

        Args:
            callback: a `Callback` instance.
        """
        self.callbacks.append(callback)
        if self._history is None and isinstance(callback, loggers.History):
            self._history = callback
        self._subscribers.clear()

    def set_params(self, params):
        """Passes the training parameters to every callback.

        Args:
            params: dict of training parameters.
        """
        self.params = params
        for callback in self.callbacks:
            callback.set_params(params)
        self._subscribers.clear()

    def set_model(self, model):
        """Passes the model to every callback (and sets `model.history` to the History).

        Args:
            model: the model.
        """
        self.model = model
        if self._history is not None and model is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)
        self._subscribers.clear()

    def needs_batch_hooks(self, mode):
        """Whether any callback takes the batch hooks of `mode`, so the loop must build batch logs.

        Args:
            mode: 'train', 'test' or 'predict'.
        """
        if mode not in base.BATCH_HOOKS:
            raise ValueError(
                f"CallbackList.needs_batch_hooks expects mode 'train', 'test' or 'predict'. Received: mode={mode!r}"
            )
        begin, end = base.BATCH_HOOKS[mode]
        return bool(self._subscribers_of(begin) or self._subscribers_of(end))

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)

    # -- dispatch -----------------------------------------------------------------------------
    def _subscribers_of(self, hook):
        subscribers = self._subscribers.get(hook)
        if subscribers is None:
            mode = base.BATCH_HOOK_MODES.get(hook)
            subscribers = [
                (getattr(callback, hook), base.is_lazy(callback))
                for callback in self.callbacks
                if base.overrides(callback, hook) and (mode is None or base.wants_batch_hooks(callback, mode))
            ]
            self._subscribers[hook] = subscribers
        return subscribers

    def _notify(self, hook, *args):
        """Calls `hook(*args)` on the callbacks that implement it; the last argument is `logs`."""
        subscribers = self._subscribers_of(hook)
        if subscribers:
            *head, logs = args
            if logs is None:
                logs = {}
            if hook in base.BATCH_HOOK_MODES:
                numbers = None
                for method, lazy in subscribers:
                    if lazy:
                        method(*head, logs)
                    else:
                        if numbers is None:
                            numbers = generic_utils.sync_to_python(logs)
                        method(*head, numbers)
            else:
                # One dict shared by all callbacks, so that values added by one (the 'lr' of
                # ReduceLROnPlateau) reach the next ones (History, CSVLogger).
                logs = _sync_in_place(logs)
                for method, _ in subscribers:
                    method(*head, logs)
        if hook in _PHASE_HOOKS:
            self._subscribers.clear()

    def on_epoch_begin(self, epoch, logs=None):
        """Calls `on_epoch_begin(epoch, logs)` of the callbacks."""
        self._notify("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        """Calls `on_epoch_end(epoch, logs)` of the callbacks."""
        self._notify("on_epoch_end", epoch, logs)

    def on_batch_begin(self, batch, logs=None):
        """Keras 2 name of `on_train_batch_begin`."""
        self._notify("on_train_batch_begin", batch, logs)

    def on_batch_end(self, batch, logs=None):
        """Keras 2 name of `on_train_batch_end`."""
        self._notify("on_train_batch_end", batch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        """Calls `on_train_batch_begin(batch, logs)` of the callbacks."""
        self._notify("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        """Calls `on_train_batch_end(batch, logs)` of the callbacks."""
        self._notify("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Calls `on_test_batch_begin(batch, logs)` of the callbacks."""
        self._notify("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        """Calls `on_test_batch_end(batch, logs)` of the callbacks."""
        self._notify("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        """Calls `on_predict_batch_begin(batch, logs)` of the callbacks."""
        self._notify("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        """Calls `on_predict_batch_end(batch, logs)` of the callbacks."""
        self._notify("on_predict_batch_end", batch, logs)

    def on_train_begin(self, logs=None):
        """Calls `on_train_begin(logs)` of the callbacks."""
        self._notify("on_train_begin", logs)

    def on_train_end(self, logs=None):
        """Calls `on_train_end(logs)` of the callbacks."""
        self._notify("on_train_end", logs)

    def on_test_begin(self, logs=None):
        """Calls `on_test_begin(logs)` of the callbacks."""
        self._notify("on_test_begin", logs)

    def on_test_end(self, logs=None):
        """Calls `on_test_end(logs)` of the callbacks."""
        self._notify("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        """Calls `on_predict_begin(logs)` of the callbacks."""
        self._notify("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        """Calls `on_predict_end(logs)` of the callbacks."""
        self._notify("on_predict_end", logs)


def _sync_in_place(logs):
    numbers = generic_utils.sync_to_python(logs)
    if numbers is logs:
        return logs
    if isinstance(logs, dict):
        logs.update(numbers)
        return logs
    return numbers


def _flatten(callbacks):
    if callbacks is None:
        return []
    if isinstance(callbacks, CallbackList):
        return list(callbacks.callbacks)
    if isinstance(callbacks, base.Callback) or not isinstance(callbacks, collections.abc.Iterable):
        return [callbacks]
    flat = []
    for item in callbacks:
        flat.extend(_flatten(item) if isinstance(item, (list, tuple, CallbackList)) else [item])
    return flat
