"""fit/evaluate semantics compared with tf.keras 2.15: callback params, batch size from `steps`,
validation_steps, class_weight checks, Loss objects with reduction='none', sample weights without
'temporal' mode. References are computed with NumPy."""

import numpy as np
import pytest

from kerastorch import callbacks
from kerastorch import losses
from kerastorch import optimizers
from kerastorch.layers import Dense
from kerastorch.models import Sequential

KERNEL = np.array([[0.5], [-1.0], [0.25]], "float32")
BIAS = np.array([0.1], "float32")


def linear_model(lr=0.0, loss="mse", **compile_kwargs):
    model = Sequential([Dense(1, input_shape=(3,))])
    model.set_weights([KERNEL, BIAS])
    model.compile(optimizers.SGD(lr), loss, **compile_kwargs)
    return model


def data(n=11, seed=0):
    rng = np.random.RandomState(seed)
    return rng.rand(n, 3).astype("float32"), rng.rand(n, 1).astype("float32")


class BatchSizes(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.train, self.test = [], []

    def on_train_batch_end(self, batch, logs=None):
        self.train.append(int(logs["size"]))

    def on_test_batch_end(self, batch, logs=None):
        self.test.append(int(logs["size"]))


def test_params_steps_is_the_number_of_batches():
    x, y = data()
    history = linear_model().fit(x, y, batch_size=4, epochs=2, verbose=0)
    # tf.keras 2.15 params: epochs, steps (batches per epoch), verbose; Keras 2.2.4 keys are kept.
    assert {"epochs": 2, "steps": 3, "verbose": 0}.items() <= history.params.items()
    assert history.params["samples"] == 11 and history.params["batch_size"] == 4


def test_steps_without_batch_size_spreads_the_samples_over_the_steps():
    x, y = data()
    sizes = BatchSizes()
    history = linear_model().fit(x, y, epochs=2, steps_per_epoch=2, verbose=0, callbacks=[sizes])
    assert sizes.train == [6, 5, 6, 5]  # ceil(11 / 2), as tf.keras 2
    assert history.params["batch_size"] == 6
    sizes = BatchSizes()
    linear_model().evaluate(x, y, steps=3, verbose=0, callbacks=[sizes])
    assert sizes.test == [4, 4, 3]


def test_validation_steps_restart_from_the_first_batch_every_epoch():
    x, y = data()
    val_x, val_y = data(5, seed=1)
    history = linear_model().fit(
        x, y, batch_size=4, epochs=3, verbose=0, validation_data=(val_x, val_y), validation_steps=1
    )
    first_batch = float(np.mean((val_x[:4] @ KERNEL + BIAS - val_y[:4]) ** 2))
    np.testing.assert_allclose(history.history["val_loss"], [first_batch] * 3, rtol=1e-5)


def test_class_weight_missing_a_class_of_the_data_raises():
    x, _ = data(6)
    y = np.eye(3, dtype="float32")[[0, 1, 2, 0, 1, 2]]
    model = Sequential([Dense(3, input_shape=(3,), activation="softmax")])
    model.compile("sgd", "categorical_crossentropy")
    with pytest.raises(ValueError, match=r"classes \[2\] exist in the data but not in `class_weight`"):
        model.fit(x, y, class_weight={0: 1.0, 1: 2.0}, verbose=0)


def test_loss_with_reduction_none_logs_the_mean_and_steps_on_the_sum():
    x, y = data()
    w = np.linspace(0.1, 1.0, 11).astype("float32")
    model = linear_model(lr=0.0, loss=losses.MeanSquaredError(reduction="none"))
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False, sample_weight=w)
    per_sample = w * ((x @ KERNEL + BIAS - y) ** 2)[:, 0]
    # tf.keras 2: the loss Mean weights each element by the batch size.
    sizes = [4, 4, 3]
    starts = [0, 4, 8]
    expected = sum(n * per_sample[s : s + n].sum() for s, n in zip(starts, sizes)) / sum(n * n for n in sizes)
    assert history.history["loss"][0] == pytest.approx(expected, rel=1e-5)
    # The gradient is that of the sum of the per-sample values.
    model = linear_model(lr=0.1, loss=losses.MeanSquaredError(reduction="none"))
    model.train_on_batch(x[:4], y[:4])
    error = (x[:4] @ KERNEL + BIAS - y[:4])[:, 0]
    grad_kernel = (2 * error[:, None] * x[:4]).sum(axis=0)[:, None]
    np.testing.assert_allclose(model.get_weights()[0], KERNEL - 0.1 * grad_kernel, rtol=1e-5)


def test_sample_weights_per_timestep_without_temporal_mode():
    model = Sequential([Dense(1, input_shape=(4, 3))])
    model.set_weights([KERNEL, BIAS])
    model.compile("sgd", "mse")
    rng = np.random.RandomState(2)
    x = rng.rand(5, 4, 3).astype("float32")
    y = rng.rand(5, 4, 1).astype("float32")
    w = rng.rand(5, 4).astype("float32")
    per_step = ((x @ KERNEL + BIAS - y) ** 2)[..., 0]
    assert model.evaluate(x, y, sample_weight=w, verbose=0) == pytest.approx((w * per_step).mean(), rel=1e-5)
    model.compile("sgd", "mse", sample_weight_mode="temporal")
    w1 = w[:, 0]
    assert model.evaluate(x, y, sample_weight=w1, verbose=0) == pytest.approx((w1[:, None] * per_step).mean(), rel=1e-5)


def test_accuracy_is_sparse_for_integer_targets_with_any_loss():
    rng = np.random.RandomState(3)
    x = rng.rand(10, 3).astype("float32")
    labels = rng.randint(0, 3, 10)
    model = Sequential([Dense(3, input_shape=(3,), activation="softmax")])
    model.compile(optimizers.SGD(0.0), lambda y_true, y_pred: (y_pred * 0.0).sum(axis=-1), metrics=["accuracy"])
    history = model.fit(x, labels.astype("float32"), batch_size=4, verbose=0)
    # tf.keras 2: targets of last dimension 1 against 3 outputs are labels (sparse accuracy), and a
    # custom loss is not shape-checked.
    expected = np.mean(model.predict(x).argmax(axis=-1) == labels)
    assert history.history["accuracy"][0] == pytest.approx(expected)
