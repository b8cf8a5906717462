"""RadialConstraint against the values tf.keras 2.15 gives for index-valued kernels."""

import numpy as np
import pytest
import torch

from kerastorch import constraints
from kerastorch.layers import convolutional

# tf.keras 2.15 `radial_constraint()(w)[:, :, 0, 1]` for kernels w[i, j, 0, 1] = 100 + 10 * i + j.
TF_KERAS = {
    2: [[100, 100], [100, 100]],
    3: [[111, 111, 111], [111, 100, 111], [111, 111, 111]],
    5: [
        [133, 133, 133, 133, 133],
        [133, 122, 122, 122, 133],
        [133, 122, 111, 122, 133],
        [133, 122, 122, 122, 133],
        [133, 133, 133, 133, 133],
    ],
    6: [
        [155, 155, 155, 155, 155, 155],
        [155, 144, 144, 144, 144, 155],
        [155, 144, 122, 122, 144, 155],
        [155, 144, 122, 122, 144, 155],
        [155, 144, 144, 144, 144, 155],
        [155, 155, 155, 155, 155, 155],
    ],
}


def _index_kernel(size):
    k = 10 * np.arange(size)[:, None] + np.arange(size)[None, :]
    return torch.as_tensor(np.stack([k, k + 100], -1)[:, :, None, :].astype("float32"))


@pytest.mark.parametrize("size", sorted(TF_KERAS))
def test_radial_constraint_matches_tf_keras(size):
    out = constraints.get("radial_constraint")(_index_kernel(size))
    assert tuple(out.shape) == (size, size, 1, 2)
    np.testing.assert_array_equal(out[:, :, 0, 1].numpy(), TF_KERAS[size])
    np.testing.assert_array_equal(out[:, :, 0, 0].numpy(), np.asarray(TF_KERAS[size]) - 100)


def test_radial_constraint_names_and_config():
    assert isinstance(constraints.get("RadialConstraint"), constraints.RadialConstraint)
    assert constraints.radial_constraint is constraints.RadialConstraint
    config = constraints.serialize(constraints.RadialConstraint())
    assert config == {"class_name": "RadialConstraint", "config": {}}
    assert isinstance(constraints.deserialize(config), constraints.RadialConstraint)


@pytest.mark.parametrize("shape", [(3, 3, 2), (3, 4, 1, 1), (1, 1, 2, 2)])
def test_radial_constraint_rejects_non_square_or_tiny_kernels(shape):
    with pytest.raises(ValueError, match="Received weight shape"):
        constraints.RadialConstraint()(torch.zeros(shape))


def test_radial_constraint_on_a_conv2d_kernel():
    layer = convolutional.Conv2D(2, 3, kernel_constraint="radial_constraint")
    layer.build((None, 5, 5, 1))
    projected = layer.kernel_constraint(torch.as_tensor(layer.get_weights()[0]))
    kernel = layer.get_weights()[0]
    ring = np.ones((3, 3), bool)
    ring[1, 1] = False
    for out in range(2):
        np.testing.assert_array_equal(projected[1, 1, 0, out].numpy(), kernel[0, 0, 0, out])
        np.testing.assert_array_equal(projected[:, :, 0, out].numpy()[ring], np.full(8, kernel[1, 1, 0, out]))
