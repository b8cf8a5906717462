"""The functional API: graphs, multi-input/multi-output training, shared layers, nesting, subclassing."""

import numpy as np
import pytest
import torch

from kerastorch import callbacks
from kerastorch import layers
from kerastorch import metrics as metrics_module
from kerastorch import optimizers
from kerastorch.layers import Dense
from kerastorch.layers import Input
from kerastorch.models import Model
from kerastorch.models import Sequential


def test_seed_001_single_input_model_trains():
    inputs = Input(shape=(784,))
    x = Dense(64, activation="relu")(inputs)
    x = Dense(64, activation="relu")(x)
    predictions = Dense(10, activation="softmax")(x)
    model = Model(inputs=inputs, outputs=predictions)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.RandomState(0)
    data = rng.rand(64, 784).astype("float32")
    labels = np.eye(10)[rng.randint(0, 10, 64)]
    model.fit(data, labels, epochs=1, verbose=0)
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Dense", "Dense", "Dense"]
    assert model.input_shape == (None, 784) and model.output_shape == (None, 10)


def build_two_in_two_out():
    a = Input(shape=(10,), name="a")
    b = Input(shape=(5,), name="b")
    ha = Dense(6, activation="relu", name="dense_a")(a)
    hb = Dense(4, activation="tanh", name="dense_b")(b)
    trunk = Dense(8, activation="relu", name="trunk")(layers.concatenate([ha, hb], name="concat"))
    out_reg = Dense(2, name="out_reg")(trunk)
    out_cls = Dense(3, activation="softmax", name="out_cls")(trunk)
    return Model(inputs=[a, b], outputs=[out_reg, out_cls], name="two_in_two_out")


def numpy_forward(model, xa, xb):
    w = {layer.name: layer.get_weights() for layer in model.layers if layer.get_weights()}
    relu = lambda v: np.maximum(v, 0)  # noqa: E731
    ha = relu(xa @ w["dense_a"][0] + w["dense_a"][1])
    hb = np.tanh(xb @ w["dense_b"][0] + w["dense_b"][1])
    trunk = relu(np.concatenate([ha, hb], axis=1) @ w["trunk"][0] + w["trunk"][1])
    reg = trunk @ w["out_reg"][0] + w["out_reg"][1]
    logits = trunk @ w["out_cls"][0] + w["out_cls"][1]
    cls = np.exp(logits - logits.max(1, keepdims=True))
    return reg, cls / cls.sum(1, keepdims=True)


def test_two_input_two_output_losses_equal_numpy_weighted_sum():
    model = build_two_in_two_out()
    model.compile(
        optimizer="adam",
        loss={"out_reg": "mse", "out_cls": "categorical_crossentropy"},
        loss_weights={"out_reg": 0.5, "out_cls": 1.0},
        metrics={"out_cls": "accuracy"},
    )
    rng = np.random.RandomState(1)
    xa, xb = rng.randn(16, 10).astype("float32"), rng.randn(16, 5).astype("float32")
    y_reg = rng.randn(16, 2).astype("float32")
    y_cls = np.eye(3)[rng.randint(0, 3, 16)].astype("float32")
    assert model.metrics_names == ["loss", "out_reg_loss", "out_cls_loss", "out_cls_accuracy"]
    reg, cls = numpy_forward(model, xa, xb)
    reg_loss = ((reg - y_reg) ** 2).mean()
    cls_loss = -(y_cls * np.log(np.clip(cls, 1e-7, 1 - 1e-7))).sum(1).mean()
    acc = (cls.argmax(1) == y_cls.argmax(1)).mean()
    values = model.evaluate({"a": xa, "b": xb}, {"out_reg": y_reg, "out_cls": y_cls}, batch_size=16, verbose=0)
    np.testing.assert_allclose(values, [0.5 * reg_loss + cls_loss, reg_loss, cls_loss, acc], rtol=1e-5)
    history = model.fit([xa, xb], [y_reg, y_cls], epochs=2, batch_size=8, verbose=0)
    assert sorted(history.history) == sorted(model.metrics_names)
    preds = model.predict({"a": xa, "b": xb})
    assert isinstance(preds, list) and preds[0].shape == (16, 2) and preds[1].shape == (16, 3)


def test_dict_data_errors_name_missing_and_extra_keys():
    model = build_two_in_two_out()
    model.compile("sgd", ["mse", "categorical_crossentropy"])
    xa, xb = np.zeros((4, 10)), np.zeros((4, 5))
    with pytest.raises(ValueError, match=r"Missing data for input \['b'\]"):
        model.predict({"a": xa})
    with pytest.raises(ValueError, match=r"Unknown key\(s\) \['c'\]"):
        model.predict({"a": xa, "b": xb, "c": xb})
    with pytest.raises(ValueError, match="out_nope"):
        model.compile("sgd", {"out_reg": "mse", "out_cls": "mse", "out_nope": "mse"})


def test_single_loss_applies_to_every_output_and_metrics_list_of_lists():
    model = build_two_in_two_out()
    model.compile("sgd", "mse", metrics=[["mae"], ["mse", "acc"]])
    assert model.metrics_names == ["loss", "out_reg_loss", "out_cls_loss", "out_reg_mae", "out_cls_mse", "out_cls_acc"]


def test_per_output_sample_and_class_weights():
    model = build_two_in_two_out()
    model.compile("sgd", ["mse", "categorical_crossentropy"])
    rng = np.random.RandomState(2)
    xa, xb = rng.randn(6, 10).astype("float32"), rng.randn(6, 5).astype("float32")
    y_reg = rng.randn(6, 2).astype("float32")
    y_cls = np.eye(3)[[0, 1, 2, 0, 1, 2]].astype("float32")
    reg, cls = numpy_forward(model, xa, xb)
    w = np.array([1, 0, 1, 0, 1, 0], "float32")
    values = model.evaluate([xa, xb], [y_reg, y_cls], sample_weight={"out_reg": w}, verbose=0)
    reg_loss = (((reg - y_reg) ** 2).mean(1) * w).sum() / 6
    assert values[1] == pytest.approx(reg_loss, rel=1e-5)
    model.fit([xa, xb], [y_reg, y_cls], class_weight={"out_cls": {0: 1.0, 1: 2.0, 2: 0.0}}, epochs=1, verbose=0)


def test_shared_layer_has_one_set_of_weights_and_two_nodes():
    shared = Dense(4, name="shared")
    a, b = Input((3,)), Input((3,))
    model = Model([a, b], layers.add([shared(a), shared(b)]))
    assert len(shared._inbound_nodes) == 2
    assert len(model.weights) == 2
    x1, x2 = np.random.rand(2, 3).astype("float32"), np.random.rand(2, 3).astype("float32")
    kernel, bias = shared.get_weights()
    np.testing.assert_allclose(model.predict([x1, x2]), x1 @ kernel + x2 @ kernel + 2 * bias, rtol=1e-5)


def test_nested_models_and_sequential_inside_functional():
    inner = Sequential([Dense(4, activation="relu", input_shape=(3,)), Dense(2)], name="inner")
    x = Input((3,))
    outer = Model(x, Dense(1, name="head")(inner(x)))
    data = np.random.rand(5, 3).astype("float32")
    expected = inner.predict(data) @ outer.get_layer("head").get_weights()[0] + outer.get_layer("head").get_weights()[1]
    np.testing.assert_allclose(outer.predict(data), expected, rtol=1e-5)
    assert len(outer.trainable_weights) == 6
    functional_inner = Model(x, inner(x))
    seq = Sequential([functional_inner, Dense(1)])
    assert seq.predict(data).shape == (5, 1)
    outer.compile("sgd", "mse")
    outer.fit(data, np.zeros((5, 1)), epochs=1, verbose=0)


def test_subclassed_model_trains_with_compile_fit():
    class MyModel(Model):
        def __init__(self):
            super().__init__(name="my_model")
            self.hidden = Dense(16, activation="relu")
            self.dropout = layers.Dropout(0.1)
            self.out = Dense(1, activation="sigmoid")

        def call(self, inputs, training=None):
            return self.out(self.dropout(self.hidden(inputs), training=training))

    rng = np.random.RandomState(0)
    x = rng.randn(200, 4).astype("float32")
    y = (x[:, 0] > 0).astype("float32")[:, None]
    model = MyModel()
    model.compile(optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=10, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.9
    assert [layer.name for layer in model.layers] == [model.hidden.name, model.dropout.name, model.out.name]
    assert len(model.trainable_weights) == 4


def test_disconnected_graph_and_duplicate_names_raise():
    a, b = Input((3,), name="in_a"), Input((3,), name="in_b")
    out = layers.add([Dense(2)(a), Dense(2)(b)])
    with pytest.raises(ValueError, match="Graph disconnected: cannot obtain value for tensor .* at layer"):
        Model(a, out)
    x = Input((3,))
    y = Dense(2, name="same")(Dense(3, name="same")(x))
    with pytest.raises(ValueError, match='The name "same" is used 2 times'):
        Model(x, y)


def test_config_round_trip_rebuilds_identical_graph():
    model = build_two_in_two_out()
    config = model.get_config()
    assert config["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert config["output_layers"] == [["out_reg", 0, 0], ["out_cls", 0, 0]]
    concat = next(layer for layer in config["layers"] if layer["name"] == "concat")
    assert concat["inbound_nodes"] == [[["dense_a", 0, 0, {}], ["dense_b", 0, 0, {}]]]
    clone = Model.from_config(config)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    clone.set_weights(model.get_weights())
    xa, xb = np.random.rand(3, 10).astype("float32"), np.random.rand(3, 5).astype("float32")
    for ours, theirs in zip(model.predict([xa, xb]), clone.predict([xa, xb])):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    assert clone.get_config() == config


def test_layers_order_inputs_outputs_names_and_get_layer():
    model = build_two_in_two_out()
    assert model.input_names == ["a", "b"]
    assert model.output_names == ["out_reg", "out_cls"]
    # Keras orders layers by depth from the outputs, then by discovery order.
    assert [layer.name for layer in model.layers] == ["a", "b", "dense_a", "dense_b", "concat", "trunk", "out_reg", "out_cls"]
    assert model.get_layer("trunk") is model.layers[5]
    assert model.get_layer(index=2).name == "dense_a"
    with pytest.raises(ValueError, match="No such layer: nope"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="only has 8 layers"):
        model.get_layer(index=8)


def test_summary_has_connected_to_column():
    lines = []
    build_two_in_two_out().summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Connected to" in text
    assert "concat (Concatenate)" in text and "dense_a[0][0]" in text and "dense_b[0][0]" in text
    assert lines[-4] == "Total params: " + f"{(10*6+6)+(5*4+4)+(10*8+8)+(8*2+2)+(8*3+3):,}"


def test_masking_propagates_from_embedding_through_graph():
    class MaskSum(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            if mask is None:
                return inputs.sum(dim=1)
            return (inputs * mask.unsqueeze(-1).to(inputs.dtype)).sum(dim=1)

        def compute_output_shape(self, input_shape):
            return (input_shape[0], input_shape[2])

        def compute_mask(self, inputs, mask=None):
            return None

    tokens = Input((4,), dtype="int64")
    embedded = layers.Embedding(5, 2, mask_zero=True, embeddings_initializer="ones")(tokens)
    model = Model(tokens, MaskSum()(embedded))
    out = model.predict(np.array([[1, 2, 0, 0], [3, 0, 0, 0]]))
    np.testing.assert_allclose(out, [[2.0, 2.0], [1.0, 1.0]])


def test_training_flag_reaches_dropout():
    x = Input((100,))
    model = Model(x, layers.Dropout(0.5)(x))
    data = np.ones((4, 100), "float32")
    np.testing.assert_array_equal(model.predict(data), data)
    model.train()
    out = model(torch.ones(4, 100)).detach().numpy()
    assert set(np.unique(out)) <= {0.0, 2.0} and (out == 0).any()
    out = model(torch.ones(4, 100), training=False).detach().numpy()
    np.testing.assert_array_equal(out, data)


def test_model_callable_on_tensors_and_symbolic_arithmetic():
    x = Input((2,))
    y = Dense(2, kernel_initializer="ones", bias_initializer="zeros")(x)
    model = Model(x, 2 * y + 1)
    np.testing.assert_allclose(model(torch.ones(1, 2)).detach().numpy(), [[5.0, 5.0]])


def test_merge_layers_numerics_and_shape_checks():
    a, b = Input((3,)), Input((3,))
    x1 = np.array([[1.0, 2.0, 3.0]], "float32")
    x2 = np.array([[3.0, 1.0, -1.0]], "float32")
    cases = {
        layers.add: x1 + x2,
        layers.subtract: x1 - x2,
        layers.multiply: x1 * x2,
        layers.average: (x1 + x2) / 2,
        layers.maximum: np.maximum(x1, x2),
        layers.minimum: np.minimum(x1, x2),
        layers.concatenate: np.concatenate([x1, x2], axis=-1),
    }
    for fn, expected in cases.items():
        np.testing.assert_allclose(Model([a, b], fn([a, b])).predict([x1, x2]), expected, rtol=1e-6)
    np.testing.assert_allclose(Model([a, b], layers.dot([a, b], axes=1)).predict([x1, x2]), [[2.0]])
    cosine = (x1 * x2).sum() / np.linalg.norm(x1) / np.linalg.norm(x2)
    np.testing.assert_allclose(Model([a, b], layers.dot([a, b], axes=1, normalize=True)).predict([x1, x2]), [[cosine]], rtol=1e-6)
    s1, s2 = Input((4, 3)), Input((5, 3))
    assert layers.dot([s1, s2], axes=2).shape == (None, 4, 5)
    with pytest.raises(ValueError, match="could not be broadcast"):
        layers.add([Input((3,)), Input((4,))])
    with pytest.raises(ValueError, match="matching shapes except for the concatenation axis"):
        layers.concatenate([Input((3, 2)), Input((4, 2))], axis=-1)
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.subtract([a, b, a])


def test_clone_model_keeps_lambda_layers():
    from kerastorch.models import clone_model

    x = Input((2,))
    model = Model(x, layers.Lambda(lambda t: t * 3)(x))
    clone = clone_model(model)
    np.testing.assert_allclose(clone.predict(np.ones((1, 2))), [[3.0, 3.0]])


def test_class_weight_per_output_changes_only_that_output_loss():
    model = build_two_in_two_out()
    model.compile("sgd", ["mse", "categorical_crossentropy"])
    rng = np.random.RandomState(4)
    xa, xb = rng.randn(6, 10).astype("float32"), rng.randn(6, 5).astype("float32")
    y_reg = rng.randn(6, 2).astype("float32")
    y_cls = np.eye(3)[[0, 1, 2, 0, 1, 2]].astype("float32")
    reg, cls = numpy_forward(model, xa, xb)
    per_sample_ce = -(y_cls * np.log(np.clip(cls, 1e-7, 1 - 1e-7))).sum(1)
    weights = np.array([1.0, 2.0, 0.0])[y_cls.argmax(1)]
    capture = FirstBatchLogs()
    model.fit([xa, xb], [y_reg, y_cls], class_weight={"out_cls": {0: 1.0, 1: 2.0, 2: 0.0}},
              batch_size=6, epochs=1, verbose=0, shuffle=False, callbacks=[capture])
    assert capture.logs["out_cls_loss"] == pytest.approx((per_sample_ce * weights).sum() / 6, rel=1e-5)
    assert capture.logs["out_reg_loss"] == pytest.approx(((reg - y_reg) ** 2).mean(), rel=1e-5)


class FirstBatchLogs(callbacks.Callback):
    """Keeps the logs of the first training batch (computed before the update)."""

    logs = None

    def on_train_batch_end(self, batch, logs=None):
        if self.logs is None:
            self.logs = {key: float(value) for key, value in logs.items()}


def test_functional_model_called_eagerly_on_numpy_inputs():
    a, b = Input((2,)), Input((2,))
    model = Model([a, b], layers.add([a, b]))
    out = model([np.ones((1, 2)), np.full((1, 2), 2.0)])
    assert out.dtype == torch.float32
    np.testing.assert_allclose(out.detach().numpy(), [[3.0, 3.0]])


# ---------------------------------------------------------------------------------------------
# Several outputs of one layer; outputs nested like an RNN's per-cell states (tf.keras 2 rules)
# ---------------------------------------------------------------------------------------------
def test_outputs_of_one_layer_get_unique_names_and_their_own_losses():
    sequence = Input((5, 3))
    output, state_h, state_c = layers.LSTM(4, return_state=True, name="enc")(sequence)
    model = Model(sequence, [output, state_h, state_c])
    model.compile("sgd", "mse")
    assert model.output_names == ["enc", "enc_1", "enc_2"]
    assert model.metrics_names == ["loss", "enc_loss", "enc_1_loss", "enc_2_loss"]
    rng = np.random.RandomState(0)
    x = rng.rand(8, 5, 3).astype("float32")
    targets = [rng.rand(8, 4).astype("float32") for _ in range(3)]
    predictions = model.predict(x)
    expected = [float(np.mean((p - t) ** 2)) for p, t in zip(predictions, targets)]
    results = model.evaluate(x, targets, verbose=0)
    np.testing.assert_allclose(results, [sum(expected)] + expected, rtol=1e-5)


def _stacked_state_model():
    sequence = Input((5, 3), name="sequence")
    rnn = layers.RNN(layers.StackedRNNCells([layers.LSTMCell(4), layers.GRUCell(2)]), return_state=True, name="rnn")
    output, lstm_state, gru_state = rnn(sequence)
    return Model(sequence, [output, lstm_state, gru_state]), rnn


def test_nested_outputs_keep_their_nesting_in_shapes_calls_and_predict():
    model, rnn = _stacked_state_model()
    nested_shapes = [(None, 2), [(None, 4), (None, 4)], (None, 2)]
    assert rnn.output_shape == nested_shapes and model.output_shape == nested_shapes
    assert isinstance(rnn.output[1], list) and len(rnn.output[1]) == 2
    assert len(model.outputs) == 4 and model.output_names == ["rnn", "rnn_1", "rnn_2", "rnn_3"]
    x = np.random.RandomState(1).rand(6, 5, 3).astype("float32")
    eager = rnn(torch.from_numpy(x))
    predicted = model.predict(x, batch_size=4)
    assert isinstance(predicted[1], list) and isinstance(model.predict_on_batch(x)[1], list)
    flat_eager = [eager[0], *eager[1], eager[2]]
    flat_predicted = [predicted[0], *predicted[1], predicted[2]]
    for got, want in zip(flat_predicted, flat_eager):
        np.testing.assert_allclose(got, want.detach().numpy(), rtol=1e-5, atol=1e-6)
    # Called on new symbolic inputs, the model hands its outputs out nested too.
    outer_input = Input((5, 3))
    outer_outputs = model(outer_input)
    assert isinstance(outer_outputs[1], list) and Model(outer_input, outer_outputs).output_shape == nested_shapes


def test_nested_outputs_train_on_nested_targets():
    model, _ = _stacked_state_model()
    model.compile("sgd", "mse")
    rng = np.random.RandomState(2)
    x = rng.rand(8, 5, 3).astype("float32")
    targets = [rng.rand(8, 2), [rng.rand(8, 4), rng.rand(8, 4)], rng.rand(8, 2)]
    predicted = model.predict(x)
    flat_targets = [targets[0], *targets[1], targets[2]]
    flat_predicted = [predicted[0], *predicted[1], predicted[2]]
    expected = [float(np.mean((p - t) ** 2)) for p, t in zip(flat_predicted, flat_targets)]
    np.testing.assert_allclose(model.evaluate(x, targets, verbose=0), [sum(expected)] + expected, rtol=1e-5)
    history = model.fit(x, targets, epochs=3, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_output_left_out_of_the_loss_dict_has_no_loss_but_keeps_its_metrics():
    # tf.keras 2: an output missing from the loss dict gets no loss (and no `<output>_loss` log).
    model = build_two_in_two_out()
    model.compile("sgd", {"out_reg": "mse"}, metrics=["mae"])
    assert model.metrics_names == ["loss", "out_reg_loss", "out_reg_mae", "out_cls_mae"]
    rng = np.random.RandomState(3)
    xa, xb = rng.rand(6, 10).astype("float32"), rng.rand(6, 5).astype("float32")
    y_reg, y_cls = rng.rand(6, 2), rng.rand(6, 3)
    pred_reg, pred_cls = model.predict([xa, xb])
    results = model.evaluate([xa, xb], [y_reg, y_cls], verbose=0)
    mse = float(np.mean((pred_reg - y_reg) ** 2))
    expected = [mse, mse, np.mean(np.abs(pred_reg - y_reg)), np.mean(np.abs(pred_cls - y_cls))]
    np.testing.assert_allclose(results, expected, rtol=1e-5)


def test_one_metric_object_for_several_outputs_is_copied_per_output():
    model = build_two_in_two_out()
    shared = metrics_module.MeanAbsoluteError()
    model.compile("sgd", "mse", metrics=[shared])
    rng = np.random.RandomState(4)
    xa, xb = rng.rand(6, 10).astype("float32"), rng.rand(6, 5).astype("float32")
    y_reg, y_cls = rng.rand(6, 2), rng.rand(6, 3)
    pred_reg, pred_cls = model.predict([xa, xb])
    logs = model.evaluate([xa, xb], [y_reg, y_cls], verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["out_reg_mean_absolute_error"], np.mean(np.abs(pred_reg - y_reg)), rtol=1e-5)
    np.testing.assert_allclose(logs["out_cls_mean_absolute_error"], np.mean(np.abs(pred_cls - y_cls)), rtol=1e-5)


def test_dict_output_model_compiles_fits_and_predicts_by_its_keys():
    inputs = Input((4,), name="i")
    model = Model(inputs, {"b": Dense(1, name="ob")(inputs), "a": Dense(2, name="oa")(inputs)})
    model.compile("sgd", {"a": "mse", "b": "mae"})
    assert model.output_names == ["oa", "ob"] and model.metrics_names == ["loss", "oa_loss", "ob_loss"]
    rng = np.random.RandomState(5)
    x = rng.rand(8, 4).astype("float32")
    targets = {"a": rng.rand(8, 2), "b": rng.rand(8, 1)}
    predicted = model.predict(x)
    assert sorted(predicted) == ["a", "b"] and predicted["a"].shape == (8, 2) and predicted["b"].shape == (8, 1)
    mse = float(np.mean((predicted["a"] - targets["a"]) ** 2))
    mae = float(np.mean(np.abs(predicted["b"] - targets["b"])))
    np.testing.assert_allclose(model.evaluate(x, targets, verbose=0), [mse + mae, mse, mae], rtol=1e-5)
    history = model.fit(x, targets, epochs=2, verbose=0)
    assert set(history.history) == {"loss", "oa_loss", "ob_loss"}
