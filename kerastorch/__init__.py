"""kerastorch: the Keras API on PyTorch. `from kerastorch.models import Sequential` as in Keras."""

__version__ = "0.1.0"

from kerastorch import activations
from kerastorch import backend
from kerastorch import callbacks
from kerastorch import constraints
from kerastorch import distribute
from kerastorch import export
from kerastorch import initializers
from kerastorch import layers
from kerastorch import losses
from kerastorch import metrics
from kerastorch import mixed_precision
from kerastorch import models
from kerastorch import optimizers
from kerastorch import preprocessing
from kerastorch import regularizers
from kerastorch import utils
from kerastorch.engine.keras_tensor import Input
from kerastorch.models import Model
from kerastorch.models import Sequential

__all__ = [
    "__version__",
    "activations",
    "backend",
    "callbacks",
    "constraints",
    "distribute",
    "export",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "optimizers",
    "preprocessing",
    "regularizers",
    "utils",
    "Input",
    "Model",
    "Sequential",
]
