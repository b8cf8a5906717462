"""Keras 1 names are importable from the module paths Keras 1 had them in."""

import importlib

import pytest

from kerastorch import backend
from kerastorch import layers
from kerastorch.legacy import interfaces
from kerastorch.legacy import layers as legacy_layers


@pytest.mark.parametrize(
    "module_name, name",
    [(module, name) for module, names in sorted(interfaces.KERAS1_MODULE_NAMES.items()) for name in sorted(names)],
)
def test_keras1_names_in_keras1_modules(module_name, name):
    source, source_name = interfaces.KERAS1_MODULE_NAMES[module_name][name]
    module = importlib.import_module(module_name)
    assert getattr(module, name) is getattr(importlib.import_module(source), source_name)


def test_keras1_import_statements():
    from kerastorch.engine.topology import Container
    from kerastorch.engine.topology import Input
    from kerastorch.engine.topology import InputSpec
    from kerastorch.engine.topology import Layer
    from kerastorch.engine.topology import Merge
    from kerastorch.engine.topology import merge
    from kerastorch.engine.training import Model
    from kerastorch.layers.convolutional import Convolution2D
    from kerastorch.layers.convolutional import MaxPooling2D
    from kerastorch.layers.convolutional import ZeroPadding2D
    from kerastorch.layers.core import Dense
    from kerastorch.layers.core import Merge as CoreMerge
    from kerastorch.layers.core import TimeDistributedDense
    from kerastorch.layers.embeddings import Embedding
    from kerastorch.layers.recurrent import GRU
    from kerastorch.layers.recurrent import LSTM
    from kerastorch.layers.recurrent import SimpleRNN
    from kerastorch.objectives import categorical_crossentropy
    from kerastorch.utils.np_utils import to_categorical

    assert Merge is CoreMerge is layers.Merge and merge is layers.merge
    assert Container is Model and Input is layers.Input and Layer is layers.Layer and InputSpec is layers.InputSpec
    assert Convolution2D is layers.Conv2D and MaxPooling2D is layers.MaxPooling2D
    assert ZeroPadding2D is layers.ZeroPadding2D and Dense is layers.Dense and Embedding is layers.Embedding
    assert (SimpleRNN, LSTM, GRU) == (layers.SimpleRNN, layers.LSTM, layers.GRU)
    assert TimeDistributedDense is legacy_layers.TimeDistributedDense
    assert callable(categorical_crossentropy) and callable(to_categorical)


def test_keras1_backend_dim_ordering():
    assert backend.image_dim_ordering() == "tf"
    backend.set_image_dim_ordering("th")
    try:
        assert backend.image_data_format() == "channels_first" and backend.image_dim_ordering() == "th"
    finally:
        backend.set_image_data_format("channels_last")
    with pytest.raises(ValueError, match="dim_ordering='channels_first'"):
        backend.set_image_dim_ordering("channels_first")


def test_layers_merge_is_the_keras1_function():
    # As in Keras 2.0, `kerastorch.layers.merge` is the function; the merge layers stay importable.
    from kerastorch.layers.merge import Concatenate

    assert layers.merge is legacy_layers.merge and Concatenate is layers.Concatenate
