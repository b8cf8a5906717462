"""Data preprocessing (Keras 2 `keras.preprocessing`): image, sequence and text utilities."""

from kerastorch.preprocessing import image, sequence, text

__all__ = ["image", "sequence", "text"]
