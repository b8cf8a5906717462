"""Utilities: to_categorical, normalize, Sequence, Progbar, custom objects, summaries."""

from kerastorch.saving.serialization import CustomObjectScope, custom_object_scope, get_custom_objects
from kerastorch.utils.data_utils import GeneratorEnqueuer, OrderedEnqueuer, Sequence
from kerastorch.utils.generic_utils import Progbar
from kerastorch.utils.layer_utils import count_params, print_summary
from kerastorch.utils.np_utils import normalize, to_categorical

__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "get_custom_objects",
    "GeneratorEnqueuer",
    "OrderedEnqueuer",
    "Sequence",
    "Progbar",
    "count_params",
    "print_summary",
    "normalize",
    "to_categorical",
]
