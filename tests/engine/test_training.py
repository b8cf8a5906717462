"""The training loop: fit/evaluate/predict/*_on_batch against NumPy recomputations."""

import re

import numpy as np
import pytest
import torch

from kerastorch import callbacks
from kerastorch import optimizers
from kerastorch.layers import Dense
from kerastorch.models import Sequential


def linear_model(units=1, activation=None, input_dim=3, kernel=None, bias=None):
    model = Sequential([Dense(units, activation=activation, input_shape=(input_dim,))])
    if kernel is not None:
        model.set_weights([np.asarray(kernel, "float32"), np.asarray(bias, "float32")])
    return model


def separable(n=256, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.randn(n, 4).astype("float32")
    y = (x[:, 0] - 2 * x[:, 1] > 0).astype("float32")[:, None]
    return x, y


def test_fit_learns_a_separable_problem():
    x, y = separable()
    model = Sequential([Dense(8, activation="relu", input_shape=(4,)), Dense(1, activation="sigmoid")])
    model.compile(optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.9
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.evaluate(x, y, verbose=0)[1] > 0.9


def test_evaluate_equals_numpy_mse_with_sample_weights():
    rng = np.random.RandomState(1)
    kernel, bias = rng.randn(3, 2), rng.randn(2)
    model = linear_model(2, kernel=kernel, bias=bias)
    model.compile("sgd", "mse")
    x = rng.randn(10, 3).astype("float32")
    y = rng.randn(10, 2).astype("float32")
    w = rng.rand(10).astype("float32")
    per_sample = (((x @ kernel + bias) - y) ** 2).mean(axis=1)
    assert model.evaluate(x, y, batch_size=4, verbose=0) == pytest.approx(per_sample.mean(), rel=1e-5)
    # tf.keras 2 reduction: sum(w * loss) / number of samples, batch-size weighted over batches
    batches = [slice(0, 4), slice(4, 8), slice(8, 10)]
    batch_losses = [(per_sample[b] * w[b]).sum() / len(per_sample[b]) for b in batches]
    expected = sum(loss * len(per_sample[b]) for loss, b in zip(batch_losses, batches)) / 10
    assert model.evaluate(x, y, sample_weight=w, batch_size=4, verbose=0) == pytest.approx(expected, rel=1e-5)


def test_class_weight_equals_matching_sample_weight():
    x, y = separable(64)
    results = []
    for kwargs in ({"class_weight": {0: 1.0, 1: 3.0}}, {"sample_weight": np.where(y[:, 0] == 1, 3.0, 1.0)}):
        torch.manual_seed(0)
        model = Sequential([Dense(1, activation="sigmoid", input_shape=(4,), kernel_initializer="ones")])
        model.compile("sgd", "binary_crossentropy")
        model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0, **kwargs)
        results.append(model.get_weights()[0])
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


def test_epoch_metrics_are_exact_means_over_uneven_batches():
    x, y = separable(50)
    model = Sequential([Dense(1, activation="sigmoid", input_shape=(4,))])
    model.compile(optimizers.SGD(learning_rate=0.0), "binary_crossentropy", metrics=["acc"])
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    loss, acc = model.evaluate(x, y, batch_size=50, verbose=0)
    assert history.history["loss"][0] == pytest.approx(loss, rel=1e-5)
    assert history.history["acc"][0] == pytest.approx(acc, rel=1e-6)
    assert set(history.history) == {"loss", "acc"}


def test_validation_split_uses_the_last_samples():
    x, y = separable(40)
    model = Sequential([Dense(1, activation="sigmoid", input_shape=(4,))])
    model.compile(optimizers.SGD(learning_rate=0.0), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, validation_split=0.25, epochs=1, verbose=0)
    expected = model.evaluate(x[30:], y[30:], verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(expected[0], rel=1e-5)
    assert history.history["val_accuracy"][0] == pytest.approx(expected[1])
    train_part = model.evaluate(x[:30], y[:30], verbose=0)
    assert history.history["loss"][0] == pytest.approx(train_part[0], rel=1e-5)


def test_validation_data_three_tuple_and_validation_freq():
    x, y = separable(32)
    w = np.linspace(0.1, 1.0, 32).astype("float32")
    model = Sequential([Dense(1, activation="sigmoid", input_shape=(4,))])
    model.compile(optimizers.SGD(learning_rate=0.0), "binary_crossentropy")
    history = model.fit(x, y, validation_data=(x, y, w), validation_freq=2, epochs=4, verbose=0)
    assert len(history.history["loss"]) == 4
    assert len(history.history["val_loss"]) == 2
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(x, y, sample_weight=w, verbose=0), rel=1e-5)


def test_initial_epoch_runs_until_final_epoch():
    seen = []
    x, y = separable(16)
    model = linear_model(1, input_dim=4)
    model.compile("sgd", "mse")
    record = callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: seen.append(epoch))
    history = model.fit(x, y, epochs=5, initial_epoch=3, callbacks=[record], verbose=0)
    assert seen == [3, 4]
    assert history.epoch == [3, 4]


def test_shuffle_false_is_deterministic_and_shuffle_true_differs():
    x, y = separable(64)

    def train(shuffle, seed):
        torch.manual_seed(123)
        model = Sequential([Dense(1, input_shape=(4,))])
        model.compile("sgd", "mse")
        torch.manual_seed(seed)
        model.fit(x, y, epochs=2, batch_size=8, shuffle=shuffle, verbose=0)
        return model.get_weights()[0]

    np.testing.assert_array_equal(train(False, 1), train(False, 2))
    assert not np.allclose(train(True, 1), train(False, 1))


def test_steps_per_epoch_with_arrays_counts_batches():
    counter = []
    x, y = separable(40)
    model = linear_model(1, input_dim=4)
    model.compile("sgd", "mse")
    cb = callbacks.LambdaCallback(on_batch_end=lambda batch, logs: counter.append(batch))
    model.fit(x, y, batch_size=10, steps_per_epoch=6, epochs=1, verbose=0, callbacks=[cb])
    assert counter == list(range(6))


def test_train_on_batch_returns_pre_update_loss_and_reset_metrics():
    rng = np.random.RandomState(3)
    kernel, bias = rng.randn(3, 1), rng.randn(1)
    model = linear_model(1, kernel=kernel, bias=bias)
    model.compile(optimizers.SGD(learning_rate=0.1), "mse", metrics=["mae"])
    x = rng.randn(8, 3).astype("float32")
    y = rng.randn(8, 1).astype("float32")
    pred = x @ kernel + bias
    loss, mae = model.train_on_batch(x, y)
    assert loss == pytest.approx(((pred - y) ** 2).mean(), rel=1e-5)
    assert mae == pytest.approx(np.abs(pred - y).mean(), rel=1e-5)
    grad_kernel = 2 * x.T @ (pred - y) / 8
    np.testing.assert_allclose(model.get_weights()[0], kernel - 0.1 * grad_kernel, rtol=1e-4)
    first = model.test_on_batch(x, y)[0]
    second = model.test_on_batch(x[:4], y[:4], reset_metrics=False)[0]
    pred2 = x @ model.get_weights()[0] + model.get_weights()[1]
    per_sample = ((pred2 - y) ** 2)[:, 0]
    assert first == pytest.approx(per_sample.mean(), rel=1e-5)
    assert second == pytest.approx((per_sample.sum() + per_sample[:4].sum()) / 12, rel=1e-5)


def test_temporal_sample_weights():
    model = Sequential([Dense(1, input_shape=(5, 2), kernel_initializer="ones")])
    model.compile("sgd", "mse", sample_weight_mode="temporal")
    x = np.ones((3, 5, 2), "float32")
    y = np.zeros((3, 5, 1), "float32")
    w = np.zeros((3, 5), "float32")
    w[:, 0] = 1.0
    pred = 2.0  # ones kernel, zero bias
    assert model.evaluate(x, y, sample_weight=w, verbose=0) == pytest.approx(pred**2 * 3 / 15)
    # As tf.keras 2: 1-D weights broadcast over the timesteps, and 2-D weights need no 'temporal' mode.
    assert model.evaluate(x, y, sample_weight=np.array([1.0, 0.0, 0.0]), verbose=0) == pytest.approx(pred**2 / 3)
    model.compile("sgd", "mse")
    assert model.evaluate(x, y, sample_weight=w, verbose=0) == pytest.approx(pred**2 * 3 / 15)


def test_predict_returns_numpy_and_predict_classes_proba():
    model = linear_model(3, activation="softmax", kernel=np.eye(3), bias=np.zeros(3))
    x = np.array([[1, 0, 0], [0, 3, 0]], "float32")
    out = model.predict(x)
    assert isinstance(out, np.ndarray) and out.shape == (2, 3)
    np.testing.assert_array_equal(model.predict_classes(x), [0, 1])
    np.testing.assert_allclose(model.predict_proba(x).sum(axis=1), 1.0, rtol=1e-6)
    binary = linear_model(1, activation="sigmoid", kernel=[[1], [0], [0]], bias=[0])
    np.testing.assert_array_equal(binary.predict_classes(np.array([[2, 0, 0], [-2, 0, 0]], "float32")), [[1], [0]])
    np.testing.assert_allclose(model.predict_on_batch(x), out, rtol=1e-6)


def test_metric_log_keys_follow_the_names_passed():
    x, y = separable(16)
    for name in ("acc", "accuracy"):
        model = Sequential([Dense(1, activation="sigmoid", input_shape=(4,))])
        model.compile("sgd", "binary_crossentropy", metrics=[name])
        history = model.fit(x, y, validation_data=(x, y), epochs=1, verbose=0)
        assert sorted(history.history) == sorted(["loss", name, "val_loss", "val_" + name])
        assert model.metrics_names == ["loss", name]


def test_accuracy_resolves_to_sparse_for_sparse_loss():
    model = linear_model(3, activation="softmax", kernel=np.eye(3), bias=np.zeros(3))
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.eye(3, dtype="float32") * 5
    _, acc = model.evaluate(x, np.array([0, 1, 1]), verbose=0)
    assert acc == pytest.approx(2 / 3)


def test_errors_not_compiled_and_bad_shapes():
    model = linear_model(2, input_dim=3)
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 2)), verbose=0)
    model.compile("sgd", "categorical_crossentropy")
    with pytest.raises(ValueError, match=r"expected .* to have shape \(3,\) but got array with shape \(4,\)"):
        model.fit(np.zeros((4, 4)), np.zeros((4, 2)), verbose=0)
    with pytest.raises(ValueError, match="same number of samples"):
        model.fit(np.zeros((4, 3)), np.zeros((5, 2)), verbose=0)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 1)), verbose=0)
    with pytest.raises(TypeError, match="bogus"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 2)), bogus=1)
    with pytest.raises(TypeError, match="bogus"):
        model.compile("sgd", "mse", bogus=1)
    with pytest.raises(ValueError, match="Valid names"):
        model.compile("not_an_optimizer", "mse")
    with pytest.raises(ValueError, match="Valid"):
        model.compile("sgd", "not_a_loss")


def test_verbose_outputs(capsys):
    x, y = separable(64)
    model = Sequential([Dense(1, activation="sigmoid", input_shape=(4,))])
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=32, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(x, y, epochs=2, batch_size=32, verbose=2)
    out = capsys.readouterr().out
    assert re.search(r"Epoch 1/2\n64/64 - \d+s - loss: \d\.\d{4} - accuracy: \d\.\d{4}", out), out
    model.fit(x, y, epochs=2, batch_size=32, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 2/2" in out
    assert re.search(r"64/64 \[={30}\] - .*loss: \d\.\d{4} - accuracy: \d\.\d{4}", out), out


def test_callback_hook_order_in_fit():
    calls = []

    class Recorder(callbacks.Callback):
        pass

    hooks = [
        "on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_test_begin", "on_test_end",
        "on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin", "on_test_batch_end",
    ]
    for hook in hooks:
        setattr(
            Recorder, hook,
            lambda self, *args, _hook=hook, **kwargs: calls.append((_hook,) + tuple(a for a in args if isinstance(a, int))),
        )

    x, y = separable(8)
    model = linear_model(1, input_dim=4)
    model.compile("sgd", "mse")
    model.fit(x, y, batch_size=4, epochs=1, validation_data=(x, y), verbose=0, callbacks=[Recorder()])
    names = [c[0] for c in calls]
    assert names[0] == "on_train_begin" and names[-1] == "on_train_end"
    assert ("on_epoch_begin", 0) in calls and ("on_epoch_end", 0) in calls
    assert calls.index(("on_train_batch_begin", 0)) < calls.index(("on_train_batch_end", 0)) < calls.index(("on_train_batch_begin", 1))
    assert names.index("on_test_begin") > names.index("on_train_batch_end")
    assert names.index("on_test_end") < names.index("on_epoch_end")


def test_stop_training_between_batches():
    class StopAfterTwo(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    seen = []
    x, y = separable(40)
    model = linear_model(1, input_dim=4)
    model.compile("sgd", "mse")
    log = callbacks.LambdaCallback(on_batch_end=lambda batch, logs: seen.append(batch))
    history = model.fit(x, y, batch_size=4, epochs=3, callbacks=[StopAfterTwo(), log], verbose=0)
    assert seen == [0, 1]
    assert len(history.history["loss"]) == 1


def test_target_tensors_feed_fit():
    x, y = separable(16)
    model = linear_model(1, input_dim=4)
    model.compile("sgd", "mse", target_tensors=[y])
    history = model.fit(x, epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1


def test_torch_tensors_are_accepted():
    x, y = separable(32)
    model = linear_model(1, input_dim=4)
    model.compile("sgd", "mse")
    model.fit(torch.from_numpy(x), torch.from_numpy(y), epochs=1, verbose=0)
    np.testing.assert_allclose(model.predict(torch.from_numpy(x)), model.predict(x), rtol=1e-6)


@pytest.mark.cuda
def test_fit_on_cuda_matches_cpu():
    from kerastorch import backend

    x, y = separable(64)
    results = []
    for device in ("cpu", "cuda"):
        backend.set_device(device)
        torch.manual_seed(0)
        model = Sequential([Dense(8, activation="relu", input_shape=(4,)), Dense(1, activation="sigmoid")])
        model.compile("adam", "binary_crossentropy")
        model.fit(x, y, epochs=2, shuffle=False, verbose=0)
        assert next(model.parameters()).device.type == device
        results.append(model.predict(x))
    np.testing.assert_allclose(results[0], results[1], atol=1e-4)


def test_one_dimensional_targets_are_expanded_like_tf_keras():
    x, y = separable(50)
    model = Sequential([Dense(1, activation="sigmoid", input_shape=(4,))])
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    flat = model.evaluate(x, y[:, 0], verbose=0)
    column = model.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(flat, column, rtol=1e-6)
    assert flat[1] == pytest.approx(((model.predict(x) > 0.5) == y).mean())


def test_single_output_metrics_as_list_of_lists():
    model = linear_model(1, input_dim=3)
    model.compile("sgd", "mse", metrics=[["mae"]])
    assert model.metrics_names == ["loss", "mae"]


def test_optimizer_state_follows_the_model_to_another_dtype():
    x, y = separable(16)
    model = linear_model(1, input_dim=4)
    model.compile("adam", "mse")
    model.fit(x, y, epochs=1, verbose=0)
    moments = model.optimizer.get_weights()
    model.double()
    model.fit(x.astype("float64"), y.astype("float64"), epochs=1, verbose=0)
    assert model.optimizer.get_weights()[0] == moments[0] + 1
    assert all(w.dtype == torch.float64 for w in model.optimizer.weights[1:])


def test_nb_epoch_with_epochs_is_a_type_error_naming_both():
    model = linear_model(1, input_dim=3)
    model.compile("sgd", "mse")
    with pytest.raises(TypeError, match="nb_epoch.*epochs"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 1)), epochs=3, nb_epoch=2, verbose=0)


def test_weighted_metrics_use_sample_weights_and_plain_metrics_do_not():
    model = linear_model(1, kernel=[[1.0], [0.0], [0.0]], bias=[0.0])
    model.compile("sgd", "mse", metrics=["mae"], weighted_metrics=["mae"])
    x = np.array([[1, 0, 0], [2, 0, 0], [3, 0, 0], [4, 0, 0]], "float32")
    y = np.zeros((4, 1), "float32")
    w = np.array([1.0, 0.0, 0.0, 1.0], "float32")
    assert model.metrics_names == ["loss", "mae", "weighted_mae"]
    loss, mae, weighted_mae = model.evaluate(x, y, sample_weight=w, verbose=0)
    assert mae == pytest.approx(2.5)  # (1 + 2 + 3 + 4) / 4, weights ignored
    assert weighted_mae == pytest.approx(2.5)  # (1 + 4) / 2
    assert loss == pytest.approx((1 + 16) / 4)
    w = np.array([0.0, 0.0, 1.0, 1.0], "float32")
    _, mae, weighted_mae = model.evaluate(x, y, sample_weight=w, verbose=0)
    assert mae == pytest.approx(2.5) and weighted_mae == pytest.approx(3.5)


def test_model_checkpoint_files_written_during_fit_load(tmp_path):
    from kerastorch.models import load_model

    x, y = separable(32)
    model = Sequential([Dense(4, activation="relu", input_shape=(4,)), Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    pattern = str(tmp_path / "weights.{epoch:02d}-{val_loss:.2f}.h5")
    model.fit(x, y, validation_split=0.25, epochs=2, verbose=0, callbacks=[callbacks.ModelCheckpoint(pattern)])
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 2 and files[0].startswith("weights.01-") and files[1].startswith("weights.02-")
    restored = load_model(str(tmp_path / files[1]))
    np.testing.assert_allclose(restored.predict(x), model.predict(x), rtol=1e-6)
    assert restored.train_on_batch(x, y)[0] == pytest.approx(model.train_on_batch(x, y)[0], rel=1e-6)


def test_compile_tf1_graph_options_raise_and_performance_knobs_are_accepted():
    model = linear_model(1, input_dim=3)
    model.compile("sgd", "mse", steps_per_execution=4)
    with pytest.raises(ValueError, match="`distribute` is a TensorFlow 1 graph option"):
        model.compile("sgd", "mse", distribute=object())
