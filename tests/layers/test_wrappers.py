"""Wrappers: Bidirectional and TimeDistributed against Keras references, states, masks, configs."""

import os

import numpy as np
import pytest
import torch

from kerastorch import layers as layers_module
from kerastorch.engine.keras_tensor import Input
from kerastorch.layers.embeddings import Embedding
from kerastorch.layers.recurrent import GRU
from kerastorch.layers.recurrent import LSTM
from kerastorch.layers.recurrent import SimpleRNN
from kerastorch.layers.wrappers import Bidirectional
from kerastorch.layers.wrappers import TimeDistributed
from kerastorch.layers.wrappers import Wrapper
from kerastorch.models import Model
from kerastorch.models import Sequential
from kerastorch.saving import serialization

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "wrappers_references.npz")
REFERENCES = dict(np.load(DATA))


def reference(case):
    weights, outputs, index = [], [], 0
    while f"{case}/w{index}" in REFERENCES:
        weights.append(REFERENCES[f"{case}/w{index}"])
        index += 1
    index = 0
    while f"{case}/y{index}" in REFERENCES:
        outputs.append(REFERENCES[f"{case}/y{index}"])
        index += 1
    return REFERENCES[f"{case}/x"], weights, outputs


def numpy(value):
    return value.detach().cpu().numpy()


def as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def assert_outputs(actual, expected, atol=1e-5):
    actual = as_list(actual)
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected):
        np.testing.assert_allclose(numpy(got), want, atol=atol, rtol=1e-5)


def built(layer, x, weights):
    layer.build(x.shape)
    layer.set_weights(weights)
    return layer


# ---------------------------------------------------------------------------------------------
# Bidirectional
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_merge_modes_match_keras(merge_mode):
    x, weights, expected = reference(f"bidirectional_lstm_{merge_mode}")
    layer = built(Bidirectional(LSTM(4, return_sequences=True), merge_mode=merge_mode), x, weights)
    assert_outputs(layer(x, training=False), expected)
    shape = layer.compute_output_shape((None, 6, 5))
    expected_shapes = [tuple(None if i == 0 else d for i, d in enumerate(e.shape)) for e in expected]
    assert (shape if isinstance(shape, list) else [shape]) == expected_shapes


def test_bidirectional_variants_match_keras():
    x, weights, expected = reference("bidirectional_lstm_last")
    assert_outputs(built(Bidirectional(LSTM(3)), x, weights)(x), expected)
    x, weights, expected = reference("bidirectional_gru_state")
    layer = built(Bidirectional(GRU(3, return_sequences=True, return_state=True), merge_mode="sum"), x, weights)
    assert_outputs(layer(x), expected)
    assert layer.compute_output_shape((None, 6, 5)) == [(None, 6, 3), (None, 3), (None, 3)]
    x, weights, expected = reference("bidirectional_simple_rnn")
    assert_outputs(built(Bidirectional(SimpleRNN(3, return_sequences=True)), x, weights)(x), expected)


@pytest.mark.parametrize(
    "case, inner",
    [
        ("bidirectional_masked_lstm_seq", lambda: LSTM(4, return_sequences=True)),
        ("bidirectional_masked_gru_last", lambda: GRU(4)),
    ],
)
def test_bidirectional_with_mask_matches_keras(case, inner):
    """Masked timesteps output zeros when sequences are returned (tf.keras 2 Bidirectional)."""
    tokens, weights, expected = reference(case)
    inputs = Input((7,), dtype="int32")
    model = Model(inputs, Bidirectional(inner())(Embedding(10, 5, mask_zero=True)(inputs)))
    model.set_weights(weights)
    model.eval()
    assert_outputs(model(torch.as_tensor(tokens)), expected)


def test_bidirectional_weights_names_and_order():
    layer = Bidirectional(LSTM(3, name="encoder"), name="bi")
    layer.build((None, 4, 2))
    assert layer.forward_layer.name == "forward_encoder"
    assert layer.backward_layer.name == "backward_encoder"
    assert layer.backward_layer.go_backwards and not layer.forward_layer.go_backwards
    assert layer._weight_keras_names() == [
        f"bi/{direction}_encoder/lstm_cell/{name}:0"
        for direction in ("forward", "backward")
        for name in ("kernel", "recurrent_kernel", "bias")
    ]
    forward = layer.forward_layer.get_weights()
    backward = layer.backward_layer.get_weights()
    for got, want in zip(layer.get_weights(), forward + backward):
        np.testing.assert_array_equal(got, want)
    # The template layer is not part of the wrapper's weights.
    assert len(layer.weights) == 6 and not layer.layer.built


def test_bidirectional_weights_argument():
    template = Bidirectional(GRU(2))
    template.build((None, 3, 4))
    arrays = [np.random.randn(*w.shape).astype("float32") for w in template.get_weights()]
    layer = Bidirectional(GRU(2), weights=arrays)
    layer(np.zeros((1, 3, 4), "float32"))
    for got, want in zip(layer.get_weights(), arrays):
        np.testing.assert_array_equal(got, want)


def test_bidirectional_equals_forward_and_reversed_backward():
    x = torch.randn(2, 5, 3)
    layer = Bidirectional(SimpleRNN(2, return_sequences=True), merge_mode=None)
    forward, backward = layer(x)
    np.testing.assert_allclose(numpy(forward), numpy(layer.forward_layer(x)), atol=1e-6)
    np.testing.assert_allclose(numpy(backward), numpy(layer.backward_layer(x).flip(1)), atol=1e-6)


def test_bidirectional_initial_state_eager_and_functional():
    x = np.random.randn(2, 5, 3).astype("float32")
    states = [np.random.randn(2, 4).astype("float32") for _ in range(4)]
    layer = Bidirectional(LSTM(4, return_state=True))
    output, h_f, c_f, h_b, c_b = layer(x, initial_state=states)
    forward = layer.forward_layer(x, initial_state=states[:2])
    backward = layer.backward_layer(x, initial_state=states[2:])
    np.testing.assert_allclose(numpy(output), np.concatenate([numpy(forward[0]), numpy(backward[0])], -1), atol=1e-6)
    for got, want in zip((h_f, c_f, h_b, c_b), forward[1:] + backward[1:]):
        np.testing.assert_allclose(numpy(got), numpy(want), atol=1e-6)

    x_in = Input((5, 3))
    state_inputs = [Input((4,)) for _ in range(4)]
    outputs = layer(x_in, initial_state=state_inputs)
    assert [t.shape for t in outputs] == [(None, 8), (None, 4), (None, 4), (None, 4), (None, 4)]
    model = Model([x_in] + state_inputs, outputs)
    predicted = model.predict([x] + states)
    np.testing.assert_allclose(predicted[0], numpy(output), atol=1e-6)
    with pytest.raises(ValueError, match="even count"):
        layer(x, initial_state=states[:3])


def test_bidirectional_stateful_and_reset_states():
    x = torch.randn(2, 4, 3)
    layer = Bidirectional(LSTM(3, stateful=True), batch_input_shape=(2, 4, 3))
    first = layer(x)
    second = layer(x)
    assert not np.allclose(numpy(first), numpy(second))
    layer.reset_states()
    np.testing.assert_allclose(numpy(layer(x)), numpy(first), atol=1e-6)
    zeros = [np.zeros((2, 3), "float32")] * 4
    layer.reset_states(zeros)
    np.testing.assert_allclose(numpy(layer(x)), numpy(first), atol=1e-6)


def test_bidirectional_custom_backward_layer_and_config_round_trip():
    layer = Bidirectional(
        LSTM(3, return_sequences=True),
        backward_layer=GRU(3, return_sequences=True, go_backwards=True),
        merge_mode="ave",
    )
    config = serialization.serialize_layer(layer)
    assert config["config"]["backward_layer"]["class_name"] == "GRU"
    clone = serialization.deserialize_layer(config)
    assert isinstance(clone.backward_layer, GRU) and clone.merge_mode == "ave"
    assert clone.get_config() == layer.get_config()
    x = np.random.randn(2, 4, 5).astype("float32")
    layer(x)
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(numpy(clone(x)), numpy(layer(x)), atol=1e-6)


def test_bidirectional_errors():
    with pytest.raises(ValueError, match="merge_mode='max'"):
        Bidirectional(LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="different `go_backwards`"):
        Bidirectional(LSTM(2), backward_layer=LSTM(2))
    with pytest.raises(ValueError, match="`return_sequences`"):
        Bidirectional(LSTM(2), backward_layer=LSTM(2, go_backwards=True, return_sequences=True))
    with pytest.raises(ValueError, match="Layer instance"):
        Bidirectional("lstm")


def test_bidirectional_trains_in_sequential():
    model = Sequential(
        [
            Bidirectional(LSTM(4, return_sequences=True), input_shape=(5, 3)),
            Bidirectional(GRU(2)),
            layers_module.Dense(1),
        ]
    )
    assert model.output_shape == (None, 1)
    model.compile(loss="mse", optimizer="adam")
    x = np.random.randn(8, 5, 3).astype("float32")
    y = x.sum(axis=(1, 2))[:, None]
    before = model.get_weights()
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    changed = [not np.allclose(a, b) for a, b in zip(before, model.get_weights())]
    assert all(changed)


# ---------------------------------------------------------------------------------------------
# TimeDistributed
# ---------------------------------------------------------------------------------------------
def test_time_distributed_dense_matches_keras():
    x, weights, expected = reference("time_distributed_dense")
    layer = built(TimeDistributed(layers_module.Dense(3, activation="tanh")), x, weights)
    assert_outputs(layer(x), expected)
    assert layer.compute_output_shape((None, 4, 5)) == (None, 4, 3)


def test_time_distributed_conv2d_matches_keras():
    x, weights, expected = reference("time_distributed_conv2d")
    layer = built(TimeDistributed(layers_module.Conv2D(2, 3)), x, weights)
    assert_outputs(layer(x), expected)
    assert layer.compute_output_shape((None, 3, 6, 6, 2)) == (None, 3, 4, 4, 2)


def test_time_distributed_wraps_any_layer():
    x = np.random.randn(2, 3, 4, 5).astype("float32")
    inner = LSTM(2)
    layer = TimeDistributed(inner)
    out = layer(x)
    assert tuple(out.shape) == (2, 3, 2)
    np.testing.assert_allclose(numpy(out[:, 1]), numpy(inner(x[:, 1])), atol=1e-6)
    flatten = TimeDistributed(layers_module.Flatten())
    assert tuple(flatten(np.zeros((2, 3, 4, 5), "float32")).shape) == (2, 3, 20)
    assert flatten.compute_output_shape((None, 3, 4, 5)) == (None, 3, 20)


def test_time_distributed_passes_and_returns_masks():
    seen = {}

    class Recorder(layers_module.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            seen["mask"] = mask
            return inputs * 2

    tokens = np.array([[1, 0, 2], [0, 3, 3]])
    inputs = Input((3,), dtype="int32")
    embedded = Embedding(5, 2, mask_zero=True)(inputs)
    doubled = TimeDistributed(Recorder())(embedded)
    counted = LSTM(2, return_sequences=True)(TimeDistributed(layers_module.Dense(2))(doubled))
    model = Model(inputs, counted)
    model.predict(tokens)
    np.testing.assert_array_equal(seen["mask"].cpu().numpy(), (tokens != 0).reshape(-1))
    layer = TimeDistributed(layers_module.Dense(2))
    mask = torch.tensor([[True, False, True]])
    np.testing.assert_array_equal(layer.compute_mask(torch.zeros(1, 3, 4), mask).numpy(), mask.numpy())
    np.testing.assert_array_equal(
        TimeDistributed(layers_module.Flatten())
        .compute_mask(torch.zeros(1, 3, 2, 2), torch.ones(1, 3, 2, dtype=torch.bool))
        .numpy(),
        np.ones((1, 3), bool),
    )


def test_time_distributed_applies_stateful_inner_layer_per_timestep():
    inner = LSTM(2, stateful=True, batch_input_shape=(2, 4, 3))
    layer = TimeDistributed(inner, batch_input_shape=(2, 5, 4, 3))
    x = torch.randn(2, 5, 4, 3)
    out = layer(x)
    inner.reset_states()
    expected = [numpy(inner(x[:, t])) for t in range(5)]
    np.testing.assert_allclose(numpy(out), np.stack(expected, 1), atol=1e-6)


def test_time_distributed_config_round_trip_and_errors():
    layer = TimeDistributed(layers_module.Dense(3, use_bias=False), name="td")
    config = serialization.serialize_layer(layer)
    assert config["config"]["layer"]["class_name"] == "Dense"
    clone = serialization.deserialize_layer(config)
    assert isinstance(clone.layer, layers_module.Dense) and clone.name == "td"
    assert clone.get_config() == layer.get_config()
    layer(np.zeros((1, 2, 4), "float32"))
    assert layer._weight_keras_names() == ["td/kernel:0"]
    lstm = TimeDistributed(LSTM(2), name="td_lstm")
    lstm.build((None, 2, 3, 4))
    assert lstm._weight_keras_names()[0] == "td_lstm/lstm_cell/kernel:0"
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        TimeDistributed(layers_module.Dense(2))(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="expects input shape"):
        layer(np.zeros((1, 2, 5), "float32"))
    with pytest.raises(ValueError, match="Layer instance"):
        Wrapper(object())


def test_time_distributed_dense_trains_in_sequential():
    model = Sequential([TimeDistributed(layers_module.Dense(2), input_shape=(4, 3))])
    model.compile(loss="mse", optimizer="sgd")
    x = np.random.randn(6, 4, 3).astype("float32")
    y = np.random.randn(6, 4, 2).astype("float32")
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first


@pytest.mark.parametrize(
    "layer_cls, kwargs, expected_shape",
    [
        (TimeDistributed, dict(layer=layers_module.Dense(2)), (2, 3, 2)),
        (Bidirectional, dict(layer=LSTM(2, return_sequences=True)), (2, 3, 4)),
        (Bidirectional, dict(layer=GRU(2), merge_mode="mul"), (2, 2)),
    ],
)
def test_layer_test(layer_cls, kwargs, expected_shape):
    from kerastorch.utils.test_utils import layer_test

    assert layer_test(layer_cls, kwargs=kwargs, input_shape=(2, 3, 4)).shape == expected_shape
