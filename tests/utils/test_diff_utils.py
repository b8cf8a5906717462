"""keras.utils functions of tf.keras 2.15: expected values written by tf.keras or by hand."""

import hashlib
import os
import random
import tarfile
import zipfile

import numpy as np
import pytest
import torch

from kerastorch import backend
from kerastorch import layers
from kerastorch import utils
from kerastorch.saving import serialization


def test_to_ordinal_matches_tf_keras():
    np.testing.assert_array_equal(utils.to_ordinal([0, 2, 1]), [[0, 0], [1, 1], [1, 0]])
    result = utils.to_ordinal(np.array([[1], [3]]), num_classes=4, dtype="int32")
    assert result.dtype == np.int32 and result.tolist() == [[1, 0, 0], [1, 1, 1]]
    assert utils.to_ordinal(np.array([[0, 1], [2, 1]])).shape == (2, 2, 2)


@pytest.mark.parametrize(
    "args, expected",
    [((1,), 1), ((1, 2), (1, 2)), ((1, 2, 3), (1, 2, 3)), (((1, 2),), ((1, 2),)), (([1, 2],), [1, 2])],
)
def test_pack_x_y_sample_weight(args, expected):
    assert utils.pack_x_y_sample_weight(*args) == expected


@pytest.mark.parametrize(
    "data, expected",
    [(1, (1, None, None)), ((1,), (1, None, None)), ([1, 2], (1, 2, None)), ((1, 2, 3), (1, 2, 3))],
)
def test_unpack_x_y_sample_weight(data, expected):
    assert utils.unpack_x_y_sample_weight(data) == expected


def test_unpack_x_y_sample_weight_rejects_four_items():
    with pytest.raises(ValueError, match="found: \\(1, 2, 3, 4\\)"):
        utils.unpack_x_y_sample_weight((1, 2, 3, 4))


def test_set_random_seed_seeds_python_numpy_and_torch():
    utils.set_random_seed(3)
    first = (random.random(), np.random.rand(), torch.rand(()).item(), backend.get_value(backend.random_normal((2,))))
    utils.set_random_seed(3)
    second = (random.random(), np.random.rand(), torch.rand(()).item(), backend.get_value(backend.random_normal((2,))))
    assert first[:3] == second[:3]
    np.testing.assert_array_equal(first[3], second[3])
    with pytest.raises(ValueError, match="seed=1.5"):
        utils.set_random_seed(1.5)


def test_register_keras_serializable_names_and_lookup():
    @utils.register_keras_serializable(package="DiffTests")
    class ScaleByTwo(layers.Layer):
        def call(self, inputs):
            return inputs * 2

    @utils.register_keras_serializable(package="DiffTests", name="twice")
    def double(x):
        return 2 * x

    try:
        assert utils.get_registered_name(ScaleByTwo) == "DiffTests>ScaleByTwo"
        assert utils.get_registered_name(double) == "DiffTests>twice"
        assert utils.get_registered_name(len) == "len"
        assert utils.get_registered_object("DiffTests>ScaleByTwo") is ScaleByTwo
        assert utils.get_registered_object("missing", custom_objects={"missing": int}) is int
        assert utils.get_registered_object("missing") is None
        config = utils.serialize_keras_object(ScaleByTwo(name="scale"))
        restored = serialization.deserialize_layer(config)
        assert isinstance(restored, ScaleByTwo) and restored.name == "scale"
        with pytest.raises(ValueError, match="already been registered"):
            utils.register_keras_serializable(package="DiffTests")(ScaleByTwo)
    finally:
        for key in ("DiffTests>ScaleByTwo", "ScaleByTwo", "DiffTests>twice", "twice"):
            utils.get_custom_objects().pop(key, None)


def test_register_keras_serializable_needs_get_config():
    class Plain:
        pass

    with pytest.raises(ValueError, match="get_config"):
        utils.register_keras_serializable()(Plain)


def test_utils_reexports_the_tf_keras_names():
    from kerastorch.preprocessing import image
    from kerastorch.preprocessing import sequence

    assert utils.pad_sequences is sequence.pad_sequences
    assert utils.img_to_array is image.img_to_array and utils.load_img is image.load_img
    assert callable(utils.get_source_inputs) and callable(utils.deserialize_keras_object)


# ------------------------------------------------------------------------------------------
# get_file on local files (file:// URLs): no network.
# ------------------------------------------------------------------------------------------
@pytest.fixture
def source(tmp_path):
    path = tmp_path / "src" / "data.txt"
    path.parent.mkdir()
    path.write_bytes(b"kerastorch get_file\n")
    return path


def test_get_file_copies_into_cache_and_checks_hashes(source, tmp_path, capsys):
    cache = tmp_path / "cache"
    sha256 = hashlib.sha256(source.read_bytes()).hexdigest()
    md5 = hashlib.md5(source.read_bytes()).hexdigest()
    path = utils.get_file(origin=source.as_uri(), file_hash=sha256, cache_dir=str(cache))
    assert path == os.path.join(str(cache), "datasets", "data.txt")
    assert open(path, "rb").read() == source.read_bytes()
    assert "Downloading data from" in capsys.readouterr().out
    # Cached: no second download, md5 accepted too.
    assert utils.get_file("data.txt", source.as_uri(), md5_hash=md5, cache_dir=str(cache)) == path
    assert capsys.readouterr().out == ""
    with pytest.raises(ValueError, match="file hash does not match"):
        utils.get_file("other.txt", source.as_uri(), file_hash="0" * 64, cache_dir=str(cache))


def test_get_file_redownloads_a_stale_file(source, tmp_path, capsys):
    cache = tmp_path / "cache"
    stale = cache / "sub" / "data.txt"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    sha256 = hashlib.sha256(source.read_bytes()).hexdigest()
    path = utils.get_file("data.txt", source.as_uri(), file_hash=sha256, cache_subdir="sub", cache_dir=str(cache))
    assert open(path, "rb").read() == source.read_bytes()
    assert "re-download" in capsys.readouterr().out


def test_get_file_extracts_tar_and_zip(tmp_path):
    member = tmp_path / "member.txt"
    member.write_text("inside")
    tar_path = tmp_path / "archive.tar.gz"
    with tarfile.open(tar_path, "w:gz") as archive:
        archive.add(member, arcname="folder/member.txt")
    zip_path = tmp_path / "archive.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.write(member, arcname="zipped/member.txt")
    cache = str(tmp_path / "cache")
    untarred = utils.get_file("archive", tar_path.as_uri(), untar=True, cache_dir=cache)
    assert untarred == os.path.join(cache, "datasets", "archive")
    assert open(os.path.join(cache, "datasets", "folder", "member.txt")).read() == "inside"
    zipped = utils.get_file(origin=zip_path.as_uri(), extract=True, cache_dir=cache)
    assert zipped.endswith("archive.zip")
    assert open(os.path.join(cache, "datasets", "zipped", "member.txt")).read() == "inside"


def test_get_file_errors(tmp_path):
    with pytest.raises(ValueError, match='"origin"'):
        utils.get_file("x")
    with pytest.raises(ValueError, match="file name"):
        utils.get_file(origin="file:///", cache_dir=str(tmp_path))
    with pytest.raises(Exception, match="URL fetch failure"):
        utils.get_file("missing.txt", (tmp_path / "missing.txt").as_uri(), cache_dir=str(tmp_path))
    assert not (tmp_path / "datasets" / "missing.txt").exists()
