"""Functional models built on dicts of inputs/outputs (tf.keras 2: flat order by sorted key)."""

import json

import numpy as np
import pytest
import torch

from kerastorch import layers
from kerastorch.models import Model
from kerastorch.models import model_from_json


def _dict_model():
    inputs = {"q": layers.Input(shape=(1,), name="q_in"), "p": layers.Input(shape=(2,), name="p_in")}
    joined = layers.concatenate([inputs["p"], inputs["q"]], name="cat")
    outputs = {"y": layers.Dense(2, name="dy")(joined), "x": layers.Dense(1, name="dx")(joined)}
    model = Model(inputs, outputs)
    model.get_layer("dx").set_weights([np.array([[1.0], [2.0], [3.0]], "float32"), np.zeros(1, "float32")])
    model.get_layer("dy").set_weights([np.ones((3, 2), "float32"), np.array([0.5, -0.5], "float32")])
    return model


def test_dict_model_attributes_follow_sorted_keys():
    model = _dict_model()
    assert model.input_names == ["p_in", "q_in"]
    assert model.output_names == ["dx", "dy"]
    assert [t.shape for t in model.inputs] == [(None, 2), (None, 1)]
    assert [t.shape for t in model.outputs] == [(None, 1), (None, 2)]
    assert model.input_shape == {"p": (None, 2), "q": (None, 1)}
    assert model.output_shape == {"x": (None, 1), "y": (None, 2)}
    assert set(model.input) == {"p", "q"} and set(model.output) == {"x", "y"}


def test_dict_model_is_called_with_its_keys_and_returns_a_dict():
    model = _dict_model()
    p = np.array([[1.0, 2.0]], "float32")
    q = np.array([[3.0]], "float32")
    out = model({"p": p, "q": q})
    assert sorted(out) == ["x", "y"]
    # x = 1*1 + 2*2 + 3*3 = 14; y = (1 + 2 + 3) + [0.5, -0.5]
    torch.testing.assert_close(out["x"].detach(), torch.tensor([[14.0]]))
    torch.testing.assert_close(out["y"].detach(), torch.tensor([[6.5, 5.5]]))
    flat = model([p, q])  # a list follows the sorted-key order
    torch.testing.assert_close(flat["x"].detach(), torch.tensor([[14.0]]))
    with pytest.raises(ValueError, match=r"Missing input\(s\) \['p', 'q'\].*expected keys: \['p', 'q'\]"):
        model({"p_in": p, "q_in": q})


def test_dict_model_config_writes_dicts_and_round_trips():
    model = _dict_model()
    config = model.get_config()
    assert config["input_layers"] == {"q": ["q_in", 0, 0], "p": ["p_in", 0, 0]}
    assert config["output_layers"] == {"y": ["dy", 0, 0], "x": ["dx", 0, 0]}
    rebuilt = Model.from_config(config)
    assert rebuilt.input_names == ["p_in", "q_in"]
    assert rebuilt.output_shape == {"x": (None, 1), "y": (None, 2)}
    again = model_from_json(model.to_json())
    assert json.loads(again.to_json())["config"]["output_layers"] == config["output_layers"]
