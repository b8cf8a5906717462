"""User layers written Keras-style: add_weight (keyword and Keras 2 positional), auto config, round trips."""

import numpy as np
import pytest

from kerastorch import backend as K
from kerastorch import layers
from kerastorch.models import Sequential
from kerastorch.models import model_from_json


class MyLayer(layers.Layer):
    def __init__(self, output_dim, **kwargs):
        self.output_dim = output_dim
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel", shape=(input_shape[1], self.output_dim), initializer="uniform", trainable=True
        )
        super().build(input_shape)

    def call(self, x):
        return K.dot(x, self.kernel)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)


class Positional(layers.Layer):
    def build(self, input_shape):
        # Keras 2 order: name, shape, dtype, initializer, regularizer, trainable, constraint.
        self.k = self.add_weight("k", (input_shape[-1], 2), None, "ones", None, True, None)
        self.c = self.add_weight("c", (2,), "float32", "zeros", "l2", False)
        super().build(input_shape)

    def call(self, x):
        return K.dot(x, self.k) + self.c


class NoKwargs(layers.Layer):
    def __init__(self, units, scale=1.0):
        super().__init__()
        self.units = units
        self.scale = scale


class TakesFunction(layers.Layer):
    def __init__(self, fn, **kwargs):
        super().__init__(**kwargs)
        self.fn = fn


def test_keras_style_layer_builds_with_uniform_kernel_and_auto_config():
    model = Sequential([MyLayer(3, input_shape=(4,), name="my"), layers.Dense(2, name="d")])
    kernel = model.layers[0].get_weights()[0]
    assert kernel.shape == (4, 3)
    assert np.abs(kernel).max() <= 0.05  # RandomUniform(-0.05, 0.05)
    # tf.keras 2.15 values for this layer's config (no get_config override).
    assert model.layers[0].get_config() == {
        "name": "my",
        "trainable": True,
        "dtype": "float32",
        "batch_input_shape": [None, 4],
        "input_shape": (4,),
        "output_dim": 3,
    }
    assert model.layers[0].output_shape == (None, 3)


def test_auto_config_round_trips_through_json_with_custom_objects():
    model = Sequential([MyLayer(3, input_shape=(4,), name="my")])
    model.set_weights([np.arange(12, dtype="float32").reshape(4, 3)])
    with pytest.raises(ValueError, match="Unknown layer: 'MyLayer'"):
        model_from_json(model.to_json())
    rebuilt = model_from_json(model.to_json(), custom_objects={"MyLayer": MyLayer})
    assert rebuilt.layers[0].output_dim == 3
    assert rebuilt.output_shape == (None, 3)


def test_auto_config_without_kwargs_drops_base_keys_and_skips_objects():
    assert NoKwargs(3, scale=2.0).get_config() == {"units": 3, "scale": 2.0}
    assert TakesFunction(lambda x: x, name="f").get_config() == {"name": "f", "trainable": True, "dtype": "float32"}


def test_positional_add_weight_follows_keras2_order():
    layer = Positional(name="pos")
    Sequential([layers.InputLayer(input_shape=(3,)), layer])
    assert [tuple(w.shape) for w in layer.trainable_weights] == [(3, 2)]
    assert [tuple(w.shape) for w in layer.non_trainable_weights] == [(2,)]
    np.testing.assert_array_equal(layer.get_weights()[0], np.ones((3, 2)))
    assert len(layer.losses) == 1  # the l2 regularizer of `c`
    assert layer.compute_output_shape((None, 3)) == (None, 2)
    assert layer.get_config() == {"name": "pos", "trainable": True, "dtype": "float32"}
