"""Data preprocessing (Keras 2 `keras.preprocessing`): image, sequence and text utilities."""

from kerastorch.preprocessing import image
from kerastorch.preprocessing import sequence
from kerastorch.preprocessing import text

__all__ = ["image", "sequence", "text"]
