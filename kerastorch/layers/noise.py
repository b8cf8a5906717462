"""Noise layers, active only in training: GaussianNoise, GaussianDropout, AlphaDropout."""

import math

from kerastorch.engine.layer import Layer
from kerastorch.layers import core_dropout

__all__ = ["GaussianNoise", "GaussianDropout", "AlphaDropout"]

# SELU constants (Klambauer et al., 2017), as in Keras.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class GaussianNoise(Layer):
    """Adds zero-centered Gaussian noise of standard deviation `stddev` in training.

    Args:
        stddev: float, standard deviation of the noise.
        seed: integer seed for reproducible noise.

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:
        >>> layer = GaussianNoise(0.1)
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if stddev is None or stddev < 0:
            raise ValueError(f"GaussianNoise expects `stddev` to be a float >= 0. Received: stddev={stddev!r}")
        self.stddev = float(stddev)
        self.seed = seed
        self._noise = core_dropout._SeededNoise(seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not (self.training if training is None else training):
            return inputs
        return inputs + self._noise.normal(inputs.shape, inputs) * self.stddev

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config


class GaussianDropout(Layer):
    """Multiplies the inputs by Gaussian noise of mean 1 and variance `rate / (1 - rate)` in training.

    Args:
        rate: float in [0, 1), the equivalent drop probability.
        seed: integer seed for reproducible noise.

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:
        >>> layer = GaussianDropout(0.2)
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = core_dropout._validate_rate("GaussianDropout", rate)
        self.seed = seed
        self._noise = core_dropout._SeededNoise(seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        # Keras applies the noise only for 0 < rate < 1.
        if not (self.training if training is None else training) or not 0.0 < self.rate < 1.0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return inputs * (1.0 + self._noise.normal(inputs.shape, inputs) * stddev)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config


class AlphaDropout(Layer):
    """Dropout that keeps the mean and variance of SELU activations (dropped units are set to -alpha*scale).

    In training, each unit is kept with probability `1 - rate`; dropped units take the SELU
    saturation value `alpha' = -1.7581`, then `a * x + b` restores the mean and variance with
    `a = ((1 - rate) * (1 + rate * alpha'^2)) ** -0.5` and `b = -a * alpha' * rate`.

    Args:
        rate: float in [0, 1), drop probability.
        noise_shape: shape of the binary mask (None entries take the input's size).
        seed: integer seed for reproducible masks.

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:
        >>> layer = AlphaDropout(0.1)
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = core_dropout._validate_rate("AlphaDropout", rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._noise = core_dropout._SeededNoise(seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not (self.training if training is None else training) or not 0.0 < self.rate < 1.0:
            return inputs
        rate = self.rate
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        shape = core_dropout._concrete_noise_shape(self.noise_shape, inputs)
        kept = (self._noise.uniform(shape, inputs) >= rate).to(inputs.dtype)
        a = ((1.0 - rate) * (1.0 + rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * rate
        x = inputs * kept + alpha_p * (1.0 - kept)
        return a * x + b

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "rate": self.rate,
                "noise_shape": None if self.noise_shape is None else list(self.noise_shape),
                "seed": self.seed,
            }
        )
        return config
