"""Shared test set-up: seeded, CPU, fresh layer-name counters per test."""

import numpy as np
import pytest
import torch

from kerastorch import backend


@pytest.fixture(autouse=True)
def _fresh_session():
    backend.clear_session()
    backend.set_device("cpu")
    np.random.seed(0)
    torch.manual_seed(0)
    yield
    backend.set_device(None)


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)
