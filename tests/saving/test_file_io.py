"""Save-file plumbing: chunked string attributes, atomic writes, file formats told by content."""

import os
import zipfile

import h5py
import numpy as np
import pytest

from kerastorch.saving import file_io
from kerastorch.saving import hdf5


def test_chunked_attributes_round_trip(tmp_path):
    names = [f"{'n' * 300}_{index}" for index in range(300)]
    with h5py.File(tmp_path / "attrs.h5", "w") as handle:
        file_io.save_attributes_to_hdf5_group(handle, "layer_names", names)
        assert "layer_names" not in handle.attrs and "layer_names0" in handle.attrs and "layer_names1" in handle.attrs
        assert all(np.asarray(handle.attrs[k]).nbytes <= file_io.HDF5_OBJECT_HEADER_LIMIT for k in handle.attrs)
    with h5py.File(tmp_path / "attrs.h5", "r") as handle:
        assert file_io.load_attributes_from_hdf5_group(handle, "layer_names") == names
    with pytest.raises(RuntimeError, match="larger than"):
        with h5py.File(tmp_path / "big.h5", "w") as handle:
            file_io.save_attributes_to_hdf5_group(handle, "x", ["a" * 70000])


def test_empty_attribute_list_is_an_empty_float_array_as_in_keras(tmp_path):
    with h5py.File(tmp_path / "empty.h5", "w") as handle:
        file_io.save_attributes_to_hdf5_group(handle, "weight_names", [])
        assert handle.attrs["weight_names"].dtype == np.float64 and handle.attrs["weight_names"].shape == (0,)
        assert file_io.load_attributes_from_hdf5_group(handle, "weight_names") == []


def test_public_names_stay_importable_from_the_hdf5_module():
    # Keras 2 scripts import these from the HDF5 saving module (keras.engine.saving / hdf5_format).
    from kerastorch.saving.hdf5 import HDF5_OBJECT_HEADER_LIMIT
    from kerastorch.saving.hdf5 import load_attributes_from_hdf5_group
    from kerastorch.saving.hdf5 import save_attributes_to_hdf5_group

    assert HDF5_OBJECT_HEADER_LIMIT == 64512 and "HDF5_OBJECT_HEADER_LIMIT" in hdf5.__all__
    assert save_attributes_to_hdf5_group is file_io.save_attributes_to_hdf5_group
    assert load_attributes_from_hdf5_group is file_io.load_attributes_from_hdf5_group
    functions = [
        name for name, value in vars(file_io).items() if getattr(value, "__module__", None) == file_io.__name__
    ]
    public = [name for name in functions if not name.startswith("_")]
    assert len(public) == 5
    for name in public:
        assert getattr(hdf5, name) is getattr(file_io, name) and name in hdf5.__all__


def test_file_kind_reads_the_first_bytes_not_the_extension(tmp_path):
    with h5py.File(tmp_path / "model.pt", "w"):
        pass
    assert file_io.file_kind(tmp_path / "model.pt") == "hdf5"
    with zipfile.ZipFile(tmp_path / "model.h5", "w") as archive:
        archive.writestr("config.json", "{}")
    assert file_io.file_kind(tmp_path / "model.h5") == "keras_zip"
    with zipfile.ZipFile(tmp_path / "weights.keras", "w") as archive:
        archive.writestr("archive/data.pkl", b"")
    assert file_io.file_kind(tmp_path / "weights.keras") == "torch"
    (tmp_path / "notes.h5").write_text("hello")
    assert file_io.file_kind(tmp_path / "notes.h5") == "unknown"


def _write_bytes(path, data):
    with open(path, "wb") as handle:
        handle.write(data)


def test_atomic_write_replaces_only_after_a_complete_write(tmp_path):
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")

    def fail(path):
        with open(path, "wb") as handle:
            handle.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        file_io.atomic_write(target, fail)
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["file.bin"]
    assert file_io.atomic_write(target, lambda path: _write_bytes(path, b"new")) is True
    assert target.read_bytes() == b"new" and os.listdir(tmp_path) == ["file.bin"]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        file_io.atomic_write(tmp_path / "missing" / "file.bin", lambda path: None)
