"""Image transforms: flips, NumPy affine resampling and the random rotation/shift/shear/zoom/channel/brightness helpers."""

import numpy as np

from kerastorch.preprocessing.image._io import _pil_image
from kerastorch.preprocessing.image._io import array_to_img
from kerastorch.preprocessing.image._io import img_to_array

_FILL_MODES = ("constant", "nearest", "reflect", "wrap")


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
