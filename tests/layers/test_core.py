"""Core layers against tf.keras 2 references (tests/data/core_references.npz), NumPy and layer_test."""

import json
import os

import numpy as np
import pytest
import torch

from kerastorch import backend
from kerastorch import models
from kerastorch import regularizers
from kerastorch.engine.keras_tensor import Input
from kerastorch.layers import core
from kerastorch.layers.embeddings import Embedding
from kerastorch.utils.test_utils import layer_test

REFERENCES = np.load(os.path.join(os.path.dirname(__file__), "..", "data", "core_references.npz"))
CORE_CLASSES = ("Dense", "Activation", "Flatten", "Reshape", "Permute", "RepeatVector", "Masking")
CORE_CASES = sorted(
    name
    for name in {key.split("/")[0] for key in REFERENCES.files}
    if json.loads(str(REFERENCES[f"{name}/config"]))["class_name"] in CORE_CLASSES
)


def square_plus_one(x):
    return x * x + 1.0


def double_shape(input_shape):
    return tuple(input_shape[:-1]) + (input_shape[-1] * 2,)


def concat_with_negative(x):
    return torch.cat([x, -x], dim=-1)


def _reference_layer(name):
    config = json.loads(str(REFERENCES[f"{name}/config"]))
    layer = getattr(core, config["class_name"])(**config["config"])
    x = REFERENCES[f"{name}/x"]
    layer.build(x.shape)
    count = len(layer.get_weights())
    layer.set_weights([REFERENCES[f"{name}/w{i}"] for i in range(count)])
    return layer, x


# ---------------------------------------------------------------------------------------------
# Keras references
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", CORE_CASES)
def test_core_layers_match_tf_keras(name):
    layer, x = _reference_layer(name)
    y = layer(x)
    np.testing.assert_allclose(y.detach().numpy(), REFERENCES[f"{name}/y"], rtol=1e-5, atol=1e-6)
    if f"{name}/out_mask" in REFERENCES.files:
        mask = layer.compute_mask(torch.as_tensor(x))
        np.testing.assert_array_equal(mask.numpy(), REFERENCES[f"{name}/out_mask"])


def test_reference_cases_cover_every_core_class():
    covered = {json.loads(str(REFERENCES[f"{name}/config"]))["class_name"] for name in CORE_CASES}
    assert covered == set(CORE_CLASSES)


# ---------------------------------------------------------------------------------------------
# Dense
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("units", [0, -3, 2.5, "8", None, True])
def test_dense_rejects_non_positive_units(units):
    with pytest.raises(ValueError, match=f"Dense expects `units` to be a positive integer. Received: units={units!r}"):
        core.Dense(units)


def test_dense_accepts_integral_float_units():
    assert core.Dense(4.0).units == 4


def test_dense_wrong_feature_size_names_layer_expected_and_received():
    layer = core.Dense(3)
    layer(np.zeros((32, 20), "float32"))
    with pytest.raises(ValueError, match=r"Dense 'dense_1' expects input with last dimension 20, got shape \(32, 21\)"):
        layer(np.zeros((32, 21), "float32"))


def test_dense_rejects_rank_1_and_unknown_last_dimension():
    with pytest.raises(ValueError, match="ndim >= 2"):
        core.Dense(3)(np.zeros((4,), "float32"))
    with pytest.raises(ValueError, match="last dimension of the inputs to a Dense layer should be defined"):
        core.Dense(3).build((None, None))


def test_dense_kernel_is_keras_layout_and_3d_contracts_last_axis():
    layer = core.Dense(5, activation="relu")
    x = np.random.uniform(-1, 1, size=(2, 3, 4)).astype("float32")
    y = layer(x).detach().numpy()
    kernel, bias = layer.get_weights()
    assert kernel.shape == (4, 5) and tuple(layer.kernel.shape) == (4, 5)
    np.testing.assert_allclose(y, np.maximum(x @ kernel + bias, 0.0), rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape((None, 3, 4)) == (None, 3, 5)


def test_dense_without_bias_and_integer_input():
    layer = core.Dense(2, use_bias=False, kernel_initializer="ones")
    y = layer(torch.tensor([[1, 2, 3]]))
    assert layer.get_weights()[0].shape == (3, 2) and len(layer.weights) == 1
    np.testing.assert_array_equal(y.detach().numpy(), [[6.0, 6.0]])


def test_dense_activation_can_be_reassigned():
    layer = core.Dense(2, activation="softmax", kernel_initializer="ones")
    x = np.array([[1.0, -2.0]], "float32")
    np.testing.assert_allclose(layer(x).detach().numpy(), [[0.5, 0.5]])
    layer.activation = None
    np.testing.assert_allclose(layer(x).detach().numpy(), [[-1.0, -1.0]])


def test_dense_regularizers_add_losses():
    layer = core.Dense(3, kernel_regularizer=regularizers.l2(0.1), activity_regularizer=regularizers.l1(0.5))
    x = np.random.uniform(-1, 1, size=(4, 2)).astype("float32")
    y = layer(x).detach().numpy()
    kernel = layer.get_weights()[0]
    kernel_loss, activity_loss = [float(v.detach()) for v in layer.losses]
    np.testing.assert_allclose(kernel_loss, 0.1 * np.sum(kernel**2), rtol=1e-5)
    np.testing.assert_allclose(activity_loss, 0.5 * np.sum(np.abs(y)) / 4, rtol=1e-5)
    config = layer.get_config()
    assert config["activity_regularizer"]["class_name"] == "L1"


def test_dense_trains_in_a_sequential_model():
    model = models.Sequential([core.Dense(1, input_shape=(3,), kernel_initializer="zeros")])
    model.compile("sgd", "mse")
    x = np.random.uniform(-1, 1, size=(32, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32")
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=20, batch_size=8, verbose=0)
    assert model.evaluate(x, y, verbose=0) < 0.5 * first


# ---------------------------------------------------------------------------------------------
# Dropout family
# ---------------------------------------------------------------------------------------------
def test_dropout_inference_is_identity_and_training_scales_kept_units():
    layer = core.Dropout(0.25)
    x = torch.rand(200, 50) + 0.5
    assert torch.equal(layer(x, training=False), x)
    y = layer(x, training=True)
    kept = y != 0
    torch.testing.assert_close(y[kept], x[kept] / 0.75)
    assert abs(1.0 - kept.float().mean().item() - 0.25) < 0.02


def test_dropout_follows_train_and_eval_mode_when_training_is_none():
    layer = core.Dropout(0.5)
    x = torch.ones(100, 10)
    layer.eval()
    assert torch.equal(layer(x), x)
    layer.train()
    assert (layer(x) == 0).any()


def test_dropout_noise_shape_with_none_shares_mask_over_timesteps():
    layer = core.Dropout(0.5, noise_shape=(None, 1, 6))
    x = torch.ones(8, 5, 6)
    y = layer(x, training=True)
    assert set(torch.unique(y).tolist()) <= {0.0, 2.0}
    assert torch.equal(y, y[:, :1, :].expand_as(y))
    assert (y == 0).any() and (y == 2).any()


def test_dropout_seed_is_reproducible():
    x = torch.ones(6, 20)
    first = core.Dropout(0.5, seed=7)(x, training=True)
    second = core.Dropout(0.5, seed=7)(x, training=True)
    assert torch.equal(first, second)


def test_dropout_rate_zero_and_one():
    x = torch.rand(4, 3)
    assert torch.equal(core.Dropout(0.0)(x, training=True), x)
    assert torch.equal(core.Dropout(1.0)(x, training=True), torch.zeros_like(x))
    assert torch.equal(core.Dropout(1.0, seed=1)(x, training=True), torch.zeros_like(x))


@pytest.mark.parametrize("rate", [-0.1, 1.5])
def test_dropout_rejects_rate_outside_unit_interval(rate):
    with pytest.raises(ValueError, match=f"Invalid value {rate} received for `rate` of Dropout"):
        core.Dropout(rate)


@pytest.mark.parametrize(
    "cls, shape, data_format, channel_axis",
    [
        (core.SpatialDropout1D, (4, 7, 6), None, 2),
        (core.SpatialDropout2D, (4, 3, 5, 6), "channels_last", 3),
        (core.SpatialDropout2D, (4, 6, 3, 5), "channels_first", 1),
        (core.SpatialDropout3D, (4, 2, 3, 2, 6), "channels_last", 4),
        (core.SpatialDropout3D, (4, 6, 2, 3, 2), "channels_first", 1),
    ],
)
def test_spatial_dropout_drops_whole_channels(cls, shape, data_format, channel_axis):
    kwargs = {} if data_format is None else {"data_format": data_format}
    layer = cls(0.5, **kwargs)
    x = torch.ones(shape)
    y = layer(x, training=True)
    reduce_dims = [d for d in range(len(shape)) if d not in (0, channel_axis)]
    per_channel_max = y.amax(dim=reduce_dims)
    per_channel_min = y.amin(dim=reduce_dims)
    assert torch.equal(per_channel_max, per_channel_min)
    assert set(torch.unique(y).tolist()) == {0.0, 2.0}
    assert torch.equal(layer(x, training=False), x)


def test_spatial_dropout_checks_rank():
    with pytest.raises(ValueError, match="ndim=4"):
        core.SpatialDropout2D(0.5)(torch.ones(2, 3, 4), training=True)


# ---------------------------------------------------------------------------------------------
# Flatten, Reshape, Permute, RepeatVector
# ---------------------------------------------------------------------------------------------
def test_flatten_channels_first_matches_channels_last_order():
    x = np.random.uniform(size=(2, 3, 4, 5)).astype("float32")  # (batch, channels, rows, cols)
    flat_first = core.Flatten(data_format="channels_first")(x)
    flat_last = core.Flatten(data_format="channels_last")(np.transpose(x, (0, 2, 3, 1)))
    assert torch.equal(flat_first, flat_last)
    np.testing.assert_array_equal(flat_first.numpy(), np.transpose(x, (0, 2, 3, 1)).reshape(2, -1))


def test_flatten_shapes():
    layer = core.Flatten()
    assert layer.compute_output_shape((None, 3, 4)) == (None, 12)
    assert layer.compute_output_shape((None, None, 4)) == (None, None)
    assert tuple(layer(torch.arange(3.0)).shape) == (3, 1)
    assert tuple(layer(torch.zeros(0, 3, 2)).shape) == (0, 6)


def test_reshape_infers_minus_one():
    layer = core.Reshape((-1, 3))
    assert tuple(layer(torch.zeros(2, 4, 3)).shape) == (2, 4, 3)
    assert layer.compute_output_shape((None, 12)) == (None, 4, 3)
    assert layer.compute_output_shape((None, None)) == (None, None, 3)
    assert tuple(layer(torch.zeros(0, 12)).shape) == (0, 4, 3)


def test_reshape_errors_use_keras_text():
    with pytest.raises(ValueError, match="There must be at most one unknown dimension in output_shape"):
        core.Reshape((-1, -1))
    with pytest.raises(
        ValueError,
        match=r"total size of new array must be unchanged, input_shape = \[12\], output_shape = \[5, -1\]",
    ):
        core.Reshape((5, -1))(torch.zeros(2, 12))
    with pytest.raises(
        ValueError, match=r"total size of new array must be unchanged, input_shape = \[3, 4\], output_shape = \[5\]"
    ):
        core.Reshape((5,)).compute_output_shape((None, 3, 4))
    with pytest.raises(ValueError, match="total size of new array must be unchanged"):
        core.Reshape((2, 2))(Input((7,)))


def test_permute_is_one_based_and_validates_dims():
    x = torch.rand(2, 3, 4, 5)
    y = core.Permute((3, 1, 2))(x)
    assert torch.equal(y, x.permute(0, 3, 1, 2))
    assert core.Permute((3, 1, 2)).compute_output_shape((None, 3, 4, 5)) == (None, 5, 3, 4)
    with pytest.raises(ValueError, match=r"Invalid permutation argument `dims` for Permute Layer.*dims=\(0, 1\)"):
        core.Permute((0, 1))


def test_repeat_vector_repeats_and_validates_n():
    x = torch.rand(2, 4)
    y = core.RepeatVector(3)(x)
    assert torch.equal(y, x[:, None, :].repeat(1, 3, 1))
    with pytest.raises(TypeError, match="RepeatVector expects `n` to be an integer. Received: n=2.5"):
        core.RepeatVector(2.5)
    with pytest.raises(ValueError, match="ndim=2"):
        core.RepeatVector(2)(torch.rand(2, 3, 4))


# ---------------------------------------------------------------------------------------------
# Masking, Activation, ActivityRegularization
# ---------------------------------------------------------------------------------------------
def test_masking_zeroes_masked_steps_and_computes_mask():
    x = torch.tensor([[[1.0, 2.0], [0.0, 0.0], [0.0, 3.0]]])
    layer = core.Masking(mask_value=0.0)
    assert torch.equal(layer(x), x)
    assert layer.compute_mask(x).tolist() == [[True, False, True]]
    y = core.Masking(mask_value=3.0)(torch.tensor([[[3.0, 3.0], [3.0, 1.0]]]))
    assert y.tolist() == [[[0.0, 0.0], [3.0, 1.0]]]


def test_masking_mask_reaches_the_next_layer_in_a_model():
    seen = {}

    def record_mask(x, mask=None):
        seen["mask"] = mask
        return x

    inputs = Input((3, 2))
    outputs = core.Lambda(record_mask)(core.Masking(mask_value=-1.0)(inputs))
    model = models.Model(inputs, outputs)
    x = np.array([[[1, 2], [-1, -1], [-1, 0]]], "float32")
    model.predict(x)
    assert seen["mask"].tolist() == [[True, False, True]]


def test_activation_layer_and_config():
    layer = core.Activation("relu")
    assert layer(torch.tensor([[-1.0, 2.0]])).tolist() == [[0.0, 2.0]]
    assert layer.get_config()["activation"] == "relu"


def test_activity_regularization_adds_batch_averaged_penalty():
    layer = core.ActivityRegularization(l1=0.1, l2=0.01)
    x = torch.tensor([[1.0, -2.0], [3.0, 0.5]])
    assert torch.equal(layer(x), x)
    expected = (0.1 * 6.5 + 0.01 * (1 + 4 + 9 + 0.25)) / 2
    np.testing.assert_allclose(float(sum(layer.losses)), expected, rtol=1e-6)
    config = layer.get_config()
    assert config["l1"] == 0.1 and config["l2"] == 0.01 and "activity_regularizer" not in config


# ---------------------------------------------------------------------------------------------
# Lambda
# ---------------------------------------------------------------------------------------------
def test_lambda_named_function_config_round_trip():
    layer = core.Lambda(square_plus_one, output_shape=(3,))
    config = layer.get_config()
    assert config["function"] == "square_plus_one" and config["function_type"] == "function"
    assert config["output_shape"] == [3] and config["output_shape_type"] == "raw"
    json.dumps(config)
    with pytest.raises(ValueError, match="Unknown function in Lambda layer: 'square_plus_one'"):
        core.Lambda.from_config(config)
    restored = core.Lambda.from_config(config, custom_objects={"square_plus_one": square_plus_one})
    x = torch.tensor([[1.0, 2.0, 3.0]])
    assert torch.equal(restored(x), x * x + 1)
    assert restored.compute_output_shape((None, 3)) == (None, 3)


def test_lambda_resolves_kerastorch_functions_by_name():
    config = {
        "name": "l",
        "function": "tanh",
        "function_type": "function",
        "module": "kerastorch.activations",
        "output_shape": None,
        "output_shape_type": "raw",
        "output_shape_module": None,
        "arguments": {},
    }
    layer = core.Lambda.from_config(config)
    torch.testing.assert_close(layer(torch.tensor([0.5])), torch.tanh(torch.tensor([0.5])))


def test_lambda_bytecode_is_refused_unless_safe_mode_is_false():
    offset = 3.0
    layer = core.Lambda(lambda x, scale=2.0: x * scale + offset)
    config = json.loads(json.dumps(layer.get_config()))
    assert config["function_type"] == "lambda"
    code, defaults, closure = config["function"]
    assert isinstance(code, str) and defaults == [2.0] and closure == [3.0]
    with pytest.raises(ValueError, match="safe_mode=False"):
        core.Lambda.from_config(config)
    with pytest.raises(ValueError, match="arbitrary code"):
        core.Lambda.from_config(config, safe_mode=True)
    restored = core.Lambda.from_config(config, safe_mode=False)
    assert restored(torch.tensor([1.0])).tolist() == [5.0]


def test_lambda_nested_function_is_serialized_as_bytecode():
    def nested(x):
        return x - 1.0

    config = core.Lambda(nested).get_config()
    assert config["function_type"] == "lambda"
    assert core.Lambda.from_config(config, safe_mode=False)(torch.tensor([1.0])).tolist() == [0.0]


def test_lambda_output_shape_function_mask_and_arguments():
    layer = core.Lambda(
        lambda x, factor: x * factor,
        output_shape=double_shape,
        mask=lambda inputs, mask: inputs[..., 0] > 0,
        arguments={"factor": np.array([1.0, 2.0], "float32")},
    )
    x = torch.tensor([[[1.0, 1.0], [-1.0, 1.0]]])
    assert layer(x).tolist() == [[[1.0, 2.0], [-1.0, 2.0]]]
    assert layer.compute_mask(x).tolist() == [[True, False]]
    assert layer.compute_output_shape((None, 2, 2)) == (None, 2, 4)
    config = json.loads(json.dumps(layer.get_config()))
    assert config["arguments"]["factor"] == {"type": "ndarray", "value": [1.0, 2.0]}
    assert config["output_shape"] == "double_shape" and config["mask_type"] == "lambda"
    restored = core.Lambda.from_config(config, custom_objects={"double_shape": double_shape}, safe_mode=False)
    assert isinstance(restored.arguments["factor"], np.ndarray)
    assert restored(x).tolist() == layer(x).tolist()
    assert restored.compute_mask(x).tolist() == [[True, False]]


def test_lambda_passes_training_and_infers_output_shape():
    layer = core.Lambda(lambda x, training=None: x * (2.0 if training else 1.0))
    x = torch.ones(1, 2)
    assert layer(x, training=True).tolist() == [[2.0, 2.0]]
    assert layer(x, training=False).tolist() == [[1.0, 1.0]]
    assert core.Lambda(concat_with_negative).compute_output_shape((None, 3)) == (None, 6)


def test_lambda_reads_keras_3_function_configs():
    config = {
        "name": "k3",
        "function": {
            "module": "builtins",
            "class_name": "function",
            "config": "square_plus_one",
            "registered_name": "function",
        },
        "output_shape": None,
        "arguments": {},
    }
    layer = core.Lambda.from_config(config, custom_objects={"square_plus_one": square_plus_one})
    assert layer(torch.tensor([2.0])).tolist() == [5.0]


def test_lambda_rejects_unknown_function_type_and_non_callables():
    with pytest.raises(TypeError, match="Lambda expects `function` to be callable"):
        core.Lambda(3)
    config = core.Lambda(square_plus_one).get_config()
    config["function_type"] = "pickle"
    with pytest.raises(TypeError, match="function_type='pickle'"):
        core.Lambda.from_config(config)


# ---------------------------------------------------------------------------------------------
# layer_test over every core layer
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "cls, kwargs, input_shape",
    [
        (core.Dense, {"units": 3}, (2, 4)),
        (core.Dense, {"units": 3, "activation": "tanh", "kernel_regularizer": "l2"}, (2, 5, 4)),
        (core.Dense, {"units": 2, "use_bias": False, "kernel_constraint": "max_norm"}, (3, 2, 2, 4)),
        (core.Activation, {"activation": "relu"}, (3, 2, 2)),
        (core.Dropout, {"rate": 0.5}, (3, 2)),
        (core.Dropout, {"rate": 0.5, "noise_shape": [None, 1, 3], "seed": 3}, (3, 2, 3)),
        (core.SpatialDropout1D, {"rate": 0.5}, (2, 3, 4)),
        (core.SpatialDropout2D, {"rate": 0.5, "data_format": "channels_first"}, (2, 3, 4, 5)),
        (core.SpatialDropout3D, {"rate": 0.5}, (2, 3, 2, 2, 4)),
        (core.Flatten, {}, (2, 3, 4)),
        (core.Flatten, {"data_format": "channels_first"}, (2, 3, 4, 5)),
        (core.Reshape, {"target_shape": (8, 1)}, (3, 2, 4)),
        (core.Reshape, {"target_shape": (-1, 1)}, (3, 2, 4)),
        (core.Permute, {"dims": (2, 1)}, (3, 2, 4)),
        (core.RepeatVector, {"n": 3}, (3, 2)),
        (core.Lambda, {"function": square_plus_one}, (3, 2)),
        (core.Lambda, {"function": concat_with_negative, "output_shape": (4,)}, (3, 2)),
        (core.ActivityRegularization, {"l1": 0.01, "l2": 0.01}, (3, 2)),
        (core.Masking, {"mask_value": 0.0}, (3, 2, 4)),
    ],
)
def test_layer_test_core(cls, kwargs, input_shape):
    output = layer_test(
        cls,
        kwargs=kwargs,
        input_shape=input_shape,
        custom_objects={"square_plus_one": square_plus_one, "concat_with_negative": concat_with_negative},
    )
    assert output.shape[0] == input_shape[0]


def test_layer_test_dense_expected_output():
    x = np.array([[1.0, 2.0]], backend.floatx())
    layer_test(core.Dense, kwargs={"units": 1, "kernel_initializer": "ones"}, input_data=x, expected_output=[[3.0]])


def test_layer_test_lambda_with_bytecode():
    layer_test(core.Lambda, kwargs={"function": lambda x: x * 3.0 - 1.0}, input_shape=(3, 2))


def test_saved_lambda_model_loads_only_with_safe_mode_false(tmp_path):
    inputs = Input((2,))
    model = models.Model(inputs, core.Lambda(lambda x: x + 10.0)(inputs))
    path = str(tmp_path / "lambda.h5")
    model.save(path)
    with pytest.raises(ValueError, match="safe_mode=False"):
        models.load_model(path, compile=False)
    loaded = models.load_model(path, compile=False, safe_mode=False)
    np.testing.assert_allclose(loaded.predict(np.ones((1, 2), "float32")), [[11.0, 11.0]])


# ---------------------------------------------------------------------------------------------
# Import paths: Dropout, SpatialDropout* and Lambda stay importable from `core`
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "module_name, names",
    [
        ("core_dropout", ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D")),
        ("core_lambda", ("Lambda",)),
    ],
)
def test_moved_layers_importable_from_core(module_name, names):
    import importlib

    import kerastorch.layers
    from kerastorch.engine import layer as layer_module

    module = importlib.import_module(f"kerastorch.layers.{module_name}")
    assert sorted(module.__all__) == sorted(names)
    for name in names:
        cls = getattr(module, name)
        assert cls.__module__ == f"kerastorch.layers.{module_name}"
        assert getattr(core, name) is cls and name in core.__all__
        assert getattr(kerastorch.layers, name) is cls
        assert layer_module.LAYER_REGISTRY[name] is cls


@pytest.mark.parametrize(
    "layer_factory",
    [lambda value: core.Dense(value), lambda value: Embedding(value, 2), lambda value: Embedding(5, value)],
    ids=["Dense.units", "Embedding.input_dim", "Embedding.output_dim"],
)
@pytest.mark.parametrize("value", [np.int64(3), np.int32(3), 3.0, np.float64(3.0), torch.tensor(3)], ids=repr)
def test_positive_integer_arguments_accept_numpy_integral_float_and_scalar_tensor(layer_factory, value):
    layer = layer_factory(value)
    stored = [getattr(layer, name) for name in ("units", "input_dim", "output_dim") if hasattr(layer, name)]
    assert 3 in stored and all(type(number) is int for number in stored)


@pytest.mark.parametrize("value", [0, -1, 2.5, "3", True, torch.tensor(2.5)], ids=repr)
def test_embedding_rejects_non_positive_integer_dimensions(value):
    with pytest.raises(ValueError, match=r"Embedding expects `input_dim` to be a positive integer. Received: input_dim="):
        Embedding(value, 2)
