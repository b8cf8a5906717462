"""A model called on a tensor that knows more dimensions than the model's own inputs gives the refined shapes.

tf.keras 2 (and Keras 2.2.4) re-run the layers of a functional or Sequential model on the new
symbolic input, so `Sequential([Embedding(20, 64)])(Input((10,)))` has shape (None, 10, 64).
"""

from kerastorch.layers import LSTM
from kerastorch.layers import Dense
from kerastorch.layers import Dropout
from kerastorch.layers import Embedding
from kerastorch.layers import Input
from kerastorch.layers import concatenate
from kerastorch.models import Model
from kerastorch.models import Sequential


def test_sequential_with_embedding_without_input_length_on_a_known_length():
    encoder = Sequential()
    encoder.add(Embedding(input_dim=20, output_dim=8))
    encoder.add(Dropout(0.3))
    encoder.add(LSTM(5, return_sequences=True))
    assert encoder.output_shape == (None, None, 5)
    assert encoder(Input((10,))).shape == (None, 10, 5)
    # The model's own shapes stay those of its inputs.
    assert encoder.output_shape == (None, None, 5)


def test_functional_model_on_known_time_steps_and_multiple_inputs():
    a, b = Input((None, 3)), Input((None, 2))
    model = Model([a, b], [Dense(4)(a), concatenate([a, b])])
    out_a, out_ab = model([Input((7, 3)), Input((7, 2))])
    assert out_a.shape == (None, 7, 4)
    assert out_ab.shape == (None, 7, 5)
    # Shapes the graph already knows are kept.
    same = model([Input((None, 3)), Input((None, 2))])
    assert [t.shape for t in same] == [(None, None, 4), (None, None, 5)]
