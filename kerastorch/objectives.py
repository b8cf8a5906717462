"""Keras 1 `keras.objectives`: the loss functions under their Keras 1 module name (`kerastorch.losses`)."""

from kerastorch import losses as _losses
from kerastorch.losses import *  # noqa: F401,F403
from kerastorch.losses import __all__ as _losses_all

# Keras 1 aliases that Keras 2 dropped.
cosine = _losses.cosine_proximity

__all__ = list(_losses_all) + ["cosine"]


def __getattr__(name):
    # Anything else kerastorch.losses defines is reachable under the Keras 1 module name too.
    return getattr(_losses, name)
