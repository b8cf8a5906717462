"""layers.reshaping: the up-sampling, zero-padding and cropping layers, also importable from layers.convolutional.

Their numeric tests (Keras-written references) live in test_convolutional.py with the other
fixtures of that family; this file checks where the classes can be found.
"""

import numpy as np
import pytest

import kerastorch.layers
from kerastorch.engine import layer as layer_module
from kerastorch.layers import convolutional
from kerastorch.layers import reshaping
from kerastorch.saving import serialization

NAMES = [
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
]


def test_module_exports_exactly_the_reshaping_layers():
    assert sorted(reshaping.__all__) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_same_class_from_every_import_path(name):
    cls = getattr(reshaping, name)
    assert cls.__module__ == "kerastorch.layers.reshaping"
    assert getattr(convolutional, name) is cls
    assert name in convolutional.__all__
    assert getattr(kerastorch.layers, name) is cls
    assert layer_module.LAYER_REGISTRY[name] is cls


def test_keras2_import_from_convolutional():
    from kerastorch.layers.convolutional import Cropping2D
    from kerastorch.layers.convolutional import UpSampling2D
    from kerastorch.layers.convolutional import ZeroPadding2D

    x = np.arange(8, dtype="float32").reshape(1, 2, 2, 2)
    y = Cropping2D(1)(ZeroPadding2D(1)(UpSampling2D(2)(x)))
    expected = np.repeat(np.repeat(x, 2, axis=1), 2, axis=2)
    np.testing.assert_array_equal(y.numpy(), expected)


def test_config_round_trip_finds_the_moved_class():
    layer = reshaping.ZeroPadding2D(((1, 2), (3, 4)), name="pad")
    clone = serialization.deserialize_layer(serialization.serialize_layer(layer))
    assert type(clone) is reshaping.ZeroPadding2D
    assert clone.get_config() == layer.get_config()
