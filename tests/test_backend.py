"""Backend tensor functions (K.*) against NumPy, hand-computed values and Keras-written arrays.

tests/data/backend_conv_reference.npz holds convolution and pooling outputs computed by Keras
(`keras.ops.conv`, `depthwise_conv`, `separable_conv`, `conv_transpose`, `max_pool`, `average_pool`)
on the inputs stored next to them.
"""

import os
import warnings

import numpy as np
import pytest
import torch

from kerastorch import backend as K

RNG = np.random.RandomState(0)
A = RNG.randn(3, 4).astype(np.float32)
B3 = RNG.randn(2, 3, 4).astype(np.float32)
REFERENCE = np.load(os.path.join(os.path.dirname(__file__), "data", "backend_conv_reference.npz"))


def t(x):
    return torch.tensor(np.asarray(x))


def close(got, expected, **kwargs):
    kwargs.setdefault("rtol", 1e-5)
    kwargs.setdefault("atol", 1e-6)
    np.testing.assert_allclose(K.get_value(got), expected, **kwargs)


# Variables, values and shapes --------------------------------------------------------------------------
def test_variable_is_a_parameter_with_floatx_dtype():
    v = K.variable([[1, 2], [3, 4]], name="kernel")
    assert isinstance(v, torch.nn.Parameter) and v.requires_grad
    assert v.dtype == torch.float32 and v._keras_name == "kernel"
    counter = K.variable(np.array(3), dtype="int64")
    assert counter.dtype == torch.int64 and not counter.requires_grad
    close(v, [[1, 2], [3, 4]])


def test_constant_zeros_ones_eye():
    close(K.constant(2.0, shape=(2, 3)), np.full((2, 3), 2.0))
    close(K.constant([1, 2, 3, 4], shape=(2, 2)), [[1, 2], [3, 4]])
    close(K.constant(torch.arange(4), shape=(2, 2)), [[0, 1], [2, 3]])
    assert K.constant([1, 2], dtype="int32").dtype == torch.int32
    with pytest.raises(ValueError, match="cannot fill shape"):
        K.constant([1, 2, 3], shape=(2, 2))
    zeros = K.zeros((2, 3))
    assert isinstance(zeros, torch.nn.Parameter)
    close(zeros, np.zeros((2, 3)))
    close(K.ones(3, dtype="float64"), np.ones(3))
    close(K.eye(3), np.eye(3))
    close(K.eye((2, 3)), np.eye(2, 3))
    close(K.zeros_like(t(A)), np.zeros_like(A))
    assert K.ones_like(t(A), dtype="int32").dtype == torch.int32


def test_shapes_and_dtypes():
    x = t(B3)
    assert K.int_shape(x) == (2, 3, 4) and K.ndim(x) == 3
    assert tuple(K.shape(x)) == (2, 3, 4)
    assert K.dtype(x) == "float32" and K.dtype(K.cast(x, "float16")) == "float16"
    assert K.count_params(x) == 24
    assert int(K.size(x)) == 24
    assert K.is_tensor(x) and not K.is_tensor(B3)
    assert not K.is_keras_tensor(x)

    class Symbolic:
        shape = (None, 3)
        _keras_history = None

    assert K.is_keras_tensor(Symbolic()) and K.int_shape(Symbolic()) == (None, 3)
    assert K.cast_to_floatx([1, 2]).dtype == np.float32


def test_get_value_and_set_value():
    v = K.variable(np.arange(6).reshape(2, 3))
    value = K.get_value(v)
    assert isinstance(value, np.ndarray) and value.dtype == np.float32
    scalar = K.variable(0.5)
    assert K.get_value(scalar) == 0.5 and isinstance(K.get_value(scalar), float)
    K.set_value(scalar, 0.25)
    assert K.get_value(scalar) == 0.25
    storage = v.data_ptr()
    K.set_value(v, np.ones((2, 3)))
    assert v.data_ptr() == storage and v.grad_fn is None
    close(v, np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"shape of the variable \(2, 3\).*\(3,\)"):
        K.set_value(v, [1, 2, 3])
    a, b = K.variable(1.0), K.variable([1.0, 2.0])
    K.batch_set_value([(a, 3.0), (b, [4.0, 5.0])])
    assert K.batch_get_value([a, b])[0] == 3.0
    np.testing.assert_array_equal(K.batch_get_value([a, b])[1], [4.0, 5.0])


def test_updates():
    v = K.variable([1.0, 2.0])
    assert K.update_add(v, [1.0, 1.0]) is v
    close(v, [2.0, 3.0])
    K.update_sub(v, 0.5)
    close(v, [1.5, 2.5])
    K.update(v, [0.0, 4.0])
    close(v, [0.0, 4.0])
    K.moving_average_update(v, t(np.array([1.0, 0.0], np.float32)), 0.9)
    close(v, [0.1, 3.6])


def test_random_functions():
    uniform = K.random_uniform((200, 300), minval=-1.0, maxval=3.0, seed=1)
    values = K.get_value(uniform)
    assert values.min() >= -1.0 and values.max() < 3.0 and abs(values.mean() - 1.0) < 0.02
    np.testing.assert_array_equal(values, K.get_value(K.random_uniform((200, 300), -1.0, 3.0, seed=1)))
    normal = K.get_value(K.random_normal((200, 300), mean=2.0, stddev=0.5, seed=2))
    assert abs(normal.mean() - 2.0) < 0.01 and abs(normal.std() - 0.5) < 0.01
    truncated = K.get_value(K.truncated_normal((200, 300), stddev=2.0, seed=3))
    assert np.abs(truncated).max() <= 4.0 and abs(truncated.std() - 2.0 * 0.8796) < 0.02
    binary = K.get_value(K.random_binomial((200, 300), p=0.3, seed=4))
    assert set(np.unique(binary)) == {0.0, 1.0} and abs(binary.mean() - 0.3) < 0.01
    assert K.random_normal((2,), dtype="float64").dtype == torch.float64
    with pytest.raises(ValueError, match="int32"):
        K.random_uniform((2,), dtype="int32")
    assert isinstance(K.random_normal_variable((2, 2), 0.0, 1.0), torch.nn.Parameter)


# Linear algebra ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "x_shape, y_shape", [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (7, 4, 5)), ((4,), (4, 2))]
)
def test_dot_matches_numpy(x_shape, y_shape):
    x = RNG.randn(*x_shape).astype(np.float32)
    y = RNG.randn(*y_shape).astype(np.float32)
    close(K.dot(t(x), t(y)), np.dot(x, y), rtol=1e-4, atol=1e-5)


def test_batch_dot_documented_example_and_numpy():
    x = RNG.randn(32, 20, 1).astype(np.float32)
    y = RNG.randn(32, 30, 20).astype(np.float32)
    out = K.batch_dot(t(x), t(y), axes=(1, 2))
    assert K.int_shape(out) == (32, 1, 30)
    close(out, np.einsum("bik,bjk->bij", x.transpose(0, 2, 1), y), rtol=1e-4, atol=1e-4)

    x2, y2 = RNG.randn(5, 4).astype(np.float32), RNG.randn(5, 4).astype(np.float32)
    close(K.batch_dot(t(x2), t(y2)), np.sum(x2 * y2, axis=1, keepdims=True), rtol=1e-5)
    x3, y3 = RNG.randn(5, 3, 4).astype(np.float32), RNG.randn(5, 4, 6).astype(np.float32)
    close(K.batch_dot(t(x3), t(y3)), np.matmul(x3, y3), rtol=1e-4, atol=1e-5)
    close(K.batch_dot(t(x2), t(y3)), np.einsum("bk,bkj->bj", x2, y3), rtol=1e-4, atol=1e-5)
    y4 = RNG.randn(5, 2, 4, 6).astype(np.float32)
    close(K.batch_dot(t(x3), t(y4), axes=(2, 2)), np.einsum("bik,bjkl->bijl", x3, y4), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="batch axis"):
        K.batch_dot(t(x3), t(y3), axes=(0, 1))
    with pytest.raises(ValueError, match="must match"):
        K.batch_dot(t(x3), t(y3), axes=(1, 1))


def test_transpose_gather():
    close(K.transpose(t(B3)), B3.transpose())
    close(K.gather(t(A), t(np.array([2, 0, 2]))), A[[2, 0, 2]])
    close(K.gather(t(A), t(np.array([[1], [0]]))), A[[[1], [0]]])


# Reductions -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, numpy_fn",
    [
        ("sum", np.sum),
        ("mean", np.mean),
        ("max", np.max),
        ("min", np.min),
        ("prod", np.prod),
        ("std", np.std),
        ("var", np.var),
    ],
)
@pytest.mark.parametrize("axis", [None, 0, -1, [0, 2], (1,)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_match_numpy(name, numpy_fn, axis, keepdims):
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    expected = numpy_fn(B3.astype(np.float64), axis=np_axis, keepdims=keepdims)
    close(getattr(K, name)(t(B3), axis=axis, keepdims=keepdims), expected, rtol=1e-4, atol=1e-5)


def test_boolean_and_integer_reductions():
    flags = np.array([[True, False, True], [False, False, True]])
    np.testing.assert_array_equal(K.get_value(K.any(t(flags), axis=0)), flags.any(axis=0))
    np.testing.assert_array_equal(K.get_value(K.all(t(flags), axis=1)), flags.all(axis=1))
    assert K.get_value(K.any(t(A) > 10)) is False
    assert K.get_value(K.mean(t(flags))) == pytest.approx(0.5)
    assert K.mean(t(flags)).dtype == torch.float32
    integers = K.mean(t(np.array([1, 2, 4], dtype=np.int32)))
    assert integers.dtype == torch.int32 and K.get_value(integers) == 2  # tf truncates integer means
    np.testing.assert_array_equal(K.get_value(K.argmax(t(A))), A.argmax(-1))
    np.testing.assert_array_equal(K.get_value(K.argmin(t(A), axis=0)), A.argmin(0))


def test_cumulative_and_logsumexp():
    close(K.cumsum(t(A), axis=1), np.cumsum(A, axis=1))
    close(K.cumprod(t(A)), np.cumprod(A, axis=0), rtol=1e-5)
    close(K.logsumexp(t(A), axis=1), np.log(np.exp(A.astype(np.float64)).sum(axis=1)))


# Element-wise -----------------------------------------------------------------------------------------------
def test_elementwise_math():
    x = np.array([-2.5, -0.5, 0.0, 0.5, 1.5, 2.5, 4.0], dtype=np.float32)
    close(K.square(t(x)), x**2)
    close(K.abs(t(x)), np.abs(x))
    close(K.sqrt(t(x)), np.sqrt(np.maximum(x, 0)))  # Keras clips negatives to 0 before sqrt
    close(K.exp(t(x)), np.exp(x))
    close(K.log(t(np.abs(x) + 1)), np.log(np.abs(x) + 1))
    close(K.pow(t(x), 2), x**2)
    close(K.round(t(x)), [-2.0, -0.0, 0.0, 0.0, 2.0, 2.0, 4.0])  # halves to even, like tf.round
    close(K.sign(t(x)), np.sign(x))
    close(K.sin(t(x)), np.sin(x))
    close(K.cos(t(x)), np.cos(x))
    close(K.clip(t(x), -1.0, 2.0), np.clip(x, -1.0, 2.0))
    close(K.clip(t(x), 1.0, 0.0), np.full_like(x, 1.0))  # max below min is raised to min
    close(K.clip(t(x), None, 1.0), np.minimum(x, 1.0))


def test_comparisons_and_extrema():
    x, y = A, np.zeros_like(A)
    for name, op in [
        ("equal", np.equal),
        ("not_equal", np.not_equal),
        ("greater", np.greater),
        ("greater_equal", np.greater_equal),
        ("less", np.less),
        ("less_equal", np.less_equal),
    ]:
        np.testing.assert_array_equal(K.get_value(getattr(K, name)(t(x), t(y))), op(x, y))
        np.testing.assert_array_equal(K.get_value(getattr(K, name)(t(x), 0.0)), op(x, 0.0))
    close(K.maximum(t(x), 0.0), np.maximum(x, 0))
    close(K.minimum(t(x), t(y)), np.minimum(x, y))


def test_backend_activations():
    x = np.linspace(-5, 5, 11).astype(np.float32)
    soft = K.softmax(t(A))
    close(soft, np.exp(A) / np.exp(A).sum(-1, keepdims=True))
    assert soft._keras_logits is not None and K.sigmoid(t(x))._keras_logits is not None
    close(K.hard_sigmoid(t(x)), np.clip(0.2 * x + 0.5, 0, 1))
    close(K.relu(t(x), max_value=6.0), np.clip(x, 0, 6))
    close(K.relu(t(x), alpha=0.1), np.where(x > 0, x, 0.1 * x))
    close(K.elu(t(x), alpha=2.0), np.where(x > 0, x, 2.0 * np.expm1(x)))
    close(K.softplus(t(x)), np.log1p(np.exp(x)))
    close(K.softsign(t(x)), x / (1 + np.abs(x)))
    close(K.tanh(t(x)), np.tanh(x))


def test_l2_normalize():
    close(K.l2_normalize(t(A), axis=1), A / np.sqrt((A**2).sum(1, keepdims=True)))
    close(K.l2_normalize(t(A)), A / np.sqrt((A**2).sum()))
    close(K.l2_normalize(t(np.zeros((2, 2), np.float32)), axis=-1), np.zeros((2, 2)))


def test_in_top_k_counts_ties_as_inside():
    predictions = t(np.array([[0.1, 0.5, 0.5, 0.2], [0.4, 0.3, 0.2, 0.1], [np.nan, 0.1, 0.2, 0.3]], np.float32))
    np.testing.assert_array_equal(K.get_value(K.in_top_k(predictions, t(np.array([2, 2, 3])), 1)), [True, False, False])
    np.testing.assert_array_equal(K.get_value(K.in_top_k(predictions, t(np.array([3, 2, 3])), 3)), [True, True, False])


def test_dropout():
    x = torch.ones(400, 500)
    out = K.get_value(K.dropout(x, 0.25, seed=3))
    np.testing.assert_allclose(np.unique(out), [0.0, 1 / 0.75], rtol=1e-6)
    assert abs((out == 0).mean() - 0.25) < 0.01
    np.testing.assert_array_equal(out, K.get_value(K.dropout(x, 0.25, seed=3)))
    shared = K.get_value(K.dropout(torch.ones(4, 3, 50), 0.5, noise_shape=(None, 1, 50), seed=1))
    np.testing.assert_array_equal(shared[:, 0], shared[:, 2])
    with pytest.raises(ValueError, match="level=1.0"):
        K.dropout(x, 1.0)


# Losses -------------------------------------------------------------------------------------------------------
def test_categorical_crossentropy_probabilities_and_documented_values():
    target = np.eye(3, dtype=np.float32)
    output = np.array([[0.9, 0.05, 0.05], [0.05, 0.89, 0.06], [0.05, 0.01, 0.94]], np.float32)
    close(K.categorical_crossentropy(t(target), t(output)), [0.10536, 0.11653, 0.06188], atol=1e-5)
    close(K.categorical_crossentropy(t(target), t(target)), [0.0, 0.0, 0.0], atol=1e-5)
    unnormalized = output * 2.0
    close(K.categorical_crossentropy(t(target), t(unnormalized)), [0.10536, 0.11653, 0.06188], atol=1e-5)


def test_categorical_crossentropy_logits_axis_and_keras_logits():
    logits = RNG.randn(4, 5).astype(np.float32)
    target = np.eye(5, dtype=np.float32)[[0, 3, 1, 4]]
    log_softmax = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = -(target * log_softmax).sum(-1)
    close(K.categorical_crossentropy(t(target), t(logits), from_logits=True), expected)
    close(K.categorical_crossentropy(t(target.T), t(logits.T), from_logits=True, axis=0), expected)
    close(K.categorical_crossentropy(t(target), K.softmax(t(logits))), expected)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        K.categorical_crossentropy(t(target), K.softmax(t(logits)), from_logits=True)
    assert any("from_logits=True" in str(w.message) for w in caught)
    with pytest.raises(ValueError, match="same shape"):
        K.categorical_crossentropy(t(target[:, :3]), t(logits))


def test_categorical_crossentropy_clips_probabilities():
    target = np.array([[1.0, 0.0]], np.float32)
    output = np.array([[0.0, 1.0]], np.float32)
    close(K.categorical_crossentropy(t(target), t(output)), [-np.log(np.float32(1e-7))], rtol=1e-4)


def test_sparse_categorical_crossentropy():
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], np.float32)
    labels = np.array([0, 2])
    expected = -np.log(probabilities[[0, 1], labels])
    close(K.sparse_categorical_crossentropy(t(labels), t(probabilities)), expected)
    close(K.sparse_categorical_crossentropy(t(labels.reshape(2, 1).astype(np.float32)), t(probabilities)), expected)
    logits = RNG.randn(2, 3, 4).astype(np.float32)
    labels3 = np.array([[0, 1, 3], [2, 2, 0]])
    log_softmax = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected3 = -np.take_along_axis(log_softmax, labels3[..., None], -1)[..., 0]
    close(K.sparse_categorical_crossentropy(t(labels3), t(logits), from_logits=True), expected3)
    close(
        K.sparse_categorical_crossentropy(t(labels3), t(logits.transpose(0, 2, 1)), from_logits=True, axis=1),
        expected3,
    )
    close(K.sparse_categorical_crossentropy(t(labels3), K.softmax(t(logits))), expected3)


def test_binary_crossentropy():
    target = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.5]], np.float32)
    output = np.array([[0.9, 0.2, 0.0], [1.0, 0.6, 0.5]], np.float32)
    eps = 1e-7
    clipped = np.clip(output, eps, 1 - eps)
    expected = -(target * np.log(clipped + eps) + (1 - target) * np.log(1 - clipped + eps))
    close(K.binary_crossentropy(t(target), t(output)), expected, rtol=1e-4)
    logits = RNG.randn(2, 3).astype(np.float32)
    expected_logits = np.maximum(logits, 0) - logits * target + np.log1p(np.exp(-np.abs(logits)))
    close(K.binary_crossentropy(t(target), t(logits), from_logits=True), expected_logits)
    close(K.binary_crossentropy(t(target), K.sigmoid(t(logits))), expected_logits)


def test_ctc_batch_cost_two_steps_by_hand():
    # Classes a=0, b=1, blank=2. Label "a" over 2 steps: paths aa, a-, -a.
    y_pred = np.array([[[0.6, 0.1, 0.3], [0.5, 0.2, 0.3]]], np.float32)
    p = y_pred[0]
    probability = p[0, 0] * p[1, 0] + p[0, 0] * p[1, 2] + p[0, 2] * p[1, 0]
    loss = K.ctc_batch_cost(t(np.array([[0, 0]])), t(y_pred), t(np.array([[2]])), t(np.array([[1]])))
    assert K.int_shape(loss) == (1, 1)
    close(loss, [[-np.log(probability)]], rtol=1e-4)


# Shape manipulation -------------------------------------------------------------------------------------------
def test_shape_functions():
    close(K.concatenate([t(A), t(A)], axis=-1), np.concatenate([A, A], -1))
    close(K.concatenate([t(B3), t(B3)], axis=1), np.concatenate([B3, B3], 1))
    close(K.reshape(t(B3), (4, -1)), B3.reshape(4, -1))
    close(K.permute_dimensions(t(B3), (2, 0, 1)), B3.transpose(2, 0, 1))
    close(K.repeat(t(A), 2), np.repeat(A[:, None, :], 2, axis=1))
    close(K.repeat_elements(t(A), 3, axis=1), np.repeat(A, 3, axis=1))
    close(K.tile(t(A), [2, 3]), np.tile(A, (2, 3)))
    close(K.tile(t(A), 2), np.tile(A, 2))
    close(K.flatten(t(B3)), B3.ravel())
    close(K.batch_flatten(t(B3)), B3.reshape(2, -1))
    assert K.int_shape(K.expand_dims(t(A))) == (3, 4, 1)
    assert K.int_shape(K.expand_dims(t(A), 0)) == (1, 3, 4)
    assert K.int_shape(K.squeeze(t(A[:, :1]), 1)) == (3,)
    with pytest.raises(ValueError, match="axis 0 must have size 1"):
        K.squeeze(t(A), 0)
    close(K.stack([t(A), t(A)], axis=1), np.stack([A, A], 1))
    close(K.reverse(t(B3), [0, 2]), B3[::-1, :, ::-1])
    close(K.reverse(t(B3), 1), B3[:, ::-1])
    close(K.slice(t(B3), (0, 1, 1), (-1, 2, 2)), B3[:, 1:3, 1:3])
    assert [K.int_shape(p) for p in K.unstack(t(B3), 1)] == [(2, 4)] * 3


def test_arange_and_one_hot():
    np.testing.assert_array_equal(K.get_value(K.arange(5)), np.arange(5))
    np.testing.assert_array_equal(K.get_value(K.arange(2, 9, 3)), [2, 5, 8])
    np.testing.assert_array_equal(K.get_value(K.arange(-3)), [])
    assert K.arange(3).dtype == torch.int32 and K.arange(3, dtype="float32").dtype == torch.float32
    encoded = K.one_hot(t(np.array([[0, 2], [1, -1]])), 3)
    assert encoded.dtype == torch.float32
    np.testing.assert_array_equal(K.get_value(encoded), [[[1, 0, 0], [0, 0, 1]], [[0, 1, 0], [0, 0, 0]]])


def test_padding_functions():
    x3 = RNG.randn(2, 3, 2).astype(np.float32)
    close(K.temporal_padding(t(x3), (1, 2)), np.pad(x3, ((0, 0), (1, 2), (0, 0))))
    x4 = RNG.randn(2, 3, 4, 2).astype(np.float32)
    close(K.spatial_2d_padding(t(x4), ((1, 0), (2, 1))), np.pad(x4, ((0, 0), (1, 0), (2, 1), (0, 0))))
    close(
        K.spatial_2d_padding(t(x4), ((1, 0), (2, 1)), data_format="channels_first"),
        np.pad(x4, ((0, 0), (0, 0), (1, 0), (2, 1))),
    )
    x5 = RNG.randn(1, 2, 2, 2, 1).astype(np.float32)
    close(K.spatial_3d_padding(t(x5)), np.pad(x5, ((0, 0), (1, 1), (1, 1), (1, 1), (0, 0))))


def _half_pixel_bilinear_axis(x, factor, axis):
    size = x.shape[axis]
    source = np.maximum((np.arange(size * factor) + 0.5) / factor - 0.5, 0.0)
    low = np.floor(source).astype(int)
    high = np.minimum(low + 1, size - 1)
    weight = (source - low).reshape([-1 if a == axis else 1 for a in range(x.ndim)])
    return np.take(x, low, axis=axis) * (1 - weight) + np.take(x, high, axis=axis) * weight


def test_resize_images_and_volumes():
    x = RNG.randn(2, 3, 4, 2).astype(np.float32)
    close(K.resize_images(t(x), 2, 3, "channels_last"), np.repeat(np.repeat(x, 2, axis=1), 3, axis=2))
    close(
        K.resize_images(t(x), 2, 1, "channels_first"),
        np.repeat(x, 2, axis=2),
    )
    expected = _half_pixel_bilinear_axis(_half_pixel_bilinear_axis(x, 2, 1), 2, 2)
    close(K.resize_images(t(x), 2, 2, "channels_last", interpolation="bilinear"), expected, rtol=1e-5)
    with pytest.raises(ValueError, match="interpolation='area'"):
        K.resize_images(t(x), 2, 2, "channels_last", interpolation="area")
    v = RNG.randn(1, 2, 2, 2, 1).astype(np.float32)
    close(K.resize_volumes(t(v), 2, 1, 3, "channels_last"), np.repeat(np.repeat(v, 2, axis=1), 3, axis=3))


# Control flow --------------------------------------------------------------------------------------------
def test_switch():
    x, y = t(A), t(-A)
    close(K.switch(True, x, y), A)
    close(K.switch(t(np.array(0)), lambda: x, lambda: y), -A)
    condition = np.array([True, False, True])
    close(K.switch(t(condition), x, y), np.where(condition[:, None], A, -A))
    with pytest.raises(ValueError, match="rank of `condition`"):
        K.switch(t(np.ones((3, 4, 1), bool)), x, y)


def test_in_train_phase_and_in_test_phase():
    x, alt = t(A), t(-A)
    close(K.in_train_phase(x, alt), -A)  # learning phase defaults to 0
    close(K.in_train_phase(x, alt, training=True), A)
    close(K.in_test_phase(x, alt, training=False), A)
    with K.learning_phase_scope(1):
        close(K.in_train_phase(lambda: x, lambda: alt), A)
        close(K.in_test_phase(x, alt), -A)


def test_map_fn_and_folds():
    close(K.map_fn(lambda row: row * 2, t(A)), A * 2)
    close(K.foldl(lambda acc, row: acc + row, t(A)), A.sum(0))
    close(K.foldr(lambda acc, row: acc * 0.5 + row, t(A), initializer=torch.zeros(4)), A[0] + 0.5 * (A[1] + 0.5 * A[2]))


def _accumulate(inputs, states):
    total = states[0] + inputs
    return total, [total]


def test_rnn_without_mask():
    x = RNG.randn(2, 4, 3).astype(np.float32)
    last, outputs, states = K.rnn(_accumulate, t(x), [torch.zeros(2, 3)])
    close(outputs, np.cumsum(x, axis=1))
    close(last, x.sum(1))
    close(states[0], x.sum(1))
    last_b, outputs_b, _ = K.rnn(_accumulate, t(x), [torch.zeros(2, 3)], go_backwards=True)
    close(outputs_b, np.cumsum(x[:, ::-1], axis=1))
    _, outputs_tm, _ = K.rnn(_accumulate, t(x.transpose(1, 0, 2)), [torch.zeros(2, 3)], time_major=True)
    close(outputs_tm, np.cumsum(x, axis=1).transpose(1, 0, 2))
    _, only_last, _ = K.rnn(_accumulate, t(x), [torch.zeros(2, 3)], return_all_outputs=False)
    assert K.int_shape(only_last) == (2, 1, 3)


def test_rnn_with_mask_keeps_states_and_repeats_outputs():
    x = np.ones((1, 4, 1), np.float32)
    mask = t(np.array([[True, False, True, False]]))
    last, outputs, states = K.rnn(_accumulate, t(x), [torch.zeros(1, 1)], mask=mask)
    close(outputs[..., 0], [[1.0, 1.0, 2.0, 2.0]])
    close(last, [[2.0]])
    close(states[0], [[2.0]])
    last_z, outputs_z, _ = K.rnn(_accumulate, t(x), [torch.zeros(1, 1)], mask=mask, zero_output_for_mask=True)
    close(outputs_z[..., 0], [[1.0, 0.0, 2.0, 0.0]])
    close(last_z, [[0.0]])
    with pytest.raises(ValueError, match="at least 3D"):
        K.rnn(_accumulate, t(A), [torch.zeros(3, 4)])


def test_gradients_and_stop_gradient():
    w = K.variable([1.0, 2.0])
    unused = K.variable(1.0)
    loss = K.sum(K.square(w))
    grads = K.gradients(loss, [w, unused])
    close(grads[0], [2.0, 4.0])
    assert grads[1] is None
    assert not K.stop_gradient(w * 2).requires_grad
    assert [g.requires_grad for g in K.stop_gradient([w, w])] == [False, False]


def test_normalization():
    x = RNG.randn(6, 4).astype(np.float32)
    mean, var = x.mean(0), x.var(0)
    gamma, beta = np.array([1.0, 2.0, 0.5, 1.0], np.float32), np.array([0.0, 1.0, -1.0, 0.5], np.float32)
    expected = (x - mean) / np.sqrt(var + 1e-3) * gamma + beta
    close(K.batch_normalization(t(x), t(mean), t(var), t(beta), t(gamma)), expected, rtol=1e-4)
    normed, batch_mean, batch_var = K.normalize_batch_in_training(t(x), t(gamma), t(beta), [0])
    close(normed, expected, rtol=1e-4, atol=1e-5)
    close(batch_mean, mean)
    close(batch_var, var)
    images = RNG.randn(2, 3, 4, 4).astype(np.float32)  # channels_first statistics on axis 1
    m, v = images.mean((0, 2, 3)), images.var((0, 2, 3))
    expected_cf = (images - m[:, None, None]) / np.sqrt(v[:, None, None] + 1e-3)
    close(K.batch_normalization(t(images), t(m), t(v), None, None, axis=1), expected_cf, rtol=1e-4, atol=1e-5)


# Convolutions and pooling ------------------------------------------------------------------------------------
def _ref(name):
    return t(REFERENCE[name])


def test_conv_matches_keras():
    x, kernel = _ref("conv2d_x"), _ref("conv2d_kernel")
    close(K.conv2d(x, kernel, strides=2, padding="same"), REFERENCE["conv2d_same_s2"], rtol=1e-4, atol=1e-4)
    close(K.conv2d(x, kernel, padding="valid", dilation_rate=2), REFERENCE["conv2d_valid_d2"], rtol=1e-4, atol=1e-4)
    close(K.conv2d(x, kernel, padding="same", dilation_rate=2), REFERENCE["conv2d_same_d2"], rtol=1e-4, atol=1e-4)
    x1, kernel1 = _ref("conv1d_x"), _ref("conv1d_kernel")
    close(K.conv1d(x1, kernel1, strides=2, padding="same"), REFERENCE["conv1d_same_s2"], rtol=1e-4, atol=1e-4)
    close(K.conv1d(x1, kernel1, padding="causal", dilation_rate=2), REFERENCE["conv1d_causal_d2"], rtol=1e-4, atol=1e-4)


def test_depthwise_separable_and_transposed_conv_match_keras():
    x = _ref("conv2d_x")
    depthwise, pointwise = _ref("depthwise_kernel"), _ref("pointwise_kernel")
    close(
        K.depthwise_conv2d(x, depthwise, strides=2, padding="same"),
        REFERENCE["depthwise_same_s2"],
        rtol=1e-4,
        atol=1e-4,
    )
    close(
        K.separable_conv2d(x, depthwise, pointwise, padding="same"), REFERENCE["separable_same"], rtol=1e-4, atol=1e-4
    )
    xt, kernel = _ref("convt_x"), _ref("convt_kernel")
    close(
        K.conv2d_transpose(xt, kernel, (2, 8, 10, 6), strides=2, padding="same"),
        REFERENCE["convt_same_s2"],
        rtol=1e-4,
        atol=1e-4,
    )
    close(
        K.conv2d_transpose(xt, kernel, (2, 9, 11, 6), strides=2, padding="valid"),
        REFERENCE["convt_valid_s2"],
        rtol=1e-4,
        atol=1e-4,
    )


def test_channels_first_matches_channels_last():
    x, kernel = _ref("conv2d_x"), _ref("conv2d_kernel")
    channels_first = K.conv2d(x.permute(0, 3, 1, 2), kernel, strides=2, padding="same", data_format="channels_first")
    close(channels_first.permute(0, 2, 3, 1), REFERENCE["conv2d_same_s2"], rtol=1e-4, atol=1e-4)
    pooled = K.pool2d(x.permute(0, 3, 1, 2), 3, 2, "same", data_format="channels_first")
    close(pooled.permute(0, 2, 3, 1), REFERENCE["maxpool_same_3s2"])


def test_conv3d_and_conv1d_transpose_against_conv2d():
    x = RNG.randn(2, 5, 6, 3).astype(np.float32)
    kernel = RNG.randn(3, 3, 3, 4).astype(np.float32)
    # A conv3d over a depth-1 volume with a depth-1 kernel is the conv2d.
    got = K.conv3d(t(x[:, None]), t(kernel[None]), strides=(1, 2, 2), padding="same")[:, 0]
    close(got, K.get_value(K.conv2d(t(x), t(kernel), strides=2, padding="same")), rtol=1e-4, atol=1e-4)
    x1 = RNG.randn(2, 4, 3).astype(np.float32)
    kernel1 = RNG.randn(3, 5, 3).astype(np.float32)
    got1 = K.conv1d_transpose(t(x1), t(kernel1), (2, 8, 5), strides=2, padding="same")
    as_2d = K.conv2d_transpose(t(x1[:, None]), t(kernel1[None]), (2, 1, 8, 5), strides=(1, 2), padding="same")[:, 0]
    close(got1, K.get_value(as_2d), rtol=1e-5)


def test_pooling():
    x = REFERENCE["conv2d_x"]
    close(K.pool2d(t(x), 3, 2, "same"), REFERENCE["maxpool_same_3s2"])
    close(K.pool2d(t(x), 2, 2, "valid", pool_mode="avg"), REFERENCE["avgpool_valid_2"], rtol=1e-5)
    # tf's 'same' average pooling divides by the number of real (unpadded) values in each window.
    height, width, k, s = 7, 8, 3, 2
    pad_top = ((4 - 1) * s + k - height) // 2
    pad_left = ((4 - 1) * s + k - width) // 2
    expected = np.zeros((2, 4, 4, 3), np.float32)
    for i in range(4):
        for j in range(4):
            r0, c0 = i * s - pad_top, j * s - pad_left
            window = x[:, max(r0, 0) : min(r0 + k, height), max(c0, 0) : min(c0 + k, width)]
            expected[:, i, j] = window.mean(axis=(1, 2))
    close(K.pool2d(t(x), 3, 2, "same", pool_mode="avg"), expected, rtol=1e-5)
    volume = RNG.randn(1, 4, 4, 4, 2).astype(np.float32)
    close(K.pool3d(t(volume), 2, 2), volume.reshape(1, 2, 2, 2, 2, 2, 2, 2).max(axis=(2, 4, 6)))
    with pytest.raises(ValueError, match="pool_mode='sum'"):
        K.pool2d(t(x), 2, 2, pool_mode="sum")
    with pytest.raises(ValueError, match="padding='full'"):
        K.conv2d(t(x), _ref("conv2d_kernel"), padding="full")


def test_bias_add():
    x = RNG.randn(2, 3, 4, 5).astype(np.float32)
    bias = RNG.randn(5).astype(np.float32)
    close(K.bias_add(t(x), t(bias)), x + bias)
    bias_cf = RNG.randn(3).astype(np.float32)
    close(K.bias_add(t(x), t(bias_cf), data_format="channels_first"), x + bias_cf[None, :, None, None])
    full_bias = RNG.randn(3, 4, 5).astype(np.float32)
    close(K.bias_add(t(x), t(full_bias)), x + full_bias)
    # Keras reshapes (not transposes) a (rows, cols, channels) bias to (1, channels, rows, cols).
    full_bias_cl = RNG.randn(4, 5, 3).astype(np.float32)
    close(K.bias_add(t(x), t(full_bias_cl), data_format="channels_first"), x + full_bias_cl.reshape(1, 3, 4, 5))
    with pytest.raises(ValueError, match="unexpected bias dimensions 2"):
        K.bias_add(t(x), t(np.ones((4, 5), np.float32)))


def test_print_tensor_and_name_scope(capsys):
    x = t(np.array([1.0, 2.0], np.float32))
    assert K.print_tensor(x, message="x =") is x
    assert "x =" in capsys.readouterr().out
    with K.name_scope("block") as name:
        assert name == "block"


def test_function_runs_the_graph_and_honours_the_learning_phase_slot():
    from kerastorch import layers

    inputs = layers.Input(shape=(3,))
    dense = layers.Dense(2, use_bias=False)
    hidden = dense(inputs)
    outputs = layers.Dropout(0.5)(hidden)
    kernel = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], np.float32)
    dense.set_weights([kernel])
    x = np.ones((400, 3), np.float32)
    f = K.function([inputs], [hidden])
    values = f([x])
    assert isinstance(values, list)
    np.testing.assert_allclose(values[0], x @ kernel)
    with_phase = K.function([inputs, K.learning_phase()], [outputs])
    np.testing.assert_allclose(with_phase([x, 0])[0], x @ kernel)
    dropped = with_phase([x, 1])[0]
    assert 0.4 < (dropped == 0).mean() < 0.6
    with pytest.raises(ValueError, match="expects 2 input values"):
        with_phase([x])
