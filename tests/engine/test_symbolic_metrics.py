"""add_metric as tf.keras 2.15 (tests/data/generate_symbolic_api.py): in `call`, and symbolic on a functional model."""

import os

import numpy as np
import pytest
import torch

import kerastorch
from kerastorch import backend as K
from kerastorch import layers
from kerastorch import optimizers
from kerastorch.models import Model
from kerastorch.models import load_model
from kerastorch.models import model_from_json

REF = np.load(os.path.join(os.path.dirname(__file__), "..", "data", "symbolic_api_tfk2.npz"))
X, Y = REF["metric_x"], REF["metric_y"]


class Activity(layers.Layer):
    def call(self, inputs):
        self.add_metric(K.mean(inputs), name="in_mean")
        self.add_metric(inputs[:, 0], name="col0")
        return inputs


def _dense(inputs):
    return layers.Dense(1, kernel_initializer="ones", bias_initializer="zeros")(inputs)


def test_add_metric_in_call_matches_tf_keras():
    inputs = kerastorch.Input((2,))
    model = Model(inputs, _dense(Activity()(inputs)))
    model.compile(optimizers.SGD(0.0), "mse")
    names = [str(name) for name in REF["metric_names"]]
    assert model.metrics_names == names
    history = model.fit(X, Y, batch_size=2, epochs=1, verbose=0, shuffle=False)
    np.testing.assert_allclose([history.history[name][0] for name in names], REF["metric_history"], rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(X, Y, batch_size=2, verbose=0), REF["metric_evaluate"], rtol=1e-6)
    # A scalar counts once per batch: the mean of the batch means (1.5, 5.5, 8.5), not 4.5.
    assert model.evaluate(X, Y, batch_size=2, verbose=0, return_dict=True)["in_mean"] == pytest.approx(31 / 6)
    assert [metric.name for metric in model.metrics] == names
    history = model.fit(X, Y, batch_size=2, epochs=1, verbose=0, shuffle=False, validation_data=(X, Y))
    assert history.history["val_col0"] == pytest.approx([4.0])


def test_symbolic_add_metric_matches_tf_keras_and_survives_saving(tmp_path):
    inputs = kerastorch.Input((2,))
    outputs = _dense(inputs)
    model = Model(inputs, outputs)
    model.add_metric(K.sum(inputs, axis=1), name="sum_x")
    model.add_metric(K.mean(outputs), name="out_mean")
    model.compile(optimizers.SGD(0.0), "mse")
    assert model.metrics_names == [str(name) for name in REF["symbolic_metric_names"]]
    expected = REF["symbolic_metric_evaluate"]
    np.testing.assert_allclose(model.evaluate(X, Y, batch_size=2, verbose=0), expected, rtol=1e-6)
    assert [type(layer).__name__ for layer in model.layers].count("AddMetric") == 2
    restored = model_from_json(model.to_json())
    restored.set_weights(model.get_weights())
    restored.compile(optimizers.SGD(0.0), "mse")
    path = str(tmp_path / "metrics.h5")
    model.save(path)
    for other in (restored, load_model(path)):
        np.testing.assert_allclose(other.evaluate(X, Y, batch_size=2, verbose=0), expected, rtol=1e-6)


def test_add_metric_values_stay_tensors_until_logged():
    inputs = kerastorch.Input((2,))
    model = Model(inputs, _dense(Activity()(inputs)))
    model.compile(optimizers.SGD(0.0), "mse")
    model.train_on_batch(X, Y)
    tracker = model._compiled.added_metrics["in_mean"]
    assert isinstance(tracker.total, torch.Tensor) and isinstance(tracker.count, int)


def test_add_metric_errors():
    layer = layers.Layer()
    with pytest.raises(ValueError, match="provide a name"):
        layer.add_metric(torch.ones(()))
    with pytest.raises(ValueError, match="aggregation='mean'"):
        layer.add_metric(torch.ones(()), name="m", aggregation="sum")
    with pytest.raises(ValueError, match="symbolic tensor in add_metric"):
        layer.add_metric(kerastorch.Input((2,)), name="m")
