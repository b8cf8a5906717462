"""Model / Sequential API surface compared with tf.keras 2.15 (errors, metrics, attributes)."""

import numpy as np
import pytest

from kerastorch import layers
from kerastorch.models import Model
from kerastorch.models import Sequential


def test_sequential_rejects_multi_output_layer_with_value_error():
    with pytest.raises(ValueError, match="single output tensor"):
        Sequential([layers.LSTM(2, return_state=True, input_shape=(3, 2))])


def test_get_layer_errors_echo_the_arguments():
    model = Sequential([layers.Dense(2, input_shape=(3,), name="d1")])
    with pytest.raises(ValueError, match="Received: index=0, name=d1"):
        model.get_layer("d1", 0)
    with pytest.raises(ValueError, match="layer name or a layer index"):
        model.get_layer()
    assert model.get_layer(index=-1).name == "d1"


def test_unbuilt_model_attribute_errors_keep_their_message():
    model = Sequential([layers.Dense(3)])
    with pytest.raises(AttributeError, match="has never been called"):
        model.input_shape
    with pytest.raises(AttributeError, match="has never been called"):
        model.output_shape


def test_metrics_list_loss_trackers_after_training_as_tf_keras():
    model = Sequential([layers.Dense(2, input_shape=(4,), name="d")])
    model.compile("sgd", "mse", metrics=["mae"])
    assert model.metrics == []
    x = np.ones((4, 4), "float32")
    y = np.zeros((4, 2), "float32")
    model.set_weights([np.full((4, 2), 0.5, "float32"), np.zeros(2, "float32")])
    model.evaluate(x, y, verbose=0)
    assert [m.name for m in model.metrics] == ["loss", "mae"]
    # Every prediction is 4 * 0.5 = 2 against a target of 0: mse 4, mae 2.
    assert float(model.metrics[0].result()) == pytest.approx(4.0)
    assert float(model.metrics[1].result()) == pytest.approx(2.0)
    model.metrics[0].reset_state()
    assert float(model.metrics[0].result()) == 0.0
    assert model.metrics[0] is model.metrics[0]


def test_multi_output_metrics_names_the_per_output_losses():
    inputs = layers.Input(shape=(3,))
    model = Model(inputs, [layers.Dense(1, name="o1")(inputs), layers.Dense(2, name="o2")(inputs)])
    model.compile("sgd", "mse", metrics=["mae"])
    model.evaluate(np.ones((2, 3)), [np.ones((2, 1)), np.ones((2, 2))], verbose=0)
    assert [m.name for m in model.metrics][:3] == ["loss", "o1_loss", "o2_loss"]
    assert len(model.metrics) == 5
