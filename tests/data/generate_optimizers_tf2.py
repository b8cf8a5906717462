"""Writes optimizers_tf2.npz: parameters after each of 4 updates by tf.keras 2.15 legacy optimizers.

Run with a TensorFlow 2.15 install: `python tests/data/generate_optimizers_tf2.py`.
Two variables, fixed gradients that change with the step (see GRADIENTS); every case passes its
learning rate explicitly. Keys: `<case>` -> array (4, 6), one row per step (both variables flat);
`cases` (JSON: case -> [class name, arguments]), `initial_0`/`initial_1` and `gradients_<step>_<variable>`,
so the test replays exactly what was run here.
"""

import json
import os

import numpy as np
import tensorflow as tf
from tensorflow import keras

INITIAL = (np.array([[0.5, -1.0], [2.0, 0.1]], "float32"), np.array([3.0, -0.2], "float32"))


def GRADIENTS(step):
    return (
        np.array([[0.1, -0.3], [2.0, 0.05]], "float32") * (step + 1),
        np.array([-1.5, 0.4], "float32") / (step + 1),
    )


CASES = {
    "sgd_momentum": ("SGD", dict(learning_rate=0.1, momentum=0.9)),
    "sgd_nesterov_decay": ("SGD", dict(learning_rate=0.1, momentum=0.5, nesterov=True, decay=0.3)),
    "sgd_clipvalue": ("SGD", dict(learning_rate=0.1, clipvalue=0.5)),
    "sgd_global_clipnorm": ("SGD", dict(learning_rate=0.1, global_clipnorm=1.0)),
    "rmsprop_rho": ("RMSprop", dict(learning_rate=0.01, rho=0.5, decay=0.1)),
    "rmsprop_centered": ("RMSprop", dict(learning_rate=0.01, centered=True)),
    "rmsprop_momentum": ("RMSprop", dict(learning_rate=0.01, momentum=0.5)),
    "rmsprop_centered_momentum": ("RMSprop", dict(learning_rate=0.01, momentum=0.5, centered=True, rho=0.8)),
    "rmsprop_centered_epsilon": ("RMSprop", dict(learning_rate=0.01, centered=True, epsilon=0.1)),
    "adagrad": ("Adagrad", dict(learning_rate=0.1, initial_accumulator_value=0.1)),
    "adagrad_epsilon": ("Adagrad", dict(learning_rate=0.1, initial_accumulator_value=0.5, epsilon=0.1)),
    "adadelta": ("Adadelta", dict(learning_rate=1.0, rho=0.5, epsilon=1e-3)),
    "adam_amsgrad": ("Adam", dict(learning_rate=0.1, amsgrad=True)),
    "adam_betas_decay": ("Adam", dict(learning_rate=0.1, beta_1=0.5, beta_2=0.6, epsilon=0.01, decay=0.3)),
    "adamax": ("Adamax", dict(learning_rate=0.1, epsilon=0.01)),
    "nadam": ("Nadam", dict(learning_rate=0.1, beta_1=0.5)),
}


def run(class_name, kwargs):
    optimizer = getattr(keras.optimizers.legacy, class_name)(**kwargs)
    variables = [tf.Variable(value) for value in INITIAL]
    rows = []
    for step in range(4):
        optimizer.apply_gradients(zip([tf.constant(g) for g in GRADIENTS(step)], variables))
        rows.append(np.concatenate([v.numpy().ravel() for v in variables]))
    return np.stack(rows)


if __name__ == "__main__":
    arrays = {name: run(class_name, kwargs) for name, (class_name, kwargs) in CASES.items()}
    arrays["cases"] = np.array(json.dumps(CASES))
    arrays.update({f"initial_{index}": value for index, value in enumerate(INITIAL)})
    for step in range(4):
        arrays.update({f"gradients_{step}_{index}": value for index, value in enumerate(GRADIENTS(step))})
    np.savez(os.path.join(os.path.dirname(os.path.abspath(__file__)), "optimizers_tf2.npz"), **arrays)
