"""Recurrent layers: Keras references, fused kernels vs the exact loop, masks, states, dropout, configs.

Custom cells are tested in test_recurrent_cells.py, stacked cells in test_recurrent_stacked.py, training
and the CUDA paths in test_recurrent_training.py.
"""

import os

import numpy as np
import pytest
import torch

from kerastorch import backend
from kerastorch import layers as layers_module
from kerastorch import regularizers
from kerastorch.engine.keras_tensor import Input
from kerastorch.engine.layer import Layer
from kerastorch.layers import embeddings
from kerastorch.layers import recurrent_base
from kerastorch.layers import recurrent_cell_base
from kerastorch.layers import recurrent_cells
from kerastorch.layers import recurrent_runners
from kerastorch.layers import recurrent_stacked
from kerastorch.layers import recurrent_structure
from kerastorch.layers.recurrent import GRU
from kerastorch.layers.recurrent import LSTM
from kerastorch.layers.recurrent import RNN
from kerastorch.layers.recurrent import SimpleRNN
from kerastorch.models import Model
from kerastorch.models import Sequential
from kerastorch.saving import serialization

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "rnn_references.npz")
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


def as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def numpy(value):
    return value.detach().cpu().numpy()


def assert_outputs(actual, expected, atol=1e-5):
    actual = as_list(actual)
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected):
        np.testing.assert_allclose(numpy(got), want, atol=atol, rtol=1e-5)


RNN_CASES = {
    "simple_rnn_seq_state": lambda: SimpleRNN(4, return_sequences=True, return_state=True),
    "simple_rnn_backwards": lambda: SimpleRNN(4, go_backwards=True, return_sequences=True),
    "simple_rnn_relu_last": lambda: SimpleRNN(4, activation="relu"),
    "lstm_seq_state": lambda: LSTM(4, return_sequences=True, return_state=True),
    "lstm_backwards": lambda: LSTM(4, go_backwards=True, return_sequences=True, return_state=True),
    "lstm_last": lambda: LSTM(3),
    "lstm_no_bias": lambda: LSTM(4, use_bias=False, return_sequences=True),
    "lstm_hard_sigmoid": lambda: LSTM(4, recurrent_activation="hard_sigmoid", return_sequences=True, return_state=True),
    "lstm_relu_activation": lambda: LSTM(4, activation="relu", return_sequences=True),
    "gru_reset_after": lambda: GRU(4, return_sequences=True, return_state=True),
    "gru_reset_before": lambda: GRU(4, reset_after=False, return_sequences=True, return_state=True),
    "gru_backwards": lambda: GRU(4, go_backwards=True, return_sequences=True),
    "gru_hard_sigmoid": lambda: GRU(4, recurrent_activation="hard_sigmoid"),
    "gru_no_bias": lambda: GRU(3, use_bias=False, return_sequences=True),
}


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "loop"])
@pytest.mark.parametrize("case", sorted(RNN_CASES))
def test_matches_keras(case, fused):
    x, weights, expected = reference(case)
    layer = RNN_CASES[case]()
    layer._use_fused_kernels = fused
    layer.build(x.shape)
    layer.set_weights(weights)
    assert_outputs(layer(x, training=False), expected)


MASKED_CASES = {
    "lstm_seq": lambda: LSTM(4, return_sequences=True),
    "lstm_last_state": lambda: LSTM(4, return_state=True),
    "lstm_backwards_seq": lambda: LSTM(4, go_backwards=True, return_sequences=True, return_state=True),
    "lstm_hard_sigmoid_seq": lambda: LSTM(4, recurrent_activation="hard_sigmoid", return_sequences=True),
    "gru_seq": lambda: GRU(4, return_sequences=True, return_state=True),
    "gru_reset_before_seq": lambda: GRU(4, reset_after=False, return_sequences=True),
    "gru_backwards_last": lambda: GRU(4, go_backwards=True),
    "simple_rnn_seq": lambda: SimpleRNN(4, return_sequences=True, return_state=True),
}


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "loop"])
@pytest.mark.parametrize("case", sorted(MASKED_CASES))
def test_masked_by_embedding_matches_keras(case, fused):
    """Left/right/inner padding and an all-padding row, in a functional model as Keras ran it."""
    tokens, weights, expected = reference(f"masked_{case}")
    inputs = Input((7,), dtype="int32")
    embedding = embeddings.Embedding(10, 5, mask_zero=True)
    layer = MASKED_CASES[case]()
    layer._use_fused_kernels = fused
    model = Model(inputs, layer(embedding(inputs)))
    model.set_weights(weights)
    model.eval()
    assert_outputs(as_list(model(torch.as_tensor(tokens))), expected)


def test_initial_state_matches_keras():
    x, weights, expected = reference("lstm_initial_state")
    layer = LSTM(4, return_sequences=True, return_state=True)
    layer.build(x.shape)
    layer.set_weights(weights)
    h0, c0 = REFERENCES["lstm_initial_state/h0"], REFERENCES["lstm_initial_state/c0"]
    assert_outputs(layer(x, initial_state=[h0, c0]), expected)
    x, weights, expected = reference("gru_initial_state")
    layer = GRU(4, return_sequences=True, reset_after=False)
    layer.build(x.shape)
    layer.set_weights(weights)
    assert_outputs(layer(x, initial_state=[REFERENCES["gru_initial_state/h0"]]), expected)


def test_initial_state_as_symbolic_inputs_in_functional_model():
    x_in, h_in, c_in = Input((5, 3)), Input((4,)), Input((4,))
    layer = LSTM(4, return_sequences=True, return_state=True)
    outputs = layer(x_in, initial_state=[h_in, c_in])
    assert [t.shape for t in outputs] == [(None, 5, 4), (None, 4), (None, 4)]
    model = Model([x_in, h_in, c_in], outputs)
    x, weights, expected = reference("lstm_initial_state")
    layer.set_weights(weights)
    h0, c0 = REFERENCES["lstm_initial_state/h0"], REFERENCES["lstm_initial_state/c0"]
    predicted = model.predict([x, h0, c0])
    for got, want in zip(predicted, expected):
        np.testing.assert_allclose(got, want, atol=1e-5)
    # The states are inputs of the node, so the config round trip keeps them.
    clone = Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    for got, want in zip(clone.predict([x, h0, c0]), expected):
        np.testing.assert_allclose(got, want, atol=1e-5)


# ---------------------------------------------------------------------------------------------
# Fused kernels vs the loop
# ---------------------------------------------------------------------------------------------
def _spy_fused(monkeypatch):
    calls = []
    original = recurrent_runners._run_fused

    def spy(mode, *args, **kwargs):
        calls.append(mode)
        return original(mode, *args, **kwargs)

    monkeypatch.setattr(recurrent_runners, "_run_fused", spy)
    return calls


@pytest.mark.parametrize(
    "make, mode",
    [
        (lambda: LSTM(5, return_sequences=True), "lstm"),
        (lambda: GRU(5, return_sequences=True), "gru"),
        (lambda: SimpleRNN(5, return_sequences=True), "rnn_tanh"),
        (lambda: SimpleRNN(5, activation="relu", return_sequences=True), "rnn_relu"),
    ],
)
def test_fused_path_equals_loop_in_values_and_gradients(monkeypatch, make, mode):
    calls = _spy_fused(monkeypatch)
    x = torch.randn(3, 7, 4)
    mask = torch.tensor([[0, 1, 1, 0, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1]], dtype=torch.bool)
    fused, loop = make(), make()
    fused.build(x.shape)
    loop.build(x.shape)
    loop.set_weights(fused.get_weights())
    loop._use_fused_kernels = False
    for call_mask in (None, mask):
        calls.clear()
        y_fused = fused(x, mask=call_mask)
        assert calls == [mode]
        calls.clear()
        y_loop = loop(x, mask=call_mask)
        assert calls == []
        np.testing.assert_allclose(numpy(y_fused), numpy(y_loop), atol=1e-6)
        grads_fused = torch.autograd.grad(y_fused.square().sum(), fused.trainable_weights)
        grads_loop = torch.autograd.grad(y_loop.square().sum(), loop.trainable_weights)
        for a, b in zip(grads_fused, grads_loop):
            np.testing.assert_allclose(numpy(a), numpy(b), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "make",
    [
        lambda: LSTM(3, recurrent_activation="hard_sigmoid"),
        lambda: LSTM(3, activation="relu"),
        lambda: GRU(3, reset_after=False),
        lambda: SimpleRNN(3, activation="sigmoid"),
    ],
)
def test_other_configurations_use_the_loop(monkeypatch, make):
    calls = _spy_fused(monkeypatch)
    make()(np.zeros((2, 3, 2), "float32"))
    assert calls == []


def test_recurrent_dropout_uses_loop_only_while_training(monkeypatch):
    calls = _spy_fused(monkeypatch)
    layer = LSTM(3, recurrent_dropout=0.5)
    x = np.ones((2, 4, 2), "float32")
    layer(x, training=True)
    assert calls == []
    layer(x, training=False)
    assert calls == ["lstm"]


def test_masked_fused_path_with_go_backwards_and_state_matches_loop():
    x = torch.randn(4, 6, 3)
    mask = torch.tensor(
        [[1, 0, 1, 1, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]], dtype=torch.bool
    )
    h0 = torch.randn(4, 2)
    for cls in (LSTM, GRU):
        fused = cls(2, go_backwards=True, return_sequences=True, return_state=True)
        loop = cls(2, go_backwards=True, return_sequences=True, return_state=True)
        fused.build(x.shape)
        loop.build(x.shape)
        loop.set_weights(fused.get_weights())
        loop._use_fused_kernels = False
        states = [h0, torch.randn(4, 2)] if cls is LSTM else [h0]
        for got, want in zip(fused(x, mask=mask, initial_state=states), loop(x, mask=mask, initial_state=states)):
            np.testing.assert_allclose(numpy(got), numpy(want), atol=1e-6)


def test_masked_steps_repeat_the_previous_output_and_keep_the_state():
    layer = SimpleRNN(2, return_sequences=True, return_state=True)
    x = torch.randn(1, 4, 3)
    full_seq, full_state = layer(x[:, :2])
    masked_seq, masked_state = layer(x, mask=torch.tensor([[True, True, False, False]]))
    np.testing.assert_allclose(numpy(masked_state), numpy(full_state), atol=1e-6)
    np.testing.assert_allclose(numpy(masked_seq[:, 2]), numpy(full_seq[:, 1]), atol=1e-6)
    np.testing.assert_allclose(numpy(masked_seq[:, 3]), numpy(full_seq[:, 1]), atol=1e-6)
    leading = layer(x, mask=torch.tensor([[False, True, True, True]]))[0]
    np.testing.assert_allclose(numpy(leading[:, 0]), 0.0)


# ---------------------------------------------------------------------------------------------
# Weights
# ---------------------------------------------------------------------------------------------
def test_weights_have_keras_shapes_names_and_round_trip():
    x = np.zeros((2, 3, 5), "float32")
    expected = {
        SimpleRNN: [(5, 4), (4, 4), (4,)],
        LSTM: [(5, 16), (4, 16), (16,)],
        GRU: [(5, 12), (4, 12), (2, 12)],
    }
    for cls, shapes in expected.items():
        layer = cls(4, name=f"my_{cls.__name__.lower()}")
        layer(x)
        assert [w.shape for w in layer.get_weights()] == shapes
        cell_name = layer.cell.name
        assert layer._weight_keras_names() == [
            f"{layer.name}/{cell_name}/{name}:0" for name in ("kernel", "recurrent_kernel", "bias")
        ]
        arrays = [np.random.randn(*shape).astype("float32") for shape in shapes]
        layer.set_weights(arrays)
        for got, want in zip(layer.get_weights(), arrays):
            np.testing.assert_array_equal(got, want)
    assert GRU(4, reset_after=False)(x).shape == (2, 4)


def test_gru_parameters_hold_torch_gate_order():
    layer = GRU(2, reset_after=True)
    layer.build((None, 3, 4))
    kernel = np.arange(4 * 6, dtype="float32").reshape(4, 6)
    recurrent_kernel = np.arange(2 * 6, dtype="float32").reshape(2, 6)
    bias = np.arange(12, dtype="float32").reshape(2, 6)
    layer.set_weights([kernel, recurrent_kernel, bias])
    z, r, h = np.split(kernel, 3, axis=1)
    np.testing.assert_array_equal(numpy(layer.cell.kernel), np.concatenate([r, z, h], axis=1).T)
    bz, br, bh = np.split(bias, 3, axis=1)
    np.testing.assert_array_equal(numpy(layer.cell.bias), np.concatenate([br, bz, bh], axis=1))


def test_lstm_initial_weights_follow_keras():
    layer = LSTM(3)
    layer.build((None, 2, 4))
    kernel, recurrent_kernel, bias = layer.get_weights()
    np.testing.assert_array_equal(bias, np.r_[np.zeros(3), np.ones(3), np.zeros(6)])
    # Keras's orthogonal initializer draws the (units, 4 * units) matrix with orthonormal rows.
    np.testing.assert_allclose(recurrent_kernel @ recurrent_kernel.T, np.eye(3), atol=1e-5)
    limit = np.sqrt(6.0 / (4 + 12))
    assert np.abs(kernel).max() <= limit
    no_forget = LSTM(3, unit_forget_bias=False)
    no_forget.build((None, 2, 4))
    np.testing.assert_array_equal(no_forget.get_weights()[2], np.zeros(12))


def test_regularizer_sees_keras_layout():
    layer = GRU(2, kernel_regularizer=regularizers.l2(0.1))
    layer.build((None, 3, 4))
    kernel = np.random.randn(4, 6).astype("float32")
    weights = layer.get_weights()
    layer.set_weights([kernel] + weights[1:])
    (loss,) = layer.losses
    np.testing.assert_allclose(float(loss.detach()), 0.1 * np.sum(kernel**2), rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# Stateful
# ---------------------------------------------------------------------------------------------
def test_stateful_lstm_carries_states_between_calls_and_resets():
    x = torch.randn(2, 6, 3)
    stateful = LSTM(4, stateful=True, return_sequences=True, batch_input_shape=(2, 6, 3))
    whole = LSTM(4, return_sequences=True)
    stateful.build((2, 3, 3))
    whole.build((None, 6, 3))
    whole.set_weights(stateful.get_weights())
    expected = numpy(whole(x))
    first = stateful(x[:, :3])
    second = stateful(x[:, 3:])
    np.testing.assert_allclose(numpy(torch.cat([first, second], 1)), expected, atol=1e-6)
    np.testing.assert_allclose(numpy(stateful.states[0]), expected[:, -1], atol=1e-6)
    stateful.reset_states()
    assert all(float(s.abs().sum()) == 0 for s in stateful.states)
    np.testing.assert_allclose(numpy(stateful(x[:, :3])), expected[:, :3], atol=1e-6)
    h = np.ones((2, 4), "float32")
    stateful.reset_states([h, 2 * h])
    np.testing.assert_array_equal(numpy(stateful.states[1]), 2 * h)


def test_stateful_needs_fixed_batch_size():
    with pytest.raises(ValueError, match="'stateful_lstm' is stateful, so it needs to know its batch size"):
        Sequential([LSTM(3, stateful=True, input_shape=(5, 2), name="stateful_lstm")]).build()
    with pytest.raises(ValueError, match="is stateful, so it needs to know its batch size"):
        LSTM(3, stateful=True)(Input((5, 2)))
    layer = LSTM(3, stateful=True)
    layer(Input(batch_shape=(4, 5, 2)))
    with pytest.raises(ValueError, match="stateful with batch size 4, got a batch of 3"):
        layer(np.zeros((3, 5, 2), "float32"))
    with pytest.raises(ValueError, match="expected shape"):
        layer.reset_states([np.zeros((3, 3)), np.zeros((3, 3))])


def test_stateful_lstm_trains_over_several_steps_and_evaluates():
    backend.set_device("cpu")
    model = Sequential()
    model.add(LSTM(8, return_sequences=True, stateful=True, batch_input_shape=(4, 5, 3)))
    model.add(LSTM(6, stateful=True))
    model.add(layers_module.Dense(2, activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    x = np.random.rand(16, 5, 3).astype("float32")
    y = np.eye(2, dtype="float32")[np.random.randint(0, 2, 16)]
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0, validation_data=(x, y))
    assert np.all(np.isfinite(history.history["loss"]))
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
    assert float(model.layers[0].states[0].abs().sum()) > 0
    model.evaluate(x, y, batch_size=4, verbose=0)
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    model.reset_states()
    assert all(float(s.abs().sum()) == 0 for layer in model.layers[:2] for s in layer.states)


# ---------------------------------------------------------------------------------------------
# Dropout
# ---------------------------------------------------------------------------------------------
def test_dropout_only_in_training():
    x = torch.randn(3, 5, 4)
    plain = LSTM(6, return_sequences=True)
    dropped = LSTM(6, dropout=0.5, recurrent_dropout=0.5, return_sequences=True)
    plain.build(x.shape)
    dropped.build(x.shape)
    dropped.set_weights(plain.get_weights())
    np.testing.assert_allclose(numpy(dropped(x, training=False)), numpy(plain(x)), atol=1e-6)
    dropped.eval()
    np.testing.assert_allclose(numpy(dropped(x)), numpy(plain(x)), atol=1e-6)
    first = dropped(x, training=True)
    second = dropped(x, training=True)
    assert not np.allclose(numpy(first), numpy(plain(x)), atol=1e-3)
    assert not np.allclose(numpy(first), numpy(second), atol=1e-3)


def _identity_simple_rnn(**kwargs):
    layer = SimpleRNN(3, activation="linear", use_bias=False, return_sequences=True, **kwargs)
    layer.build((None, 6, 3))
    return layer


def test_input_dropout_mask_is_shared_by_all_timesteps():
    layer = _identity_simple_rnn(dropout=0.5)
    layer.set_weights([np.eye(3, dtype="float32"), np.zeros((3, 3), "float32")])
    out = numpy(layer(torch.ones(50, 6, 3), training=True))
    assert set(np.unique(out)) <= {0.0, 2.0}
    np.testing.assert_array_equal(out, np.repeat(out[:, :1], 6, axis=1))
    assert 0.3 < out.mean() / 2 < 0.7


def test_recurrent_dropout_mask_is_shared_by_all_timesteps():
    layer = _identity_simple_rnn(recurrent_dropout=0.5)
    layer.set_weights([np.zeros((3, 3), "float32"), np.eye(3, dtype="float32")])
    out = numpy(layer(torch.zeros(50, 6, 3), initial_state=[torch.ones(50, 3)], training=True))
    mask = out[:, 0]
    for t in range(6):
        np.testing.assert_allclose(out[:, t], mask ** (t + 1), rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# Shapes, masks, config, errors
# ---------------------------------------------------------------------------------------------
def test_output_shapes_and_masks():
    layer = LSTM(4, return_sequences=True, return_state=True)
    assert layer.compute_output_shape((None, 7, 3)) == [(None, 7, 4), (None, 4), (None, 4)]
    assert GRU(2).compute_output_shape((5, None, 3)) == (5, 2)
    mask = torch.ones(2, 7, dtype=torch.bool)
    assert layer.compute_mask(None, mask) == [mask, None, None]
    assert GRU(2).compute_mask(None, mask) is None
    symbolic = LSTM(3, input_dim=4, input_length=6)
    assert symbolic._batch_input_shape == (None, 6, 4)
    out = Sequential([symbolic]).predict(np.zeros((2, 6, 4), "float32"))
    assert out.shape == (2, 3)


@pytest.mark.parametrize(
    "layer",
    [
        lambda: LSTM(
            3,
            activation="relu",
            recurrent_activation="hard_sigmoid",
            dropout=0.1,
            recurrent_dropout=0.2,
            kernel_regularizer="l2",
            return_sequences=True,
            go_backwards=True,
            unit_forget_bias=False,
        ),
        lambda: GRU(2, reset_after=False, return_state=True, stateful=True, batch_input_shape=(3, 4, 5)),
        lambda: SimpleRNN(5, use_bias=False, bias_constraint="non_neg"),
    ],
)
def test_config_round_trip(layer):
    original = layer()
    config = serialization.serialize_layer(original)
    clone = serialization.deserialize_layer(config)
    assert type(clone) is type(original)
    assert clone.get_config() == original.get_config()
    assert config["config"]["time_major"] is False


def test_lstm_config_lists_keras_arguments():
    config = LSTM(3).get_config()
    for key, value in {
        "units": 3,
        "activation": "tanh",
        "recurrent_activation": "sigmoid",
        "use_bias": True,
        "unit_forget_bias": True,
        "dropout": 0.0,
        "recurrent_dropout": 0.0,
        "implementation": 2,
        "return_sequences": False,
        "return_state": False,
        "go_backwards": False,
        "stateful": False,
        "unroll": False,
        "time_major": False,
        "activity_regularizer": None,
    }.items():
        assert config[key] == value, key
    assert "cell" not in config
    assert GRU(3).get_config()["reset_after"] is True


def test_from_config_accepts_keras3_keys():
    config = LSTM(3).get_config()
    config.update({"seed": None, "use_cudnn": "auto", "zero_output_for_mask": False})
    assert LSTM.from_config(config).units == 3


def test_argument_errors():
    with pytest.raises(ValueError, match="units=0"):
        GRU(0)
    with pytest.raises(ValueError, match="expects input with ndim >= 3"):
        LSTM(3)(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="has 2 states but was passed 1"):
        LSTM(3)(np.zeros((2, 4, 3), "float32"), initial_state=[np.zeros((2, 3), "float32")])
    with pytest.raises(ValueError, match="`call` method"):
        RNN(object())
    with pytest.raises(ValueError, match="`state_size`"):
        RNN(Layer())
    with pytest.raises(TypeError, match="unexpected keyword"):
        LSTM(3, foo=1)


def test_layer_exports():
    assert layers_module.LSTM is LSTM
    assert recurrent_structure._flat_state_sizes([3, [4, 5]]) == [(3,), (4,), (5,)]


def test_cudnn_layers_are_fixed_lstm_and_gru_that_load_cudnn_weights():
    from kerastorch.layers import GRU
    from kerastorch.layers import LSTM
    from kerastorch.layers import CuDNNGRU
    from kerastorch.layers import CuDNNLSTM
    from kerastorch.saving import legacy_weights
    from kerastorch.saving import serialization

    rng = np.random.RandomState(0)
    x = rng.randn(2, 5, 3).astype("float32")
    cudnn = CuDNNLSTM(4, return_sequences=True)
    plain = LSTM(4, return_sequences=True)
    cudnn.build((None, 5, 3))
    plain.build((None, 5, 3))
    # A CuDNNLSTM file stores input and recurrent biases separately: (8 * units,).
    kernel, recurrent = rng.randn(3, 16).astype("float32"), rng.randn(4, 16).astype("float32")
    bias_in, bias_rec = rng.randn(16).astype("float32"), rng.randn(16).astype("float32")
    cudnn.set_weights(
        legacy_weights.convert_rnn_weights(cudnn, [kernel, recurrent, np.concatenate([bias_in, bias_rec])])
    )
    assert cudnn.get_weights()[2].shape == (16,)
    plain.set_weights(cudnn.get_weights())
    np.testing.assert_allclose(cudnn(x).detach().numpy(), plain(x).detach().numpy(), rtol=1e-6)
    config = serialization.serialize_layer(cudnn)
    assert "recurrent_activation" not in config["config"] and config["class_name"] == "CuDNNLSTM"
    assert isinstance(serialization.deserialize_layer(config), CuDNNLSTM)
    gru = CuDNNGRU(2)
    assert isinstance(gru, GRU) and gru.cell.reset_after
    with pytest.raises(TypeError, match="recurrent_dropout"):
        CuDNNLSTM(2, recurrent_dropout=0.1)


# ---------------------------------------------------------------------------------------------
# Import paths: RNN and the cells stay importable from `recurrent`
# ---------------------------------------------------------------------------------------------
def test_recurrent_reexports_rnn_and_cells():
    import kerastorch.layers
    from kerastorch.layers import recurrent

    assert recurrent_base.__all__ == ["RNN"] and RNN is recurrent_base.RNN
    assert RNN.__module__ == "kerastorch.layers.recurrent_base" and LSTM.__module__ == "kerastorch.layers.recurrent"
    homes = {"StackedRNNCells": recurrent_stacked, "DropoutRNNCellMixin": recurrent_cell_base}
    for name in ("SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells", "DropoutRNNCellMixin"):
        assert getattr(recurrent, name) is getattr(homes.get(name, recurrent_cells), name) and name in recurrent.__all__
    for name in recurrent.__all__:
        assert getattr(kerastorch.layers, name) is getattr(recurrent, name)
