"""Writes tests/data/attention_references.npz and attention_tfk2.h5: tf.keras 2.15 attention layers.

Run with a Python that has TensorFlow 2.15 (tf.keras 2), from the repository root:

    TF_CPP_MIN_LOG_LEVEL=3 python tests/data/generate_attention.py

Every eager case stores `<case>/config` (JSON: class name, constructor arguments and call
arguments), the inputs `<case>/query`, `<case>/value`, optionally `<case>/key`,
`<case>/query_mask`, `<case>/value_mask`, `<case>/attention_mask`, the weights `<case>/w<i>`
(tf.keras layout and `get_weights()` order, with their names in `<case>/weight_names`), the
output `<case>/y` and the attention scores `<case>/scores`.

`attention_tfk2.h5` is a functional model saved by tf.keras: token ids through
Embedding(mask_zero=True), a cross MultiHeadAttention with an explicit attention_mask input, a
causal self MultiHeadAttention (implicit masks) and an Attention layer; `model/*` entries of the
npz hold its inputs and predictions. Not imported by the tests.
"""

import json
import os

import numpy as np
import tensorflow as tf
from tensorflow import keras

assert tf.__version__ < "2.16", "tf.keras 2 is needed (TensorFlow <= 2.15)"

HERE = os.path.dirname(os.path.abspath(__file__))

# name, class, constructor kwargs, call kwargs, shapes {query, value, key}, masks
CASES = [
    ("att_dot_masks", "Attention", {}, {}, dict(query=(2, 3, 4), value=(2, 5, 4)), ("query_mask", "value_mask")),
    (
        "att_dot_scale_key_causal",
        "Attention",
        dict(use_scale=True),
        dict(use_causal_mask=True),
        dict(query=(2, 4, 3), value=(2, 4, 3), key=(2, 4, 3)),
        (),
    ),
    (
        "att_concat_scale_masks",
        "Attention",
        dict(use_scale=True, score_mode="concat"),
        {},
        dict(query=(2, 3, 4), value=(2, 5, 4)),
        ("value_mask",),
    ),
    (
        "att_concat_causal",
        "Attention",
        dict(score_mode="concat"),
        dict(use_causal_mask=True),
        dict(query=(2, 4, 3), value=(2, 5, 3)),
        ("query_mask",),
    ),
    ("att_deprecated_causal", "Attention", dict(causal=True), {}, dict(query=(2, 4, 3), value=(2, 4, 3)), ()),
    (
        "add_scale_masks",
        "AdditiveAttention",
        {},
        {},
        dict(query=(2, 3, 4), value=(2, 5, 4)),
        ("query_mask", "value_mask"),
    ),
    (
        "add_noscale_key_causal",
        "AdditiveAttention",
        dict(use_scale=False),
        dict(use_causal_mask=True),
        dict(query=(2, 4, 3), value=(2, 4, 3), key=(2, 4, 3)),
        (),
    ),
    ("mha_basic", "MultiHeadAttention", dict(num_heads=2, key_dim=3), {}, dict(query=(2, 4, 6), value=(2, 5, 6)), ()),
    (
        "mha_mask_causal",
        "MultiHeadAttention",
        dict(num_heads=3, key_dim=2),
        dict(use_causal_mask=True),
        dict(query=(2, 4, 6), value=(2, 5, 6)),
        ("attention_mask",),
    ),
    (
        "mha_key_vdim_outshape_nobias",
        "MultiHeadAttention",
        dict(num_heads=2, key_dim=3, value_dim=4, output_shape=(3, 2), use_bias=False),
        {},
        dict(query=(2, 4, 6), value=(2, 5, 6), key=(2, 5, 7)),
        ("attention_mask",),
    ),
    (
        "mha_axes_2",
        "MultiHeadAttention",
        dict(num_heads=2, key_dim=2, attention_axes=(2,)),
        {},
        dict(query=(2, 3, 4, 5), value=(2, 3, 2, 5)),
        (),
    ),
    (
        "mha_axes_12_mask",
        "MultiHeadAttention",
        dict(num_heads=2, key_dim=2, attention_axes=(1, 2)),
        {},
        dict(query=(2, 3, 4, 5), value=(2, 2, 3, 5)),
        ("attention_mask",),
    ),
    (
        "mha_output_int",
        "MultiHeadAttention",
        dict(num_heads=1, key_dim=4, output_shape=3),
        {},
        dict(query=(3, 2, 5), value=(3, 6, 5)),
        (),
    ),
]


def _random_mask(rng, shape):
    mask = rng.random(shape) > 0.35
    mask[..., 0] = True  # keep one position per row so nothing is fully masked
    return mask


def _mha_mask_shape(kwargs, shapes):
    query, value = shapes["query"], shapes["value"]
    axes = kwargs.get("attention_axes")
    if axes is None:
        return (query[0], query[1], value[1])
    batch = [query[i] for i in range(1, len(query) - 1) if i not in axes]
    return (query[0], *batch, *[query[i] for i in axes], *[value[i] for i in axes])


def run_case(rng, store, name, class_name, kwargs, call_kwargs, shapes, masks):
    layer = getattr(keras.layers, class_name)(**kwargs)
    tensors = {key: rng.standard_normal(shape).astype("float32") for key, shape in shapes.items()}
    for key, value in tensors.items():
        store[f"{name}/{key}"] = value
    mask_values = {}
    if "query_mask" in masks or "value_mask" in masks:
        batch, length_q, length_v = shapes["query"][0], shapes["query"][1], shapes["value"][1]
        mask_values["query_mask"] = _random_mask(rng, (batch, length_q)) if "query_mask" in masks else None
        mask_values["value_mask"] = _random_mask(rng, (batch, length_v)) if "value_mask" in masks else None
    if "attention_mask" in masks:
        mask_values["attention_mask"] = _random_mask(rng, _mha_mask_shape(kwargs, shapes))
    for key, value in mask_values.items():
        if value is not None:
            store[f"{name}/{key}"] = value
    if class_name == "MultiHeadAttention":
        args = [tensors["query"], tensors["value"]]
        extra = {"key": tensors["key"]} if "key" in tensors else {}
        if "attention_mask" in mask_values:
            extra["attention_mask"] = mask_values["attention_mask"]
        layer(*args, **extra, **call_kwargs)  # builds
        weights = [rng.standard_normal(w.shape).astype("float32") * 0.5 for w in layer.get_weights()]
        layer.set_weights(weights)
        y, scores = layer(*args, **extra, **call_kwargs, return_attention_scores=True)
    else:
        inputs = [tensors["query"], tensors["value"]] + ([tensors["key"]] if "key" in tensors else [])
        mask = None
        if mask_values:
            mask = [mask_values["query_mask"], mask_values["value_mask"]]
        layer(inputs, mask=mask, **call_kwargs)
        weights = [(1.0 + 0.5 * rng.standard_normal(w.shape)).astype("float32") for w in layer.get_weights()]
        layer.set_weights(weights)
        y, scores = layer(inputs, mask=mask, return_attention_scores=True, **call_kwargs)
    for index, weight in enumerate(weights):
        store[f"{name}/w{index}"] = weight
    store[f"{name}/weight_names"] = np.array([w.name for w in layer.weights])
    store[f"{name}/y"] = y.numpy()
    store[f"{name}/scores"] = scores.numpy()
    config = {k: v for k, v in layer.get_config().items() if k not in ("name", "trainable", "dtype")}
    store[f"{name}/config"] = np.array(
        json.dumps(
            {"class_name": class_name, "kwargs": kwargs, "call": call_kwargs, "config": config},
            default=lambda value: value.as_list(),
        )
    )


def functional_model(rng, store):
    tokens = keras.Input((5,), dtype="int32", name="tokens")
    context = keras.Input((6, 8), name="context")
    attention_mask = keras.Input((5, 6), name="attention_mask")
    x = keras.layers.Embedding(12, 8, mask_zero=True, name="embed")(tokens)
    a = keras.layers.MultiHeadAttention(2, 4, name="cross")(x, context, attention_mask=attention_mask)
    b = keras.layers.MultiHeadAttention(2, 3, value_dim=2, name="self")(a, a, use_causal_mask=True)
    c = keras.layers.Attention(use_scale=True, name="luong")([b, x])
    out = keras.layers.Dense(3, name="head")(c)
    model = keras.Model([tokens, context, attention_mask], out)
    model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.5 for w in model.get_weights()])
    ids = rng.integers(1, 12, size=(4, 5)).astype("int32")
    ids[0, 3:] = 0
    ids[1, 4:] = 0
    ids[2, :] = 0
    ids[2, 1] = 7
    ctx = rng.standard_normal((4, 6, 8)).astype("float32")
    amask = _random_mask(rng, (4, 5, 6)).astype("float32")
    store["model/tokens"] = ids
    store["model/context"] = ctx
    store["model/attention_mask"] = amask
    store["model/y_pred"] = model.predict([ids, ctx, amask], verbose=0)
    store["model/weight_names"] = np.array([w.name for w in model.weights])
    model.save(os.path.join(HERE, "attention_tfk2.h5"))


def main():
    rng = np.random.default_rng(1234)
    store = {}
    for case in CASES:
        run_case(rng, store, *case)
    functional_model(rng, store)
    np.savez_compressed(os.path.join(HERE, "attention_references.npz"), **store)


if __name__ == "__main__":
    main()
