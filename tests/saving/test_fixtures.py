"""Files written by tf.keras 2.21 and Keras 3.15 load, predict, evaluate and resume training as Keras computed."""

import json
import os
import zipfile

import h5py
import numpy as np
import pytest

from kerastorch import models
from kerastorch.saving import model_config

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "keras_h5")

MODEL_FILES = [
    "tfk2_mlp.h5",
    "tfk2_cnn.h5",
    "tfk2_lstm.h5",
    "tfk2_gru.h5",
    "tfk2_functional.h5",
    "tfk2_conv1d_td.h5",
    "tfk2_layernorm.h5",
    "tfk2_legacy_adam.h5",
    "k3_mlp.h5",
    "k3_cnn.h5",
    "k3_functional.h5",
    "k3_mlp.keras",
    "k3_cnn.keras",
    "k3_functional.keras",
    "k3_zoo.keras",
]
WEIGHT_FILES = [
    ("tfk2_mlp.weights.h5", "tfk2_mlp"),
    ("tfk2_mlp_legacy_weights.h5", "tfk2_mlp"),
    ("tfk2_cnn.weights.h5", "tfk2_cnn"),
    ("tfk2_cnn_legacy_weights.h5", "tfk2_cnn"),
    ("tfk2_lstm.weights.h5", "tfk2_lstm"),
    ("tfk2_gru.weights.h5", "tfk2_gru"),
    ("tfk2_functional.weights.h5", "tfk2_functional"),
    ("tfk2_conv1d_td.weights.h5", "tfk2_conv1d_td"),
    ("tfk2_layernorm.weights.h5", "tfk2_layernorm"),
    ("tfk2_legacy_adam.weights.h5", "tfk2_legacy_adam"),
    ("k3_zoo.weights.h5", "k3_zoo"),
]
ATOL = 1e-5


def _npz(base):
    return np.load(os.path.join(DATA, base + ".npz"))


def _inputs(npz, key, model):
    if key in npz:
        return npz[key]
    return [npz[f"{key}_{name}"] for name in model.input_names]


def _targets(npz, key, model):
    if key in npz:
        return npz[key]
    return [npz[f"{key}_{name}"] for name in model.output_names]


def _assert_close(actual, expected, atol=ATOL):
    if isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected)
        for a, e in zip(actual, expected):
            np.testing.assert_allclose(a, e, atol=atol, rtol=0)
    else:
        np.testing.assert_allclose(actual, expected, atol=atol, rtol=0)


def _architecture(base):
    """The model config of a fixture (from its .h5, or config.json of its .keras)."""
    h5_path = os.path.join(DATA, base + ".h5")
    if os.path.exists(h5_path):
        with h5py.File(h5_path, "r") as handle:
            return json.loads(handle.attrs["model_config"])
    with zipfile.ZipFile(os.path.join(DATA, base + ".keras")) as archive:
        return json.loads(archive.read("config.json"))


@pytest.mark.parametrize("filename", MODEL_FILES)
def test_fixture_predicts_evaluates_and_resumes_training(filename):
    base = filename.split(".")[0]
    npz = _npz(base)
    model = models.load_model(os.path.join(DATA, filename))
    x = _inputs(npz, "x", model)
    _assert_close(model.predict(x), _targets(npz, "y_pred", model))
    if "eval_names" in npz:
        results = model.evaluate(x, _targets(npz, "y_true", model), verbose=0, return_dict=True)
        expected = {str(name): float(value) for name, value in zip(npz["eval_names"], npz["eval_values"])}
        assert sorted(results) == sorted(expected)
        for name, value in expected.items():
            np.testing.assert_allclose(results[name], value, atol=ATOL, rtol=1e-5, err_msg=name)
        np.testing.assert_allclose(results["loss"], float(npz["eval_loss"]), atol=ATOL, rtol=1e-5)
    if "x_step" in npz:
        loss = model.train_on_batch(_inputs(npz, "x_step", model), _targets(npz, "y_step", model))
        loss = loss[0] if isinstance(loss, list) else loss
        np.testing.assert_allclose(loss, float(npz["step_loss"]), atol=ATOL, rtol=1e-5)
        # k3_cnn: our BatchNormalization follows tf.keras 2 (unbiased moving variance for 4-D
        # inputs), Keras 3 the biased one; the README measures 1.4e-6 for that difference.
        _assert_close(model.predict(x), _targets(npz, "y_pred_after_step", model))


@pytest.mark.parametrize("filename", ["tfk2_cnn.h5", "k3_functional.h5", "tfk2_legacy_adam.h5", "k3_cnn.keras"])
def test_fixture_optimizer_state_is_restored(filename):
    model = models.load_model(os.path.join(DATA, filename))
    assert int(model.optimizer.iterations) == 12
    slots = model.optimizer.slot_arrays()
    assert slots and all(np.any(array != 0) for arrays in slots.values() for array in arrays)


def test_fixture_without_compile_has_no_optimizer():
    model = models.load_model(os.path.join(DATA, "tfk2_cnn.h5"), compile=False)
    assert model.optimizer is None
    npz = _npz("tfk2_cnn")
    _assert_close(model.predict(npz["x"]), npz["y_pred"])


def test_fixture_training_config_is_read_as_keras_wrote_it():
    model = models.load_model(os.path.join(DATA, "tfk2_functional.h5"))
    assert type(model.optimizer).__name__ == "Adam"
    assert model.metrics_names == ["loss", "out_reg_loss", "out_cls_loss", "out_cls_accuracy"]
    legacy = models.load_model(os.path.join(DATA, "tfk2_legacy_adam.h5"))
    np.testing.assert_allclose(float(legacy.optimizer.learning_rate), 0.01, rtol=1e-6)


@pytest.mark.parametrize("filename,base", WEIGHT_FILES)
def test_weight_files_load_into_the_architecture(filename, base):
    npz = _npz(base)
    model = model_config.model_from_config(_architecture(base))
    model.load_weights(os.path.join(DATA, filename))
    _assert_close(model.predict(_inputs(npz, "x", model)), _targets(npz, "y_pred", model))


@pytest.mark.parametrize("filename", ["tfk2_functional.weights.h5", "k3_zoo.weights.h5", "tfk2_mlp_legacy_weights.h5"])
def test_weight_files_load_by_name(filename):
    base = {"tfk2_functional.weights.h5": "tfk2_functional", "k3_zoo.weights.h5": "k3_zoo"}.get(filename, "tfk2_mlp")
    npz = _npz(base)
    model = model_config.model_from_config(_architecture(base))
    if filename == "tfk2_functional.weights.h5":
        # tf.keras's .weights.h5 records no layer names: by name, nothing matches (and we say so).
        with pytest.warns(UserWarning, match="matched no layer"):
            model.load_weights(os.path.join(DATA, filename), by_name=True)
        assert not np.allclose(model.predict(_inputs(npz, "x", model))[0], npz["y_pred_out_reg"], atol=ATOL)
    else:
        model.load_weights(os.path.join(DATA, filename), by_name=True)
        _assert_close(model.predict(_inputs(npz, "x", model)), _targets(npz, "y_pred", model))


def test_full_model_file_loads_as_weights():
    npz = _npz("tfk2_lstm")
    model = model_config.model_from_config(_architecture("tfk2_lstm"))
    model.load_weights(os.path.join(DATA, "tfk2_lstm.h5"))
    _assert_close(model.predict(npz["x"]), npz["y_pred"])


def test_keras_zip_weights_load_into_the_architecture():
    npz = _npz("k3_functional")
    model = model_config.model_from_config(_architecture("k3_functional"))
    model.load_weights(os.path.join(DATA, "k3_functional.keras"))
    _assert_close(model.predict(_inputs(npz, "x", model)), _targets(npz, "y_pred", model))


def test_resumed_step_depends_on_the_restored_optimizer_state(monkeypatch):
    """Control: without the saved slots and iteration count the step lands elsewhere (README: >= 1.7e-3)."""
    from kerastorch.saving import optimizer_state

    monkeypatch.setattr(optimizer_state, "restore_named", lambda *args, **kwargs: False)
    npz = _npz("tfk2_cnn")
    model = models.load_model(os.path.join(DATA, "tfk2_cnn.h5"))
    assert int(model.optimizer.iterations) == 0
    model.train_on_batch(npz["x_step"], npz["y_step"])
    assert np.abs(model.predict(npz["x"]) - npz["y_pred_after_step"]).max() > 1e-4
