"""tf.keras 2.3-2.5 import path of the preprocessing layers: `keras.layers.experimental.preprocessing`."""

from kerastorch.layers.experimental import preprocessing

__all__ = ["preprocessing"]
