"""Keras 1-only layers: Merge (every mode, against NumPy), Merge of models in Sequential, merge(),
TimeDistributedDense, MaxoutDense and Highway (Keras 1 formulas)."""

import warnings

import numpy as np
import pytest
import torch

from kerastorch import layers
from kerastorch.engine import layer as layer_module
from kerastorch.layers import Dense
from kerastorch.layers import Input
from kerastorch.layers import Merge
from kerastorch.layers import merge
from kerastorch.legacy import interfaces
from kerastorch.models import Model
from kerastorch.models import Sequential
from kerastorch.models import model_from_json
from kerastorch.optimizers import Adam

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(autouse=True)
def _fresh_warnings():
    interfaces._WARNED.clear()
    yield
    interfaces._WARNED.clear()


def _numpy_cos(a, b):
    dot = np.sum(a * b, axis=-1, keepdims=True)
    norms = np.sqrt(np.sum(a * a, axis=-1, keepdims=True) * np.sum(b * b, axis=-1, keepdims=True))
    return dot / np.maximum(norms, 1e-7)


A = np.random.RandomState(1).randn(4, 5).astype("float32")
B = np.random.RandomState(2).randn(4, 5).astype("float32")
C = np.random.RandomState(3).randn(4, 5).astype("float32")

MODES = [
    ("sum", {}, A + B + C, 3),
    ("mul", {}, A * B * C, 3),
    ("ave", {}, (A + B + C) / 3, 3),
    ("max", {}, np.maximum(np.maximum(A, B), C), 3),
    ("concat", {}, np.concatenate([A, B, C], axis=-1), 3),
    ("concat", {"concat_axis": 0}, np.concatenate([A, B], axis=0), 2),
    ("dot", {}, np.sum(A * B, axis=-1, keepdims=True), 2),
    ("cos", {}, _numpy_cos(A, B), 2),
]


@pytest.mark.parametrize("mode, kwargs, expected, count", MODES, ids=[f"{m[0]}{m[1]}" for m in MODES])
def test_merge_modes_against_numpy(mode, kwargs, expected, count):
    inputs = [torch.from_numpy(x) for x in (A, B, C)[:count]]
    output = Merge(mode=mode, **kwargs)(inputs)
    np.testing.assert_allclose(output.numpy(), expected, rtol=1e-5, atol=1e-6)
    symbolic = [Input(shape=(5,)) for _ in range(count)]
    if kwargs.get("concat_axis") == 0:
        return
    merged = Merge(mode=mode, **kwargs)(symbolic)
    assert merged.shape == (None,) + expected.shape[1:]


def test_merge_dot_on_sequences_against_numpy():
    x = np.random.RandomState(4).randn(2, 3, 4).astype("float32")
    y = np.random.RandomState(5).randn(2, 6, 4).astype("float32")
    layer = Merge(mode="dot", dot_axes=[2, 2])
    output = layer([torch.from_numpy(x), torch.from_numpy(y)])
    np.testing.assert_allclose(output.numpy(), np.einsum("bik,bjk->bij", x, y), rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape([(None, 3, 4), (None, 6, 4)]) == (None, 3, 6)


def test_merge_callable_modes():
    list_mode = Merge(mode=lambda xs: xs[0] - 2 * xs[1])([torch.from_numpy(A), torch.from_numpy(B)])
    np.testing.assert_allclose(list_mode.numpy(), A - 2 * B, rtol=1e-6)
    # The seed-002 form: a function of one argument per merged tensor.
    unpacked = Merge(mode=lambda x, y: x - y)([torch.from_numpy(A), torch.from_numpy(B)])
    np.testing.assert_allclose(unpacked.numpy(), A - B, rtol=1e-6)
    scaled = Merge(mode=lambda xs, scale: xs[0] * scale, arguments={"scale": 3.0})
    np.testing.assert_allclose(scaled([torch.from_numpy(A), torch.from_numpy(B)]).numpy(), 3 * A, rtol=1e-6)
    a, b = Input(shape=(5,)), Input(shape=(5,))
    assert Merge(mode=lambda x, y: x - y)([a, b]).shape == (None, 5)
    assert Merge(mode=lambda xs: xs[0][:, :2], output_shape=(2,))([a, b]).shape == (None, 2)
    assert Merge(mode=lambda xs: xs[0], output_shape=lambda shapes: shapes[0])([a, b]).shape == (None, 5)


def test_merge_masks():
    first, second = torch.ones(2, 3, 4), torch.ones(2, 3, 4)
    mask = torch.tensor([[True, True, False], [True, False, False]])
    layer = Merge(mode="sum")
    assert torch.equal(layer.compute_mask([first, second], [mask, None]), mask)
    concat = Merge(mode="concat")
    assert torch.equal(concat.compute_mask([first, second], [mask, None]), mask)
    assert Merge(mode="dot", dot_axes=2).compute_mask([first, second], [mask, mask]) is None


def test_merge_rejects_bad_arguments():
    with pytest.raises(ValueError, match="mode='median'"):
        Merge(mode="median")
    a, b = Input(shape=(5,)), Input(shape=(4,))
    with pytest.raises(ValueError, match="same shape.*mode='sum'"):
        Merge(mode="sum")([a, b])
    with pytest.raises(ValueError, match="dimension incompatibility"):
        Merge(mode="dot")([a, b])
    with pytest.raises(TypeError, match="at least 2"):
        Merge([Dense(3)])
    with pytest.raises(ValueError, match="has no defined output"):
        Merge([Sequential([Dense(3)]), Sequential([Dense(3)])])


def test_merge_warns_with_the_keras2_layer():
    with pytest.warns(UserWarning, match=r"concatenate\(\[\.\.\.\], axis=-1\)"):
        Merge(mode="concat")


def _branches(input_dim=6, units=4):
    left = Sequential()
    left.add(Dense(units, input_dim=input_dim))
    right = Sequential()
    right.add(Dense(units, input_dim=input_dim))
    return left, right


def test_merge_of_models_as_first_sequential_layer_trains():
    np.random.seed(0)
    torch.manual_seed(0)
    left, right = _branches()
    model = Sequential()
    model.add(Merge([left, right], mode="concat"))
    model.add(Dense(3, activation="softmax"))
    assert model.input_names == [left.layers[0].name + "_input", right.layers[0].name + "_input"]
    assert model.output_shape == (None, 3)
    assert [layer.name for layer in model.layers] == [model.layers[0].name, model.layers[1].name]
    assert len(model.trainable_weights) == 6  # both branches and the head
    x_left, x_right = np.random.randn(96, 6), np.random.randn(96, 6)
    labels = (x_left[:, 0] > 0).astype(int) + (x_right[:, 0] > 0).astype(int)
    y = np.eye(3)[labels]
    model.compile(optimizer=Adam(lr=0.02), loss="categorical_crossentropy", metrics=["accuracy"])
    left_kernel = left.layers[0].get_weights()[0].copy()
    first = model.evaluate([x_left, x_right], y, verbose=0)
    model.fit([x_left, x_right], y, nb_epoch=30, batch_size=16, verbose=0)
    last = model.evaluate([x_left, x_right], y, verbose=0)
    assert last[0] < first[0] * 0.6 and last[1] > 0.8
    assert not np.allclose(left.layers[0].get_weights()[0], left_kernel)  # the branch weights are trained
    # The merged model computes the concatenation of the branches, then the head.
    head = model.layers[1]
    expected = np.concatenate([left.predict(x_left[:5]), right.predict(x_right[:5])], axis=-1)
    logits = expected @ head.get_weights()[0] + head.get_weights()[1]
    softmax = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(model.predict([x_left[:5], x_right[:5]]), softmax, rtol=1e-4, atol=1e-6)


def test_merge_of_models_pop_and_config_round_trip():
    left, right = _branches()
    model = Sequential([Merge([left, right], mode="sum"), Dense(2)])
    config = model.get_config()
    assert config["layers"][0]["class_name"] == "Merge"
    assert [b["class_name"] for b in config["layers"][0]["config"]["layers"]] == ["Sequential", "Sequential"]
    clone = Sequential.from_config(config)
    assert clone.input_names and len(clone.input_names) == 2
    clone.set_weights(model.get_weights())
    x = [np.random.randn(3, 6), np.random.randn(3, 6)]
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-5)
    restored = model_from_json(model.to_json())
    assert restored.output_shape == (None, 2)
    model.pop()
    assert model.output_shape == (None, 4)
    model.pop()
    assert not model.layers and not model.built


def test_merge_of_models_saves_and_loads_the_branch_weights(tmp_path):
    def build():
        left, right = _branches(input_dim=3)
        model = Sequential([Merge([left, right], mode="concat"), Dense(2)])
        model.compile("sgd", "mse")
        return model

    model = build()
    names = [name.split("/")[0] for name in model._weight_keras_names()]
    assert names == [names[0], names[0], names[2], names[2], "dense_3", "dense_3"]  # branches, then the head
    x = [np.random.rand(2, 3), np.random.rand(2, 3)]
    model.save_weights(str(tmp_path / "weights.h5"))
    other = build()
    other.load_weights(str(tmp_path / "weights.h5"))
    np.testing.assert_allclose(other.predict(x), model.predict(x), rtol=1e-6)
    model.save(str(tmp_path / "model.h5"))
    from kerastorch.models import load_model

    np.testing.assert_allclose(load_model(str(tmp_path / "model.h5")).predict(x), model.predict(x), rtol=1e-6)


def test_merge_config_round_trip_and_lambda_safe_mode():
    layer = Merge(mode="concat", concat_axis=1, name="m")
    clone = Merge.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    lambda_layer = Merge(mode=lambda x, y: x - y)
    config = lambda_layer.get_config()
    assert config["mode_type"] == "lambda"
    with pytest.raises(ValueError, match="safe_mode"):
        Merge.from_config(config)
    restored = Merge.from_config(config, safe_mode=False)
    np.testing.assert_allclose(restored([torch.from_numpy(A), torch.from_numpy(B)]).numpy(), A - B, rtol=1e-6)


def test_functional_merge_on_tensors():
    a, b = Input(shape=(5,)), Input(shape=(5,))
    with pytest.warns(UserWarning, match=r"Update your `merge` call to the Keras 2 API: `add\(\[\.\.\.\]\)`"):
        summed = merge([a, b], mode="sum")
    out = Dense(2)(merge([summed, a], mode="concat", concat_axis=-1))
    model = Model(input=[a, b], output=out)
    dense = model.layers[-1]
    expected = np.concatenate([A + B, A], axis=-1) @ dense.get_weights()[0] + dense.get_weights()[1]
    np.testing.assert_allclose(model.predict([A, B]), expected, rtol=1e-5, atol=1e-6)
    eager = merge([torch.from_numpy(A), torch.from_numpy(B)], mode="mul")
    np.testing.assert_allclose(eager.numpy(), A * B, rtol=1e-6)


def test_merge_of_called_layers():
    a, b = Input(shape=(5,)), Input(shape=(5,))
    dense_a, dense_b = Dense(3), Dense(3)
    dense_a(a)
    dense_b(b)
    merged = Merge([dense_a, dense_b], mode="ave")
    start = merged._sequential_start()
    assert start[0] == [a, b]
    model = Model([a, b], start[1])
    expected = (
        (A @ dense_a.get_weights()[0] + dense_a.get_weights()[1])
        + (B @ dense_b.get_weights()[0] + dense_b.get_weights()[1])
    ) / 2
    np.testing.assert_allclose(model.predict([A, B]), expected, rtol=1e-5, atol=1e-6)


def test_time_distributed_dense_equals_dense_per_timestep():
    with pytest.warns(
        UserWarning,
        match=r"TimeDistributed\(Dense\(units=4, kernel_initializer=\"uniform\", activation=\"tanh\"\), input_shape=\(5, 3\)\)",
    ):
        layer = layers.TimeDistributedDense(
            output_dim=4, init="uniform", input_dim=3, input_length=5, activation="tanh"
        )
    assert isinstance(layer, layers.TimeDistributed) and isinstance(layer.layer, Dense)
    assert layer._batch_input_shape == (None, 5, 3)
    x = np.random.RandomState(0).randn(2, 5, 3).astype("float32")
    output = layer(torch.from_numpy(x)).detach().numpy()
    kernel, bias = layer.get_weights()
    for step in range(5):
        np.testing.assert_allclose(output[:, step], np.tanh(x[:, step] @ kernel + bias), rtol=1e-5, atol=1e-6)
    model = Sequential([layers.LSTM(6, return_sequences=True, input_shape=(5, 3)), layers.TimeDistributedDense(2)])
    assert model.output_shape == (None, 5, 2)


def test_maxout_dense_keras1_formula():
    layer = layers.MaxoutDense(3, nb_feature=4, input_dim=5, bias=True)
    x = np.random.RandomState(0).randn(6, 5).astype("float32")
    layer(torch.from_numpy(x))
    W = np.random.RandomState(1).randn(4, 5, 3).astype("float32")
    b = np.random.RandomState(2).randn(4, 3).astype("float32")
    layer.set_weights([W, b])
    expected = (np.einsum("bi,fio->bfo", x, W) + b).max(axis=1)
    np.testing.assert_allclose(layer(torch.from_numpy(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-5)
    assert layer.compute_output_shape((None, 5)) == (None, 3)
    clone = layers.MaxoutDense.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_highway_keras1_formula_and_weight_order():
    layer = layers.Highway(activation="relu", input_dim=4)
    x = np.random.RandomState(0).randn(3, 4).astype("float32")
    layer(torch.from_numpy(x))
    names = [name.split("/")[-1] for name in layer._weight_keras_names()]
    assert names == ["W:0", "b:0", "W_carry:0", "b_carry:0"]
    np.testing.assert_allclose(layer.get_weights()[3], -2.0)  # Keras 1 transform_bias
    W, b, Wc, bc = (
        np.random.RandomState(i).randn(*shape).astype("float32") for i, shape in enumerate([(4, 4), (4,), (4, 4), (4,)])
    )
    layer.set_weights([W, b, Wc, bc])
    gate = 1 / (1 + np.exp(-(x @ Wc + bc)))
    expected = np.maximum(x @ W + b, 0) * gate + (1 - gate) * x
    np.testing.assert_allclose(layer(torch.from_numpy(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-5)
    clone = layers.Highway.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_keras1_layers_train_in_a_model():
    model = Sequential([layers.Highway(input_dim=4), layers.MaxoutDense(2, nb_feature=3)])
    model.compile("sgd", "mse")
    x, y = np.random.randn(16, 4), np.random.randn(16, 2)
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=20, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before


def test_legacy_layers_are_registered_for_configs():
    for name in ("Merge", "MaxoutDense", "Highway"):
        assert layer_module.LAYER_REGISTRY[name] is getattr(layers, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert callable(layers.merge)
