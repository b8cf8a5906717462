"""Tests for kerastorch.preprocessing.sequence against hand-written expected arrays."""

import math
import random

import numpy as np
import pytest

from kerastorch.preprocessing import sequence
from kerastorch.utils import data_utils

SEQUENCES = [[1], [2, 3], [4, 5, 6]]


def test_pad_sequences_defaults_pad_and_truncate_pre():
    result = sequence.pad_sequences(SEQUENCES)
    assert result.dtype == np.int32
    np.testing.assert_array_equal(result, [[0, 0, 1], [0, 2, 3], [4, 5, 6]])


def test_pad_sequences_post_padding_and_value():
    result = sequence.pad_sequences(SEQUENCES, padding="post", value=-1)
    np.testing.assert_array_equal(result, [[1, -1, -1], [2, 3, -1], [4, 5, 6]])


@pytest.mark.parametrize(
    "truncating, padding, expected",
    [
        ("pre", "pre", [[0, 1], [2, 3], [5, 6]]),
        ("post", "pre", [[0, 1], [2, 3], [4, 5]]),
        ("post", "post", [[1, 0], [2, 3], [4, 5]]),
    ],
)
def test_pad_sequences_truncation(truncating, padding, expected):
    result = sequence.pad_sequences(SEQUENCES, maxlen=2, truncating=truncating, padding=padding)
    np.testing.assert_array_equal(result, expected)


def test_pad_sequences_longer_maxlen_float_dtype():
    result = sequence.pad_sequences([[1.5], []], maxlen=3, dtype="float32", value=0.25)
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result, [[0.25, 0.25, 1.5], [0.25, 0.25, 0.25]])


def test_pad_sequences_vector_elements_keep_their_shape():
    vectors = [[[1, 1]], [[2, 2], [3, 3]]]
    result = sequence.pad_sequences(vectors, padding="post")
    np.testing.assert_array_equal(result, [[[1, 1], [0, 0]], [[2, 2], [3, 3]]])


def test_pad_sequences_strings_need_object_dtype():
    result = sequence.pad_sequences([["a"], ["b", "c"]], dtype=object, value="<pad>")
    assert result.tolist() == [["<pad>", "a"], ["b", "c"]]
    with pytest.raises(ValueError, match="dtype=object"):
        sequence.pad_sequences([["a"]], value="<pad>")


def test_pad_sequences_maxlen_zero_and_empty_list():
    assert sequence.pad_sequences(SEQUENCES, maxlen=0).shape == (3, 0)
    assert sequence.pad_sequences([], maxlen=4).shape == (0, 4)
    with pytest.raises(ValueError, match="maxlen"):
        sequence.pad_sequences([])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"padding": "mid"}, 'Padding type "mid"'),
        ({"truncating": "middle"}, 'Truncating type "middle"'),
    ],
)
def test_pad_sequences_rejects_unknown_modes(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sequence.pad_sequences(SEQUENCES, **kwargs)


def test_pad_sequences_rejects_bad_inputs():
    with pytest.raises(ValueError, match="non-iterable: 3"):
        sequence.pad_sequences([[1], 3])
    with pytest.raises(ValueError, match="position 1"):
        sequence.pad_sequences([[[1, 1]], [[2, 2, 2]]])
    with pytest.raises(ValueError, match="list of sequences"):
        sequence.pad_sequences(5)


def test_make_sampling_table_formula():
    table = sequence.make_sampling_table(4, sampling_factor=0.01)

    def expected(rank):
        inverse_frequency = rank * (math.log(rank) + 0.577) + 0.5 - 1.0 / (12.0 * rank)
        return min(1.0, math.sqrt(0.01 * inverse_frequency))

    np.testing.assert_allclose(table, [expected(1), expected(1), expected(2), expected(3)])


def test_skipgrams_positive_pairs_without_shuffle():
    couples, labels = sequence.skipgrams(
        [1, 2, 0, 3], vocabulary_size=4, window_size=1, negative_samples=0.0, shuffle=False
    )
    assert couples == [[1, 2], [2, 1]]  # index 0 is a non-word; 3 has no neighbour
    assert labels == [1, 1]


def test_skipgrams_negative_and_categorical():
    random.seed(0)
    couples, labels = sequence.skipgrams(
        [1, 2, 3], vocabulary_size=10, window_size=2, negative_samples=1.0, categorical=True, seed=4
    )
    assert len(couples) == 12 and len(labels) == 12
    assert labels.count([0, 1]) == 6 and labels.count([1, 0]) == 6
    positives = {(1, 2), (1, 3), (2, 1), (2, 3), (3, 1), (3, 2)}
    for couple, label in zip(couples, labels):
        if label == [0, 1]:
            assert tuple(couple) in positives
        else:
            assert couple[0] in (1, 2, 3) and 1 <= couple[1] <= 9


def test_timeseries_generator_basic():
    data = np.arange(50).reshape(50, 1)
    generator = sequence.TimeseriesGenerator(data, data, length=10, sampling_rate=2, batch_size=2)
    assert isinstance(generator, data_utils.Sequence)
    assert len(generator) == 20
    x, y = generator[0]
    np.testing.assert_array_equal(x[..., 0], [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]])
    np.testing.assert_array_equal(y, [[10], [11]])
    x, y = generator[19]
    np.testing.assert_array_equal(x[..., 0], [[38, 40, 42, 44, 46], [39, 41, 43, 45, 47]])
    np.testing.assert_array_equal(y, [[48], [49]])


def test_timeseries_generator_stride_bounds_reverse():
    data = np.arange(50).reshape(50, 1)
    generator = sequence.TimeseriesGenerator(
        data, data, length=10, sampling_rate=2, stride=3, start_index=5, end_index=30, reverse=True, batch_size=3
    )
    assert len(generator) == 2
    x, y = generator[0]
    np.testing.assert_array_equal(x[..., 0], [[13, 11, 9, 7, 5], [16, 14, 12, 10, 8], [19, 17, 15, 13, 11]])
    np.testing.assert_array_equal(y, [[15], [18], [21]])
    x, y = generator[1]
    np.testing.assert_array_equal(y, [[24], [27], [30]])


def test_timeseries_generator_partial_last_batch_and_shuffle():
    data = np.arange(10)
    generator = sequence.TimeseriesGenerator(data, data * 10, length=3, batch_size=4)
    assert len(generator) == 2  # rows 3..9: 7 samples
    x, y = generator[1]
    np.testing.assert_array_equal(x, [[4, 5, 6], [5, 6, 7], [6, 7, 8]])
    np.testing.assert_array_equal(y, [70, 80, 90])
    shuffled = sequence.TimeseriesGenerator(data, data * 10, length=3, batch_size=4, shuffle=True)
    np.random.seed(1)
    x, y = shuffled[0]
    np.random.seed(1)
    rows = np.random.randint(3, 10, size=4)
    np.testing.assert_array_equal(y, rows * 10)
    np.testing.assert_array_equal(x[:, -1], rows - 1)


def test_timeseries_generator_errors():
    with pytest.raises(ValueError, match="same length"):
        sequence.TimeseriesGenerator(np.zeros(5), np.zeros(4), length=2)
    with pytest.raises(ValueError, match="start_index\\+length=12 > end_index=9"):
        sequence.TimeseriesGenerator(np.zeros(10), np.zeros(10), length=12)
    with pytest.raises(ValueError, match="batch_size=0"):
        sequence.TimeseriesGenerator(np.zeros(10), np.zeros(10), length=2, batch_size=0)
