"""Keras 1 model-method, constructor, optimizer, objective and metric spellings."""

import warnings

import numpy as np
import pytest
import torch

from kerastorch import losses
from kerastorch import metrics
from kerastorch import objectives
from kerastorch import optimizers
from kerastorch.engine.layer import Layer
from kerastorch.layers import Dense
from kerastorch.layers import Input
from kerastorch.legacy import interfaces
from kerastorch.models import Model
from kerastorch.models import Sequential


@pytest.fixture(autouse=True)
def _fresh_warnings():
    interfaces._WARNED.clear()
    yield
    interfaces._WARNED.clear()


def _model():
    model = Sequential([Dense(2, input_dim=3)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def _batches(batch_size=4):
    rng = np.random.RandomState(0)
    while True:
        yield rng.randn(batch_size, 3).astype("float32"), rng.randn(batch_size, 2).astype("float32")


def test_fit_nb_epoch_converts_and_warns_once():
    model = _model()
    x, y = np.random.randn(8, 3), np.random.randn(8, 2)
    with pytest.warns(UserWarning, match=r"Update your `fit` call to the Keras 2 API: `fit\(epochs=3\)`"):
        history = model.fit(x, y, nb_epoch=3, verbose=0)
    assert history.epoch == [0, 1, 2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert model.fit(x, y, nb_epoch=2, verbose=0).epoch == [0, 1]
    with pytest.raises(TypeError, match="`nb_epoch`.*`epochs`"):
        interfaces.convert_method_kwargs("fit", {"nb_epoch": 2, "epochs": 2})


def test_fit_generator_keras1_arguments():
    model = _model()
    with pytest.warns(UserWarning, match="Update your `fit_generator` call"):
        history = model.fit_generator(
            _batches(), samples_per_epoch=3, nb_epoch=2, validation_data=_batches(), nb_val_samples=2,
            nb_worker=1, pickle_safe=False, max_q_size=4, verbose=0,
        )  # fmt: skip
    assert history.epoch == [0, 1] and "val_loss" in history.history
    with pytest.raises(TypeError, match="`nb_worker`.*`workers`"):
        interfaces.convert_method_kwargs("fit_generator", {"nb_worker": 1, "workers": 1})


def test_samples_per_epoch_counts_batches_of_generators_with_a_batch_size():
    class Iterator:
        batch_size = 32

    converted = interfaces.convert_method_kwargs("fit_generator", {"samples_per_epoch": 100}, generator=Iterator())
    assert converted == {"steps_per_epoch": 3}
    with pytest.warns(UserWarning, match="counts batches"):
        converted = interfaces.convert_method_kwargs("fit_generator", {"samples_per_epoch": 100}, generator=_batches())
    assert converted == {"steps_per_epoch": 100}


def test_evaluate_and_predict_generator_val_samples():
    model = _model()
    with pytest.warns(UserWarning, match=r"evaluate_generator\(steps=2"):
        loss = model.evaluate_generator(_batches(), val_samples=2, nb_worker=1, max_q_size=2)
    assert np.isfinite(loss)
    predictions = model.predict_generator((x for x, _ in _batches(5)), val_samples=3, pickle_safe=False)
    assert predictions.shape == (15, 2)


def test_model_input_output_keywords():
    a = Input(shape=(3,))
    out = Dense(2)(a)
    with pytest.warns(UserWarning, match=r"Model\(inputs=\.\.\., outputs=\.\.\.\)"):
        model = Model(input=a, output=out)
    assert model.inputs == [a] and model.outputs == [out]
    with pytest.raises(TypeError, match="`input`.*`inputs`"):
        Model(input=a, inputs=a, output=out)


def test_add_weight_in_the_keras1_order():
    class Keras1Layer(Layer):
        def build(self, input_shape):
            self.W = self.add_weight((input_shape[-1], 2), initializer="zero", name="W")
            self.b = self.add_weight((2,), "one", name="b", trainable=False)
            self.c = self.add_weight((2,), "c", initializer="zeros")  # Keras 2.0.x legacy (shape, name)

        def call(self, inputs):
            return inputs @ self.W + self.b + self.c

    layer = Keras1Layer()
    with pytest.warns(UserWarning, match=r"add_weight\(name=\"W\", shape=\(3, 2\), initializer=\"zero\"\)"):
        output = layer(torch.ones(4, 3))
    assert [w.shape for w in layer.get_weights()] == [(3, 2), (2,), (2,)]
    assert [name.split("/")[-1] for name in layer._weight_keras_names()] == ["W:0", "c:0", "b:0"]
    assert len(layer.trainable_weights) == 2
    torch.testing.assert_close(output, torch.ones(4, 2))
    with pytest.raises(TypeError, match="`shape`"):
        layer.add_weight((2,), shape=(2,))


def test_keras1_optimizer_arguments():
    sgd = optimizers.SGD(lr=0.1, decay=1e-6, momentum=0.9, nesterov=True)
    config = sgd.get_config()
    assert config["learning_rate"] == pytest.approx(0.1) and config["decay"] == pytest.approx(1e-6)
    assert config["momentum"] == pytest.approx(0.9) and config["nesterov"] is True
    for name, cls in [("rmsprop", "RMSprop"), ("adagrad", "Adagrad"), ("adadelta", "Adadelta"), ("adam", "Adam")]:
        assert type(optimizers.get(name)).__name__ == cls
    assert optimizers.Adam(lr=0.01, beta_1=0.8, decay=0.1).get_config()["learning_rate"] == pytest.approx(0.01)


KERAS1_OBJECTIVES = [
    "mean_squared_error", "mse", "mean_absolute_error", "mae", "mean_absolute_percentage_error", "mape",
    "mean_squared_logarithmic_error", "msle", "squared_hinge", "hinge", "binary_crossentropy",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "kullback_leibler_divergence", "kld",
    "poisson", "cosine_proximity",
]  # fmt: skip


@pytest.mark.parametrize("name", KERAS1_OBJECTIVES)
def test_keras1_objective_names(name):
    assert callable(losses.get(name))
    assert getattr(objectives, name) is getattr(losses, name)


def test_objectives_module_is_the_losses_module_by_another_name():
    y_true = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    y_pred = torch.tensor([[0.2, 0.8], [0.6, 0.4]])
    torch.testing.assert_close(objectives.mse(y_true, y_pred), ((y_true - y_pred) ** 2).mean(dim=-1))
    assert objectives.cosine is losses.cosine_proximity


@pytest.mark.parametrize(
    "name", ["accuracy", "acc", "binary_accuracy", "categorical_accuracy", "top_k_categorical_accuracy", "mse", "mae"]
)
def test_keras1_metric_names(name):
    assert metrics.get(interfaces.check_metric_name(name)) is not None


@pytest.mark.parametrize("name", sorted(interfaces.REMOVED_METRICS))
def test_metrics_removed_in_keras2_raise_value_error(name):
    with pytest.raises(ValueError, match=f"{name}.*removed in Keras 2"):
        interfaces.check_metric_name(name)
    model = _model()
    with pytest.raises(ValueError, match=name):
        model.compile(optimizer="sgd", loss="mse", metrics=[name])
        model.fit(np.zeros((2, 3)), np.zeros((2, 2)), verbose=0)


def test_cosine_metric_is_cosine_proximity():
    assert interfaces.check_metric_name("cosine") == "cosine_proximity"
