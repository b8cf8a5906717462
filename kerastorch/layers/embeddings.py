"""Embedding: turns positive integer indices into dense vectors of fixed size."""


import torch
import torch.nn.functional as F

from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.engine import input_spec
from kerastorch.engine import layer as layer_module
from kerastorch.engine import nest
from kerastorch.layers._common import _positive_int

__all__ = ["Embedding"]


class Embedding(layer_module.Layer):
    """Turns positive integers (indices) into dense vectors of fixed size: `embeddings[inputs]`.

    Args:
        input_dim: size of the vocabulary (maximum integer index + 1).
        output_dim: dimension of the dense embedding.
        embeddings_initializer: initializer of the `embeddings` matrix (default 'uniform',
            i.e. U(-0.05, 0.05)).
        embeddings_regularizer: regularizer applied to the `embeddings` matrix.
        activity_regularizer: regularizer applied to the output.
        embeddings_constraint: constraint applied to the `embeddings` matrix.
        mask_zero: whether index 0 is a padding value to be masked out downstream (the
            vocabulary should then have `input_dim = vocabulary size + 1`).
        input_length: length of the input sequences when it is constant (needed to connect
            `Flatten` then `Dense` after it); an int, or a tuple for inputs of rank > 2.
        sparse: accepted as tf.keras 2 does; only False (dense outputs) is supported, and it is not
            written to the config (as tf.keras).

    Input shape:
        `(batch_size, input_length)` integers (float arrays holding integers are accepted).

    Output shape:
        `(batch_size, input_length, output_dim)`.

    Example:
        >>> model.add(Embedding(1000, 64, input_length=10))
    """

    def __init__(
        self,
        input_dim,
        output_dim,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        activity_regularizer=None,
        embeddings_constraint=None,
        mask_zero=False,
        input_length=None,
        sparse=False,
        **kwargs,
    ):
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            # Keras 2 gives Embedding an input shape so it can start a Sequential model.
            if input_length:
                kwargs["input_shape"] = (
                    tuple(input_length) if isinstance(input_length, (list, tuple)) else (input_length,)
                )
            else:
                kwargs["input_shape"] = (None,)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.input_dim = _positive_int("Embedding", "input_dim", input_dim)
        self.output_dim = _positive_int("Embedding", "output_dim", output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        if sparse:
            # tf.keras 2 returns a tf.SparseTensor here; torch layers return dense outputs.
            raise ValueError(
                f"Embedding returns dense outputs only. Received: sparse={sparse!r}; use sparse=False (the default)."
            )
        self.input_length = list(input_length) if isinstance(input_length, tuple) else input_length
        self.embeddings = None

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )
        self.built = True

    def _expected_lengths(self, rank):
        lengths = list(self.input_length) if isinstance(self.input_length, (list, tuple)) else [self.input_length]
        if len(lengths) != rank - 1:
            raise ValueError(
                f"Embedding '{self.name}' has input_length={self.input_length!r} ({len(lengths)} dimension(s)), "
                f"but received an input with {rank - 1} non-batch dimension(s)."
            )
        return lengths

    def _check_lengths(self, shape):
        if self.input_length is None:
            return
        for expected, actual in zip(self._expected_lengths(len(shape)), shape[1:]):
            if expected is not None and actual is not None and int(expected) != int(actual):
                raise ValueError(
                    f"Embedding '{self.name}' has input_length={self.input_length!r}, but received an input "
                    f"with shape {input_spec._shape_text(tuple(shape))}."
                )

    def call(self, inputs):
        inputs = nest.to_tensor(inputs)
        self._check_lengths(tuple(inputs.shape))
        if inputs.dtype not in (torch.int64, torch.int32):
            # Keras casts indices to int32, truncating float values toward zero.
            inputs = inputs.to(torch.int64)
        try:
            return F.embedding(inputs, self.embeddings)
        except IndexError:
            low, high = int(inputs.min()), int(inputs.max())
            raise ValueError(
                f"Embedding '{self.name}' expects indices in [0, {self.input_dim - 1}] (input_dim="
                f"{self.input_dim}), got indices in [{low}, {high}]."
            ) from None

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return nest.to_tensor(inputs) != 0

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.input_length is None:
            return input_shape + (self.output_dim,)
        lengths = self._expected_lengths(len(input_shape))
        for index, (expected, actual) in enumerate(zip(lengths, input_shape[1:])):
            if expected is not None and actual is not None and int(expected) != int(actual):
                raise ValueError(
                    f"Embedding '{self.name}' has input_length={self.input_length!r}, but received an input "
                    f"with shape {input_spec._shape_text(input_shape)}."
                )
            if expected is None:
                lengths[index] = actual
        return (input_shape[0],) + tuple(lengths) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "mask_zero": self.mask_zero,
                "input_length": self.input_length,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        # Keys Keras 3 writes that tf.keras 2 does not have.
        if not config.get("lora_rank"):
            config.pop("lora_rank", None)
        config.pop("lora_alpha", None)
        if not config.get("sparse"):
            config.pop("sparse", None)
        return cls(**config)

    def extra_repr(self):
        return f"name={self.name!r}, input_dim={self.input_dim}, output_dim={self.output_dim}"
