"""The examples run and reach what the README promises."""

import importlib.util
import os

import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "examples")


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quickstart_reaches_95_percent_on_digits():
    pytest.importorskip("sklearn")
    accuracy = load("quickstart").main(epochs=30, verbose=0)
    assert accuracy > 0.95


def test_variational_autoencoder_trains_on_its_added_loss():
    pytest.importorskip("sklearn")
    import torch

    torch.manual_seed(0)
    history = load("variational_autoencoder").main(epochs=5, verbose=0)
    losses = history.history["loss"]
    assert set(history.history) == {"loss", "val_loss"}
    assert losses[-1] < 0.8 * losses[0]
