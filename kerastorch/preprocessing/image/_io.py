"""Image file I/O: array <-> PIL image conversion, load_img and save_img (Pillow imported only when used)."""

import io
import warnings

import numpy as np

from kerastorch import backend

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


def load_img(
    path, grayscale=False, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False
):
    """Loads an image into PIL format (needs Pillow).

    Args:
        path: path to the image file.
        grayscale: deprecated, use `color_mode="grayscale"`.
        color_mode: 'grayscale', 'rgb' or 'rgba'.
        target_size: None (original size) or `(height, width)`.
        interpolation: resampling used when resizing: 'nearest', 'bilinear', 'bicubic',
            'hamming', 'box' or 'lanczos'.
        keep_aspect_ratio: resize without distorting the aspect ratio: the largest centered
            box of the target aspect ratio is cropped, then resized.

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
            box = None
            if keep_aspect_ratio:
                width, height = img.size
                crop_height = min(height, (width * width_height[1]) // width_height[0])
                crop_width = min(width, (height * width_height[0]) // width_height[1])
                left = (width - crop_width) // 2
                top = (height - crop_height) // 2
                box = (left, top, left + crop_width, top + crop_height)
            img = img.resize(width_height, resample, box=box)
    return img
