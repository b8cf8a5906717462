"""K.gradients on symbolic tensors and weights, evaluated by K.function, against plain torch autograd."""

import numpy as np
import pytest
import torch

from kerastorch import backend as K
from kerastorch.layers import Conv2D
from kerastorch.layers import Dense
from kerastorch.layers import Input
from kerastorch.models import Model


def _conv_model():
    torch.manual_seed(0)
    inputs = Input((6, 6, 2))
    hidden = Conv2D(3, 3, activation="tanh", name="c1")(inputs)
    outputs = Conv2D(2, 3, name="c2")(hidden)
    return Model(inputs, outputs)


def _torch_forward(model, x):
    """The model's computation written in plain torch from its Keras-layout weights."""
    k1, b1, k2, b2 = [torch.tensor(w) for w in model.get_weights()]
    h = torch.nn.functional.conv2d(x.permute(0, 3, 1, 2), k1.permute(3, 2, 0, 1), b1).tanh()
    return torch.nn.functional.conv2d(h, k2.permute(3, 2, 0, 1), b2).permute(0, 2, 3, 1), h.permute(0, 2, 3, 1)


def test_gradient_with_respect_to_the_input_matches_torch():
    model = _conv_model()
    loss = K.mean(model.output[:, :, :, 1])
    grads = K.gradients(loss, model.input)[0]
    normalized = grads / (K.sqrt(K.mean(K.square(grads))) + 1e-5)
    iterate = K.function([model.input], [loss, grads, normalized])
    data = np.random.RandomState(1).normal(size=(2, 6, 6, 2)).astype("float32")
    loss_value, grads_value, normalized_value = iterate([data])

    x = torch.tensor(data, requires_grad=True)
    expected_loss = _torch_forward(model, x)[0][..., 1].mean()
    (expected,) = torch.autograd.grad(expected_loss, x)
    expected = expected.numpy()
    np.testing.assert_allclose(loss_value, expected_loss.item(), rtol=1e-5)
    np.testing.assert_allclose(grads_value, expected, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(
        normalized_value, expected / (np.sqrt(np.mean(expected**2)) + 1e-5), rtol=1e-4, atol=1e-6
    )


def test_gradient_with_respect_to_a_layer_output_and_weights():
    model = _conv_model()
    hidden = model.get_layer("c1").output
    loss = K.sum(K.square(model.output))
    grad_hidden, grad_kernel, grad_bias = K.gradients(loss, [hidden] + model.get_layer("c2").trainable_weights)
    values = K.function([model.input], [grad_hidden, grad_kernel, grad_bias])
    data = np.random.RandomState(2).normal(size=(1, 6, 6, 2)).astype("float32")
    got_hidden, got_kernel, got_bias = values([data])

    k1, b1, k2, b2 = [torch.tensor(w, requires_grad=True) for w in model.get_weights()]
    h = torch.nn.functional.conv2d(torch.tensor(data).permute(0, 3, 1, 2), k1.permute(3, 2, 0, 1), b1).tanh()
    h.retain_grad()
    out = torch.nn.functional.conv2d(h, k2.permute(3, 2, 0, 1), b2)
    out.square().sum().backward()
    np.testing.assert_allclose(got_hidden, h.grad.permute(0, 2, 3, 1).numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got_bias, b2.grad.numpy(), rtol=1e-4, atol=1e-6)
    # The kernel's gradient has the shape of the weight object it is taken for.
    kernel = model.get_layer("c2").trainable_weights[0]
    assert got_kernel.shape == tuple(kernel.shape)
    expected_kernel = k2.grad if got_kernel.shape == tuple(k2.shape) else k2.grad.permute(3, 2, 0, 1)
    np.testing.assert_allclose(got_kernel, expected_kernel.numpy(), rtol=1e-4, atol=1e-6)


def test_unconnected_entries_are_none():
    a = Input((3,))
    b = Input((3,))
    dense = Dense(2)
    loss = K.sum(dense(a))
    other = Dense(1)
    other(b)
    grads = K.gradients(loss, [b, a, other.kernel])
    assert grads[0] is None and grads[2] is None
    value = K.function([a], [grads[1]])([np.ones((4, 3), "float32")])[0]
    np.testing.assert_allclose(value, np.tile(K.get_value(dense.kernel).sum(axis=1), (4, 1)), rtol=1e-6)


def test_symbolic_gradients_need_autograd():
    inputs = Input((3,))
    grads = K.gradients(K.sum(Dense(2)(inputs)), inputs)[0]
    model = Model(inputs, grads)
    with pytest.raises(ValueError, match="K.function"):
        model.predict(np.ones((2, 3), "float32"), verbose=0)


def test_concrete_gradients_of_one_tensor_can_be_differentiated():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (grad,) = K.gradients(K.sum(x**3), x)
    np.testing.assert_allclose(grad.detach().numpy(), [3.0, 12.0, 27.0])
    # tf.gradients results are differentiable: d/dx sum(3x^2) = 6x (a gradient penalty trains).
    (second,) = torch.autograd.grad(grad.sum(), x)
    np.testing.assert_allclose(second.numpy(), [6.0, 12.0, 18.0])
