"""Backend behaviours checked against tf.keras 2.15 (`tf.keras.backend`)."""

import os

import numpy as np
import pytest
import torch

from kerastorch import backend as K


def test_variable_copies_the_numpy_value():
    value = np.ones(3, "float32")
    variable = K.variable(value)
    K.set_value(variable, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(value, [1.0, 1.0, 1.0])
    value[0] = 7.0
    np.testing.assert_array_equal(K.get_value(variable), [2.0, 2.0, 2.0])


def test_get_value_returns_a_copy():
    variable = K.variable(np.ones((2, 2), "float32"))
    before = K.get_value(variable)
    K.set_value(variable, np.full((2, 2), 5.0, "float32"))
    np.testing.assert_array_equal(before, np.ones((2, 2)))
    after = K.get_value(variable)
    after[0, 0] = 9.0
    np.testing.assert_array_equal(K.get_value(variable), np.full((2, 2), 5.0))
    weights = K.batch_get_value([variable])
    weights[0][1, 1] = -1.0
    assert float(K.get_value(variable)[1, 1]) == 5.0


def test_get_value_of_a_tensor_is_independent():
    tensor = torch.zeros(3)
    value = K.get_value(tensor)
    tensor.add_(1.0)
    np.testing.assert_array_equal(value, [0.0, 0.0, 0.0])


def test_constant_copies_the_numpy_value():
    value = np.array([1.0, 2.0], "float32")
    constant = K.constant(value)
    value[0] = 5.0
    np.testing.assert_array_equal(K.get_value(constant), [1.0, 2.0])


# ------------------------------------------------------------------------------------------
# Focal crossentropies and greedy ctc_decode against tf.keras 2.15 (tests/data/backend_tf2.npz,
# written by tests/data/generate_backend_tf2.py, which stores the inputs it used).
# ------------------------------------------------------------------------------------------
REFERENCE = np.load(os.path.join(os.path.dirname(__file__), "data", "backend_tf2.npz"))


def _inputs():
    names = ("probs", "logits", "binary_targets", "one_hot", "ctc", "ctc_lengths")
    return tuple(REFERENCE[f"input_{name}"] for name in names)


def test_focal_crossentropies_match_tf_keras():
    probs, logits, binary_targets, one_hot, _, _ = _inputs()
    t = torch.as_tensor
    results = {
        "bfce": K.binary_focal_crossentropy(t(binary_targets), t(probs)),
        "bfce_balanced": K.binary_focal_crossentropy(
            t(binary_targets), t(probs), apply_class_balancing=True, alpha=0.3
        ),
        "bfce_logits": K.binary_focal_crossentropy(t(binary_targets), t(logits), gamma=1.5, from_logits=True),
        "cfce": K.categorical_focal_crossentropy(t(one_hot), t(probs)),
        "cfce_logits": K.categorical_focal_crossentropy(t(one_hot), t(logits), alpha=0.5, gamma=3.0, from_logits=True),
        "cfce_axis0": K.categorical_focal_crossentropy(t(one_hot.T.copy()), t(probs.T.copy()), axis=0),
    }
    for key, value in results.items():
        np.testing.assert_allclose(value.numpy(), REFERENCE[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_ctc_decode_greedy_matches_tf_keras():
    *_, ctc, lengths = _inputs()
    decoded, log_prob = K.ctc_decode(torch.as_tensor(ctc), torch.as_tensor(lengths), greedy=True)
    assert len(decoded) == 1 and decoded[0].dtype == torch.int64
    np.testing.assert_array_equal(decoded[0].numpy(), REFERENCE["ctc_decoded"])
    np.testing.assert_allclose(log_prob.numpy(), REFERENCE["ctc_log_prob"], rtol=1e-5)


def test_ctc_decode_merges_repeats_but_not_across_blanks():
    # Classes 0..2, blank 2: steps argmax [0, 0, 2, 0, 1, 1] -> [0, 0, 1].
    steps = [0, 0, 2, 0, 1, 1]
    y_pred = np.full((1, 6, 3), 0.1, "float32")
    y_pred[0, np.arange(6), steps] = 0.8
    decoded, _ = K.ctc_decode(y_pred, np.array([6]))
    assert decoded[0].tolist() == [[0, 0, 1, -1, -1, -1]]


def test_ctc_decode_beam_search_is_refused():
    with pytest.raises(ValueError, match="greedy=False"):
        K.ctc_decode(np.ones((1, 2, 3), "float32") / 3, np.array([2]), greedy=False)
