"""to_json / to_yaml and model_from_json / model_from_yaml: round trips, Keras 2 format, safe YAML only."""

import json
import time
import tracemalloc

import numpy as np
import pytest

from kerastorch import layers as L
from kerastorch import models
from kerastorch.saving import model_config


def _functional():
    a = L.Input((4,), name="a")
    b = L.Input((2,), name="b")
    shared = L.Dense(3, activation="tanh", name="shared")
    merged = L.concatenate([shared(a), L.Dense(3, name="db")(b)], name="cat")
    inner = models.Sequential([L.Dense(5, input_shape=(6,), name="inner_d")], name="inner")
    return models.Model([a, b], [L.Dense(1, name="o1")(inner(merged)), L.Dense(2, name="o2")(merged)], name="func")


def _sequential():
    return models.Sequential(
        [
            L.Conv2D(2, 3, input_shape=(6, 6, 1), name="c"),
            L.MaxPooling2D(name="p"),
            L.Flatten(name="f"),
            L.Dense(2, name="d"),
        ],
        name="seq",
    )


def _same_outputs(model, rebuilt, inputs):
    rebuilt.set_weights(model.get_weights())
    expected, actual = model.predict(inputs), rebuilt.predict(inputs)
    for e, a in zip(
        expected if isinstance(expected, list) else [expected], actual if isinstance(actual, list) else [actual]
    ):
        np.testing.assert_array_equal(a, e)


def test_to_json_is_keras2_json():
    data = json.loads(_sequential().to_json())
    assert set(data) == {"class_name", "config", "keras_version", "backend"}
    assert data["class_name"] == "Sequential" and data["backend"] == "torch" and data["keras_version"].startswith("2.")
    assert [layer["class_name"] for layer in data["config"]["layers"]] == [
        "InputLayer",
        "Conv2D",
        "MaxPooling2D",
        "Flatten",
        "Dense",
    ]
    assert data["config"]["layers"][0]["config"]["batch_input_shape"] == [None, 6, 6, 1]
    assert json.loads(_sequential().to_json(indent=2, sort_keys=True)) == data


@pytest.mark.parametrize(
    "build,inputs",
    [
        (_sequential, [np.ones((2, 6, 6, 1), "float32")]),
        (_functional, [np.ones((2, 4), "float32"), np.ones((2, 2), "float32")]),
    ],
)
def test_json_and_yaml_round_trips(build, inputs):
    model = build()
    inputs = inputs[0] if len(inputs) == 1 else inputs
    from_json = models.model_from_json(model.to_json())
    from_yaml = models.model_from_yaml(model.to_yaml())
    for rebuilt in (from_json, from_yaml):
        assert rebuilt.get_config() == models.model_from_json(model.to_json()).get_config()
        assert [layer.name for layer in rebuilt.layers] == [layer.name for layer in model.layers]
        _same_outputs(model, rebuilt, inputs)
    assert json.loads(from_json.to_json()) == json.loads(model.to_json())


def test_to_yaml_is_plain_yaml():
    text = _functional().to_yaml()
    assert "!!python" not in text and "&id" not in text and "*id" not in text
    assert model_config.safe_yaml_load(text)["backend"] == "torch"


def test_model_from_json_accepts_bytes_and_rejects_garbage():
    text = _sequential().to_json().encode("utf-8")
    assert isinstance(models.model_from_json(text), models.Sequential)
    with pytest.raises(ValueError, match="not valid JSON"):
        models.model_from_json("{not json")


def test_yaml_with_python_tags_is_rejected_without_running_anything(tmp_path):
    marker = tmp_path / "ran"
    documents = [
        f"!!python/object/apply:os.system ['touch {marker}']",
        "class_name: !!python/name:os.system\nconfig: {}\n",
        "config: !!python/object:collections.OrderedDict {}\n",
        "class_name: !custom_tag Dense\n",
    ]
    for document in documents:
        with pytest.raises(ValueError, match=r"model_from_yaml"):
            models.model_from_yaml(document)
    assert not marker.exists()


def _billion_laughs(levels=9, width=10):
    lines = [f'a0: &a0 ["{"lol" * 10}"]']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append(f"class_name: Sequential\nconfig: *a{levels}")
    return "\n".join(lines)


def test_yaml_alias_bomb_is_rejected_quickly_and_without_memory_blowup():
    document = _billion_laughs()
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValueError, match="expands to more than"):
            models.model_from_yaml(document)
    finally:
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < 2.0
    assert peak < 20 * 1024 * 1024


def test_yaml_with_too_many_aliases_recursion_or_size_is_rejected(monkeypatch):
    many = "base: &b [1]\nitems: [" + ", ".join(["*b"] * (model_config.MAX_YAML_ALIASES + 1)) + "]\n"
    with pytest.raises(ValueError, match="aliases"):
        models.model_from_yaml(many)
    with pytest.raises(ValueError, match="recursive"):
        models.model_from_yaml("a: &a [1, *a]\n")
    monkeypatch.setattr(model_config, "MAX_YAML_CHARS", 100)
    with pytest.raises(ValueError, match="characters"):
        models.model_from_yaml("x" * 101)


def test_yaml_with_a_few_aliases_still_loads():
    text = (
        "shape: &shape [null, 3]\n"
        "class_name: Sequential\n"
        "config:\n"
        "  name: aliased\n"
        "  layers:\n"
        "  - class_name: Dense\n"
        "    config: {name: d, units: 2, batch_input_shape: *shape}\n"
    )
    model = models.model_from_yaml(text)
    assert model.input_shape == (None, 3)


def test_invalid_yaml_is_a_value_error():
    with pytest.raises(ValueError, match="invalid YAML"):
        models.model_from_yaml("a: [1, 2\n")


def test_lambda_in_json_needs_safe_mode_false():
    model = models.Sequential([L.Lambda(lambda t: t + 1.5, input_shape=(2,))])
    text = model.to_json()
    with pytest.raises(ValueError, match="safe_mode=False"):
        models.model_from_json(text)
    rebuilt = models.model_from_json(text, safe_mode=False)
    np.testing.assert_allclose(rebuilt.predict(np.zeros((1, 2), "float32")), [[1.5, 1.5]])
    with pytest.raises(ValueError, match="safe_mode=False"):
        models.model_from_yaml(model.to_yaml())


def _plus_one(t):
    return t + 1.0


def test_lambda_with_a_named_function_loads_through_custom_objects():
    model = models.Sequential([L.Lambda(_plus_one, input_shape=(2,))])
    rebuilt = models.model_from_json(model.to_json(), custom_objects={"_plus_one": _plus_one})
    np.testing.assert_allclose(rebuilt.predict(np.zeros((1, 2), "float32")), [[1.0, 1.0]])


def test_training_config_of_compiled_models():
    model = _functional()
    model.compile(
        "adam",
        loss={"o1": "mse", "o2": "categorical_crossentropy"},
        loss_weights={"o1": 0.3, "o2": 1.0},
        metrics={"o2": ["accuracy", "mae"]},
        sample_weight_mode=None,
    )
    config = model_config.training_config(model)
    assert config["loss"] == {"o1": "mean_squared_error", "o2": "categorical_crossentropy"}
    assert config["metrics"] == {"o2": ["accuracy", "mae"]}
    assert config["loss_weights"] == {"o1": 0.3, "o2": 1.0}
    assert config["optimizer_config"]["class_name"] == "Adam"
    args = model_config.compile_args_from_training_config(json.loads(json.dumps(config)), model.output_names)
    assert args["loss"] == config["loss"] and args["loss_weights"] == config["loss_weights"]
    assert args["metrics"] == {"o2": ["accuracy", "mae"]}
    assert model_config.training_config(_sequential()) is None


def test_tf_keras_metric_configs_keep_their_logged_names():
    model = _functional()
    saved = {
        "loss": {
            "o1": "mse",
            "o2": {
                "class_name": "CategoricalCrossentropy",
                "config": {"reduction": "auto", "name": "cce", "from_logits": True},
            },
        },
        "metrics": [
            [None],
            [
                {
                    "class_name": "MeanMetricWrapper",
                    "config": {"name": "o2_accuracy", "dtype": "float32", "fn": "categorical_accuracy"},
                }
            ],
        ],
        "weighted_metrics": None,
        "loss_weights": None,
        "optimizer_config": {
            "class_name": "Custom>Adam",
            "config": {"name": "Adam", "learning_rate": 0.01, "is_legacy_optimizer": False, "jit_compile": False},
        },
    }
    model.compile(**model_config.compile_args_from_training_config(saved, model.output_names))
    x = [np.ones((2, 4), "float32"), np.ones((2, 2), "float32")]
    y = [np.zeros((2, 1), "float32"), np.eye(2, dtype="float32")]
    results = model.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(results) == ["loss", "o1_loss", "o2_accuracy", "o2_loss"]


def test_keras3_optimizer_options_with_no_keras2_meaning():
    saved = {
        "loss": "mse",
        "optimizer_config": {
            "class_name": "SGD",
            "config": {"learning_rate": 0.1, "loss_scale_factor": None, "gradient_accumulation_steps": None},
        },
    }
    args = model_config.compile_args_from_training_config(saved, ["out"])
    assert float(args["optimizer"].learning_rate) == pytest.approx(0.1)
    saved["optimizer_config"]["config"]["gradient_accumulation_steps"] = 4
    with pytest.raises(ValueError, match="gradient_accumulation_steps=4"):
        model_config.compile_args_from_training_config(saved, ["out"])
    schedule = {"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.1}}
    saved["optimizer_config"]["config"] = {"learning_rate": schedule}
    with pytest.raises(ValueError, match="learning-rate schedule"):
        model_config.compile_args_from_training_config(saved, ["out"])


def test_keras2_yaml_with_python_tuples_loads():
    text = (
        "backend: tensorflow\n"
        "class_name: Sequential\n"
        "config:\n"
        "- class_name: Conv2D\n"
        "  config:\n"
        "    batch_input_shape: !!python/tuple [null, 5, 5, 1]\n"
        "    filters: 2\n"
        "    kernel_size: !!python/tuple [3, 3]\n"
        "    name: conv2d_1\n"
        "    strides: !!python/tuple [1, 1]\n"
        "keras_version: 2.2.4\n"
    )
    model = models.model_from_yaml(text)
    assert model.layers[0].kernel_size == (3, 3) and model.input_shape == (None, 5, 5, 1)
