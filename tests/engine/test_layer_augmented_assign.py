"""A user layer whose `call` does `inputs -= m` (a new tensor in Keras) leaves its input as it was."""

import numpy as np
import torch

from kerastorch import backend as K
from kerastorch import layers
from kerastorch.models import Model


class Centre(layers.Layer):
    def call(self, inputs):
        inputs -= K.mean(inputs, axis=1, keepdims=True)
        return inputs


def _centred(x):
    return x - x.mean(axis=1, keepdims=True)


def test_the_callers_array_is_not_written():
    a = np.arange(6, dtype="float32").reshape(2, 3)
    out = Centre()(a)
    np.testing.assert_array_equal(a, np.arange(6, dtype="float32").reshape(2, 3))
    np.testing.assert_allclose(K.get_value(out), [[-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0]])


def test_a_shared_input_keeps_its_value_and_trains():
    torch.manual_seed(0)
    inp = layers.Input((3,))
    dense = layers.Dense(3, activation="relu")
    h = dense(inp)
    model = Model(inp, layers.add([h, Centre()(h)]))
    x = np.random.RandomState(0).normal(size=(4, 3)).astype("float32")
    kernel, bias = dense.get_weights()
    hidden = np.maximum(x @ kernel + bias, 0)
    np.testing.assert_allclose(model.predict(x), hidden + _centred(hidden), rtol=1e-5, atol=1e-6)
    model.compile("sgd", "mse")
    loss = model.train_on_batch(x, x)  # a relu output changed in place would break backward
    assert np.isfinite(loss)


def test_layers_without_augmented_assignment_get_their_input_itself():
    seen = []

    class Keep(layers.Layer):
        def call(self, inputs):
            seen.append(inputs)
            return inputs - 1.0

    x = torch.ones(2, 3)
    Keep()(x)
    assert seen[0] is x
    assert Centre()._call_copies_inputs and not Keep()._call_copies_inputs
