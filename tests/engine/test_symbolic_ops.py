"""K.*, activation, loss and metric functions on KerasTensors (TFOpLambda) and symbolic Model.add_loss (AddLoss)."""

import json

import numpy as np
import pytest
import torch

from kerastorch import activations
from kerastorch import backend as K
from kerastorch import losses
from kerastorch import metrics
from kerastorch.engine import op_layers
from kerastorch.layers import Dense
from kerastorch.layers import Input
from kerastorch.layers import Lambda
from kerastorch.models import Model
from kerastorch.models import load_model
from kerastorch.models import model_from_json


def _data(shape, seed=0):
    return np.random.RandomState(seed).rand(*shape).astype("float32")


def _layer_of(tensor):
    return tensor._keras_history[0]


def test_sum_records_a_tfoplambda_node_matching_numpy():
    x = Input(shape=(3, 4))
    total = K.sum(x, axis=-1, keepdims=True)
    assert isinstance(_layer_of(total), op_layers.TFOpLambda)
    assert total.shape == (None, 3, 1)
    data = _data((5, 3, 4))
    np.testing.assert_allclose(Model(x, total).predict(data), np.sum(data, axis=-1, keepdims=True), rtol=1e-6)


def test_chained_backend_functions_match_numpy():
    x = Input(shape=(4,))
    out = K.mean(K.square(K.exp(x) - 1.0), axis=1)
    assert out.shape == (None,)
    data = _data((3, 4))
    np.testing.assert_allclose(Model(x, out).predict(data), np.mean((np.exp(data) - 1.0) ** 2, axis=1), rtol=1e-5)


def test_concatenate_takes_symbolic_tensors_inside_a_list():
    a, b = Input(shape=(2,)), Input(shape=(3,))
    joined = K.concatenate([a, b], axis=-1)
    assert joined.shape == (None, 5)
    data_a, data_b = _data((4, 2), 1), _data((4, 3), 2)
    np.testing.assert_allclose(Model([a, b], joined).predict([data_a, data_b]), np.concatenate([data_a, data_b], -1))


def test_activation_loss_and_metric_functions_record_nodes():
    x, y = Input(shape=(4,)), Input(shape=(4,))
    relu = activations.relu(x - 0.5)
    mse = losses.mean_squared_error(x, y)
    bce = metrics.binary_crossentropy(x, y)
    accuracy = metrics.binary_accuracy(x, y)
    assert [t.shape for t in (relu, mse, bce, accuracy)] == [(None, 4), (None,), (None,), (None,)]
    data_x, data_y = (_data((6, 4), 3) > 0.5).astype("float32"), np.clip(_data((6, 4), 4), 0.05, 0.95)
    outputs = Model([x, y], [relu, mse, bce, accuracy]).predict([data_x, data_y])
    np.testing.assert_allclose(outputs[0], np.maximum(data_x - 0.5, 0.0))
    np.testing.assert_allclose(outputs[1], np.mean((data_x - data_y) ** 2, axis=-1), rtol=1e-6)
    expected_bce = -np.mean(data_x * np.log(data_y) + (1 - data_x) * np.log(1 - data_y), axis=-1)
    np.testing.assert_allclose(outputs[2], expected_bce, rtol=1e-5)
    np.testing.assert_allclose(outputs[3], np.mean(data_x == (data_y > 0.5), axis=-1))


def test_multiple_outputs_of_unstack():
    x = Input(shape=(2, 3))
    parts = K.unstack(x, axis=1)
    assert [p.shape for p in parts] == [(None, 3), (None, 3)]
    data = _data((4, 2, 3))
    outputs = Model(x, parts).predict(data)
    np.testing.assert_allclose(outputs[1], data[:, 1])


def test_concrete_tensors_are_unchanged_by_the_wrapper():
    value = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert torch.equal(K.sum(value, axis=0), torch.tensor([4.0, 6.0]))
    assert K.sum.__name__ == "sum" and activations.get("relu") is activations.relu
    assert losses.get("mse") is losses.mean_squared_error


def test_non_tensor_functions_keep_working_on_keras_tensors():
    x = Input(shape=(3, 2))
    assert K.int_shape(x) == (None, 3, 2)
    assert K.ndim(x) == 3 and K.dtype(x) == "float32"
    assert K.is_keras_tensor(K.sum(x)) and not K.is_keras_tensor(torch.ones(1))
    assert K.epsilon() == pytest.approx(1e-7) and K.floatx() == "float32"


def test_shape_of_a_keras_tensor_points_to_int_shape():
    with pytest.raises(ValueError, match=r"backend\.shape\(\).*K\.int_shape"):
        K.shape(Input(shape=(2,)))


def test_shape_inside_a_lambda_on_concrete_tensors():
    x = Input(shape=(2,))
    noise = Lambda(lambda t: t + K.random_normal(shape=(K.shape(t)[0], 2), stddev=0.0))(x)
    data = _data((3, 2))
    np.testing.assert_allclose(Model(x, noise).predict(data), data)


def test_mixing_a_keras_tensor_with_a_concrete_tensor_names_the_function():
    x = Input(shape=(3,))
    with pytest.raises(ValueError, match=r"backend\.concatenate\(\).*concrete tensor of shape \(2, 3\)"):
        K.concatenate([x, torch.ones(2, 3)], axis=0)
    with pytest.raises(ValueError, match=r"losses\.mean_squared_error\(\)"):
        losses.mean_squared_error(np.ones((2, 3), "float32"), x)


def test_config_stores_the_public_name_and_arguments():
    x = Input(shape=(4,))
    layer = _layer_of(K.sum(x, axis=-1, keepdims=True))
    config = layer.get_config()
    assert config["function"] == "backend.sum"
    assert config["arguments"] == {"x": {"__keras_tensor__": 0}, "axis": -1, "keepdims": True}
    clone = op_layers.TFOpLambda.from_config(config)
    data = torch.tensor(_data((2, 4)))
    torch.testing.assert_close(clone([data]), data.sum(-1, keepdim=True))


def test_unknown_function_name_is_rejected():
    with pytest.raises(ValueError, match="'numpy.sum'"):
        op_layers.TFOpLambda("numpy.sum")
    with pytest.raises(ValueError, match="no tensor function 'nope'"):
        op_layers.TFOpLambda("backend.nope")


def test_model_with_ops_round_trips_through_json(tmp_path):
    x = Input(shape=(4,))
    hidden = Dense(3)(x)
    out = K.concatenate([activations.tanh(hidden), K.max(x, axis=-1, keepdims=True)])
    model = Model(x, out)
    data = _data((5, 4))
    clone = model_from_json(model.to_json())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(data), model.predict(data), rtol=1e-6)
    json.loads(model.to_json())  # plain JSON
    path = str(tmp_path / "ops.h5")
    model.save(path)
    np.testing.assert_allclose(load_model(path, compile=False).predict(data), model.predict(data), rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# Symbolic add_loss: the Keras 2 variational autoencoder
# ---------------------------------------------------------------------------------------------
ORIGINAL_DIM, INTERMEDIATE_DIM, LATENT_DIM = 6, 4, 2


def sampling(args):
    z_mean, z_log_var = args
    epsilon = K.random_normal(shape=(K.shape(z_mean)[0], LATENT_DIM), mean=0.0, stddev=1.0)
    return z_mean + K.exp(z_log_var / 2) * epsilon


def zero_noise_sampling(args):
    """The sampling with a zero standard deviation: z = z_mean, so the loss is deterministic."""
    z_mean, z_log_var = args
    epsilon = K.random_normal(shape=(K.shape(z_mean)[0], LATENT_DIM), mean=0.0, stddev=0.0)
    return z_mean + K.exp(z_log_var / 2) * epsilon


def _vae(stddev):
    x = Input(shape=(ORIGINAL_DIM,))
    h = Dense(INTERMEDIATE_DIM, activation="relu")(x)
    z_mean = Dense(LATENT_DIM)(h)
    z_log_var = Dense(LATENT_DIM)(h)
    sample = sampling if stddev else zero_noise_sampling
    z = Lambda(sample, output_shape=(LATENT_DIM,))([z_mean, z_log_var])
    x_decoded_mean = Dense(ORIGINAL_DIM, activation="sigmoid")(Dense(INTERMEDIATE_DIM, activation="relu")(z))
    vae = Model(x, x_decoded_mean)
    xent_loss = ORIGINAL_DIM * metrics.binary_crossentropy(x, x_decoded_mean)
    kl_loss = -0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)
    vae.add_loss(K.mean(xent_loss + kl_loss))
    vae.compile(optimizer="rmsprop")
    return vae


def _numpy_vae_loss(weights, x):
    k1, b1, km, bm, kv, bv, k2, b2, k3, b3 = weights
    h = np.maximum(x @ k1 + b1, 0.0)
    z_mean, z_log_var = h @ km + bm, h @ kv + bv
    decoded = 1.0 / (1.0 + np.exp(-(np.maximum(z_mean @ k2 + b2, 0.0) @ k3 + b3)))  # zero noise: z = z_mean
    decoded = np.clip(decoded, 1e-7, 1 - 1e-7)
    xent = -np.mean(x * np.log(decoded) + (1 - x) * np.log(1 - decoded), axis=-1)
    kl = -0.5 * np.sum(1 + z_log_var - z_mean**2 - np.exp(z_log_var), axis=-1)
    return float(np.mean(ORIGINAL_DIM * xent + kl))


def _fixed_weights(model):
    rng = np.random.RandomState(7)
    return [(rng.rand(*w.shape).astype("float32") - 0.5) for w in model.get_weights()]


def test_added_loss_equals_numpy_formula():
    torch.manual_seed(0)
    vae = _vae(stddev=0.0)
    weights = _fixed_weights(vae)
    vae.set_weights(weights)
    data = (_data((8, ORIGINAL_DIM), 5) > 0.5).astype("float32")
    assert vae.metrics_names == ["loss"]
    np.testing.assert_allclose(vae.evaluate(data, batch_size=8, verbose=0), _numpy_vae_loss(weights, data), rtol=1e-4)
    vae.predict(data)
    assert len(vae.losses) == 1
    assert float(vae.losses[0]) == pytest.approx(_numpy_vae_loss(weights, data), rel=1e-4)


def test_added_loss_trains_without_targets():
    torch.manual_seed(0)
    vae = _vae(stddev=1.0)
    assert isinstance(vae.layers[-1], op_layers.AddLoss)
    data = (_data((64, ORIGINAL_DIM), 6) > 0.5).astype("float32")
    history = vae.fit(data, shuffle=True, epochs=6, batch_size=16, verbose=0)
    assert list(history.history) == ["loss"]
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_added_loss_is_restored_after_hdf5_load(tmp_path):
    torch.manual_seed(0)
    vae = _vae(stddev=0.0)
    vae.set_weights(_fixed_weights(vae))
    data = (_data((8, ORIGINAL_DIM), 5) > 0.5).astype("float32")
    expected = vae.evaluate(data, verbose=0)
    path = str(tmp_path / "vae.h5")
    vae.save(path)
    loaded = load_model(path, custom_objects={"zero_noise_sampling": zero_noise_sampling})
    assert [type(layer).__name__ for layer in loaded.layers] == [type(layer).__name__ for layer in vae.layers]
    assert loaded.evaluate(data, verbose=0) == pytest.approx(expected, rel=1e-6)
    loaded.fit(data, epochs=1, batch_size=4, verbose=0)


def test_add_loss_callable_on_a_model():
    x = Input(shape=(2,))
    dense = Dense(1, use_bias=False)
    model = Model(x, dense(x))
    model.compile(optimizer="sgd", loss="mse")
    model.add_loss(lambda: K.sum(K.square(dense.kernel)))
    model.get_layer(dense.name).set_weights([np.array([[1.0], [2.0]], "float32")])
    data, target = np.array([[1.0, 1.0]], "float32"), np.array([[0.0]], "float32")
    assert model.evaluate(data, target, verbose=0) == pytest.approx(9.0 + 5.0)


def test_symbolic_loss_from_another_input_is_disconnected():
    x = Input(shape=(2,))
    model = Model(x, Dense(1)(x))
    with pytest.raises(ValueError, match="Graph disconnected"):
        model.add_loss(K.sum(Input(shape=(2,))))


def test_layer_add_loss_inside_call_still_works():
    class Penalty(Dense):
        def call(self, inputs):
            outputs = super().call(inputs)
            self.add_loss(torch.mean(outputs))
            return outputs

    x = Input(shape=(2,))
    layer = Penalty(1, use_bias=False, kernel_initializer="ones")
    model = Model(x, layer(x))
    model.compile(optimizer="sgd", loss="mse")
    data, target = np.array([[1.0, 2.0]], "float32"), np.array([[0.0]], "float32")
    assert model.evaluate(data, target, verbose=0) == pytest.approx(9.0 + 3.0)
