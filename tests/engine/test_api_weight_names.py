"""`weight.name` as tf.keras 2.15 gives it ('dense/kernel:0'; a cell built by its RNN under the RNN)."""

import copy
import io
import pickle

import numpy as np
import torch

from kerastorch import layers
from kerastorch.models import Sequential

# Printed by tf.keras 2.15 for the same models (layer names given explicitly).
TF_KERAS_NAMES = {
    "dense_bn": ["d1/kernel:0", "d1/bias:0", "bn/gamma:0", "bn/beta:0", "bn/moving_mean:0", "bn/moving_variance:0"],
    "lstm": ["lstm/lstm_cell/kernel:0", "lstm/lstm_cell/recurrent_kernel:0", "lstm/lstm_cell/bias:0"],
    "bidirectional": [
        "bi/forward_g/gru_cell/kernel:0",
        "bi/forward_g/gru_cell/recurrent_kernel:0",
        "bi/forward_g/gru_cell/bias:0",
        "bi/backward_g/gru_cell/kernel:0",
        "bi/backward_g/gru_cell/recurrent_kernel:0",
        "bi/backward_g/gru_cell/bias:0",
    ],
    "delayed": ["late/kernel:0", "late/bias:0"],
}


def _names(model):
    return [w.name for w in model.weights]


def test_weight_names_match_tf_keras():
    model = Sequential([layers.Dense(3, input_shape=(4,), name="d1"), layers.BatchNormalization(name="bn")])
    assert _names(model) == TF_KERAS_NAMES["dense_bn"]
    assert _names(Sequential([layers.LSTM(2, input_shape=(3, 4), name="lstm")])) == TF_KERAS_NAMES["lstm"]
    bidirectional = Sequential([layers.Bidirectional(layers.GRU(2, name="g"), input_shape=(3, 4), name="bi")])
    assert _names(bidirectional) == TF_KERAS_NAMES["bidirectional"]
    delayed = Sequential([layers.Dense(2, name="late")])
    delayed.build((None, 3))
    assert _names(delayed) == TF_KERAS_NAMES["delayed"]
    eager = layers.Dense(2, name="eager")
    eager(np.ones((1, 3), "float32"))
    assert [w.name for w in eager.weights] == ["eager/kernel:0", "eager/bias:0"]


def test_named_weights_stay_parameters_through_copies_and_conversions():
    model = Sequential([layers.Dense(2, input_shape=(3,), name="d")])
    kernel = model.weights[0]
    assert isinstance(kernel, torch.nn.Parameter)
    assert copy.deepcopy(model).weights[0].name == "d/kernel:0"
    buffer = io.BytesIO()
    pickle.dump(model, buffer)
    buffer.seek(0)
    assert pickle.load(buffer).weights[0].name == "d/kernel:0"
    model.double()
    assert model.weights[0].name == "d/kernel:0" and model.weights[0].dtype == torch.float64
    assert not hasattr(kernel.detach(), "_keras_name")
    assert sorted(model.state_dict()) == ["d.bias", "d.kernel"]


# tf.keras 2.15 (tests/data/generate_symbolic_api.py): TimeDistributed builds its inner layer in
# its own name scope only; an inner model builds its layers outside it.
TF_KERAS_WRAPPED_NAMES = {
    "td_dense": ["td/kernel:0", "td/bias:0"],
    "td_conv": ["tdc/kernel:0", "tdc/bias:0"],
    "td_bn": ["tdb/gamma:0", "tdb/beta:0", "tdb/moving_mean:0", "tdb/moving_variance:0"],
    "td_sequential": ["a/kernel:0", "a/bias:0", "b/kernel:0", "b/bias:0"],
    "bi_lstm": [
        "bi/forward_l/lstm_cell/kernel:0",
        "bi/forward_l/lstm_cell/recurrent_kernel:0",
        "bi/forward_l/lstm_cell/bias:0",
        "bi/backward_l/lstm_cell/kernel:0",
        "bi/backward_l/lstm_cell/recurrent_kernel:0",
        "bi/backward_l/lstm_cell/bias:0",
    ],
}


def test_time_distributed_weight_names_match_tf_keras():
    td = Sequential([layers.TimeDistributed(layers.Dense(3, name="td_d"), name="td", input_shape=(4, 5))])
    assert _names(td) == TF_KERAS_WRAPPED_NAMES["td_dense"]
    conv = layers.TimeDistributed(layers.Conv2D(2, 3, name="c"), name="tdc", input_shape=(4, 5, 5, 1))
    assert _names(Sequential([conv])) == TF_KERAS_WRAPPED_NAMES["td_conv"]
    bn = layers.TimeDistributed(layers.BatchNormalization(name="bn"), name="tdb", input_shape=(4, 5))
    assert _names(Sequential([bn])) == TF_KERAS_WRAPPED_NAMES["td_bn"]
    inner = Sequential([layers.Dense(2, name="a"), layers.Dense(1, name="b")], name="inner")
    wrapped = Sequential([layers.TimeDistributed(inner, name="td5", input_shape=(4, 5))])
    assert _names(wrapped) == TF_KERAS_WRAPPED_NAMES["td_sequential"]
    # The names written to HDF5 files are the weights' names.
    assert wrapped.layers[0]._weight_keras_names() == TF_KERAS_WRAPPED_NAMES["td_sequential"]
    assert td.layers[0]._weight_keras_names() == TF_KERAS_WRAPPED_NAMES["td_dense"]
    bidirectional = Sequential([layers.Bidirectional(layers.LSTM(2, name="l"), input_shape=(4, 5), name="bi")])
    assert _names(bidirectional) == TF_KERAS_WRAPPED_NAMES["bi_lstm"]
