"""ImageDataGenerator: augmentation settings, standardization, random transforms and flow/flow_from_directory."""

import warnings

import numpy as np

from kerastorch import backend
from kerastorch.preprocessing.image._io import _check_data_format
from kerastorch.preprocessing.image._io import _pil_image
from kerastorch.preprocessing.image._iterators import DirectoryIterator
from kerastorch.preprocessing.image._iterators import NumpyArrayIterator
from kerastorch.preprocessing.image._transforms import _FILL_MODES
from kerastorch.preprocessing.image._transforms import apply_affine_transform
from kerastorch.preprocessing.image._transforms import apply_brightness_shift
from kerastorch.preprocessing.image._transforms import apply_channel_shift
from kerastorch.preprocessing.image._transforms import flip_axis


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
        self.zca_whitening_matrix = None

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

    @property
    def principal_components(self):
        """The ZCA whitening matrix under its Keras 2.2.4 name (`zca_whitening_matrix`)."""
        return self.zca_whitening_matrix

    @principal_components.setter
    def principal_components(self, value):
        self.zca_whitening_matrix = value

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
        ignore_class_split=False,
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
            ignore_class_split: skip the check that the training and validation subsets
                hold the same classes (for non-classification targets).
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
            ignore_class_split=ignore_class_split,
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
        keep_aspect_ratio=False,
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
            keep_aspect_ratio: resize without distorting the aspect ratio: the image is
                center-cropped to the target aspect ratio first.

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
            keep_aspect_ratio=keep_aspect_ratio,
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
            if self.zca_whitening_matrix is not None:
                flat_x = np.reshape(x, (-1, int(np.prod(x.shape[-3:]))))
                x = np.reshape(np.dot(flat_x, self.zca_whitening_matrix), x.shape)
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
            self.zca_whitening_matrix = (u * s_inv).dot(u.T)
