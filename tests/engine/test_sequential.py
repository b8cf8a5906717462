"""Sequential: add/pop/build, delayed build, summary, get_layer, and use as a torch module."""

import numpy as np
import pytest
import torch

from kerastorch import layers
from kerastorch.layers import Dense
from kerastorch.layers import Dropout
from kerastorch.layers import Input
from kerastorch.models import Model
from kerastorch.models import Sequential


def test_weights_exist_as_layers_are_added_when_input_shape_is_known():
    model = Sequential()
    model.add(Dense(32, input_shape=(16,)))
    assert len(model.weights) == 2
    model.add(Dense(32))
    assert len(model.weights) == 4
    assert model.inputs[0].shape == (None, 16) and model.outputs[0].shape == (None, 32)


def test_delayed_build_creates_weights_on_first_data():
    model = Sequential([Dense(8), Dense(4)])
    assert model.weights == [] and not model.built
    with pytest.raises(ValueError, match="not yet been built"):
        model.summary()
    out = model.predict(np.zeros((3, 5)))
    assert out.shape == (3, 4) and model.built
    assert len(model.weights) == 4
    assert model.layers[0].get_weights()[0].shape == (5, 8)


def test_build_with_explicit_shape():
    model = Sequential([Dense(8), Dense(4)])
    model.build((None, 6))
    assert model.built and model.count_params() == 6 * 8 + 8 + 8 * 4 + 4


def test_add_rejects_non_layers_and_pop_on_empty():
    model = Sequential()
    with pytest.raises(TypeError, match="must be an instance of class Layer"):
        model.add("dense")
    with pytest.raises(TypeError, match="no layers"):
        model.pop()


def test_pop_removes_last_layer_and_rebuilds():
    model = Sequential([Dense(4, input_shape=(3,)), Dense(2), Dense(1)])
    model.pop()
    assert [layer.output_shape for layer in model.layers] == [(None, 4), (None, 2)]
    assert model.output_shape == (None, 2)
    assert model.predict(np.zeros((1, 3))).shape == (1, 2)
    assert len(list(model.parameters())) == 4


def test_get_layer_errors():
    model = Sequential([Dense(4, input_shape=(3,), name="first")])
    assert model.get_layer("first") is model.layers[0]
    assert model.get_layer(index=0) is model.layers[0]
    with pytest.raises(ValueError, match="No such layer"):
        model.get_layer("second")
    with pytest.raises(ValueError, match="index 3 but model only has 1 layers"):
        model.get_layer(index=3)


def test_summary_matches_keras_table():
    model = Sequential([Dense(64, activation="relu", input_shape=(20,)), Dropout(0.5), Dense(10, activation="softmax")])
    lines = []
    model.summary(print_fn=lines.append)
    expected = [
        'Model: "sequential_1"',
        "_" * 65,
        "Layer (type)                 Output Shape              Param #   ",
        "=" * 65,
        "dense_1 (Dense)              (None, 64)                1344      ",
        "_" * 65,
        "dropout_1 (Dropout)          (None, 64)                0         ",
        "_" * 65,
        "dense_2 (Dense)              (None, 10)                650       ",
        "=" * 65,
        "Total params: 1,994",
        "Trainable params: 1,994",
        "Non-trainable params: 0",
        "_" * 65,
    ]
    assert lines == expected


def test_sequential_is_a_torch_module():
    model = Sequential([Dense(4, input_shape=(3,), name="a"), Dense(2, name="b")])
    assert isinstance(model, torch.nn.Module)
    assert sorted(model.state_dict()) == ["a.bias", "a.kernel", "b.bias", "b.kernel"]
    assert [p.data_ptr() for p in model.parameters()] == [w.data_ptr() for w in model.trainable_weights]
    out = model(torch.ones(2, 3))
    assert out.shape == (2, 2) and out.requires_grad
    copy = Sequential([Dense(4, input_shape=(3,), name="a"), Dense(2, name="b")])
    copy.load_state_dict(model.state_dict())
    np.testing.assert_allclose(copy(torch.ones(2, 3)).detach(), out.detach())


def test_sequential_inside_sequential_and_functional():
    inner = Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    outer = Sequential([inner, Dense(1)])
    data = np.random.rand(2, 3).astype("float32")
    head = outer.layers[1].get_weights()
    np.testing.assert_allclose(outer.predict(data), inner.predict(data) @ head[0] + head[1], rtol=1e-5)
    x = Input((3,))
    assert Model(x, inner(x)).predict(data).shape == (2, 2)


def test_input_layer_as_first_layer():
    model = Sequential([layers.InputLayer(input_shape=(3,)), Dense(2)])
    assert model.built and len(model.layers) == 1
    assert model.predict(np.zeros((1, 3))).shape == (1, 2)


def test_first_layer_batch_size_and_input_dim():
    model = Sequential([Dense(2, input_dim=3, batch_size=4)])
    assert model.input_shape == (4, 3)


def test_sequential_config_round_trip():
    model = Sequential([Dense(4, input_shape=(3,), activation="relu"), Dropout(0.2), Dense(1)], name="seq")
    clone = Sequential.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    data = np.random.rand(5, 3).astype("float32")
    np.testing.assert_allclose(clone.predict(data), model.predict(data), rtol=1e-6)
    assert clone.get_config() == model.get_config()


def test_popping_every_layer_forgets_the_input_shape_of_the_first_layer():
    model = Sequential([Dense(2, input_shape=(3,))])
    model.pop()
    assert not model.built
    model.add(Dense(4, input_shape=(5,)))
    assert model.input_shape == (None, 5)
    given = Sequential([layers.InputLayer(input_shape=(6,)), Dense(2)])
    given.pop()
    given.add(Dense(3))
    assert given.input_shape == (None, 6)
