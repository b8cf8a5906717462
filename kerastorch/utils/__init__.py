"""Utilities: to_categorical, normalize, Sequence, Progbar, custom objects, summaries."""

from kerastorch.saving.serialization import CustomObjectScope
from kerastorch.saving.serialization import custom_object_scope
from kerastorch.saving.serialization import get_custom_objects
from kerastorch.utils.data_utils import GeneratorEnqueuer
from kerastorch.utils.data_utils import OrderedEnqueuer
from kerastorch.utils.data_utils import Sequence
from kerastorch.utils.generic_utils import Progbar
from kerastorch.utils.layer_utils import count_params
from kerastorch.utils.layer_utils import print_summary
from kerastorch.utils.np_utils import normalize
from kerastorch.utils.np_utils import to_categorical

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
