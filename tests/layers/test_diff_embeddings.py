"""Embedding arguments that tf.keras 2.15 takes beyond Keras 2.2.4's."""

import numpy as np
import pytest
import torch

from kerastorch.layers import embeddings


def test_embedding_accepts_sparse_false_and_leaves_it_out_of_the_config():
    layer = embeddings.Embedding(4, 2, sparse=False, embeddings_initializer="ones")
    out = layer(torch.as_tensor(np.array([[0, 3]])))
    np.testing.assert_array_equal(out.detach().numpy(), np.ones((1, 2, 2)))
    assert "sparse" not in layer.get_config()


def test_embedding_refuses_sparse_outputs():
    with pytest.raises(ValueError, match="sparse=True"):
        embeddings.Embedding(4, 2, sparse=True)
