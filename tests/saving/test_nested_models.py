"""Nested models in HDF5 configs: tf.keras numbers a nested model's calls from 1, Keras 3 (Sequential) from 0."""

import json
import os

import h5py
import numpy as np

from kerastorch import layers as L
from kerastorch import models

DATA = os.path.join(os.path.dirname(__file__), os.pardir, "data", "keras_h5")


def _check(flavour):
    reference = np.load(os.path.join(DATA, f"nested_{flavour}.npz"))
    model = models.load_model(os.path.join(DATA, f"nested_{flavour}.h5"), compile=False)
    assert [layer.name for layer in model.layers] == ["b", "inner", "o2", "fun"]
    outputs = model.predict(reference["x"])
    np.testing.assert_allclose(outputs[0], reference["y0"], atol=1e-5)
    np.testing.assert_allclose(outputs[1], reference["y1"], atol=1e-5)


def test_tf_keras_file_with_nested_models_loads_and_predicts():
    _check("tfk2")


def test_keras3_file_with_nested_models_loads_and_predicts():
    _check("k3")


def test_we_write_nested_models_the_tf_keras_way_and_read_them_back(tmp_path):
    b = L.Input((6,), name="b")
    inner = models.Sequential([L.Dense(4, input_shape=(6,))], name="inner")
    x = L.Input((6,), name="xin")
    fun = models.Model(x, L.Dense(3, name="fd")(x), name="fun")
    model = models.Model(b, [L.Dense(1, name="o2")(inner(b)), fun(b)])
    path = str(tmp_path / "nested.h5")
    model.save(path)
    with h5py.File(path, "r") as handle:
        config = json.loads(handle.attrs["model_config"])["config"]
    o2 = next(layer for layer in config["layers"] if layer["name"] == "o2")
    assert o2["inbound_nodes"] == [[["inner", 1, 0, {}]]]
    assert config["output_layers"] == [["o2", 0, 0], ["fun", 1, 0]]
    restored = models.load_model(path, compile=False)
    data = np.random.RandomState(1).rand(4, 6).astype("float32")
    for ours, theirs in zip(model.predict(data), restored.predict(data)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
