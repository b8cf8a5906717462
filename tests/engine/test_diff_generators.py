"""Generators and Sequence in fit compared with tf.keras 2.15: a Sequence with fewer steps than batches
restarts each epoch, a finite generator needs no steps_per_epoch, a generator that runs out stops
training with a warning. References are computed with NumPy."""

import numpy as np
import pytest

from kerastorch import optimizers
from kerastorch.layers import Dense
from kerastorch.models import Sequential
from kerastorch.utils import Sequence

KERNEL = np.array([[0.5], [-1.0], [0.25]], "float32")
BIAS = np.array([0.1], "float32")
RNG = np.random.RandomState(0)
X = RNG.rand(12, 3).astype("float32")
Y = RNG.rand(12, 1).astype("float32")


def frozen_model():
    model = Sequential([Dense(1, input_shape=(3,))])
    model.set_weights([KERNEL, BIAS])
    model.compile(optimizers.SGD(0.0), "mse")
    return model


def mse(start, stop):
    return float(np.mean((X[start:stop] @ KERNEL + BIAS - Y[start:stop]) ** 2))


class Batches(Sequence):
    def __init__(self, size):
        self.size = size
        self.epochs_ended = 0

    def __len__(self):
        return int(np.ceil(len(X) / self.size))

    def __getitem__(self, index):
        return X[index * self.size : (index + 1) * self.size], Y[index * self.size : (index + 1) * self.size]

    def on_epoch_end(self):
        self.epochs_ended += 1


def finite(size):
    for start in range(0, len(X), size):
        yield X[start : start + size], Y[start : start + size]


@pytest.mark.parametrize("workers", [0, 1])
def test_sequence_with_fewer_steps_restarts_every_epoch(workers):
    history = frozen_model().fit(Batches(5), steps_per_epoch=2, epochs=3, shuffle=False, verbose=0, workers=workers)
    # Batches 0 and 1 (samples 0..9) every epoch, as tf.keras 2 (not batch 2 then batch 0).
    np.testing.assert_allclose(history.history["loss"], [mse(0, 10)] * 3, rtol=1e-5)


def test_finite_generator_without_steps_runs_one_pass_per_epoch():
    history = frozen_model().fit(finite(5), epochs=1, verbose=0)
    assert history.params["steps"] is None
    np.testing.assert_allclose(history.history["loss"], [mse(0, 12)], rtol=1e-5)
    # A second epoch finds the generator exhausted: tf.keras 2 logs zeros for it.
    history = frozen_model().fit(finite(5), epochs=2, verbose=0)
    np.testing.assert_allclose(history.history["loss"], [mse(0, 12), 0.0], rtol=1e-5)


def test_generator_running_out_stops_training_with_a_warning():
    with pytest.warns(UserWarning, match="ran out of data"):
        history = frozen_model().fit(finite(4), steps_per_epoch=2, epochs=3, verbose=0)
    assert history.epoch == [0, 1]
    np.testing.assert_allclose(history.history["loss"], [mse(0, 8), mse(8, 12)], rtol=1e-5)
