"""Symbolic masks: KerasTensors of mask-producing layers carry `_keras_mask`, as tf.keras 2.15 (shapes
from tests/data/generate_symbolic_api.py)."""

import os

import numpy as np
import torch

import kerastorch
from kerastorch import layers
from kerastorch.models import Model

REF = np.load(os.path.join(os.path.dirname(__file__), "..", "data", "symbolic_api_tfk2.npz"))


def _shape_of(mask):
    return None if mask is None else tuple(mask.shape)


def _reference(name):
    shape = REF[f"mask_shape_{name}"]
    return None if shape.size == 0 else tuple(None if d == -1 else int(d) for d in shape)


def _graph():
    tokens = kerastorch.Input((4,), name="tok")
    embedding = layers.Embedding(10, 3, mask_zero=True, name="emb")
    embedded = embedding(tokens)
    lstm = layers.LSTM(2, return_sequences=True, return_state=True, name="lstm")
    sequence, state_h, state_c = lstm(embedded)
    flatten = layers.Flatten(name="flat")
    flat = flatten(sequence)
    return tokens, embedding, embedded, lstm, (sequence, state_h, state_c), flatten, flat


def test_symbolic_masks_have_tf_keras_shapes():
    tokens, embedding, embedded, lstm, (sequence, state_h, _), _, flat = _graph()
    masked = layers.Masking(name="mk")(kerastorch.Input((None, 3)))
    concatenated = layers.Concatenate()([embedded, embedded])
    found = {
        "embedding": embedded._keras_mask,
        "lstm_sequence": sequence._keras_mask,
        "lstm_state": state_h._keras_mask,
        "flatten": flat._keras_mask,
        "masking": masked._keras_mask,
        "concatenate": concatenated._keras_mask,
    }
    for name, mask in found.items():
        assert _shape_of(mask) == _reference(name), name
        if mask is not None:
            assert isinstance(mask, kerastorch.engine.keras_tensor.KerasTensor) and mask.dtype == "bool", name
    assert tokens._keras_mask is None


def test_layer_mask_properties_are_symbolic():
    tokens, embedding, embedded, lstm, outputs, flatten, flat = _graph()
    assert embedding.input_mask is None
    assert embedding.output_mask is embedded._keras_mask
    assert embedding.get_output_mask_at(0) is embedded._keras_mask
    assert lstm.input_mask is embedded._keras_mask
    assert [_shape_of(mask) for mask in lstm.output_mask] == [(None, 4), None, None]
    assert flatten.input_mask is outputs[0]._keras_mask and flatten.output_mask is None
    dense = layers.Dense(2)
    dense(outputs[0])
    assert dense.output_mask is outputs[0]._keras_mask  # passed on: Dense supports masking


def test_model_compute_mask_on_symbolic_inputs():
    tokens, _, _, _, outputs, _, flat = _graph()
    model = Model(tokens, [outputs[0], flat])
    for masks in (model.compute_mask(tokens, None), model.compute_mask([tokens], [None]), model.output_mask):
        assert [_shape_of(mask) for mask in masks] == [(None, 4), None]
    assert model.input_mask is None
    # A model called on new inputs: its output carries the mask, as tf.keras.
    nested = Model(tokens, outputs[0])
    assert _shape_of(nested(kerastorch.Input((4,)))._keras_mask) == (None, 4)
    # Given input masks propagate through a model without mask-making layers.
    x = kerastorch.Input((4, 3))
    plain = Model(x, layers.Dense(2)(x))
    mask = kerastorch.Input((4,), dtype="bool")
    assert plain.compute_mask(x, mask) is mask


def test_concrete_masks_are_unchanged():
    tokens, _, _, _, outputs, _, _ = _graph()
    model = Model(tokens, outputs[0])
    data = np.array([[1, 2, 0, 0], [3, 0, 0, 0]], "int32")
    mask = model.compute_mask(torch.as_tensor(data), None)
    np.testing.assert_array_equal(mask.numpy(), data != 0)
