"""Writes tests/data/bn_renorm_ghost_references.npz: tf.keras 2 BatchNormalization with renorm / virtual batches.

Run with a Python that has TensorFlow 2.15 or older (tf.keras 2), from the repository root:

    TF_CPP_MIN_LOG_LEVEL=3 python tests/data/generate_diff_normalization.py

Every case stores `<case>/config` (JSON constructor arguments), `<case>/x1`, `<case>/x2`, `<case>/w<i>`
(weights set before training, Keras layout and order), and
  * `<case>/y1`, `<case>/y2`: outputs of two consecutive training calls on x1 then x2,
  * `<case>/y3`: the output of an inference call on x2 after them,
  * `<case>/w<i>_after`: the weights after the two training calls,
  * `<case>/g<i>`: gradients of `sum(layer(x1, training=True) * upstream)` for the trainable weights,
    with `<case>/upstream`, taken after the calls above.
Not imported by the tests.
"""

import json

import numpy as np
import tensorflow as tf
from tensorflow import keras

assert tf.__version__ < "2.16", "tf.keras 2 is needed (TensorFlow <= 2.15)"

CASES = [
    ("renorm", dict(renorm=True), (4, 5)),
    (
        "renorm_clip",
        dict(renorm=True, renorm_clipping=dict(rmax=1.2, rmin=0.8, dmax=0.1), renorm_momentum=0.9, momentum=0.8),
        (4, 5),
    ),
    ("renorm_4d_axis1", dict(renorm=True, axis=1, center=False), (4, 3, 2, 2)),
    ("renorm_no_scale", dict(renorm=True, scale=False), (4, 3, 2)),
    ("ghost", dict(virtual_batch_size=2, momentum=0.7), (4, 5)),
    ("ghost_4d", dict(virtual_batch_size=3, momentum=0.5), (6, 3, 2, 2)),
    ("ghost_renorm", dict(virtual_batch_size=2, renorm=True, axis=1, renorm_momentum=0.5), (4, 3, 2)),
    ("ghost_axes12", dict(virtual_batch_size=2, axis=[1, 2]), (4, 3, 2, 2)),
]


def main():
    arrays = {}
    for name, kwargs, shape in CASES:
        rng = np.random.RandomState(1)
        layer = keras.layers.BatchNormalization(**kwargs)
        x1 = (rng.randn(*shape) * 2 + 1).astype("float32")
        x2 = rng.randn(*shape).astype("float32")
        layer(x1, training=False)
        weights = [(rng.rand(*w.shape) + 0.5).astype("float32") for w in layer.get_weights()]
        layer.set_weights(weights)
        arrays[f"{name}/config"] = np.array(json.dumps(kwargs))
        arrays[f"{name}/x1"], arrays[f"{name}/x2"] = x1, x2
        for i, w in enumerate(weights):
            arrays[f"{name}/w{i}"] = w
        arrays[f"{name}/y1"] = layer(x1, training=True).numpy()
        arrays[f"{name}/y2"] = layer(x2, training=True).numpy()
        arrays[f"{name}/y3"] = layer(x2, training=False).numpy()
        for i, w in enumerate(layer.get_weights()):
            arrays[f"{name}/w{i}_after"] = w
        upstream = rng.randn(*shape).astype("float32")
        arrays[f"{name}/upstream"] = upstream
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(x1, training=True) * upstream)
        for i, g in enumerate(tape.gradient(loss, layer.trainable_weights)):
            arrays[f"{name}/g{i}"] = g.numpy()
    np.savez_compressed("tests/data/bn_renorm_ghost_references.npz", **arrays)


if __name__ == "__main__":
    main()
