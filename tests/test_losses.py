"""Tests for kerastorch.losses against NumPy versions of the tf.keras 2 formulas and Keras-written arrays.

`tests/data/losses_keras.npz` holds inputs and outputs computed by real Keras (3.x, torch backend)
for moderate values, where its formulas equal tf.keras 2's.
"""

import os
import warnings

import numpy as np
import pytest
import torch

from kerastorch import losses

EPS = 1e-7
DATA = np.load(os.path.join(os.path.dirname(__file__), "data", "losses_keras.npz"))


def t(x, dtype=torch.float32):
    return torch.as_tensor(np.asarray(x), dtype=dtype)


def close(actual, expected, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(actual.detach().numpy(), np.asarray(expected), rtol=rtol, atol=atol)


# ---------------------------------------------------------------------------------------------
# NumPy references (float64) of the tf.keras 2 formulas
# ---------------------------------------------------------------------------------------------
def np_convert_labels(y):
    return 2 * y - 1 if np.all((y == 0) | (y == 1)) else y


def np_l2_normalize(x, axis=-1):
    return x / np.sqrt(np.maximum(np.sum(x * x, axis=axis, keepdims=True), 1e-12))


NUMPY_LOSSES = {
    "mean_squared_error": lambda y, p: np.mean((y - p) ** 2, -1),
    "mean_absolute_error": lambda y, p: np.mean(np.abs(y - p), -1),
    "mean_absolute_percentage_error": lambda y, p: 100 * np.mean(np.abs((y - p) / np.maximum(np.abs(y), EPS)), -1),
    "mean_squared_logarithmic_error": lambda y, p: np.mean(
        (np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(y, EPS) + 1)) ** 2, -1
    ),
    "squared_hinge": lambda y, p: np.mean(np.maximum(1 - np_convert_labels(y) * p, 0) ** 2, -1),
    "hinge": lambda y, p: np.mean(np.maximum(1 - np_convert_labels(y) * p, 0), -1),
    "categorical_hinge": lambda y, p: np.maximum(np.max((1 - y) * p, -1) - np.sum(y * p, -1) + 1, 0),
    "logcosh": lambda y, p: np.mean(np.log(np.cosh(p - y)), -1),
    "huber": lambda y, p: np.mean(np.where(np.abs(p - y) <= 1.0, 0.5 * (p - y) ** 2, np.abs(p - y) - 0.5), -1),
    "kullback_leibler_divergence": lambda y, p: np.sum(
        np.clip(y, EPS, 1) * np.log(np.clip(y, EPS, 1) / np.clip(p, EPS, 1)), -1
    ),
    "poisson": lambda y, p: np.mean(p - y * np.log(p + EPS), -1),
    "cosine_similarity": lambda y, p: -np.sum(np_l2_normalize(y) * np_l2_normalize(p), -1),
}


def np_categorical_crossentropy(y, p, axis=-1):
    p = p / p.sum(axis, keepdims=True)
    return -np.sum(y * np.log(np.clip(p, EPS, 1 - EPS)), axis)


def np_log_softmax(x, axis=-1):
    shifted = x - x.max(axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis, keepdims=True))


def np_sparse_categorical_crossentropy(labels, p):
    # tf.keras 2: clip, log, then softmax cross-entropy on the log-probabilities (no rescaling first).
    log_p = np_log_softmax(np.log(np.clip(p, EPS, 1 - EPS)))
    return -np.take_along_axis(log_p, labels[..., None].astype(np.int64), -1)[..., 0]


def np_binary_crossentropy(y, p):
    # The clip happens in float32, where 1 - epsilon rounds to 1 - 1.19e-7.
    p = np.clip(np.float32(p), np.float32(EPS), np.float32(1 - EPS)).astype(np.float64)
    return np.mean(-(y * np.log(p + EPS) + (1 - y) * np.log(1 - p + EPS)), -1)


def np_binary_crossentropy_logits(y, x):
    return np.mean(np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x))), -1)


def inputs_for(name, rng, shape):
    if name in ("mean_squared_logarithmic_error", "poisson"):
        return rng.uniform(0.1, 3, shape), rng.uniform(0.1, 3, shape)
    if name == "kullback_leibler_divergence":
        y = rng.uniform(0.05, 1, shape)
        p = rng.uniform(0.05, 1, shape)
        return y / y.sum(-1, keepdims=True), p / p.sum(-1, keepdims=True)
    if name == "categorical_hinge":
        return np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])], rng.normal(size=shape)
    if name in ("hinge", "squared_hinge"):
        return rng.choice([-1.0, 1.0], shape), rng.normal(size=shape)
    return rng.normal(size=shape), rng.normal(size=shape)


# ---------------------------------------------------------------------------------------------
# Loss functions
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(NUMPY_LOSSES))
@pytest.mark.parametrize("shape", [(7, 4), (3, 5, 4)])
def test_loss_function_matches_numpy(name, shape):
    rng = np.random.default_rng(0)
    y, p = inputs_for(name, rng, shape)
    result = getattr(losses, name)(t(y), t(p))
    assert tuple(result.shape) == shape[:-1]
    close(result, NUMPY_LOSSES[name](y, p), rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize(
    "key, fn, true_key, pred_key",
    [
        ("mean_squared_error", losses.mean_squared_error, "reg_y_true", "reg_y_pred"),
        ("mean_absolute_error", losses.mean_absolute_error, "reg_y_true", "reg_y_pred"),
        ("mean_absolute_percentage_error", losses.mean_absolute_percentage_error, "reg_y_true", "reg_y_pred"),
        ("mean_squared_logarithmic_error", losses.mean_squared_logarithmic_error, "pos_y_true", "pos_y_pred"),
        ("logcosh", losses.log_cosh, "reg_y_true", "reg_y_pred"),
        ("huber", losses.huber, "reg_y_true", "reg_y_pred"),
        ("poisson", losses.poisson, "pos_y_true", "pos_y_pred"),
        ("hinge_pm", losses.hinge, "pm_y_true", "reg_y_pred"),
        ("hinge_01", losses.hinge, "bin_y_true", "reg_y_pred"),
        ("squared_hinge_pm", losses.squared_hinge, "pm_y_true", "reg_y_pred"),
        ("squared_hinge_01", losses.squared_hinge, "bin_y_true", "reg_y_pred"),
        ("cosine_similarity", losses.cosine_similarity, "reg_y_true", "reg_y_pred"),
        ("categorical_hinge", losses.categorical_hinge, "ce_onehot", "reg_y_pred"),
        ("kld", losses.kld, "kld_y_true", "ce_probs"),
        ("categorical_crossentropy", losses.categorical_crossentropy, "ce_onehot", "ce_probs"),
    ],
)
def test_loss_function_matches_keras(key, fn, true_key, pred_key):
    close(fn(t(DATA[true_key]), t(DATA[pred_key])), DATA["loss_" + key], rtol=1e-5, atol=1e-5)


def test_crossentropies_match_keras():
    onehot, probs, logits, labels = (t(DATA[k]) for k in ("ce_onehot", "ce_probs", "ce_logits", "ce_labels"))
    close(
        losses.categorical_crossentropy(onehot, logits, from_logits=True), DATA["loss_categorical_crossentropy_logits"]
    )
    close(losses.categorical_crossentropy(onehot, probs, label_smoothing=0.1), DATA["loss_categorical_crossentropy_ls"])
    sparse_labels = torch.as_tensor(DATA["ce_labels"])
    close(losses.sparse_categorical_crossentropy(sparse_labels, probs), DATA["loss_sparse_categorical_crossentropy"])
    close(
        losses.sparse_categorical_crossentropy(sparse_labels, logits, from_logits=True),
        DATA["loss_sparse_categorical_crossentropy_logits"],
    )
    blabels, blogits = t(DATA["bce_labels"]), t(DATA["bce_logits"])
    close(losses.binary_crossentropy(blabels, blogits, from_logits=True), DATA["loss_binary_crossentropy_logits"])
    close(
        losses.binary_crossentropy(blabels, blogits, from_logits=True, label_smoothing=0.2),
        DATA["loss_binary_crossentropy_logits_ls"],
    )
    close(
        losses.sparse_categorical_crossentropy(
            torch.as_tensor(DATA["seq_labels"]), t(DATA["seq_logits"]), from_logits=True
        ),
        DATA["loss_scce_seq"],
    )


def test_huber_delta_matches_keras():
    result = losses.huber(t(DATA["reg_y_true"]), t(DATA["reg_y_pred"]), delta=0.5)
    close(result, DATA["loss_huber_delta_0_5"])


def test_aliases_are_the_same_functions():
    assert losses.mse is losses.MSE is losses.mean_squared_error
    assert losses.mae is losses.MAE is losses.mean_absolute_error
    assert losses.mape is losses.MAPE is losses.mean_absolute_percentage_error
    assert losses.msle is losses.MSLE is losses.mean_squared_logarithmic_error
    assert losses.kld is losses.KLD is losses.kullback_leibler_divergence
    assert losses.log_cosh is losses.logcosh
    assert losses.huber_loss is losses.huber
    assert losses.cosine_proximity is losses.cosine_similarity


def test_hinge_converts_zero_one_labels_only_when_all_binary():
    y_pred = t([[0.3, -0.8, 2.0]])
    # {0, 1} -> {-1, 1}: 1 + 0.3, 1 + 0.8, max(1 - 2, 0).
    close(losses.hinge(t([[0.0, 1.0, 1.0]]), y_pred), [np.mean([1.3, 1.8, 0.0])])
    # 0.5 is not binary: labels are used as given.
    close(losses.hinge(t([[0.0, 1.0, 0.5]]), y_pred), [np.mean([1.0, 1.8, 0.0])])


def test_cosine_similarity_sign_and_zero_vectors():
    y = t([[1.0, 0.0], [0.0, 0.0]])
    p = t([[2.0, 0.0], [1.0, 1.0]])
    close(losses.cosine_similarity(y, p), [-1.0, 0.0])
    assert torch.isfinite(losses.cosine_similarity(y, p)).all()


# ---------------------------------------------------------------------------------------------
# Cross-entropies: clipping, logits path
# ---------------------------------------------------------------------------------------------
def test_categorical_crossentropy_normalises_then_clips():
    y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.2, 0.3, 0.5]])
    p = np.array([[0.2, 0.0, 0.6], [1.0, 0.0, 0.0], [0.5, 1.0, 0.5]])  # rows not summing to 1, exact 0s and 1s
    result = losses.categorical_crossentropy(t(y), t(p))
    close(result, np_categorical_crossentropy(y, p), rtol=1e-5)
    assert result[0].item() == pytest.approx(-np.log(EPS), rel=1e-5)


def test_sparse_categorical_crossentropy_clips_before_normalising():
    labels = np.array([1, 0, 2])
    p = np.array([[0.2, 0.0, 0.6], [1.0, 0.0, 0.0], [0.5, 1.0, 0.5]])
    result = losses.sparse_categorical_crossentropy(torch.as_tensor(labels), t(p))
    close(result, np_sparse_categorical_crossentropy(labels, p), rtol=1e-5)
    # Rows that do not sum to 1 are not the categorical value: tf.keras 2 clips first.
    assert not np.allclose(result.numpy(), np_categorical_crossentropy(np.eye(3)[labels], p))


def test_binary_crossentropy_clipped_probabilities():
    y = np.array([[1.0, 0.0, 1.0, 0.0, 0.3]])
    p = np.array([[0.0, 1.0, 1.0, 0.0, 0.5]])
    result = losses.binary_crossentropy(t(y), t(p))
    close(result, np_binary_crossentropy(y, p), rtol=1e-5)
    assert torch.isfinite(result).all()


def test_binary_crossentropy_label_smoothing():
    y = np.array([[1.0, 0.0, 1.0]])
    p = np.array([[0.9, 0.2, 0.4]])
    smoothed = y * 0.8 + 0.5 * 0.2
    close(losses.binary_crossentropy(t(y), t(p), label_smoothing=0.2), np_binary_crossentropy(smoothed, p))


def test_categorical_crossentropy_label_smoothing_and_axis():
    rng = np.random.default_rng(1)
    y = np.eye(4)[rng.integers(0, 4, 5)]
    p = rng.uniform(0.05, 1, (5, 4))
    smoothed = y * 0.9 + 0.1 / 4
    close(losses.categorical_crossentropy(t(y), t(p), label_smoothing=0.1), np_categorical_crossentropy(smoothed, p))
    # Channels-first: classes on axis 1.
    y_cf, p_cf = np.moveaxis(y[None], -1, 1), np.moveaxis(p[None], -1, 1)
    close(losses.categorical_crossentropy(t(y_cf), t(p_cf), axis=1), np_categorical_crossentropy(y, p)[None])


def with_cached_logits(activation, logits):
    probs = activation(logits)
    probs._keras_logits = logits
    return probs


def test_softmax_logits_path_equals_from_logits_and_probability_path():
    rng = np.random.default_rng(2)
    x = t(rng.normal(scale=2.0, size=(6, 5)))
    y = t(np.eye(5)[rng.integers(0, 5, 6)])
    labels = torch.as_tensor(rng.integers(0, 5, 6))
    probs = with_cached_logits(lambda v: torch.softmax(v, -1), x)
    plain = torch.softmax(x, -1)
    for cached, expected_logits, expected_probs in [
        (
            losses.categorical_crossentropy(y, probs),
            losses.categorical_crossentropy(y, x, from_logits=True),
            losses.categorical_crossentropy(y, plain),
        ),
        (
            losses.sparse_categorical_crossentropy(labels, probs),
            losses.sparse_categorical_crossentropy(labels, x, from_logits=True),
            losses.sparse_categorical_crossentropy(labels, plain),
        ),
    ]:
        close(cached, expected_logits.numpy(), rtol=1e-6, atol=1e-6)
        close(cached, expected_probs.numpy(), rtol=1e-5, atol=1e-5)
    reference = -np.sum(y.numpy() * np_log_softmax(x.numpy().astype(np.float64)), -1)
    close(losses.categorical_crossentropy(y, probs), reference, rtol=1e-6)


def test_sigmoid_logits_path_equals_from_logits_and_probability_path():
    rng = np.random.default_rng(3)
    x = rng.normal(scale=2.0, size=(6, 4))
    y = rng.integers(0, 2, (6, 4)).astype(np.float64)
    probs = with_cached_logits(torch.sigmoid, t(x))
    result = losses.binary_crossentropy(t(y), probs)
    close(result, np_binary_crossentropy_logits(y, x), rtol=1e-6)
    close(result, losses.binary_crossentropy(t(y), torch.sigmoid(t(x))).numpy(), rtol=1e-4, atol=1e-5)


def test_extreme_logits_stay_finite_and_exact():
    x = t([[100.0, -100.0, 0.0], [-80.0, 90.0, 5.0]])
    y = t([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    probs = with_cached_logits(lambda v: torch.softmax(v, -1), x)
    result = losses.categorical_crossentropy(y, probs)
    assert torch.isfinite(result).all()
    close(result, -np.sum(y.numpy() * np_log_softmax(x.numpy().astype(np.float64)), -1), rtol=1e-6)
    assert result[0].item() == pytest.approx(200.0, rel=1e-6)
    # The probability path saturates at -log(epsilon) instead.
    assert losses.categorical_crossentropy(y, torch.softmax(x, -1))[0].item() == pytest.approx(-np.log(EPS), rel=1e-4)

    labels = torch.tensor([1, 0])
    sparse = losses.sparse_categorical_crossentropy(labels, probs)
    close(sparse, result.numpy(), rtol=1e-6)

    bx = t([[60.0, -70.0, 0.5]])
    by = t([[0.0, 0.0, 1.0]])
    binary = losses.binary_crossentropy(by, with_cached_logits(torch.sigmoid, bx))
    assert torch.isfinite(binary).all()
    close(binary, np_binary_crossentropy_logits(by.numpy(), bx.numpy().astype(np.float64)), rtol=1e-6)


def test_cached_logits_gradient_is_softmax_minus_labels():
    x = torch.tensor([[1.0, -2.0, 0.5], [30.0, -30.0, 0.0]], requires_grad=True)
    y = t([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    probs = with_cached_logits(lambda v: torch.softmax(v, -1), x)
    losses.CategoricalCrossentropy(reduction="sum")(y, probs).backward()
    close(x.grad, (torch.softmax(x, -1) - y).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_from_logits_true_with_cached_logits_warns_and_uses_logits():
    x = t([[1.0, 2.0, 3.0]])
    y = t([[0.0, 0.0, 1.0]])
    probs = with_cached_logits(lambda v: torch.softmax(v, -1), x)
    with pytest.warns(UserWarning, match="from_logits=True"):
        result = losses.categorical_crossentropy(y, probs, from_logits=True)
    close(result, losses.categorical_crossentropy(y, x, from_logits=True).numpy())


@pytest.mark.parametrize(
    "labels, shape",
    [
        ([2, 0, 1], (3,)),
        ([[2], [0], [1]], (3,)),
        ([2.0, 0.0, 1.0], (3,)),
        ([[2.0], [0.0], [1.0]], (3,)),
    ],
)
def test_sparse_categorical_crossentropy_label_shapes(labels, shape):
    p = np.array([[0.1, 0.2, 0.7], [0.5, 0.3, 0.2], [0.25, 0.5, 0.25]])
    labels_tensor = torch.as_tensor(np.asarray(labels))
    result = losses.sparse_categorical_crossentropy(labels_tensor, t(p))
    assert tuple(result.shape) == shape
    close(result, -np.log([0.7, 0.5, 0.5]), rtol=1e-6)


def test_sparse_categorical_crossentropy_sequences_and_channels_first():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 3, 5))
    labels = rng.integers(0, 5, (2, 3))
    expected = -np.take_along_axis(np_log_softmax(x), labels[..., None], -1)[..., 0]
    for label_array in (labels, labels[..., None]):
        result = losses.sparse_categorical_crossentropy(torch.as_tensor(label_array), t(x), from_logits=True)
        assert tuple(result.shape) == (2, 3)
        close(result, expected, rtol=1e-5)
    channels_first = t(np.moveaxis(x, -1, 1))
    close(
        losses.sparse_categorical_crossentropy(torch.as_tensor(labels), channels_first, from_logits=True, axis=1),
        expected,
        rtol=1e-5,
    )


def test_sparse_categorical_crossentropy_rejects_mismatched_labels():
    with pytest.raises(ValueError, match="y_true.shape=\\(4,\\)"):
        losses.sparse_categorical_crossentropy(torch.tensor([0, 1, 2, 0]), torch.rand(3, 5))


def test_categorical_crossentropy_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="y_pred.shape=\\(3, 4\\)"):
        losses.categorical_crossentropy(torch.rand(3, 5), torch.rand(3, 4))


def test_loss_functions_accept_numpy_and_integer_labels():
    result = losses.mean_squared_error(np.array([[1, 2]]), torch.tensor([[1.5, 2.5]]))
    close(result, [0.25])
    assert result.dtype == torch.float32


# ---------------------------------------------------------------------------------------------
# Reductions and sample weights
# ---------------------------------------------------------------------------------------------
def test_compute_weighted_loss_reductions():
    values = t([1.0, 2.0, 3.0, 4.0])
    weights = t([0.0, 1.0, 0.5, 2.0])
    weighted = np.array([0.0, 2.0, 1.5, 8.0])
    close(losses.compute_weighted_loss(values, weights), weighted.sum() / 4)
    close(losses.compute_weighted_loss(values, weights, reduction="auto"), weighted.sum() / 4)
    close(losses.compute_weighted_loss(values, weights, reduction="sum"), weighted.sum())
    close(losses.compute_weighted_loss(values, weights, reduction="none"), weighted)
    close(losses.compute_weighted_loss(values), 2.5)
    close(losses.compute_weighted_loss(values, 2.0), 5.0)
    close(losses.compute_weighted_loss(values, t([[0.0], [1.0], [0.5], [2.0]])), weighted.sum() / 4)


def test_compute_weighted_loss_temporal():
    rng = np.random.default_rng(5)
    values = rng.uniform(size=(3, 4))
    per_sample = rng.uniform(size=(3,))
    per_step = rng.uniform(size=(3, 4))
    # (batch,) weights broadcast along the timesteps; the mean is over all batch * T elements.
    close(losses.compute_weighted_loss(t(values), t(per_sample)), (values * per_sample[:, None]).sum() / 12)
    close(losses.compute_weighted_loss(t(values), t(per_step)), (values * per_step).sum() / 12)


def test_compute_weighted_loss_errors():
    with pytest.raises(ValueError, match="'mean'"):
        losses.compute_weighted_loss(t([1.0]), reduction="mean")
    with pytest.raises(ValueError, match="sample_weight"):
        losses.compute_weighted_loss(t([1.0, 2.0, 3.0]), t([1.0, 2.0]))
    with pytest.raises(ValueError, match="sample_weight"):
        losses.compute_weighted_loss(t([1.0, 2.0]), t([[1.0, 2.0], [3.0, 4.0]]))


def test_loss_class_reductions_match_keras():
    yt, yp, sw = t(DATA["reg_y_true"]), t(DATA["reg_y_pred"]), t(DATA["sw"])
    onehot, logits = t(DATA["ce_onehot"]), t(DATA["ce_logits"])
    for reduction in ("sum_over_batch_size", "sum", "none"):
        close(losses.MeanSquaredError(reduction=reduction)(yt, yp, sample_weight=sw), DATA[f"cls_mse_{reduction}"])
        cce = losses.CategoricalCrossentropy(from_logits=True, reduction=reduction)
        close(cce(onehot, logits, sample_weight=sw), DATA[f"cls_cce_logits_{reduction}"])
    seq_t, seq_p, seq_tw = t(DATA["seq_t"]), t(DATA["seq_p"]), t(DATA["seq_tw"])
    close(losses.MeanSquaredError()(seq_t, seq_p, sample_weight=seq_tw), DATA["cls_mse_seq_temporal"])
    scce = losses.SparseCategoricalCrossentropy(from_logits=True)
    close(
        scce(torch.as_tensor(DATA["seq_labels"]), t(DATA["seq_logits"]), sample_weight=seq_tw),
        DATA["cls_scce_seq_temporal"],
    )


def test_loss_class_sequence_with_per_sample_weights():
    seq_t, seq_p, seq_w = DATA["seq_t"], DATA["seq_p"], DATA["seq_w"]
    per_step = np.mean((seq_t - seq_p) ** 2, -1)
    expected = (per_step * seq_w[:, None]).sum() / per_step.size
    close(losses.MeanSquaredError()(t(seq_t), t(seq_p), sample_weight=t(seq_w)), expected)


CLASS_CASES = [
    (losses.MeanSquaredError, {}, losses.mean_squared_error, "mean_squared_error"),
    (losses.MeanAbsoluteError, {}, losses.mean_absolute_error, "mean_absolute_error"),
    (losses.MeanAbsolutePercentageError, {}, losses.mean_absolute_percentage_error, "mean_absolute_percentage_error"),
    (losses.MeanSquaredLogarithmicError, {}, losses.mean_squared_logarithmic_error, "mean_squared_logarithmic_error"),
    (losses.BinaryCrossentropy, {"label_smoothing": 0.1}, losses.binary_crossentropy, "binary_crossentropy"),
    (
        losses.CategoricalCrossentropy,
        {"label_smoothing": 0.2},
        losses.categorical_crossentropy,
        "categorical_crossentropy",
    ),
    (losses.Hinge, {}, losses.hinge, "hinge"),
    (losses.SquaredHinge, {}, losses.squared_hinge, "squared_hinge"),
    (losses.CategoricalHinge, {}, losses.categorical_hinge, "categorical_hinge"),
    (losses.Huber, {"delta": 0.7}, losses.huber, "huber_loss"),
    (losses.LogCosh, {}, losses.logcosh, "log_cosh"),
    (losses.KLDivergence, {}, losses.kullback_leibler_divergence, "kl_divergence"),
    (losses.Poisson, {}, losses.poisson, "poisson"),
    (losses.CosineSimilarity, {"axis": -1}, losses.cosine_similarity, "cosine_similarity"),
]


@pytest.mark.parametrize("cls, kwargs, fn, default_name", CLASS_CASES)
def test_loss_classes_weight_their_function(cls, kwargs, fn, default_name):
    rng = np.random.default_rng(6)
    y = rng.uniform(0.05, 1, (5, 3))
    p = rng.uniform(0.05, 1, (5, 3))
    w = rng.uniform(0, 2, (5,))
    per_sample = fn(t(y), t(p), **kwargs).numpy()
    loss = cls(**kwargs)
    assert loss.name == default_name
    close(loss(t(y), t(p)), per_sample.mean())
    close(loss(t(y), t(p), sample_weight=t(w)), (per_sample * w).sum() / 5)
    close(cls(reduction="sum", **kwargs)(t(y), t(p), sample_weight=t(w)), (per_sample * w).sum())
    close(cls(reduction="none", **kwargs)(t(y), t(p), sample_weight=t(w)), per_sample * w)


@pytest.mark.parametrize("cls, kwargs, fn, default_name", CLASS_CASES)
def test_loss_class_config_round_trip(cls, kwargs, fn, default_name):
    loss = cls(reduction="sum", name="custom", **kwargs)
    config = loss.get_config()
    assert config["reduction"] == "sum" and config["name"] == "custom"
    for key, value in kwargs.items():
        assert config[key] == value
    clone = cls.from_config(config)
    assert clone.get_config() == config
    restored = losses.deserialize(losses.serialize(loss))
    assert type(restored) is cls and restored.get_config() == config


def test_sparse_categorical_crossentropy_class_config():
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    assert loss.get_config() == {
        "reduction": "auto",
        "name": "sparse_categorical_crossentropy",
        "from_logits": True,
        "ignore_class": None,
    }
    close(
        loss(torch.tensor([1, 0]), t([[0.0, 2.0], [1.0, -1.0]])),
        np.mean(-np.take_along_axis(np_log_softmax(np.array([[0.0, 2.0], [1.0, -1.0]])), np.array([[1], [0]]), -1)),
    )


def test_sparse_categorical_crossentropy_ignore_class():
    x = np.array([[[1.0, 2.0, 0.5], [0.0, 0.0, 3.0], [2.0, -1.0, 0.0]]])
    labels = np.array([[1, -1, 0]])
    per_entry = -np.take_along_axis(np_log_softmax(x), np.maximum(labels, 0)[..., None], -1)[..., 0]
    result = losses.sparse_categorical_crossentropy(torch.as_tensor(labels), t(x), from_logits=True, ignore_class=-1)
    close(result, per_entry * [[1, 0, 1]])
    assert result._keras_mask.tolist() == [[True, False, True]]
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    # The mean runs over the valid entries only.
    close(loss(torch.as_tensor(labels), t(x)), (per_entry[0, 0] + per_entry[0, 2]) / 2)
    weights = np.array([[2.0, 5.0, 1.0]])
    close(
        loss(torch.as_tensor(labels), t(x), sample_weight=t(weights)),
        (2.0 * per_entry[0, 0] + per_entry[0, 2]) / 2,
    )
    summed = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, reduction="sum")
    close(summed(torch.as_tensor(labels), t(x)), per_entry[0, 0] + per_entry[0, 2])


def test_loss_class_squeezes_trailing_axis_like_keras():
    # y_pred (batch, 1) against y_true (batch,): the trailing axis of y_pred is squeezed first.
    y_true = t([1.0, 2.0, 3.0])
    y_pred = t([[1.5], [2.0], [2.0]])
    close(losses.MeanSquaredError()(y_true, y_pred), np.mean([0.25, 0.0, 1.0]) / 1)
    close(
        losses.MeanSquaredError()(t([[1.0], [2.0], [3.0]]), y_pred, sample_weight=t([1.0, 0.0, 2.0])), (0.25 + 2.0) / 3
    )


def test_loss_function_wrapper_with_custom_function():
    def scaled_absolute_error(y_true, y_pred, scale=1.0):
        return scale * torch.mean(torch.abs(y_true - y_pred), dim=-1)

    loss = losses.LossFunctionWrapper(scaled_absolute_error, reduction="sum", scale=3.0)
    assert loss.name == "scaled_absolute_error"
    close(loss(t([[1.0, 2.0], [0.0, 0.0]]), t([[2.0, 2.0], [1.0, 1.0]])), 3.0 * (0.5 + 1.0))
    config = loss.get_config()
    assert config["scale"] == 3.0 and config["fn"] == "scaled_absolute_error"
    with pytest.raises(ValueError, match="scaled_absolute_error"):
        losses.LossFunctionWrapper.from_config(config)
    clone = losses.deserialize(losses.serialize(loss), custom_objects={"scaled_absolute_error": scaled_absolute_error})
    close(clone(t([[1.0, 2.0]]), t([[2.0, 2.0]])), 1.5)


def test_loss_subclass_with_call():
    class DoubleMSE(losses.Loss):
        def call(self, y_true, y_pred):
            return 2 * losses.mean_squared_error(y_true, y_pred)

    loss = DoubleMSE(name="double")
    close(loss(t([[0.0, 0.0]]), t([[1.0, 1.0]])), 2.0)
    with pytest.raises(TypeError, match="must override `call"):
        losses.Loss()(t([1.0]), t([1.0]))
    with pytest.raises(ValueError, match="'average'"):
        DoubleMSE(reduction="average")


# ---------------------------------------------------------------------------------------------
# get / serialize / deserialize / names
# ---------------------------------------------------------------------------------------------
def test_get_returns_plain_functions_for_names():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("categorical_crossentropy") is losses.categorical_crossentropy
    assert losses.get("kld") is losses.kullback_leibler_divergence
    assert losses.get("huber_loss") is losses.huber
    assert losses.get(None) is None
    assert losses.get(losses.poisson) is losses.poisson


def test_get_builds_instances_for_classes_and_configs():
    assert isinstance(losses.get("MeanSquaredError"), losses.MeanSquaredError)
    assert isinstance(losses.get(losses.Huber), losses.Huber)
    instance = losses.BinaryCrossentropy()
    assert losses.get(instance) is instance
    loss = losses.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    assert isinstance(loss, losses.CategoricalCrossentropy) and loss.get_config()["from_logits"] is True
    assert losses.get({"class_name": "function", "config": "mae"}) is losses.mean_absolute_error


def test_get_unknown_names_list_valid_names():
    with pytest.raises(ValueError, match="Unknown loss function 'mean_sqared_error'.*mean_squared_error"):
        losses.get("mean_sqared_error")
    with pytest.raises(ValueError, match="Unknown loss class 'Nope'.*MeanSquaredError"):
        losses.get({"class_name": "Nope", "config": {}})
    with pytest.raises(ValueError, match="Could not interpret loss identifier 3"):
        losses.get(3)


def test_serialize_functions_by_name():
    assert losses.serialize(losses.mse) == "mean_squared_error"
    assert losses.serialize(losses.kld) == "kullback_leibler_divergence"
    assert losses.deserialize("mean_squared_error") is losses.mean_squared_error


def test_get_loss_name():
    assert losses.get_loss_name("mse") == "mse"
    assert losses.get_loss_name(losses.mean_absolute_error) == "mean_absolute_error"
    assert losses.get_loss_name(losses.CategoricalCrossentropy()) == "categorical_crossentropy"
    assert losses.get_loss_name(losses.Huber(name="my_huber")) == "my_huber"
    assert losses.get_loss_name(losses.MeanSquaredError) == "mean_squared_error"

    def my_loss(y_true, y_pred):
        return y_pred

    assert losses.get_loss_name(my_loss) == "my_loss"


def test_no_warning_on_plain_probabilities():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses.categorical_crossentropy(t([[0.0, 1.0]]), t([[0.3, 0.7]]))
