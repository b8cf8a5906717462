"""Per-node accessors of shared layers (get_input_at & co.), as tf.keras 2.15 gives them."""

import pytest

from kerastorch import layers
from kerastorch.models import Model


def _shared_twice():
    a = layers.Input(shape=(4,), name="a")
    b = layers.Input(shape=(6,), name="b")
    shared = layers.Dense(3, name="shared")
    first = shared(a)
    second = shared(layers.Dense(4, name="proj")(b))
    return a, b, shared, first, second


def test_get_input_and_output_at_return_each_calls_tensors():
    a, _, shared, first, second = _shared_twice()
    assert shared.get_input_at(0) is a
    assert shared.get_input_at(1).shape == (None, 4)
    assert shared.get_input_at(1)._keras_history[0].name == "proj"
    assert shared.get_output_at(0) is first
    assert shared.get_output_at(1) is second
    assert shared.get_input_shape_at(1) == (None, 4)
    assert shared.get_output_shape_at(1) == (None, 3)
    assert shared.get_input_mask_at(0) is None
    assert shared.get_output_mask_at(1) is None
    assert shared.input_mask is None and shared.output_mask is None


def test_get_input_at_errors_name_the_node_count():
    _, _, shared, _, _ = _shared_twice()
    with pytest.raises(ValueError, match="at node 2, but the layer 'shared' has only 2 inbound node"):
        shared.get_input_at(2)
    with pytest.raises(RuntimeError, match="'never' has never been called"):
        layers.Dense(2, name="never").get_output_shape_at(0)


def test_list_inputs_give_lists():
    a = layers.Input(shape=(2,), name="a")
    b = layers.Input(shape=(3,), name="b")
    cat = layers.Concatenate(name="cat")
    out = cat([a, b])
    assert cat.get_input_at(0) == [a, b]
    assert cat.get_input_shape_at(0) == [(None, 2), (None, 3)]
    assert cat.get_output_shape_at(0) == (None, 5)
    assert cat.get_input_mask_at(0) == [None, None]
    Model([a, b], out)


def test_ambiguous_input_shape_points_to_get_input_shape_at():
    _, _, shared, _, _ = _shared_twice()
    assert shared.input_shape == (None, 4)  # both calls see (None, 4)
    x = layers.Input(shape=(5,))
    reused = layers.Dense(2, name="reused")
    reused(layers.Input(shape=(4,)))
    reused_on_other = layers.Lambda(lambda t: t[:, :4])(x)
    reused(reused_on_other)
    assert reused.input_shape == (None, 4)
    wide = layers.Flatten(name="flat")
    wide(layers.Input(shape=(2, 3)))
    wide(layers.Input(shape=(4, 3)))
    with pytest.raises(AttributeError, match="get_input_shape_at"):
        wide.input_shape
    with pytest.raises(AttributeError, match="get_output_shape_at"):
        wide.output_shape
    assert wide.get_output_shape_at(1) == (None, 12)
