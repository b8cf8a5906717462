"""Image iterators: the Iterator base, NumpyArrayIterator over arrays and DirectoryIterator over image folders."""

import os
import threading
import warnings

import numpy as np

from kerastorch import backend
from kerastorch.preprocessing.image._io import _COLOR_MODES
from kerastorch.preprocessing.image._io import _PIL_INTERPOLATIONS
from kerastorch.preprocessing.image._io import _check_data_format
from kerastorch.preprocessing.image._io import _pil_image
from kerastorch.preprocessing.image._io import array_to_img
from kerastorch.preprocessing.image._io import img_to_array
from kerastorch.preprocessing.image._io import load_img
from kerastorch.utils import data_utils


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
        ignore_class_split: skip the check that both subsets hold the same classes.
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
        ignore_class_split=False,
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
            if (
                y is not None
                and not ignore_class_split
                and not np.array_equal(np.unique(y[:split_idx]), np.unique(y[split_idx:]))
            ):
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
        keep_aspect_ratio: center-crop to the target aspect ratio before resizing.
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
        keep_aspect_ratio=False,
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
        self.keep_aspect_ratio = keep_aspect_ratio
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
                keep_aspect_ratio=self.keep_aspect_ratio,
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
