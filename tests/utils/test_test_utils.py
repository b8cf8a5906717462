"""layer_test: passes correct layers, returns their output, and catches each kind of layer defect."""

import numpy as np
import pytest
import torch

from kerastorch import layers
from kerastorch import models
from kerastorch.engine.layer import Layer
from kerastorch.utils.test_utils import layer_test


class Scale(Layer):
    """A correct custom layer: multiplies by a learned per-feature scale and a constant factor."""

    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.scale = self.add_weight("scale", shape=(input_shape[-1],), initializer="ones")

    def call(self, inputs):
        return inputs * self.scale * self.factor

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


class WrongShape(Scale):
    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (input_shape[-1] + 1,)


class ForgetsFactor(Scale):
    def get_config(self):
        config = super().get_config()
        del config["factor"]
        return config


class UnserializableConfig(Scale):
    def get_config(self):
        config = super().get_config()
        config["factor"] = object()
        return config


class ResetsOnSetWeights(Scale):
    def set_weights(self, weights):
        super().set_weights([np.ones_like(w) for w in weights])


def test_layer_test_returns_the_output_and_accepts_none_dimensions():
    np.random.seed(1)
    output = layer_test(Scale, kwargs={"factor": 2.0}, input_shape=(None, 3))
    assert output.ndim == 2 and output.shape[1] == 3 and 1 <= output.shape[0] <= 3
    assert output.dtype == np.float32


def test_layer_test_compares_expected_output():
    x = np.array([[1.0, 2.0]], "float32")
    out = layer_test(Scale, kwargs={"factor": 3.0}, input_data=x, expected_output=[[3.0, 6.0]])
    np.testing.assert_allclose(out, [[3.0, 6.0]])
    with pytest.raises(AssertionError, match="expected_output"):
        layer_test(Scale, kwargs={"factor": 3.0}, input_data=x, expected_output=[[3.0, 6.5]])


def test_layer_test_checks_the_output_dtype():
    with pytest.raises(AssertionError, match="dtype is float32, expected int32"):
        layer_test(Scale, input_shape=(2, 3), expected_output_dtype="int32")


def test_layer_test_catches_a_wrong_compute_output_shape():
    with pytest.raises(AssertionError, match="compute_output_shape"):
        layer_test(WrongShape, input_shape=(2, 3))


def test_layer_test_catches_a_config_that_loses_an_argument():
    with pytest.raises(AssertionError, match="after from_config"):
        layer_test(ForgetsFactor, kwargs={"factor": 2.0}, input_shape=(2, 3))


def test_layer_test_catches_an_unserializable_config():
    with pytest.raises(AssertionError, match="not JSON-serializable"):
        layer_test(UnserializableConfig, input_shape=(2, 3))


def test_layer_test_catches_broken_set_weights():
    with pytest.raises(AssertionError, match="get_weights after set_weights"):
        layer_test(ResetsOnSetWeights, input_shape=(2, 3))


def test_layer_test_runs_one_training_step_only_when_asked(monkeypatch):
    calls = []
    original = models.Model.train_on_batch

    def counting(self, *args, **kwargs):
        calls.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(models.Model, "train_on_batch", counting)
    layer_test(Scale, input_shape=(2, 3))
    assert len(calls) == 1
    layer_test(Scale, input_shape=(2, 3), validate_training=False)
    layer_test(layers.Flatten, input_shape=(2, 3, 2))  # no trainable weights: no step
    assert len(calls) == 1


def test_layer_test_multi_input_layer():
    x = [np.ones((2, 3), "float32"), np.full((2, 3), 2.0, "float32")]
    out = layer_test(layers.Add, input_data=x, expected_output=np.full((2, 3), 3.0))
    assert out.shape == (2, 3)
    layer_test(layers.Concatenate, kwargs={"axis": -1}, input_shape=[(2, 3), (2, 4)])


def test_layer_test_integer_inputs_and_fixed_batch_size():
    out = layer_test(layers.Flatten, input_shape=(2, 3, 2), input_dtype="int32", fixed_batch_size=True)
    assert out.dtype == np.int32 and out.shape == (2, 6)


def test_layer_test_needs_a_shape_or_data():
    with pytest.raises(ValueError, match="needs `input_shape` or `input_data`"):
        layer_test(Scale)


def test_layer_test_accepts_torch_input_data():
    out = layer_test(Scale, input_data=torch.ones(2, 3))
    np.testing.assert_allclose(out, np.ones((2, 3)))
