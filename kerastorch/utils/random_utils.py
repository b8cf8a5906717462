"""set_random_seed: one call seeding Python, NumPy and torch (the `K.random_*` functions)."""

import random

import numpy as np
import torch

__all__ = ["set_random_seed"]


def set_random_seed(seed):
    """Seeds Python's `random`, NumPy and torch (CPU and every GPU) for reproducible runs.

    Args:
        seed: an integer.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed} (of type {type(seed)})")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
