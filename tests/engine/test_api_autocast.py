"""Layers cast the floating tensors of a list input to their dtype, as tf.keras 2.15 (generate_symbolic_api.py)."""

import os

import numpy as np
import torch

import kerastorch
from kerastorch import layers

REF = np.load(os.path.join(os.path.dirname(__file__), "..", "data", "symbolic_api_tfk2.npz"))
TF_DTYPES = dict(zip(REF["autocast_keys"].tolist(), REF["autocast_dtypes"].tolist()))


def _name(dtype):
    return kerastorch.backend.dtype_name(dtype)


def test_list_inputs_take_the_layer_dtype():
    f32, f64 = torch.ones(2, 3), torch.ones(2, 3, dtype=torch.float64)
    assert _name(layers.Add(dtype="float64")([f32, f32]).dtype) == TF_DTYPES["add_float64"]
    concatenated = layers.Concatenate()([f32, f64])
    assert _name(concatenated.dtype) == TF_DTYPES["concatenate_mixed"]
    assert _name(layers.Add()([torch.ones(2, 3, dtype=torch.int32)] * 2).dtype) == TF_DTYPES["add_int32"]
    symbolic = layers.Concatenate()([kerastorch.Input((3,)), kerastorch.Input((3,), dtype="float64")])
    assert symbolic.dtype == TF_DTYPES["symbolic_concatenate_mixed"]
    np.testing.assert_array_equal(concatenated.numpy(), np.ones((2, 6), "float32"))


def test_single_tensor_of_the_layer_dtype_passes_unchanged():
    tensor = torch.ones(2, 3)
    assert layers.Activation("linear")(tensor) is tensor
