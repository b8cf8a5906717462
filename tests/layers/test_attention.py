"""Attention, AdditiveAttention and MultiHeadAttention against tf.keras 2.15 references."""

import json
import os
import warnings

import numpy as np
import pytest
import torch

from kerastorch import layers
from kerastorch import models
from kerastorch.utils.test_utils import layer_test

DATA = os.path.join(os.path.dirname(__file__), "..", "data")
REFERENCES = np.load(os.path.join(DATA, "attention_references.npz"))
CASES = sorted({key.split("/")[0] for key in REFERENCES.files if key != "model" and not key.startswith("model/")})
ATOL = 1e-5


def _case(name):
    meta = json.loads(str(REFERENCES[f"{name}/config"]))
    arrays = {key.split("/", 1)[1]: REFERENCES[key] for key in REFERENCES.files if key.startswith(name + "/")}
    weights = [arrays[f"w{i}"] for i in range(sum(1 for key in arrays if key.startswith("w") and key[1:].isdigit()))]
    return meta, arrays, weights


def _make_layer(meta):
    kwargs = dict(meta["kwargs"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(layers, meta["class_name"])(**kwargs)


def _run(layer, meta, arrays, **extra):
    tensor = {key: torch.as_tensor(arrays[key]) for key in ("query", "value", "key") if key in arrays}
    call = dict(meta["call"], **extra)
    if meta["class_name"] == "MultiHeadAttention":
        if "key" in tensor:
            call["key"] = tensor["key"]
        if "attention_mask" in arrays:
            call["attention_mask"] = torch.as_tensor(arrays["attention_mask"])
        return layer(tensor["query"], tensor["value"], **call)
    inputs = [tensor["query"], tensor["value"]] + ([tensor["key"]] if "key" in tensor else [])
    if "query_mask" in arrays or "value_mask" in arrays:
        call["mask"] = [torch.as_tensor(arrays[key]) if key in arrays else None for key in ("query_mask", "value_mask")]
    return layer(inputs, **call)


@pytest.mark.parametrize("name", CASES)
def test_matches_tf_keras(name):
    meta, arrays, weights = _case(name)
    layer = _make_layer(meta)
    _run(layer, meta, arrays)  # builds
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in weights]
    layer.set_weights(weights)
    # Weight names as tf.keras names them (the layer's own name prefix aside).
    expected_names = [str(n).split("/", 1)[1] for n in arrays["weight_names"]]
    assert [w.name.split("/", 1)[1] for w in layer.weights] == expected_names
    output, scores = _run(layer, meta, arrays, return_attention_scores=True)
    np.testing.assert_allclose(output.detach().numpy(), arrays["y"], atol=ATOL)
    np.testing.assert_allclose(scores.detach().numpy(), arrays["scores"], atol=ATOL)
    # Without scores (and no dropout) the dot-product layers take torch's fused kernel: same numbers.
    fused = _run(layer, meta, arrays)
    np.testing.assert_allclose(fused.detach().numpy(), arrays["y"], atol=ATOL)
    config = {k: v for k, v in layer.get_config().items() if k not in ("name", "trainable", "dtype")}
    expected = dict(meta["config"])
    for key in ("kernel_initializer", "bias_initializer"):
        if key in expected:  # tf.keras 2.15 adds module/registered_name to nested configs
            expected[key] = {k: expected[key][k] for k in ("class_name", "config")}
    assert json.loads(json.dumps(config)) == expected


def test_attention_layer_test():
    query = np.random.RandomState(0).rand(2, 3, 4).astype("float32")
    value = np.random.RandomState(1).rand(2, 5, 4).astype("float32")
    layer_test(layers.Attention, kwargs=dict(use_scale=True), input_data=[query, value])
    layer_test(layers.Attention, kwargs=dict(score_mode="concat", dropout=0.2), input_data=[query, value, value])


def test_additive_attention_layer_test():
    query = np.random.RandomState(0).rand(2, 3, 4).astype("float32")
    value = np.random.RandomState(1).rand(2, 5, 4).astype("float32")
    layer_test(layers.AdditiveAttention, kwargs=dict(), input_data=[query, value])
    layer_test(layers.AdditiveAttention, kwargs=dict(use_scale=False), input_data=[query, value])


class SelfAttention(layers.MultiHeadAttention):
    """MultiHeadAttention on one input (layer_test passes one tensor)."""

    def __call__(self, inputs, value=None, **kwargs):
        return super().__call__(inputs, inputs if value is None else value, **kwargs)

    def compute_output_shape(self, input_shape):
        return super().compute_output_shape(input_shape, input_shape)


def test_multi_head_attention_layer_test():
    data = np.random.RandomState(0).rand(2, 4, 6).astype("float32")
    layer_test(
        SelfAttention,
        kwargs=dict(num_heads=2, key_dim=3, kernel_regularizer="l2", bias_constraint="non_neg"),
        input_data=data,
        custom_objects={"SelfAttention": SelfAttention},
    )
    layer_test(
        SelfAttention,
        kwargs=dict(num_heads=2, key_dim=2, value_dim=3, output_shape=(2, 2), dropout=0.3, use_bias=False),
        input_data=data,
        custom_objects={"SelfAttention": SelfAttention},
    )


def _mha_model():
    query = layers.Input((4, 6))
    value = layers.Input((5, 6))
    mask = layers.Input((4, 5))
    mha = layers.MultiHeadAttention(2, 3, name="mha")
    output = mha(query, value, attention_mask=mask)
    return models.Model([query, value, mask], output), mha


def _mha_data():
    rng = np.random.RandomState(3)
    mask = rng.rand(3, 4, 5) > 0.4
    mask[..., 0] = True
    return [rng.randn(3, 4, 6).astype("float32"), rng.randn(3, 5, 6).astype("float32"), mask.astype("float32")]


def test_functional_keyword_tensors_are_node_inputs_and_saved_as_tf_keras(tmp_path):
    model, mha = _mha_model()
    node = mha._inbound_nodes[0]
    assert [t._keras_history[0].name for t in node.keras_inputs] == [layer.name for layer in model.layers[:3]]
    config = model.get_config()
    inbound = config["layers"][-1]["inbound_nodes"]
    names = [layer.name for layer in model.layers[:3]]
    # tf.keras 2 writes the tensors after the first as keyword arguments of the first's entry.
    assert inbound == [[[names[0], 0, 0, {"value": [names[1], 0, 0], "attention_mask": [names[2], 0, 0]}]]]
    data = _mha_data()
    expected = model.predict(data)
    query, value, mask = (torch.as_tensor(d) for d in data)
    np.testing.assert_allclose(expected, mha(query, value, attention_mask=mask).detach().numpy(), atol=1e-6)
    rebuilt = models.Model.from_config(config)
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(rebuilt.predict(data), expected, atol=1e-6)
    path = str(tmp_path / "mha.h5")
    model.save(path)
    loaded = models.load_model(path)
    np.testing.assert_allclose(loaded.predict(data), expected, atol=1e-6)


def test_functional_positional_tensors_and_return_scores(tmp_path):
    query = layers.Input((4, 6))
    value = layers.Input((5, 6))
    output, scores = layers.MultiHeadAttention(2, 3)(query, value, return_attention_scores=True)
    assert output.shape == (None, 4, 6) and scores.shape == (None, 2, 4, 5)
    model = models.Model([query, value], [output, scores])
    data = _mha_data()[:2]
    out, sc = model.predict(data)
    np.testing.assert_allclose(sc.sum(-1), np.ones((3, 2, 4)), atol=1e-5)
    path = str(tmp_path / "scores.h5")
    model.save(path)
    loaded_out, loaded_scores = models.load_model(path).predict(data)
    np.testing.assert_allclose(loaded_out, out, atol=1e-6)
    np.testing.assert_allclose(loaded_scores, sc, atol=1e-6)


def test_keyword_tensor_from_a_deeper_branch_runs_after_it():
    query = layers.Input((4, 6))
    value = layers.Dense(6, name="deep")(layers.Dense(6)(query))
    output = layers.MultiHeadAttention(1, 2)(query=query, value=value)
    model = models.Model(query, output)
    names = [layer.name for layer in model.layers]
    assert names.index("deep") < len(names) - 1
    data = _mha_data()[0]
    expected = model.layers[-1](torch.as_tensor(data), model.layers[-2](model.layers[-3](torch.as_tensor(data))))
    np.testing.assert_allclose(model.predict(data), expected.detach().numpy(), atol=1e-6)


def test_symbolic_extra_positional_arguments_need_parameters():
    x = layers.Input((3,))
    with pytest.raises(TypeError, match="extra positional"):
        layers.Dense(2)(x, True, 3)


def test_loads_tf_keras_h5_and_predicts_the_same():
    model = models.load_model(os.path.join(DATA, "attention_tfk2.h5"))
    inputs = [REFERENCES["model/tokens"], REFERENCES["model/context"], REFERENCES["model/attention_mask"]]
    np.testing.assert_allclose(model.predict(inputs), REFERENCES["model/y_pred"], atol=ATOL)
    expected_names = [str(n) for n in REFERENCES["model/weight_names"]]
    assert [w.name for w in model.weights] == expected_names


def test_mha_training_step_and_dropout():
    model, mha = _mha_model()
    model.compile("adam", "mse")
    data = _mha_data()
    before = [w.copy() for w in model.get_weights()]
    model.train_on_batch(data, np.zeros((3, 4, 6), "float32"))
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    dropping = layers.MultiHeadAttention(2, 3, dropout=0.5)
    query, value = torch.as_tensor(data[0]), torch.as_tensor(data[1])
    inference = dropping(query, value)
    np.testing.assert_array_equal(dropping(query, value, training=False).detach(), inference.detach())
    torch.manual_seed(0)
    assert not torch.allclose(dropping(query, value, training=True), inference)


def test_attention_dropout_only_in_training():
    layer = layers.Attention(dropout=0.5)
    query, value = torch.randn(2, 3, 4), torch.randn(2, 6, 4)
    inference = layer([query, value])
    reference = torch.softmax(query @ value.transpose(1, 2), -1) @ value
    np.testing.assert_allclose(inference.numpy(), reference.numpy(), atol=1e-6)
    torch.manual_seed(0)
    assert not torch.allclose(layer([query, value], training=True), inference)


def test_attention_passes_query_mask_in_graph():
    query = layers.Input((3, 4))
    value = layers.Input((5, 4))
    masked_query = layers.Masking(0.0)(query)
    masked_value = layers.Masking(0.0)(value)
    output = layers.Attention()([masked_query, masked_value])
    model = models.Model([query, value], output)
    rng = np.random.RandomState(0)
    q, v = rng.randn(2, 3, 4).astype("float32"), rng.randn(2, 5, 4).astype("float32")
    q[0, 1] = 0.0
    v[1, 2:] = 0.0
    q_mask, v_mask = np.any(q != 0, -1), np.any(v != 0, -1)
    scores = q @ v.transpose(0, 2, 1) - 1e9 * (~v_mask[:, None, :])
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    expected = (weights @ v) * q_mask[..., None]
    np.testing.assert_allclose(model.predict([q, v]), expected, atol=1e-5)


def test_mha_reads_implicit_masks_in_graph():
    tokens = layers.Input((4,), dtype="int32")
    embedded = layers.Embedding(5, 6, mask_zero=True)(tokens)
    mha = layers.MultiHeadAttention(1, 2)
    model = models.Model(tokens, mha(embedded, embedded))
    ids = np.array([[1, 2, 0, 0], [3, 4, 2, 0]])
    x = model.layers[1](torch.as_tensor(ids))
    mask = torch.as_tensor(ids != 0)
    explicit = mha(x, x, attention_mask=mask[:, :, None] & mask[:, None, :])
    np.testing.assert_allclose(model.predict(ids), explicit.detach().numpy(), atol=1e-6)
    assert not np.allclose(model.predict(ids), mha(x, x).detach().numpy(), atol=1e-3)


def test_compute_output_shape_and_mask():
    mha = layers.MultiHeadAttention(2, 3, output_shape=(4, 2))
    assert mha.compute_output_shape((None, 5, 6), (None, 7, 6)) == (None, 5, 4, 2)
    with pytest.raises(ValueError, match="last dimension"):
        mha.compute_output_shape((None, 5, 6), (None, 7, 3))
    with pytest.raises(ValueError, match="except the last one"):
        mha.compute_output_shape((None, 5, 6), (None, 7, 6), (None, 8, 6))
    attention = layers.Attention()
    assert attention.compute_output_shape([(None, 3, 4), (None, 5, 4)]) == (None, 3, 4)
    query_mask = torch.tensor([[True, False, True]])
    assert attention.compute_mask([torch.zeros(1, 3, 4), torch.zeros(1, 5, 4)], [query_mask, None]) is query_mask


def test_deprecated_causal_argument_warns_and_masks():
    with pytest.warns(UserWarning, match="use_causal_mask"):
        layer = layers.Attention(causal=True)
    assert "causal" not in layer.get_config()
    query = torch.randn(1, 3, 2)
    _, scores = layer([query, query], return_attention_scores=True)
    assert torch.all(scores[0].triu(1) < 1e-6)


def test_invalid_arguments():
    with pytest.raises(ValueError, match="score_mode=bad"):
        layers.Attention(score_mode="bad")
    with pytest.raises(ValueError, match="must be called on a list"):
        layers.Attention()(torch.zeros(1, 2, 3))
    with pytest.raises(ValueError, match="length 2 or 3"):
        layers.AdditiveAttention()([torch.zeros(1, 2, 3)])
    with pytest.raises(ValueError, match="mask must be a list of length 2"):
        layers.Attention()([torch.zeros(1, 2, 3), torch.zeros(1, 2, 3)], mask=[None])
    with pytest.raises(ValueError, match="dropout=1.5"):
        layers.Attention(dropout=1.5)
    with pytest.raises(ValueError, match="num_heads=0"):
        layers.MultiHeadAttention(num_heads=0, key_dim=2)
    with pytest.raises(ValueError, match="key_dim=-1"):
        layers.MultiHeadAttention(num_heads=1, key_dim=-1)
    with pytest.raises(TypeError, match="`value` is missing"):
        layers.MultiHeadAttention(1, 2)(torch.zeros(1, 2, 3))


class _WeightedSum(layers.Layer):
    """A user layer whose call takes a second tensor positionally."""

    def call(self, inputs, other, scale=1.0):
        return inputs + scale * other


def test_symbolic_positional_tensor_of_any_layer_is_recorded_by_name(tmp_path):
    first = layers.Input((3,))
    second = layers.Input((3,))
    output = _WeightedSum(name="weighted")(first, second, 2.0)
    model = models.Model([first, second], output)
    entry = model.get_config()["layers"][-1]["inbound_nodes"][0][0]
    assert entry[3] == {"other": [model.layers[1].name, 0, 0], "scale": 2.0}
    a, b = np.ones((2, 3), "float32"), np.full((2, 3), 2.0, "float32")
    np.testing.assert_allclose(model.predict([a, b]), a + 2.0 * b)
    path = str(tmp_path / "user.h5")
    model.save(path)
    loaded = models.load_model(path, custom_objects={"_WeightedSum": _WeightedSum})
    np.testing.assert_allclose(loaded.predict([a, b]), a + 2.0 * b)
