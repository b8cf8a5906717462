"""Dropout layers: Dropout and SpatialDropout1D/2D/3D, and the seeded noise they share with `noise`."""

import numpy as np
import torch
import torch.nn.functional as F

from kerastorch import backend
from kerastorch.engine.layer import InputSpec
from kerastorch.engine.layer import Layer

__all__ = [
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
]


# ---------------------------------------------------------------------------------------------
# Private helpers shared by the dropout layers (and by noise.py).
# ---------------------------------------------------------------------------------------------
def _validate_rate(layer_name, rate):
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.integer, np.floating)):
        raise TypeError(f"{layer_name} expects `rate` to be a float in [0, 1]. Received: rate={rate!r}")
    if not 0 <= rate <= 1:
        raise ValueError(
            f"Invalid value {rate!r} received for `rate` of {layer_name}, expected a value between 0 and 1."
        )
    return float(rate)


class _SeededNoise:
    """Per-device torch.Generator seeded once, so a layer built with `seed=` draws a reproducible sequence."""

    def __init__(self, seed):
        self.seed = seed
        self._generators = {}

    def generator(self, device):
        if self.seed is None:
            return None
        key = str(device)
        generator = self._generators.get(key)
        if generator is None:
            generator = torch.Generator(device=device)
            generator.manual_seed(int(self.seed))
            self._generators[key] = generator
        return generator

    def uniform(self, shape, like):
        return torch.rand(shape, dtype=like.dtype, device=like.device, generator=self.generator(like.device))

    def normal(self, shape, like):
        return torch.randn(shape, dtype=like.dtype, device=like.device, generator=self.generator(like.device))


def _concrete_noise_shape(noise_shape, inputs):
    """`noise_shape` with its None entries replaced by the input's sizes (Keras's _get_noise_shape)."""
    if noise_shape is None:
        return tuple(inputs.shape)
    if len(noise_shape) != inputs.dim():
        raise ValueError(
            f"`noise_shape` {tuple(noise_shape)} must have the rank of the input; got an input of shape "
            f"{tuple(inputs.shape)}."
        )
    return tuple(int(inputs.shape[i]) if size is None else int(size) for i, size in enumerate(noise_shape))


# ---------------------------------------------------------------------------------------------
# Dropout family
# ---------------------------------------------------------------------------------------------
class Dropout(Layer):
    """Inverted dropout: in training, zeroes inputs with probability `rate` and scales the rest by 1/(1-rate).

    Args:
        rate: float in [0, 1], fraction of the inputs to drop.
        noise_shape: shape of the binary mask broadcast over the inputs (None entries take the input's
            size), e.g. `(batch_size, 1, features)` to drop the same features at every timestep.
        seed: integer seed for a reproducible sequence of masks.

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:
        >>> layer = Dropout(0.5)
        >>> layer(np.ones((2, 4), "float32"), training=False)
        tensor([[1., 1., 1., 1.],
                [1., 1., 1., 1.]])
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _validate_rate(type(self).__name__, rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._noise = _SeededNoise(seed)
        # torch's fused dropout draws the same Bernoulli(1 - rate) mask and 1/(1 - rate) scaling.
        self._fused = self.noise_shape is None and seed is None
        self.supports_masking = True

    def _get_noise_shape(self, inputs):
        return _concrete_noise_shape(self.noise_shape, inputs)

    def call(self, inputs, training=None):
        if not (self.training if training is None else training) or self.rate == 0.0:
            return inputs
        if self._fused:
            return F.dropout(inputs, self.rate, True)
        if self.rate >= 1.0:
            return inputs * 0.0
        keep = self._noise.uniform(self._get_noise_shape(inputs), inputs) >= self.rate
        return inputs * (keep.to(inputs.dtype) / (1.0 - self.rate))

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


class _SpatialDropout(Dropout):
    """Dropout of whole feature maps: the mask is shared over all non-channel axes."""

    _rank = None

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        noise_shape = kwargs.pop("noise_shape", None)
        if noise_shape is not None:
            raise ValueError(
                f"{type(self).__name__} derives its noise shape from the input; `noise_shape` must be None. "
                f"Received: noise_shape={noise_shape!r}"
            )
        super().__init__(rate, seed=seed, **kwargs)
        self._fused = False
        self.data_format = backend.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self._rank)

    def _get_noise_shape(self, inputs):
        shape = list(inputs.shape)
        channel_axis = 1 if self.data_format == "channels_first" else inputs.dim() - 1
        return tuple(shape[i] if i in (0, channel_axis) else 1 for i in range(inputs.dim()))

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Drops entire 1D feature maps (channels) instead of single elements.

    Args:
        rate: float in [0, 1], fraction of the channels to drop.
        seed: integer seed for reproducible masks.

    Input shape:
        3D tensor `(samples, timesteps, channels)`.

    Output shape:
        Same as the input.

    Example:
        >>> layer = SpatialDropout1D(0.2)
    """

    _rank = 3

    def __init__(self, rate, seed=None, **kwargs):
        kwargs.pop("data_format", None)
        super().__init__(rate, data_format="channels_last", seed=seed, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("data_format", None)
        return config


class SpatialDropout2D(_SpatialDropout):
    """Drops entire 2D feature maps (channels) instead of single elements.

    Args:
        rate: float in [0, 1], fraction of the channels to drop.
        data_format: 'channels_last' (default from `image_data_format()`) or 'channels_first'.
        seed: integer seed for reproducible masks.

    Input shape:
        4D tensor `(samples, rows, cols, channels)` (channels_last) or `(samples, channels, rows, cols)`.

    Output shape:
        Same as the input.

    Example:
        >>> layer = SpatialDropout2D(0.2)
    """

    _rank = 4


class SpatialDropout3D(_SpatialDropout):
    """Drops entire 3D feature maps (channels) instead of single elements.

    Args:
        rate: float in [0, 1], fraction of the channels to drop.
        data_format: 'channels_last' (default from `image_data_format()`) or 'channels_first'.
        seed: integer seed for reproducible masks.

    Input shape:
        5D tensor `(samples, dim1, dim2, dim3, channels)` (channels_last) or channels first.

    Output shape:
        Same as the input.

    Example:
        >>> layer = SpatialDropout3D(0.2)
    """

    _rank = 5
