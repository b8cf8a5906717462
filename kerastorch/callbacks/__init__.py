"""Callbacks: objects called at the stages of fit/evaluate/predict (Keras 2 `keras.callbacks`)."""

from kerastorch.callbacks.base import Callback
from kerastorch.callbacks.callback_list import CallbackList
from kerastorch.callbacks.loggers import (
    BaseLogger,
    CSVLogger,
    History,
    LambdaCallback,
    ProgbarLogger,
    RemoteMonitor,
    TerminateOnNaN,
)
from kerastorch.callbacks.monitors import EarlyStopping, LearningRateScheduler, ModelCheckpoint, ReduceLROnPlateau
from kerastorch.callbacks.tensorboard import TensorBoard

__all__ = [
    "BaseLogger",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "RemoteMonitor",
    "TensorBoard",
    "TerminateOnNaN",
]
