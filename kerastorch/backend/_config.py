"""Backend settings: floatx, epsilon, image_data_format, device, learning phase, name uids and dtype names; the only module-level state."""

import collections
import contextlib
import os
import re

import numpy as np
import torch

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_DEVICE = None
_LEARNING_PHASE = None
_UID_COUNTERS = collections.defaultdict(int)

_DTYPES = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
    "int8": torch.int8,
    "uint8": torch.uint8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "bool": torch.bool,
}


# ---------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------
def epsilon():
    """Returns the fuzz factor used in numeric expressions (default 1e-7)."""
    return _EPSILON


def set_epsilon(value):
    global _EPSILON
    _EPSILON = float(value)


def floatx():
    """Returns the default float type as a string (default 'float32')."""
    return _FLOATX


def set_floatx(value):
    global _FLOATX
    if value not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError(f"Unknown floatx type {value!r}. Valid values: 'float16', 'bfloat16', 'float32', 'float64'.")
    _FLOATX = str(value)


def image_data_format():
    """Returns 'channels_last' (default) or 'channels_first'."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f"Expected `data_format` to be 'channels_last' or 'channels_first'. Received: data_format={data_format!r}"
        )
    _IMAGE_DATA_FORMAT = str(data_format)


def normalize_data_format(value):
    """Returns `value` or the global default, validated."""
    if value is None:
        value = image_data_format()
    value = str(value).lower()
    if value not in ("channels_first", "channels_last"):
        raise ValueError(
            f"Expected `data_format` to be 'channels_last' or 'channels_first'. Received: data_format={value!r}"
        )
    return value


def get_device():
    """The torch device models train on: set_device(), else $KERASTORCH_DEVICE, else CUDA when available."""
    if _DEVICE is not None:
        return _DEVICE
    env = os.environ.get("KERASTORCH_DEVICE")
    if env:
        return torch.device(env)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def set_device(device):
    """Sets the device used for new training runs; None restores automatic choice."""
    global _DEVICE
    _DEVICE = None if device is None else torch.device(device)


def learning_phase():
    """1 while training, 0 otherwise (set by the training loop or `set_learning_phase`)."""
    return 0 if _LEARNING_PHASE is None else _LEARNING_PHASE


def set_learning_phase(value):
    global _LEARNING_PHASE
    if value not in (0, 1, None):
        raise ValueError(f"Expected learning phase to be 0 or 1. Received: {value!r}")
    _LEARNING_PHASE = value


@contextlib.contextmanager
def learning_phase_scope(value):
    global _LEARNING_PHASE
    previous = _LEARNING_PHASE
    _LEARNING_PHASE = value
    try:
        yield
    finally:
        _LEARNING_PHASE = previous


def get_uid(prefix=""):
    """Returns 1, 2, 3, ... for successive calls with the same prefix (reset by clear_session)."""
    _UID_COUNTERS[prefix] += 1
    return _UID_COUNTERS[prefix]


def reset_uids():
    _UID_COUNTERS.clear()


def clear_session():
    """Resets the layer-name counters (names start again at `dense_1`)."""
    reset_uids()


def to_snake_case(name):
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    if insecure[0] != "_":
        return insecure
    return "private" + insecure


def unique_object_name(base):
    return f"{base}_{get_uid(base)}"


def standardize_dtype(dtype):
    """Returns the torch dtype for a Keras dtype name, a numpy dtype or a torch dtype."""
    if dtype is None:
        return _DTYPES[floatx()]
    if isinstance(dtype, torch.dtype):
        return dtype
    if isinstance(dtype, dict):  # Keras 3 DTypePolicy config
        dtype = dtype.get("config", {}).get("name", floatx())
        if str(dtype).startswith("mixed_"):
            dtype = "float32"
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if name not in _DTYPES:
        raise ValueError(f"Unknown dtype {dtype!r}. Valid names: {', '.join(sorted(_DTYPES))}.")
    return _DTYPES[name]


def dtype_name(dtype):
    """Returns the Keras name ('float32', ...) for a torch dtype."""
    for name, value in _DTYPES.items():
        if value == dtype:
            return name
    return str(dtype).replace("torch.", "")
