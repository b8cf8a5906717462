"""Backend behaviours checked against tf.keras 2.15 (`tf.keras.backend`)."""

import numpy as np
import torch

from kerastorch import backend as K


def test_variable_copies_the_numpy_value():
    value = np.ones(3, "float32")
    variable = K.variable(value)
    K.set_value(variable, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(value, [1.0, 1.0, 1.0])
    value[0] = 7.0
    np.testing.assert_array_equal(K.get_value(variable), [2.0, 2.0, 2.0])


def test_get_value_returns_a_copy():
    variable = K.variable(np.ones((2, 2), "float32"))
    before = K.get_value(variable)
    K.set_value(variable, np.full((2, 2), 5.0, "float32"))
    np.testing.assert_array_equal(before, np.ones((2, 2)))
    after = K.get_value(variable)
    after[0, 0] = 9.0
    np.testing.assert_array_equal(K.get_value(variable), np.full((2, 2), 5.0))
    weights = K.batch_get_value([variable])
    weights[0][1, 1] = -1.0
    assert float(variable[1, 1]) == 5.0


def test_get_value_of_a_tensor_is_independent():
    tensor = torch.zeros(3)
    value = K.get_value(tensor)
    tensor.add_(1.0)
    np.testing.assert_array_equal(value, [0.0, 0.0, 0.0])


def test_constant_copies_the_numpy_value():
    value = np.array([1.0, 2.0], "float32")
    constant = K.constant(value)
    value[0] = 5.0
    np.testing.assert_array_equal(K.get_value(constant), [1.0, 2.0])
