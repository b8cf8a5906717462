"""Config round trips for every layer, optimizer, loss and metric; configs of tf.keras 2.x and Keras 3 are accepted."""

import inspect
import json
import warnings

import numpy as np
import pytest
import torch

import kerastorch.layers as KL
from kerastorch import initializers
from kerastorch import losses
from kerastorch import metrics
from kerastorch import models
from kerastorch import optimizers
from kerastorch.engine import layer as layer_module
from kerastorch.saving import model_config
from kerastorch.saving import serialization


def _plain(config):
    return json.loads(json.dumps(config, default=model_config.json_default))


def _double(x):
    return x * 2.0


# Constructor arguments for the layers that have required arguments.
LAYER_ARGS = {
    "Dense": dict(units=3, activation="relu", kernel_regularizer="l2", bias_constraint="non_neg"),
    "Activation": dict(activation="tanh"),
    "Dropout": dict(rate=0.3, noise_shape=(None, 1), seed=3),
    "SpatialDropout1D": dict(rate=0.2),
    "SpatialDropout2D": dict(rate=0.2, data_format="channels_first"),
    "SpatialDropout3D": dict(rate=0.2),
    "Reshape": dict(target_shape=(2, -1)),
    "Permute": dict(dims=(2, 1)),
    "RepeatVector": dict(n=3),
    "Lambda": dict(function=_double, output_shape=(4,)),
    "Conv1D": dict(filters=2, kernel_size=3, strides=2, padding="causal"),
    "Conv2D": dict(filters=2, kernel_size=(3, 2), dilation_rate=2, activation="relu"),
    "Conv3D": dict(filters=2, kernel_size=2, padding="same"),
    "Conv1DTranspose": dict(filters=2, kernel_size=3, strides=2),
    "Conv2DTranspose": dict(filters=2, kernel_size=3, output_padding=1, strides=2),
    "Conv3DTranspose": dict(filters=2, kernel_size=2),
    "DepthwiseConv1D": dict(kernel_size=3, depth_multiplier=2),
    "DepthwiseConv2D": dict(kernel_size=3, depth_multiplier=2),
    "SeparableConv1D": dict(filters=2, kernel_size=3),
    "SeparableConv2D": dict(filters=2, kernel_size=3, depth_multiplier=2),
    "LocallyConnected1D": dict(filters=2, kernel_size=3),
    "LocallyConnected2D": dict(filters=2, kernel_size=3),
    "SimpleRNNCell": dict(units=3),
    "LSTMCell": dict(units=3, dropout=0.1),
    "GRUCell": dict(units=3, reset_after=True),
    "StackedRNNCells": dict(cells=[KL.LSTMCell(3), KL.GRUCell(2)]),
    "RNN": dict(cell=KL.SimpleRNNCell(3), return_sequences=True),
    "SimpleRNN": dict(units=3, go_backwards=True),
    "LSTM": dict(units=3, return_state=True, unit_forget_bias=False),
    "CuDNNLSTM": dict(units=3, return_sequences=True),
    "CuDNNGRU": dict(units=3),
    "GRU": dict(units=3, reset_after=False),
    "ConvLSTM1D": dict(filters=2, kernel_size=3, padding="same", return_sequences=True),
    "ConvLSTM2D": dict(filters=2, kernel_size=(3, 2), dropout=0.1, recurrent_activation="sigmoid"),
    "ConvLSTM3D": dict(filters=2, kernel_size=2, data_format="channels_first", return_state=True),
    "ConvLSTM2DCell": dict(filters=2, kernel_size=3, strides=2),
    "Embedding": dict(input_dim=10, output_dim=3, mask_zero=True, input_length=4),
    "Rescaling": dict(scale=[0.5, 2.0], offset=-1.0),
    "CenterCrop": dict(height=2, width=3),
    "Resizing": dict(height=4, width=5, interpolation="bicubic", crop_to_aspect_ratio=True),
    "CategoryEncoding": dict(num_tokens=4, output_mode="count"),
    "Discretization": dict(bin_boundaries=[0.0, 1.5], output_mode="one_hot"),
    "Normalization": dict(axis=(1, 2), mean=[1.0, 2.0], variance=4.0),
    "GroupNormalization": dict(groups=4, axis=1, gamma_regularizer="l2"),
    "Dot": dict(axes=1, normalize=True),
    "Concatenate": dict(axis=1),
    "TimeDistributed": dict(layer=KL.Dense(3)),
    "Bidirectional": dict(layer=KL.LSTM(3, return_sequences=True), merge_mode="sum"),
    "Wrapper": dict(layer=KL.Dense(3)),
    "GaussianNoise": dict(stddev=0.1),
    "GaussianDropout": dict(rate=0.1),
    "AlphaDropout": dict(rate=0.1),
    "BatchNormalization": dict(axis=1, momentum=0.9, center=False),
    "LayerNormalization": dict(axis=[1, 2], epsilon=1e-5),
    "PReLU": dict(shared_axes=[1]),
    "ReLU": dict(max_value=6.0, negative_slope=0.1),
    "MaxoutDense": dict(output_dim=3),
    "InputLayer": dict(input_shape=(3,)),
    "TorchModuleWrapper": dict(module=torch.nn.Linear(3, 2)),
    "MultiHeadAttention": dict(num_heads=2, key_dim=3, attention_axes=1),
}
# Layers whose config holds pickled Python objects: they load only with safe mode off.
PICKLED_CONFIG = {"TorchModuleWrapper": "module"}
# Not layers one builds from a config (bases, mixins, internal graph operations).
NOT_CONFIGURABLE = {"Layer", "InputSpec", "TensorOp", "DropoutRNNCellMixin"}


def _layer_classes():
    """Names of the public layer classes, one per class (aliases such as Convolution2D are the same class)."""
    found, seen = [], set()
    for name in KL.__all__:
        cls = getattr(KL, name)
        if isinstance(cls, type) and issubclass(cls, layer_module.Layer) and name not in NOT_CONFIGURABLE:
            if cls not in seen:
                seen.add(cls)
                found.append(cls.__name__ if hasattr(KL, cls.__name__) else name)
    return found


@pytest.mark.parametrize("name", _layer_classes())
def test_every_layer_config_round_trips(name):
    cls = getattr(KL, name)
    kwargs = LAYER_ARGS.get(name)
    if kwargs is None:
        required = [
            p.name
            for p in inspect.signature(cls.__init__).parameters.values()
            if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"
        ]
        assert not required, f"{name} needs arguments {required}: add it to LAYER_ARGS"
        kwargs = {}
    layer = cls(name=f"my_{name.lower()}", **kwargs)
    config = serialization.serialize_layer(layer)
    assert config["class_name"] == name or getattr(KL, config["class_name"]) is cls
    plain = json.loads(json.dumps(_plain(config)))
    if name in PICKLED_CONFIG:
        with pytest.raises(ValueError, match="safe_mode=False"):
            serialization.deserialize_layer(plain)
        with serialization.safe_mode_scope(False):
            rebuilt = serialization.deserialize_layer(plain)
        key = PICKLED_CONFIG[name]
        expected = {k: v for k, v in _plain(layer.get_config()).items() if k != key}
        assert {k: v for k, v in _plain(rebuilt.get_config()).items() if k != key} == expected
        for mine, theirs in zip(rebuilt.get_weights(), layer.get_weights()):
            np.testing.assert_array_equal(mine, theirs)
    else:
        rebuilt = serialization.deserialize_layer(plain, custom_objects={"_double": _double})
        assert _plain(rebuilt.get_config()) == _plain(layer.get_config())
    assert type(rebuilt) is type(layer)
    assert rebuilt.name == f"my_{name.lower()}"


@pytest.mark.parametrize("name", sorted(optimizers.OPTIMIZERS))
def test_every_optimizer_config_round_trips(name):
    optimizer = optimizers.get(name)
    optimizer.learning_rate = 0.125
    optimizer.clipnorm = 1.5
    rebuilt = optimizers.deserialize(_plain(optimizers.serialize(optimizer)))
    assert type(rebuilt) is type(optimizer)
    assert rebuilt.get_config() == optimizer.get_config()
    assert float(rebuilt.learning_rate) == 0.125


def test_torch_optimizer_config_round_trips():
    optimizer = optimizers.get(torch.optim.AdamW)
    rebuilt = optimizers.deserialize(_plain(optimizers.serialize(optimizer)))
    assert rebuilt.torch_class is torch.optim.AdamW
    assert _plain(rebuilt.get_config()) == _plain(optimizer.get_config())


def _concrete(classes, excluded):
    return sorted(name for name, cls in classes.items() if inspect.isclass(cls) and name not in excluded)


@pytest.mark.parametrize("name", _concrete(losses.LOSS_CLASSES, {"Loss", "LossFunctionWrapper", "KLD", "LogCoshError"}))
def test_every_loss_config_round_trips(name):
    loss = losses.LOSS_CLASSES[name](reduction="sum")
    rebuilt = losses.deserialize(_plain(losses.serialize(loss)))
    assert type(rebuilt) is type(loss)
    assert _plain(rebuilt.get_config()) == _plain(loss.get_config())
    y_true = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    y_pred = torch.tensor([[0.3, 0.7], [0.6, 0.4]])
    if name == "SparseCategoricalCrossentropy":
        y_true = torch.tensor([1, 0])
    torch.testing.assert_close(rebuilt(y_true, y_pred), loss(y_true, y_pred))


@pytest.mark.parametrize("name", sorted(losses.LOSS_FUNCTIONS))
def test_every_loss_function_serializes_by_name(name):
    function = losses.LOSS_FUNCTIONS[name]
    assert losses.deserialize(losses.serialize(function)) is function


METRIC_ARGS = {
    "MeanMetricWrapper": dict(fn=metrics.binary_accuracy),
    "TopKCategoricalAccuracy": dict(k=2),
    "SparseTopKCategoricalAccuracy": dict(k=2),
    "AUC": dict(num_thresholds=50, curve="PR"),
    "Precision": dict(thresholds=[0.3, 0.6]),
    "Recall": dict(top_k=1),
}


def _metric_classes():
    names = []
    for name, cls in metrics.METRIC_CLASSES.items():
        if not inspect.isclass(cls) or name in ("Metric", "Reduce") or name.startswith("_"):
            continue
        names.append(name)
    return sorted(set(names))


@pytest.mark.parametrize("name", _metric_classes())
def test_every_metric_config_round_trips(name):
    cls = metrics.METRIC_CLASSES[name]
    kwargs = METRIC_ARGS.get(name, {})
    metric = cls(name=f"my_{name.lower()}", **kwargs)
    rebuilt = metrics.deserialize(_plain(metrics.serialize(metric)))
    assert type(rebuilt) is type(metric)
    assert _plain(rebuilt.get_config()) == _plain(metric.get_config())


# ---------------------------------------------------------------------------------------------
# Configs written by other Keras versions
# ---------------------------------------------------------------------------------------------
def test_keras3_layer_config_with_module_policy_and_initializer_dicts():
    config = {
        "module": "keras.layers",
        "class_name": "Dense",
        "config": {
            "name": "dense_k3",
            "trainable": True,
            "dtype": {
                "module": "keras",
                "class_name": "DTypePolicy",
                "config": {"name": "float32"},
                "registered_name": None,
            },
            "units": 4,
            "activation": "relu",
            "use_bias": True,
            "kernel_initializer": {
                "module": "keras.initializers",
                "class_name": "GlorotUniform",
                "config": {"seed": 3, "input_axes": None, "output_axes": None},
                "registered_name": None,
            },
            "bias_initializer": {
                "module": "keras.initializers",
                "class_name": "Zeros",
                "config": {},
                "registered_name": None,
            },
            "kernel_regularizer": {
                "module": "keras.regularizers",
                "class_name": "L2",
                "config": {"l2": 0.01},
                "registered_name": None,
            },
            "bias_regularizer": None,
            "kernel_constraint": None,
            "bias_constraint": None,
            "quantization_config": None,
            "lora_rank": None,
        },
        "registered_name": None,
        "build_config": {"input_shape": [None, 3]},
    }
    layer = serialization.deserialize_layer(config)
    assert isinstance(layer, KL.Dense) and layer.units == 4 and layer.dtype == "float32"
    assert layer.get_config()["kernel_initializer"]["config"]["seed"] == 3
    assert layer.get_config()["kernel_regularizer"]["config"]["l2"] == pytest.approx(0.01)


def test_tf_keras_mixed_precision_policy_is_kept():
    config = {
        "class_name": "Dense",
        "config": {"units": 2, "dtype": {"class_name": "Policy", "config": {"name": "mixed_float16"}}},
    }
    layer = serialization.deserialize_layer(config)
    assert layer.dtype_policy.name == "mixed_float16"
    assert layer.dtype == "float32"  # variables stay float32 under a mixed policy


def test_newer_keras_keys_at_default_are_dropped_and_others_refused():
    lstm = serialization.deserialize_layer(
        {"class_name": "LSTM", "config": {"units": 2, "time_major": False, "use_cudnn": "auto", "seed": 4}}
    )
    assert lstm.units == 2
    bn = serialization.deserialize_layer(
        {
            "class_name": "BatchNormalization",
            "config": {"axis": [3], "renorm": False, "renorm_clipping": None, "fused": None, "synchronized": False},
        }
    )
    assert isinstance(bn, KL.BatchNormalization)
    renorm = serialization.deserialize_layer({"class_name": "BatchNormalization", "config": {"renorm": True}})
    assert renorm.renorm is True  # batch renormalization is implemented, so its key loads
    with pytest.raises(ValueError, match=r"rms_scaling=True"):
        serialization.deserialize_layer({"class_name": "LayerNormalization", "config": {"rms_scaling": True}})
    with pytest.raises(ValueError, match=r"quantization_config"):
        serialization.deserialize_layer(
            {"class_name": "Dense", "config": {"units": 2, "quantization_config": {"mode": "int8"}}}
        )
    # A key no Keras version writes is the layer's business: a TypeError naming it.
    with pytest.raises(TypeError, match="not_a_keras_argument"):
        serialization.deserialize_layer({"class_name": "Dense", "config": {"units": 2, "not_a_keras_argument": 1}})


def test_keras3_leaky_relu_spelling_and_input_layer_batch_shape():
    layer = serialization.deserialize_layer({"class_name": "LeakyReLU", "config": {"negative_slope": 0.25}})
    assert layer.alpha == 0.25
    inputs = serialization.deserialize_layer(
        {
            "class_name": "InputLayer",
            "config": {
                "batch_shape": [None, 5],
                "dtype": "float32",
                "sparse": False,
                "ragged": False,
                "optional": False,
                "name": "in5",
            },
        }
    )
    assert inputs._batch_input_shape == (None, 5)


def test_unknown_class_names_it_and_mentions_custom_objects():
    with pytest.raises(ValueError, match=r"Unknown layer: 'FancyLayer'.*custom_objects"):
        serialization.deserialize_layer({"class_name": "FancyLayer", "config": {}})


class _Scale(layer_module.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


def test_custom_objects_argument_scope_and_registered_names():
    config = {"class_name": "_Scale", "config": {"factor": 3.0, "name": "scale"}}
    assert serialization.deserialize_layer(config, custom_objects={"_Scale": _Scale}).factor == 3.0
    with serialization.CustomObjectScope({"_Scale": _Scale}):
        assert serialization.deserialize_layer(config).factor == 3.0
    registered = {"class_name": "my_package>_Scale", "config": {"factor": 4.0}}
    assert serialization.deserialize_layer(registered, custom_objects={"_Scale": _Scale}).factor == 4.0


def test_legacy_config_hooks_convert_before_lookup():
    calls = []

    def old_dense(class_name, config):
        calls.append(class_name)
        if class_name == "AncientDense":
            config = dict(config)
            config["units"] = config.pop("size")
            return "Dense", config
        return None

    serialization.register_legacy_config_hook(old_dense)
    try:
        serialization.register_legacy_config_hook(old_dense)
        assert serialization.LEGACY_CONFIG_HOOKS.count(old_dense) == 1
        layer = serialization.deserialize_layer({"class_name": "AncientDense", "config": {"size": 7}})
        assert isinstance(layer, KL.Dense) and layer.units == 7
        assert calls == ["AncientDense"]
    finally:
        serialization.LEGACY_CONFIG_HOOKS.remove(old_dense)
    with pytest.raises(TypeError, match="callable"):
        serialization.register_legacy_config_hook("not a function")


def test_serialize_and_deserialize_keras_object_for_each_family():
    cases = [
        KL.Dense(2, name="d"),
        optimizers.Adam(0.01),
        losses.Huber(delta=2.0),
        metrics.AUC(num_thresholds=20),
        initializers.get("he_normal"),
    ]
    for obj in cases:
        config = serialization.serialize_keras_object(obj)
        rebuilt = serialization.deserialize_keras_object(_plain(config))
        assert type(rebuilt) is type(obj)
        assert _plain(rebuilt.get_config()) == _plain(obj.get_config())
    assert serialization.serialize_keras_object(losses.mean_squared_error) == "mean_squared_error"
    assert serialization.deserialize_keras_object("fn", module_objects={"fn": _double}) is _double
    assert serialization.serialize_keras_object(None) is None
    with pytest.raises(ValueError, match=r"Unknown loss: 'nope'.*custom_objects"):
        serialization.deserialize_keras_object("nope", module_objects={}, printable_module_name="loss")


def test_deserialize_keras_object_with_module_objects_and_custom_class():
    obj = serialization.deserialize_keras_object(
        {"class_name": "_Scale", "config": {"factor": 5.0}}, module_objects={"_Scale": _Scale}
    )
    assert isinstance(obj, _Scale) and obj.factor == 5.0


def test_safe_mode_scope_nests():
    assert serialization.in_safe_mode()
    with serialization.safe_mode_scope(False):
        assert not serialization.in_safe_mode()
        with serialization.SafeModeScope(True):
            assert serialization.in_safe_mode()
        assert not serialization.in_safe_mode()
    assert serialization.in_safe_mode()


def test_keras3_functional_config_with_dict_inbound_nodes():
    def tensor(name, shape):
        return {
            "class_name": "__keras_tensor__",
            "config": {"shape": shape, "dtype": "float32", "keras_history": [name, 0, 0]},
        }

    config = {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {
            "name": "k3",
            "trainable": True,
            "layers": [
                {
                    "module": "keras.layers",
                    "class_name": "InputLayer",
                    "config": {"batch_shape": [None, 3], "dtype": "float32", "name": "x"},
                    "name": "x",
                    "inbound_nodes": [],
                },
                {
                    "module": "keras.layers",
                    "class_name": "Dense",
                    "config": {"name": "d1", "units": 2},
                    "name": "d1",
                    "inbound_nodes": [{"args": [tensor("x", [None, 3])], "kwargs": {}}],
                },
                {
                    "module": "keras.layers",
                    "class_name": "Dense",
                    "config": {"name": "d2", "units": 2},
                    "name": "d2",
                    "inbound_nodes": [{"args": [tensor("x", [None, 3])], "kwargs": {}}],
                },
                {
                    "module": "keras.layers",
                    "class_name": "Add",
                    "config": {"name": "add"},
                    "name": "add",
                    "inbound_nodes": [{"args": [[tensor("d1", [None, 2]), tensor("d2", [None, 2])]], "kwargs": {}}],
                },
            ],
            "input_layers": [["x", 0, 0]],
            "output_layers": [["add", 0, 0]],
        },
        "registered_name": "Functional",
    }
    model = model_config.model_from_config(config)
    assert [layer.name for layer in model.layers] == ["x", "d1", "d2", "add"]
    x = np.random.RandomState(0).rand(2, 3).astype("float32")
    d1, d2 = model.get_layer("d1").get_weights(), model.get_layer("d2").get_weights()
    expected = x @ d1[0] + d1[1] + x @ d2[0] + d2[1]
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-6)


def test_keras3_sequential_config_with_input_layer_and_build_config():
    config = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {
            "name": "seq",
            "trainable": True,
            "dtype": {
                "module": "keras",
                "class_name": "DTypePolicy",
                "config": {"name": "float32"},
                "registered_name": None,
            },
            "layers": [
                {
                    "module": "keras.layers",
                    "class_name": "InputLayer",
                    "config": {
                        "batch_shape": [None, 6],
                        "dtype": "float32",
                        "sparse": False,
                        "ragged": False,
                        "name": "input_layer",
                        "optional": False,
                    },
                    "registered_name": None,
                },
                {
                    "module": "keras.layers",
                    "class_name": "Dense",
                    "config": {"name": "dense", "units": 2},
                    "registered_name": None,
                    "build_config": {"input_shape": [None, 6]},
                },
            ],
            "build_input_shape": [None, 6],
        },
        "registered_name": None,
    }
    model = model_config.model_from_config(config)
    assert model.built and model.input_shape == (None, 6) and model.output_shape == (None, 2)


def test_tf_keras_deferred_sequential_is_built_from_build_input_shape():
    config = {
        "class_name": "Sequential",
        "config": {
            "name": "deferred",
            "layers": [{"class_name": "Dense", "config": {"name": "d", "units": 3}}],
            "build_input_shape": [None, 4],
        },
    }
    model = model_config.model_from_config(config)
    assert model.built and model.get_layer("d").get_weights()[0].shape == (4, 3)


def test_keras2_bare_list_sequential_config():
    config = {
        "class_name": "Sequential",
        "config": [
            {
                "class_name": "Dense",
                "config": {"name": "dense_1", "units": 4, "batch_input_shape": [None, 3], "activation": "relu"},
            },
            {"class_name": "Dense", "config": {"name": "dense_2", "units": 1}},
        ],
    }
    model = model_config.model_from_config(config)
    assert [layer.name for layer in model.layers] == ["dense_1", "dense_2"]
    assert model.output_shape == (None, 1)


def test_model_from_config_rejects_non_configs():
    with pytest.raises(ValueError, match="class_name"):
        model_config.model_from_config({"layers": []})


def test_clone_of_functional_model_keeps_architecture():
    a = KL.Input((3,), name="a")
    out = KL.Dense(2, name="out")(KL.Dense(4, activation="relu", name="hidden")(a))
    model = models.Model(a, out)
    clone = models.clone_model(model)
    assert _plain(clone.get_config()) == _plain(model.get_config())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model_config.to_json(clone)


def test_keras3_rnn_initial_state_keyword_tensors_are_kept():
    def tensor(name, shape):
        return {
            "class_name": "__keras_tensor__",
            "config": {"shape": shape, "dtype": "float32", "keras_history": [name, 0, 0]},
        }

    def input_layer(name, shape):
        return {
            "class_name": "InputLayer",
            "config": {"batch_shape": shape, "dtype": "float32", "name": name},
            "name": name,
            "inbound_nodes": [],
        }

    lstm_node = {
        "args": [tensor("x", [None, 4, 3])],
        "kwargs": {"initial_state": [tensor("h", [None, 2]), tensor("c", [None, 2])]},
    }
    config = {
        "class_name": "Functional",
        "config": {
            "name": "stateful_start",
            "layers": [
                input_layer("x", [None, 4, 3]),
                input_layer("h", [None, 2]),
                input_layer("c", [None, 2]),
                {
                    "class_name": "LSTM",
                    "config": {"name": "lstm", "units": 2},
                    "name": "lstm",
                    "inbound_nodes": [lstm_node],
                },
            ],
            "input_layers": [["x", 0, 0], ["h", 0, 0], ["c", 0, 0]],
            "output_layers": [["lstm", 0, 0]],
        },
    }
    loaded = model_config.model_from_config(config)
    x, h, c = KL.Input((4, 3)), KL.Input((2,)), KL.Input((2,))
    reference = models.Model([x, h, c], KL.LSTM(2)(x, initial_state=[h, c]))
    reference.set_weights(loaded.get_weights())
    rng = np.random.RandomState(0)
    data = [rng.rand(2, 4, 3).astype("float32"), rng.rand(2, 2).astype("float32"), rng.rand(2, 2).astype("float32")]
    np.testing.assert_allclose(loaded.predict(data), reference.predict(data), atol=1e-7)
    zero_state = [data[0], np.zeros_like(data[1]), np.zeros_like(data[2])]
    assert not np.allclose(loaded.predict(data), loaded.predict(zero_state))
