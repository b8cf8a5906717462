"""Image preprocessing: ImageDataGenerator, its array and directory iterators, affine transforms.

Keras 2 (keras-preprocessing 1.1) semantics. The affine transforms are resampled in NumPy
(Keras used `scipy.ndimage.affine_transform`), with interpolation order 0 (nearest) or 1
(bilinear, Keras's default) and the fill modes 'constant', 'nearest', 'reflect' and 'wrap'
as Keras documents them: 'constant' fills with `cval` every output pixel whose source point
lies outside the image, 'reflect' mirrors about the edges (abcd -> dcba|abcd|dcba) and 'wrap'
repeats the image (abcd|abcd|abcd). Reading, writing and brightness shifts need Pillow,
imported only when used.
"""

import io
import os
import threading
import warnings

import numpy as np

from kerastorch import backend
from kerastorch.utils import data_utils

__all__ = [
    "ImageDataGenerator",
    "Iterator",
    "NumpyArrayIterator",
    "DirectoryIterator",
    "array_to_img",
    "img_to_array",
    "save_img",
    "load_img",
    "apply_affine_transform",
    "transform_matrix_offset_center",
    "flip_axis",
    "random_rotation",
    "random_shift",
    "random_shear",
    "random_zoom",
    "apply_channel_shift",
    "random_channel_shift",
    "apply_brightness_shift",
    "random_brightness",
]

_FILL_MODES = ("constant", "nearest", "reflect", "wrap")
_DATA_FORMATS = ("channels_first", "channels_last")
_COLOR_MODES = ("grayscale", "rgb", "rgba")
_PIL_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


# ---------------------------------------------------------------------------------------------
# Pillow helpers
# ---------------------------------------------------------------------------------------------
def _pil_image():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "Loading, saving and converting images, flow_from_directory and brightness shifts "
            "require Pillow: `pip install Pillow`."
        ) from None
    return Image


def _check_data_format(data_format):
    data_format = backend.image_data_format() if data_format is None else data_format
    if data_format not in _DATA_FORMATS:
        raise ValueError(
            f"Expected `data_format` to be 'channels_last' or 'channels_first'. Received: data_format={data_format!r}"
        )
    return data_format


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """Converts a 3D NumPy array to a PIL Image instance (needs Pillow).

    Args:
        x: array of rank 3 (height, width, channels) or (channels, height, width).
        data_format: 'channels_first' or 'channels_last' (default: the backend's).
        scale: rescale the values to [0, 255] (min to 0, max to 255).
        dtype: float type the values are converted to first (default: floatx).

    Returns:
        A PIL Image ('L' or 'I' for 1 channel, 'RGB' for 3, 'RGBA' for 4).
    """
    image_module = _pil_image()
    data_format = _check_data_format(data_format)
    x = np.asarray(x, dtype=backend.floatx() if dtype is None else dtype)
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return image_module.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return image_module.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:  # 32-bit signed integer grayscale image
            return image_module.fromarray(x[:, :, 0].astype("int32"), "I")
        return image_module.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}; expected 1, 3 or 4.")


def img_to_array(img, data_format=None, dtype=None):
    """Converts a PIL Image instance to a 3D NumPy array.

    Args:
        img: PIL Image instance (or anything `np.asarray` turns into a 2D/3D array).
        data_format: 'channels_first' or 'channels_last' (default: the backend's).
        dtype: type of the returned array (default: floatx).

    Returns:
        A 3D NumPy array.
    """
    data_format = _check_data_format(data_format)
    x = np.asarray(img, dtype=backend.floatx() if dtype is None else dtype)
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        if data_format == "channels_first":
            x = x.reshape((1,) + x.shape)
        else:
            x = x.reshape(x.shape + (1,))
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}; expected a 2D or 3D image.")
    return x


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Saves an image stored as a NumPy array to a path or file object (needs Pillow).

    Args:
        path: path or file object.
        x: NumPy array of rank 3.
        data_format: 'channels_first' or 'channels_last' (default: the backend's).
        file_format: format such as 'png'; inferred from the file name when None.
        scale: rescale the values to [0, 255].
        **kwargs: passed to `PIL.Image.save()`.
    """
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format in ("jpg", "jpeg"):
        warnings.warn("The JPG format does not support RGBA images, converting to RGB.")
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def load_img(path, grayscale=False, color_mode="rgb", target_size=None, interpolation="nearest"):
    """Loads an image into PIL format (needs Pillow).

    Args:
        path: path to the image file.
        grayscale: deprecated, use `color_mode="grayscale"`.
        color_mode: 'grayscale', 'rgb' or 'rgba'.
        target_size: None (original size) or `(height, width)`.
        interpolation: resampling used when resizing: 'nearest', 'bilinear', 'bicubic',
            'hamming', 'box' or 'lanczos'.

    Returns:
        A PIL Image instance.
    """
    if grayscale is True:
        warnings.warn('grayscale is deprecated. Please use color_mode = "grayscale"')
        color_mode = "grayscale"
    if color_mode not in _COLOR_MODES:
        raise ValueError(f'color_mode must be "grayscale", "rgb", or "rgba". Received: {color_mode!r}')
    if interpolation not in _PIL_INTERPOLATIONS:
        raise ValueError(
            f"Invalid interpolation method {interpolation!r}. Supported methods are: {', '.join(_PIL_INTERPOLATIONS)}."
        )
    image_module = _pil_image()
    with open(path, "rb") as image_file:  # read at once so that no file handle stays open
        img = image_module.open(io.BytesIO(image_file.read()))
    if color_mode == "grayscale":
        # Keep 8, 16 and 32-bit grayscale images as they are; convert the others to 8-bit.
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif img.mode != "RGB":
        img = img.convert("RGB")
    if target_size is not None:
        width_height = (target_size[1], target_size[0])
        if img.size != width_height:
            resample = getattr(image_module, interpolation.upper())
            img = img.resize(width_height, resample)
    return img


# ---------------------------------------------------------------------------------------------
# Transforms of a single image
# ---------------------------------------------------------------------------------------------
def flip_axis(x, axis):
    """Reverses the order of the elements of `x` along `axis`.

    Args:
        x: NumPy array.
        axis: axis to flip.
    """
    x = np.asarray(x).swapaxes(axis, 0)
    x = x[::-1, ...]
    return x.swapaxes(0, axis)


def transform_matrix_offset_center(matrix, x, y):
    """Makes a 3x3 homogeneous transform act about the center of an `x` by `y` image.

    The center is `(x / 2 + 0.5, y / 2 + 0.5)`, half a pixel past the true center, as in
    Keras 2 (keras-preprocessing 1.1), so that seeded augmentations give the same images.

    Args:
        matrix: 3x3 transform.
        x: size along the first image axis.
        y: size along the second image axis.
    """
    o_x = float(x) / 2 + 0.5
    o_y = float(y) / 2 + 0.5
    offset_matrix = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset_matrix = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return np.dot(np.dot(offset_matrix, matrix), reset_matrix)


def _fold_indices(indices, size, fill_mode):
    """Maps integer sample positions outside [0, size) back inside, per `fill_mode`."""
    if fill_mode == "reflect":
        period = 2 * size
        folded = np.mod(indices, period)
        return np.where(folded >= size, period - 1 - folded, folded)
    if fill_mode == "wrap":
        return np.mod(indices, size)
    # 'nearest' repeats the edge; 'constant' masks these points afterwards.
    return np.clip(indices, 0, size - 1)


def _resample(images, matrix, offset, order, fill_mode, cval):
    """Resamples each (rows, cols) channel of `images` at `matrix @ (r, c) + offset`."""
    _, height, width = images.shape
    rows, cols = np.meshgrid(np.arange(height, dtype=np.float64), np.arange(width, dtype=np.float64), indexing="ij")
    source_rows = matrix[0, 0] * rows + matrix[0, 1] * cols + offset[0]
    source_cols = matrix[1, 0] * rows + matrix[1, 1] * cols + offset[1]
    data = images.astype(np.float64)
    if order == 0:
        # Round half up, as scipy.ndimage does for order 0.
        r = _fold_indices(np.floor(source_rows + 0.5).astype(np.int64), height, fill_mode)
        c = _fold_indices(np.floor(source_cols + 0.5).astype(np.int64), width, fill_mode)
        output = data[:, r, c]
    else:
        r_floor = np.floor(source_rows)
        c_floor = np.floor(source_cols)
        r_weight = source_rows - r_floor
        c_weight = source_cols - c_floor
        r0 = _fold_indices(r_floor.astype(np.int64), height, fill_mode)
        r1 = _fold_indices(r_floor.astype(np.int64) + 1, height, fill_mode)
        c0 = _fold_indices(c_floor.astype(np.int64), width, fill_mode)
        c1 = _fold_indices(c_floor.astype(np.int64) + 1, width, fill_mode)
        top = data[:, r0, c0] * (1 - c_weight) + data[:, r0, c1] * c_weight
        bottom = data[:, r1, c0] * (1 - c_weight) + data[:, r1, c1] * c_weight
        output = top * (1 - r_weight) + bottom * r_weight
    if fill_mode == "constant":
        outside = (source_rows < 0) | (source_rows > height - 1) | (source_cols < 0) | (source_cols > width - 1)
        output[:, outside] = cval
    return output.astype(images.dtype, copy=False)


def apply_affine_transform(
    x,
    theta=0,
    tx=0,
    ty=0,
    shear=0,
    zx=1,
    zy=1,
    row_axis=0,
    col_axis=1,
    channel_axis=2,
    fill_mode="nearest",
    cval=0.0,
    order=1,
):
    """Applies an affine transformation specified by the parameters given.

    Rotation, shift (`tx` along the rows, `ty` along the columns), shear and zoom compose,
    in that order, into one transform about the image center; each output pixel takes the
    value at its source point.

    Args:
        x: 3D NumPy array, a single image with channels.
        theta: rotation angle in degrees.
        tx: shift along the row axis (height), in pixels.
        ty: shift along the column axis (width), in pixels.
        shear: shear angle in degrees.
        zx: zoom along the row axis.
        zy: zoom along the column axis.
        row_axis: index of the row axis in `x`.
        col_axis: index of the column axis in `x`.
        channel_axis: index of the channel axis in `x`.
        fill_mode: 'constant', 'nearest', 'reflect' or 'wrap'.
        cval: value used for points outside the image with `fill_mode='constant'`.
        order: interpolation order: 0 (nearest) or 1 (bilinear).

    Returns:
        The transformed image (same shape and dtype).
    """
    if fill_mode not in _FILL_MODES:
        raise ValueError(f"Unknown fill_mode {fill_mode!r}. Valid modes: {', '.join(_FILL_MODES)}.")
    if order not in (0, 1):
        raise ValueError(
            f"apply_affine_transform supports interpolation order 0 (nearest) or 1 (bilinear). "
            f"Received: order={order!r}"
        )
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"apply_affine_transform expects a single image of rank 3. Received shape {x.shape}")
    if sorted((row_axis, col_axis, channel_axis)) != [0, 1, 2]:
        raise ValueError(
            f"`row_axis`, `col_axis` and `channel_axis` must be 0, 1 and 2 in some order. "
            f"Received: {row_axis}, {col_axis}, {channel_axis}"
        )

    transform_matrix = None
    if theta != 0:
        theta = np.deg2rad(theta)
        transform_matrix = np.array([[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0], [0, 0, 1]])
    if tx != 0 or ty != 0:
        shift_matrix = np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
        transform_matrix = shift_matrix if transform_matrix is None else np.dot(transform_matrix, shift_matrix)
    if shear != 0:
        shear = np.deg2rad(shear)
        shear_matrix = np.array([[1, -np.sin(shear), 0], [0, np.cos(shear), 0], [0, 0, 1]])
        transform_matrix = shear_matrix if transform_matrix is None else np.dot(transform_matrix, shear_matrix)
    if zx != 1 or zy != 1:
        zoom_matrix = np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
        transform_matrix = zoom_matrix if transform_matrix is None else np.dot(transform_matrix, zoom_matrix)

    if transform_matrix is None:
        return x
    height, width = x.shape[row_axis], x.shape[col_axis]
    transform_matrix = transform_matrix_offset_center(transform_matrix, height, width)
    channels_first = np.moveaxis(x, channel_axis, 0)
    output = _resample(channels_first, transform_matrix[:2, :2], transform_matrix[:2, 2], order, fill_mode, cval)
    return np.moveaxis(output, 0, channel_axis)


def random_rotation(
    x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0, interpolation_order=1
):
    """Rotates an image by a random angle in `[-rg, rg]` degrees.

    Args:
        x: 3D NumPy array.
        rg: rotation range, in degrees.
        row_axis: index of the row axis.
        col_axis: index of the column axis.
        channel_axis: index of the channel axis.
        fill_mode: 'constant', 'nearest', 'reflect' or 'wrap'.
        cval: fill value for `fill_mode='constant'`.
        interpolation_order: 0 or 1.
    """
    theta = np.random.uniform(-rg, rg)
    return apply_affine_transform(
        x,
        theta=theta,
        row_axis=row_axis,
        col_axis=col_axis,
        channel_axis=channel_axis,
        fill_mode=fill_mode,
        cval=cval,
        order=interpolation_order,
    )


def random_shift(
    x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0, interpolation_order=1
):
    """Shifts an image by random fractions of its width (`wrg`) and height (`hrg`).

    Args:
        x: 3D NumPy array.
        wrg: width shift range, as a fraction of the width.
        hrg: height shift range, as a fraction of the height.
        row_axis: index of the row axis.
        col_axis: index of the column axis.
        channel_axis: index of the channel axis.
        fill_mode: 'constant', 'nearest', 'reflect' or 'wrap'.
        cval: fill value for `fill_mode='constant'`.
        interpolation_order: 0 or 1.
    """
    height, width = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * height
    ty = np.random.uniform(-wrg, wrg) * width
    return apply_affine_transform(
        x,
        tx=tx,
        ty=ty,
        row_axis=row_axis,
        col_axis=col_axis,
        channel_axis=channel_axis,
        fill_mode=fill_mode,
        cval=cval,
        order=interpolation_order,
    )


def random_shear(
    x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0, interpolation_order=1
):
    """Shears an image by a random angle in `[-intensity, intensity]` degrees.

    Args:
        x: 3D NumPy array.
        intensity: shear range, in degrees.
        row_axis: index of the row axis.
        col_axis: index of the column axis.
        channel_axis: index of the channel axis.
        fill_mode: 'constant', 'nearest', 'reflect' or 'wrap'.
        cval: fill value for `fill_mode='constant'`.
        interpolation_order: 0 or 1.
    """
    shear = np.random.uniform(-intensity, intensity)
    return apply_affine_transform(
        x,
        shear=shear,
        row_axis=row_axis,
        col_axis=col_axis,
        channel_axis=channel_axis,
        fill_mode=fill_mode,
        cval=cval,
        order=interpolation_order,
    )


def random_zoom(
    x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0, interpolation_order=1
):
    """Zooms an image by random factors drawn from `zoom_range` for each axis.

    Args:
        x: 3D NumPy array.
        zoom_range: `(lower, upper)` zoom factors.
        row_axis: index of the row axis.
        col_axis: index of the column axis.
        channel_axis: index of the channel axis.
        fill_mode: 'constant', 'nearest', 'reflect' or 'wrap'.
        cval: fill value for `fill_mode='constant'`.
        interpolation_order: 0 or 1.
    """
    if len(zoom_range) != 2:
        raise ValueError(f"`zoom_range` should be a tuple or list of two floats. Received: {zoom_range}")
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(
        x,
        zx=zx,
        zy=zy,
        row_axis=row_axis,
        col_axis=col_axis,
        channel_axis=channel_axis,
        fill_mode=fill_mode,
        cval=cval,
        order=interpolation_order,
    )


def apply_channel_shift(x, intensity, channel_axis=0):
    """Adds `intensity` to every channel, clipped to the image's [min, max].

    Args:
        x: 3D NumPy array.
        intensity: value added.
        channel_axis: index of the channel axis.
    """
    x = np.rollaxis(x, channel_axis, 0)
    min_x, max_x = np.min(x), np.max(x)
    x = np.stack([np.clip(channel + intensity, min_x, max_x) for channel in x], axis=0)
    return np.rollaxis(x, 0, channel_axis + 1)


def random_channel_shift(x, intensity_range, channel_axis=0):
    """Adds a random intensity in `[-intensity_range, intensity_range]` to every channel.

    Args:
        x: 3D NumPy array.
        intensity_range: shift range.
        channel_axis: index of the channel axis.
    """
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def apply_brightness_shift(x, brightness, data_format="channels_last"):
    """Scales the image to [0, 255] and multiplies its brightness by `brightness` (Pillow).

    As in Keras 2, the result is in [0, 255] whatever the input range.

    Args:
        x: 3D NumPy array.
        brightness: brightness factor (1 keeps the image).
        data_format: layout of `x`, 'channels_last' or 'channels_first'.
    """
    _pil_image()
    from PIL import ImageEnhance

    img = array_to_img(x, data_format=data_format)
    img = ImageEnhance.Brightness(img).enhance(brightness)
    return img_to_array(img, data_format=data_format)


def random_brightness(x, brightness_range, data_format="channels_last"):
    """Applies `apply_brightness_shift` with a factor drawn from `brightness_range`.

    Args:
        x: 3D NumPy array.
        brightness_range: `(lower, upper)` brightness factors.
        data_format: layout of `x`, 'channels_last' or 'channels_first'.
    """
    if len(brightness_range) != 2:
        raise ValueError(f"`brightness_range should be tuple or list of two floats. Received: {brightness_range}")
    factor = np.random.uniform(brightness_range[0], brightness_range[1])
    return apply_brightness_shift(x, factor, data_format=data_format)


# ---------------------------------------------------------------------------------------------
# Iterators
# ---------------------------------------------------------------------------------------------
class Iterator(data_utils.Sequence):
    """Base class of the image data iterators: a `Sequence` of batches, also an endless iterator.

    Indexing (`iterator[i]`, used by the enqueuers) gives batch `i` of the current epoch's
    order; `next(iterator)` loops over the data forever, as in Keras 2.

    Args:
        n: total number of samples.
        batch_size: size of a batch.
        shuffle: shuffle the samples between epochs.
        seed: seed for the shuffling and the random transforms.
    """

    white_list_formats = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")

    def __init__(self, n, batch_size, shuffle, seed):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"Expected `batch_size` to be a positive integer. Received: batch_size={batch_size!r}")
        self.n = n
        self.batch_size = batch_size
        self.seed = seed
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        self.index_generator = self._flow_index()

    def _set_index_array(self):
        self.index_array = np.arange(self.n)
        if self.shuffle:
            self.index_array = np.random.permutation(self.n)

    def __getitem__(self, idx):
        if idx >= len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has length {len(self)}")
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        index_array = self.index_array[self.batch_size * idx : self.batch_size * (idx + 1)]
        return self._get_batches_of_transformed_samples(index_array)

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self):
        self._set_index_array()

    def reset(self):
        """Restarts the endless iteration at the first batch."""
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            current_index = (self.batch_index * self.batch_size) % self.n if self.n else 0
            if self.n > current_index + self.batch_size:
                self.batch_index += 1
            else:
                self.batch_index = 0
            self.total_batches_seen += 1
            yield self.index_array[current_index : current_index + self.batch_size]

    def __iter__(self):
        return self

    def __next__(self):
        with self.lock:
            index_array = next(self.index_generator)
        # Transforms run outside the lock so that threads can work in parallel.
        return self._get_batches_of_transformed_samples(index_array)

    next = __next__

    def _get_batches_of_transformed_samples(self, index_array):
        raise TypeError(f"{type(self).__name__} must implement `_get_batches_of_transformed_samples`.")


def _save_batch(batch_x, index_array, data_format, save_to_dir, save_prefix, save_format, hash_range):
    for i, j in enumerate(index_array):
        img = array_to_img(batch_x[i], data_format, scale=True)
        fname = f"{save_prefix}_{j}_{np.random.randint(hash_range)}.{save_format}"
        img.save(os.path.join(save_to_dir, fname))


class NumpyArrayIterator(Iterator):
    """Iterator yielding augmented batches from NumPy arrays (see `ImageDataGenerator.flow`).

    Args:
        x: images of rank 4, or a tuple `(images, other_input_or_list)` whose extra arrays
            are batched alongside (untransformed).
        y: labels, or None.
        image_data_generator: the `ImageDataGenerator` whose transforms are applied.
        batch_size: size of a batch.
        shuffle: shuffle the samples between epochs.
        sample_weight: per-sample weights, or None.
        seed: random seed.
        data_format: 'channels_first' or 'channels_last' (default: the backend's).
        save_to_dir: directory where to save the augmented images (needs Pillow).
        save_prefix: file name prefix of the saved images.
        save_format: file format of the saved images.
        subset: 'training' or 'validation' with `validation_split` set on the generator:
            validation takes the first `int(len(x) * validation_split)` samples.
        dtype: type of the yielded images (default: floatx).
    """

    def __init__(
        self,
        x,
        y,
        image_data_generator,
        batch_size=32,
        shuffle=False,
        sample_weight=None,
        seed=None,
        data_format=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        subset=None,
        dtype=None,
    ):
        data_format = _check_data_format(data_format)
        self.dtype = backend.floatx() if dtype is None else dtype
        if isinstance(x, (tuple, list)):
            if not isinstance(x[1], list):
                x_misc = [np.asarray(x[1])]
            else:
                x_misc = [np.asarray(xx) for xx in x[1]]
            x = x[0]
            for xx in x_misc:
                if len(x) != len(xx):
                    raise ValueError(
                        f"All of the arrays in `x` should have the same length. "
                        f"Found a pair with: len(x[0]) = {len(x)}, len(x[?]) = {len(xx)}"
                    )
        else:
            x_misc = []

        if y is not None and len(x) != len(y):
            raise ValueError(
                f"`x` (images tensor) and `y` (labels) should have the same length. "
                f"Found: x.shape = {np.asarray(x).shape}, y.shape = {np.asarray(y).shape}"
            )
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError(
                f"`x` (images tensor) and `sample_weight` should have the same length. "
                f"Found: x.shape = {np.asarray(x).shape}, "
                f"sample_weight.shape = {np.asarray(sample_weight).shape}"
            )
        if subset is not None:
            if subset not in ("training", "validation"):
                raise ValueError(f'Invalid subset name: {subset!r}; expected "training" or "validation".')
            split_idx = int(len(x) * image_data_generator._validation_split)
            if y is not None and not np.array_equal(np.unique(y[:split_idx]), np.unique(y[split_idx:])):
                raise ValueError(
                    "Training and validation subsets have different number of classes after "
                    "the split. If your numpy arrays are sorted by the label, you might want "
                    "to shuffle them."
                )
            part = slice(None, split_idx) if subset == "validation" else slice(split_idx, None)
            x = x[part]
            x_misc = [np.asarray(xx[part]) for xx in x_misc]
            if y is not None:
                y = y[part]
            if sample_weight is not None:
                sample_weight = sample_weight[part]

        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = x_misc
        if self.x.ndim != 4:
            raise ValueError(
                f"Input data in `NumpyArrayIterator` should have rank 4. You passed an array with shape {self.x.shape}"
            )
        channels_axis = 3 if data_format == "channels_last" else 1
        if self.x.shape[channels_axis] not in (1, 3, 4):
            warnings.warn(
                f'NumpyArrayIterator is set to use the data format convention "{data_format}" '
                f"(channels on axis {channels_axis}), i.e. expected either 1, 3, or 4 channels "
                f"on axis {channels_axis}. However, it was passed an array with shape "
                f"{self.x.shape} ({self.x.shape[channels_axis]} channels)."
            )
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        if save_to_dir:
            _pil_image()
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        generator = self.image_data_generator
        for i, j in enumerate(index_array):
            x = self.x[j]
            params = generator.get_random_transform(x.shape)
            x = generator.apply_transform(x.astype(self.dtype), params)
            batch_x[i] = generator.standardize(x)
        if self.save_to_dir:
            _save_batch(
                batch_x, index_array, self.data_format, self.save_to_dir, self.save_prefix, self.save_format, 10_000
            )
        batch_x_miscs = [xx[index_array] for xx in self.x_misc]
        output = (batch_x if not batch_x_miscs else [batch_x] + batch_x_miscs,)
        if self.y is None:
            return output[0]
        output += (self.y[index_array],)
        if self.sample_weight is not None:
            output += (self.sample_weight[index_array],)
        return output


def _iter_valid_files(directory, white_list_formats, follow_links):
    walk = sorted(os.walk(directory, followlinks=follow_links), key=lambda entry: entry[0])
    for root, _, files in walk:
        for fname in sorted(files):
            if fname.lower().endswith(".tiff"):
                warnings.warn(
                    "Using '.tiff' files with multiple bands will cause distortion. Please verify your output."
                )
            if fname.lower().endswith(white_list_formats):
                yield root, fname


def _list_valid_filenames_in_directory(directory, white_list_formats, split, class_indices, follow_links):
    """Lists the image files of one class directory as paths relative to its parent."""
    dirname = os.path.basename(directory)
    valid_files = list(_iter_valid_files(directory, white_list_formats, follow_links))
    if split:
        num_files = len(valid_files)
        valid_files = valid_files[int(split[0] * num_files) : int(split[1] * num_files)]
    classes = []
    filenames = []
    for root, fname in valid_files:
        classes.append(class_indices[dirname])
        absolute_path = os.path.join(root, fname)
        filenames.append(os.path.join(dirname, os.path.relpath(absolute_path, directory)))
    return classes, filenames


class DirectoryIterator(Iterator):
    """Iterator reading images from class sub-directories (see `flow_from_directory`).

    Needs Pillow.

    Args:
        directory: path to a directory with one sub-directory per class.
        image_data_generator: the `ImageDataGenerator` whose transforms are applied.
        target_size: `(height, width)` the images are resized to.
        color_mode: 'grayscale', 'rgb' or 'rgba'.
        classes: list of class sub-directory names; all sub-directories (sorted) when None.
        class_mode: 'categorical', 'binary', 'sparse', 'input' or None (images only).
        batch_size: size of a batch.
        shuffle: shuffle the samples between epochs.
        seed: random seed.
        data_format: 'channels_first' or 'channels_last' (default: the backend's).
        save_to_dir: directory where to save the augmented images.
        save_prefix: file name prefix of the saved images.
        save_format: file format of the saved images.
        follow_links: follow symbolic links inside the class sub-directories.
        subset: 'training' or 'validation' with `validation_split` set on the generator:
            validation takes the first fraction of each class's (sorted) files.
        interpolation: resampling used when resizing (see `load_img`).
        dtype: type of the yielded images (default: floatx).
    """

    allowed_class_modes = ("categorical", "binary", "sparse", "input", None)

    def __init__(
        self,
        directory,
        image_data_generator,
        target_size=(256, 256),
        color_mode="rgb",
        classes=None,
        class_mode="categorical",
        batch_size=32,
        shuffle=True,
        seed=None,
        data_format=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        follow_links=False,
        subset=None,
        interpolation="nearest",
        dtype=None,
    ):
        _pil_image()
        data_format = _check_data_format(data_format)
        if color_mode not in _COLOR_MODES:
            raise ValueError(f'Invalid color mode: {color_mode!r}; expected "rgb", "rgba", or "grayscale".')
        if class_mode not in self.allowed_class_modes:
            raise ValueError(
                f"Invalid class_mode: {class_mode!r}; expected one of: "
                f"{', '.join(repr(mode) for mode in self.allowed_class_modes)}"
            )
        if interpolation not in _PIL_INTERPOLATIONS:
            raise ValueError(
                f"Invalid interpolation method {interpolation!r}. "
                f"Supported methods are: {', '.join(_PIL_INTERPOLATIONS)}."
            )
        if subset is None:
            split = None
        elif subset == "validation":
            split = (0, image_data_generator._validation_split)
        elif subset == "training":
            split = (image_data_generator._validation_split, 1)
        else:
            raise ValueError(f'Invalid subset name: {subset!r}; expected "training" or "validation".')
        self.image_data_generator = image_data_generator
        self.target_size = tuple(target_size)
        self.color_mode = color_mode
        self.data_format = data_format
        channels = {"rgba": 4, "rgb": 3, "grayscale": 1}[color_mode]
        if data_format == "channels_last":
            self.image_shape = self.target_size + (channels,)
        else:
            self.image_shape = (channels,) + self.target_size
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.interpolation = interpolation
        self.split = split
        self.subset = subset
        self.directory = directory
        self.class_mode = class_mode
        self.dtype = backend.floatx() if dtype is None else dtype

        if not classes:
            classes = [
                subdir for subdir in sorted(os.listdir(directory)) if os.path.isdir(os.path.join(directory, subdir))
            ]
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))

        self.filenames = []
        labels = []
        for subdir in classes:
            class_labels, filenames = _list_valid_filenames_in_directory(
                os.path.join(directory, subdir), self.white_list_formats, split, self.class_indices, follow_links
            )
            labels.extend(class_labels)
            self.filenames += filenames
        self.samples = len(self.filenames)
        self.classes = np.array(labels, dtype="int32")
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self._filepaths = [os.path.join(directory, fname) for fname in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self):
        """List of the paths of the image files."""
        return self._filepaths

    @property
    def labels(self):
        """Class index of every image."""
        return self.classes

    @property
    def sample_weight(self):
        return None

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        generator = self.image_data_generator
        for i, j in enumerate(index_array):
            img = load_img(
                self._filepaths[j],
                color_mode=self.color_mode,
                target_size=self.target_size,
                interpolation=self.interpolation,
            )
            x = img_to_array(img, data_format=self.data_format)
            img.close()
            if generator:
                params = generator.get_random_transform(x.shape)
                x = generator.apply_transform(x, params)
                x = generator.standardize(x)
            batch_x[i] = x
        if self.save_to_dir:
            _save_batch(
                batch_x, index_array, self.data_format, self.save_to_dir, self.save_prefix, self.save_format, 10_000_000
            )
        if self.class_mode == "input":
            batch_y = batch_x.copy()
        elif self.class_mode in ("binary", "sparse"):
            batch_y = self.classes[index_array].astype(self.dtype)
        elif self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), len(self.class_indices)), dtype=self.dtype)
            batch_y[np.arange(len(batch_x)), self.classes[index_array]] = 1.0
        else:
            return batch_x
        return batch_x, batch_y


# ---------------------------------------------------------------------------------------------
# ImageDataGenerator
# ---------------------------------------------------------------------------------------------
def _draw_shift(shift_range, size):
    """A random shift in pixels, drawn as Keras 2 does from a float, int or list range."""
    try:  # a 1-D array-like or an int: pick a value and a sign
        shift = np.random.choice(shift_range)
        shift *= np.random.choice([-1, 1])
    except ValueError:  # a float: uniform in [-range, range]
        shift = np.random.uniform(-shift_range, shift_range)
    if np.max(shift_range) < 1:  # fractions of the image size
        shift *= size
    return shift


class ImageDataGenerator:
    """Generates batches of image data with real-time data augmentation.

    Args:
        featurewise_center: set the input mean to 0 over the dataset, per channel.
        samplewise_center: set each sample mean to 0.
        featurewise_std_normalization: divide inputs by the dataset std, per channel.
        samplewise_std_normalization: divide each input by its std.
        zca_whitening: apply ZCA whitening.
        zca_epsilon: epsilon for ZCA whitening.
        rotation_range: range of random rotations, in degrees.
        width_shift_range: float (fraction of the width if < 1, else pixels), int (pixels,
            drawn from the integers in `(-range, range)`) or list of allowed shifts.
        height_shift_range: same as `width_shift_range`, for the height.
        brightness_range: `(lower, upper)` brightness factors (needs Pillow).
        shear_range: shear intensity (counter-clockwise shear angle, in degrees).
        zoom_range: float `z` for `[1 - z, 1 + z]`, or `[lower, upper]`.
        channel_shift_range: range of random channel shifts.
        fill_mode: 'constant', 'nearest', 'reflect' or 'wrap'.
        cval: fill value for `fill_mode='constant'`.
        horizontal_flip: randomly flip inputs horizontally.
        vertical_flip: randomly flip inputs vertically.
        rescale: factor multiplying the data (before any other transformation), or None/0.
        preprocessing_function: function applied to each input (a rank-3 array) after the
            augmentation and before the other standardization.
        data_format: 'channels_first' or 'channels_last' (default: the backend's).
        validation_split: fraction of the data reserved for validation (strictly in (0, 1)).
        interpolation_order: 0 (nearest) or 1 (bilinear) for the affine transforms.
        dtype: type of the generated arrays (default: floatx).

    Example:

    ```python
    datagen = ImageDataGenerator(rotation_range=20, horizontal_flip=True, rescale=1 / 255)
    model.fit_generator(datagen.flow(x_train, y_train, batch_size=32), epochs=5)
    ```
    """

    def __init__(
        self,
        featurewise_center=False,
        samplewise_center=False,
        featurewise_std_normalization=False,
        samplewise_std_normalization=False,
        zca_whitening=False,
        zca_epsilon=1e-6,
        rotation_range=0,
        width_shift_range=0.0,
        height_shift_range=0.0,
        brightness_range=None,
        shear_range=0.0,
        zoom_range=0.0,
        channel_shift_range=0.0,
        fill_mode="nearest",
        cval=0.0,
        horizontal_flip=False,
        vertical_flip=False,
        rescale=None,
        preprocessing_function=None,
        data_format=None,
        validation_split=0.0,
        interpolation_order=1,
        dtype=None,
    ):
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.shear_range = shear_range
        self.channel_shift_range = channel_shift_range
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.dtype = backend.floatx() if dtype is None else dtype
        self.interpolation_order = interpolation_order
        self.data_format = _check_data_format(data_format)
        if self.data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        if fill_mode not in _FILL_MODES:
            raise ValueError(
                f"ImageDataGenerator: unknown fill_mode {fill_mode!r}. Valid modes: {', '.join(_FILL_MODES)}."
            )
        if interpolation_order not in (0, 1):
            raise ValueError(
                f"ImageDataGenerator supports interpolation_order 0 (nearest) or 1 (bilinear). "
                f"Received: interpolation_order={interpolation_order!r}"
            )
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(
                f"`validation_split` must be strictly between 0 and 1. Received: validation_split={validation_split}"
            )
        self._validation_split = validation_split

        self.mean = None
        self.std = None
        self.principal_components = None

        if isinstance(zoom_range, (float, int)):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) == 2 and all(isinstance(val, (float, int)) for val in zoom_range):
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError(f"`zoom_range` should be a float or a tuple or list of two floats. Received: {zoom_range}")
        if zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                warnings.warn(
                    "This ImageDataGenerator specifies `zca_whitening`, which "
                    "overrides setting of `featurewise_center`."
                )
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn(
                    "This ImageDataGenerator specifies `zca_whitening` which "
                    "overrides setting of `featurewise_std_normalization`."
                )
        if featurewise_std_normalization and not featurewise_center:
            self.featurewise_center = True
            warnings.warn(
                "This ImageDataGenerator specifies `featurewise_std_normalization`, "
                "which overrides setting of `featurewise_center`."
            )
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            warnings.warn(
                "This ImageDataGenerator specifies `samplewise_std_normalization`, "
                "which overrides setting of `samplewise_center`."
            )
        if brightness_range is not None:
            if not isinstance(brightness_range, (tuple, list)) or len(brightness_range) != 2:
                raise ValueError(
                    f"`brightness_range should be tuple or list of two floats. Received: {brightness_range}"
                )
            _pil_image()
        self.brightness_range = brightness_range

    def flow(
        self,
        x,
        y=None,
        batch_size=32,
        shuffle=True,
        sample_weight=None,
        seed=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        subset=None,
    ):
        """Takes data and labels arrays and generates batches of augmented data.

        Args:
            x: images of rank 4 (or a tuple `(images, other_arrays)`).
            y: labels, or None.
            batch_size: size of a batch.
            shuffle: shuffle the data between epochs.
            sample_weight: per-sample weights, or None.
            seed: random seed.
            save_to_dir: directory where to save the augmented images (needs Pillow).
            save_prefix: file name prefix of the saved images.
            save_format: file format of the saved images.
            subset: 'training' or 'validation' (with `validation_split`).

        Returns:
            A `NumpyArrayIterator` (a `Sequence`) yielding `x`, `(x, y)` or `(x, y, w)`.
        """
        return NumpyArrayIterator(
            x,
            y,
            self,
            batch_size=batch_size,
            shuffle=shuffle,
            sample_weight=sample_weight,
            seed=seed,
            data_format=self.data_format,
            save_to_dir=save_to_dir,
            save_prefix=save_prefix,
            save_format=save_format,
            subset=subset,
            dtype=self.dtype,
        )

    def flow_from_directory(
        self,
        directory,
        target_size=(256, 256),
        color_mode="rgb",
        classes=None,
        class_mode="categorical",
        batch_size=32,
        shuffle=True,
        seed=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        follow_links=False,
        subset=None,
        interpolation="nearest",
    ):
        """Generates batches of augmented data from class sub-directories (needs Pillow).

        Args:
            directory: path to a directory with one sub-directory per class.
            target_size: `(height, width)` the images are resized to.
            color_mode: 'grayscale', 'rgb' or 'rgba'.
            classes: list of class sub-directory names; all sub-directories when None.
            class_mode: 'categorical', 'binary', 'sparse', 'input' or None.
            batch_size: size of a batch.
            shuffle: shuffle the data between epochs.
            seed: random seed.
            save_to_dir: directory where to save the augmented images.
            save_prefix: file name prefix of the saved images.
            save_format: file format of the saved images.
            follow_links: follow symbolic links inside the class sub-directories.
            subset: 'training' or 'validation' (with `validation_split`).
            interpolation: resampling used when resizing.

        Returns:
            A `DirectoryIterator` (a `Sequence`) yielding `(x, y)` (or `x` for class_mode None).
        """
        return DirectoryIterator(
            directory,
            self,
            target_size=target_size,
            color_mode=color_mode,
            classes=classes,
            class_mode=class_mode,
            data_format=self.data_format,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            save_to_dir=save_to_dir,
            save_prefix=save_prefix,
            save_format=save_format,
            follow_links=follow_links,
            subset=subset,
            interpolation=interpolation,
            dtype=self.dtype,
        )

    def standardize(self, x):
        """Applies the normalization configuration to `x`, in place where possible.

        Args:
            x: batch of inputs (or a single input) to be normalized.

        Returns:
            The inputs, normalized.
        """
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                warnings.warn(
                    "This ImageDataGenerator specifies `featurewise_center`, but it "
                    "hasn't been fit on any training data. Fit it first by calling "
                    "`.fit(numpy_data)`."
                )
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= self.std + 1e-6
            else:
                warnings.warn(
                    "This ImageDataGenerator specifies "
                    "`featurewise_std_normalization`, but it hasn't been fit on any "
                    "training data. Fit it first by calling `.fit(numpy_data)`."
                )
        if self.zca_whitening:
            if self.principal_components is not None:
                flat_x = np.reshape(x, (-1, int(np.prod(x.shape[-3:]))))
                x = np.reshape(np.dot(flat_x, self.principal_components), x.shape)
            else:
                warnings.warn(
                    "This ImageDataGenerator specifies `zca_whitening`, but it "
                    "hasn't been fit on any training data. Fit it first by calling "
                    "`.fit(numpy_data)`."
                )
        return x

    def get_random_transform(self, img_shape, seed=None):
        """Draws random parameters for a transformation (from NumPy's global generator).

        Args:
            img_shape: shape of the image that is transformed (rank 3).
            seed: random seed.

        Returns:
            A dict with 'theta', 'tx', 'ty', 'shear', 'zx', 'zy', 'flip_horizontal',
            'flip_vertical', 'channel_shift_intensity' and 'brightness'.
        """
        img_row_axis = self.row_axis - 1
        img_col_axis = self.col_axis - 1
        if seed is not None:
            np.random.seed(seed)
        # The draws happen in Keras 2's order so that a seed gives the same transforms.
        theta = np.random.uniform(-self.rotation_range, self.rotation_range) if self.rotation_range else 0
        tx = _draw_shift(self.height_shift_range, img_shape[img_row_axis]) if self.height_shift_range else 0
        ty = _draw_shift(self.width_shift_range, img_shape[img_col_axis]) if self.width_shift_range else 0
        shear = np.random.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = (np.random.random() < 0.5) * self.horizontal_flip
        flip_vertical = (np.random.random() < 0.5) * self.vertical_flip
        channel_shift_intensity = None
        if self.channel_shift_range != 0:
            channel_shift_intensity = np.random.uniform(-self.channel_shift_range, self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = np.random.uniform(self.brightness_range[0], self.brightness_range[1])
        return {
            "theta": theta,
            "tx": tx,
            "ty": ty,
            "shear": shear,
            "zx": zx,
            "zy": zy,
            "flip_horizontal": flip_horizontal,
            "flip_vertical": flip_vertical,
            "channel_shift_intensity": channel_shift_intensity,
            "brightness": brightness,
        }

    def apply_transform(self, x, transform_parameters):
        """Applies a transformation to an image according to the given parameters.

        Args:
            x: 3D array, a single image.
            transform_parameters: dict as returned by `get_random_transform` (missing keys
                mean "no change").

        Returns:
            The transformed image (same shape).
        """
        img_row_axis = self.row_axis - 1
        img_col_axis = self.col_axis - 1
        img_channel_axis = self.channel_axis - 1
        x = apply_affine_transform(
            x,
            transform_parameters.get("theta", 0),
            transform_parameters.get("tx", 0),
            transform_parameters.get("ty", 0),
            transform_parameters.get("shear", 0),
            transform_parameters.get("zx", 1),
            transform_parameters.get("zy", 1),
            row_axis=img_row_axis,
            col_axis=img_col_axis,
            channel_axis=img_channel_axis,
            fill_mode=self.fill_mode,
            cval=self.cval,
            order=self.interpolation_order,
        )
        if transform_parameters.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, transform_parameters["channel_shift_intensity"], img_channel_axis)
        if transform_parameters.get("flip_horizontal", False):
            x = flip_axis(x, img_col_axis)
        if transform_parameters.get("flip_vertical", False):
            x = flip_axis(x, img_row_axis)
        if transform_parameters.get("brightness") is not None:
            x = apply_brightness_shift(x, transform_parameters["brightness"], self.data_format)
        return x

    def random_transform(self, x, seed=None):
        """Applies a random transformation to an image.

        Args:
            x: 3D array, a single image.
            seed: random seed.

        Returns:
            A randomly transformed copy of the input (same shape).
        """
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Computes the dataset statistics for the featurewise normalizations and ZCA.

        `rescale` is applied to the sample data first.

        Args:
            x: sample data of rank 4 (1, 3 or 4 channels).
            augment: fit on randomly augmented samples.
            rounds: number of augmentation passes over the data when `augment`.
            seed: random seed.
        """
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"Input to `.fit()` should have rank 4. Got array with shape: {x.shape}")
        if x.shape[self.channel_axis] not in (1, 3, 4):
            warnings.warn(
                f"Expected input to be images (as Numpy array) following the data format "
                f'convention "{self.data_format}" (channels on axis {self.channel_axis}), '
                f"i.e. expected either 1, 3 or 4 channels on axis {self.channel_axis}. "
                f"However, it was passed an array with shape {x.shape} "
                f"({x.shape[self.channel_axis]} channels)."
            )
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            augmented = np.zeros((rounds * x.shape[0],) + x.shape[1:], dtype=self.dtype)
            for r in range(rounds):
                for i in range(x.shape[0]):
                    augmented[i + r * x.shape[0]] = self.random_transform(x[i])
            x = augmented

        broadcast_shape = [1, 1, 1]
        broadcast_shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        if self.featurewise_center:
            self.mean = np.mean(x, axis=(0, self.row_axis, self.col_axis))
            self.mean = np.reshape(self.mean, broadcast_shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.std(x, axis=(0, self.row_axis, self.col_axis))
            self.std = np.reshape(self.std, broadcast_shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            flat_x = np.reshape(x, (x.shape[0], -1))
            sigma = np.dot(flat_x.T, flat_x) / flat_x.shape[0]
            u, s, _ = np.linalg.svd(sigma)
            s_inv = 1.0 / np.sqrt(s[np.newaxis] + self.zca_epsilon)
            self.principal_components = (u * s_inv).dot(u.T)
