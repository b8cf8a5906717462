"""Dense attention layers: Attention (Luong dot-product) and AdditiveAttention (Bahdanau), as tf.keras 2.15."""

import warnings

import numpy as np
import torch
import torch.nn.functional as F

from kerastorch.engine.layer import Layer
from kerastorch.layers.multi_head_attention import MultiHeadAttention

__all__ = ["Attention", "AdditiveAttention", "MultiHeadAttention"]


def _validate_dropout(layer_name, dropout):
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float, np.integer, np.floating)):
        raise TypeError(f"{layer_name} expects `dropout` to be a float in [0, 1). Received: dropout={dropout!r}")
    if not 0 <= dropout < 1:
        raise ValueError(f"{layer_name} expects `dropout` to be a float in [0, 1). Received: dropout={dropout!r}")
    return dropout


def _large_negative(dtype):
    """The score offset of masked positions: tf.keras subtracts 1e9 (65504 in float16)."""
    return 65504.0 if dtype == torch.float16 else 1.0e9


class _BaseDenseAttention(Layer):
    """Shared call of Attention and AdditiveAttention: masks, softmax, dropout and the weighted sum.

    Args:
        dropout: fraction of the attention weights dropped in training.
        causal: deprecated since tf.keras 2.10 (use `use_causal_mask=True` in the call): applies a
            causal mask on every call. Not written to the config, as tf.keras.
    """

    def __init__(self, dropout=0.0, **kwargs):
        causal = kwargs.pop("causal", None)
        if causal is not None:
            warnings.warn(
                "`causal` argument is deprecated. Please use `use_causal_mask` in call() method to specify "
                "causal masking.",
                stacklevel=3,
            )
        super().__init__(**kwargs)
        self.causal = bool(causal)
        self.dropout = _validate_dropout(type(self).__name__, dropout)
        self.supports_masking = True

    def _check_input_shapes(self, input_shape):
        """Builds need `[query_shape, value_shape(, key_shape)]`: the call's list check, on shapes."""
        if not (isinstance(input_shape, list) and all(isinstance(shape, (list, tuple)) for shape in input_shape)):
            raise ValueError(
                f"{type(self).__name__} layer must be called on a list of inputs, namely [query, value] or "
                f"[query, value, key]. Received input shape: {input_shape}."
            )
        self._validate_call_args(input_shape, None)

    def _calculate_scores(self, query, key):
        raise TypeError(f"{type(self).__name__} must define _calculate_scores(query, key).")

    def _dot_product_scale(self):
        """For dot-product scores: (True, scale tensor or None); (False, None) for other scores."""
        return False, None

    def call(self, inputs, mask=None, training=None, return_attention_scores=False, use_causal_mask=False):
        self._validate_call_args(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask = mask[0] if mask else None
        value_mask = mask[1] if mask else None
        if training is None:
            training = self.training
        scores_mask = None
        if value_mask is not None:
            scores_mask = value_mask.bool().unsqueeze(-2)
        if self.causal or use_causal_mask:
            length_q, length_v = query.shape[-2], key.shape[-2]
            causal = torch.ones(length_q, length_v, dtype=torch.bool, device=query.device).tril()
            scores_mask = causal if scores_mask is None else scores_mask & causal
        dropping = bool(training) and self.dropout > 0
        is_dot, scale = self._dot_product_scale()
        if is_dot and not return_attention_scores and not dropping:
            result = self._fused(query, key, value, scale, scores_mask)
        else:
            result, weights = self._explicit(query, key, value, scores_mask, dropping)
        if query_mask is not None:
            result = result * query_mask.unsqueeze(-1).to(result.dtype)
        if return_attention_scores:
            return result, weights
        return result

    def _fused(self, query, key, value, scale, scores_mask):
        """softmax(q k^T [* scale] - 1e9 * ~mask) v with torch's fused kernel (same numbers as tf.keras)."""
        if scale is not None:
            query = query * scale
        bias = None
        if scores_mask is not None:
            bias = (~scores_mask).to(query.dtype) * -_large_negative(query.dtype)
        return F.scaled_dot_product_attention(query, key, value, attn_mask=bias, scale=1.0)

    def _explicit(self, query, key, value, scores_mask, dropping):
        scores = self._calculate_scores(query, key)
        if scores_mask is not None:
            scores = scores - _large_negative(scores.dtype) * (~scores_mask).to(scores.dtype)
        weights = torch.softmax(scores, dim=-1)
        dropped = F.dropout(weights, p=self.dropout, training=True) if dropping else weights
        return torch.matmul(dropped, value), weights

    def compute_mask(self, inputs, mask=None):
        """The query mask (the output keeps the query's time steps)."""
        self._validate_call_args(inputs, mask)
        if mask:
            return mask[0]
        return None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def _validate_call_args(self, inputs, mask):
        class_name = type(self).__name__
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"{class_name} layer must be called on a list of inputs, namely [query, value] or "
                f"[query, value, key]. Received: {inputs}."
            )
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(
                f"{class_name} layer accepts inputs list of length 2 or 3, namely [query, value] or "
                f"[query, value, key]. Received length: {len(inputs)}."
            )
        if mask:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(
                    f"{class_name} layer mask must be a list, namely [query_mask, value_mask]. Received: {mask}."
                )
            if len(mask) < 2 or len(mask) > len(inputs):
                raise ValueError(
                    f"{class_name} layer mask must be a list of length 2, namely [query_mask, value_mask]. "
                    f"Received length: {len(mask)}."
                )

    def get_config(self):
        config = super().get_config()
        config["dropout"] = self.dropout
        return config


class Attention(_BaseDenseAttention):
    """Dot-product attention layer, a.k.a. Luong-style attention.

    `scores = query @ key^T` ('dot', times a learned scalar `scale` when `use_scale`) or
    `concat_score_weight * sum(tanh(scale * (query + key)))` ('concat'); masked positions get
    -1e9; `output = softmax(scores) @ value`, zeroed where the query mask is False.

    Args:
        use_scale: if True, learns a scalar that scales the scores (initialized to 1).
        score_mode: 'dot' or 'concat' (tanh of the sum of query and key).
        dropout: fraction of the attention weights dropped in training.

    Call arguments:
        inputs: `[query, value]` or `[query, value, key]` (key defaults to value).
        mask: `[query_mask, value_mask]` boolean tensors `(batch, Tq)` and `(batch, Tv)`.
        training: dropout applies in training mode.
        return_attention_scores: also return the attention weights `(batch, Tq, Tv)`.
        use_causal_mask: position i of the query attends to positions <= i only.

    Input shape:
        query `(batch_size, Tq, dim)`, value and key `(batch_size, Tv, dim)`.

    Output shape:
        `(batch_size, Tq, dim)` (and the scores `(batch_size, Tq, Tv)`).

    Example:
        >>> out = Attention()([query, value])
    """

    def __init__(self, use_scale=False, score_mode="dot", **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.score_mode = score_mode
        if score_mode not in ("dot", "concat"):
            raise ValueError(f'Received: score_mode={score_mode}. Acceptable values are: ["dot", "concat"]')

    def build(self, input_shape):
        self._check_input_shapes(input_shape)
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones", trainable=True)
        else:
            self.scale = None
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(
                name="concat_score_weight", shape=(), initializer="ones", trainable=True
            )
        else:
            self.concat_score_weight = None
        super().build(input_shape)

    def _dot_product_scale(self):
        return self.score_mode == "dot", self.scale

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = torch.matmul(query, key.transpose(-1, -2))
            if self.scale is not None:
                scores = scores * self.scale
            return scores
        summed = query.unsqueeze(-2) + key.unsqueeze(-3)
        if self.scale is not None:
            summed = self.scale * summed
        return self.concat_score_weight * torch.sum(torch.tanh(summed), dim=-1)

    def get_config(self):
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode})
        return config


class AdditiveAttention(_BaseDenseAttention):
    """Additive attention layer, a.k.a. Bahdanau-style attention.

    `scores = sum(scale * tanh(query + key), axis=-1)` over every (query, key) pair; masked
    positions get -1e9; `output = softmax(scores) @ value`, zeroed where the query mask is False.

    Args:
        use_scale: if True, learns a per-feature `scale` vector of shape `(dim,)` (glorot uniform).
        dropout: fraction of the attention weights dropped in training.

    Call arguments:
        inputs: `[query, value]` or `[query, value, key]` (key defaults to value).
        mask: `[query_mask, value_mask]` boolean tensors `(batch, Tq)` and `(batch, Tv)`.
        training: dropout applies in training mode.
        return_attention_scores: also return the attention weights `(batch, Tq, Tv)`.
        use_causal_mask: position i of the query attends to positions <= i only.

    Input shape:
        query `(batch_size, Tq, dim)`, value and key `(batch_size, Tv, dim)`.

    Output shape:
        `(batch_size, Tq, dim)` (and the scores `(batch_size, Tq, Tv)`).

    Example:
        >>> out = AdditiveAttention()([query, value])
    """

    def __init__(self, use_scale=True, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale

    def build(self, input_shape):
        self._check_input_shapes(input_shape)
        if self.use_scale:
            dim = input_shape[1][-1]
            self.scale = self.add_weight(name="scale", shape=(dim,), initializer="glorot_uniform", trainable=True)
        else:
            self.scale = None
        super().build(input_shape)

    def _calculate_scores(self, query, key):
        tanh = torch.tanh(query.unsqueeze(-2) + key.unsqueeze(-3))
        if self.scale is not None:
            tanh = self.scale * tanh
        return torch.sum(tanh, dim=-1)

    def get_config(self):
        config = super().get_config()
        config["use_scale"] = self.use_scale
        return config
