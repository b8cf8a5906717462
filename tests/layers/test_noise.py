"""Noise layers: identity in inference, Keras formulas in training, reproducible seeds, layer_test."""

import math

import numpy as np
import pytest
import torch

from kerastorch.layers import noise
from kerastorch.utils.test_utils import layer_test

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


@pytest.mark.parametrize(
    "layer",
    [noise.GaussianNoise(0.5), noise.GaussianDropout(0.3), noise.AlphaDropout(0.3)],
    ids=lambda layer: type(layer).__name__,
)
def test_noise_layers_are_identity_in_inference(layer):
    x = torch.randn(4, 5)
    assert torch.equal(layer(x, training=False), x)
    layer.eval()
    assert torch.equal(layer(x), x)


def test_gaussian_noise_statistics():
    x = torch.full((400, 250), 2.0)
    noise_values = (noise.GaussianNoise(0.3)(x, training=True) - x).numpy()
    assert abs(noise_values.mean()) < 0.01
    assert abs(noise_values.std() - 0.3) < 0.01


def test_gaussian_dropout_statistics():
    rate = 0.2
    x = torch.full((400, 250), 3.0)
    factors = (noise.GaussianDropout(rate)(x, training=True) / x).numpy()
    assert abs(factors.mean() - 1.0) < 0.01
    assert abs(factors.std() - math.sqrt(rate / (1 - rate))) < 0.01


def test_alpha_dropout_values_follow_keras_formula():
    rate = 0.25
    alpha_p = -SELU_ALPHA * SELU_SCALE
    a = ((1 - rate) * (1 + rate * alpha_p**2)) ** -0.5
    b = -a * alpha_p * rate
    x = torch.rand(300, 200) + 1.0
    y = noise.AlphaDropout(rate)(x, training=True)
    kept_value = a * x + b
    dropped_value = torch.full_like(x, a * alpha_p + b)
    kept = torch.isclose(y, kept_value, rtol=1e-6, atol=1e-6)
    dropped = torch.isclose(y, dropped_value, rtol=1e-6, atol=1e-6)
    assert bool((kept | dropped).all())
    assert abs(dropped.float().mean().item() - rate) < 0.01


def test_alpha_dropout_keeps_selu_moments():
    x = torch.randn(500, 400)
    x = SELU_SCALE * torch.where(x > 0, x, SELU_ALPHA * (torch.exp(x) - 1))
    y = noise.AlphaDropout(0.2)(x, training=True)
    assert abs(y.mean().item() - x.mean().item()) < 0.02
    assert abs(y.std().item() - x.std().item()) < 0.02


def test_alpha_dropout_noise_shape_and_seed():
    layer = noise.AlphaDropout(0.5, noise_shape=(None, 1, 4), seed=11)
    x = torch.ones(6, 3, 4)
    y = layer(x, training=True)
    assert torch.equal(y, y[:, :1, :].expand_as(y))
    again = noise.AlphaDropout(0.5, noise_shape=(None, 1, 4), seed=11)(x, training=True)
    assert torch.equal(y, again)


def test_seeded_gaussian_layers_are_reproducible():
    x = torch.ones(3, 7)
    assert torch.equal(
        noise.GaussianNoise(1.0, seed=4)(x, training=True), noise.GaussianNoise(1.0, seed=4)(x, training=True)
    )
    assert torch.equal(
        noise.GaussianDropout(0.5, seed=4)(x, training=True), noise.GaussianDropout(0.5, seed=4)(x, training=True)
    )


def test_validation_errors():
    with pytest.raises(ValueError, match="GaussianNoise expects `stddev` to be a float >= 0. Received: stddev=-1"):
        noise.GaussianNoise(-1)
    with pytest.raises(ValueError, match="received for `rate` of GaussianDropout"):
        noise.GaussianDropout(1.5)
    with pytest.raises(ValueError, match="received for `rate` of AlphaDropout"):
        noise.AlphaDropout(-0.5)


def test_rate_zero_is_identity_in_training():
    x = torch.randn(3, 4)
    assert torch.equal(noise.GaussianDropout(0.0)(x, training=True), x)
    assert torch.equal(noise.AlphaDropout(0.0)(x, training=True), x)


@pytest.mark.parametrize(
    "cls, kwargs, input_shape",
    [
        (noise.GaussianNoise, {"stddev": 0.5}, (3, 4)),
        (noise.GaussianNoise, {"stddev": 0.1, "seed": 3}, (3, 2, 4)),
        (noise.GaussianDropout, {"rate": 0.3}, (3, 4)),
        (noise.AlphaDropout, {"rate": 0.3}, (3, 4)),
        (noise.AlphaDropout, {"rate": 0.3, "noise_shape": [None, 1, 2], "seed": 1}, (3, 4, 2)),
    ],
)
def test_layer_test_noise(cls, kwargs, input_shape):
    np.random.seed(0)
    layer_test(cls, kwargs=kwargs, input_shape=input_shape)
