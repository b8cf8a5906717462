"""Keras 1 model configs (as Keras 1.2 wrote them to JSON / HDF5) load through the rename tables."""

import json

import numpy as np
import pytest

from kerastorch import layers
from kerastorch.legacy import configs
from kerastorch.legacy import interfaces
from kerastorch.models import model_from_config
from kerastorch.models import model_from_json
from kerastorch.saving import serialization

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

KERAS1_CONVNET = {
    "class_name": "Sequential",
    "config": [
        {
            "class_name": "Convolution2D",
            "config": {
                "name": "convolution2d_1", "trainable": True, "batch_input_shape": [None, 1, 8, 8],
                "input_dtype": "float32", "nb_filter": 4, "nb_row": 3, "nb_col": 2, "init": "glorot_uniform",
                "activation": "relu", "border_mode": "same", "subsample": [1, 1], "dim_ordering": "th",
                "W_regularizer": {"name": "WeightRegularizer", "l1": 0.0, "l2": 0.01}, "b_regularizer": None,
                "activity_regularizer": None, "W_constraint": {"name": "MaxNorm", "m": 2, "axis": 0},
                "b_constraint": None, "bias": True,
            },
        },
        {
            "class_name": "MaxPooling2D",
            "config": {
                "name": "maxpooling2d_1", "trainable": True, "pool_size": [2, 2], "strides": [2, 2],
                "border_mode": "valid", "dim_ordering": "th",
            },
        },
        {"class_name": "Flatten", "config": {"name": "flatten_1", "trainable": True}},
        {
            "class_name": "Dense",
            "config": {
                "name": "dense_1", "trainable": True, "output_dim": 3, "init": "glorot_uniform",
                "activation": "softmax", "W_regularizer": None, "b_regularizer": None, "activity_regularizer": None,
                "W_constraint": None, "b_constraint": None, "bias": True, "input_dim": 64,
            },
        },
    ],
}  # fmt: skip

KERAS1_RECURRENT = {
    "class_name": "Sequential",
    "config": [
        {
            "class_name": "Embedding",
            "config": {
                "name": "embedding_1", "trainable": True, "batch_input_shape": [None, 5], "input_dtype": "int32",
                "input_dim": 20, "output_dim": 3, "init": "uniform", "input_length": 5, "mask_zero": False,
                "W_regularizer": None, "activity_regularizer": None, "W_constraint": None, "dropout": 0.0,
            },
        },
        {
            "class_name": "LSTM",
            "config": {
                "name": "lstm_1", "trainable": True, "return_sequences": True, "go_backwards": False,
                "stateful": False, "unroll": False, "consume_less": "gpu", "output_dim": 4,
                "init": "glorot_uniform", "inner_init": "orthogonal", "forget_bias_init": "one",
                "activation": "tanh", "inner_activation": "hard_sigmoid", "W_regularizer": None,
                "U_regularizer": None, "b_regularizer": None, "dropout_W": 0.0, "dropout_U": 0.0,
                "input_dim": 3, "input_length": None,
            },
        },
        {
            "class_name": "TimeDistributedDense",
            "config": {
                "name": "timedistributeddense_1", "trainable": True, "output_dim": 2, "init": "glorot_uniform",
                "activation": "linear", "W_regularizer": None, "b_regularizer": None, "activity_regularizer": None,
                "W_constraint": None, "b_constraint": None, "bias": True, "input_dim": 4, "input_length": None,
            },
        },
    ],
}  # fmt: skip

KERAS1_FUNCTIONAL_MERGE = {
    "class_name": "Model",
    "config": {
        "name": "model_1",
        "layers": [
            {"class_name": "InputLayer", "name": "input_1", "inbound_nodes": [], "config": {
                "batch_input_shape": [None, 4], "input_dtype": "float32", "sparse": False, "name": "input_1"}},
            {"class_name": "InputLayer", "name": "input_2", "inbound_nodes": [], "config": {
                "batch_input_shape": [None, 4], "input_dtype": "float32", "sparse": False, "name": "input_2"}},
            {"class_name": "Merge", "name": "merge_1", "inbound_nodes": [[["input_1", 0, 0], ["input_2", 0, 0]]],
             "config": {"name": "merge_1", "mode": "concat", "mode_type": "raw", "concat_axis": -1, "dot_axes": -1,
                        "output_shape": None, "output_shape_type": "raw", "output_mask": None,
                        "output_mask_type": "raw", "arguments": {}}},
            {"class_name": "Dense", "name": "dense_1", "inbound_nodes": [[["merge_1", 0, 0]]], "config": {
                "name": "dense_1", "trainable": True, "output_dim": 2, "init": "glorot_uniform", "activation": "linear",
                "W_regularizer": None, "b_regularizer": None, "activity_regularizer": None, "W_constraint": None,
                "b_constraint": None, "bias": False, "input_dim": None}},
        ],
        "input_layers": [["input_1", 0, 0], ["input_2", 0, 0]],
        "output_layers": [["dense_1", 0, 0]],
    },
}  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_warnings():
    interfaces._WARNED.clear()
    yield
    interfaces._WARNED.clear()


def test_hook_is_registered():
    assert configs.convert_layer_config in serialization.LEGACY_CONFIG_HOOKS


def test_keras1_convnet_config():
    model = model_from_json(json.dumps(KERAS1_CONVNET))
    conv, pool, _, dense = model.layers
    assert isinstance(conv, layers.Conv2D) and conv.kernel_size == (3, 2) and conv.padding == "same"
    assert conv.data_format == "channels_first" and pool.data_format == "channels_first"
    assert conv.get_config()["kernel_regularizer"]["config"]["l2"] == pytest.approx(0.01)
    assert conv.get_config()["kernel_constraint"]["config"]["max_value"] == 2
    assert dense.units == 3 and model.output_shape == (None, 3)
    x = np.random.rand(2, 1, 8, 8).astype("float32")
    np.testing.assert_allclose(model.predict(x).sum(axis=-1), 1.0, rtol=1e-5)


def test_keras1_recurrent_config():
    model = model_from_config(KERAS1_RECURRENT)
    embedding, lstm, time_distributed = model.layers
    assert embedding.get_config()["embeddings_initializer"]["class_name"] == "RandomUniform"
    config = lstm.get_config()
    assert config["units"] == 4 and config["recurrent_activation"] == "hard_sigmoid" and config["unit_forget_bias"]
    assert isinstance(time_distributed, layers.TimeDistributed) and time_distributed.layer.units == 2
    assert model.output_shape == (None, 5, 2)
    assert model.predict(np.array([[1, 2, 3, 4, 5]])).shape == (1, 5, 2)


def test_keras1_functional_config_with_merge():
    model = model_from_config(KERAS1_FUNCTIONAL_MERGE)
    assert isinstance(model.get_layer("merge_1"), layers.Merge)
    dense = model.get_layer("dense_1")
    (kernel,) = dense.get_weights()
    a, b = np.random.rand(3, 4).astype("float32"), np.random.rand(3, 4).astype("float32")
    np.testing.assert_allclose(model.predict([a, b]), np.concatenate([a, b], -1) @ kernel, rtol=1e-5, atol=1e-6)


def test_keras2_configs_are_left_alone():
    assert configs.convert_layer_config("Dense", {"units": 3, "use_bias": False}) is None
    assert configs.convert_layer_config("Embedding", {"input_dim": 3, "output_dim": 2, "input_length": 4}) is None
    assert configs.convert_layer_config("LSTM", {"units": 3, "dropout": 0.1}) is None


def test_converted_config_warns_once_per_class():
    with pytest.warns(UserWarning, match="Keras 1 `Convolution2D` config"):
        configs.convert_layer_config("Convolution2D", {"nb_filter": 2, "nb_row": 1, "nb_col": 1})
    name, config = configs.convert_layer_config("Convolution2D", {"nb_filter": 2, "nb_row": 1, "nb_col": 1})
    assert name == "Conv2D" and config == {"kernel_size": (1, 1), "filters": 2}
