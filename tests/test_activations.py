"""Activations against NumPy formulas and the values the tf.keras 2 documentation prints."""

import numpy as np
import pytest
import torch

from kerastorch import activations

X = np.array([[-3.0, -1.0, 0.0, 1.0, 3.0], [-20.0, -0.5, 0.25, 2.0, 20.0]], dtype=np.float32)


def _run(fn, x=X, **kwargs):
    return fn(torch.tensor(x), **kwargs).numpy()


def _np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x.astype(np.float64)))


def _np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize(
    "name, reference",
    [
        ("elu", lambda x: np.where(x > 0, x, np.expm1(x))),
        ("selu", lambda x: 1.05070098 * np.where(x > 0, x, 1.67326324 * np.expm1(x))),
        ("softplus", lambda x: np.log1p(np.exp(x.astype(np.float64)))),
        ("softsign", lambda x: x / (np.abs(x) + 1)),
        ("relu", lambda x: np.maximum(x, 0)),
        ("tanh", np.tanh),
        ("sigmoid", _np_sigmoid),
        ("hard_sigmoid", lambda x: np.clip(0.2 * x + 0.5, 0.0, 1.0)),
        ("exponential", lambda x: np.exp(x.astype(np.float64))),
        ("linear", lambda x: x),
        ("swish", lambda x: x * _np_sigmoid(x)),
        ("mish", lambda x: x * np.tanh(np.log1p(np.exp(x.astype(np.float64))))),
        ("relu6", lambda x: np.clip(x, 0, 6)),
        ("leaky_relu", lambda x: np.where(x >= 0, x, 0.2 * x)),
        ("softmax", _np_softmax),
        ("log_softmax", lambda x: np.log(_np_softmax(x.astype(np.float64)))),
    ],
)
def test_activation_matches_numpy(name, reference):
    np.testing.assert_allclose(_run(activations.get(name)), reference(X), rtol=1e-5, atol=1e-6)


def test_gelu_matches_documented_tf_keras_values():
    x = np.array([-3.0, -1.0, 0.0, 1.0, 3.0], dtype=np.float32)
    exact = [-0.00404951, -0.15865529, 0.0, 0.8413447, 2.9959507]
    approximate = [-0.00363752, -0.15880796, 0.0, 0.841192, 2.9963627]
    np.testing.assert_allclose(_run(activations.gelu, x), exact, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_run(activations.gelu, x, approximate=True), approximate, rtol=1e-5, atol=1e-6)


def test_relu_options_match_documented_tf_keras_values():
    x = np.array([-10.0, -5.0, 0.0, 5.0, 10.0], dtype=np.float32)
    np.testing.assert_allclose(_run(activations.relu, x, alpha=0.5), [-5.0, -2.5, 0.0, 5.0, 10.0])
    np.testing.assert_allclose(_run(activations.relu, x, max_value=5.0), [0.0, 0.0, 0.0, 5.0, 5.0])
    np.testing.assert_allclose(_run(activations.relu, x, threshold=5.0), [0.0, 0.0, 0.0, 0.0, 10.0])


def test_relu_combined_options_follow_keras_formula():
    x = np.linspace(-4, 8, 25).astype(np.float32)
    got = _run(activations.relu, x, alpha=0.1, max_value=6.0, threshold=1.0)
    # f(x) = max_value for x >= max_value, x for threshold < x < max_value, alpha * (x - threshold) otherwise.
    expected = np.where(x > 1.0, np.minimum(x, 6.0), 0.1 * (x - 1.0))
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def test_elu_alpha():
    np.testing.assert_allclose(_run(activations.elu, X, alpha=0.5), np.where(X > 0, X, 0.5 * np.expm1(X)), rtol=1e-6)


def test_softmax_on_3d_input_and_axis():
    x = np.random.RandomState(0).randn(2, 3, 4).astype(np.float32)
    np.testing.assert_allclose(_run(activations.softmax, x), _np_softmax(x, -1), rtol=1e-5)
    np.testing.assert_allclose(_run(activations.softmax, x, axis=1), _np_softmax(x, 1), rtol=1e-5)
    e = np.exp(x - x.max(axis=(1, 2), keepdims=True))
    np.testing.assert_allclose(
        _run(activations.softmax, x, axis=(1, 2)), e / e.sum(axis=(1, 2), keepdims=True), rtol=1e-5
    )


def test_softmax_rejects_1d_input():
    with pytest.raises(ValueError, match="1D"):
        activations.softmax(torch.ones(3))


def test_softmax_and_sigmoid_keep_their_logits():
    x = torch.tensor(X)
    assert activations.softmax(x)._keras_logits is x
    assert activations.sigmoid(x)._keras_logits is x
    assert not hasattr(activations.tanh(x), "_keras_logits")


def test_get_none_is_linear_and_callables_pass_through():
    assert activations.get(None) is activations.linear
    assert activations.get(torch.relu) is torch.relu

    class LayerLike:
        def __call__(self, x):
            return x * 2

    layer = LayerLike()
    assert activations.get(layer) is layer


def test_get_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match=r"Unknown activation function 'relux'.*Valid names:.*hard_sigmoid.*relu"):
        activations.get("relux")


def test_get_rejects_non_callable():
    with pytest.raises(TypeError, match="activation function identifier: 3"):
        activations.get(3)


@pytest.mark.parametrize("name", ["relu", "softmax", "sigmoid", "tanh", "linear", "elu", "selu", "gelu", "swish"])
def test_serialize_deserialize_round_trip(name):
    fn = activations.get(name)
    assert activations.serialize(fn) == name
    assert activations.deserialize(activations.serialize(fn)) is fn


def test_deserialize_keras3_function_config_and_aliases():
    config = {"module": "builtins", "class_name": "function", "config": "relu", "registered_name": "function"}
    assert activations.deserialize(config) is activations.relu
    assert activations.get("softmax_v2") is activations.softmax


def test_custom_objects_and_named_custom_function():
    def my_activation(x):
        return x + 1

    assert activations.serialize(my_activation) == "my_activation"
    assert activations.deserialize("my_activation", custom_objects={"my_activation": my_activation}) is my_activation


def test_serialize_layer_like_object_gives_config():
    class Scaled:
        def __init__(self, factor):
            self.factor = factor

        def __call__(self, x):
            return x * self.factor

        def get_config(self):
            return {"factor": self.factor}

    assert activations.serialize(Scaled(3)) == {"class_name": "Scaled", "config": {"factor": 3}}
    restored = activations.deserialize(
        {"class_name": "Scaled", "config": {"factor": 3}}, custom_objects={"Scaled": Scaled}
    )
    assert restored.factor == 3
