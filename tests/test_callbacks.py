"""Tests of kerastorch.callbacks, driven by hand-written logs on a minimal fake model."""

import collections.abc
import http.server
import json
import os
import socket
import sys
import threading
import urllib.parse
from unittest import mock

import numpy as np
import pytest
import torch

from kerastorch import callbacks
from kerastorch.callbacks import tensorboard as tensorboard_module
from kerastorch.utils import generic_utils


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
class FakeOptimizer:
    def __init__(self, lr=0.01):
        self.lr = torch.tensor(lr, dtype=torch.float32)
        self.iterations = torch.tensor(0)


class FakeLayer:
    def __init__(self, name, weights):
        self.name = name
        self.weights = [torch.nn.Parameter(torch.as_tensor(w, dtype=torch.float32)) for w in weights]

    def get_weights(self):
        return [w.detach().numpy().copy() for w in self.weights]


class FakeModel:
    """What callbacks use of a model: stop_training, weights, save/save_weights, optimizer."""

    def __init__(self, lr=0.01):
        self.stop_training = False
        self.optimizer = FakeOptimizer(lr)
        self.history = None
        self.saves = []
        self._weights = [np.zeros(3, dtype=np.float32)]
        self.layers = [FakeLayer("dense_1", [np.ones((2, 3)), np.zeros(3)])]

    def get_weights(self):
        return [w.copy() for w in self._weights]

    def set_weights(self, weights):
        self._weights = [np.array(w) for w in weights]

    def save(self, filepath, overwrite=True):
        self.saves.append(("save", os.path.basename(filepath)))
        with open(filepath, "w") as handle:
            handle.write("model")

    def save_weights(self, filepath, overwrite=True):
        self.saves.append(("save_weights", os.path.basename(filepath)))
        with open(filepath, "w") as handle:
            handle.write("weights")


def run_epochs(callback_list, model, epoch_logs, weights_per_epoch=None):
    """Drives on_train_begin/on_epoch_*/on_train_end like the loop; returns the epochs run."""
    callback_list.set_model(model)
    callback_list.set_params({"epochs": len(epoch_logs), "verbose": 0, "metrics": []})
    callback_list.on_train_begin()
    ran = 0
    for epoch, logs in enumerate(epoch_logs):
        callback_list.on_epoch_begin(epoch)
        if weights_per_epoch is not None:
            model.set_weights([np.full(3, weights_per_epoch[epoch], dtype=np.float32)])
        callback_list.on_epoch_end(epoch, dict(logs))
        ran += 1
        if model.stop_training:
            break
    callback_list.on_train_end()
    return ran


class Recorder(callbacks.Callback):
    def __init__(self, name, events):
        super().__init__()
        self.name = name
        self.events = events

    def _record(self, hook, *args):
        self.events.append((self.name, hook) + args)

    def on_train_begin(self, logs=None):
        self._record("on_train_begin")

    def on_train_end(self, logs=None):
        self._record("on_train_end")

    def on_epoch_begin(self, epoch, logs=None):
        self._record("on_epoch_begin", epoch)

    def on_epoch_end(self, epoch, logs=None):
        self._record("on_epoch_end", epoch, dict(logs))

    def on_train_batch_begin(self, batch, logs=None):
        self._record("on_train_batch_begin", batch)

    def on_train_batch_end(self, batch, logs=None):
        self._record("on_train_batch_end", batch, dict(logs))


class CountingLogs(collections.abc.Mapping):
    """Batch logs that count how often they are read (like the loop's lazily computed logs)."""

    def __init__(self, values):
        self._values = values
        self.reads = 0

    def __getitem__(self, key):
        self.reads += 1
        return self._values[key]

    def __iter__(self):
        self.reads += 1
        return iter(self._values)

    def __len__(self):
        return len(self._values)


# ---------------------------------------------------------------------------------------------
# Callback / CallbackList dispatch
# ---------------------------------------------------------------------------------------------
def test_dispatch_order_follows_events_then_list_order():
    events = []
    callback_list = callbacks.CallbackList([Recorder("a", events), Recorder("b", events)])
    callback_list.set_model(FakeModel())
    callback_list.on_train_begin()
    callback_list.on_epoch_begin(0)
    callback_list.on_train_batch_begin(0, {"batch": 0, "size": 2})
    callback_list.on_train_batch_end(0, {"batch": 0, "size": 2, "loss": 0.5})
    callback_list.on_epoch_end(0, {"loss": 0.5})
    callback_list.on_train_end()
    assert events == [
        ("a", "on_train_begin"),
        ("b", "on_train_begin"),
        ("a", "on_epoch_begin", 0),
        ("b", "on_epoch_begin", 0),
        ("a", "on_train_batch_begin", 0),
        ("b", "on_train_batch_begin", 0),
        ("a", "on_train_batch_end", 0, {"batch": 0, "size": 2, "loss": 0.5}),
        ("b", "on_train_batch_end", 0, {"batch": 0, "size": 2, "loss": 0.5}),
        ("a", "on_epoch_end", 0, {"loss": 0.5}),
        ("b", "on_epoch_end", 0, {"loss": 0.5}),
        ("a", "on_train_end"),
        ("b", "on_train_end"),
    ]


def test_mock_callback_receives_every_hook_in_order():
    callback = mock.MagicMock(spec=callbacks.Callback)
    model = FakeModel()
    params = {"epochs": 1, "verbose": 0, "metrics": ["loss"]}
    callback_list = callbacks.CallbackList([callback], model=model, **params)
    callback_list.on_train_begin()
    callback_list.on_epoch_begin(0)
    callback_list.on_train_batch_begin(0, {"batch": 0, "size": 4})
    callback_list.on_train_batch_end(0, {"batch": 0, "size": 4, "loss": torch.tensor(0.25)})
    callback_list.on_test_begin()
    callback_list.on_test_end({"loss": 0.5})
    callback_list.on_epoch_end(0, {"loss": 0.25, "val_loss": 0.5})
    callback_list.on_train_end()
    assert callback.method_calls == [
        mock.call.set_model(model),
        mock.call.set_params(params),
        mock.call.on_train_begin({}),
        mock.call.on_epoch_begin(0, {}),
        mock.call.on_train_batch_begin(0, {"batch": 0, "size": 4}),
        mock.call.on_train_batch_end(0, {"batch": 0, "size": 4, "loss": 0.25}),
        mock.call.on_test_begin({}),
        mock.call.on_test_end({"loss": 0.5}),
        mock.call.on_epoch_end(0, {"loss": 0.25, "val_loss": 0.5}),
        mock.call.on_train_end({}),
    ]


def test_hooks_that_are_not_overridden_are_not_called(monkeypatch):
    calls = []
    monkeypatch.setattr(callbacks.Callback, "on_batch_end", lambda self, batch, logs=None: calls.append(batch))

    class EpochOnly(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            calls.append(("epoch", epoch))

    callback_list = callbacks.CallbackList([EpochOnly()])
    assert not callback_list.needs_batch_hooks("train")
    assert not callback_list.needs_batch_hooks("test")
    callback_list.on_train_batch_end(0, {"loss": 1.0})
    callback_list.on_epoch_end(3, {})
    assert calls == [("epoch", 3)]


def test_keras2_on_batch_end_is_called_for_training_batches():
    seen = []

    class Legacy(callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append((batch, logs["loss"]))

    callback_list = callbacks.CallbackList([Legacy()])
    assert callback_list.needs_batch_hooks("train")
    assert not callback_list.needs_batch_hooks("predict")
    callback_list.on_train_batch_end(2, {"loss": torch.tensor(0.5)})
    callback_list.on_batch_end(3, {"loss": 0.25})
    assert seen == [(2, 0.5), (3, 0.25)]
    assert type(seen[0][1]) is float


def test_needs_batch_hooks_rejects_unknown_mode():
    with pytest.raises(ValueError, match="mode='validation'"):
        callbacks.CallbackList().needs_batch_hooks("validation")


def test_tensor_batch_logs_are_converted_once_and_only_when_needed(monkeypatch):
    conversions = []
    original = generic_utils.sync_to_python

    def counting(logs):
        conversions.append(1)
        return original(logs)

    monkeypatch.setattr(generic_utils, "sync_to_python", counting)
    received = []

    class Reader(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            received.append(logs)

    class LazyReader(Reader):
        _lazy_batch_logs = True

    logs = {"batch": 0, "size": 8, "loss": torch.tensor(0.5), "acc": torch.tensor(0.75, dtype=torch.float64)}
    callbacks.CallbackList([Reader(), LazyReader(), Reader()]).on_train_batch_end(0, logs)
    assert len(conversions) == 1
    assert received[0] == {"batch": 0, "size": 8, "loss": 0.5, "acc": 0.75}
    assert type(received[0]["loss"]) is float and type(received[0]["acc"]) is float
    assert received[1] is logs and isinstance(received[1]["loss"], torch.Tensor)
    assert received[2] is received[0]

    conversions.clear()
    lazy_logs = CountingLogs({"loss": torch.tensor(1.0)})
    callbacks.CallbackList([LazyReader(), callbacks.History()]).on_train_batch_end(0, lazy_logs)
    callbacks.CallbackList([callbacks.History()]).on_train_batch_end(0, lazy_logs)
    assert conversions == [] and lazy_logs.reads == 0


def test_epoch_logs_are_one_shared_dict_with_tensors_converted_in_place():
    history = callbacks.History()
    reducer = callbacks.ReduceLROnPlateau(monitor="loss", patience=5)
    callback_list = callbacks.CallbackList([reducer], add_history=False)
    callback_list.append(history)
    model = FakeModel(lr=0.5)
    callback_list.set_model(model)
    logs = {"loss": torch.tensor(2.0)}
    callback_list.on_train_begin()
    callback_list.on_epoch_end(0, logs)
    assert logs["loss"] == 2.0 and type(logs["loss"]) is float
    assert history.history == {"loss": [2.0], "lr": [np.float32(0.5)]}
    assert history.epoch == [0]
    assert model.history is history


def test_callback_list_adds_history_last_and_progbar_first():
    stopper = callbacks.EarlyStopping()
    model = FakeModel()
    callback_list = callbacks.CallbackList([stopper], add_history=True, add_progbar=True, model=model)
    kinds = [type(c) for c in callback_list]
    assert kinds == [callbacks.ProgbarLogger, callbacks.EarlyStopping, callbacks.History]
    assert callback_list.callbacks[0].use_steps
    assert model.history is callback_list.callbacks[-1]
    existing = callbacks.History()
    assert list(callbacks.CallbackList([existing], add_history=True)) == [existing]
    assert len(callbacks.CallbackList(stopper)) == 1


def test_callback_base_defaults_and_setters():
    callback = callbacks.Callback()
    assert callback.params == {} and callback.model is None and callback.validation_data is None
    callback.set_params({"epochs": 3})
    callback.set_model("m")
    assert callback.params == {"epochs": 3} and callback.model == "m"

    class NoSuperInit(callbacks.Callback):
        def __init__(self):
            self.count = 0

    legacy = NoSuperInit()
    assert legacy.model is None and legacy.validation_data is None


def test_batch_hook_opt_out_is_respected():
    checkpoint = callbacks.ModelCheckpoint("unused.h5")
    assert not callbacks.CallbackList([checkpoint]).needs_batch_hooks("train")
    batch_checkpoint = callbacks.ModelCheckpoint("unused.h5", save_freq=2)
    assert callbacks.CallbackList([batch_checkpoint]).needs_batch_hooks("train")
    progbar = callbacks.ProgbarLogger(count_mode="steps")
    callback_list = callbacks.CallbackList([progbar], epochs=1, steps=4, verbose=2)
    assert not callback_list.needs_batch_hooks("train")


# ---------------------------------------------------------------------------------------------
# History and BaseLogger
# ---------------------------------------------------------------------------------------------
def test_history_records_epoch_logs():
    history = callbacks.History()
    run_epochs(callbacks.CallbackList([history]), FakeModel(), [{"loss": 1.0}, {"loss": 0.5, "val_loss": 0.7}])
    assert history.epoch == [0, 1]
    assert history.history == {"loss": [1.0, 0.5], "val_loss": [0.7]}


def test_base_logger_averages_batches_weighted_by_size():
    logger = callbacks.BaseLogger(stateful_metrics=["auc"])
    logger.set_params({"metrics": ["loss", "auc"]})
    logger.on_epoch_begin(0)
    logger.on_batch_end(0, {"batch": 0, "size": 2, "loss": 1.0, "auc": 0.5})
    logger.on_batch_end(1, {"batch": 1, "size": 6, "loss": 3.0, "auc": 0.7})
    logs = {}
    logger.on_epoch_end(0, logs)
    assert logs == {"loss": pytest.approx((2 * 1.0 + 6 * 3.0) / 8), "auc": 0.7}


# ---------------------------------------------------------------------------------------------
# EarlyStopping
# ---------------------------------------------------------------------------------------------
def test_early_stopping_stops_after_patience(capsys):
    stopper = callbacks.EarlyStopping(monitor="val_loss", patience=2, verbose=1)
    model = FakeModel()
    losses = [1.0, 0.9, 0.95, 0.93, 0.5, 0.4]
    ran = run_epochs(callbacks.CallbackList([stopper]), model, [{"val_loss": v} for v in losses])
    # Best at epoch 1; epochs 2 and 3 do not improve: stop at epoch 3 (0-based).
    assert ran == 4
    assert stopper.stopped_epoch == 3
    assert stopper.best == 0.9
    assert capsys.readouterr().out == "Epoch 4: early stopping\n"


def test_early_stopping_min_delta_mode_and_baseline():
    stopper = callbacks.EarlyStopping(monitor="val_accuracy", min_delta=0.05, patience=1)
    # 'auto' is 'max' for accuracy: 0.52 is not 0.05 better than 0.5.
    ran = run_epochs(callbacks.CallbackList([stopper]), FakeModel(), [{"val_accuracy": v} for v in [0.5, 0.52, 0.9]])
    assert ran == 2 and stopper.stopped_epoch == 1

    stopper = callbacks.EarlyStopping(monitor="loss", patience=2, baseline=0.1)
    # Never better than the baseline and no longer improving: stops after `patience` epochs
    # (tf.keras 2.15: an epoch that improves on the best never stops training).
    ran = run_epochs(callbacks.CallbackList([stopper]), FakeModel(), [{"loss": v} for v in [1.0, 1.0, 1.0, 1.0]])
    assert ran == 2 and stopper.stopped_epoch == 1
    stopper = callbacks.EarlyStopping(monitor="loss", patience=3, baseline=0.1)
    ran = run_epochs(callbacks.CallbackList([stopper]), FakeModel(), [{"loss": v} for v in [1.0, 0.9, 0.8, 0.7, 0.6]])
    assert ran == 5 and stopper.stopped_epoch == 0


def test_early_stopping_restores_best_weights(capsys):
    stopper = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True, verbose=1)
    model = FakeModel()
    losses = [1.0, 0.2, 0.5, 0.6, 0.1]
    ran = run_epochs(
        callbacks.CallbackList([stopper]),
        model,
        [{"val_loss": v} for v in losses],
        weights_per_epoch=[10, 11, 12, 13, 14],
    )
    assert ran == 4
    np.testing.assert_array_equal(model.get_weights()[0], np.full(3, 11.0))
    assert capsys.readouterr().out == (
        "Restoring model weights from the end of the best epoch: 2.\nEpoch 4: early stopping\n"
    )


def test_early_stopping_warns_once_about_missing_monitor():
    stopper = callbacks.EarlyStopping(monitor="val_los")
    with pytest.warns(RuntimeWarning, match="val_los.*Available metrics are: loss,val_loss") as record:
        run_epochs(callbacks.CallbackList([stopper]), FakeModel(), [{"loss": 1.0, "val_loss": 0.5}] * 3)
    assert len(record) == 1
    assert "Did you mean monitor='val_loss'?" in str(record[0].message)
    assert stopper.stopped_epoch == 0


def test_keras_2_2_acc_monitor_reads_the_accuracy_log_key():
    # Keras 2.2.4 scripts monitor 'val_acc' for metrics=['accuracy'], logged 'val_accuracy' since 2.3.
    stopper = callbacks.EarlyStopping(monitor="val_acc", patience=1)
    logs = [{"loss": 1.0, "val_accuracy": value} for value in (0.5, 0.7, 0.6, 0.6, 0.9)]
    with pytest.warns(RuntimeWarning, match="Monitoring 'val_accuracy' for 'val_acc'") as record:
        ran = run_epochs(callbacks.CallbackList([stopper]), FakeModel(), logs)
    assert len(record) == 1
    assert stopper.monitor_op is np.greater  # 'auto' mode maximizes an accuracy
    assert ran == 3 and stopper.stopped_epoch == 2 and stopper.best == 0.7


def test_unknown_mode_falls_back_to_auto_with_a_warning():
    with pytest.warns(RuntimeWarning, match="EarlyStopping mode 'maximum' is unknown"):
        stopper = callbacks.EarlyStopping(monitor="val_auc", mode="maximum")
    assert stopper.monitor_op is np.greater


# ---------------------------------------------------------------------------------------------
# ReduceLROnPlateau and LearningRateScheduler
# ---------------------------------------------------------------------------------------------
def test_reduce_lr_on_plateau_sequence_with_min_lr(capsys):
    reducer = callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, min_lr=0.2, verbose=1)
    history = callbacks.History()
    model = FakeModel(lr=1.0)
    run_epochs(callbacks.CallbackList([reducer, history]), model, [{"val_loss": 1.0}] * 5)
    # logs['lr'] is the rate the epoch ran with; the reduction applies to the next epoch.
    assert history.history["lr"] == [np.float32(v) for v in [1.0, 1.0, 0.5, 0.25, 0.2]]
    assert float(model.optimizer.lr) == np.float32(0.2)
    assert capsys.readouterr().out == (
        "\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.5.\n"
        "\nEpoch 3: ReduceLROnPlateau reducing learning rate to 0.25.\n"
        "\nEpoch 4: ReduceLROnPlateau reducing learning rate to 0.2.\n"
    )


def test_reduce_lr_on_plateau_cooldown_and_improvement():
    reducer = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.1, patience=1, cooldown=2, min_delta=0.01)
    history = callbacks.History()
    losses = [1.0, 0.995, 0.99, 0.98, 0.98, 0.97, 0.97]
    run_epochs(callbacks.CallbackList([reducer, history]), FakeModel(lr=1.0), [{"loss": v} for v in losses])
    # Epoch 1 reduces (0.995 is not 0.01 better than 1.0); epochs 2-3 cool down, epoch 3 still
    # records the improvement to 0.98; epoch 4 reduces; epoch 5 cools down; epoch 6 reduces again
    # (logged lr is the rate each epoch ran with).
    expected = [1.0, 1.0, 0.1, 0.1, 0.1, 0.01, 0.01]
    np.testing.assert_allclose(history.history["lr"], expected, rtol=1e-6)


def test_reduce_lr_on_plateau_arguments():
    with pytest.warns(DeprecationWarning, match="epsilon"):
        reducer = callbacks.ReduceLROnPlateau(epsilon=0.5)
    assert reducer.min_delta == 0.5
    with pytest.raises(ValueError, match="factor=1.5"):
        callbacks.ReduceLROnPlateau(factor=1.5)
    with pytest.raises(TypeError, match="cool_down"):
        callbacks.ReduceLROnPlateau(cool_down=3)
    assert callbacks.ReduceLROnPlateau(monitor="val_acc").mode == "max"


def test_learning_rate_scheduler_with_epoch_only_schedule(capsys):
    scheduler = callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1), verbose=1)
    history = callbacks.History()
    model = FakeModel(lr=1.0)
    run_epochs(callbacks.CallbackList([scheduler, history]), model, [{"loss": 1.0}] * 3)
    np.testing.assert_allclose(history.history["lr"], [0.1, 0.05, 0.1 / 3], rtol=1e-6)
    assert capsys.readouterr().out.splitlines()[1] == "Epoch 1: LearningRateScheduler setting learning rate to 0.1."


def test_learning_rate_scheduler_with_epoch_and_lr_schedule():
    received = []

    def schedule(epoch, lr):
        received.append((epoch, round(lr, 6)))
        return lr * 0.5

    model = FakeModel(lr=0.8)
    run_epochs(callbacks.CallbackList([callbacks.LearningRateScheduler(schedule)]), model, [{}] * 3)
    assert received == [(0, 0.8), (1, 0.4), (2, 0.2)]
    assert float(model.optimizer.lr) == pytest.approx(0.1)


def test_learning_rate_scheduler_rejects_non_float_and_keeps_type_errors():
    model = FakeModel()
    with pytest.raises(ValueError, match="should be a float. Received: 'fast'"):
        run_epochs(callbacks.CallbackList([callbacks.LearningRateScheduler(lambda epoch: "fast")]), model, [{}])

    def broken(epoch, lr):
        raise TypeError("inside the schedule")

    with pytest.raises(TypeError, match="inside the schedule"):
        run_epochs(callbacks.CallbackList([callbacks.LearningRateScheduler(broken)]), model, [{}])
    with pytest.raises(ValueError, match='must have a "lr" attribute'):
        model.optimizer = object()
        run_epochs(callbacks.CallbackList([callbacks.LearningRateScheduler(lambda e: 0.1)]), model, [{}])


def test_learning_rate_scheduler_on_plain_torch_optimizer():
    parameter = torch.nn.Parameter(torch.zeros(1))
    model = FakeModel()
    model.optimizer = torch.optim.SGD([parameter], lr=0.3)
    run_epochs(callbacks.CallbackList([callbacks.LearningRateScheduler(lambda e, lr: lr / 3)]), model, [{}, {}])
    assert model.optimizer.param_groups[0]["lr"] == pytest.approx(0.3 / 9)


# ---------------------------------------------------------------------------------------------
# CSVLogger
# ---------------------------------------------------------------------------------------------
def test_csv_logger_writes_keras2_rows(tmp_path):
    path = tmp_path / "log.csv"
    logger = callbacks.CSVLogger(path)
    callback_list = callbacks.CallbackList([logger])
    callback_list.set_model(FakeModel())
    callback_list.on_train_begin()
    callback_list.on_epoch_end(0, {"loss": 0.5, "acc": 0.25, "val_loss": 0.75})
    # Flushed after every epoch: readable before training ends.
    assert path.read_bytes() == b"epoch,acc,loss,val_loss\r\n0,0.25,0.5,0.75\r\n"
    callback_list.on_epoch_end(1, {"loss": 0.125, "acc": 0.5, "val_loss": 0.5})
    callback_list.on_train_end()
    assert path.read_bytes() == b"epoch,acc,loss,val_loss\r\n0,0.25,0.5,0.75\r\n1,0.5,0.125,0.5\r\n"


def test_csv_logger_append_separator_and_missing_values(tmp_path):
    path = tmp_path / "log.csv"
    run_epochs(
        callbacks.CallbackList([callbacks.CSVLogger(path, separator=";")]),
        FakeModel(),
        [{"loss": 1.0, "val_loss": 2.0}],
    )
    run_epochs(
        callbacks.CallbackList([callbacks.CSVLogger(path, separator=";", append=True)]),
        FakeModel(),
        [{"loss": 0.5, "val_loss": 1.5}, {"loss": 0.25}],
    )
    assert path.read_text().splitlines() == [
        "epoch;loss;val_loss",
        "0;1.0;2.0",
        "0;0.5;1.5",
        "1;0.25;NA",
    ]


# ---------------------------------------------------------------------------------------------
# ModelCheckpoint
# ---------------------------------------------------------------------------------------------
def test_model_checkpoint_formats_file_names(tmp_path):
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "w.{epoch:02d}-{val_loss:.2f}.h5"))
    model = FakeModel()
    run_epochs(
        callbacks.CallbackList([checkpoint]), model, [{"val_loss": 0.5}, {"val_loss": 0.25}, {"val_loss": 0.125}]
    )
    assert sorted(os.listdir(tmp_path)) == ["w.01-0.50.h5", "w.02-0.25.h5", "w.03-0.12.h5"]
    assert [kind for kind, _ in model.saves] == ["save"] * 3


def test_model_checkpoint_save_best_only(tmp_path, capsys):
    checkpoint = callbacks.ModelCheckpoint(
        str(tmp_path / "best.h5"), monitor="val_loss", save_best_only=True, save_weights_only=True, verbose=1
    )
    model = FakeModel()
    run_epochs(callbacks.CallbackList([checkpoint]), model, [{"val_loss": v} for v in [0.5, 0.6, 0.4, 0.4]])
    assert model.saves == [("save_weights", "best.h5"), ("save_weights", "best.h5")]
    assert checkpoint.best == 0.4
    path = str(tmp_path / "best.h5")
    assert capsys.readouterr().out == (
        f"\nEpoch 1: val_loss improved from inf to 0.50000, saving model to {path}\n"
        "\nEpoch 2: val_loss did not improve from 0.50000\n"
        f"\nEpoch 3: val_loss improved from 0.50000 to 0.40000, saving model to {path}\n"
        "\nEpoch 4: val_loss did not improve from 0.40000\n"
    )


def test_model_checkpoint_max_mode_for_accuracy_and_period(tmp_path):
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "{epoch}.h5"), monitor="val_acc", save_best_only=True)
    model = FakeModel()
    run_epochs(callbacks.CallbackList([checkpoint]), model, [{"val_acc": v} for v in [0.5, 0.4, 0.7]])
    assert model.saves == [("save", "1.h5"), ("save", "3.h5")]

    periodic = callbacks.ModelCheckpoint(str(tmp_path / "p{epoch}.h5"), period=2)
    model = FakeModel()
    run_epochs(callbacks.CallbackList([periodic]), model, [{}] * 5)
    assert model.saves == [("save", "p2.h5"), ("save", "p4.h5")]


def test_model_checkpoint_every_n_batches(tmp_path):
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "e{epoch}-b{batch}.h5"), save_freq=3)
    model = FakeModel()
    callback_list = callbacks.CallbackList([checkpoint], model=model)
    callback_list.on_train_begin()
    for epoch in range(2):
        callback_list.on_epoch_begin(epoch)
        for batch in range(4):
            callback_list.on_train_batch_end(batch, {"batch": batch, "size": 2, "loss": torch.tensor(1.0)})
        callback_list.on_epoch_end(epoch, {"loss": 1.0})
    # 8 batches in all: saves after the 3rd and the 6th; {batch} is 1-based in the name (tf.keras 2).
    assert model.saves == [("save", "e1-b3.h5"), ("save", "e2-b2.h5")]


def test_model_checkpoint_errors(tmp_path):
    with pytest.raises(ValueError, match="save_freq='batch'"):
        callbacks.ModelCheckpoint("x.h5", save_freq="batch")
    with pytest.raises(ValueError, match="period=0"):
        callbacks.ModelCheckpoint("x.h5", period=0)
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "{val_loss:.2f}.h5"))
    with pytest.raises(ValueError, match="field 'val_loss' is not among the available names"):
        run_epochs(callbacks.CallbackList([checkpoint]), FakeModel(), [{"loss": 1.0}])
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path))
    with pytest.raises(IsADirectoryError, match="non-directory filepath"):
        run_epochs(callbacks.CallbackList([checkpoint]), FakeModel(), [{"loss": 1.0}])


def test_model_checkpoint_missing_monitor_skips_with_one_warning(tmp_path):
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "m.h5"), monitor="val_loss", save_best_only=True)
    model = FakeModel()
    with pytest.warns(RuntimeWarning, match="Can save best model only with val_loss available") as record:
        run_epochs(callbacks.CallbackList([checkpoint]), model, [{"loss": 1.0}] * 2)
    assert len(record) == 1 and model.saves == []


# ---------------------------------------------------------------------------------------------
# TerminateOnNaN and LambdaCallback
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_terminate_on_nan(bad, capsys):
    model = FakeModel()
    callback_list = callbacks.CallbackList([callbacks.TerminateOnNaN()], model=model)
    callback_list.on_train_batch_end(0, {"loss": torch.tensor(1.0)})
    assert not model.stop_training
    callback_list.on_train_batch_end(1, {"loss": torch.tensor(bad)})
    assert model.stop_training
    assert capsys.readouterr().out == "Batch 1: Invalid loss, terminating training\n"


def test_lambda_callback_calls_given_functions_only():
    events = []
    callback = callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: events.append(("epoch_begin", epoch)),
        on_epoch_end=lambda epoch, logs: events.append(("epoch_end", epoch, logs["loss"])),
        on_batch_end=lambda batch, logs: events.append(("batch_end", batch, logs["loss"])),
        on_train_begin=lambda logs: events.append(("train_begin",)),
        on_train_end=lambda logs: events.append(("train_end",)),
        on_test_batch_end=lambda batch, logs: events.append(("test_batch_end", batch)),
    )
    callback_list = callbacks.CallbackList([callback])
    assert callback_list.needs_batch_hooks("train") and callback_list.needs_batch_hooks("test")
    assert not callback_list.needs_batch_hooks("predict")
    callback_list.on_train_begin()
    callback_list.on_epoch_begin(0)
    callback_list.on_train_batch_begin(0, {"batch": 0})
    callback_list.on_train_batch_end(0, {"loss": torch.tensor(0.5)})
    callback_list.on_test_batch_end(0, {"loss": 0.5})
    callback_list.on_epoch_end(0, {"loss": 0.25})
    callback_list.on_train_end()
    assert events == [
        ("train_begin",),
        ("epoch_begin", 0),
        ("batch_end", 0, 0.5),
        ("test_batch_end", 0),
        ("epoch_end", 0, 0.25),
        ("train_end",),
    ]


def test_lambda_callback_rejects_unknown_hooks():
    with pytest.raises(TypeError, match="on_epoch_finish"):
        callbacks.LambdaCallback(on_epoch_finish=print)
    with pytest.raises(TypeError, match="`on_epoch_end` to be callable"):
        callbacks.LambdaCallback(on_epoch_end=3)


# ---------------------------------------------------------------------------------------------
# RemoteMonitor
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def http_server():
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()
    thread.join()


def test_remote_monitor_posts_json(http_server):
    root, requests = http_server
    monitor = callbacks.RemoteMonitor(root=root, path="/events/", send_as_json=True, headers={"X-Run": "7"})
    callbacks.CallbackList([monitor]).on_epoch_end(2, {"loss": 0.5, "lr": np.float32(0.25)})
    assert len(requests) == 1
    assert requests[0]["path"] == "/events/"
    assert requests[0]["headers"]["Content-Type"] == "application/json"
    assert requests[0]["headers"]["X-Run"] == "7"
    assert json.loads(requests[0]["body"]) == {"epoch": 2, "loss": 0.5, "lr": 0.25}


def test_remote_monitor_posts_form_field(http_server):
    root, requests = http_server
    monitor = callbacks.RemoteMonitor(root=root, field="payload")
    monitor.on_epoch_end(0, {"val_loss": torch.tensor(1.5)})
    assert requests[0]["path"] == "/publish/epoch/end/"
    assert requests[0]["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    form = urllib.parse.parse_qs(requests[0]["body"].decode())
    assert json.loads(form["payload"][0]) == {"epoch": 0, "val_loss": 1.5}


def test_remote_monitor_warns_when_server_is_unreachable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monitor = callbacks.RemoteMonitor(root=f"http://127.0.0.1:{port}")
    with pytest.warns(RuntimeWarning, match="could not reach RemoteMonitor root server"):
        monitor.on_epoch_end(0, {"loss": 1.0})


# ---------------------------------------------------------------------------------------------
# TensorBoard
# ---------------------------------------------------------------------------------------------
def test_tensorboard_missing_package_error_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    with pytest.raises(ImportError, match="pip install tensorboard"):
        callbacks.TensorBoard(log_dir="unused")


class FakeWriter:
    instances = []

    def __init__(self, log_dir):
        self.log_dir = log_dir
        self.scalars = []
        self.histograms = []
        self.images = []
        self.texts = []
        self.closed = False
        FakeWriter.instances.append(self)

    def add_scalar(self, tag, value, global_step):
        self.scalars.append((tag, value, global_step))

    def add_histogram(self, tag, values, global_step):
        self.histograms.append((tag, np.array(values), global_step))

    def add_images(self, tag, images, global_step, dataformats):
        self.images.append((tag, images.shape, global_step, dataformats))

    def add_text(self, tag, text, global_step):
        self.texts.append(tag)

    def flush(self):
        pass

    def close(self):
        self.closed = True


@pytest.fixture
def fake_writer(monkeypatch):
    FakeWriter.instances = []
    monkeypatch.setattr(tensorboard_module, "_import_summary_writer", lambda: FakeWriter)
    return FakeWriter


def test_tensorboard_writes_epoch_scalars_and_histograms(tmp_path, fake_writer):
    board = callbacks.TensorBoard(log_dir=str(tmp_path), histogram_freq=2, write_graph=False, write_images=True)
    model = FakeModel()
    run_epochs(callbacks.CallbackList([board]), model, [{"loss": 1.0, "val_loss": 2.0}, {"loss": 0.5}, {"loss": 0.25}])
    writers = {os.path.basename(w.log_dir): w for w in fake_writer.instances}
    assert set(writers) == {"train", "validation"}
    assert writers["train"].scalars == [("epoch_loss", 1.0, 0), ("epoch_loss", 0.5, 1), ("epoch_loss", 0.25, 2)]
    assert writers["validation"].scalars == [("epoch_loss", 2.0, 0)]
    tags = [(tag, step) for tag, _, step in writers["train"].histograms]
    assert tags == [("dense_1/weight_0", 0), ("dense_1/weight_1", 0), ("dense_1/weight_0", 2), ("dense_1/weight_1", 2)]
    np.testing.assert_array_equal(writers["train"].histograms[0][1], np.ones((2, 3)))
    # Dense kernel (2, 3) -> one 2x3 image; bias (3,) -> one 3x1 image (tf.keras 2 layouts).
    assert writers["train"].images[:2] == [
        ("dense_1/weight_0", (1, 2, 3, 1), 0, "NHWC"),
        ("dense_1/weight_1", (1, 3, 1, 1), 0, "NHWC"),
    ]
    assert all(w.closed for w in fake_writer.instances)


def test_tensorboard_batch_scalars_every_n_batches(tmp_path, fake_writer):
    board = callbacks.TensorBoard(log_dir=str(tmp_path), update_freq=2, write_graph=False)
    callback_list = callbacks.CallbackList([board], model=FakeModel())
    assert callback_list.needs_batch_hooks("train")
    callback_list.on_train_begin()
    for epoch in range(2):
        for batch in range(3):
            callback_list.on_train_batch_end(batch, {"batch": batch, "size": 4, "loss": torch.tensor(float(batch))})
    train = fake_writer.instances[0]
    assert train.scalars == [("batch_loss", 0.0, 0), ("batch_loss", 2.0, 2), ("batch_loss", 1.0, 4)]
    assert not callbacks.CallbackList([callbacks.TensorBoard(log_dir=str(tmp_path))]).needs_batch_hooks("train")


def test_tensorboard_argument_errors(fake_writer):
    with pytest.raises(ValueError, match="update_freq='often'"):
        callbacks.TensorBoard(update_freq="often")
    with pytest.raises(ValueError, match="profile_batch=2"):
        callbacks.TensorBoard(profile_batch=2)
    with pytest.raises(TypeError, match="embeddings_layer"):
        callbacks.TensorBoard(embeddings_layer=["x"])
    with pytest.warns(UserWarning, match="write_grads"):
        callbacks.TensorBoard(write_grads=True)


def test_tensorboard_writes_event_files(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing import event_accumulator

    model = FakeModel()
    model.to_json = lambda: json.dumps({"class_name": "Sequential", "config": {"name": "sequential"}})
    board = callbacks.TensorBoard(log_dir=str(tmp_path), histogram_freq=1)
    run_epochs(callbacks.CallbackList([board]), model, [{"loss": 1.0, "val_loss": 2.0}, {"loss": 0.5, "val_loss": 1.5}])
    train = event_accumulator.EventAccumulator(str(tmp_path / "train"), size_guidance={"tensors": 0})
    train.Reload()
    validation = event_accumulator.EventAccumulator(str(tmp_path / "validation"))
    validation.Reload()
    assert [(e.step, e.value) for e in train.Scalars("epoch_loss")] == [(0, 1.0), (1, 0.5)]
    assert [(e.step, e.value) for e in validation.Scalars("epoch_loss")] == [(0, 2.0), (1, 1.5)]
    assert set(train.Tags()["histograms"]) == {"dense_1/weight_0", "dense_1/weight_1"}
    keras_graph = train.Tensors("keras")[0].tensor_proto.string_val[0]
    assert json.loads(keras_graph)["class_name"] == "Sequential"


# ---------------------------------------------------------------------------------------------
# ProgbarLogger
# ---------------------------------------------------------------------------------------------
class FakeClock:
    def __init__(self, now=500.0):
        self.now = now

    def time(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(generic_utils, "time", fake)
    return fake


FULL_BAR = "[==============================]"


def fit_with_progbar(progbar, clock, params, epochs_logs, batch_logs_per_epoch):
    """Runs the fit events with batch logs given as CountingLogs; returns them."""
    callback_list = callbacks.CallbackList([progbar], model=FakeModel(), **params)
    callback_list.on_train_begin()
    seen_logs = []
    for epoch, epoch_logs in enumerate(epochs_logs):
        callback_list.on_epoch_begin(epoch)
        for batch, values in enumerate(batch_logs_per_epoch):
            clock.now += 0.25
            logs = CountingLogs(dict(values, batch=batch, size=2))
            seen_logs.append(logs)
            if callback_list.needs_batch_hooks("train"):
                callback_list.on_train_batch_end(batch, logs)
        callback_list.on_test_begin()
        if callback_list.needs_batch_hooks("test"):
            callback_list.on_test_batch_end(0, {"loss": 9.0})
        callback_list.on_test_end({"loss": 9.0})
        callback_list.on_epoch_end(epoch, dict(epoch_logs))
    callback_list.on_train_end()
    return seen_logs


FIT_PARAMS = {
    "batch_size": 2,
    "epochs": 2,
    "steps": 4,
    "samples": 8,
    "verbose": 1,
    "do_validation": True,
    "metrics": ["loss", "accuracy", "val_loss", "val_accuracy"],
}
BATCHES = [{"loss": torch.tensor(0.5 / (b + 1)), "accuracy": torch.tensor(0.25 * b)} for b in range(4)]
EPOCH_LOGS = [
    {"loss": 0.125, "accuracy": 0.75, "val_loss": 0.25, "val_accuracy": 0.5},
    {"loss": 0.0625, "accuracy": 1.0, "val_loss": 0.0005, "val_accuracy": 0.625},
]


def test_progbar_logger_without_terminal_prints_final_lines_and_reads_no_batch_logs(clock, capsys):
    progbar = callbacks.ProgbarLogger(count_mode="steps")
    seen_logs = fit_with_progbar(progbar, clock, FIT_PARAMS, EPOCH_LOGS, BATCHES)
    assert capsys.readouterr().out == (
        "Epoch 1/2\n"
        f"4/4 {FULL_BAR} - 1s 250ms/step - loss: 0.1250 - accuracy: 0.7500 - val_loss: 0.2500 - val_accuracy: 0.5000\n"
        "Epoch 2/2\n"
        f"4/4 {FULL_BAR} - 1s 250ms/step - loss: 0.0625 - accuracy: 1.0000 - val_loss: 5.0000e-04 - val_accuracy: 0.6250\n"
    )
    assert all(logs.reads == 0 for logs in seen_logs)


def test_progbar_logger_verbose2_and_single_epoch(clock, capsys):
    params = dict(FIT_PARAMS, verbose=2)
    fit_with_progbar(callbacks.ProgbarLogger(count_mode="steps"), clock, params, EPOCH_LOGS, BATCHES)
    assert capsys.readouterr().out == (
        "Epoch 1/2\n"
        "4/4 - 1s - loss: 0.1250 - accuracy: 0.7500 - val_loss: 0.2500 - val_accuracy: 0.5000 - 1s/epoch - 250ms/step\n"
        "Epoch 2/2\n"
        "4/4 - 1s - loss: 0.0625 - accuracy: 1.0000 - val_loss: 5.0000e-04 - val_accuracy: 0.6250 - 1s/epoch - 250ms/step\n"
    )
    # tf.keras 2 prints no "Epoch 1/1" header for a single epoch.
    params = dict(FIT_PARAMS, verbose=2, epochs=1)
    fit_with_progbar(callbacks.ProgbarLogger(count_mode="steps"), clock, params, EPOCH_LOGS[:1], BATCHES)
    assert (
        capsys.readouterr().out
        == "4/4 - 1s - loss: 0.1250 - accuracy: 0.7500 - val_loss: 0.2500 - val_accuracy: 0.5000 - 1s/epoch - 250ms/step\n"
    )


def test_progbar_logger_counts_samples(clock, capsys):
    params = dict(FIT_PARAMS, epochs=1, steps=None, samples=7)
    progbar = callbacks.ProgbarLogger(count_mode="samples")
    fit_with_progbar(progbar, clock, params, [{"loss": 0.5}], BATCHES)
    assert capsys.readouterr().out == f"7/7 {FULL_BAR} - 1s 143ms/sample - loss: 0.5000\n"


def test_progbar_logger_infers_an_unknown_target(clock, capsys):
    params = dict(FIT_PARAMS, epochs=1, steps=None, verbose=2)
    progbar = callbacks.ProgbarLogger(count_mode="steps")
    seen_logs = fit_with_progbar(progbar, clock, params, [{"loss": 0.5}], BATCHES)
    assert capsys.readouterr().out == "4/4 - 1s - loss: 0.5000 - 1s/epoch - 250ms/step\n"
    assert all(logs.reads == 0 for logs in seen_logs)


def test_progbar_logger_on_a_terminal_reads_logs_only_for_drawn_frames(clock, capsys, monkeypatch):
    monkeypatch.setattr(generic_utils, "_is_dynamic_display", lambda: True)
    params = dict(FIT_PARAMS, epochs=1)
    progbar = callbacks.ProgbarLogger(count_mode="steps")
    callback_list = callbacks.CallbackList([progbar], model=FakeModel(), **params)
    assert callback_list.needs_batch_hooks("train")
    callback_list.on_train_begin()
    callback_list.on_epoch_begin(0)
    logs = [CountingLogs(dict(values, batch=b, size=2)) for b, values in enumerate(BATCHES)]
    clock.now += 0.5
    callback_list.on_train_batch_end(0, logs[0])
    clock.now += 0.01  # within the 0.05 s redraw interval: not drawn, logs not read
    callback_list.on_train_batch_end(1, logs[1])
    clock.now += 0.5
    callback_list.on_train_batch_end(2, logs[2])
    assert [item.reads > 0 for item in logs[:3]] == [True, False, True]
    clock.now += 0.5
    callback_list.on_epoch_end(0, {"loss": 0.125, "accuracy": 0.75})
    assert capsys.readouterr().out == (
        # 0.5 s for the first step, 3 steps left: ETA 1.5 s.
        "\r1/4 [======>.......................] - ETA: 1s - loss: 0.5000 - accuracy: 0.0000e+00"
        # Later steps: 0.51 s / 2 steps after the first; padded over the longer first frame.
        "\r3/4 [=====================>........] - ETA: 0s - loss: 0.1667 - accuracy: 0.5000    "
        # 1.51 s in all; (1.51 - 0.5) / 3 s per step after the first.
        f"\r4/4 {FULL_BAR} - 2s 337ms/step - loss: 0.1250 - accuracy: 0.7500\n"
    )


def test_progbar_logger_evaluate_and_predict(clock, capsys):
    params = {"epochs": 1, "steps": 2, "samples": None, "verbose": 1, "metrics": ["loss"]}
    callback_list = callbacks.CallbackList([callbacks.ProgbarLogger(count_mode="steps")], **params)
    callback_list.on_test_begin()
    assert callback_list.needs_batch_hooks("test") is False  # not on a terminal
    clock.now += 1.0
    callback_list.on_test_end({"loss": 0.25})
    callback_list.on_predict_begin()
    clock.now += 0.5
    callback_list.on_predict_end()
    assert capsys.readouterr().out == (
        f"2/2 {FULL_BAR} - 1s 500ms/step - loss: 0.2500\n2/2 {FULL_BAR} - 0s 250ms/step\n"
    )


def test_progbar_logger_validation_inside_fit_is_silent(clock, capsys, monkeypatch):
    monkeypatch.setattr(generic_utils, "_is_dynamic_display", lambda: True)
    callback_list = callbacks.CallbackList([callbacks.ProgbarLogger(count_mode="steps")], **dict(FIT_PARAMS, epochs=1))
    assert callback_list.needs_batch_hooks("test")
    callback_list.on_train_begin()
    assert not callback_list.needs_batch_hooks("test")
    callback_list.on_test_begin()
    callback_list.on_test_batch_end(0, {"loss": 1.0})
    callback_list.on_test_end({"loss": 1.0})
    assert capsys.readouterr().out == ""


def test_progbar_logger_rejects_unknown_count_mode():
    with pytest.raises(ValueError, match="count_mode='batches'"):
        callbacks.ProgbarLogger(count_mode="batches")


def test_checkpoint_file_name_with_keras_2_2_val_acc_field(tmp_path):
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "w.{epoch:02d}-{val_acc:.2f}.h5"), save_weights_only=True)
    assert checkpoint._get_file_path(2, {"val_accuracy": 0.8765}) == str(tmp_path / "w.03-0.88.h5")


def test_history_answers_keras_2_2_acc_keys():
    history = callbacks.History()
    run_epochs(callbacks.CallbackList([history]), FakeModel(), [{"accuracy": 0.5, "val_accuracy": 0.25}] * 2)
    assert history.history["acc"] == [0.5, 0.5] and history.history["val_acc"] == [0.25, 0.25]
    assert sorted(history.history) == ["accuracy", "val_accuracy"]
    with pytest.raises(KeyError, match="val_loss"):
        history.history["val_loss"]
