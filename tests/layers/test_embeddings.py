"""Embedding: Keras references, masks, input_length, errors and config."""

import os

import numpy as np
import pytest
import torch

from kerastorch import layers as layers_module
from kerastorch import regularizers
from kerastorch.engine.keras_tensor import Input
from kerastorch.layers.embeddings import Embedding
from kerastorch.models import Model
from kerastorch.models import Sequential
from kerastorch.saving import serialization

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "embedding_references.npz")
REFERENCES = dict(np.load(DATA))


def test_matches_keras_2d():
    tokens = REFERENCES["embedding_2d/x"]
    layer = Embedding(12, 4)
    layer.build(tokens.shape)
    layer.set_weights([REFERENCES["embedding_2d/w0"]])
    np.testing.assert_array_equal(layer(tokens).detach().numpy(), REFERENCES["embedding_2d/y0"])


def test_matches_keras_3d_with_mask():
    tokens = REFERENCES["embedding_3d_mask/x"]
    layer = Embedding(6, 2, mask_zero=True)
    layer.build(tokens.shape)
    layer.set_weights([REFERENCES["embedding_3d_mask/w0"]])
    np.testing.assert_array_equal(layer(tokens).detach().numpy(), REFERENCES["embedding_3d_mask/y0"])
    np.testing.assert_array_equal(layer.compute_mask(tokens).numpy(), REFERENCES["embedding_3d_mask/mask"])


def test_mask_only_with_mask_zero():
    tokens = np.array([[3, 0, 1]])
    assert Embedding(5, 2).compute_mask(tokens) is None
    np.testing.assert_array_equal(Embedding(5, 2, mask_zero=True).compute_mask(tokens).numpy(), [[True, False, True]])
    assert Embedding(5, 2, mask_zero=True).supports_masking
    assert not Embedding(5, 2).supports_masking


def test_float_valued_indices_and_int32():
    layer = Embedding(5, 3)
    weights = np.arange(15, dtype="float32").reshape(5, 3)
    layer.build((None, 2))
    layer.set_weights([weights])
    np.testing.assert_array_equal(layer(np.array([[1.0, 4.0]], "float32")).detach().numpy(), weights[[[1, 4]]])
    np.testing.assert_array_equal(layer(torch.tensor([[2, 0]], dtype=torch.int32)).detach().numpy(), weights[[[2, 0]]])


def test_input_length_shapes_and_checks():
    layer = Embedding(10, 3, input_length=4)
    assert layer._batch_input_shape == (None, 4)
    assert layer.compute_output_shape((None, 4)) == (None, 4, 3)
    assert layer.compute_output_shape((2, None)) == (2, 4, 3)
    with pytest.raises(ValueError, match="input_length=4"):
        layer.compute_output_shape((None, 5))
    with pytest.raises(ValueError, match="input_length=4"):
        layer(np.zeros((2, 5), "int64"))
    multi = Embedding(10, 3, input_length=(2, None))
    assert multi.compute_output_shape((None, 2, 7)) == (None, 2, 7, 3)
    assert Embedding(10, 3).compute_output_shape((None, None)) == (None, None, 3)
    assert Embedding(10, 3)._batch_input_shape == (None, None)


def test_sequential_embedding_flatten_dense_trains():
    model = Sequential(
        [Embedding(20, 4, input_length=5), layers_module.Flatten(), layers_module.Dense(1, activation="sigmoid")]
    )
    assert model.output_shape == (None, 1)
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    x = np.random.randint(0, 20, size=(16, 5))
    y = np.random.randint(0, 2, size=(16, 1)).astype("float32")
    before = model.layers[0].get_weights()[0].copy()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    after = model.layers[0].get_weights()[0]
    used = np.unique(x)
    assert not np.allclose(before[used], after[used])
    unused = np.setdiff1d(np.arange(20), used)
    np.testing.assert_array_equal(before[unused], after[unused])


def test_mask_reaches_downstream_layer_in_functional_model():
    seen = {}

    class Recorder(layers_module.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            seen["mask"] = mask
            return inputs

    inputs = Input((3,), dtype="int32")
    Model(inputs, Recorder()(Embedding(5, 2, mask_zero=True)(inputs))).predict(np.array([[1, 0, 2]]))
    np.testing.assert_array_equal(seen["mask"].cpu().numpy(), [[True, False, True]])


def test_default_initializer_is_uniform_005():
    layer = Embedding(200, 50)
    layer.build((None, 3))
    weights = layer.get_weights()[0]
    assert weights.shape == (200, 50)
    assert np.abs(weights).max() <= 0.05
    assert weights.std() > 0.02


def test_regularizer_and_constraint():
    layer = Embedding(
        4, 2, embeddings_regularizer=regularizers.l1(0.5), embeddings_constraint="non_neg", input_length=2
    )
    model = Sequential([layer, layers_module.Flatten(), layers_module.Dense(1)])
    weights = np.array([[1.0, -2.0], [0.5, 0.0], [0.0, -1.0], [3.0, 1.0]], "float32")
    layer.set_weights([weights])
    np.testing.assert_allclose(float(layer.losses[0].detach()), 0.5 * np.abs(weights).sum())
    model.compile(loss="mse", optimizer="sgd")
    model.fit(np.array([[0, 2]]), np.zeros((1, 1), "float32"), epochs=1, verbose=0)
    assert layer.get_weights()[0].min() >= 0


def test_errors():
    with pytest.raises(ValueError, match="input_dim=0"):
        Embedding(0, 3)
    with pytest.raises(ValueError, match="output_dim=-1"):
        Embedding(3, -1)
    layer = Embedding(3, 2, name="emb")
    with pytest.raises(ValueError, match=r"'emb' expects indices in \[0, 2\].*\[0, 5\]"):
        layer(np.array([[0, 5]]))


def test_config_round_trip():
    layer = Embedding(7, 3, mask_zero=True, input_length=5, embeddings_regularizer="l2")
    config = layer.get_config()
    for key, value in {
        "input_dim": 7,
        "output_dim": 3,
        "mask_zero": True,
        "input_length": 5,
        "batch_input_shape": [None, 5],
        "activity_regularizer": None,
        "embeddings_constraint": None,
    }.items():
        assert config[key] == value, key
    clone = serialization.deserialize_layer(serialization.serialize_layer(layer))
    assert clone.get_config() == config
    keras3 = dict(config, lora_rank=None, sparse=False)
    assert Embedding.from_config(keras3).input_dim == 7


def test_layer_test():
    from kerastorch.utils.test_utils import layer_test

    output = layer_test(
        Embedding,
        kwargs=dict(input_dim=10, output_dim=3, mask_zero=True, input_length=4),
        input_data=np.array([[1, 0, 2, 3], [9, 8, 0, 0]]),
        expected_output_dtype="float32",
    )
    assert output.shape == (2, 4, 3)
    assert layer_test(
        Embedding,
        kwargs=dict(input_dim=10, output_dim=2),
        input_shape=(2, 3),
        input_dtype="int32",
        expected_output_dtype="float32",
    ).shape == (2, 3, 2)
