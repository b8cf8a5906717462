"""Convolution layers and conv_utils against tf.keras 2 outputs (tests/data/conv_references.npz)."""

import json
import os

import numpy as np
import pytest
import torch

from kerastorch.layers import convolutional
from kerastorch.layers import convolutional_base
from kerastorch.utils import conv_utils

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "conv_references.npz")
_REFERENCES = np.load(DATA)
CASES = sorted({key.split("/")[0] for key in _REFERENCES.files})


@pytest.fixture(autouse=True, scope="module")
def _single_thread():
    # Tiny tensors: one thread avoids OpenMP spin-waits on a busy machine.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _case(name):
    spec = json.loads(str(_REFERENCES[f"{name}/config"]))
    weights = []
    while f"{name}/w{len(weights)}" in _REFERENCES.files:
        weights.append(_REFERENCES[f"{name}/w{len(weights)}"])
    return spec["class_name"], spec["config"], _REFERENCES[f"{name}/x"], weights, _REFERENCES[f"{name}/y"]


def _make(class_name, config, input_shape, weights):
    layer = getattr(convolutional, class_name)(**config)
    layer.build(input_shape)
    if weights:
        layer.set_weights(weights)
    return layer


def _run(layer, x):
    with torch.no_grad():
        return layer(torch.as_tensor(x)).numpy()


# ---------------------------------------------------------------------------------------------
# Numbers, shapes, weights and configs against tf.keras 2
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", CASES)
def test_matches_tf_keras(name):
    class_name, config, x, weights, expected = _case(name)
    layer = _make(class_name, config, x.shape, weights)
    # get_weights returns Keras layout: the shapes tf.keras reported.
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in weights]
    for got, want in zip(layer.get_weights(), weights):
        np.testing.assert_array_equal(got, want)
    output = _run(layer, x)
    assert output.shape == expected.shape
    np.testing.assert_allclose(output, expected, atol=2e-5, rtol=1e-5)


@pytest.mark.parametrize("name", CASES)
def test_compute_output_shape_matches_output(name):
    class_name, config, x, weights, expected = _case(name)
    layer = _make(class_name, config, x.shape, weights)
    assert tuple(layer.compute_output_shape(x.shape)) == expected.shape
    unknown_batch = layer.compute_output_shape((None,) + x.shape[1:])
    assert tuple(unknown_batch) == (None,) + expected.shape[1:]


@pytest.mark.parametrize("name", CASES)
def test_config_round_trip(name):
    class_name, config, x, weights, expected = _case(name)
    layer = _make(class_name, config, x.shape, weights)
    # Through JSON, as saved models carry it (tuples become lists).
    saved = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(saved)
    assert json.loads(json.dumps(clone.get_config())) == saved
    clone.build(x.shape)
    if weights:
        clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(_run(clone, x), expected, atol=2e-5, rtol=1e-5)


# One case per class through the shared life-cycle helper (models, save/load, training step).
_ONE_PER_CLASS = sorted(
    {json.loads(str(_REFERENCES[f"{name}/config"]))["class_name"]: name for name in reversed(CASES)}.values()
)


@pytest.mark.parametrize("name", _ONE_PER_CLASS)
def test_layer_test(name):
    from kerastorch.utils.test_utils import layer_test

    class_name, config, x, weights, expected = _case(name)
    kwargs = dict(config, weights=weights) if weights else config
    layer_test(getattr(convolutional, class_name), kwargs=kwargs, input_data=x, expected_output=expected)


def test_config_keys_match_tf_keras():
    """Configs carry the keys tf.keras 2 writes, so saved configs are interchangeable."""
    base = {"name", "trainable", "dtype"}
    conv_keys = {
        "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups",
        "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
        "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint",
    }  # fmt: skip
    assert set(convolutional.Conv2D(2, 3).get_config()) == base | conv_keys
    assert set(convolutional.Conv2DTranspose(2, 3).get_config()) == base | conv_keys | {"output_padding"}
    assert set(convolutional.Conv3DTranspose(2, 3).get_config()) == base | (conv_keys - {"dilation_rate"}) | {
        "output_padding"
    }
    depthwise = {"depth_multiplier", "depthwise_initializer", "depthwise_regularizer", "depthwise_constraint"}
    assert set(convolutional.DepthwiseConv2D(3).get_config()) == base | depthwise | (
        conv_keys - {"filters", "kernel_initializer", "kernel_regularizer", "kernel_constraint"}
    )
    pointwise = {"pointwise_initializer", "pointwise_regularizer", "pointwise_constraint"}
    assert set(convolutional.SeparableConv2D(2, 3).get_config()) == base | conv_keys | depthwise | pointwise
    assert convolutional.ZeroPadding2D(((1, 2), (3, 4))).get_config()["padding"] == ((1, 2), (3, 4))
    assert convolutional.ZeroPadding1D().get_config()["padding"] == (1, 1)
    assert convolutional.Cropping2D(2).get_config()["cropping"] == ((2, 2), (2, 2))
    assert convolutional.UpSampling2D().get_config()["interpolation"] == "nearest"


def test_defaults_follow_tf_keras():
    assert convolutional.Conv1D(2, 3).data_format == "channels_last"
    conv = convolutional.Conv2D(2, 3)
    assert (conv.strides, conv.padding, conv.dilation_rate, conv.groups, conv.use_bias) == (
        (1, 1),
        "valid",
        (1, 1),
        1,
        True,
    )
    assert conv.get_config()["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert conv.get_config()["bias_initializer"]["class_name"] == "Zeros"
    assert convolutional.Conv2DTranspose(2, 3).output_padding is None
    assert convolutional.UpSampling1D().size == 2
    assert convolutional.UpSampling3D().size == (2, 2, 2)
    assert convolutional.Cropping1D().cropping == (1, 1)
    assert convolutional.Cropping3D().cropping == ((1, 1), (1, 1), (1, 1))


def test_aliases():
    assert convolutional.Convolution1D is convolutional.Conv1D
    assert convolutional.Convolution2D is convolutional.Conv2D
    assert convolutional.Convolution3D is convolutional.Conv3D
    assert convolutional.Deconvolution2D is convolutional.Conv2DTranspose
    assert convolutional.Deconvolution3D is convolutional.Conv3DTranspose
    assert convolutional.Convolution2DTranspose is convolutional.Conv2DTranspose
    assert convolutional.SeparableConvolution1D is convolutional.SeparableConv1D
    assert convolutional.SeparableConvolution2D is convolutional.SeparableConv2D


def test_default_names_are_keras_names():
    assert convolutional.Conv2D(2, 3).name == "conv2d_1"
    assert convolutional.Conv2DTranspose(2, 3).name == "conv2d_transpose_1"
    assert convolutional.SeparableConv2D(2, 3).name == "separable_conv2d_1"
    assert convolutional.UpSampling2D().name == "up_sampling2d_1"


# ---------------------------------------------------------------------------------------------
# Layout: channels_last without copies, weights in torch layout
# ---------------------------------------------------------------------------------------------
def test_channels_last_conv2d_makes_no_contiguous_copy(monkeypatch):
    seen = {}
    original = convolutional_base._CONV[2]

    def spy(x, *args, **kwargs):
        seen["ptr"] = x.data_ptr()
        seen["channels_last"] = x.is_contiguous(memory_format=torch.channels_last)
        return original(x, *args, **kwargs)

    monkeypatch.setitem(convolutional_base._CONV, 2, spy)
    layer = convolutional.Conv2D(4, 3, padding="same")
    x = torch.randn(2, 6, 6, 3)
    out = layer(x)
    assert seen["ptr"] == x.data_ptr()  # the permuted view, no copy
    assert seen["channels_last"]
    assert out.shape == (2, 6, 6, 4)
    assert out.is_contiguous()  # torch's channels_last output permuted back is plain NHWC


def test_kernel_stored_in_torch_layout():
    layer = convolutional.Conv2D(5, (2, 3))
    layer.build((None, 7, 7, 4))
    assert tuple(layer.kernel.shape) == (5, 4, 2, 3)
    assert layer.get_weights()[0].shape == (2, 3, 4, 5)
    transposed = convolutional.Conv2DTranspose(5, (2, 3))
    transposed.build((None, 7, 7, 4))
    assert tuple(transposed.kernel.shape) == (4, 5, 2, 3)
    assert transposed.get_weights()[0].shape == (2, 3, 5, 4)


def test_conv2d_matches_plain_torch():
    layer = convolutional.Conv2D(3, 3, padding="same", data_format="channels_first")
    x = torch.randn(2, 2, 5, 5)
    layer.build(tuple(x.shape))
    kernel, bias = layer.get_weights()
    expected = torch.nn.functional.conv2d(
        x, torch.as_tensor(kernel).permute(3, 2, 0, 1), torch.as_tensor(bias), padding=1
    )
    torch.testing.assert_close(layer(x), expected)


def test_extra_batch_dimensions_are_folded():
    layer = convolutional.Conv2D(3, 2)
    x = torch.randn(2, 3, 5, 5, 2)
    out = layer(x)
    assert out.shape == (2, 3, 4, 4, 3)
    torch.testing.assert_close(out[1], layer(x[1]))
    assert layer.compute_output_shape((2, 3, 5, 5, 2)) == (2, 3, 4, 4, 3)


def test_gradients_flow_to_weights():
    layer = convolutional.SeparableConv2D(2, 3, strides=2, padding="same", depth_multiplier=2)
    out = layer(torch.randn(1, 6, 5, 3))
    out.sum().backward()
    assert all(w.grad is not None and w.grad.abs().sum() > 0 for w in layer.trainable_weights)


def test_kernel_regularizer_sees_keras_layout():
    layer = convolutional.Conv2D(2, 3, kernel_regularizer={"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.1}})
    layer.build((None, 5, 5, 3))
    kernel = layer.get_weights()[0]
    losses = layer.losses
    assert len(losses) == 1
    np.testing.assert_allclose(losses[0].item(), 0.1 * np.sum(kernel**2), rtol=1e-5)


def test_same_padding_with_unknown_size_is_recomputed_per_input():
    layer = convolutional.Conv2D(1, 3, strides=2, padding="same", use_bias=False, kernel_initializer="ones")
    assert layer(torch.ones(1, 4, 4, 1)).shape == (1, 2, 2, 1)
    assert layer(torch.ones(1, 5, 5, 1)).shape == (1, 3, 3, 1)
    # TF pads 4 -> total 1 (after only), 5 -> total 2 (one each side).
    np.testing.assert_allclose(layer(torch.ones(1, 4, 4, 1))[0, :, :, 0].detach().numpy(), [[9, 6], [6, 4]])
    np.testing.assert_allclose(
        layer(torch.ones(1, 5, 5, 1))[0, :, :, 0].detach().numpy(), [[4, 6, 4], [6, 9, 6], [4, 6, 4]]
    )


def test_causal_padding_sees_only_the_past():
    layer = convolutional.Conv1D(1, 3, padding="causal", use_bias=False, kernel_initializer="ones")
    x = torch.arange(5, dtype=torch.float32).reshape(1, 5, 1)
    np.testing.assert_allclose(layer(x)[0, :, 0].detach().numpy(), [0, 1, 3, 6, 9])


# ---------------------------------------------------------------------------------------------
# Argument errors
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: convolutional.Conv2D(0, 3), "filters=0"),
        (lambda: convolutional.Conv2D(-2, 3), "filters=-2"),
        (lambda: convolutional.Conv2D(None, 3), "filters=None"),
        (lambda: convolutional.Conv2DTranspose(None, 3), "filters=None"),
        (lambda: convolutional.Conv2D(2, 3, padding="bogus"), "Conv2D expects `padding`.*padding='bogus'"),
        (lambda: convolutional.Conv2D(2, 0), "Conv2D expects `kernel_size`.*kernel_size=0"),
        (lambda: convolutional.Conv2D(2, (3, 3, 3)), "kernel_size"),
        (lambda: convolutional.Conv2D(2, 3, strides=0), "Conv2D expects `strides`.*strides=0"),
        (lambda: convolutional.Conv2D(2, 3, padding="causal"), "causal"),
        (lambda: convolutional.Conv2D(2, 3, strides=2, dilation_rate=2), "dilation_rate"),
        (lambda: convolutional.Conv2D(3, 3, groups=2), "groups=2"),
        (lambda: convolutional.Conv2D(2, 3, data_format="channels_middle"), "channels_middle"),
        (lambda: convolutional.Conv2DTranspose(2, 3, strides=2, output_padding=2), "output_padding"),
        (lambda: convolutional.Conv2DTranspose(2, 3, padding="causal"), "causal"),
        (lambda: convolutional.Conv3DTranspose(2, 3, dilation_rate=2), "dilation_rate"),
        (lambda: convolutional.DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier=0"),
        (lambda: convolutional.SeparableConv2D(0, 3), "filters=0"),
        (lambda: convolutional.UpSampling2D(interpolation="cubic"), "interpolation='cubic'"),
        (lambda: convolutional.UpSampling1D(size=0), "size=0"),
        (lambda: convolutional.ZeroPadding2D(((1, 2), (3, 4), (5, 6))), "padding"),
        (lambda: convolutional.ZeroPadding1D(-1), "padding"),
        (lambda: convolutional.Cropping2D("a"), "cropping"),
    ],
)
def test_bad_arguments_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="bogus_arg"):
        convolutional.Conv2D(2, 3, bogus_arg=1)


def test_input_errors_name_the_layer():
    layer = convolutional.Conv2D(2, 3, name="my_conv")
    layer(torch.zeros(1, 5, 5, 3))
    with pytest.raises(ValueError, match="my_conv"):
        layer(torch.zeros(1, 5, 5, 4))
    with pytest.raises(ValueError, match="too small"):
        convolutional.Conv2D(2, 5).compute_output_shape((None, 3, 3, 1))
    with pytest.raises(ValueError, match="divisible by groups"):
        convolutional.Conv2D(4, 3, groups=2).build((None, 5, 5, 3))
    with pytest.raises(ValueError, match="at least one element"):
        convolutional.Cropping1D((2, 2))(torch.zeros(1, 4, 1))


# ---------------------------------------------------------------------------------------------
# conv_utils
# ---------------------------------------------------------------------------------------------
def test_conv_utils_normalize():
    assert conv_utils.normalize_tuple(3, 2, "kernel_size") == (3, 3)
    assert conv_utils.normalize_tuple([1, 2], 2, "strides") == (1, 2)
    assert conv_utils.normalize_tuple((0, 1), 2, "padding", allow_zero=True) == (0, 1)
    with pytest.raises(ValueError, match="strides"):
        conv_utils.normalize_tuple((1, 2, 3), 2, "strides")
    with pytest.raises(ValueError, match="> 0"):
        conv_utils.normalize_tuple(0, 2, "strides")
    assert conv_utils.normalize_padding("SAME") == "same"
    with pytest.raises(ValueError, match="padding='full'"):
        conv_utils.normalize_padding("full")


def test_conv_utils_lengths():
    # Keras formulas, computed by hand.
    assert conv_utils.conv_output_length(10, 3, "valid", 1) == 8
    assert conv_utils.conv_output_length(10, 3, "same", 3) == 4
    assert conv_utils.conv_output_length(10, 3, "causal", 2) == 5
    assert conv_utils.conv_output_length(10, 3, "full", 1) == 12
    assert conv_utils.conv_output_length(10, 3, "valid", 1, dilation=2) == 6
    assert conv_utils.conv_output_length(None, 3, "valid", 1) is None
    assert conv_utils.conv_input_length(8, 3, "valid", 1) == 10
    assert conv_utils.conv_input_length(5, 3, "same", 2) == 9
    assert conv_utils.deconv_output_length(4, 3, "valid", stride=2) == 9
    assert conv_utils.deconv_output_length(4, 2, "valid", stride=3) == 12
    assert conv_utils.deconv_output_length(4, 3, "same", stride=2) == 8
    assert conv_utils.deconv_output_length(4, 3, "same", output_padding=1, stride=2) == 8
    assert conv_utils.deconv_output_length(4, 3, "full", stride=1) == 2
    assert conv_utils.deconv_output_length(4, 3, "valid", stride=1, dilation=2) == 8


def test_conv_utils_same_padding_is_tensorflows():
    assert conv_utils.same_padding(5, 3, 1) == (1, 1)
    assert conv_utils.same_padding(4, 3, 2) == (0, 1)  # odd element after
    assert conv_utils.same_padding(5, 4, 1) == (1, 2)
    assert conv_utils.same_padding(5, 3, 2) == (1, 1)
    assert conv_utils.same_padding(5, 3, 1, dilation=2) == (2, 2)
    assert conv_utils.same_padding(5, 1, 3) == (0, 0)


def test_convert_kernel_flips_spatial_axes():
    kernel = np.arange(2 * 3 * 1 * 1).reshape(2, 3, 1, 1)
    np.testing.assert_array_equal(conv_utils.convert_kernel(kernel)[:, :, 0, 0], kernel[::-1, ::-1, 0, 0])


# ---------------------------------------------------------------------------------------------
# Inside models
# ---------------------------------------------------------------------------------------------
def test_functional_model_with_unknown_spatial_size_trains():
    from kerastorch.engine.keras_tensor import Input
    from kerastorch.models import Model

    inputs = Input((None, None, 2))
    hidden = convolutional.Conv2D(4, 3, strides=2, padding="same", activation="relu")(inputs)
    assert tuple(hidden.shape) == (None, None, None, 4)
    hidden = convolutional.DepthwiseConv2D(3, padding="same", depth_multiplier=2)(hidden)
    hidden = convolutional.Conv2DTranspose(2, 3, strides=2, padding="same")(hidden)
    hidden = convolutional.Conv2D(1, 1)(hidden)
    model = Model(inputs, hidden)
    x = np.random.rand(8, 6, 6, 2).astype("float32")
    y = x[..., :1] * 0.5
    model.compile("adam", "mse")
    assert model.predict(x, verbose=0).shape == (8, 6, 6, 1)
    history = model.fit(x, y, epochs=4, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_sequential_conv1d_flatten_dense_trains():
    from kerastorch.layers import core
    from kerastorch.models import Sequential

    model = Sequential(
        [
            convolutional.Conv1D(4, 3, padding="causal", input_shape=(10, 2)),
            convolutional.SeparableConv1D(4, 3, padding="same"),
            convolutional.Cropping1D((1, 1)),
            convolutional.ZeroPadding1D(1),
            convolutional.UpSampling1D(2),
            core.Flatten(),
            core.Dense(1),
        ]
    )
    assert model.output_shape == (None, 1)
    model.compile("sgd", "mse")
    x = np.random.rand(16, 10, 2).astype("float32")
    y = x.sum(axis=(1, 2))[:, None] / 10
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_conv_utils_layout_helpers():
    assert conv_utils.spatial_axes(2, "channels_last") == (1, 2)
    assert conv_utils.spatial_axes(2, "channels_first") == (2, 3)
    assert conv_utils.spatial_axes(1, "channels_last", ndim=4) == (2,)
    assert conv_utils.torch_pad_list([(0, 1), (2, 3)]) == [2, 3, 0, 1]
    assert conv_utils.same_pads((4, 5), (3, 3), (2, 2), (1, 1)) == [(0, 1), (1, 1)]
    x = torch.randn(2, 3, 4, 5)
    view = conv_utils.to_channels_first(x, "channels_last")
    assert view.shape == (2, 5, 3, 4) and view.data_ptr() == x.data_ptr()
    assert view.is_contiguous(memory_format=torch.channels_last)
    assert conv_utils.from_channels_first(view, "channels_last").is_contiguous()
    assert conv_utils.to_channels_first(x, "channels_first") is x


# ---------------------------------------------------------------------------------------------
# Import paths: the moved classes stay importable from `convolutional`
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "module_name, names",
    [
        ("convolutional_transpose", ("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose")),
        ("convolutional_depthwise", ("DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D")),
    ],
)
def test_moved_convolutions_importable_from_convolutional(module_name, names):
    import importlib

    import kerastorch.layers
    from kerastorch.engine import layer as layer_module

    module = importlib.import_module(f"kerastorch.layers.{module_name}")
    assert sorted(module.__all__) == sorted(names)
    for name in names:
        cls = getattr(module, name)
        assert cls.__module__ == f"kerastorch.layers.{module_name}"
        assert getattr(convolutional, name) is cls and name in convolutional.__all__
        assert getattr(kerastorch.layers, name) is cls
        assert layer_module.LAYER_REGISTRY[name] is cls


def test_keras_aliases_importable_from_convolutional():
    from kerastorch.layers.convolutional import Convolution2DTranspose
    from kerastorch.layers.convolutional import Deconvolution3D
    from kerastorch.layers.convolutional import SeparableConvolution1D
    from kerastorch.layers.convolutional_depthwise import SeparableConv1D
    from kerastorch.layers.convolutional_transpose import Conv2DTranspose
    from kerastorch.layers.convolutional_transpose import Conv3DTranspose

    assert Convolution2DTranspose is Conv2DTranspose and Deconvolution3D is Conv3DTranspose
    assert SeparableConvolution1D is SeparableConv1D
    for name in convolutional.__all__:
        assert getattr(convolutional, name).__name__ in convolutional.__all__


def test_too_small_channels_last_input_hints_at_channels_first():
    from kerastorch.layers import Conv2D

    with pytest.raises(ValueError, match="data_format='channels_first'"):
        Conv2D(4, 3).compute_output_shape((None, 1, 14, 32))
    with pytest.raises(ValueError, match="too small") as error:
        Conv2D(4, 3).compute_output_shape((None, 2, 2, 1))
    assert "channels_first" not in str(error.value)
