"""Backend (`K`): Keras 2 backend settings and tensor functions on torch tensors, re-exported from submodules."""

from kerastorch.backend._config import clear_session
from kerastorch.backend._config import dtype_name
from kerastorch.backend._config import epsilon
from kerastorch.backend._config import floatx
from kerastorch.backend._config import get_device
from kerastorch.backend._config import get_uid
from kerastorch.backend._config import image_data_format
from kerastorch.backend._config import learning_phase
from kerastorch.backend._config import learning_phase_scope
from kerastorch.backend._config import normalize_data_format
from kerastorch.backend._config import reset_uids
from kerastorch.backend._config import set_device
from kerastorch.backend._config import set_epsilon
from kerastorch.backend._config import set_floatx
from kerastorch.backend._config import set_image_data_format
from kerastorch.backend._config import set_learning_phase
from kerastorch.backend._config import standardize_dtype
from kerastorch.backend._config import to_snake_case
from kerastorch.backend._config import unique_object_name
from kerastorch.backend._control import foldl
from kerastorch.backend._control import foldr
from kerastorch.backend._control import function
from kerastorch.backend._control import in_test_phase
from kerastorch.backend._control import in_train_phase
from kerastorch.backend._control import map_fn
from kerastorch.backend._control import rnn
from kerastorch.backend._control import switch
from kerastorch.backend._conv import bias_add
from kerastorch.backend._conv import conv1d
from kerastorch.backend._conv import conv1d_transpose
from kerastorch.backend._conv import conv2d
from kerastorch.backend._conv import conv2d_transpose
from kerastorch.backend._conv import conv3d
from kerastorch.backend._conv import conv3d_transpose
from kerastorch.backend._conv import depthwise_conv2d
from kerastorch.backend._conv import pool2d
from kerastorch.backend._conv import pool3d
from kerastorch.backend._conv import resize_images
from kerastorch.backend._conv import resize_volumes
from kerastorch.backend._conv import separable_conv1d
from kerastorch.backend._conv import separable_conv2d
from kerastorch.backend._conv import spatial_2d_padding
from kerastorch.backend._conv import spatial_3d_padding
from kerastorch.backend._conv import temporal_padding
from kerastorch.backend._math import abs
from kerastorch.backend._math import all
from kerastorch.backend._math import any
from kerastorch.backend._math import arange
from kerastorch.backend._math import argmax
from kerastorch.backend._math import argmin
from kerastorch.backend._math import batch_dot
from kerastorch.backend._math import batch_flatten
from kerastorch.backend._math import clip
from kerastorch.backend._math import concatenate
from kerastorch.backend._math import cos
from kerastorch.backend._math import cumprod
from kerastorch.backend._math import cumsum
from kerastorch.backend._math import dot
from kerastorch.backend._math import equal
from kerastorch.backend._math import exp
from kerastorch.backend._math import expand_dims
from kerastorch.backend._math import flatten
from kerastorch.backend._math import gather
from kerastorch.backend._math import greater
from kerastorch.backend._math import greater_equal
from kerastorch.backend._math import less
from kerastorch.backend._math import less_equal
from kerastorch.backend._math import log
from kerastorch.backend._math import logsumexp
from kerastorch.backend._math import max
from kerastorch.backend._math import maximum
from kerastorch.backend._math import mean
from kerastorch.backend._math import min
from kerastorch.backend._math import minimum
from kerastorch.backend._math import not_equal
from kerastorch.backend._math import one_hot
from kerastorch.backend._math import permute_dimensions
from kerastorch.backend._math import pow
from kerastorch.backend._math import prod
from kerastorch.backend._math import repeat
from kerastorch.backend._math import repeat_elements
from kerastorch.backend._math import reshape
from kerastorch.backend._math import reverse
from kerastorch.backend._math import round
from kerastorch.backend._math import sign
from kerastorch.backend._math import sin
from kerastorch.backend._math import slice
from kerastorch.backend._math import sqrt
from kerastorch.backend._math import square
from kerastorch.backend._math import squeeze
from kerastorch.backend._math import stack
from kerastorch.backend._math import std
from kerastorch.backend._math import sum
from kerastorch.backend._math import tile
from kerastorch.backend._math import transpose
from kerastorch.backend._math import unstack
from kerastorch.backend._math import var
from kerastorch.backend._nn import batch_normalization
from kerastorch.backend._nn import binary_crossentropy
from kerastorch.backend._nn import binary_focal_crossentropy
from kerastorch.backend._nn import categorical_crossentropy
from kerastorch.backend._nn import categorical_focal_crossentropy
from kerastorch.backend._nn import ctc_batch_cost
from kerastorch.backend._nn import ctc_decode
from kerastorch.backend._nn import dropout
from kerastorch.backend._nn import elu
from kerastorch.backend._nn import hard_sigmoid
from kerastorch.backend._nn import in_top_k
from kerastorch.backend._nn import l2_normalize
from kerastorch.backend._nn import normalize_batch_in_training
from kerastorch.backend._nn import relu
from kerastorch.backend._nn import sigmoid
from kerastorch.backend._nn import softmax
from kerastorch.backend._nn import softplus
from kerastorch.backend._nn import softsign
from kerastorch.backend._nn import sparse_categorical_crossentropy
from kerastorch.backend._nn import tanh
from kerastorch.backend._tensors import batch_get_value
from kerastorch.backend._tensors import batch_set_value
from kerastorch.backend._tensors import cast
from kerastorch.backend._tensors import cast_to_floatx
from kerastorch.backend._tensors import constant
from kerastorch.backend._tensors import count_params
from kerastorch.backend._tensors import dtype
from kerastorch.backend._tensors import eval
from kerastorch.backend._tensors import eye
from kerastorch.backend._tensors import get_value
from kerastorch.backend._tensors import get_variable_shape
from kerastorch.backend._tensors import gradients
from kerastorch.backend._tensors import identity
from kerastorch.backend._tensors import int_shape
from kerastorch.backend._tensors import is_keras_tensor
from kerastorch.backend._tensors import is_sparse
from kerastorch.backend._tensors import is_tensor
from kerastorch.backend._tensors import moving_average_update
from kerastorch.backend._tensors import name_scope
from kerastorch.backend._tensors import ndim
from kerastorch.backend._tensors import ones
from kerastorch.backend._tensors import ones_like
from kerastorch.backend._tensors import print_tensor
from kerastorch.backend._tensors import random_bernoulli
from kerastorch.backend._tensors import random_binomial
from kerastorch.backend._tensors import random_normal
from kerastorch.backend._tensors import random_normal_variable
from kerastorch.backend._tensors import random_uniform
from kerastorch.backend._tensors import random_uniform_variable
from kerastorch.backend._tensors import set_value
from kerastorch.backend._tensors import shape
from kerastorch.backend._tensors import size
from kerastorch.backend._tensors import stop_gradient
from kerastorch.backend._tensors import to_dense
from kerastorch.backend._tensors import truncated_normal
from kerastorch.backend._tensors import update
from kerastorch.backend._tensors import update_add
from kerastorch.backend._tensors import update_sub
from kerastorch.backend._tensors import variable
from kerastorch.backend._tensors import zeros
from kerastorch.backend._tensors import zeros_like
from kerastorch.engine import symbolic_ops as _symbolic_ops

__all__ = [
    "abs",
    "all",
    "any",
    "arange",
    "argmax",
    "argmin",
    "batch_dot",
    "batch_flatten",
    "batch_get_value",
    "batch_normalization",
    "batch_set_value",
    "bias_add",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "cast",
    "cast_to_floatx",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "clear_session",
    "clip",
    "concatenate",
    "constant",
    "conv1d",
    "conv1d_transpose",
    "conv2d",
    "conv2d_transpose",
    "conv3d",
    "conv3d_transpose",
    "cos",
    "count_params",
    "ctc_batch_cost",
    "ctc_decode",
    "cumprod",
    "cumsum",
    "depthwise_conv2d",
    "dot",
    "dropout",
    "dtype",
    "dtype_name",
    "elu",
    "epsilon",
    "equal",
    "eval",
    "exp",
    "expand_dims",
    "eye",
    "flatten",
    "floatx",
    "foldl",
    "foldr",
    "function",
    "gather",
    "get_device",
    "get_uid",
    "get_value",
    "get_variable_shape",
    "gradients",
    "greater",
    "greater_equal",
    "hard_sigmoid",
    "identity",
    "image_data_format",
    "in_test_phase",
    "in_top_k",
    "in_train_phase",
    "int_shape",
    "is_keras_tensor",
    "is_sparse",
    "is_tensor",
    "l2_normalize",
    "learning_phase",
    "learning_phase_scope",
    "less",
    "less_equal",
    "log",
    "logsumexp",
    "map_fn",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "moving_average_update",
    "name_scope",
    "ndim",
    "normalize_batch_in_training",
    "normalize_data_format",
    "not_equal",
    "one_hot",
    "ones",
    "ones_like",
    "permute_dimensions",
    "pool2d",
    "pool3d",
    "pow",
    "print_tensor",
    "prod",
    "random_bernoulli",
    "random_binomial",
    "random_normal",
    "random_normal_variable",
    "random_uniform",
    "random_uniform_variable",
    "relu",
    "repeat",
    "repeat_elements",
    "reset_uids",
    "reshape",
    "resize_images",
    "resize_volumes",
    "reverse",
    "rnn",
    "round",
    "separable_conv1d",
    "separable_conv2d",
    "set_device",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "set_learning_phase",
    "set_value",
    "shape",
    "sigmoid",
    "sign",
    "sin",
    "size",
    "slice",
    "softmax",
    "softplus",
    "softsign",
    "sparse_categorical_crossentropy",
    "spatial_2d_padding",
    "spatial_3d_padding",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "standardize_dtype",
    "std",
    "stop_gradient",
    "sum",
    "switch",
    "tanh",
    "temporal_padding",
    "tile",
    "to_dense",
    "to_snake_case",
    "transpose",
    "truncated_normal",
    "unique_object_name",
    "unstack",
    "update",
    "update_add",
    "update_sub",
    "var",
    "variable",
    "zeros",
    "zeros_like",
]

# Functions that are not tensor ops: settings, shape/dtype queries (`int_shape` of a KerasTensor is
# its shape tuple), variables and their updates, and calls taking Python callables.
_NOT_TENSOR_OPS = frozenset(
    [
        "batch_get_value",
        "batch_set_value",
        "clear_session",
        "count_params",
        "dtype",
        "dtype_name",
        "epsilon",
        "floatx",
        "foldl",
        "foldr",
        "function",
        "get_device",
        "get_uid",
        "get_value",
        "get_variable_shape",
        "gradients",
        "image_data_format",
        "int_shape",
        "is_keras_tensor",
        "is_sparse",
        "is_tensor",
        "learning_phase",
        "learning_phase_scope",
        "map_fn",
        "moving_average_update",
        "name_scope",
        "ndim",
        "normalize_data_format",
        "reset_uids",
        "rnn",
        "set_device",
        "set_epsilon",
        "set_floatx",
        "set_image_data_format",
        "set_learning_phase",
        "set_value",
        "shape",
        "standardize_dtype",
        "to_snake_case",
        "unique_object_name",
        "update",
        "update_add",
        "update_sub",
        "variable",
    ]
)
# tf.keras 2: a tensor function called on symbolic tensors records a layer of the functional graph.
_symbolic_ops.wrap_namespace(globals(), [n for n in __all__ if n not in _NOT_TENSOR_OPS], "backend")
_symbolic_ops.refuse_symbolic(
    globals(),
    "shape",
    "backend",
    "use K.int_shape(x) for its static shape (None for unknown dimensions), or call K.shape inside a Lambda layer.",
)

# Public objects keep naming this module, as before the split, so pickles and saved configs
# refer to the public path.
for _name in __all__:
    _value = globals()[_name]
    if getattr(_value, "__module__", "").startswith("kerastorch.backend._"):
        _value.__module__ = __name__
del _name, _value
