"""Image preprocessing: ImageDataGenerator, its array and directory iterators, affine transforms.

Keras 2 (keras-preprocessing 1.1) semantics. The affine transforms are resampled in NumPy
(Keras used `scipy.ndimage.affine_transform`), with interpolation order 0 (nearest) or 1
(bilinear, Keras's default) and the fill modes 'constant', 'nearest', 'reflect' and 'wrap'
as Keras documents them: 'constant' fills with `cval` every output pixel whose source point
lies outside the image, 'reflect' mirrors about the edges (abcd -> dcba|abcd|dcba) and 'wrap'
repeats the image (abcd|abcd|abcd). Reading, writing and brightness shifts need Pillow,
imported only when used.
"""

from kerastorch.preprocessing.image._generator import ImageDataGenerator
from kerastorch.preprocessing.image._io import array_to_img
from kerastorch.preprocessing.image._io import img_to_array
from kerastorch.preprocessing.image._io import load_img
from kerastorch.preprocessing.image._io import save_img
from kerastorch.preprocessing.image._iterators import DirectoryIterator
from kerastorch.preprocessing.image._iterators import Iterator
from kerastorch.preprocessing.image._iterators import NumpyArrayIterator
from kerastorch.preprocessing.image._transforms import apply_affine_transform
from kerastorch.preprocessing.image._transforms import apply_brightness_shift
from kerastorch.preprocessing.image._transforms import apply_channel_shift
from kerastorch.preprocessing.image._transforms import flip_axis
from kerastorch.preprocessing.image._transforms import random_brightness
from kerastorch.preprocessing.image._transforms import random_channel_shift
from kerastorch.preprocessing.image._transforms import random_rotation
from kerastorch.preprocessing.image._transforms import random_shear
from kerastorch.preprocessing.image._transforms import random_shift
from kerastorch.preprocessing.image._transforms import random_zoom
from kerastorch.preprocessing.image._transforms import transform_matrix_offset_center

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

# Public objects keep naming this module, as before the split, so pickles and saved configs
# refer to the public path.
for _name in __all__:
    _value = globals()[_name]
    if getattr(_value, "__module__", "").startswith("kerastorch.preprocessing.image._"):
        _value.__module__ = __name__
del _name, _value
