"""Tests for kerastorch.preprocessing.image.

`tests/data/image_keras2.npz` holds outputs of keras-preprocessing 1.1.2 (Keras 2's image
preprocessing, resampling with scipy.ndimage; 'wrap' references use scipy's 'grid-wrap',
the periodic mode Keras documents).
"""

import os
import sys
import warnings

import numpy as np
import pytest

from kerastorch.preprocessing import image
from kerastorch.utils import data_utils

REFERENCE = np.load(os.path.join(os.path.dirname(__file__), "..", "data", "image_keras2.npz"))

AFFINE_PARAMS = {
    "rotate": dict(theta=23.0),
    "shift": dict(tx=1.3, ty=-2.2),
    "shear": dict(shear=17.0),
    "zoom": dict(zx=0.8, zy=1.25),
    "combo": dict(theta=-35.0, tx=0.7, ty=1.1, shear=8.0, zx=1.1, zy=0.9),
}


def _generator(**kwargs):
    kwargs.setdefault("data_format", "channels_last")
    return image.ImageDataGenerator(**kwargs)


# ------------------------------------------------------------------------------------------
# Affine transforms against Keras 2
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(AFFINE_PARAMS))
@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "reflect", "wrap"])
@pytest.mark.parametrize("order", [0, 1])
def test_apply_affine_transform_matches_keras2(name, fill_mode, order):
    x = REFERENCE["affine_x"]
    result = image.apply_affine_transform(x, fill_mode=fill_mode, cval=0.5, order=order, **AFFINE_PARAMS[name])
    assert result.dtype == np.float32 and result.shape == x.shape
    np.testing.assert_allclose(result, REFERENCE[f"affine_{name}_{fill_mode}_{order}"], atol=1e-6)


def test_apply_affine_transform_channels_first():
    x = np.transpose(REFERENCE["affine_x"], (2, 0, 1))
    result = image.apply_affine_transform(x, row_axis=1, col_axis=2, channel_axis=0, **AFFINE_PARAMS["combo"])
    np.testing.assert_allclose(result, REFERENCE["affine_cf_combo"], atol=1e-6)


def test_apply_affine_transform_identity_and_errors():
    x = REFERENCE["affine_x"]
    assert image.apply_affine_transform(x) is x
    with pytest.raises(ValueError, match="'mirror'"):
        image.apply_affine_transform(x, theta=10, fill_mode="mirror")
    with pytest.raises(ValueError, match="order=3"):
        image.apply_affine_transform(x, theta=10, order=3)
    with pytest.raises(ValueError, match="rank 3"):
        image.apply_affine_transform(x[0], theta=10)


def test_random_transform_and_flow_match_keras2_with_seed():
    images, labels = REFERENCE["gen_images"], REFERENCE["gen_labels"]
    generator = _generator(
        rotation_range=30,
        width_shift_range=0.2,
        height_shift_range=3,
        shear_range=10,
        zoom_range=0.2,
        channel_shift_range=20.0,
        horizontal_flip=True,
        vertical_flip=True,
        fill_mode="reflect",
        rescale=1 / 255.0,
    )
    params = generator.get_random_transform(images[0].shape, seed=3)
    drawn = [
        params[key]
        for key in (
            "theta",
            "tx",
            "ty",
            "shear",
            "zx",
            "zy",
            "flip_horizontal",
            "flip_vertical",
            "channel_shift_intensity",
        )
    ]
    np.testing.assert_allclose(np.array(drawn, dtype="float64"), REFERENCE["gen_params"])
    np.testing.assert_allclose(
        generator.random_transform(images[0], seed=3), REFERENCE["gen_random_transform"], atol=1e-4
    )

    iterator = generator.flow(images, labels, batch_size=3, shuffle=True, seed=7)
    batch_x, batch_y = iterator[0]
    np.testing.assert_allclose(batch_x, REFERENCE["gen_flow_x"], atol=1e-6)
    np.testing.assert_array_equal(batch_y, REFERENCE["gen_flow_y"])
    batch_x, batch_y = iterator[1]
    np.testing.assert_allclose(batch_x, REFERENCE["gen_flow_x1"], atol=1e-6)
    np.testing.assert_array_equal(batch_y, REFERENCE["gen_flow_y1"])


def test_fit_statistics_match_keras2_and_numpy():
    images = REFERENCE["gen_images"]
    generator = _generator(featurewise_center=True, featurewise_std_normalization=True)
    generator.fit(images)
    np.testing.assert_allclose(generator.mean, REFERENCE["fit_mean"], rtol=1e-6)
    np.testing.assert_allclose(generator.std, REFERENCE["fit_std"], rtol=1e-6)
    mean = images.mean(axis=(0, 1, 2), dtype=np.float64)
    std = images.std(axis=(0, 1, 2), dtype=np.float64)
    np.testing.assert_allclose(generator.mean.reshape(-1), mean, rtol=1e-5)
    np.testing.assert_allclose(generator.std.reshape(-1), std, rtol=1e-5)
    standardized = generator.standardize(images[2].copy())
    np.testing.assert_allclose(standardized, (images[2] - mean) / (std + 1e-6), rtol=1e-4, atol=1e-5)


def test_zca_whitening_matches_keras2():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        generator = _generator(zca_whitening=True)
    generator.fit(REFERENCE["zca_x"])
    np.testing.assert_allclose(generator.principal_components, REFERENCE["zca_components"], atol=1e-4)
    np.testing.assert_allclose(
        generator.standardize(REFERENCE["zca_x"][1].copy()), REFERENCE["zca_standardized"], atol=1e-4
    )


# ------------------------------------------------------------------------------------------
# flow
# ------------------------------------------------------------------------------------------
def test_flow_shapes_and_outputs():
    x = np.random.RandomState(0).rand(10, 4, 5, 3)
    y = np.arange(10)
    weights = np.linspace(0.1, 1.0, 10)
    iterator = _generator().flow(x, y, batch_size=4, shuffle=False, sample_weight=weights)
    assert isinstance(iterator, data_utils.Sequence)
    assert len(iterator) == 3
    batch_x, batch_y, batch_w = iterator[2]
    assert batch_x.shape == (2, 4, 5, 3) and batch_x.dtype == np.float32
    np.testing.assert_array_equal(batch_y, [8, 9])
    np.testing.assert_allclose(batch_w, weights[8:])
    np.testing.assert_allclose(batch_x, x[8:].astype("float32"))

    only_x = _generator().flow(x, batch_size=4, shuffle=False)[0]
    assert only_x.shape == (4, 4, 5, 3)

    extra = np.arange(20).reshape(10, 2)
    (images, others), labels = _generator().flow((x, extra), y, batch_size=3, shuffle=False)[1]
    assert images.shape == (3, 4, 5, 3)
    np.testing.assert_array_equal(others, extra[3:6])
    np.testing.assert_array_equal(labels, [3, 4, 5])


def test_flow_endless_iteration_and_shuffle_covers_all():
    x = np.arange(5, dtype="float32").reshape(5, 1, 1, 1)
    iterator = _generator().flow(x, batch_size=2, shuffle=True, seed=1)
    seen = [next(iterator)[:, 0, 0, 0].tolist() for _ in range(3)]
    assert [len(batch) for batch in seen] == [2, 2, 1]
    assert sorted(sum(seen, [])) == [0, 1, 2, 3, 4]
    assert len(next(iterator)) == 2  # the iteration starts over


def test_rescale_is_exact():
    x = np.random.RandomState(1).randint(0, 256, size=(3, 2, 2, 1)).astype("float32")
    batch = _generator(rescale=0.5).flow(x, batch_size=3, shuffle=False)[0]
    np.testing.assert_array_equal(batch, x * np.float32(0.5))


def test_flips_are_exact():
    x = np.arange(12, dtype="float32").reshape(2, 3, 2)  # rows, cols, channels
    generator = _generator()
    np.testing.assert_array_equal(generator.apply_transform(x, {"flip_horizontal": True}), x[:, ::-1, :])
    np.testing.assert_array_equal(generator.apply_transform(x, {"flip_vertical": True}), x[::-1, :, :])
    channels_first = image.ImageDataGenerator(data_format="channels_first")
    xc = np.transpose(x, (2, 0, 1))
    np.testing.assert_array_equal(channels_first.apply_transform(xc, {"flip_horizontal": True}), xc[:, :, ::-1])
    # A flip happens when its uniform draw is < 0.5.
    flipper = _generator(horizontal_flip=True, vertical_flip=True)
    params = flipper.get_random_transform(x.shape, seed=0)  # draws 0.549, 0.715
    assert not params["flip_horizontal"] and not params["flip_vertical"]
    params = flipper.get_random_transform(x.shape, seed=2)  # draws 0.436, 0.026
    assert params["flip_horizontal"] and params["flip_vertical"]
    np.testing.assert_array_equal(flipper.random_transform(x, seed=2), x[::-1, ::-1, :])


def test_samplewise_normalization_and_channel_shift():
    x = np.random.RandomState(2).rand(4, 3, 1).astype("float32")
    with pytest.warns(UserWarning, match="samplewise_center"):
        generator = _generator(samplewise_std_normalization=True)
    result = generator.standardize(x.copy())
    np.testing.assert_allclose(result, (x - x.mean()) / (x.std() + 1e-6), rtol=1e-5, atol=1e-6)

    shifted = image.apply_channel_shift(np.array([[[0.0, 1.0], [2.0, 3.0]]]), 1.5, channel_axis=2)
    np.testing.assert_array_equal(shifted, [[[1.5, 2.5], [3.0, 3.0]]])


def test_validation_split_subsets():
    x = np.arange(10, dtype="float32").reshape(10, 1, 1, 1)
    y = np.array([0, 1] * 5)
    generator = _generator(validation_split=0.3)
    validation = generator.flow(x, y, batch_size=10, shuffle=False, subset="validation")
    training = generator.flow(x, y, batch_size=10, shuffle=False, subset="training")
    assert validation.n == 3 and training.n == 7
    np.testing.assert_array_equal(validation[0][0][:, 0, 0, 0], [0, 1, 2])
    np.testing.assert_array_equal(training[0][0][:, 0, 0, 0], [3, 4, 5, 6, 7, 8, 9])
    np.testing.assert_array_equal(training[0][1], y[3:])
    with pytest.raises(ValueError, match="different number of classes"):
        generator.flow(x, np.array([0] * 3 + [1] * 7), subset="validation")
    with pytest.raises(ValueError, match="'testing'"):
        generator.flow(x, y, subset="testing")


def test_generator_argument_errors():
    with pytest.raises(ValueError, match="validation_split=1.5"):
        image.ImageDataGenerator(validation_split=1.5)
    with pytest.raises(ValueError, match="'mirror'"):
        image.ImageDataGenerator(fill_mode="mirror")
    with pytest.raises(ValueError, match="interpolation_order=3"):
        image.ImageDataGenerator(interpolation_order=3)
    with pytest.raises(ValueError, match="zoom_range"):
        image.ImageDataGenerator(zoom_range=(0.5, 1.0, 2.0))
    with pytest.raises(ValueError, match="data_format='channels_middle'"):
        image.ImageDataGenerator(data_format="channels_middle")
    with pytest.raises(ValueError, match="rank 4"):
        _generator().flow(np.zeros((3, 4, 4)))
    with pytest.raises(ValueError, match="same length"):
        _generator().flow(np.zeros((3, 4, 4, 1)), np.zeros(2))


# ------------------------------------------------------------------------------------------
# Pillow
# ------------------------------------------------------------------------------------------
def test_missing_pillow_raises_import_error_with_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="pip install Pillow"):
        image.array_to_img(np.zeros((2, 2, 3)))
    with pytest.raises(ImportError, match="pip install Pillow"):
        _generator().flow_from_directory("unused")


def _write_dataset(root):
    pil_image = pytest.importorskip("PIL.Image")
    rng = np.random.RandomState(0)
    pixels = {}
    for class_name, count in (("cats", 3), ("dogs", 2)):
        os.makedirs(os.path.join(root, class_name))
        for index in range(count):
            array = rng.randint(0, 256, size=(4, 6, 3)).astype("uint8")
            path = os.path.join(root, class_name, f"img_{index}.png")
            pil_image.fromarray(array).save(path)
            pixels[os.path.join(class_name, f"img_{index}.png")] = array
    with open(os.path.join(root, "cats", "notes.txt"), "w") as handle:
        handle.write("not an image")
    return pixels


def test_flow_from_directory(tmp_path):
    pixels = _write_dataset(str(tmp_path))
    iterator = _generator(rescale=1 / 255.0).flow_from_directory(
        str(tmp_path), target_size=(4, 6), batch_size=4, shuffle=False
    )
    assert iterator.class_indices == {"cats": 0, "dogs": 1}
    assert iterator.filenames == [os.path.join("cats", f"img_{i}.png") for i in range(3)] + [
        os.path.join("dogs", f"img_{i}.png") for i in range(2)
    ]
    np.testing.assert_array_equal(iterator.classes, [0, 0, 0, 1, 1])
    assert len(iterator) == 2
    batch_x, batch_y = iterator[0]
    assert batch_x.shape == (4, 4, 6, 3)
    np.testing.assert_allclose(batch_x[3], pixels[iterator.filenames[3]] / np.float32(255), rtol=1e-6)
    np.testing.assert_array_equal(batch_y, [[1, 0], [1, 0], [1, 0], [0, 1]])

    sparse = _generator().flow_from_directory(
        str(tmp_path), target_size=(2, 3), color_mode="grayscale", class_mode="sparse", batch_size=5, shuffle=False
    )
    batch_x, batch_y = sparse[0]
    assert batch_x.shape == (5, 2, 3, 1)
    np.testing.assert_array_equal(batch_y, [0, 0, 0, 1, 1])


def test_flow_from_directory_validation_split(tmp_path):
    _write_dataset(str(tmp_path))
    generator = _generator(validation_split=0.5)
    validation = generator.flow_from_directory(str(tmp_path), target_size=(4, 6), subset="validation", shuffle=False)
    training = generator.flow_from_directory(str(tmp_path), target_size=(4, 6), subset="training", shuffle=False)
    # Per class: validation takes files [0, int(0.5 * count)), training the rest.
    assert validation.filenames == [os.path.join("cats", "img_0.png"), os.path.join("dogs", "img_0.png")]
    assert training.filenames == [
        os.path.join("cats", "img_1.png"),
        os.path.join("cats", "img_2.png"),
        os.path.join("dogs", "img_1.png"),
    ]


def test_image_conversions_round_trip(tmp_path):
    pytest.importorskip("PIL")
    array = np.random.RandomState(3).randint(0, 256, size=(5, 4, 3)).astype("float32")
    img = image.array_to_img(array, data_format="channels_last", scale=False)
    assert img.size == (4, 5) and img.mode == "RGB"
    np.testing.assert_array_equal(image.img_to_array(img, data_format="channels_last"), array)
    np.testing.assert_array_equal(image.img_to_array(img, data_format="channels_first"), array.transpose(2, 0, 1))

    scaled = image.img_to_array(
        image.array_to_img(array / 255.0, data_format="channels_last"), data_format="channels_last"
    )
    expected = (array - array.min()) / (array.max() - array.min()) * 255
    np.testing.assert_array_equal(scaled, np.floor(expected + 1e-4))

    path = str(tmp_path / "picture.png")
    image.save_img(path, array, data_format="channels_last", scale=False)
    loaded = image.load_img(path)
    np.testing.assert_array_equal(image.img_to_array(loaded, data_format="channels_last"), array)
    gray = image.load_img(path, color_mode="grayscale", target_size=(2, 3))
    assert gray.mode == "L" and gray.size == (3, 2)
    with pytest.raises(ValueError, match="color_mode"):
        image.load_img(path, color_mode="cmyk")


def test_brightness_shift(tmp_path):
    pytest.importorskip("PIL")
    array = np.array([[[0.0], [100.0]], [[200.0], [255.0]]])
    np.testing.assert_array_equal(image.apply_brightness_shift(array, 1.0), array)
    np.testing.assert_array_equal(image.apply_brightness_shift(array, 0.0), np.zeros_like(array))
    halved = image.apply_brightness_shift(array, 0.5)
    assert np.all(np.abs(halved - array * 0.5) <= 1)
