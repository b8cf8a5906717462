"""save/load in the Keras 2 HDF5 layout: round trips per layer family, optimizer state, file layout, atomicity, weights loading."""

import builtins
import json
import os

import h5py
import numpy as np
import pytest
import torch

from kerastorch import layers as L
from kerastorch import models
from kerastorch import optimizers
from kerastorch.saving import file_io
from kerastorch.saving import hdf5
from kerastorch.saving import model_config

RNG = np.random.RandomState(1234)


def _rand(*shape):
    return RNG.rand(*shape).astype("float32")


def _predict_equal(a, b, atol=1e-6):
    if isinstance(a, list):
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, atol=atol, rtol=0)
    else:
        np.testing.assert_allclose(a, b, atol=atol, rtol=0)


def _resume_matches(model, path, x, y, compile_kwargs, fit=True, custom_objects=None):
    """Trains, saves, loads; the loaded model predicts the same and its next step equals the original's."""
    model.compile(**compile_kwargs)
    if fit:
        torch.manual_seed(0)
        model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    model.save(path)
    loaded = models.load_model(path, custom_objects=custom_objects)
    _predict_equal(loaded.predict(x), model.predict(x), atol=0)
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations)
    for mine, theirs in zip(model.optimizer.get_weights(), loaded.optimizer.get_weights()):
        np.testing.assert_array_equal(mine, theirs)
    torch.manual_seed(1)
    before = model.train_on_batch(x, y)
    torch.manual_seed(1)
    after = loaded.train_on_batch(x, y)
    np.testing.assert_allclose(after, before, atol=1e-6, rtol=1e-6)
    _predict_equal(loaded.predict(x), model.predict(x))
    return loaded


# ---------------------------------------------------------------------------------------------
# Round trips per layer family
# ---------------------------------------------------------------------------------------------
def test_conv_and_pooling_family_round_trip(tmp_path):
    model = models.Sequential(
        [
            L.Conv2D(4, 3, padding="same", input_shape=(8, 8, 3)),
            L.MaxPooling2D(),
            L.SeparableConv2D(3, 2, depth_multiplier=2),
            L.DepthwiseConv2D(2),
            L.Conv2DTranspose(2, 2, strides=2),
            L.ZeroPadding2D(1),
            L.Cropping2D(1),
            L.UpSampling2D(),
            L.AveragePooling2D(),
            L.GlobalMaxPooling2D(),
            L.Dense(2),
        ]
    )
    _resume_matches(
        model, tmp_path / "conv.h5", _rand(8, 8, 8, 3), _rand(8, 2), dict(optimizer=optimizers.Adam(0.01), loss="mse")
    )


def test_conv1d_and_conv3d_round_trip(tmp_path):
    inputs = L.Input((10, 3))
    h = L.Conv1D(4, 3, padding="causal")(inputs)
    h = L.MaxPooling1D()(h)
    h = L.GlobalAveragePooling1D()(h)
    model = models.Model(inputs, L.Dense(1)(h))
    _resume_matches(model, tmp_path / "c1.h5", _rand(8, 10, 3), _rand(8, 1), dict(optimizer="rmsprop", loss="mae"))
    model3 = models.Sequential([L.Conv3D(2, 2, input_shape=(4, 4, 4, 1)), L.Flatten(), L.Dense(1)])
    _resume_matches(
        model3,
        tmp_path / "c3.h5",
        _rand(8, 4, 4, 4, 1),
        _rand(8, 1),
        dict(optimizer=optimizers.SGD(0.1, momentum=0.5), loss="mse"),
    )


def test_recurrent_family_round_trip(tmp_path):
    model = models.Sequential(
        [
            L.Bidirectional(L.LSTM(4, return_sequences=True), input_shape=(5, 3)),
            L.GRU(3, reset_after=False, return_sequences=True),
            L.GRU(3, reset_after=True, return_sequences=True, go_backwards=True),
            L.SimpleRNN(2),
        ]
    )
    _resume_matches(
        model, tmp_path / "rnn.h5", _rand(8, 5, 3), _rand(8, 2), dict(optimizer=optimizers.RMSprop(0.01), loss="mse")
    )


def test_normalization_and_noise_family_round_trip(tmp_path):
    model = models.Sequential(
        [
            L.Dense(6, input_shape=(4,)),
            L.BatchNormalization(),
            L.LayerNormalization(),
            L.Dropout(0.3),
            L.GaussianNoise(0.1),
            L.GaussianDropout(0.1),
            L.AlphaDropout(0.1),
            L.Dense(2),
        ]
    )
    loaded = _resume_matches(
        model, tmp_path / "norm.h5", _rand(8, 4), _rand(8, 2), dict(optimizer=optimizers.Adagrad(0.1), loss="mse")
    )
    moving = loaded.layers[1].get_weights()
    assert len(moving) == 4 and not np.allclose(moving[3], 1.0)  # moving variance was trained and restored


def test_embedding_and_wrappers_family_round_trip(tmp_path):
    model = models.Sequential(
        [
            L.Embedding(12, 4, input_length=5, mask_zero=True),
            L.Bidirectional(L.GRU(3, return_sequences=True), merge_mode="ave"),
            L.TimeDistributed(L.Dense(3, activation="relu")),
            L.LSTM(2),
        ]
    )
    x = RNG.randint(0, 12, size=(8, 5))
    x[:, -2:] = 0
    _resume_matches(model, tmp_path / "emb.h5", x, _rand(8, 2), dict(optimizer=optimizers.Nadam(0.01), loss="mse"))


def test_merge_family_multi_input_multi_output_round_trip(tmp_path):
    a = L.Input((4,), name="a")
    b = L.Input((4,), name="b")
    da = L.Dense(4, name="da")(a)
    db = L.Dense(4, name="db")(b)
    merged = L.concatenate(
        [
            L.add([da, db]),
            L.subtract([da, db]),
            L.multiply([da, db]),
            L.average([da, db]),
            L.maximum([da, db]),
            L.minimum([da, db]),
        ]
    )
    dot = L.dot([da, db], axes=1, normalize=True)
    out_reg = L.Dense(2, name="out_reg")(merged)
    out_cls = L.Dense(3, activation="softmax", name="out_cls")(L.concatenate([merged, dot]))
    model = models.Model([a, b], [out_reg, out_cls])
    y_cls = np.eye(3, dtype="float32")[RNG.randint(0, 3, size=8)]
    loaded = _resume_matches(
        model,
        tmp_path / "merge.h5",
        [_rand(8, 4), _rand(8, 4)],
        [_rand(8, 2), y_cls],
        dict(
            optimizer=optimizers.Adam(0.01, amsgrad=True),
            loss={"out_reg": "mse", "out_cls": "categorical_crossentropy"},
            loss_weights={"out_reg": 0.5, "out_cls": 2.0},
            metrics={"out_cls": ["accuracy"], "out_reg": ["mae"]},
        ),
    )
    assert loaded.metrics_names == model.metrics_names
    assert loaded.input_names == ["a", "b"] and loaded.output_names == ["out_reg", "out_cls"]


def test_advanced_activations_and_core_family_round_trip(tmp_path):
    model = models.Sequential(
        [
            L.Dense(6, input_shape=(4,)),
            L.LeakyReLU(0.2),
            L.PReLU(),
            L.ELU(0.5),
            L.ThresholdedReLU(0.1),
            L.ReLU(max_value=3.0),
            L.Reshape((2, 3)),
            L.Permute((2, 1)),
            L.Flatten(),
            L.RepeatVector(2),
            L.Masking(0.0),
            L.Flatten(),
            L.ActivityRegularization(l2=0.01),
            L.Dense(3),
            L.Softmax(),
        ]
    )
    _resume_matches(
        model, tmp_path / "adv.h5", _rand(8, 4), _rand(8, 3), dict(optimizer=optimizers.Adadelta(1.0), loss="kld")
    )


def test_nested_models_round_trip(tmp_path):
    inner_seq = models.Sequential(
        [L.Dense(5, activation="tanh", input_shape=(3,)), L.BatchNormalization()], name="inner_seq"
    )
    x_in = L.Input((5,))
    inner_func = models.Model(x_in, L.Dense(4, name="inner_dense")(x_in), name="inner_func")
    inputs = L.Input((3,))
    outputs = L.Dense(2)(inner_func(inner_seq(inputs)))
    model = models.Model(inputs, outputs)
    outer = models.Sequential([model, L.Activation("sigmoid")])
    _resume_matches(
        outer,
        tmp_path / "nested.h5",
        _rand(8, 3),
        _rand(8, 2),
        dict(optimizer=optimizers.Adamax(0.01), loss="binary_crossentropy"),
    )


@pytest.mark.parametrize(
    "optimizer",
    [
        lambda: optimizers.SGD(0.1),
        lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True, decay=0.01),
        lambda: optimizers.RMSprop(0.01),
        lambda: optimizers.Adagrad(0.1),
        lambda: optimizers.Adadelta(1.0),
        lambda: optimizers.Adam(0.01),
        lambda: optimizers.Adam(0.01, amsgrad=True),
        lambda: optimizers.Adamax(0.01),
        lambda: optimizers.Nadam(0.01),
        lambda: optimizers.TorchOptimizer(torch.optim.SGD, lr=0.1, momentum=0.9),
        lambda: optimizers.TorchOptimizer(torch.optim.Adam, lr=0.01),
    ],
    ids=[
        "sgd",
        "sgd_nesterov",
        "rmsprop",
        "adagrad",
        "adadelta",
        "adam",
        "amsgrad",
        "adamax",
        "nadam",
        "torch_sgd",
        "torch_adam",
    ],
)
def test_every_optimizer_state_is_restored(tmp_path, optimizer):
    model = models.Sequential([L.Conv1D(3, 2, input_shape=(4, 2)), L.Flatten(), L.Dense(2)])
    _resume_matches(model, tmp_path / "opt.h5", _rand(8, 4, 2), _rand(8, 2), dict(optimizer=optimizer(), loss="mse"))


def test_saved_but_untrained_optimizer_loads_fresh(tmp_path):
    model = models.Sequential([L.Dense(2, input_shape=(3,))])
    model.compile("adam", "mse")
    model.save(tmp_path / "fresh.h5")
    loaded = models.load_model(tmp_path / "fresh.h5")
    assert int(loaded.optimizer.iterations) == 0
    x, y = _rand(4, 3), _rand(4, 2)
    np.testing.assert_allclose(loaded.train_on_batch(x, y), model.train_on_batch(x, y), rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# File layout
# ---------------------------------------------------------------------------------------------
def test_file_layout_is_keras2(tmp_path):
    model = models.Sequential(
        [L.Conv2D(2, 3, input_shape=(5, 5, 1), name="conv"), L.Flatten(name="flat"), L.Dense(3, name="out")]
    )
    model.compile(optimizers.Adam(0.01), "mse", metrics=["mae"])
    model.fit(_rand(4, 5, 5, 1), _rand(4, 3), verbose=0)
    path = tmp_path / "layout.h5"
    model.save(path)
    with h5py.File(path, "r") as handle:
        assert handle.attrs["keras_version"].startswith("2.")
        assert handle.attrs["backend"] == "torch"
        architecture = json.loads(handle.attrs["model_config"])
        assert architecture["class_name"] == "Sequential"
        assert architecture["config"]["layers"][0]["class_name"] == "InputLayer"
        training = json.loads(handle.attrs["training_config"])
        assert set(training) == {
            "loss",
            "metrics",
            "weighted_metrics",
            "loss_weights",
            "sample_weight_mode",
            "optimizer_config",
        }
        assert training["loss"] == "mean_squared_error" and training["metrics"] == ["mae"]
        assert training["optimizer_config"]["class_name"] == "Adam"
        weights = handle["model_weights"]
        assert list(file_io.load_attributes_from_hdf5_group(weights, "layer_names")) == ["conv", "flat", "out"]
        assert file_io.load_attributes_from_hdf5_group(weights["conv"], "weight_names") == [
            "conv/kernel:0",
            "conv/bias:0",
        ]
        assert file_io.load_attributes_from_hdf5_group(weights["flat"], "weight_names") == []
        np.testing.assert_array_equal(weights["conv"]["conv/kernel:0"][()], model.layers[0].get_weights()[0])
        assert weights["conv"]["conv/kernel:0"].shape == (3, 3, 1, 2)  # Keras layout
        assert "top_level_model_weights" in weights
        opt_names = file_io.load_attributes_from_hdf5_group(handle["optimizer_weights"], "weight_names")
        assert opt_names == [
            "Adam/iter:0",
            "Adam/conv/kernel/m:0",
            "Adam/conv/bias/m:0",
            "Adam/out/kernel/m:0",
            "Adam/out/bias/m:0",
            "Adam/conv/kernel/v:0",
            "Adam/conv/bias/v:0",
            "Adam/out/kernel/v:0",
            "Adam/out/bias/v:0",
        ]
        assert handle["optimizer_weights"]["Adam/iter:0"][()] == 1
        m_kernel = handle["optimizer_weights"]["Adam/conv/kernel/m:0"][()]
    # The slot is stored in Keras layout, like the kernel it belongs to.
    torch_slot = model.optimizer.get_slot(model.layers[0].kernel, "m").detach().numpy()
    assert m_kernel.shape == (3, 3, 1, 2)
    np.testing.assert_array_equal(m_kernel, np.transpose(torch_slot, (2, 3, 1, 0)))


def test_include_optimizer_false_and_uncompiled_models(tmp_path):
    model = models.Sequential([L.Dense(2, input_shape=(3,))])
    model.compile("sgd", "mse")
    model.save(tmp_path / "no_opt.h5", include_optimizer=False)
    with h5py.File(tmp_path / "no_opt.h5", "r") as handle:
        assert "training_config" not in handle.attrs and "optimizer_weights" not in handle
    with pytest.warns(UserWarning, match="No training configuration"):
        loaded = models.load_model(tmp_path / "no_opt.h5")
    assert loaded.optimizer is None
    _predict_equal(loaded.predict(np.ones((1, 3), "float32")), model.predict(np.ones((1, 3), "float32")), atol=0)


def test_save_and_load_through_open_h5py_files(tmp_path):
    model = models.Sequential([L.Dense(2, input_shape=(3,))])
    with h5py.File(tmp_path / "handle.h5", "w") as handle:
        model.save(handle)
    with h5py.File(tmp_path / "handle.h5", "r") as handle:
        loaded = models.load_model(handle, compile=False)
    _predict_equal(loaded.predict(np.ones((1, 3), "float32")), model.predict(np.ones((1, 3), "float32")), atol=0)


def test_model_with_many_long_layer_names_saves_chunked(tmp_path):
    layers = [L.Dense(1, input_shape=(1,), name="d" * 200 + "_first")]
    layers += [L.Activation("linear", name=f"{'a' * 1000}_{index}") for index in range(70)]
    model = models.Sequential(layers)
    model.save(tmp_path / "long.h5")
    with h5py.File(tmp_path / "long.h5", "r") as handle:
        assert "layer_names0" in handle["model_weights"].attrs
    loaded = models.load_model(tmp_path / "long.h5", compile=False)
    assert len(loaded.layers) == 71
    _predict_equal(loaded.predict(np.ones((2, 1), "float32")), model.predict(np.ones((2, 1), "float32")), atol=0)


# ---------------------------------------------------------------------------------------------
# Atomic writes
# ---------------------------------------------------------------------------------------------
def _files(directory):
    return sorted(os.listdir(directory))


@pytest.mark.parametrize("error", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch, error):
    path = tmp_path / "model.h5"
    model = models.Sequential([L.Dense(2, input_shape=(3,)), L.Dense(1)])
    model.save(path)
    before = path.read_bytes()
    original = hdf5.save_weights_to_hdf5_group

    def write_half_then_fail(group, model_):
        group.create_dataset("partial", data=np.zeros(10))
        original(group, model_)
        raise error

    monkeypatch.setattr(hdf5, "save_weights_to_hdf5_group", write_half_then_fail)
    model.layers[0].set_weights([w + 1 for w in model.layers[0].get_weights()])
    with pytest.raises(type(error)):
        model.save(path)
    with pytest.raises(type(error)):
        model.save_weights(path)
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["model.h5"]  # no temporary file left behind
    monkeypatch.undo()
    loaded = models.load_model(path, compile=False)
    assert loaded.count_params() == model.count_params()


def test_failed_first_save_leaves_no_file(tmp_path, monkeypatch):
    def fail(group, model_):
        raise OSError("no space")

    monkeypatch.setattr(hdf5, "save_weights_to_hdf5_group", fail)
    with pytest.raises(OSError):
        models.Sequential([L.Dense(2, input_shape=(3,))]).save(tmp_path / "new.h5")
    assert _files(tmp_path) == []


def test_overwrite_false_asks_before_replacing(tmp_path, monkeypatch):
    path = tmp_path / "w.h5"
    model = models.Sequential([L.Dense(2, input_shape=(3,))])
    model.save_weights(path)
    before = path.read_bytes()
    answers = iter(["maybe", "n"])
    monkeypatch.setattr(builtins, "input", lambda prompt="": next(answers))
    model.layers[0].set_weights([w + 1 for w in model.layers[0].get_weights()])
    model.save_weights(path, overwrite=False)
    assert path.read_bytes() == before
    monkeypatch.setattr(builtins, "input", lambda prompt="": "y")
    model.save_weights(path, overwrite=False)
    assert path.read_bytes() != before


def test_file_permissions_follow_the_umask(tmp_path):
    path = tmp_path / "perm.h5"
    models.Sequential([L.Dense(1, input_shape=(1,))]).save(path)
    reference = tmp_path / "reference"
    reference.write_bytes(b"")
    assert os.stat(path).st_mode & 0o777 == os.stat(reference).st_mode & 0o777


# ---------------------------------------------------------------------------------------------
# Weights
# ---------------------------------------------------------------------------------------------
def _pair():
    source = models.Sequential([L.Dense(4, input_shape=(3,), name="shared"), L.Dense(2, name="head")])
    return source


def test_save_weights_any_name_and_topological_load(tmp_path):
    source = _pair()
    path = tmp_path / "weights.anything"
    source.save_weights(path)
    target = models.Sequential([L.Dense(4, input_shape=(3,), name="a"), L.Dense(2, name="b")])
    target.load_weights(path)
    for mine, theirs in zip(target.get_weights(), source.get_weights()):
        np.testing.assert_array_equal(mine, theirs)
    with h5py.File(path, "r") as handle:
        assert file_io.load_attributes_from_hdf5_group(handle, "layer_names") == ["shared", "head"]


def test_topological_load_errors_name_layers_and_shapes(tmp_path):
    path = tmp_path / "w.h5"
    _pair().save_weights(path)
    fewer = models.Sequential([L.Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match=r"containing 2 layers.*model with 1 layers"):
        fewer.load_weights(path)
    wrong = models.Sequential([L.Dense(5, input_shape=(3,), name="wide"), L.Dense(2)])
    with pytest.raises(ValueError, match=r"wide.*'kernel' has shape \(3, 5\).*saved weight has shape \(3, 4\)"):
        wrong.load_weights(path)


def test_by_name_loads_matching_layers_only(tmp_path):
    path = tmp_path / "w.h5"
    source = _pair()
    source.save_weights(path)
    target = models.Sequential(
        [L.Dense(4, input_shape=(3,), name="shared"), L.Dense(7, name="other"), L.Dense(2, name="head2")]
    )
    untouched = target.layers[1].get_weights()
    target.load_weights(path, by_name=True)
    for mine, theirs in zip(target.layers[0].get_weights(), source.layers[0].get_weights()):
        np.testing.assert_array_equal(mine, theirs)
    for mine, before in zip(target.layers[1].get_weights(), untouched):
        np.testing.assert_array_equal(mine, before)


def test_by_name_shape_mismatch_raises_or_skips_with_a_warning(tmp_path):
    path = tmp_path / "w.h5"
    source = _pair()
    source.save_weights(path)
    target = models.Sequential([L.Dense(4, input_shape=(3,), name="shared"), L.Dense(3, name="head")])
    with pytest.raises(ValueError, match=r"head.*'kernel' has shape \(4, 3\).*saved weight has shape \(4, 2\)"):
        target.load_weights(path, by_name=True)
    head_before = target.layers[1].get_weights()
    with pytest.warns(UserWarning, match="Skipping loading of weight 'kernel' of layer 'head'"):
        target.load_weights(path, by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(target.layers[0].get_weights()[0], source.layers[0].get_weights()[0])
    np.testing.assert_array_equal(target.layers[1].get_weights()[0], head_before[0])


def test_weight_count_mismatch_skip(tmp_path):
    path = tmp_path / "w.h5"
    _pair().save_weights(path)
    target = models.Sequential([L.Dense(4, input_shape=(3,), name="shared", use_bias=False), L.Dense(2, name="head")])
    with pytest.raises(ValueError, match=r"expects 1 weight\(s\) \(kernel\), but the saved weights have 2"):
        target.load_weights(path, by_name=True)
    with pytest.warns(UserWarning, match="Skipping loading of weights for layer 'shared'"):
        target.load_weights(path, by_name=True, skip_mismatch=True)


def test_load_weights_needs_a_built_model_and_a_weights_file(tmp_path):
    with pytest.raises(ValueError, match="not built"):
        models.Sequential([L.Dense(2)]).load_weights(tmp_path / "missing.h5")
    model = models.Sequential([L.Dense(2, input_shape=(3,))])
    with pytest.raises(FileNotFoundError):
        model.load_weights(tmp_path / "missing.h5")
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(ValueError, match="not a weights file"):
        model.load_weights(tmp_path / "text.h5")


# ---------------------------------------------------------------------------------------------
# Errors and other formats
# ---------------------------------------------------------------------------------------------
def test_load_model_errors(tmp_path):
    model = models.Sequential([L.Dense(2, input_shape=(3,))])
    model.save_weights(tmp_path / "weights.h5")
    with pytest.raises(ValueError, match="No model found in config file"):
        models.load_model(tmp_path / "weights.h5")
    with pytest.raises(FileNotFoundError):
        models.load_model(tmp_path / "nothing.h5")
    with pytest.raises(ValueError, match="SavedModel"):
        models.load_model(tmp_path)


def test_save_format_errors_and_subclassed_models(tmp_path):
    model = models.Sequential([L.Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match="save_format='tf'"):
        model.save(tmp_path / "m", save_format="tf")
    with pytest.raises(ValueError, match="unknown save_format 'zip'"):
        model.save(tmp_path / "m", save_format="zip")
    with pytest.raises(TypeError, match="bogus"):
        model.save(tmp_path / "m.h5", bogus=1)

    class Sub(models.Model):
        def __init__(self):
            super().__init__()
            self.dense = L.Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

    sub = Sub()
    sub(np.ones((1, 3), "float32"))
    with pytest.raises(ValueError, match="subclassed"):
        sub.save(tmp_path / "sub.h5")
    sub.save_weights(tmp_path / "sub_weights.h5")
    other = Sub()
    other(np.ones((1, 3), "float32"))
    other.load_weights(tmp_path / "sub_weights.h5")
    np.testing.assert_array_equal(other.get_weights()[0], sub.get_weights()[0])


def test_custom_layer_and_loss_need_custom_objects(tmp_path):
    class Scale(L.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, inputs):
            return inputs * self.factor

        def get_config(self):
            config = super().get_config()
            config["factor"] = self.factor
            return config

    def my_loss(y_true, y_pred):
        return ((y_true - y_pred) ** 2).mean(-1)

    model = models.Sequential([L.Dense(2, input_shape=(3,)), Scale(3.0)])
    path = tmp_path / "custom.h5"
    x, y = _rand(4, 3), _rand(4, 2)
    _resume_matches(
        model, path, x, y, dict(optimizer="sgd", loss=my_loss), custom_objects={"Scale": Scale, "my_loss": my_loss}
    )
    with pytest.raises(ValueError, match=r"Unknown layer: 'Scale'.*custom_objects"):
        models.load_model(path)
    with pytest.raises(ValueError, match="my_loss"):
        models.load_model(path, custom_objects={"Scale": Scale})
    loaded = models.load_model(path, custom_objects={"Scale": Scale}, compile=False)
    assert loaded.layers[1].factor == 3.0


def test_lambda_bytecode_needs_safe_mode_false(tmp_path):
    model = models.Sequential([L.Dense(2, input_shape=(3,)), L.Lambda(lambda t: t * 3.0 + 1.0)])
    path = tmp_path / "lambda.h5"
    model.save(path)
    with pytest.raises(ValueError, match="safe_mode=False"):
        models.load_model(path, compile=False)
    loaded = models.load_model(path, safe_mode=False, compile=False)
    x = _rand(2, 3)
    _predict_equal(loaded.predict(x), model.predict(x), atol=0)
    np.testing.assert_allclose(
        loaded.predict(x),
        x @ model.layers[0].get_weights()[0] * 3.0 + model.layers[0].get_weights()[1] * 3.0 + 1.0,
        rtol=1e-5,
    )


def test_torch_checkpoint_round_trip(tmp_path):
    model = models.Sequential([L.Conv1D(3, 2, input_shape=(4, 2)), L.BatchNormalization(), L.Flatten(), L.Dense(2)])
    _resume_matches(model, tmp_path / "model.pt", _rand(8, 4, 2), _rand(8, 2), dict(optimizer="adam", loss="mse"))
    assert file_io.file_kind(tmp_path / "model.pt") == "torch"
    model.save(tmp_path / "forced", save_format="torch")
    assert file_io.file_kind(tmp_path / "forced") == "torch"
    model.save_weights(tmp_path / "weights.pt")
    fresh = models.Sequential([L.Conv1D(3, 2, input_shape=(4, 2)), L.BatchNormalization(), L.Flatten(), L.Dense(2)])
    fresh.load_weights(tmp_path / "weights.pt")
    for mine, theirs in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(mine, theirs)
    with pytest.raises(ValueError, match="only weights"):
        models.load_model(tmp_path / "weights.pt")


class _NotAllowed:
    pass


def test_torch_checkpoint_with_pickled_objects_is_refused(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"state_dict": {}, "model_config": "{}", "payload": _NotAllowed()}, path)
    with pytest.raises(ValueError, match="read safely"):
        models.load_model(path)


def test_to_json_of_a_saved_model_matches_the_file(tmp_path):
    model = models.Sequential([L.Dense(2, input_shape=(3,))])
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as handle:
        saved = json.loads(handle.attrs["model_config"])
    as_json = json.loads(model.to_json())
    assert as_json["backend"] == "torch"
    assert {key: as_json[key] for key in ("class_name", "config")} == saved
    assert model_config.model_from_config(saved).get_config() == models.model_from_json(model.to_json()).get_config()
