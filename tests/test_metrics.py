"""Tests for kerastorch.metrics against NumPy versions of the tf.keras 2 formulas and Keras-written arrays.

`tests/data/metrics_keras.npz` holds three batches of different sizes and the results real Keras
(3.x, torch backend) gives for metric objects updated with them, with and without sample weights.
"""

import copy
import os

import numpy as np
import pytest
import torch

from kerastorch import losses
from kerastorch import metrics

DATA = np.load(os.path.join(os.path.dirname(__file__), "data", "metrics_keras.npz"))
BATCHES = [{key[3:]: DATA[key] for key in DATA.files if key.startswith(f"b{i}_")} for i in range(3)]


def t(x, dtype=torch.float32):
    return torch.as_tensor(np.asarray(x), dtype=dtype)


def close(actual, expected, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(actual.detach().cpu().numpy(), np.asarray(expected), rtol=rtol, atol=atol)


# ---------------------------------------------------------------------------------------------
# Metric functions
# ---------------------------------------------------------------------------------------------
def test_binary_accuracy_thresholds_strictly():
    y = np.array([[1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]])
    p = np.array([[0.6, 0.5, 0.5, 0.2], [0.9, 0.71, 0.7, 0.1]])
    close(metrics.binary_accuracy(t(y), t(p)), np.mean((p > 0.5) == y, -1))
    close(metrics.binary_accuracy(t(y), t(p), threshold=0.7), np.mean((p > 0.7) == y, -1))
    # A prediction equal to the threshold counts as 0.
    close(metrics.binary_accuracy(t(y), t(p)), [1.0, 0.75])
    close(metrics.binary_accuracy(t(y), t(p), threshold=0.7), [0.75, 1.0])


def test_categorical_and_sparse_categorical_accuracy():
    rng = np.random.default_rng(0)
    p = rng.uniform(size=(6, 4))
    labels = rng.integers(0, 4, 6)
    expected = (p.argmax(-1) == labels).astype(np.float32)
    close(metrics.categorical_accuracy(t(np.eye(4)[labels]), t(p)), expected)
    for label_array in (labels, labels[:, None], labels.astype(np.float32)):
        result = metrics.sparse_categorical_accuracy(torch.as_tensor(label_array), t(p))
        assert tuple(result.shape) == (6,)
        close(result, expected)


def test_sparse_categorical_accuracy_sequences():
    rng = np.random.default_rng(1)
    p = rng.uniform(size=(2, 3, 5))
    labels = rng.integers(0, 5, (2, 3))
    expected = (p.argmax(-1) == labels).astype(np.float32)
    for label_array in (labels, labels[..., None]):
        result = metrics.sparse_categorical_accuracy(torch.as_tensor(label_array), t(p))
        assert tuple(result.shape) == (2, 3)
        close(result, expected)


def np_in_top_k(p, labels, k):
    target = np.take_along_axis(p, labels[:, None], -1)
    return ((p > target).sum(-1) < k).astype(np.float32)


def test_top_k_accuracies_with_ties():
    p = np.array([[0.1, 0.3, 0.3, 0.3], [0.4, 0.3, 0.2, 0.1], [0.25, 0.25, 0.25, 0.25]])
    labels = np.array([3, 2, 0])
    # tf.math.in_top_k counts ties at the boundary as inside the top k.
    close(metrics.sparse_top_k_categorical_accuracy(torch.as_tensor(labels), t(p), k=1), [1.0, 0.0, 1.0])
    close(metrics.sparse_top_k_categorical_accuracy(torch.as_tensor(labels), t(p), k=2), np_in_top_k(p, labels, 2))
    close(metrics.top_k_categorical_accuracy(t(np.eye(4)[labels]), t(p), k=3), np_in_top_k(p, labels, 3))


def test_sparse_top_k_accuracy_shapes_and_non_finite():
    rng = np.random.default_rng(2)
    p = rng.uniform(size=(2, 3, 6))
    labels = rng.integers(0, 6, (2, 3))
    expected = np_in_top_k(p.reshape(-1, 6), labels.reshape(-1), 2).reshape(2, 3)
    close(metrics.sparse_top_k_categorical_accuracy(torch.as_tensor(labels[..., None]), t(p), k=2), expected)
    with_nan = t([[0.1, float("nan"), 0.9]])
    close(metrics.sparse_top_k_categorical_accuracy(torch.tensor([2]), with_nan, k=2), [0.0])


def test_accuracy_is_elementwise_equality():
    close(metrics.accuracy(t([[1], [2], [3], [4]]), t([[0], [2], [3], [4]])), [[0.0], [1.0], [1.0], [1.0]])
    with pytest.raises(ValueError, match="same shape"):
        metrics.accuracy(t([1, 2]), t([[1, 2]]))


def test_cosine_similarity_metric_is_positive():
    y = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]])
    p = np.array([[2.0, 4.0, 6.0], [0.0, -1.0, 0.0]])
    close(metrics.cosine_similarity(t(y), t(p)), [1.0, -1.0])
    assert metrics.cosine_proximity is metrics.cosine_similarity


def test_loss_functions_are_re_exported():
    for name in (
        "mse",
        "MSE",
        "mae",
        "mape",
        "msle",
        "hinge",
        "squared_hinge",
        "categorical_hinge",
        "logcosh",
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "binary_crossentropy",
        "kld",
        "poisson",
    ):
        assert getattr(metrics, name) is getattr(losses, name)
    assert metrics.get("mse") is losses.mean_squared_error


# ---------------------------------------------------------------------------------------------
# Stateful metrics over batches of different sizes
# ---------------------------------------------------------------------------------------------
def run(metric, true_key, pred_key, weighted, batches=BATCHES):
    metric.reset_states()
    for batch in batches:
        y_true = torch.as_tensor(batch[true_key])
        metric.update_state(y_true, t(batch[pred_key]), sample_weight=t(batch["w"]) if weighted else None)
    return metric.result()


def np_weighted_mean(fn, true_key, pred_key, weighted):
    values = np.concatenate([fn(b[true_key], b[pred_key]) for b in BATCHES])
    weights = np.concatenate([b["w"] for b in BATCHES]) if weighted else np.ones(len(values))
    return np.sum(values * weights) / np.sum(weights)


NUMPY_WRAPPED = {
    "binary_accuracy": (lambda: metrics.BinaryAccuracy(), "bin1", "probs1", lambda y, p: np.mean((p > 0.5) == y, -1)),
    "binary_accuracy_t07": (
        lambda: metrics.BinaryAccuracy(threshold=0.7),
        "bin1",
        "probs1",
        lambda y, p: np.mean((p > 0.7) == y, -1),
    ),
    "categorical_accuracy": (
        lambda: metrics.CategoricalAccuracy(),
        "cat_onehot",
        "cat_pred",
        lambda y, p: (y.argmax(-1) == p.argmax(-1)).astype(float),
    ),
    "sparse_categorical_accuracy": (
        lambda: metrics.SparseCategoricalAccuracy(),
        "cat_label",
        "cat_pred",
        lambda y, p: (y[:, 0] == p.argmax(-1)).astype(float),
    ),
    "top_k_categorical_accuracy": (
        lambda: metrics.TopKCategoricalAccuracy(k=2),
        "cat_onehot",
        "cat_pred",
        lambda y, p: np_in_top_k(p, y.argmax(-1), 2),
    ),
    "sparse_top_k_categorical_accuracy": (
        lambda: metrics.SparseTopKCategoricalAccuracy(k=3),
        "cat_label",
        "cat_pred",
        lambda y, p: np_in_top_k(p, y[:, 0], 3),
    ),
    "mean_squared_error": (
        lambda: metrics.MeanSquaredError(),
        "reg_t",
        "reg_p",
        lambda y, p: np.mean((y - p) ** 2, -1),
    ),
    "mean_absolute_error": (
        lambda: metrics.MeanAbsoluteError(),
        "reg_t",
        "reg_p",
        lambda y, p: np.mean(np.abs(y - p), -1),
    ),
    "categorical_crossentropy": (
        lambda: metrics.CategoricalCrossentropy(),
        "cat_onehot",
        "cat_pred",
        lambda y, p: -np.sum(y * np.log(np.clip(p / p.sum(-1, keepdims=True), 1e-7, 1)), -1),
    ),
    "sparse_categorical_crossentropy": (
        lambda: metrics.SparseCategoricalCrossentropy(),
        "cat_label",
        "cat_pred",
        lambda y, p: -np.log(np.take_along_axis(p, y, -1)[:, 0]),
    ),
    "cosine_similarity": (
        lambda: metrics.CosineSimilarity(),
        "reg_t",
        "reg_p",
        lambda y, p: np.sum(y * p, -1) / np.linalg.norm(y, axis=-1) / np.linalg.norm(p, axis=-1),
    ),
}


@pytest.mark.parametrize("name", sorted(NUMPY_WRAPPED))
@pytest.mark.parametrize("weighted", [False, True])
def test_mean_metric_wrappers_match_numpy_and_keras(name, weighted):
    make, true_key, pred_key, fn = NUMPY_WRAPPED[name]
    result = run(make(), true_key, pred_key, weighted)
    assert result.dim() == 0 and result.dtype == torch.float32
    close(result, np_weighted_mean(fn, true_key, pred_key, weighted), rtol=1e-5)
    close(result, DATA[("mw_" if weighted else "m_") + name], rtol=1e-5)


LOSS_WRAPPERS = [
    (metrics.MeanAbsolutePercentageError, losses.mean_absolute_percentage_error, {}),
    (metrics.MeanSquaredLogarithmicError, losses.mean_squared_logarithmic_error, {}),
    (metrics.Hinge, losses.hinge, {}),
    (metrics.SquaredHinge, losses.squared_hinge, {}),
    (metrics.CategoricalHinge, losses.categorical_hinge, {}),
    (metrics.LogCoshError, losses.logcosh, {}),
    (metrics.KLDivergence, losses.kullback_leibler_divergence, {}),
    (metrics.Poisson, losses.poisson, {}),
    (metrics.BinaryCrossentropy, losses.binary_crossentropy, {"label_smoothing": 0.1}),
    (metrics.Accuracy, metrics.accuracy, {}),
]


@pytest.mark.parametrize("cls, fn, kwargs", LOSS_WRAPPERS, ids=lambda v: getattr(v, "__name__", ""))
def test_loss_wrapper_metrics_are_weighted_means_of_their_function(cls, fn, kwargs):
    rng = np.random.default_rng(7)
    metric = cls(**kwargs)
    values, weights = [], []
    for size in (4, 1, 7):
        y = rng.integers(0, 2, (size, 3)).astype(np.float32)
        p = rng.uniform(0.05, 1.5, (size, 3)).astype(np.float32)
        w = rng.uniform(0, 2, size).astype(np.float32)
        metric.update_state(t(y), t(p), sample_weight=t(w))
        per_sample = fn(t(y), t(p), **kwargs).numpy()
        values.append(per_sample.reshape(size, -1))
        weights.append(np.broadcast_to(w[:, None], per_sample.reshape(size, -1).shape))
    values, weights = np.concatenate(values), np.concatenate(weights)
    close(metric.result(), np.sum(values * weights) / np.sum(weights), rtol=1e-5)


def test_wrapper_keeps_cached_logits_when_casting_predictions():
    x = torch.tensor([[90.0, -90.0]], dtype=torch.float64)
    probs = torch.softmax(x, -1)
    probs._keras_logits = x
    metric = metrics.CategoricalCrossentropy()
    metric.update_state(t([[0.0, 1.0]]), probs)
    close(metric.result(), 180.0, rtol=1e-6)


def test_sparse_crossentropy_metric_ignore_class():
    p = np.array([[0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    labels = np.array([1, 0, 5])
    weights = np.array([1.0, 3.0, 10.0])
    metric = metrics.SparseCategoricalCrossentropy(ignore_class=5)
    metric.update_state(torch.as_tensor(labels), t(p), sample_weight=t(weights))
    close(metric.result(), (-np.log(0.8) - 3.0 * np.log(0.6)) / 4.0)


def test_root_mean_squared_error():
    for weighted in (False, True):
        metric = metrics.RootMeanSquaredError()
        squared = lambda y, p: (y - p) ** 2  # noqa: E731
        values = np.concatenate([squared(b["reg_t"], b["reg_p"]) for b in BATCHES])
        weights = np.concatenate([np.repeat(b["w"][:, None], 3, 1) for b in BATCHES]) if weighted else 1.0
        expected = np.sqrt(np.sum(values * weights) / np.sum(weights * np.ones_like(values)))
        result = run(metric, "reg_t", "reg_p", weighted)
        close(result, expected)
        close(result, DATA[("mw_" if weighted else "m_") + "root_mean_squared_error"])


CONFUSION_SPECS = {
    "precision": (lambda: metrics.Precision(), "bin1", "probs1"),
    "recall": (lambda: metrics.Recall(), "bin1", "probs1"),
    "precision_multi": (lambda: metrics.Precision(thresholds=[0.2, 0.5, 0.8]), "bin1", "probs1"),
    "recall_multi": (lambda: metrics.Recall(thresholds=[0.3, 0.6]), "bin1", "probs1"),
    "precision_top2": (lambda: metrics.Precision(top_k=2), "cat_onehot", "cat_pred"),
    "recall_class2": (lambda: metrics.Recall(class_id=2), "cat_onehot", "cat_pred"),
    "true_positives": (lambda: metrics.TruePositives(), "bin1", "probs1"),
    "false_negatives": (lambda: metrics.FalseNegatives(thresholds=[0.25, 0.75]), "bin1", "probs1"),
    "auc_roc": (lambda: metrics.AUC(), "bin1", "probs1"),
    "auc_pr": (lambda: metrics.AUC(curve="PR"), "bin1", "probs1"),
    "auc_roc_minoring": (lambda: metrics.AUC(num_thresholds=17, summation_method="minoring"), "bin1", "probs1"),
    "auc_pr_majoring": (lambda: metrics.AUC(curve="PR", summation_method="majoring"), "bin1", "probs1"),
    "auc_roc_thresholds": (lambda: metrics.AUC(thresholds=[0.1, 0.35, 0.6, 0.9]), "bin1", "probs1"),
    "auc_multi_label": (lambda: metrics.AUC(multi_label=True), "cat_onehot", "cat_pred"),
    "auc_multi_label_pr": (
        lambda: metrics.AUC(multi_label=True, curve="PR", num_thresholds=50),
        "cat_onehot",
        "cat_pred",
    ),
}


@pytest.mark.parametrize("name", sorted(CONFUSION_SPECS))
@pytest.mark.parametrize("weighted", [False, True])
def test_confusion_metrics_match_keras(name, weighted):
    make, true_key, pred_key = CONFUSION_SPECS[name]
    close(run(make(), true_key, pred_key, weighted), DATA[("mw_" if weighted else "m_") + name], rtol=1e-5)


def np_confusion(y, p, w, thresholds):
    y, p, w = y.reshape(-1), p.reshape(-1), np.broadcast_to(w, y.shape).reshape(-1)
    positive = p[None, :] > np.asarray(thresholds)[:, None]
    tp = np.sum(positive * (y == 1) * w, 1)
    fp = np.sum(positive * (y == 0) * w, 1)
    fn = np.sum(~positive * (y == 1) * w, 1)
    tn = np.sum(~positive * (y == 0) * w, 1)
    return tp, fp, tn, fn


def test_precision_recall_match_numpy_with_weights():
    y = np.concatenate([b["bin1"] for b in BATCHES])
    p = np.concatenate([b["probs1"] for b in BATCHES])
    w = np.concatenate([b["w"] for b in BATCHES])[:, None]
    tp, fp, tn, fn = np_confusion(y, p, w, [0.2, 0.5])
    close(run(metrics.Precision(thresholds=[0.2, 0.5]), "bin1", "probs1", True), tp / (tp + fp))
    close(run(metrics.Recall(thresholds=[0.2, 0.5]), "bin1", "probs1", True), tp / (tp + fn))
    close(run(metrics.TrueNegatives(thresholds=[0.2, 0.5]), "bin1", "probs1", True), tn)
    close(run(metrics.FalsePositives(), "bin1", "probs1", True), np_confusion(y, p, w, [0.5])[1][0])


def test_auc_matches_numpy_trapezoids():
    y = np.concatenate([b["bin1"] for b in BATCHES])
    p = np.concatenate([b["probs1"] for b in BATCHES])
    thresholds = np.concatenate([[-1e-7], np.arange(1, 9) / 9, [1 + 1e-7]])
    tp, fp, tn, fn = np_confusion(y, p, np.ones_like(y), thresholds)
    tpr, fpr = tp / (tp + fn), fp / (fp + tn)
    expected = np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2)
    close(run(metrics.AUC(num_thresholds=10), "bin1", "probs1", False), expected)


def test_auc_documented_values():
    auc = metrics.AUC(num_thresholds=3)
    auc.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    close(auc.result(), 0.75)
    auc.reset_state()
    auc.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    close(auc.result(), 1.0)
    logits = metrics.AUC(num_thresholds=3, from_logits=True)
    logits.update_state([0, 0, 1, 1], torch.logit(t([1e-6, 0.5, 0.3, 0.9])))
    close(logits.result(), 0.75)
    assert metrics.AUC(num_thresholds=3).thresholds == [-1e-7, 0.5, 1 + 1e-7]


def test_mean_and_sum_with_temporal_weights():
    values = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    per_sample = np.array([0.5, 2.0])
    per_step = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    mean = metrics.Mean()
    mean.update_state(t(values), sample_weight=t(per_sample))
    close(mean.result(), np.sum(values * per_sample[:, None]) / (3 * per_sample.sum()))
    mean.reset_states()
    mean.update_state(t(values), sample_weight=t(per_step))
    close(mean.result(), np.sum(values * per_step) / per_step.sum())
    total = metrics.Sum()
    total.update_state(t(values), sample_weight=t(per_sample))
    total.update_state(t([1.0, 1.0]))
    close(total.result(), np.sum(values * per_sample[:, None]) + 2.0)


def test_mean_reduces_values_to_the_weights_rank():
    # tf.keras: weights that cannot broadcast to the values average the values down to their rank.
    values = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    weights = np.array([0.25, 1.0])
    mean = metrics.Mean()
    mean.update_state(t(values), sample_weight=t(weights))
    close(mean.result(), np.sum(values.mean((1, 2)) * weights) / weights.sum())
    total = metrics.Sum()
    total.update_state(t(values), sample_weight=t(weights))
    close(total.result(), np.sum(values.sum((1, 2)) * weights))
    with pytest.raises(ValueError, match="cannot be broadcast"):
        metrics.Mean().update_state(t([1.0, 2.0, 3.0]), sample_weight=t([1.0, 2.0]))


def test_epoch_mean_is_exact_for_uneven_batches():
    accuracy = metrics.BinaryAccuracy()
    accuracy.update_state(t([[1.0]]), t([[0.9]]))  # one sample, correct
    accuracy.update_state(t(np.ones((999, 1))), t(np.zeros((999, 1))))  # 999 samples, all wrong
    close(accuracy.result(), 1.0 / 1000)
    mean = metrics.MeanSquaredError()
    rng = np.random.default_rng(3)
    y, p = rng.normal(size=(1001, 2)), rng.normal(size=(1001, 2))
    for start, stop in ((0, 1), (1, 1000), (1000, 1001)):
        mean.update_state(t(y[start:stop]), t(p[start:stop]))
    close(mean.result(), np.mean((y - p) ** 2), rtol=1e-6)


def test_result_before_update_and_reset():
    metric = metrics.CategoricalAccuracy()
    close(metric.result(), 0.0)
    metric.update_state(t([[0, 1]]), t([[0.2, 0.8]]))
    close(metric.result(), 1.0)
    metric.reset_states()
    close(metric.result(), 0.0)
    close(metric.total, 0.0)
    metric.update_state(t([[0, 1]]), t([[0.9, 0.1]]))
    metric.reset_state()
    close(metric.count, 0.0)
    close(metrics.Precision().result(), 0.0)
    close(metrics.AUC(multi_label=True).result(), 0.0)


def test_call_updates_and_returns_result():
    metric = metrics.Mean()
    close(metric([1.0, 2.0]), 1.5)
    close(metric([3.0]), 2.0)


def test_numpy_and_list_inputs_and_sequence_weights():
    metric = metrics.SparseCategoricalAccuracy()
    metric.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], sample_weight=[0.7, 0.3])
    close(metric.result(), 0.3)
    sequence = metrics.SparseCategoricalAccuracy()
    p = np.array([[[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]])
    labels = np.array([[0, 0, 0]])
    weights = np.array([[1.0, 1.0, 0.0]])
    sequence.update_state(torch.as_tensor(labels), t(p), sample_weight=t(weights))
    close(sequence.result(), 0.5)


def test_metric_state_does_not_track_gradients():
    y_pred = torch.rand(4, 3, requires_grad=True)
    metric = metrics.CategoricalCrossentropy()
    metric.update_state(torch.eye(3)[[0, 1, 2, 0]], torch.softmax(y_pred, -1))
    assert not metric.total.requires_grad and not metric.result().requires_grad


def test_logits_cached_by_softmax_reach_crossentropy_metric():
    x = t([[80.0, -80.0], [0.0, 1.0]])
    probs = torch.softmax(x, -1)
    probs._keras_logits = x
    metric = metrics.CategoricalCrossentropy()
    metric.update_state(t([[0.0, 1.0], [0.0, 1.0]]), probs)
    expected = np.mean([160.0, np.log1p(np.exp(-1.0))])
    close(metric.result(), expected, rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# Device residency and host synchronisation
# ---------------------------------------------------------------------------------------------
SYNC_CASES = [
    (lambda: metrics.Mean(), lambda d: (torch.rand(6, 2, device=d),), {"sample_weight": True}),
    (
        lambda: metrics.BinaryAccuracy(),
        lambda d: (torch.randint(0, 2, (6, 1), device=d).float(), torch.rand(6, 1, device=d)),
        {"sample_weight": True},
    ),
    (
        lambda: metrics.SparseCategoricalAccuracy(),
        lambda d: (torch.randint(0, 3, (6, 1), device=d), torch.rand(6, 3, device=d)),
        {"sample_weight": True},
    ),
    (
        lambda: metrics.SparseTopKCategoricalAccuracy(k=2),
        lambda d: (torch.randint(0, 3, (6,), device=d), torch.rand(6, 3, device=d)),
        {},
    ),
    (
        lambda: metrics.CategoricalCrossentropy(),
        lambda d: (torch.eye(3, device=d)[[0, 1, 2, 0, 1, 2]], torch.rand(6, 3, device=d)),
        {"sample_weight": True},
    ),
    (
        lambda: metrics.Precision(thresholds=[0.3, 0.6]),
        lambda d: (torch.randint(0, 2, (6, 1), device=d), torch.rand(6, 1, device=d)),
        {"sample_weight": True},
    ),
    (
        lambda: metrics.AUC(),
        lambda d: (torch.randint(0, 2, (6, 1), device=d), torch.rand(6, 1, device=d)),
        {"sample_weight": True},
    ),
]


@pytest.mark.parametrize("case", range(len(SYNC_CASES)))
def test_update_state_never_syncs_with_the_host(case, monkeypatch):
    make, inputs, options = SYNC_CASES[case]
    metric = make()
    args = inputs("cpu")
    kwargs = {"sample_weight": torch.rand(6)} if options.get("sample_weight") else {}

    def forbidden(*_args, **_kwargs):
        raise AssertionError("host synchronisation inside update_state")

    with monkeypatch.context() as patch:
        for name in ("item", "tolist", "numpy", "__bool__", "__float__", "__int__", "__index__"):
            patch.setattr(torch.Tensor, name, forbidden)
        metric.update_state(*args, **kwargs)
        metric.update_state(*args, **kwargs)
        result = metric.result()
    assert isinstance(result, torch.Tensor)


@pytest.mark.parametrize("case", range(len(SYNC_CASES)))
def test_update_state_runs_on_meta_tensors(case):
    # Meta tensors carry no data: any read-back inside update_state/result would raise.
    make, inputs, options = SYNC_CASES[case]
    metric = make()
    kwargs = {"sample_weight": torch.rand(6, device="meta")} if options.get("sample_weight") else {}
    metric.update_state(*inputs("meta"), **kwargs)
    assert all(value.device.type == "meta" for value in metric.variables)
    assert metric.result().device.type == "meta"


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_state_follows_cuda_inputs():
    metric = metrics.SparseCategoricalAccuracy()
    labels = torch.tensor([[2], [1]], device="cuda")
    metric.update_state(
        labels,
        torch.tensor([[0.1, 0.6, 0.3], [0.05, 0.95, 0]], device="cuda"),
        sample_weight=torch.tensor([0.7, 0.3], device="cuda"),
    )
    assert metric.total.device.type == "cuda"
    result = metric.result()
    assert result.device.type == "cuda"
    close(result, 0.3)
    auc = metrics.AUC()
    auc.update_state(torch.tensor([0, 0, 1, 1], device="cuda"), torch.tensor([0, 0.5, 0.3, 0.9], device="cuda"))
    close(auc.result(), 0.75, rtol=1e-2)


# ---------------------------------------------------------------------------------------------
# Subclassing, configs, get
# ---------------------------------------------------------------------------------------------
class BinaryTruePositives(metrics.Metric):
    def __init__(self, name="binary_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_weight(name="tp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = (y_true.bool() & y_pred.bool()).to(self.tp.dtype)
        if sample_weight is not None:
            values = values * sample_weight
        self.tp += values.sum()

    def result(self):
        return self.tp


def test_custom_metric_subclass():
    metric = BinaryTruePositives()
    metric.update_state(t([1, 1, 0, 1]), t([1, 0, 1, 1]), sample_weight=t([1.0, 1.0, 1.0, 2.0]))
    metric.update_state(t([1]), t([1]))
    close(metric.result(), 4.0)
    assert metric.name == "binary_true_positives" and metric.get_config() == {
        "name": "binary_true_positives",
        "dtype": "float32",
    }
    metric.reset_states()
    close(metric.result(), 0.0)
    assert [w.shape for w in metric.get_weights()] == [()]
    with pytest.raises(TypeError, match="unexpected keyword arguments: units"):
        BinaryTruePositives(units=3)


def test_reset_states_override_is_honoured_by_reset_state():
    class Counting(metrics.Mean):
        resets = 0

        def reset_states(self):
            Counting.resets += 1
            super().reset_states()

    metric = Counting()
    metric.update_state([1.0])
    metric.reset_state()
    assert Counting.resets == 1
    close(metric.result(), 0.0)


def test_weights_round_trip_and_deepcopy():
    metric = metrics.Mean()
    metric.update_state([1.0, 2.0, 6.0])
    clone = metrics.Mean()
    clone.set_weights(metric.get_weights())
    close(clone.result(), 3.0)
    duplicate = copy.deepcopy(metric)
    duplicate.update_state([3.0])
    close(duplicate.result(), 3.0)
    close(metric.result(), 3.0)


CONFIG_CASES = [
    metrics.Mean(name="m"),
    metrics.Sum(),
    metrics.Accuracy(),
    metrics.BinaryAccuracy(threshold=0.3),
    metrics.CategoricalAccuracy(),
    metrics.SparseCategoricalAccuracy(),
    metrics.TopKCategoricalAccuracy(k=3),
    metrics.SparseTopKCategoricalAccuracy(k=2, name="top2"),
    metrics.MeanSquaredError(),
    metrics.MeanAbsoluteError(),
    metrics.MeanAbsolutePercentageError(),
    metrics.MeanSquaredLogarithmicError(),
    metrics.RootMeanSquaredError(),
    metrics.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
    metrics.CategoricalCrossentropy(label_smoothing=0.2),
    metrics.SparseCategoricalCrossentropy(from_logits=True),
    metrics.Hinge(),
    metrics.SquaredHinge(),
    metrics.CategoricalHinge(),
    metrics.LogCoshError(),
    metrics.KLDivergence(),
    metrics.Poisson(),
    metrics.CosineSimilarity(axis=1),
    metrics.TruePositives(thresholds=[0.2, 0.4]),
    metrics.FalsePositives(),
    metrics.TrueNegatives(),
    metrics.FalseNegatives(),
    metrics.Precision(thresholds=0.7, class_id=1),
    metrics.Recall(top_k=2),
    metrics.AUC(num_thresholds=50, curve="PR", summation_method="majoring"),
    metrics.AUC(thresholds=[0.2, 0.6], multi_label=True, num_labels=3, label_weights=[1.0, 2.0, 0.5]),
    metrics.MeanMetricWrapper(metrics.binary_accuracy, threshold=0.2),
]


@pytest.mark.parametrize("metric", CONFIG_CASES, ids=lambda m: type(m).__name__)
def test_metric_config_round_trip(metric):
    config = metric.get_config()
    assert config["name"] == metric.name and config["dtype"] == "float32"
    clone = type(metric).from_config(config)
    assert type(clone) is type(metric) and clone.get_config() == config
    restored = metrics.deserialize(metrics.serialize(metric))
    assert type(restored) is type(metric) and restored.get_config() == config


def test_default_names_and_configs():
    assert metrics.BinaryAccuracy().get_config() == {"name": "binary_accuracy", "dtype": "float32", "threshold": 0.5}
    assert metrics.Precision().name == "precision" and metrics.AUC().name == "auc"
    assert metrics.SparseCategoricalCrossentropy().get_config() == {
        "name": "sparse_categorical_crossentropy",
        "dtype": "float32",
        "from_logits": False,
        "ignore_class": None,
        "axis": -1,
    }
    assert metrics.MeanMetricWrapper(losses.mean_absolute_error).name == "mean_absolute_error"


def test_mean_metric_wrapper_config_with_custom_function():
    def within_one(y_true, y_pred):
        return (torch.abs(y_true - y_pred) <= 1).float().mean(-1)

    metric = metrics.MeanMetricWrapper(within_one)
    metric.update_state(t([[1.0], [5.0]]), t([[1.5], [2.0]]))
    close(metric.result(), 0.5)
    config = metrics.serialize(metric)
    assert config["config"]["fn"] == "within_one"
    with pytest.raises(ValueError, match="Unknown metric function 'within_one'"):
        metrics.deserialize(config)
    clone = metrics.deserialize(config, custom_objects={"within_one": within_one})
    assert clone.name == "within_one"


def test_get_metrics():
    assert metrics.get("mae") is losses.mean_absolute_error
    assert metrics.get("accuracy") is metrics.accuracy and metrics.get("acc") is metrics.accuracy
    assert metrics.get("binary_accuracy") is metrics.binary_accuracy
    assert metrics.get("cosine_similarity") is metrics.cosine_similarity
    assert isinstance(metrics.get("BinaryAccuracy"), metrics.BinaryAccuracy)
    assert isinstance(metrics.get(metrics.Recall), metrics.Recall)
    configured = metrics.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    assert configured.get_config()["from_logits"] is True
    instance = metrics.AUC()
    assert metrics.get(instance) is instance and metrics.get(None) is None
    assert metrics.serialize(metrics.mse) == "mean_squared_error"


def test_get_errors_list_valid_names():
    with pytest.raises(ValueError, match="Unknown metric function 'acuracy'.*binary_accuracy"):
        metrics.get("acuracy")
    with pytest.raises(ValueError, match="Unknown metric class 'F1'.*Precision"):
        metrics.get({"class_name": "F1", "config": {}})
    with pytest.raises(ValueError, match="Could not interpret metric identifier 7"):
        metrics.get(7)


def test_constructor_errors():
    with pytest.raises(ValueError, match="thresholds=1.5"):
        metrics.Precision(thresholds=1.5)
    with pytest.raises(ValueError, match="curve='XY'"):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match="num_thresholds=1"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="reduction='median'"):
        metrics.Reduce("median", name="r")
    with pytest.raises(ValueError, match="y_pred.shape=\\(2, 3\\)"):
        metrics.Precision().update_state(t([[1.0, 0.0]]), t([[0.5, 0.5, 0.5], [0.1, 0.2, 0.3]]))


def test_keras1_metric_names_are_renamed_or_refused():
    assert metrics.get("cosine") is metrics.cosine_similarity
    with pytest.raises(ValueError, match="removed in Keras 2"):
        metrics.get("fmeasure")
