"""Pooling layers against tf.keras 2 outputs (tests/data/pool_references.npz) and hand-computed values."""

import json
import os

import numpy as np
import pytest
import torch

from kerastorch.layers import pooling

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "pool_references.npz")
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
    mask = _REFERENCES[f"{name}/mask"] if f"{name}/mask" in _REFERENCES.files else None
    return spec["class_name"], spec["config"], _REFERENCES[f"{name}/x"], mask, _REFERENCES[f"{name}/y"]


def _run(layer, x, mask=None):
    kwargs = {} if mask is None else {"mask": torch.as_tensor(mask)}
    return layer(torch.as_tensor(x), **kwargs).numpy()


@pytest.mark.parametrize("name", CASES)
def test_matches_tf_keras(name):
    class_name, config, x, mask, expected = _case(name)
    layer = getattr(pooling, class_name)(**config)
    output = _run(layer, x, mask)
    assert output.shape == expected.shape
    np.testing.assert_allclose(output, expected, atol=1e-6, rtol=1e-6)
    assert layer.get_weights() == []


@pytest.mark.parametrize("name", CASES)
def test_compute_output_shape_and_config_round_trip(name):
    class_name, config, x, mask, expected = _case(name)
    layer = getattr(pooling, class_name)(**config)
    assert tuple(layer.compute_output_shape(x.shape)) == expected.shape
    assert tuple(layer.compute_output_shape((None,) + x.shape[1:])) == (None,) + expected.shape[1:]
    saved = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(saved)
    assert json.loads(json.dumps(clone.get_config())) == saved
    np.testing.assert_allclose(_run(clone, x, mask), expected, atol=1e-6, rtol=1e-6)


# One case per class through the shared life-cycle helper (models, save/load).
_ONE_PER_CLASS = sorted(
    {
        json.loads(str(_REFERENCES[f"{name}/config"]))["class_name"]: name
        for name in reversed(CASES)
        if f"{name}/mask" not in _REFERENCES.files
    }.values()
)


@pytest.mark.parametrize("name", _ONE_PER_CLASS)
def test_layer_test(name):
    from kerastorch.utils.test_utils import layer_test

    class_name, config, x, _, expected = _case(name)
    layer_test(getattr(pooling, class_name), kwargs=config, input_data=x, expected_output=expected)


def test_average_same_excludes_padding_by_hand():
    # 1 x 4 ones with pool 3, stride 2, 'same': TF pads (0, 1); every window averages only real
    # elements, so all outputs are exactly 1 (counting the pad would give 2/3 on the right).
    layer = pooling.AveragePooling1D(3, strides=2, padding="same")
    x = torch.tensor([[[1.0], [2.0], [3.0], [4.0]]])
    np.testing.assert_allclose(layer(x)[0, :, 0].numpy(), [2.0, 3.5])
    ones = pooling.AveragePooling2D(3, strides=2, padding="same")(torch.ones(1, 4, 4, 1))
    np.testing.assert_allclose(ones.numpy(), np.ones((1, 2, 2, 1)))


def test_max_same_pads_with_negative_infinity():
    x = -torch.arange(1.0, 5.0).reshape(1, 4, 1)  # all negative: zero padding would win
    out = pooling.MaxPooling1D(3, strides=2, padding="same")(x)
    np.testing.assert_allclose(out[0, :, 0].numpy(), [-1.0, -3.0])


def test_global_average_1d_mask_by_hand():
    x = torch.tensor([[[1.0], [3.0], [100.0]], [[2.0], [4.0], [6.0]]])
    mask = torch.tensor([[True, True, False], [True, True, True]])
    layer = pooling.GlobalAveragePooling1D()
    np.testing.assert_allclose(layer(x, mask=mask).numpy(), [[2.0], [4.0]])
    assert layer.supports_masking
    assert layer.compute_mask(x, mask) is None


def test_defaults_follow_tf_keras():
    assert pooling.MaxPooling1D().data_format == "channels_last"
    assert pooling.MaxPooling1D().pool_size == (2,)
    layer = pooling.MaxPooling2D()
    assert (layer.pool_size, layer.strides, layer.padding) == ((2, 2), (2, 2), "valid")
    assert pooling.AveragePooling2D(3, strides=1).strides == (1, 1)
    assert pooling.AveragePooling3D().pool_size == (2, 2, 2)
    assert pooling.GlobalAveragePooling1D().get_config()["keepdims"] is False
    assert set(pooling.MaxPooling2D().get_config()) == {
        "name",
        "trainable",
        "dtype",
        "pool_size",
        "padding",
        "strides",
        "data_format",
    }


def test_aliases():
    assert pooling.MaxPool1D is pooling.MaxPooling1D
    assert pooling.MaxPool2D is pooling.MaxPooling2D
    assert pooling.MaxPool3D is pooling.MaxPooling3D
    assert pooling.AvgPool1D is pooling.AveragePooling1D
    assert pooling.AvgPool2D is pooling.AveragePooling2D
    assert pooling.AvgPool3D is pooling.AveragePooling3D
    assert pooling.GlobalMaxPool1D is pooling.GlobalMaxPooling1D
    assert pooling.GlobalMaxPool2D is pooling.GlobalMaxPooling2D
    assert pooling.GlobalMaxPool3D is pooling.GlobalMaxPooling3D
    assert pooling.GlobalAvgPool1D is pooling.GlobalAveragePooling1D
    assert pooling.GlobalAvgPool2D is pooling.GlobalAveragePooling2D
    assert pooling.GlobalAvgPool3D is pooling.GlobalAveragePooling3D
    assert pooling.MaxPooling2D().name == "max_pooling2d_1"


def test_channels_last_pooling_keeps_the_view(monkeypatch):
    seen = {}
    original = pooling._MAX_POOL[2]

    def spy(x, *args, **kwargs):
        seen["ptr"] = x.data_ptr()
        return original(x, *args, **kwargs)

    monkeypatch.setitem(pooling._MAX_POOL, 2, spy)
    x = torch.randn(2, 4, 4, 3)
    out = pooling.MaxPooling2D()(x)
    assert seen["ptr"] == x.data_ptr()
    assert out.shape == (2, 2, 2, 3)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: pooling.MaxPooling2D(pool_size=0), "MaxPooling2D expects `pool_size`.*pool_size=0"),
        (lambda: pooling.MaxPooling2D(padding="causal"), "padding='causal'"),
        (lambda: pooling.AveragePooling1D(padding="bogus"), "padding='bogus'"),
        (lambda: pooling.MaxPooling2D(strides=(1, 2, 3)), "strides"),
        (lambda: pooling.AveragePooling2D(data_format="nhwc"), "nhwc"),
        (lambda: pooling.GlobalMaxPooling2D(data_format="bogus"), "bogus"),
    ],
)
def test_bad_arguments_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_input_errors_name_the_layer():
    with pytest.raises(ValueError, match="max_pooling2d_1"):
        pooling.MaxPooling2D()(torch.zeros(1, 4, 4))
    with pytest.raises(ValueError, match="padding='same'"):
        pooling.MaxPooling2D(3).compute_output_shape((None, 2, 2, 1))
    with pytest.raises(TypeError, match="keepdims"):
        pooling.GlobalMaxPooling1D(keepdims="yes")


def test_in_a_trained_model():
    from kerastorch.engine.keras_tensor import Input
    from kerastorch.layers import convolutional
    from kerastorch.layers import core
    from kerastorch.models import Model

    inputs = Input((6, 6, 2))
    hidden = convolutional.Conv2D(4, 3, padding="same")(inputs)
    hidden = pooling.AveragePooling2D(3, strides=2, padding="same")(hidden)
    hidden = pooling.MaxPooling2D(2, padding="same")(hidden)
    outputs = core.Dense(1)(pooling.GlobalMaxPooling2D()(hidden))
    model = Model(inputs, outputs)
    model.compile("adam", "mse")
    x = np.random.rand(8, 6, 6, 2).astype("float32")
    y = x.mean(axis=(1, 2, 3))[:, None]
    history = model.fit(x, y, epochs=5, batch_size=4, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
