"""Private helpers shared by the layer modules: validation of constructor arguments."""

import numpy as np


def _positive_int(layer_name, arg, value, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{layer_name} expects `{arg}` to be a positive integer. Received: {arg}={value!r}")
    return int(value)
