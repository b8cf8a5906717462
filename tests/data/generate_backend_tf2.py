"""Writes backend_tf2.npz: tf.keras 2.15 `keras.backend` focal crossentropies and greedy ctc_decode.

Run with a TensorFlow 2.15 install: `python tests/data/generate_backend_tf2.py`.
"""

import os

import numpy as np
from tensorflow.keras import backend as K


def inputs():
    rng = np.random.RandomState(7)
    probs = rng.rand(3, 4).astype("float32")
    logits = rng.randn(3, 4).astype("float32")
    binary_targets = (rng.rand(3, 4) > 0.5).astype("float32")
    one_hot = np.eye(4, dtype="float32")[[1, 3, 0]]
    ctc = rng.rand(3, 6, 4).astype("float32") ** 3
    ctc = ctc / ctc.sum(-1, keepdims=True)
    ctc_lengths = np.array([6, 4, 1])
    return probs, logits, binary_targets, one_hot, ctc, ctc_lengths


if __name__ == "__main__":
    probs, logits, binary_targets, one_hot, ctc, ctc_lengths = inputs()
    decoded, log_prob = K.ctc_decode(ctc, ctc_lengths, greedy=True)
    arrays = {
        "bfce": K.binary_focal_crossentropy(binary_targets, probs),
        "bfce_balanced": K.binary_focal_crossentropy(binary_targets, probs, apply_class_balancing=True, alpha=0.3),
        "bfce_logits": K.binary_focal_crossentropy(binary_targets, logits, gamma=1.5, from_logits=True),
        "cfce": K.categorical_focal_crossentropy(one_hot, probs),
        "cfce_logits": K.categorical_focal_crossentropy(one_hot, logits, alpha=0.5, gamma=3.0, from_logits=True),
        "cfce_axis0": K.categorical_focal_crossentropy(one_hot.T.copy(), probs.T.copy(), axis=0),
        "ctc_decoded": decoded[0],
        "ctc_log_prob": log_prob,
    }
    # The inputs too, so the test replays exactly these.
    names = ("probs", "logits", "binary_targets", "one_hot", "ctc", "ctc_lengths")
    arrays.update({f"input_{name}": value for name, value in zip(names, inputs())})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "backend_tf2.npz")
    np.savez(path, **{key: np.asarray(value) for key, value in arrays.items()})
