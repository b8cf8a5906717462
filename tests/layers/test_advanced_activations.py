"""Advanced activation layers against tf.keras 2 references (tests/data/core_references.npz), NumPy and layer_test."""

import json
import os

import numpy as np
import pytest
import torch

from kerastorch.layers import advanced_activations as aa
from kerastorch.utils.test_utils import layer_test

REFERENCES = np.load(os.path.join(os.path.dirname(__file__), "..", "data", "core_references.npz"))
CLASSES = ("LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax", "ReLU")
CASES = sorted(
    name
    for name in {key.split("/")[0] for key in REFERENCES.files}
    if json.loads(str(REFERENCES[f"{name}/config"]))["class_name"] in CLASSES
)


@pytest.mark.parametrize("name", CASES)
def test_advanced_activations_match_tf_keras(name):
    config = json.loads(str(REFERENCES[f"{name}/config"]))
    layer = getattr(aa, config["class_name"])(**config["config"])
    x = REFERENCES[f"{name}/x"]
    layer.build(x.shape)
    layer.set_weights([REFERENCES[f"{name}/w{i}"] for i in range(len(layer.get_weights()))])
    mask = torch.as_tensor(REFERENCES[f"{name}/mask"]) if f"{name}/mask" in REFERENCES.files else None
    y = layer(x, mask=mask) if mask is not None else layer(x)
    np.testing.assert_allclose(y.detach().numpy(), REFERENCES[f"{name}/y"], rtol=1e-5, atol=1e-6)


def test_reference_cases_cover_every_class():
    covered = {json.loads(str(REFERENCES[f"{name}/config"]))["class_name"] for name in CASES}
    assert covered == set(CLASSES)


X = np.array([[-3.0, -0.5, 0.0, 0.4, 1.0, 2.5, 8.0]], "float32")


def test_leaky_relu_numpy_and_keras3_spelling():
    np.testing.assert_allclose(aa.LeakyReLU()(X).numpy(), np.where(X > 0, X, 0.3 * X), rtol=1e-6)
    assert aa.LeakyReLU(negative_slope=0.2).alpha == 0.2
    with pytest.raises(ValueError, match="The alpha value of a Leaky ReLU layer cannot be None"):
        aa.LeakyReLU(alpha=None)


def test_elu_numpy():
    np.testing.assert_allclose(aa.ELU(alpha=0.7)(X).numpy(), np.where(X > 0, X, 0.7 * (np.exp(X) - 1)), rtol=1e-6)
    with pytest.raises(ValueError, match="Alpha of an ELU layer cannot be None"):
        aa.ELU(alpha=None)


def test_thresholded_relu_numpy_and_validation():
    np.testing.assert_allclose(aa.ThresholdedReLU(theta=1.0)(X).numpy(), np.where(X > 1.0, X, 0.0))
    with pytest.raises(ValueError, match="should be >=0. Received: theta=-1"):
        aa.ThresholdedReLU(theta=-1)
    with pytest.raises(ValueError, match="cannot be None"):
        aa.ThresholdedReLU(theta=None)


def _numpy_relu(x, max_value, slope, threshold):
    y = np.where(x > threshold, x, 0.0) if threshold else np.maximum(x, 0.0)
    if max_value is not None:
        y = np.minimum(y, max_value)
    if slope:
        y = y - slope * np.maximum(threshold - x, 0.0)
    return y


@pytest.mark.parametrize(
    "max_value, slope, threshold",
    [
        (None, 0.0, 0.0),
        (6.0, 0.0, 0.0),
        (1.5, 0.0, 0.0),
        (None, 0.1, 0.0),
        (None, 0.0, 0.4),
        (2.0, 0.3, 0.5),
        (None, 0.2, 1.0),
    ],
)
def test_relu_numpy(max_value, slope, threshold):
    layer = aa.ReLU(max_value=max_value, negative_slope=slope, threshold=threshold)
    np.testing.assert_allclose(layer(X).numpy(), _numpy_relu(X, max_value, slope, threshold), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"max_value": -1.0}, "max_value of a ReLU layer cannot be a negative value"),
        ({"negative_slope": -0.1}, "negative_slope of a ReLU layer cannot be a negative value"),
        ({"negative_slope": None}, "negative_slope=None"),
        ({"threshold": -2.0}, "threshold of a ReLU layer cannot be a negative value. Received: threshold=-2.0"),
    ],
)
def test_relu_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        aa.ReLU(**kwargs)


def test_prelu_shared_axes_weight_shape_and_formula():
    layer = aa.PReLU(alpha_initializer="ones", shared_axes=[1, 2])
    x = np.random.uniform(-1, 1, size=(2, 3, 4, 5)).astype("float32")
    y = layer(x).detach().numpy()
    assert layer.get_weights()[0].shape == (1, 1, 5)
    np.testing.assert_allclose(y, x, rtol=1e-6)
    alpha = np.random.uniform(0, 1, size=(1, 1, 5)).astype("float32")
    layer.set_weights([alpha])
    np.testing.assert_allclose(layer(x).detach().numpy(), np.where(x >= 0, x, alpha * x), rtol=1e-6)
    assert layer.get_config()["shared_axes"] == [1, 2]
    assert aa.PReLU(shared_axes=1).shared_axes == [1]


def test_prelu_alpha_gets_gradients():
    layer = aa.PReLU()
    x = torch.tensor([[-2.0, 3.0]])
    layer(x).sum().backward()
    assert layer.alpha.grad.tolist() == [-2.0, 0.0]


def test_prelu_errors():
    with pytest.raises(ValueError, match="shared_axes"):
        aa.PReLU(shared_axes=[3]).build((None, 4, 5))
    with pytest.raises(ValueError, match=r"Share it with `shared_axes=\[1\]`"):
        aa.PReLU().build((None, None, 5))


def test_softmax_mask_and_logits():
    x = torch.tensor([[1.0, 2.0, 3.0]])
    mask = torch.tensor([[True, False, True]])
    y = aa.Softmax()(x, mask=mask)
    e = np.exp([1.0, 3.0])
    np.testing.assert_allclose(y.numpy(), [[e[0] / e.sum(), 0.0, e[1] / e.sum()]], rtol=1e-6, atol=1e-7)
    plain = aa.Softmax()(x)
    assert torch.equal(plain._keras_logits, x)
    assert not hasattr(aa.Softmax(axis=0)(x), "_keras_logits")


def test_softmax_multi_axis():
    x = np.random.normal(size=(2, 3, 4)).astype("float32")
    y = aa.Softmax(axis=(1, 2))(x).numpy()
    expected = np.exp(x) / np.exp(x).sum(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(y, expected, rtol=1e-5)
    assert aa.Softmax(axis=[2]).axis == 2


@pytest.mark.parametrize(
    "cls, kwargs, input_shape",
    [
        (aa.LeakyReLU, {"alpha": 0.2}, (3, 4)),
        (aa.PReLU, {}, (3, 4)),
        (aa.PReLU, {"shared_axes": [1], "alpha_regularizer": "l2", "alpha_initializer": "ones"}, (3, 2, 4)),
        (aa.ELU, {"alpha": 0.5}, (3, 4)),
        (aa.ThresholdedReLU, {"theta": 0.5}, (3, 4)),
        (aa.Softmax, {}, (3, 4)),
        (aa.Softmax, {"axis": 1}, (3, 4, 2)),
        (aa.ReLU, {"max_value": 5.0, "negative_slope": 0.1, "threshold": 0.5}, (3, 4)),
    ],
)
def test_layer_test_advanced_activations(cls, kwargs, input_shape):
    layer_test(cls, kwargs=kwargs, input_shape=input_shape)
