"""`keras.layers.experimental.preprocessing.*` (tf.keras 2.3-2.5): the preprocessing layers under their older path."""

from kerastorch.layers.preprocessing import CategoryEncoding
from kerastorch.layers.preprocessing import CenterCrop
from kerastorch.layers.preprocessing import Discretization
from kerastorch.layers.preprocessing import Normalization
from kerastorch.layers.preprocessing import Rescaling
from kerastorch.layers.preprocessing import Resizing

__all__ = ["CategoryEncoding", "CenterCrop", "Discretization", "Normalization", "Rescaling", "Resizing"]
