"""Save-file plumbing: list-of-string HDF5 attributes, atomic file writes, file formats told by content.

Attributes too large for an HDF5 object header are split into `<name>0`, `<name>1`, ... as Keras
does. `atomic_write` is shared by every writer (HDF5 and torch checkpoints) so that an interrupted
save never leaves a half-written file in place of a good one.
"""

import os
import secrets
import warnings

import numpy as np

try:
    import h5py
except ImportError:  # pragma: no cover - h5py is a dependency
    h5py = None

# Keras 2's limit for one attribute in an HDF5 object header.
HDF5_OBJECT_HEADER_LIMIT = 64512

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_ZIP_SIGNATURE = b"PK\x03\x04"


def _require_h5py():
    if h5py is None:  # pragma: no cover
        raise ImportError("Saving and loading HDF5 files requires h5py: `pip install h5py`.")


def _decode(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.bytes_):
        return value.decode("utf-8")
    return value if isinstance(value, str) else str(value)


# ---------------------------------------------------------------------------------------------
# Attributes
# ---------------------------------------------------------------------------------------------
def save_attributes_to_hdf5_group(group, name, data):
    """Stores a list of strings as attribute `name`, split into `name0`, `name1`, ... when too large.

    Args:
        group: an h5py Group.
        name: the attribute name.
        data: list of strings (or bytes).
    """
    encoded = [item.encode("utf-8") if isinstance(item, str) else bytes(item) for item in data]
    too_long = [item for item in encoded if len(item) > HDF5_OBJECT_HEADER_LIMIT]
    if too_long:
        raise RuntimeError(
            f"The following attributes cannot be saved to HDF5 file because they are larger than "
            f"{HDF5_OBJECT_HEADER_LIMIT} bytes: {[item[:60] for item in too_long]}"
        )
    if not encoded:
        # An empty list of strings has no HDF5 string type; Keras stores an empty float array.
        group.attrs[name] = np.asarray([], dtype=np.float64)
        return
    array = np.asarray(encoded)
    num_chunks = 1
    chunks = np.array_split(array, num_chunks)
    while any(chunk.nbytes > HDF5_OBJECT_HEADER_LIMIT for chunk in chunks):
        num_chunks += 1
        chunks = np.array_split(array, num_chunks)
    if num_chunks > 1:
        for index, chunk in enumerate(chunks):
            group.attrs[f"{name}{index}"] = chunk
    else:
        group.attrs[name] = array


def load_attributes_from_hdf5_group(group, name):
    """Reads a list-of-strings attribute written whole or in chunks (`name0`, `name1`, ...).

    Args:
        group: an h5py Group.
        name: the attribute name.
    """
    if name in group.attrs:
        values = group.attrs[name]
        if isinstance(values, (str, bytes)):
            return [_decode(values)]
        return [_decode(item) for item in np.asarray(values).ravel()]
    data = []
    index = 0
    while f"{name}{index}" in group.attrs:
        data.extend(_decode(item) for item in np.asarray(group.attrs[f"{name}{index}"]).ravel())
        index += 1
    return data


# ---------------------------------------------------------------------------------------------
# Atomic files
# ---------------------------------------------------------------------------------------------
def ask_to_proceed_with_overwrite(filepath):
    """Asks on stdin whether to overwrite `filepath` (Keras 2); True means proceed."""
    try:
        answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n]").strip().lower()
        while answer not in ("y", "n"):
            answer = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    except EOFError:
        warnings.warn(f"{filepath} exists and overwrite=False: nothing was written (no answer on stdin).", stacklevel=3)
        return False
    if answer == "n":
        return False
    print("[TIP] Next time specify overwrite=True!")
    return True


def atomic_write(filepath, write, overwrite=True):
    """Runs `write(temp_path)` then moves the finished file onto `filepath` with `os.replace`.

    An exception (or interruption) while writing removes the temporary file and leaves any existing
    `filepath` unchanged.

    Args:
        filepath: the destination.
        write: callable writing a complete file at the path it is given.
        overwrite: when False and `filepath` exists, ask on stdin first.

    Returns:
        True if the file was written.
    """
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath) and not ask_to_proceed_with_overwrite(filepath):
        return False
    directory = os.path.dirname(os.path.abspath(filepath))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"Cannot save to {filepath!r}: the directory {directory!r} does not exist.")
    temp = os.path.join(directory, f".{os.path.basename(filepath)}.{secrets.token_hex(6)}.tmp")
    # Created with the usual permissions (0o666 minus umask), unlike mkstemp's 0o600.
    os.close(os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    try:
        write(temp)
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, filepath)
    except BaseException:
        try:
            os.remove(temp)
        except OSError:
            pass
        raise
    return True


def file_kind(filepath):
    """'hdf5', 'keras_zip', 'torch' or 'unknown', from the file's first bytes (not its extension)."""
    with open(filepath, "rb") as handle:
        head = handle.read(8)
    if head == _HDF5_SIGNATURE:
        return "hdf5"
    if head[:4] == _ZIP_SIGNATURE:
        import zipfile

        with zipfile.ZipFile(filepath) as archive:
            names = archive.namelist()
        if "config.json" in names:
            return "keras_zip"
        return "torch"
    if h5py is not None and h5py.is_hdf5(filepath):
        return "hdf5"
    return "unknown"


def _is_h5py_object(obj):
    return h5py is not None and isinstance(obj, (h5py.File, h5py.Group))
