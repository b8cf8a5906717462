"""Keras 1 argument tables: every row converts and warns once, both spellings raise, positional forms."""

import warnings

import numpy as np
import pytest
import torch

from kerastorch import layers
from kerastorch.engine import layer as layer_module
from kerastorch.legacy import interfaces
from kerastorch.legacy import layer_conversions


@pytest.fixture(autouse=True)
def _fresh_warnings():
    interfaces._WARNED.clear()
    yield
    interfaces._WARNED.clear()


# Required Keras 2 arguments of each class, and the Keras 2 value used for each converted argument
# (chosen to differ from the default, so a row that does not convert fails the comparison).
REQUIRED = {
    "Dense": {"units": 3},
    "Dropout": {"rate": 0.5},
    "SpatialDropout1D": {"rate": 0.5},
    "SpatialDropout2D": {"rate": 0.5},
    "SpatialDropout3D": {"rate": 0.5},
    "Embedding": {"input_dim": 10, "output_dim": 4},
    "Conv1D": {"filters": 2, "kernel_size": 3},
    "Conv2D": {"filters": 2, "kernel_size": (3, 3)},
    "Conv3D": {"filters": 2, "kernel_size": (3, 3, 3)},
    "Conv2DTranspose": {"filters": 2, "kernel_size": (3, 3)},
    "SeparableConv2D": {"filters": 2, "kernel_size": (3, 3)},
    "LocallyConnected1D": {"filters": 2, "kernel_size": 3},
    "LocallyConnected2D": {"filters": 2, "kernel_size": (3, 3)},
    "SimpleRNN": {"units": 3},
    "LSTM": {"units": 3},
    "GRU": {"units": 3},
    "GaussianNoise": {"stddev": 0.5},
    "GaussianDropout": {"rate": 0.5},
}
RANK = {"Conv1D": 1, "LocallyConnected1D": 1, "MaxPooling1D": 1, "AveragePooling1D": 1, "Conv3D": 3}


def keras1_and_keras2_values(class_name, row):
    """(value written in Keras 1, the Keras 2 value it must become)."""
    old, new = row[0], row[1]
    rank = RANK.get(class_name, 2)
    if len(row) > 2 and isinstance(row[2], dict):
        keras1 = {"dim_ordering": "th", "consume_less": "mem"}[old]
        return keras1, row[2][keras1]
    values = {
        "units": 5,
        "rate": 0.25,
        "stddev": 0.25,
        "filters": 5,
        "kernel_size": 5 if rank == 1 else (5,) * rank,
        "strides": 2 if rank == 1 else (2,) * rank,
        "pool_size": 3,
        "size": 3,
        "padding": "valid" if class_name.startswith("LocallyConnected") else "same",
        "use_bias": False,
        "dropout": 0.25,
        "recurrent_dropout": 0.25,
        "recurrent_activation": "tanh",
        "dilation_rate": 2,
    }
    if new in values:
        return values[new], values[new]
    if new.endswith("_initializer"):
        value = "ones" if new in ("beta_initializer", "alpha_initializer") else "zeros"
        return value, value
    if new.endswith("_regularizer"):
        return "l2", "l2"
    if new.endswith("_constraint"):
        return "non_neg", "non_neg"
    raise AssertionError(f"no test value for {class_name}.{new}")


def renaming_rows():
    cases = []
    for class_name, conversion in sorted(layer_conversions.LAYER_CONVERSIONS.items()):
        for row in conversion.rows:
            if row[1] is not None:
                cases.append(pytest.param(class_name, row, id=f"{class_name}-{row[0]}"))
    return cases


# Rows whose Keras 2 argument the class does not take (the table is shared by the family).
NOT_ACCEPTED = {("SimpleRNN", "inner_activation")}


def _config(layer):
    config = layer.get_config()
    config.pop("name")
    return config


@pytest.mark.parametrize("class_name, row", renaming_rows())
def test_each_row_converts_and_warns_once(class_name, row):
    old, new = row[0], row[1]
    if (class_name, old) in NOT_ACCEPTED:
        with pytest.raises(TypeError, match="recurrent_activation"):
            getattr(layers, class_name)(**REQUIRED[class_name], **{old: "tanh"})
        return
    cls = layer_module.LAYER_REGISTRY[class_name]
    keras1_value, keras2_value = keras1_and_keras2_values(class_name, row)
    base = {k: v for k, v in REQUIRED.get(class_name, {}).items() if k != new}
    with pytest.warns(UserWarning, match=rf"Update your `{class_name}` call to the Keras 2 API: .*{new}="):
        legacy = cls(**base, **{old: keras1_value})
    reference = cls(**base, **{new: keras2_value})
    assert _config(legacy) == _config(reference)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cls(**base, **{old: keras1_value})  # the same class and argument warn only once


@pytest.mark.parametrize("class_name, row", renaming_rows())
def test_both_spellings_raise_type_error_naming_both(class_name, row):
    old, new = row[0], row[1]
    cls = layer_module.LAYER_REGISTRY[class_name]
    keras1_value, keras2_value = keras1_and_keras2_values(class_name, row)
    base = {k: v for k, v in REQUIRED.get(class_name, {}).items() if k != new}
    with pytest.raises(TypeError, match=rf"`{old}`.*`{new}`"):
        cls(**base, **{old: keras1_value, new: keras2_value})


def test_keyword_naming_a_positional_argument_raises():
    with pytest.raises(TypeError, match="`output_dim`.*`units`"):
        layers.Dense(3, output_dim=4)


def test_warning_shows_the_keras2_call_and_each_argument_warns_once_per_class():
    with pytest.warns(UserWarning) as record:
        layers.Dense(10, init="uniform")
    assert str(record[0].message) == (
        'Update your `Dense` call to the Keras 2 API: `Dense(10, kernel_initializer="uniform")`'
    )
    with pytest.warns(UserWarning, match="W_regularizer|kernel_regularizer"):
        layers.Dense(10, init="uniform", W_regularizer="l2")  # a new argument of the same class warns
    with pytest.warns(UserWarning, match="Update your `Conv1D`"):
        layers.Convolution1D(2, 3, init="uniform")  # the same argument of another class warns


def test_positional_convolution2d_equals_conv2d_with_kernel_tuple():
    with pytest.warns(UserWarning, match=r"Conv2D\(32, \(3, 3\)\)"):
        legacy = layers.Convolution2D(32, 3, 3)
    reference = layers.Conv2D(32, (3, 3))
    assert legacy.kernel_size == (3, 3) and legacy.strides == (1, 1)
    x = torch.randn(2, 8, 8, 4)
    legacy(x)
    reference(x)
    reference.set_weights(legacy.get_weights())
    torch.testing.assert_close(legacy(x), reference(x))
    assert _config(legacy) == _config(reference)


def test_convolution2d_keyword_kernel_forms():
    assert layers.Convolution2D(8, nb_row=3, nb_col=2).kernel_size == (3, 2)
    assert layers.Convolution2D(8, 3, nb_col=2).kernel_size == (3, 2)
    assert layers.Convolution2D(nb_filter=8, nb_row=1, nb_col=5).get_config()["kernel_size"] == (1, 5)
    with pytest.raises(ValueError, match="strides"):
        layers.Conv2D(8, 3, 3, strides=2)
    # A kernel tuple keeps the Keras 2 reading of the third positional argument (strides).
    assert layers.Conv2D(8, (3, 3), 2).strides == (2, 2)


def test_convolution3d_positional_kernel():
    assert layers.Convolution3D(4, 3, 2, 1).kernel_size == (3, 2, 1)
    assert layers.Convolution3D(4, kernel_dim1=1, kernel_dim2=2, kernel_dim3=3).kernel_size == (1, 2, 3)
    assert layers.Convolution3D(4, 3, kernel_dim2=2, kernel_dim3=1).kernel_size == (3, 2, 1)


def test_dim_ordering_th_equals_channels_first():
    legacy = layers.Convolution2D(3, 2, 2, dim_ordering="th", border_mode="same", subsample=(2, 2))
    reference = layers.Conv2D(3, (2, 2), data_format="channels_first", padding="same", strides=(2, 2))
    x = torch.randn(2, 4, 6, 6)
    legacy(x)
    reference(x)
    reference.set_weights(legacy.get_weights())
    torch.testing.assert_close(legacy(x), reference(x))
    assert tuple(legacy(x).shape) == (2, 3, 3, 3)
    pool = layers.MaxPooling2D(pool_size=(2, 2), dim_ordering="th")
    assert pool.data_format == "channels_first"
    assert layers.UpSampling2D(dim_ordering="tf").data_format == "channels_last"


def test_dim_ordering_default_uses_the_global_format():
    assert layers.Convolution2D(3, 2, 2, dim_ordering="default").data_format == "channels_last"


def test_deconvolution2d_drops_output_shape_with_a_warning():
    with pytest.warns(UserWarning, match="output_shape.*dropped"):
        layer = layers.Deconvolution2D(4, 3, 3, (None, 4, 10, 10), border_mode="valid", subsample=(2, 2))
    assert isinstance(layer, layers.Conv2DTranspose)
    assert layer.kernel_size == (3, 3) and layer.strides == (2, 2)
    layers.Deconvolution2D(4, 3, 3, output_shape=(None, 4, 10, 10))


def test_atrous_convolutions_are_dilated_convolutions():
    with pytest.warns(UserWarning, match=r"Conv2D\(4, \(3, 3\), dilation_rate=\(2, 2\)"):
        legacy = layers.AtrousConvolution2D(4, 3, 3, atrous_rate=(2, 2))
    reference = layers.Conv2D(4, (3, 3), dilation_rate=(2, 2))
    x = torch.randn(1, 9, 9, 2)
    legacy(x)
    reference(x)
    reference.set_weights(legacy.get_weights())
    torch.testing.assert_close(legacy(x), reference(x))
    conv1d = layers.AtrousConvolution1D(4, 3, atrous_rate=2, input_dim=5, input_length=7)
    assert conv1d.dilation_rate == (2,) and conv1d._batch_input_shape == (None, 7, 5)


def test_batch_normalization_mode():
    with pytest.warns(UserWarning, match="mode=0.*dropped"):
        layer = layers.BatchNormalization(mode=0, beta_init="one")
    assert _config(layer) == _config(layers.BatchNormalization(beta_initializer="one"))
    with pytest.raises(ValueError, match="mode=2"):
        layers.BatchNormalization(mode=2)
    with pytest.raises(TypeError, match="epsilon"):
        layers.BatchNormalization(1e-3)


def test_embedding_dropout_is_dropped_with_a_warning():
    with pytest.warns(UserWarning, match="dropout=0.2.*dropped.*SpatialDropout1D"):
        layer = layers.Embedding(10, 4, dropout=0.2, init="zeros")
    torch.testing.assert_close(layer(np.array([[1, 2]])), torch.zeros(1, 2, 4))


def test_recurrent_keras1_arguments():
    with pytest.warns(UserWarning) as record:
        layer = layers.LSTM(
            output_dim=4, inner_activation="hard_sigmoid", consume_less="gpu", dropout_W=0.1, dropout_U=0.2,
            forget_bias_init="one", input_dim=3, input_length=5,
        )  # fmt: skip
    message = str(record[0].message)
    assert 'recurrent_activation="hard_sigmoid"' in message and "implementation=2" in message
    config = layer.get_config()
    assert config["units"] == 4 and config["recurrent_activation"] == "hard_sigmoid"
    assert config["dropout"] == 0.1 and config["recurrent_dropout"] == 0.2 and config["unit_forget_bias"]
    assert layer._batch_input_shape == (None, 5, 3)
    with pytest.warns(UserWarning, match="forget_bias_init.*ignored"):
        layers.LSTM(4, forget_bias_init="zero")


def test_keras1_defaults_are_not_reintroduced():
    # Keras 2.0 kept its own defaults for Keras 1 calls; tf.keras 2's LSTM default is sigmoid.
    layer = layers.LSTM(output_dim=4)
    assert layer.get_config()["recurrent_activation"] == "sigmoid"


def test_zero_padding_dicts_and_four_tuples():
    x = torch.ones(1, 3, 4, 1)
    pad = layers.ZeroPadding2D(padding={"top_pad": 1, "right_pad": 2})
    assert tuple(pad(x).shape) == (1, 4, 6, 1)
    assert layers.ZeroPadding2D((1, 2, 3, 4)).padding == ((1, 2), (3, 4))
    assert layers.ZeroPadding2D(padding=(1, 0, 0, 2), dim_ordering="th").data_format == "channels_first"
    pad1d = layers.ZeroPadding1D({"left_pad": 2})
    assert tuple(pad1d(torch.ones(1, 3, 2)).shape) == (1, 5, 2)


def test_pooling1d_and_upsampling1d():
    pool = layers.MaxPooling1D(pool_length=3, stride=1, border_mode="same")
    assert (pool.pool_size, pool.strides, pool.padding) == ((3,), (1,), "same")
    assert layers.UpSampling1D(length=3).size == 3


def test_separable_convolution_init_sets_both_initializers():
    layer = layers.SeparableConvolution2D(4, 3, 3, init="zeros")
    config = layer.get_config()
    assert config["depthwise_initializer"]["class_name"] == "Zeros"
    assert config["pointwise_initializer"]["class_name"] == "Zeros"


def test_conv1d_input_dim_and_length():
    layer = layers.Convolution1D(nb_filter=4, filter_length=3, input_dim=6, input_length=10)
    assert layer._batch_input_shape == (None, 10, 6)


def test_install_is_idempotent():
    init = layers.Dense.__init__
    interfaces.install()
    assert layers.Dense.__init__ is init
    assert layers.Dense.__init__._legacy_conversion.rows == interfaces.DENSE


def test_keras2_calls_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layers.Dense(3, kernel_initializer="zeros", use_bias=False)
        layers.Conv2D(4, (3, 3), strides=2, padding="same")
        layers.LSTM(3, recurrent_activation="hard_sigmoid", dropout=0.1)
        layers.Dropout(0.5)
