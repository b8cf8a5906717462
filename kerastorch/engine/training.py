"""Keras 1 / 2.x `keras.engine.training`: the Model class under its old module name."""

from kerastorch.engine.model import Model

__all__ = ["Model"]
