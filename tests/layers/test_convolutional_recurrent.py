"""ConvLSTM1D/2D/3D and ConvLSTM2DCell against tf.keras 2.15 references (tests/data/generate_convolutional_recurrent.py)."""

import json
import os

import numpy as np
import pytest
import torch

from kerastorch import layers
from kerastorch import models
from kerastorch.engine.keras_tensor import Input
from kerastorch.layers.convolutional_recurrent import ConvLSTM1D
from kerastorch.layers.convolutional_recurrent import ConvLSTM2D
from kerastorch.layers.convolutional_recurrent import ConvLSTM2DCell
from kerastorch.layers.convolutional_recurrent import ConvLSTM3D
from kerastorch.layers.convolutional_recurrent import ConvRNN2D
from kerastorch.layers.wrappers import Bidirectional
from kerastorch.models import Model
from kerastorch.utils.test_utils import layer_test

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data")
REFS = np.load(os.path.join(DATA, "conv_lstm_references.npz"))
CASES = sorted({key.split("/")[0] for key in REFS.files if key.endswith("/config")})
CLASSES = {"ConvLSTM1D": ConvLSTM1D, "ConvLSTM2D": ConvLSTM2D, "ConvLSTM3D": ConvLSTM3D}


def numpy(value):
    return value.detach().cpu().numpy()


def _reference_layer(case):
    spec = json.loads(str(REFS[f"{case}/config"]))
    layer = CLASSES[spec["class_name"]](**spec["config"])
    x = REFS[f"{case}/x"]
    layer.build(x.shape)
    count = len([k for k in REFS.files if k.startswith(f"{case}/w")])
    layer.set_weights([REFS[f"{case}/w{i}"] for i in range(count)])
    return layer, x


# ---------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES)
def test_outputs_and_weight_gradients_match_tf_keras(case):
    layer, x = _reference_layer(case)
    kwargs = {}
    if f"{case}/mask" in REFS.files:
        kwargs["mask"] = torch.as_tensor(REFS[f"{case}/mask"])
    if f"{case}/s0" in REFS.files:
        kwargs["initial_state"] = [torch.as_tensor(REFS[f"{case}/s{i}"]) for i in range(2)]
    outputs = layer(torch.as_tensor(x), **kwargs)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    expected = [REFS[f"{case}/y{i}"] for i in range(len([k for k in REFS.files if k.startswith(f"{case}/y")]))]
    assert len(outputs) == len(expected)
    for got, want in zip(outputs, expected):
        np.testing.assert_allclose(numpy(got), want, atol=1e-5, rtol=1e-5)
    first = outputs[0]
    weight = torch.cos(torch.arange(first.numel(), dtype=torch.float32)).reshape(first.shape)
    (first * weight).sum().backward()
    grads = [w.grad for w in layer.trainable_weights]
    for index, grad in enumerate(grads):
        # Kernels are torch-layout parameters (out, in, *k); compare in Keras layout (*k, in, out).
        keras_grad = numpy(grad.permute(*range(2, grad.dim()), 1, 0) if index < 2 else grad)
        np.testing.assert_allclose(keras_grad, REFS[f"{case}/grad_w{index}"], atol=1e-4, rtol=1e-4)


def test_stateful_layer_carries_states_across_batches_as_tf_keras():
    inputs = Input(batch_shape=(2, 3, 4, 4, 2))
    layer = ConvLSTM2D(2, 3, padding="same", stateful=True, return_sequences=True)
    model = Model(inputs, layer(inputs))
    layer.set_weights([REFS[f"stateful/w{i}"] for i in range(3)])
    for step in range(2):
        np.testing.assert_allclose(
            model.predict(REFS[f"stateful/x{step}"], verbose=0), REFS[f"stateful/y{step}"], atol=1e-5
        )
    first = model.predict(REFS["stateful/x0"], verbose=0)
    assert not np.allclose(first, REFS["stateful/y0"], atol=1e-3)
    model.reset_states()
    np.testing.assert_allclose(model.predict(REFS["stateful/x0"], verbose=0), REFS["stateful/y0"], atol=1e-5)


def test_bidirectional_conv_lstm_matches_tf_keras():
    layer = Bidirectional(ConvLSTM2D(2, 2, padding="same", return_sequences=True))
    x = REFS["bidirectional/x"]
    layer.build(x.shape)
    layer.set_weights([REFS[f"bidirectional/w{i}"] for i in range(6)])
    np.testing.assert_allclose(numpy(layer(torch.as_tensor(x))), REFS["bidirectional/y"], atol=1e-5)


def test_bidirectional_weight_names_are_tf_keras_names():
    layer = Bidirectional(ConvLSTM2D(2, 3, padding="same", name="conv_lstm2d"), name="bidirectional")
    models.Sequential([layers.InputLayer((3, 4, 4, 1)), layer])
    # tf.keras 2.15's names for this model (the cell adds no name scope).
    expected = [
        f"bidirectional/{direction}_conv_lstm2d/{weight}:0"
        for direction in ("forward", "backward")
        for weight in ("kernel", "recurrent_kernel", "bias")
    ]
    assert layer._weight_keras_names() == expected
    assert [w.name for w in layer.weights] == expected


def test_h5_model_written_by_tf_keras_loads_and_predicts_the_same():
    model = models.load_model(os.path.join(DATA, "conv_lstm2d_tfk2.h5"), compile=False)
    conv = model.layers[0]
    assert isinstance(conv, ConvLSTM2D)
    assert [w.shape for w in conv.get_weights()] == [(3, 3, 2, 8), (3, 3, 2, 8), (8,)]
    np.testing.assert_allclose(model.predict(REFS["h5_model/x"], verbose=0), REFS["h5_model/y"], atol=1e-5)


def test_cell_step_matches_numpy_lstm_formula_with_hard_sigmoid():
    rng = np.random.default_rng(0)
    cell = ConvLSTM2DCell(2, (1, 1))
    cell.build((None, 3, 3, 2))
    kernel = rng.normal(size=(1, 1, 2, 8)).astype("float32")
    recurrent = rng.normal(size=(1, 1, 2, 8)).astype("float32")
    bias = rng.normal(size=(8,)).astype("float32")
    cell.set_weights([kernel, recurrent, bias])
    x, h, c = (rng.normal(size=(1, 3, 3, 2)).astype("float32") for _ in range(3))
    out, (h_new, c_new) = cell.call(torch.as_tensor(x), [torch.as_tensor(h), torch.as_tensor(c)])
    z = x @ kernel[0, 0] + h @ recurrent[0, 0] + bias
    hard = lambda v: np.clip(0.2 * v + 0.5, 0.0, 1.0)  # noqa: E731
    i, f, g, o = hard(z[..., 0:2]), hard(z[..., 2:4]), np.tanh(z[..., 4:6]), hard(z[..., 6:8])
    expected_c = f * c + i * g
    np.testing.assert_allclose(numpy(c_new), expected_c, atol=1e-6)
    np.testing.assert_allclose(numpy(h_new), o * np.tanh(expected_c), atol=1e-6)
    assert out is h_new


# ---------------------------------------------------------------------------------------------
# API: constructor, config, shapes, weights
# ---------------------------------------------------------------------------------------------
TF_CONFIG_KEYS = {
    "name", "trainable", "dtype", "return_sequences", "return_state", "go_backwards", "stateful", "unroll",
    "time_major", "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation",
    "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
    "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
    "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout",
}  # fmt: skip


@pytest.mark.parametrize("cls, rank", [(ConvLSTM1D, 1), (ConvLSTM2D, 2), (ConvLSTM3D, 3)])
def test_defaults_and_config_keys_are_tf_keras(cls, rank):
    layer = cls(4, 3)
    config = layer.get_config()
    assert set(config) == TF_CONFIG_KEYS
    assert config["recurrent_activation"] == "hard_sigmoid"
    assert config["kernel_size"] == (3,) * rank and config["strides"] == (1,) * rank
    assert config["unit_forget_bias"] is True and config["padding"] == "valid"
    assert layer.name.startswith(f"conv_lstm{rank}d")
    clone = cls.from_config(config)
    assert clone.get_config() == config


def test_weights_layout_names_and_unit_forget_bias():
    layer = ConvLSTM2D(3, (2, 3), name="clstm")
    layer.build((None, 4, 6, 7, 5))
    kernel, recurrent, bias = layer.get_weights()
    assert kernel.shape == (2, 3, 5, 12) and recurrent.shape == (2, 3, 3, 12) and bias.shape == (12,)
    np.testing.assert_array_equal(bias, np.r_[np.zeros(3), np.ones(3), np.zeros(6)])
    assert layer._weight_keras_names() == ["clstm/kernel:0", "clstm/recurrent_kernel:0", "clstm/bias:0"]
    assert [w.name for w in layer.weights] == ["clstm/kernel:0", "clstm/recurrent_kernel:0", "clstm/bias:0"]


def test_compute_output_shape_matches_call():
    layer = ConvLSTM2D(2, 3, strides=(2, 1), return_sequences=True, return_state=True)
    shapes = layer.compute_output_shape((None, 3, 9, 6, 2))
    assert shapes == [(None, 3, 4, 4, 2), (None, 4, 4, 2), (None, 4, 4, 2)]
    outputs = layer(np.zeros((2, 3, 9, 6, 2), "float32"))
    assert [tuple(o.shape) for o in outputs] == [(2, 3, 4, 4, 2), (2, 4, 4, 2), (2, 4, 4, 2)]
    first = ConvLSTM2D(2, 3, data_format="channels_first").compute_output_shape((5, 3, 2, 9, 6))
    assert first == (5, 2, 7, 4)


def test_variable_spatial_size_runs_with_the_same_weights():
    inputs = Input(shape=(None, None, None, 2))
    model = Model(inputs, ConvLSTM2D(3, 3, padding="same")(inputs))
    assert model.output_shape == (None, None, None, 3)
    assert model.predict(np.ones((1, 2, 5, 4, 2), "float32"), verbose=0).shape == (1, 5, 4, 3)
    assert model.predict(np.ones((2, 4, 3, 6, 2), "float32"), verbose=0).shape == (2, 3, 6, 3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(filters=0, kernel_size=3), "filters=0"),
        (dict(filters=2, kernel_size=(3, 3, 3)), "kernel_size"),
        (dict(filters=2, kernel_size=3, padding="causal"), "padding='causal'"),
        (dict(filters=2, kernel_size=3, strides=2, dilation_rate=2), "dilation_rate"),
        (dict(filters=2, kernel_size=3, data_format="channels_middle"), "channels_middle"),
    ],
)
def test_invalid_arguments_raise_value_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ConvLSTM2D(**kwargs)


def test_unroll_and_wrong_input_rank_are_refused():
    with pytest.raises(TypeError, match="unroll=True"):
        ConvLSTM2D(2, 3, unroll=True)
    with pytest.raises(ValueError, match="ndim=5"):
        ConvLSTM2D(2, 3)(np.zeros((2, 3, 5, 2), "float32"))
    with pytest.raises(ValueError, match="too small"):
        ConvLSTM2D(2, 5)(np.zeros((1, 2, 3, 3, 1), "float32"))


def test_time_major_true_raises_instead_of_being_ignored():
    # tf.keras 2.15 accepts time_major=True here and still runs batch-major; we refuse the no-op.
    with pytest.raises(ValueError, match="runs batch-major only.*time_major=True"):
        ConvLSTM2D(2, 3, time_major=True)
    layer = ConvLSTM2D(2, 3, time_major=False)
    assert layer.get_config()["time_major"] is False
    assert tuple(layer(np.zeros((2, 3, 5, 5, 1), "float32")).shape) == (2, 3, 3, 2)


def test_stateful_needs_a_known_batch_and_spatial_shape():
    layer = ConvLSTM2D(2, 3, stateful=True)
    with pytest.raises(ValueError, match="batch"):
        layer.build((None, 3, 5, 5, 1))
    layer = ConvLSTM2D(2, 3, stateful=True)
    with pytest.raises(ValueError, match="spatial"):
        layer.build((2, 3, None, 5, 1))


def test_stateful_reset_states_takes_values():
    layer = ConvLSTM2D(2, 3, stateful=True, return_state=True)
    layer.build((2, 3, 5, 5, 1))
    h = np.full((2, 3, 3, 2), 0.5, "float32")
    layer.reset_states([h, h])
    np.testing.assert_array_equal(numpy(layer.states[0]), h)
    with pytest.raises(ValueError, match="expected shape"):
        layer.reset_states([h[:, :2], h])


def test_dropout_is_inactive_at_inference_and_active_in_training():
    torch.manual_seed(0)
    layer = ConvLSTM2D(3, 3, padding="same", dropout=0.5, recurrent_dropout=0.5)
    plain = ConvLSTM2D(3, 3, padding="same")
    x = np.random.default_rng(0).normal(size=(2, 3, 5, 5, 2)).astype("float32")
    layer.build(x.shape)
    plain.build(x.shape)
    plain.set_weights(layer.get_weights())
    np.testing.assert_allclose(numpy(layer(x, training=False)), numpy(plain(x)), atol=1e-6)
    trained = numpy(layer(x, training=True))
    assert not np.allclose(trained, numpy(plain(x)), atol=1e-3)


def test_sequence_fast_path_equals_cell_steps_with_the_same_dropout_masks():
    torch.manual_seed(1)
    layer = ConvLSTM2D(2, 3, padding="same", dropout=0.4, recurrent_dropout=0.3, return_sequences=True)
    x = torch.as_tensor(np.random.default_rng(1).normal(size=(2, 3, 4, 5, 2)).astype("float32"))
    sequence = layer(x, training=True)
    # The masks drawn for the sequence stay cached in the cell until the next sequence.
    cell = layer.cell
    h = c = torch.zeros((2, 4, 5, 2))
    for t in range(3):
        output, (h, c) = cell.call(x[:, t], [h, c], training=True)
        np.testing.assert_allclose(numpy(sequence[:, t]), numpy(output), atol=1e-6)


def test_conv_rnn2d_with_the_keras_2_cell_equals_conv_lstm2d():
    layer, x = _reference_layer("2d_same_seq_state")
    cell = ConvLSTM2DCell(2, 2, padding="same")
    wrapped = ConvRNN2D(cell, return_sequences=True)
    wrapped.build(x.shape)
    wrapped.set_weights(layer.get_weights())
    np.testing.assert_allclose(numpy(wrapped(x)), REFS["2d_same_seq_state/y0"], atol=1e-5)
    clone = ConvRNN2D.from_config(wrapped.get_config())
    assert isinstance(clone.cell, ConvLSTM2DCell)
    assert "rank" not in cell.get_config()
    assert ConvLSTM2DCell.from_config(cell.get_config()).get_config() == cell.get_config()


def test_public_exports():
    assert layers.ConvLSTM1D is ConvLSTM1D
    assert layers.ConvLSTM2D is ConvLSTM2D
    assert layers.ConvLSTM3D is ConvLSTM3D
    assert layers.ConvLSTM2DCell is ConvLSTM2DCell


# ---------------------------------------------------------------------------------------------
# layer_test: life cycle, models, training step, save/load
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "cls, kwargs, input_shape",
    [
        (ConvLSTM1D, dict(filters=2, kernel_size=3, padding="same", return_sequences=True), (2, 3, 5, 2)),
        (ConvLSTM2D, dict(filters=2, kernel_size=(2, 3), kernel_regularizer="l2"), (2, 3, 5, 5, 2)),
        (ConvLSTM3D, dict(filters=2, kernel_size=2, data_format="channels_first"), (2, 2, 1, 3, 3, 3)),
    ],
)
def test_layer_test(cls, kwargs, input_shape):
    layer_test(cls, kwargs=kwargs, input_shape=input_shape)


def test_training_step_reduces_loss():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    model = models.Sequential([ConvLSTM2D(2, 3, padding="same", input_shape=(3, 4, 4, 1)), layers.Flatten()])
    model.compile("sgd", "mse")
    x = rng.normal(size=(4, 3, 4, 4, 1)).astype("float32")
    y = rng.normal(size=(4, 32)).astype("float32") * 0.1
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=3, batch_size=4, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before
