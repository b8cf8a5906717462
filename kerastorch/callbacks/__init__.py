"""Callbacks: objects called at the stages of fit/evaluate/predict (Keras 2 `keras.callbacks`)."""

from kerastorch.callbacks.base import Callback
from kerastorch.callbacks.callback_list import CallbackList
from kerastorch.callbacks.loggers import BaseLogger
from kerastorch.callbacks.loggers import CSVLogger
from kerastorch.callbacks.loggers import History
from kerastorch.callbacks.loggers import LambdaCallback
from kerastorch.callbacks.loggers import ProgbarLogger
from kerastorch.callbacks.loggers import RemoteMonitor
from kerastorch.callbacks.loggers import TerminateOnNaN
from kerastorch.callbacks.monitors import EarlyStopping
from kerastorch.callbacks.monitors import LearningRateScheduler
from kerastorch.callbacks.monitors import ModelCheckpoint
from kerastorch.callbacks.monitors import ReduceLROnPlateau
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
