"""Slicing and operators on KerasTensors record layers, as tf.keras 2.15 (tests/data/generate_symbolic_api.py)."""

import json
import os

import numpy as np
import pytest

import kerastorch
from kerastorch import layers
from kerastorch.engine import symbolic_ops
from kerastorch.models import Model
from kerastorch.models import load_model
from kerastorch.models import model_from_json

REF = np.load(os.path.join(os.path.dirname(__file__), "..", "data", "symbolic_api_tfk2.npz"))


def _index(entry):
    """The Python index of tf.keras's JSON for a slice spec (lists are tuples; dicts are slices or Ellipsis)."""
    if isinstance(entry, list):
        return tuple(_index(item) for item in entry)
    if isinstance(entry, dict):
        if entry.get("class_name") == "__ellipsis__":
            return Ellipsis
        return slice(entry["start"], entry["stop"], entry["step"])
    return entry


# The slices tf.keras was given, read back from its model JSON, under the names of their reference outputs.
_TF_LAYERS = json.loads(str(REF["slice_model_json"]))["config"]["layers"][1:]
SLICES = {
    str(key): _index(layer["inbound_nodes"][0][3]["slice_spec"]) for key, layer in zip(REF["slice_keys"], _TF_LAYERS)
}


def _shape(shape):
    return tuple(None if d == -1 else int(d) for d in shape)


def _slicing_model():
    x = kerastorch.Input((4, 5), name="x")
    return Model(x, [x[key] for key in SLICES.values()])


def test_slices_match_tf_keras_values_and_shapes():
    model = _slicing_model()
    data = REF["slice_input"]
    for name, tensor, value in zip(SLICES, model.outputs, model.predict(data, verbose=0)):
        assert tensor.shape == _shape(REF[f"slice_shape_{name}"]), name
        np.testing.assert_allclose(value, REF[f"slice_{name}"], err_msg=name)
        np.testing.assert_allclose(value, data[SLICES[name]], err_msg=name)
    assert type(model.outputs[0]._keras_history[0]).__name__ == "SlicingOpLambda"


def test_slice_spec_is_written_as_tf_keras_writes_it():
    model = _slicing_model()
    ours = {layer["name"]: layer for layer in json.loads(model.to_json())["config"]["layers"]}
    theirs = json.loads(str(REF["slice_model_json"]))["config"]["layers"][1:]
    # tf.keras writes the op layer's call as one bare entry: `[["x", 0, 0, {"slice_spec": ...}]]`.
    specs = [layer["inbound_nodes"][0][3]["slice_spec"] for layer in theirs]
    assert [ours[t._keras_history[0].name]["inbound_nodes"][0][0][3]["slice_spec"] for t in model.outputs] == specs
    assert specs[1][0] == {"class_name": "__ellipsis__"} and specs[5] == 0


def test_slicing_model_round_trips_through_json_and_hdf5(tmp_path):
    model = _slicing_model()
    data = REF["slice_input"]
    expected = model.predict(data, verbose=0)
    restored = model_from_json(model.to_json())
    path = str(tmp_path / "sliced.h5")
    model.save(path)
    loaded = load_model(path, compile=False)
    for other in (restored, loaded):
        assert [t.shape for t in other.outputs] == [t.shape for t in model.outputs]
        for a, b in zip(other.predict(data, verbose=0), expected):
            np.testing.assert_array_equal(a, b)


def test_tf_keras_slicing_config_loads():
    model = model_from_json(str(REF["slice_model_json"]))
    for name, value in zip(SLICES, model.predict(REF["slice_input"], verbose=0)):
        np.testing.assert_allclose(value, REF[f"slice_{name}"], err_msg=name)


def test_slices_of_unknown_dimensions_and_errors():
    x = kerastorch.Input((None, 5))
    assert x[:, 7].shape == (None, 5)
    assert x[:, :3].shape == (None, None, 5)
    assert x[..., ::-1].shape == (None, None, 5)
    with pytest.raises(ValueError, match="out of bounds for axis 2 of size 5"):
        x[:, :, 5]
    with pytest.raises(TypeError, match="Lambda layer"):
        x[[0, 1]]
    with pytest.raises(ValueError, match="at most one"):
        x[..., 0, ...]
    with pytest.raises(TypeError, match="cannot be iterated"):
        list(x)


def test_slice_spec_encoding_round_trips():
    for key in list(SLICES.values()) + [(Ellipsis,), (None, Ellipsis, -2)]:
        spec = symbolic_ops.encode_slice_spec(key)
        assert json.loads(json.dumps(spec)) == spec
        decoded = symbolic_ops.decode_slice_spec(spec)
        assert decoded == (key if not isinstance(key, list) else tuple(key))


OPS = {
    "negative": lambda x: -x,
    "abs": lambda x: abs(x),
    "square": lambda x: x**2,
    "rpow": lambda x: 2.0**x,
    "greater": lambda x: x > 0.5,
    "floordiv": lambda x: x // 0.5,
    "mod": lambda x: x % 0.7,
}


def test_operators_match_tf_keras_and_survive_saving(tmp_path):
    x = kerastorch.Input((4, 5), name="x")
    outputs = [op(x) for op in OPS.values()]
    model = Model(x, outputs)
    data = REF["slice_input"]
    values = model.predict(data, verbose=0)
    for name, tensor, value in zip(OPS, outputs, values):
        assert tensor.dtype == str(REF[f"op_dtype_{name}"]), name
        np.testing.assert_allclose(value, REF[f"op_{name}"], rtol=1e-6, atol=1e-6, err_msg=name)
    path = str(tmp_path / "ops.h5")
    model.save(path)
    for a, b in zip(load_model(path, compile=False).predict(data, verbose=0), values):
        np.testing.assert_array_equal(a, b)


def test_operators_between_tensors():
    a, b = kerastorch.Input((3,)), kerastorch.Input((3,))
    c = kerastorch.Input((3, 2))
    model = Model([a, b, c], [a // b, a % b, a**b, a < b, (a > 0) & (b > 0), ~(a > 0), layers.Reshape((1, 3))(a) @ c])
    left = np.array([[1.5, -2.0, 3.0]], "float32")
    right = np.array([[0.5, 3.0, 2.0]], "float32")
    matrix = np.arange(6, dtype="float32").reshape(1, 3, 2)
    results = model.predict([left, right, matrix], verbose=0)
    np.testing.assert_allclose(results[0], np.floor_divide(left, right))
    np.testing.assert_allclose(results[1], np.mod(left, right))
    np.testing.assert_allclose(results[2], left**right, rtol=1e-6)
    np.testing.assert_array_equal(results[3], left < right)
    np.testing.assert_array_equal(results[4], (left > 0) & (right > 0))
    np.testing.assert_array_equal(results[5], ~(left > 0))
    np.testing.assert_allclose(results[6], left[:, None, :] @ matrix)
