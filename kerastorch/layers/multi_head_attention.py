"""MultiHeadAttention as tf.keras 2.15: einsum projections, masks, fused or explicit attention."""

import math
import string

import numpy as np
import torch
import torch.nn.functional as F

from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.engine import nest
from kerastorch.engine.layer import Layer
from kerastorch.layers import _common

__all__ = ["MultiHeadAttention"]

_LETTERS = string.ascii_lowercase


def _projection_equation(free_dims, bound_dims, output_dims):
    """(einsum equation, bias letters, output rank) of a projection: free dims kept, bound dims contracted."""
    input_letters = _LETTERS[:free_dims]
    bound = _LETTERS[free_dims : free_dims + bound_dims]
    output = _LETTERS[free_dims + bound_dims : free_dims + bound_dims + output_dims]
    equation = f"{input_letters}{bound},{bound}{output}->{input_letters}{output}"
    return equation, output, free_dims + output_dims


def _attention_equations(rank, attention_axes):
    """tf.keras's einsum equations (key, query -> scores; scores, value -> output) for projected tensors of `rank`."""
    target = _LETTERS[:rank]
    batch_dims = [i for i in range(rank) if i not in attention_axes and i != rank - 1]
    source = ""
    offset = rank
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += _LETTERS[offset]
            offset += 1
    product = "".join([target[i] for i in batch_dims] + [target[i] for i in attention_axes])
    product += "".join(source[i] for i in attention_axes)
    return f"{source},{target}->{product}", f"{product},{source}->{target}", batch_dims


def _large_negative(dtype):
    """The masked-score offset of tf.keras's Softmax: float16's lowest value, else -1e9."""
    return -65504.0 if dtype == torch.float16 else -1.0e9


def _shape_of(value):
    return tuple(value.shape) if hasattr(value, "shape") else tuple(np.shape(value))


def _is_shape_list(value):
    return isinstance(value, (list, tuple)) and bool(value) and isinstance(value[0], (list, tuple))


def _clone(initializer):
    """A fresh copy per sub-layer, as tf.keras gives each projection its own initializer object."""
    if hasattr(initializer, "get_config") and hasattr(type(initializer), "from_config"):
        return type(initializer).from_config(initializer.get_config())
    return initializer


class _Projection(Layer):
    """A tf.keras EinsumDense of MultiHeadAttention: `einsum(equation, x, kernel) + bias`.

    Args:
        equation: einsum equation; the kernel's letters are the input's last `bound_dims` then the outputs.
        bound_dims: number of trailing input dimensions contracted.
        output_dims: sizes of the trailing output dimensions (the bias shape).
        use_bias: whether to add a bias.
    """

    def __init__(
        self,
        equation,
        bound_dims,
        output_dims,
        use_bias,
        kernel_initializer,
        bias_initializer,
        kernel_regularizer,
        bias_regularizer,
        kernel_constraint,
        bias_constraint,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.equation = equation
        self.bound_dims = bound_dims
        self.output_dims = tuple(int(d) for d in output_dims)
        self.use_bias = use_bias
        self._initializers = (kernel_initializer, bias_initializer)
        self._regularizers = (kernel_regularizer, bias_regularizer)
        self._constraints = (kernel_constraint, bias_constraint)

    def build(self, input_shape):
        bound = tuple(input_shape[len(input_shape) - self.bound_dims :])
        if any(d is None for d in bound):
            raise ValueError(
                f"MultiHeadAttention projection '{self.name}' needs known trailing input dimensions. "
                f"Received input shape: {tuple(input_shape)}"
            )
        self.kernel = self.add_weight(
            "kernel",
            bound + self.output_dims,
            initializer=self._initializers[0],
            regularizer=self._regularizers[0],
            constraint=self._constraints[0],
        )
        if self.use_bias:
            self.bias = self.add_weight(
                "bias",
                self.output_dims,
                initializer=self._initializers[1],
                regularizer=self._regularizers[1],
                constraint=self._constraints[1],
            )
        else:
            self.bias = None

    def call(self, inputs):
        outputs = torch.einsum(self.equation, inputs, self.kernel)
        return outputs if self.bias is None else outputs + self.bias


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al., 2017), as tf.keras 2.15's MultiHeadAttention.

    Query, key and value are projected per head (`query/kernel` of shape `(dim, num_heads, key_dim)`),
    scores are `softmax(query . key / sqrt(key_dim))` over `attention_axes` (masked positions get
    -1e9), the heads' weighted values are projected back (`attention_output/kernel` of shape
    `(num_heads, value_dim, dim)`). Weights load from tf.keras files in its order and shapes.

    Args:
        num_heads: number of attention heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default: `key_dim`).
        dropout: dropout rate of the attention weights (in training).
        use_bias: whether the projections use biases.
        output_shape: trailing output shape (int or tuple); default the query's last dimension.
        attention_axes: axes of the projected tensors attention runs over (default all but batch,
            heads and features).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: as for Dense, for every projection.

    Call arguments:
        query: `(B, T, dim)`; value: `(B, S, dim)`; key: `(B, S, dim)` (default: value).
        attention_mask: boolean `(B, T, S)`: False positions are not attended to.
        return_attention_scores: also return the scores `(B, num_heads, T, S)`.
        training: dropout applies in training mode.
        use_causal_mask: query position i attends to positions <= i only.

    Input shape:
        query `(batch_size, T, dim)`, value and key `(batch_size, S, dim)` (or higher ranks).

    Output shape:
        `(batch_size, T, dim)` or `(batch_size, T) + output_shape`.

    Example:
        >>> out = MultiHeadAttention(num_heads=2, key_dim=16)(query, value)
    """

    # Reads the implicit masks of its tensor arguments (`query._keras_mask`), as tf.keras does.
    _reads_keras_masks = True

    def __init__(
        self,
        num_heads,
        key_dim,
        value_dim=None,
        dropout=0.0,
        use_bias=True,
        output_shape=None,
        attention_axes=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True
        self._num_heads = _common._positive_int("MultiHeadAttention", "num_heads", num_heads)
        self._key_dim = _common._positive_int("MultiHeadAttention", "key_dim", key_dim)
        self._value_dim = _common._positive_int("MultiHeadAttention", "value_dim", value_dim) if value_dim else key_dim
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"MultiHeadAttention expects `dropout` in [0, 1). Received: dropout={dropout!r}")
        self._dropout = dropout
        self._use_bias = use_bias
        self._output_shape_arg = output_shape
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            attention_axes = (attention_axes,)
        self._attention_axes = attention_axes
        self._built_from_signature = False
        self._query_shape = self._key_shape = self._value_shape = None

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)

    def __call__(self, query, value=None, key=None, **kwargs):
        if value is None:
            raise TypeError(
                f"MultiHeadAttention '{self.name}' must be called as layer(query, value, key=None, ...): "
                "`value` is missing."
            )
        value, key = (v if v is None or hasattr(v, "shape") else self._convert_inputs(v) for v in (value, key))
        if kwargs.get("attention_mask") is not None and not hasattr(kwargs["attention_mask"], "shape"):
            kwargs["attention_mask"] = nest.to_tensor(kwargs["attention_mask"])
        if not self.built:
            shapes = [_shape_of(query), _shape_of(value)] + ([] if key is None else [_shape_of(key)])
            device = query.device if isinstance(query, torch.Tensor) else None
            self._build_on(shapes, device)
        # tf.keras records the tensors after the query first, by parameter name.
        tensors = {"value": value} if key is None else {"value": value, "key": key}
        return super().__call__(query, **tensors, **kwargs)

    def build(self, query_shape, value_shape=None, key_shape=None):
        """Creates the query/key/value/attention_output projections for these input shapes.

        Args:
            query_shape: shape of the query (or a list `[query_shape, value_shape(, key_shape)]`).
            value_shape: shape of the value (default: the query's).
            key_shape: shape of the key (default: the value's).
        """
        if self._built_from_signature:
            return
        if value_shape is None and _is_shape_list(query_shape):
            query_shape, value_shape, key_shape = (list(query_shape) + [None])[:3]
        query_shape = tuple(query_shape)
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        self._query_shape, self._value_shape, self._key_shape = list(query_shape), list(value_shape), list(key_shape)
        heads_key = (self._num_heads, self._key_dim)
        self._query_dense = self._projection("query", len(query_shape) - 1, 1, heads_key)
        self._query_dense.build(query_shape)
        self._key_dense = self._projection("key", len(key_shape) - 1, 1, heads_key)
        self._key_dense.build(key_shape)
        self._value_dense = self._projection("value", len(value_shape) - 1, 1, (self._num_heads, self._value_dim))
        self._value_dense.build(value_shape)
        rank = len(query_shape) + 1
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(self._attention_axes)
        # tf.keras indexes the projected tensors with these axes, negative ones Python-style.
        self._axes = tuple(int(axis) % rank for axis in self._attention_axes)
        self._dot_equation, self._combine_equation, self._batch_dims = _attention_equations(rank, self._axes)
        output_dims = self._output_shape_arg or query_shape[-1]
        output_dims = tuple(output_dims) if isinstance(output_dims, (list, tuple)) else (output_dims,)
        self._output_dense = self._projection("attention_output", len(query_shape) - 1, 2, output_dims)
        self._output_dense.build(query_shape[:-1] + (self._num_heads, self._value_dim))
        self._built_from_signature = True

    def _projection(self, name, free_dims, bound_dims, output_dims):
        equation, _, _ = _projection_equation(free_dims, bound_dims, len(output_dims))
        return _Projection(
            equation,
            bound_dims,
            output_dims,
            self._use_bias,
            _clone(self._kernel_initializer),
            _clone(self._bias_initializer),
            self._kernel_regularizer,
            self._bias_regularizer,
            self._kernel_constraint,
            self._bias_constraint,
            name=name,
            dtype=self._dtype_arg,
            activity_regularizer=self.activity_regularizer,
        )

    def call(
        self,
        query,
        value,
        key=None,
        attention_mask=None,
        return_attention_scores=False,
        training=None,
        use_causal_mask=False,
    ):
        if key is None:
            key = value
        attention_mask = self._compute_attention_mask(query, value, key, attention_mask, use_causal_mask)
        query = self._query_dense(query)
        key = self._key_dense(key)
        value = self._value_dense(value)
        if training is None:
            training = self.training
        dropping = bool(training) and self._dropout > 0
        if return_attention_scores or dropping:
            output, scores = self._explicit_attention(query, key, value, attention_mask, dropping)
        else:
            output, scores = self._fused_attention(query, key, value, attention_mask), None
        output = self._output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    def _expanded_mask(self, mask, scores_rank):
        """The mask with axes inserted before the attention axes until it has the scores' rank (tf.keras)."""
        axis = -len(self._axes) * 2 - 1
        while mask.dim() < scores_rank:
            mask = mask.unsqueeze(axis)
        return mask

    def _explicit_attention(self, query, key, value, mask, dropping):
        """tf.keras's computation step by step; returns (output, scores before dropout)."""
        query = query * (1.0 / math.sqrt(float(self._key_dim)))
        scores = torch.einsum(self._dot_equation, key, query)
        if mask is not None:
            mask = self._expanded_mask(mask, scores.dim())
            scores = scores + (1.0 - mask.to(scores.dtype)) * _large_negative(scores.dtype)
        norm_axes = tuple(range(scores.dim() - len(self._axes), scores.dim()))
        if len(norm_axes) == 1:
            scores = torch.softmax(scores, dim=-1)
        else:
            scores = torch.exp(scores - torch.logsumexp(scores, dim=norm_axes, keepdim=True))
        dropped = F.dropout(scores, p=self._dropout, training=True) if dropping else scores
        return torch.einsum(self._combine_equation, dropped, value), scores

    def _fused_attention(self, query, key, value, mask):
        """The same numbers through torch's scaled_dot_product_attention (attention axes flattened)."""
        rank = query.dim()
        order = list(self._batch_dims) + list(self._axes) + [rank - 1]
        num_batch = len(self._batch_dims)
        query, key, value = (tensor.permute(order) for tensor in (query, key, value))
        batch_shape, query_axes_shape = query.shape[:num_batch], query.shape[num_batch:-1]
        key_axes_shape = key.shape[num_batch:-1]
        flat = len(self._axes) > 1
        if flat:
            query, key, value = (tensor.flatten(num_batch, -2) for tensor in (query, key, value))
        bias = None
        if mask is not None:
            mask = self._expanded_mask(mask, num_batch + 2 * len(self._axes))
            bias = (1.0 - mask.to(query.dtype)) * _large_negative(query.dtype)
            if flat:
                bias = bias.expand(*batch_shape, *query_axes_shape, *key_axes_shape)
                bias = bias.reshape(*batch_shape, math.prod(query_axes_shape), math.prod(key_axes_shape))
        output = F.scaled_dot_product_attention(query, key, value, attn_mask=bias, scale=1.0 / math.sqrt(self._key_dim))
        if flat:
            output = output.reshape(*batch_shape, *query_axes_shape, output.shape[-1])
        return output.permute(tuple(int(i) for i in np.argsort(order)))

    def _compute_attention_mask(self, query, value, key, attention_mask, use_causal_mask):
        """The explicit mask merged with the tensors' own masks and the causal mask, as tf.keras."""
        auto_mask = None
        for tensor, is_query in ((query, True), (value, False), (key, False)):
            mask = getattr(tensor, "_keras_mask", None)
            if mask is None:
                continue
            mask = mask.bool()[:, :, None] if is_query else mask.bool()[:, None, :]
            auto_mask = mask if auto_mask is None else auto_mask & mask
        if use_causal_mask:
            causal = torch.ones(query.shape[1], value.shape[1], dtype=torch.bool, device=query.device).tril()[None]
            auto_mask = causal if auto_mask is None else auto_mask & causal
        if auto_mask is not None:
            attention_mask = auto_mask if attention_mask is None else attention_mask.bool() & auto_mask
        return attention_mask

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None and _is_shape_list(query_shape):
            query_shape, value_shape, key_shape = (list(query_shape) + [None])[:3]
        query_shape = tuple(query_shape)
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(
                "The last dimension of `query_shape` and `value_shape` must be equal, but are "
                f"{query_shape[-1]}, {value_shape[-1]}. Received: query_shape={query_shape}, value_shape={value_shape}"
            )
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. "
                f"Received {value_shape} and {key_shape}"
            )
        if self._output_shape_arg:
            extra = self._output_shape_arg
            return query_shape[:-1] + (tuple(extra) if isinstance(extra, (list, tuple)) else (extra,))
        return query_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_heads": self._num_heads,
                "key_dim": self._key_dim,
                "value_dim": self._value_dim,
                "dropout": self._dropout,
                "use_bias": self._use_bias,
                "output_shape": self._output_shape_arg,
                "attention_axes": self._attention_axes,
                "kernel_initializer": initializers.serialize(self._kernel_initializer),
                "bias_initializer": initializers.serialize(self._bias_initializer),
                "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self._bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self._kernel_constraint),
                "bias_constraint": constraints.serialize(self._bias_constraint),
                "query_shape": self._query_shape,
                "key_shape": self._key_shape,
                "value_shape": self._value_shape,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        """Creates the layer and, when the config holds the input shapes (tf.keras writes them), its weights."""
        config = dict(config)
        query_shape = config.pop("query_shape", None)
        key_shape = config.pop("key_shape", None)
        value_shape = config.pop("value_shape", None)
        layer = cls(**config)
        if None not in (query_shape, key_shape, value_shape):
            layer.build(query_shape, value_shape, key_shape)
        return layer
