"""The `Callback` base class and the rules deciding which of its hooks a callback implements."""

__all__ = ["Callback"]

BATCH_HOOKS = {
    "train": ("on_train_batch_begin", "on_train_batch_end"),
    "test": ("on_test_batch_begin", "on_test_batch_end"),
    "predict": ("on_predict_batch_begin", "on_predict_batch_end"),
}
BATCH_HOOK_MODES = {hook: mode for mode, hooks in BATCH_HOOKS.items() for hook in hooks}
# The Keras 2 names stay the way to write a training-batch hook.
_BATCH_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


class Callback:
    """Base class of the objects called at the stages of `fit`, `evaluate` and `predict`.

    Override the hooks you need. Epoch and batch indices are 0-based, as in Keras. `logs`
    dicts hold Python floats: `on_train_batch_end` gets `batch`, `size` and the running
    epoch means of the loss and metrics; `on_epoch_end` gets the epoch results, with the
    validation results under `val_` names. Setting `self.model.stop_training = True` ends
    training after the current batch or epoch.

    Attributes:
        params: dict of training parameters (`batch_size`, `epochs`, `steps`, `samples`,
            `verbose`, `do_validation`, `metrics`).
        model: the model being trained.
        validation_data: kept for Keras 2 compatibility; None.
    """

    # When True, batch hooks receive the loop's logs unconverted (values may be tensors)
    # and the callback reads them only when it needs numbers (ProgbarLogger).
    _lazy_batch_logs = False
    # Class-level defaults for Keras 2 subclasses whose __init__ does not call super().__init__().
    model = None
    validation_data = None

    def __init__(self):
        self.params = {}
        self.model = None
        self.validation_data = None

    def set_params(self, params):
        """Stores the training parameters.

        Args:
            params: dict of training parameters.
        """
        self.params = params

    def set_model(self, model):
        """Stores the model the callback acts on.

        Args:
            model: the model.
        """
        self.model = model

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of an epoch (0-based `epoch`)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch with the epoch's results in `logs`."""

    def on_batch_begin(self, batch, logs=None):
        """Keras 2 name of `on_train_batch_begin`."""

    def on_batch_end(self, batch, logs=None):
        """Keras 2 name of `on_train_batch_end`."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before a training batch; calls `on_batch_begin` unless overridden."""
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after a training batch; calls `on_batch_end` unless overridden."""
        self.on_batch_end(batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before a batch of `evaluate` (or of validation inside `fit`)."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after a batch of `evaluate` (or of validation inside `fit`)."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before a batch of `predict`."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after a batch of `predict`; `logs['outputs']` holds the batch outputs."""

    def on_train_begin(self, logs=None):
        """Called at the start of `fit`."""

    def on_train_end(self, logs=None):
        """Called at the end of `fit`."""

    def on_test_begin(self, logs=None):
        """Called at the start of `evaluate` (or of validation inside `fit`)."""

    def on_test_end(self, logs=None):
        """Called at the end of `evaluate` with the results in `logs`."""

    def on_predict_begin(self, logs=None):
        """Called at the start of `predict`."""

    def on_predict_end(self, logs=None):
        """Called at the end of `predict`."""

    # A callback may decline batch hooks it overrides, e.g. ModelCheckpoint saving per epoch.
    def _implements_train_batch_hooks(self):
        return any(overrides(self, hook) for hook in BATCH_HOOKS["train"])

    def _implements_test_batch_hooks(self):
        return any(overrides(self, hook) for hook in BATCH_HOOKS["test"])

    def _implements_predict_batch_hooks(self):
        return any(overrides(self, hook) for hook in BATCH_HOOKS["predict"])


def overrides(callback, hook):
    """Whether `callback` does something in `hook` (a method name such as 'on_epoch_end').

    True when its class (or the instance itself, as LambdaCallback does) defines the hook
    differently from `Callback`, and for duck-typed objects and mocks that merely have it.
    """
    if hook in getattr(callback, "__dict__", {}):
        return True
    class_attribute = getattr(type(callback), hook, None)
    if class_attribute is None:
        return callable(getattr(callback, hook, None))
    if class_attribute is not getattr(Callback, hook):
        return True
    alias = _BATCH_ALIASES.get(hook)
    return alias is not None and overrides(callback, alias)


def wants_batch_hooks(callback, mode):
    """Whether `callback` asks for the batch hooks of `mode` ('train', 'test', 'predict')."""
    name = f"_implements_{mode}_batch_hooks"
    if getattr(type(callback), name, None) is None:
        return True
    return bool(getattr(callback, name)())


def is_lazy(callback):
    """Whether `callback` takes raw (possibly tensor-valued) batch logs."""
    return getattr(type(callback), "_lazy_batch_logs", False) is True


def _accuracy_alias(name):
    """The other spelling of an accuracy log key (`val_acc` <-> `val_accuracy`), or None.

    Keras 2.2.4 logged `metrics=['accuracy']` as 'acc'; Keras 2.3 and tf.keras 2 log 'accuracy'.
    """
    if name.endswith("accuracy"):
        return name[: -len("accuracy")] + "acc"
    if name.endswith("acc"):
        return name + "uracy"
    return None
