"""Model weights are listed layer by layer (tf.keras 2), so tf.keras `get_weights()` lists feed `set_weights()`."""

import h5py
import numpy as np

from kerastorch import layers
from kerastorch import models


def _model_with_frozen_and_batchnorm():
    model = models.Sequential(
        [
            layers.Dense(3, input_shape=(4,), trainable=False, name="frozen"),
            layers.BatchNormalization(name="bn"),
            layers.Dense(2, name="head"),
        ]
    )
    return model


def test_weights_and_get_weights_go_layer_by_layer():
    model = _model_with_frozen_and_batchnorm()
    # tf.keras 2.15 lists: frozen/kernel, frozen/bias, bn/gamma, bn/beta, bn/moving_mean,
    # bn/moving_variance, head/kernel, head/bias (whatever each weight's trainable flag).
    expected_shapes = [(4, 3), (3,), (3,), (3,), (3,), (3,), (3, 2), (2,)]
    assert [tuple(w.shape) for w in model.get_weights()] == expected_shapes
    assert [w.name for w in model.weights] == [
        "frozen/kernel:0",
        "frozen/bias:0",
        "bn/gamma:0",
        "bn/beta:0",
        "bn/moving_mean:0",
        "bn/moving_variance:0",
        "head/kernel:0",
        "head/bias:0",
    ]
    # trainable_weights / non_trainable_weights keep their own lists.
    assert [w.name for w in model.trainable_weights] == ["bn/gamma:0", "bn/beta:0", "head/kernel:0", "head/bias:0"]


def test_set_weights_takes_the_layer_by_layer_list_and_predicts_like_numpy():
    model = _model_with_frozen_and_batchnorm()
    rng = np.random.RandomState(0)
    values = [rng.rand(*shape).astype("float32") + 0.5 for shape in [(4, 3), (3,), (3,), (3,), (3,), (3,), (3, 2), (2,)]]
    model.set_weights(values)
    x = rng.rand(5, 4).astype("float32")
    kernel, bias, gamma, beta, mean, variance, head_kernel, head_bias = values
    hidden = x @ kernel + bias
    normalized = gamma * (hidden - mean) / np.sqrt(variance + 1e-3) + beta
    np.testing.assert_allclose(model.predict(x), normalized @ head_kernel + head_bias, rtol=1e-5)


def test_hdf5_keeps_each_layers_trainable_then_non_trainable_order_for_nested_models(tmp_path):
    inner = _model_with_frozen_and_batchnorm()
    inputs = layers.Input((4,))
    outer = models.Model(inputs, inner(inputs))
    path = str(tmp_path / "nested.h5")
    outer.save_weights(path)
    with h5py.File(path, "r") as handle:
        names = [name.decode() for name in handle[inner.name].attrs["weight_names"]]
    # tf.keras writes a nested model's `trainable_weights + non_trainable_weights`.
    assert names == [
        "bn/gamma:0",
        "bn/beta:0",
        "head/kernel:0",
        "head/bias:0",
        "frozen/kernel:0",
        "frozen/bias:0",
        "bn/moving_mean:0",
        "bn/moving_variance:0",
    ]
    fresh_inputs = layers.Input((4,))
    fresh = models.Model(fresh_inputs, _model_with_frozen_and_batchnorm()(fresh_inputs))
    fresh.load_weights(path)
    for got, want in zip(fresh.get_weights(), outer.get_weights()):
        np.testing.assert_array_equal(got, want)
