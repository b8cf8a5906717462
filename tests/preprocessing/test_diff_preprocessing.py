"""Preprocessing behaviours checked against tf.keras 2.15 (expected values written by tf.keras)."""

import json

import numpy as np
import pytest

from kerastorch.preprocessing import image
from kerastorch.preprocessing import sequence


# ------------------------------------------------------------------------------------------
# TimeseriesGenerator.get_config / to_json
# ------------------------------------------------------------------------------------------
def test_timeseries_generator_get_config_matches_tf_keras():
    generator = sequence.TimeseriesGenerator(
        np.arange(6.0).reshape(3, 2), np.arange(3), length=1, start_index=1, batch_size=2
    )
    # tf.keras 2.15 records `start_index + length` as start_index.
    assert generator.get_config() == {
        "data": "[[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]",
        "targets": "[0, 1, 2]",
        "length": 1,
        "sampling_rate": 1,
        "stride": 1,
        "start_index": 2,
        "end_index": 2,
        "shuffle": False,
        "reverse": False,
        "batch_size": 2,
    }


def test_timeseries_generator_to_json_matches_tf_keras():
    generator = sequence.TimeseriesGenerator([[1, 2], [3, 4]], [5, 6], length=1, reverse=True)
    expected = (
        '{"class_name": "TimeseriesGenerator", "config": {"data": "[[1, 2], [3, 4]]", '
        '"targets": "[5, 6]", "length": 1, "sampling_rate": 1, "stride": 1, "start_index": 1, '
        '"end_index": 1, "shuffle": false, "reverse": true, "batch_size": 128}}'
    )
    assert generator.to_json() == expected
    assert json.loads(generator.to_json(indent=2)) == json.loads(expected)


def test_timeseries_generator_get_config_rejects_unserializable_data():
    generator = sequence.TimeseriesGenerator([object(), object()], [0, 1], length=1)
    with pytest.raises(TypeError, match="Data not JSON serializable"):
        generator.get_config()


# ------------------------------------------------------------------------------------------
# ImageDataGenerator: tf.keras 2.15 attribute and argument names
# ------------------------------------------------------------------------------------------
def test_zca_whitening_matrix_attribute_and_keras_224_alias():
    rng = np.random.RandomState(0)
    x = rng.rand(20, 3, 2, 1).astype("float32")
    generator = image.ImageDataGenerator(zca_whitening=True, data_format="channels_last")
    assert generator.zca_whitening_matrix is None
    generator.fit(x)
    # zca_whitening turns featurewise_center on: the per-channel mean is removed first.
    flat = x.reshape(20, -1).astype("float64") - x.mean()
    sigma = flat.T @ flat / 20
    u, s, _ = np.linalg.svd(sigma)
    expected = (u * (1.0 / np.sqrt(s[np.newaxis] + 1e-6))).dot(u.T)
    np.testing.assert_allclose(generator.zca_whitening_matrix, expected, rtol=1e-4, atol=1e-4)
    assert generator.principal_components is generator.zca_whitening_matrix
    generator.principal_components = np.eye(6)
    np.testing.assert_array_equal(generator.zca_whitening_matrix, np.eye(6))


def test_flow_ignore_class_split():
    x = np.zeros((6, 2, 2, 1), "float32")
    y = np.arange(6)
    generator = image.ImageDataGenerator(validation_split=0.34, data_format="channels_last")
    with pytest.raises(ValueError, match="different number of classes"):
        generator.flow(x, y, subset="training")
    training = generator.flow(x, y, batch_size=10, shuffle=False, subset="training", ignore_class_split=True)
    validation = generator.flow(x, y, batch_size=10, shuffle=False, ignore_class_split=True, subset="validation")
    assert training[0][1].tolist() == [2, 3, 4, 5]
    assert validation[0][1].tolist() == [0, 1]


# Values written by tf.keras 2.15 `load_img(..., keep_aspect_ratio=True)` for a 6x10 grayscale
# image whose pixel (row, col) is 4 * (10 * row + col).
KEEP_ASPECT_RATIO = {
    ((3, 3), "nearest"): [[52, 60, 68], [132, 140, 148], [212, 220, 228]],
    ((3, 3), "bilinear"): [[39, 47, 55], [110, 118, 126], [181, 189, 197]],
    ((2, 4), "nearest"): [[44, 52, 64, 72], [124, 132, 144, 152]],
    ((2, 4), "bilinear"): [[44, 53, 63, 72], [134, 143, 153, 162]],
    ((6, 2), "nearest"): [[16, 20], [56, 60], [96, 100], [136, 140], [176, 180], [216, 220]],
}


@pytest.fixture
def gradient_png(tmp_path):
    pil_image = pytest.importorskip("PIL.Image")
    path = tmp_path / "gradient.png"
    pil_image.fromarray((np.arange(60).reshape(6, 10) * 4).astype("uint8"), "L").save(path)
    return path


@pytest.mark.parametrize("target_size, interpolation", sorted(KEEP_ASPECT_RATIO))
def test_load_img_keep_aspect_ratio_matches_tf_keras(gradient_png, target_size, interpolation):
    img = image.load_img(
        gradient_png,
        color_mode="grayscale",
        target_size=target_size,
        interpolation=interpolation,
        keep_aspect_ratio=True,
    )
    array = image.img_to_array(img, data_format="channels_last")[..., 0]
    assert array.astype(int).tolist() == KEEP_ASPECT_RATIO[(target_size, interpolation)]


def test_flow_from_directory_keep_aspect_ratio(gradient_png, tmp_path):
    class_dir = tmp_path / "root" / "a"
    class_dir.mkdir(parents=True)
    gradient_png.rename(class_dir / "gradient.png")
    generator = image.ImageDataGenerator(data_format="channels_last")
    iterator = generator.flow_from_directory(
        str(tmp_path / "root"), target_size=(3, 3), color_mode="grayscale", keep_aspect_ratio=True, class_mode=None
    )
    assert iterator.keep_aspect_ratio is True
    assert iterator[0][0, ..., 0].astype(int).tolist() == KEEP_ASPECT_RATIO[((3, 3), "nearest")]
