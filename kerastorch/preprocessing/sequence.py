"""Sequence preprocessing: pad_sequences, skipgrams, make_sampling_table, TimeseriesGenerator."""

import json
import random

import numpy as np

from kerastorch.utils import data_utils

__all__ = ["pad_sequences", "make_sampling_table", "skipgrams", "TimeseriesGenerator"]


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Pads sequences to the same length.

    Turns a list of `num_samples` sequences into an array of shape
    `(num_samples, num_timesteps)` (plus the shape of each element when the elements are
    arrays), where `num_timesteps` is `maxlen` or the length of the longest sequence.
    Shorter sequences are padded with `value`, longer ones truncated.

    Args:
        sequences: list of sequences (each a list of integers, or of same-shape arrays).
        maxlen: maximum length of all sequences; the longest length when None.
        dtype: type of the output (use `object` for variable-length strings).
        padding: 'pre' or 'post': pad before or after each sequence.
        truncating: 'pre' or 'post': drop values at the beginning or at the end of
            sequences longer than `maxlen`.
        value: padding value (float or string).

    Returns:
        A NumPy array of shape `(len(sequences), maxlen) + element_shape`.

    Example:

    >>> pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2)
    array([[0, 1],
           [2, 3],
           [5, 6]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(
            f"pad_sequences expects `sequences` to be a list of sequences. "
            f"Received an object of type {type(sequences).__name__}"
        )
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood; expected "pre" or "post".')
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood; expected "pre" or "post".')
    num_samples = len(sequences)

    lengths = []
    sample_shape = ()
    found_sample_shape = False
    for sequence in sequences:
        try:
            lengths.append(len(sequence))
        except TypeError:
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {sequence}") from None
        # Elements of the first non-empty sequence give the shape every element must have.
        if not found_sample_shape and len(sequence):
            sample_shape = np.asarray(sequence).shape[1:]
            found_sample_shape = True

    if maxlen is None:
        if not lengths:
            raise ValueError("pad_sequences cannot infer `maxlen` from an empty list; pass maxlen.")
        maxlen = int(np.max(lengths))
    if maxlen < 0:
        raise ValueError(f"pad_sequences expects `maxlen` >= 0. Received: maxlen={maxlen}")

    is_dtype_str = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_dtype_str:
        raise ValueError(
            f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
            f"You should set `dtype=object` for variable length strings."
        )

    x = np.full((num_samples, maxlen) + sample_shape, value, dtype=dtype)
    for position, sequence in enumerate(sequences):
        if not len(sequence) or maxlen == 0:
            continue
        if truncating == "pre":
            kept = sequence[-maxlen:]
        else:
            kept = sequence[:maxlen]

        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(
                f"Shape of sample {kept.shape[1:]} of sequence at position {position} "
                f"is different from expected shape {sample_shape}"
            )

        if padding == "post":
            x[position, : len(kept)] = kept
        else:
            x[position, -len(kept) :] = kept
    return x


def make_sampling_table(size, sampling_factor=1e-5):
    """Generates a word rank-based probabilistic sampling table (word2vec subsampling).

    `sampling_table[i]` is the probability of sampling the i-th most common word,
    `min(1, sqrt(f / sampling_factor) / (f / sampling_factor))`, where the frequency `f` of
    rank `i` follows Zipf's law:
    `1 / f ~ rank * (log(rank) + gamma) + 1/2 - 1 / (12 * rank)`.

    Args:
        size: number of possible words to sample.
        sampling_factor: the sampling factor in the word2vec formula.

    Returns:
        A 1D NumPy array of length `size`.
    """
    gamma = 0.577
    rank = np.arange(size)
    rank[0] = 1
    inv_fq = rank * (np.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * inv_fq
    return np.minimum(1.0, f / np.sqrt(f))


def skipgrams(
    sequence,
    vocabulary_size,
    window_size=4,
    negative_samples=1.0,
    shuffle=True,
    categorical=False,
    sampling_table=None,
    seed=None,
):
    """Generates skipgram word pairs.

    Produces `(word, word in the same window)` pairs with label 1 and, with
    `negative_samples > 0`, `(word, random word)` pairs with label 0. Index 0 is a non-word
    and is skipped. Uses Python's `random` module, as Keras does.

    Args:
        sequence: a word sequence, as a list of word indices (integers).
        vocabulary_size: maximum possible word index + 1.
        window_size: half-width of the sampling window.
        negative_samples: number of negative pairs per positive pair (float >= 0).
        shuffle: whether to shuffle the pairs before returning them.
        categorical: labels as `[0, 1]` / `[1, 0]` instead of `1` / `0`.
        sampling_table: 1D array of size `vocabulary_size`, entry i being the probability to
            sample the word of rank i.
        seed: random seed for the shuffle.

    Returns:
        `couples, labels`: lists of `[word, context]` pairs and their labels.
    """
    couples = []
    labels = []
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        if sampling_table is not None:
            if sampling_table[wi] < random.random():
                continue

        window_start = max(0, i - window_size)
        window_end = min(len(sequence), i + window_size + 1)
        for j in range(window_start, window_end):
            if j != i:
                wj = sequence[j]
                if not wj:
                    continue
                couples.append([wi, wj])
                labels.append([0, 1] if categorical else 1)

    if negative_samples > 0:
        num_negative_samples = int(len(labels) * negative_samples)
        words = [c[0] for c in couples]
        random.shuffle(words)

        couples += [
            [words[i % len(words)], random.randint(1, vocabulary_size - 1)] for i in range(num_negative_samples)
        ]
        if categorical:
            labels += [[1, 0]] * num_negative_samples
        else:
            labels += [0] * num_negative_samples

    if shuffle:
        if seed is None:
            seed = random.randint(0, 10e6)
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)

    return couples, labels


class TimeseriesGenerator(data_utils.Sequence):
    """Utility class for generating batches of temporal data.

    Sample `k` of the output ends at a row `r` of `data`: it is
    `data[r - length : r : sampling_rate]` with target `targets[r]`, where the rows `r` go from
    `start_index + length` to `end_index`, `stride` apart.

    Args:
        data: indexable (list or NumPy array) of consecutive data points; axis 0 is time.
        targets: targets corresponding to the timesteps of `data`, of the same length.
        length: length of the output sequences (in number of timesteps).
        sampling_rate: period between successive timesteps within a sequence.
        stride: period between successive output sequences.
        start_index: data points earlier than `start_index` are not used.
        end_index: data points later than `end_index` are not used (default: the last one).
        shuffle: draw the samples at random (with `np.random`) instead of in order.
        reverse: return the timesteps of each sample in reverse chronological order.
        batch_size: number of samples in each batch (except maybe the last one).

    Example:

    ```python
    data = np.arange(10).reshape(-1, 1)
    generator = TimeseriesGenerator(data, data[:, 0], length=3, batch_size=2)
    len(generator)  # 4
    x, y = generator[0]  # x[:, :, 0] == [[0, 1, 2], [1, 2, 3]], y == [3, 4]
    ```
    """

    def __init__(
        self,
        data,
        targets,
        length,
        sampling_rate=1,
        stride=1,
        start_index=0,
        end_index=None,
        shuffle=False,
        reverse=False,
        batch_size=128,
    ):
        if len(data) != len(targets):
            raise ValueError(
                f"Data and targets have to be of same length. Data length is {len(data)} "
                f"while target length is {len(targets)}"
            )
        for name, number in (
            ("length", length),
            ("sampling_rate", sampling_rate),
            ("stride", stride),
            ("batch_size", batch_size),
        ):
            if isinstance(number, bool) or not isinstance(number, (int, np.integer)) or number < 1:
                raise ValueError(
                    f"TimeseriesGenerator expects `{name}` to be a positive integer. Received: {name}={number!r}"
                )
        self.data = data
        self.targets = targets
        self.length = length
        self.sampling_rate = sampling_rate
        self.stride = stride
        self.start_index = start_index + length
        if end_index is None:
            end_index = len(data) - 1
        self.end_index = end_index
        self.shuffle = shuffle
        self.reverse = reverse
        self.batch_size = batch_size

        if self.start_index > self.end_index:
            raise ValueError(
                f"`start_index+length={self.start_index} > end_index={self.end_index}` is "
                f"disallowed, as no part of the sequence would be left to be used as current step."
            )

    def __len__(self):
        return (self.end_index - self.start_index + self.batch_size * self.stride) // (self.batch_size * self.stride)

    def __getitem__(self, index):
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            i = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(i, min(i + self.batch_size * self.stride, self.end_index + 1), self.stride)

        samples = np.array([self.data[row - self.length : row : self.sampling_rate] for row in rows])
        targets = np.array([self.targets[row] for row in rows])

        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets

    def get_config(self):
        """Returns the generator's configuration as a dict, as tf.keras 2 writes it.

        `data` and `targets` are JSON strings; `start_index` is the stored first row
        (`start_index + length` of the constructor), as tf.keras records it.
        """
        return {
            "data": _json_dumps_array(self.data, "Data"),
            "targets": _json_dumps_array(self.targets, "Targets"),
            "length": self.length,
            "sampling_rate": self.sampling_rate,
            "stride": self.stride,
            "start_index": self.start_index,
            "end_index": self.end_index,
            "shuffle": self.shuffle,
            "reverse": self.reverse,
            "batch_size": self.batch_size,
        }

    def to_json(self, **kwargs):
        """Returns a JSON string `{"class_name": "TimeseriesGenerator", "config": ...}`.

        Args:
            **kwargs: keyword arguments passed to `json.dumps()`.
        """
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()}, **kwargs)


def _json_dumps_array(values, what):
    if isinstance(values, (np.ndarray, np.generic)):
        values = values.tolist()
    try:
        return json.dumps(values)
    except TypeError as error:
        raise TypeError(f"{what} not JSON serializable: {values!r}") from error
