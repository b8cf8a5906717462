"""Optimizer updates and configs compared with tf.keras 2.15 legacy optimizers.

`tests/data/optimizers_tf2.npz` is written by `tests/data/generate_optimizers_tf2.py`; it holds the
cases, initial values and gradients it ran, which the test replays.
"""

import json
import os

import numpy as np
import pytest
import torch

from kerastorch import optimizers

REFERENCE = np.load(os.path.join(os.path.dirname(__file__), "data", "optimizers_tf2.npz"))

INITIAL = (REFERENCE["initial_0"], REFERENCE["initial_1"])
CASES = {name: tuple(case) for name, case in json.loads(str(REFERENCE["cases"])).items()}


def _gradients(step):
    return REFERENCE[f"gradients_{step}_0"], REFERENCE[f"gradients_{step}_1"]


def _run(optimizer):
    variables = [torch.nn.Parameter(torch.tensor(value)) for value in INITIAL]
    optimizer.build(variables)
    rows = []
    for step in range(4):
        for variable, gradient in zip(variables, _gradients(step)):
            variable.grad = torch.tensor(gradient)
        optimizer.step()
        rows.append(np.concatenate([v.detach().numpy().ravel() for v in variables]))
    return np.stack(rows)


@pytest.mark.parametrize("case", sorted(CASES))
def test_updates_match_tf_keras_legacy_optimizers(case):
    class_name, kwargs = CASES[case]
    result = _run(getattr(optimizers, class_name)(**kwargs))
    np.testing.assert_allclose(result, REFERENCE[case], rtol=1e-5, atol=2e-6)


def test_rmsprop_slots_follow_tf_keras_order_and_names():
    optimizer = optimizers.RMSprop(momentum=0.5, centered=True)
    _run(optimizer)
    # tf.keras: iterations, then every `rms`, every `momentum`, every `mg`.
    assert [tuple(w.shape) for w in optimizer.get_weights()] == [(), (2, 2), (2,), (2, 2), (2,), (2, 2), (2,)]
    assert optimizer.get_slot_names() == ["rms", "momentum", "mg"]
    assert optimizers.RMSprop(centered=True).get_slot_names() == ["rms", "mg"]


# tf.keras 2.15 `keras.optimizers.legacy.<Name>(...).get_config()` (learning rates given where the
# Keras 2 default differs, see test_keras2_default_learning_rates).
TF_CONFIGS = [
    (
        optimizers.SGD(momentum=0.9, clipnorm=1.0, clipvalue=2.0, decay=0.1),
        {
            "name": "SGD",
            "clipnorm": 1.0,
            "clipvalue": 2.0,
            "learning_rate": 0.01,
            "decay": 0.1,
            "momentum": 0.9,
            "nesterov": False,
        },
    ),
    (
        optimizers.RMSprop(),
        {
            "name": "RMSprop",
            "learning_rate": 0.001,
            "decay": 0.0,
            "rho": 0.9,
            "momentum": 0.0,
            "epsilon": 1e-07,
            "centered": False,
        },
    ),
    (
        optimizers.Adagrad(learning_rate=0.001, initial_accumulator_value=0.1),
        {"name": "Adagrad", "learning_rate": 0.001, "decay": 0.0, "initial_accumulator_value": 0.1, "epsilon": 1e-07},
    ),
    (
        optimizers.Adadelta(learning_rate=0.001),
        {"name": "Adadelta", "learning_rate": 0.001, "decay": 0.0, "rho": 0.95, "epsilon": 1e-07},
    ),
    (
        optimizers.Adam(),
        {
            "name": "Adam",
            "learning_rate": 0.001,
            "decay": 0.0,
            "beta_1": 0.9,
            "beta_2": 0.999,
            "epsilon": 1e-07,
            "amsgrad": False,
        },
    ),
    (
        optimizers.Adamax(learning_rate=0.001),
        {"name": "Adamax", "learning_rate": 0.001, "decay": 0.0, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07},
    ),
]


@pytest.mark.parametrize("optimizer, expected", TF_CONFIGS, ids=lambda v: getattr(v, "name", ""))
def test_get_config_matches_tf_keras_keys_order_and_values(optimizer, expected):
    config = optimizer.get_config()
    assert config == expected
    assert list(config) == list(expected)


def test_get_config_values_survive_training_as_given():
    optimizer = optimizers.Adam(learning_rate=0.01, beta_1=0.8)
    _run(optimizer)
    config = optimizer.get_config()
    assert config["learning_rate"] == 0.01 and config["beta_1"] == 0.8


def test_keras2_default_learning_rates():
    # Keras 2.2.4/2.3 defaults (tf.keras 2.15 legacy uses 0.001 for all four; see docs/training.md).
    assert optimizers.Adagrad().get_config()["learning_rate"] == 0.01
    assert optimizers.Adadelta().get_config()["learning_rate"] == 1.0
    assert optimizers.Adamax().get_config()["learning_rate"] == 0.002
    assert optimizers.Nadam().get_config()["learning_rate"] == 0.002


def test_sgd_momentum_must_be_between_0_and_1():
    with pytest.raises(ValueError, match="momentum=1.5"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="momentum=-0.1"):
        optimizers.SGD(momentum=-0.1)


def test_nadam_loads_tf_keras_config_with_schedule_decay_under_decay():
    tf_config = {
        "name": "Nadam",
        "learning_rate": 0.001,
        "decay": 0.004,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "epsilon": 1e-07,
    }
    nadam = optimizers.deserialize({"class_name": "Nadam", "config": tf_config})
    assert isinstance(nadam, optimizers.Nadam)
    assert nadam.schedule_decay == 0.004 and nadam.get_config()["learning_rate"] == 0.001
