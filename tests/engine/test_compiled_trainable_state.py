"""fit/train_on_batch train with the `trainable` flags of compile time, as tf.keras 2 does
(a GAN freezes its compiled discriminator before compiling the combined model)."""

import numpy as np

from kerastorch import layers
from kerastorch import optimizers
from kerastorch.models import Model
from kerastorch.models import Sequential

X = np.ones((1, 1), dtype="float32")
Y = np.zeros((1, 1), dtype="float32")


def _scalar_model(w):
    model = Sequential([layers.Dense(1, use_bias=False, input_shape=(1,))])
    model.set_weights([np.array([[w]], dtype="float32")])
    return model


def _kernel(model):
    return float(model.get_weights()[0][0, 0])


def test_frozen_after_compile_still_trains_and_stays_frozen():
    model = _scalar_model(1.0)
    model.compile(optimizers.SGD(learning_rate=0.1), "mse")
    model.trainable = False
    model.train_on_batch(X, Y)
    # SGD on (w - 0)^2: w <- w - 0.1 * 2 * w
    np.testing.assert_allclose(_kernel(model), 0.8, rtol=1e-6)
    model.fit(X, Y, epochs=1, verbose=0)
    np.testing.assert_allclose(_kernel(model), 0.64, rtol=1e-6)
    assert model.trainable is False and model.layers[0].trainable is False
    assert model.trainable_weights == []


def test_combined_model_compiled_with_the_frozen_part_leaves_it():
    disc = _scalar_model(1.0)
    disc.compile(optimizers.SGD(learning_rate=0.1), "mse")
    gen = Sequential([layers.Dense(1, use_bias=False, input_shape=(1,))])
    gen.set_weights([np.array([[2.0]], dtype="float32")])
    disc.trainable = False
    inp = layers.Input((1,))
    combined = Model(inp, disc(gen(inp)))
    combined.compile(optimizers.SGD(learning_rate=0.1), "mse")
    for _ in range(2):
        # generator step: loss (d * g)^2, d = 1 frozen -> g <- g - 0.1 * 2 * g * d^2
        g, d = _kernel(gen), _kernel(disc)
        combined.train_on_batch(X, Y)
        np.testing.assert_allclose(_kernel(gen), g - 0.2 * g * d * d, rtol=1e-6)
        np.testing.assert_allclose(_kernel(disc), d, rtol=0)
        # discriminator step: its own compile had it trainable
        disc.train_on_batch(X, Y)
        np.testing.assert_allclose(_kernel(disc), 0.8 * d, rtol=1e-6)
    assert disc.trainable is False


def test_recompiling_after_freezing_freezes():
    model = _scalar_model(1.0)
    model.compile(optimizers.SGD(learning_rate=0.1), "mse")
    model.layers[0].trainable = False
    model.compile(optimizers.SGD(learning_rate=0.1), "mse")
    history = model.fit(X, Y, epochs=2, verbose=0)
    loss = model.train_on_batch(X, Y)
    # nothing to train: the loss is computed (w^2 = 1) and no weight moves, as in tf.keras
    assert _kernel(model) == 1.0
    np.testing.assert_allclose(history.history["loss"], [1.0, 1.0])
    np.testing.assert_allclose(loss, 1.0)
    assert int(model.optimizer.iterations) == 0
