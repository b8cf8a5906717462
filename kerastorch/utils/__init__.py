"""Utilities: to_categorical, normalize, Sequence, Progbar, custom objects, summaries, get_file."""

from kerastorch.engine.topology import get_source_inputs
from kerastorch.preprocessing.image import array_to_img
from kerastorch.preprocessing.image import img_to_array
from kerastorch.preprocessing.image import load_img
from kerastorch.preprocessing.image import save_img
from kerastorch.preprocessing.sequence import pad_sequences
from kerastorch.saving.serialization import CustomObjectScope
from kerastorch.saving.serialization import custom_object_scope
from kerastorch.saving.serialization import deserialize_keras_object
from kerastorch.saving.serialization import get_custom_objects
from kerastorch.saving.serialization import serialize_keras_object
from kerastorch.utils.batch_utils import pack_x_y_sample_weight
from kerastorch.utils.batch_utils import unpack_x_y_sample_weight
from kerastorch.utils.data_utils import GeneratorEnqueuer
from kerastorch.utils.data_utils import OrderedEnqueuer
from kerastorch.utils.data_utils import Sequence
from kerastorch.utils.file_utils import get_file
from kerastorch.utils.generic_utils import Progbar
from kerastorch.utils.layer_utils import count_params
from kerastorch.utils.layer_utils import print_summary
from kerastorch.utils.np_utils import normalize
from kerastorch.utils.np_utils import to_categorical
from kerastorch.utils.np_utils import to_ordinal
from kerastorch.utils.object_registration import get_registered_name
from kerastorch.utils.object_registration import get_registered_object
from kerastorch.utils.object_registration import register_keras_serializable
from kerastorch.utils.random_utils import set_random_seed

__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "get_custom_objects",
    "serialize_keras_object",
    "deserialize_keras_object",
    "register_keras_serializable",
    "get_registered_name",
    "get_registered_object",
    "GeneratorEnqueuer",
    "OrderedEnqueuer",
    "Sequence",
    "Progbar",
    "count_params",
    "print_summary",
    "get_source_inputs",
    "normalize",
    "to_categorical",
    "to_ordinal",
    "pack_x_y_sample_weight",
    "unpack_x_y_sample_weight",
    "get_file",
    "set_random_seed",
    "array_to_img",
    "img_to_array",
    "load_img",
    "save_img",
    "pad_sequences",
]
