"""Callbacks compared with tf.keras 2.15: EarlyStopping decisions and messages, ModelCheckpoint,
ReduceLROnPlateau and LearningRateScheduler messages, CSVLogger columns, on_train_end logs.

Expected values are those tf.keras 2.15 gives for the same sequences of logged values."""

import csv

import numpy as np
import pytest

from kerastorch import callbacks
from kerastorch import optimizers
from kerastorch.layers import Dense
from kerastorch.models import Sequential


def tiny_model(lr=0.1):
    model = Sequential([Dense(1, input_shape=(1,), kernel_initializer="zeros")])
    model.compile(optimizers.SGD(lr), "mse")
    return model


def run_epochs(callback, values, key="loss", weights=None):
    """Feeds `values` as the epoch logs; returns (epochs run, stopped_epoch, best, kernel value)."""
    model = tiny_model()
    callback.set_model(model)
    model.stop_training = False
    callback.on_train_begin()
    ran = 0
    for epoch, value in enumerate(values):
        kernel = (weights or [0.0] * len(values))[epoch]
        model.set_weights([np.full((1, 1), kernel, "float32"), np.zeros(1, "float32")])
        ran += 1
        callback.on_epoch_end(epoch, {key: value})
        if model.stop_training:
            break
    callback.on_train_end()
    return ran, callback.stopped_epoch, float(callback.best), float(model.get_weights()[0][0, 0])


# (kwargs, logged values, (epochs run, stopped_epoch, best), printed text) as tf.keras 2.15.
EARLY_STOPPING_CASES = [
    (dict(patience=2), [1.0, 0.9, 0.95, 0.93, 0.5, 0.4], (4, 3, 0.9), "Epoch 4: early stopping\n"),
    # An improving epoch never stops training, even with patience=0.
    (dict(patience=0), [1.0, 0.9, 0.95, 0.93, 0.5, 0.4], (3, 2, 0.9), "Epoch 3: early stopping\n"),
    (dict(patience=0), [1.0, 1.1, 0.95], (2, 1, 1.0), "Epoch 2: early stopping\n"),
    # Improving but never reaching the baseline: no stop.
    (dict(patience=3, baseline=0.1), [1.0, 0.9, 0.8, 0.7, 0.6], (5, 0, 0.6), ""),
    (dict(patience=2, baseline=0.1), [1.0] * 5, (2, 1, 1.0), "Epoch 2: early stopping\n"),
    (dict(patience=1, baseline=0.5), [0.6, 0.4, 0.45, 0.47], (3, 2, 0.4), "Epoch 3: early stopping\n"),
    (dict(patience=1, min_delta=0.1), [1.0, 0.95, 0.85, 0.84], (2, 1, 1.0), "Epoch 2: early stopping\n"),
    (dict(patience=0, start_from_epoch=2), [1.0, 2.0, 3.0, 2.0, 2.5], (5, 4, 2.0), "Epoch 5: early stopping\n"),
]


@pytest.mark.parametrize("kwargs, values, expected, printed", EARLY_STOPPING_CASES)
def test_early_stopping_decisions_as_tf_keras(kwargs, values, expected, printed, capsys):
    stopper = callbacks.EarlyStopping(monitor="loss", verbose=1, **kwargs)
    ran, stopped, best, _ = run_epochs(stopper, values)
    assert (ran, stopped) == expected[:2]
    assert best == pytest.approx(expected[2])
    assert capsys.readouterr().out == printed


def test_early_stopping_restore_best_weights_message_and_best_epoch(capsys):
    stopper = callbacks.EarlyStopping(monitor="loss", patience=2, restore_best_weights=True, verbose=1)
    ran, stopped, best, kernel = run_epochs(stopper, [1.0, 0.2, 0.5, 0.6, 0.1], weights=[10, 11, 12, 13, 14])
    assert (ran, stopped, best, kernel) == (4, 3, pytest.approx(0.2), 11.0)
    assert stopper.best_epoch == 1
    assert capsys.readouterr().out == (
        "Restoring model weights from the end of the best epoch: 2.\nEpoch 4: early stopping\n"
    )
    # No stop: the weights of the last epoch stay.
    stopper = callbacks.EarlyStopping(monitor="loss", patience=5, restore_best_weights=True)
    assert run_epochs(stopper, [1.0, 0.2, 0.5], weights=[10, 11, 12])[3] == 12.0


def test_early_stopping_in_fit_patience_zero_trains_past_an_improving_epoch():
    x = np.linspace(-1, 1, 8).reshape(8, 1).astype("float32")
    model = tiny_model(lr=0.1)
    history = model.fit(x, 2 * x, batch_size=8, epochs=5, verbose=0,
                        callbacks=[callbacks.EarlyStopping(monitor="loss", patience=0)])
    # The loss decreases every epoch: all epochs run (a stop after the first epoch was a bug).
    assert history.epoch == [0, 1, 2, 3, 4]


def test_reduce_lr_and_scheduler_messages(capsys):
    model = tiny_model(lr=1.0)
    reducer = callbacks.ReduceLROnPlateau(monitor="loss", patience=1, factor=0.5, cooldown=2, min_lr=0.2, verbose=1)
    reducer.set_model(model)
    reducer.on_train_begin()
    lrs = []
    for epoch in range(8):
        logs = {"loss": 1.0}
        reducer.on_epoch_end(epoch, logs)
        lrs.append(float(logs["lr"]))
    assert lrs == pytest.approx([1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2])
    assert capsys.readouterr().out == (
        "\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.5.\n"
        "\nEpoch 4: ReduceLROnPlateau reducing learning rate to 0.25.\n"
        "\nEpoch 6: ReduceLROnPlateau reducing learning rate to 0.2.\n"
    )
    scheduler = callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1), verbose=1)
    scheduler.set_model(model)
    scheduler.on_epoch_begin(1)
    assert capsys.readouterr().out == "\nEpoch 2: LearningRateScheduler setting learning rate to 0.05.\n"


def test_model_checkpoint_messages_and_missing_directory(tmp_path, capsys):
    model = tiny_model()
    path = tmp_path / "sub" / "w-{epoch:02d}-{val_loss:.2f}-{loss:.3f}.h5"
    checkpoint = callbacks.ModelCheckpoint(str(path), save_weights_only=True, save_best_only=True, verbose=1)
    checkpoint.set_model(model)
    checkpoint.on_train_begin()
    for epoch, value in enumerate([0.5, 0.6, 0.4]):
        checkpoint.on_epoch_begin(epoch)
        checkpoint.on_epoch_end(epoch, {"val_loss": value, "loss": value})
    # The directory is created, as tf.keras 2 does.
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["w-01-0.50-0.500.h5", "w-03-0.40-0.400.h5"]
    sub = tmp_path / "sub"
    assert capsys.readouterr().out == (
        f"\nEpoch 1: val_loss improved from inf to 0.50000, saving model to {sub / 'w-01-0.50-0.500.h5'}\n"
        "\nEpoch 2: val_loss did not improve from 0.50000\n"
        f"\nEpoch 3: val_loss improved from 0.50000 to 0.40000, saving model to {sub / 'w-03-0.40-0.400.h5'}\n"
    )


def test_csv_logger_adds_val_columns_when_the_first_epoch_has_none(tmp_path):
    x = np.linspace(-1, 1, 8).reshape(8, 1).astype("float32")
    model = tiny_model(lr=0.0)
    model.compile(optimizers.SGD(0.0), "mse", metrics=["mae"])
    path = tmp_path / "log.csv"
    model.fit(x, 2 * x, batch_size=8, epochs=2, verbose=0, callbacks=[callbacks.CSVLogger(str(path))])
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    # tf.keras 2.15: epoch,loss,mae,val_loss,val_mae with NA for the missing validation values.
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    loss = float(np.mean((2 * x) ** 2))
    mae = float(np.mean(np.abs(2 * x)))
    for epoch, row in enumerate(rows[1:]):
        assert row[0] == str(epoch) and row[3:] == ["NA", "NA"]
        assert float(row[1]) == pytest.approx(loss, rel=1e-6) and float(row[2]) == pytest.approx(mae, rel=1e-6)
    # Validation from the second epoch on (validation_freq=2): the val_ columns come from the logs.
    model.fit(x, 2 * x, batch_size=8, epochs=2, verbose=0, validation_data=(x, 2 * x), validation_freq=2,
              callbacks=[callbacks.CSVLogger(str(path))])
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert rows[1][3:] == ["NA", "NA"] and float(rows[2][3]) == pytest.approx(loss, rel=1e-6)


def test_on_train_end_receives_the_last_epoch_logs():
    seen = []
    x = np.linspace(-1, 1, 8).reshape(8, 1).astype("float32")
    model = tiny_model(lr=0.0)
    recorder = callbacks.LambdaCallback(on_train_end=lambda logs: seen.append(dict(logs)))
    model.fit(x, 2 * x, batch_size=4, epochs=2, verbose=0, validation_data=(x[:4], 2 * x[:4]), callbacks=[recorder])
    assert sorted(seen[0]) == ["loss", "val_loss"]
    assert seen[0]["loss"] == pytest.approx(float(np.mean((2 * x) ** 2)), rel=1e-6)
    assert seen[0]["val_loss"] == pytest.approx(float(np.mean((2 * x[:4]) ** 2)), rel=1e-6)
