"""Keras layers: the public layer classes, and (de)serialization by class name."""

from kerastorch.engine import layer as _layer_module
from kerastorch.engine.keras_tensor import Input
from kerastorch.engine.keras_tensor import InputLayer
from kerastorch.engine.layer import InputSpec
from kerastorch.engine.layer import Layer
from kerastorch.engine.op_layers import TensorOp
from kerastorch.layers.advanced_activations import ELU  # noqa: F401
from kerastorch.layers.advanced_activations import LeakyReLU  # noqa: F401
from kerastorch.layers.advanced_activations import PReLU  # noqa: F401
from kerastorch.layers.advanced_activations import ReLU  # noqa: F401
from kerastorch.layers.advanced_activations import Softmax  # noqa: F401
from kerastorch.layers.advanced_activations import ThresholdedReLU  # noqa: F401
from kerastorch.layers.attention import AdditiveAttention  # noqa: F401
from kerastorch.layers.attention import Attention  # noqa: F401
from kerastorch.layers.attention import MultiHeadAttention  # noqa: F401
from kerastorch.layers.convolutional import Conv1D  # noqa: F401
from kerastorch.layers.convolutional import Conv1DTranspose  # noqa: F401
from kerastorch.layers.convolutional import Conv2D  # noqa: F401
from kerastorch.layers.convolutional import Conv2DTranspose  # noqa: F401
from kerastorch.layers.convolutional import Conv3D  # noqa: F401
from kerastorch.layers.convolutional import Conv3DTranspose  # noqa: F401
from kerastorch.layers.convolutional import Convolution1D  # noqa: F401
from kerastorch.layers.convolutional import Convolution1DTranspose  # noqa: F401
from kerastorch.layers.convolutional import Convolution2D  # noqa: F401
from kerastorch.layers.convolutional import Convolution2DTranspose  # noqa: F401
from kerastorch.layers.convolutional import Convolution3D  # noqa: F401
from kerastorch.layers.convolutional import Convolution3DTranspose  # noqa: F401
from kerastorch.layers.convolutional import Deconvolution2D  # noqa: F401
from kerastorch.layers.convolutional import Deconvolution3D  # noqa: F401
from kerastorch.layers.convolutional import DepthwiseConv1D  # noqa: F401
from kerastorch.layers.convolutional import DepthwiseConv2D  # noqa: F401
from kerastorch.layers.convolutional import SeparableConv1D  # noqa: F401
from kerastorch.layers.convolutional import SeparableConv2D  # noqa: F401
from kerastorch.layers.convolutional import SeparableConvolution1D  # noqa: F401
from kerastorch.layers.convolutional import SeparableConvolution2D  # noqa: F401
from kerastorch.layers.convolutional_recurrent import ConvLSTM1D  # noqa: F401
from kerastorch.layers.convolutional_recurrent import ConvLSTM2D  # noqa: F401
from kerastorch.layers.convolutional_recurrent import ConvLSTM2DCell  # noqa: F401
from kerastorch.layers.convolutional_recurrent import ConvLSTM3D  # noqa: F401
from kerastorch.layers.core import Activation  # noqa: F401
from kerastorch.layers.core import ActivityRegularization  # noqa: F401
from kerastorch.layers.core import Dense  # noqa: F401
from kerastorch.layers.core import Dropout  # noqa: F401
from kerastorch.layers.core import Flatten  # noqa: F401
from kerastorch.layers.core import Lambda  # noqa: F401
from kerastorch.layers.core import Masking  # noqa: F401
from kerastorch.layers.core import Permute  # noqa: F401
from kerastorch.layers.core import RepeatVector  # noqa: F401
from kerastorch.layers.core import Reshape  # noqa: F401
from kerastorch.layers.core import SpatialDropout1D  # noqa: F401
from kerastorch.layers.core import SpatialDropout2D  # noqa: F401
from kerastorch.layers.core import SpatialDropout3D  # noqa: F401
from kerastorch.layers.core_extra import Identity  # noqa: F401
from kerastorch.layers.embeddings import Embedding  # noqa: F401
from kerastorch.layers.local import LocallyConnected1D  # noqa: F401
from kerastorch.layers.local import LocallyConnected2D  # noqa: F401
from kerastorch.layers.merge import Add  # noqa: F401
from kerastorch.layers.merge import Average  # noqa: F401
from kerastorch.layers.merge import Concatenate  # noqa: F401
from kerastorch.layers.merge import Dot  # noqa: F401
from kerastorch.layers.merge import Maximum  # noqa: F401
from kerastorch.layers.merge import Minimum  # noqa: F401
from kerastorch.layers.merge import Multiply  # noqa: F401
from kerastorch.layers.merge import Subtract  # noqa: F401
from kerastorch.layers.merge import add  # noqa: F401
from kerastorch.layers.merge import average  # noqa: F401
from kerastorch.layers.merge import concatenate  # noqa: F401
from kerastorch.layers.merge import dot  # noqa: F401
from kerastorch.layers.merge import maximum  # noqa: F401
from kerastorch.layers.merge import minimum  # noqa: F401
from kerastorch.layers.merge import multiply  # noqa: F401
from kerastorch.layers.merge import subtract  # noqa: F401
from kerastorch.layers.noise import AlphaDropout  # noqa: F401
from kerastorch.layers.noise import GaussianDropout  # noqa: F401
from kerastorch.layers.noise import GaussianNoise  # noqa: F401
from kerastorch.layers.normalization import BatchNormalization  # noqa: F401
from kerastorch.layers.normalization import LayerNormalization  # noqa: F401
from kerastorch.layers.normalization_extra import GroupNormalization  # noqa: F401
from kerastorch.layers.normalization_extra import UnitNormalization  # noqa: F401
from kerastorch.layers.pooling import AveragePooling1D  # noqa: F401
from kerastorch.layers.pooling import AveragePooling2D  # noqa: F401
from kerastorch.layers.pooling import AveragePooling3D  # noqa: F401
from kerastorch.layers.pooling import AvgPool1D  # noqa: F401
from kerastorch.layers.pooling import AvgPool2D  # noqa: F401
from kerastorch.layers.pooling import AvgPool3D  # noqa: F401
from kerastorch.layers.pooling import GlobalAveragePooling1D  # noqa: F401
from kerastorch.layers.pooling import GlobalAveragePooling2D  # noqa: F401
from kerastorch.layers.pooling import GlobalAveragePooling3D  # noqa: F401
from kerastorch.layers.pooling import GlobalAvgPool1D  # noqa: F401
from kerastorch.layers.pooling import GlobalAvgPool2D  # noqa: F401
from kerastorch.layers.pooling import GlobalAvgPool3D  # noqa: F401
from kerastorch.layers.pooling import GlobalMaxPool1D  # noqa: F401
from kerastorch.layers.pooling import GlobalMaxPool2D  # noqa: F401
from kerastorch.layers.pooling import GlobalMaxPool3D  # noqa: F401
from kerastorch.layers.pooling import GlobalMaxPooling1D  # noqa: F401
from kerastorch.layers.pooling import GlobalMaxPooling2D  # noqa: F401
from kerastorch.layers.pooling import GlobalMaxPooling3D  # noqa: F401
from kerastorch.layers.pooling import MaxPool1D  # noqa: F401
from kerastorch.layers.pooling import MaxPool2D  # noqa: F401
from kerastorch.layers.pooling import MaxPool3D  # noqa: F401
from kerastorch.layers.pooling import MaxPooling1D  # noqa: F401
from kerastorch.layers.pooling import MaxPooling2D  # noqa: F401
from kerastorch.layers.pooling import MaxPooling3D  # noqa: F401
from kerastorch.layers.preprocessing import CategoryEncoding  # noqa: F401
from kerastorch.layers.preprocessing import Discretization  # noqa: F401
from kerastorch.layers.preprocessing import Normalization  # noqa: F401
from kerastorch.layers.preprocessing_image import CenterCrop  # noqa: F401
from kerastorch.layers.preprocessing_image import Rescaling  # noqa: F401
from kerastorch.layers.preprocessing_image import Resizing  # noqa: F401
from kerastorch.layers.recurrent import GRU  # noqa: F401
from kerastorch.layers.recurrent import LSTM  # noqa: F401
from kerastorch.layers.recurrent import RNN  # noqa: F401
from kerastorch.layers.recurrent import CuDNNGRU  # noqa: F401
from kerastorch.layers.recurrent import CuDNNLSTM  # noqa: F401
from kerastorch.layers.recurrent import SimpleRNN  # noqa: F401
from kerastorch.layers.recurrent_cell_base import DropoutRNNCellMixin  # noqa: F401
from kerastorch.layers.recurrent_cells import GRUCell  # noqa: F401
from kerastorch.layers.recurrent_cells import LSTMCell  # noqa: F401
from kerastorch.layers.recurrent_cells import SimpleRNNCell  # noqa: F401
from kerastorch.layers.recurrent_stacked import StackedRNNCells  # noqa: F401
from kerastorch.layers.reshaping import Cropping1D  # noqa: F401
from kerastorch.layers.reshaping import Cropping2D  # noqa: F401
from kerastorch.layers.reshaping import Cropping3D  # noqa: F401
from kerastorch.layers.reshaping import UpSampling1D  # noqa: F401
from kerastorch.layers.reshaping import UpSampling2D  # noqa: F401
from kerastorch.layers.reshaping import UpSampling3D  # noqa: F401
from kerastorch.layers.reshaping import ZeroPadding1D  # noqa: F401
from kerastorch.layers.reshaping import ZeroPadding2D  # noqa: F401
from kerastorch.layers.reshaping import ZeroPadding3D  # noqa: F401
from kerastorch.layers.torch_wrapper import TorchModuleWrapper  # noqa: F401
from kerastorch.layers.wrappers import Bidirectional  # noqa: F401
from kerastorch.layers.wrappers import TimeDistributed  # noqa: F401
from kerastorch.layers.wrappers import Wrapper  # noqa: F401

# Keras 1 objects; `merge` is the Keras 1 function (the module stays importable by path).
from kerastorch.legacy.layers import AtrousConvolution1D  # noqa: F401
from kerastorch.legacy.layers import AtrousConvolution2D  # noqa: F401
from kerastorch.legacy.layers import Highway  # noqa: F401
from kerastorch.legacy.layers import MaxoutDense  # noqa: F401
from kerastorch.legacy.layers import Merge  # noqa: F401
from kerastorch.legacy.layers import TimeDistributedDense  # noqa: F401
from kerastorch.legacy.layers import merge  # noqa: F401
from kerastorch.saving.serialization import deserialize_layer as deserialize
from kerastorch.saving.serialization import serialize_layer as serialize

# Keras aliases (Convolution2D, MaxPool2D, ...) are found by name when configs are deserialized.
for _name, _value in list(globals().items()):
    if isinstance(_value, type) and issubclass(_value, Layer) and not _name.startswith("_"):
        _layer_module.LAYER_REGISTRY.setdefault(_name, _value)

__all__ = [
    "Input",
    "InputLayer",
    "TensorOp",
    "InputSpec",
    "Layer",
    "Dense",
    "Activation",
    "ActivityRegularization",
    "Masking",
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "Flatten",
    "Reshape",
    "Permute",
    "RepeatVector",
    "Lambda",
    "Conv1D",
    "Conv2D",
    "Conv3D",
    "Conv1DTranspose",
    "Conv2DTranspose",
    "Conv3DTranspose",
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "SeparableConv1D",
    "SeparableConv2D",
    "ConvLSTM1D",
    "ConvLSTM2D",
    "ConvLSTM3D",
    "ConvLSTM2DCell",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "Convolution1D",
    "Convolution2D",
    "Convolution3D",
    "Convolution1DTranspose",
    "Convolution2DTranspose",
    "Convolution3DTranspose",
    "Deconvolution2D",
    "Deconvolution3D",
    "SeparableConvolution1D",
    "SeparableConvolution2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "GlobalMaxPooling1D",
    "GlobalAveragePooling1D",
    "GlobalMaxPooling2D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling3D",
    "GlobalAveragePooling3D",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPool3D",
    "AvgPool1D",
    "AvgPool2D",
    "AvgPool3D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPool3D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalAvgPool3D",
    "LocallyConnected1D",
    "LocallyConnected2D",
    "DropoutRNNCellMixin",
    "SimpleRNNCell",
    "LSTMCell",
    "GRUCell",
    "StackedRNNCells",
    "RNN",
    "SimpleRNN",
    "LSTM",
    "GRU",
    "BatchNormalization",
    "LayerNormalization",
    "UnitNormalization",
    "GroupNormalization",
    "Identity",
    "Rescaling",
    "CenterCrop",
    "Resizing",
    "Normalization",
    "Discretization",
    "CategoryEncoding",
    "Embedding",
    "Add",
    "Subtract",
    "Multiply",
    "Average",
    "Maximum",
    "Minimum",
    "Concatenate",
    "Dot",
    "add",
    "subtract",
    "multiply",
    "average",
    "maximum",
    "minimum",
    "concatenate",
    "dot",
    "Wrapper",
    "TimeDistributed",
    "Bidirectional",
    "LeakyReLU",
    "PReLU",
    "ELU",
    "ThresholdedReLU",
    "Softmax",
    "ReLU",
    "GaussianNoise",
    "GaussianDropout",
    "AlphaDropout",
    "deserialize",
    "serialize",
    "Merge",
    "merge",
    "TimeDistributedDense",
    "MaxoutDense",
    "Highway",
    "AtrousConvolution1D",
    "AtrousConvolution2D",
    "TorchModuleWrapper",
    "CuDNNLSTM",
    "CuDNNGRU",
    "Attention",
    "AdditiveAttention",
    "MultiHeadAttention",
]

# Keras 1 arguments (`Dense(output_dim=...)`, `Convolution2D(32, 3, 3)`) convert with a warning.
from kerastorch.legacy import interfaces as _legacy_interfaces  # noqa: E402

_legacy_interfaces.install()
