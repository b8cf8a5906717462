"""Text preprocessing: word splitting, hashing, and the `Tokenizer` vocabulary/vectorizer."""

import collections
import hashlib
import json
import warnings

import numpy as np

__all__ = [
    "text_to_word_sequence",
    "one_hot",
    "hashing_trick",
    "Tokenizer",
    "tokenizer_from_json",
]

_DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_MATRIX_MODES = ("binary", "count", "tfidf", "freq")


def text_to_word_sequence(text, filters=_DEFAULT_FILTERS, lower=True, split=" "):
    """Converts a text to a sequence of words (tokens).

    Args:
        text: input text (string).
        filters: characters to filter out (replaced by `split`), such as punctuation.
        lower: whether to convert the text to lowercase.
        split: separator for word splitting.

    Returns:
        A list of words (empty strings dropped).
    """
    if lower:
        text = text.lower()
    translate_map = str.maketrans({character: split for character in filters})
    text = text.translate(translate_map)
    return [word for word in text.split(split) if word]


def one_hot(text, n, filters=_DEFAULT_FILTERS, lower=True, split=" ", analyzer=None):
    """One-hot encodes a text into a list of word indexes in `[1, n)` using Python's `hash`.

    As in Keras, `hash` of a string changes between Python processes unless
    `PYTHONHASHSEED` is set; use `hashing_trick(..., hash_function='md5')` for stable indexes.

    Args:
        text: input text (string).
        n: size of the vocabulary.
        filters: characters to filter out.
        lower: whether to convert the text to lowercase.
        split: separator for word splitting.
        analyzer: optional callable splitting a text into words (replaces the defaults).

    Returns:
        A list of integers in `[1, n)`.
    """
    return hashing_trick(text, n, hash_function=hash, filters=filters, lower=lower, split=split, analyzer=analyzer)


def _md5(word):
    return int(hashlib.md5(word.encode()).hexdigest(), 16)


def hashing_trick(text, n, hash_function=None, filters=_DEFAULT_FILTERS, lower=True, split=" ", analyzer=None):
    """Converts a text to a sequence of indexes in a fixed-size hashing space.

    Index 0 is reserved: each word maps to `hash_function(word) % (n - 1) + 1`.

    Args:
        text: input text (string).
        n: dimension of the hashing space.
        hash_function: None (Python's `hash`), 'md5' (stable across runs), or a callable
            taking a string and returning an int.
        filters: characters to filter out.
        lower: whether to convert the text to lowercase.
        split: separator for word splitting.
        analyzer: optional callable splitting a text into words (replaces the defaults).

    Returns:
        A list of integer word indices.
    """
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        hash_function = _md5
    elif not callable(hash_function):
        raise ValueError(
            f"hashing_trick expects `hash_function` to be None, 'md5' or a callable. "
            f"Received: hash_function={hash_function!r}"
        )
    if n < 2:
        raise ValueError(f"hashing_trick expects `n` >= 2 (index 0 is reserved). Received: n={n}")
    if analyzer is None:
        words = text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    else:
        words = analyzer(text)
    return [hash_function(word) % (n - 1) + 1 for word in words]


class Tokenizer:
    """Text tokenization utility: builds a vocabulary and turns texts into sequences or matrices.

    Words are indexed by decreasing count, ties in order of first appearance; index 0 is
    reserved and, with `oov_token`, index 1 is the out-of-vocabulary token. Only the
    `num_words - 1` most frequent words are used when converting texts.

    Args:
        num_words: maximum number of words to keep, by frequency; None keeps them all.
        filters: characters filtered out of the texts.
        lower: whether to convert the texts to lowercase.
        split: separator for word splitting.
        char_level: treat every character as a token.
        oov_token: token that replaces out-of-vocabulary words in `texts_to_sequences`.
        analyzer: optional callable splitting a text into words.
        document_count: initial number of documents (used when restoring from JSON).

    Example:

    ```python
    tokenizer = Tokenizer(num_words=100)
    tokenizer.fit_on_texts(["the cat sat", "the dog"])
    tokenizer.word_index  # {'the': 1, 'cat': 2, 'sat': 3, 'dog': 4}
    tokenizer.texts_to_sequences(["the dog sat"])  # [[1, 4, 3]]
    ```
    """

    def __init__(
        self,
        num_words=None,
        filters=_DEFAULT_FILTERS,
        lower=True,
        split=" ",
        char_level=False,
        oov_token=None,
        analyzer=None,
        **kwargs,
    ):
        if "nb_words" in kwargs:  # Keras 1 spelling
            warnings.warn("The `nb_words` argument in `Tokenizer` has been renamed `num_words`.")
            num_words = kwargs.pop("nb_words")
        document_count = kwargs.pop("document_count", 0)
        if kwargs:
            raise TypeError(f"Tokenizer received unrecognized keyword arguments: {sorted(kwargs)}")

        self.word_counts = collections.OrderedDict()
        self.word_docs = collections.defaultdict(int)
        self.filters = filters
        self.split = split
        self.lower = lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs = collections.defaultdict(int)
        self.word_index = {}
        self.index_word = {}
        self.analyzer = analyzer

    def _words(self, text):
        if self.char_level or isinstance(text, list):
            if self.lower:
                if isinstance(text, list):
                    return [element.lower() for element in text]
                return text.lower()
            return text
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, filters=self.filters, lower=self.lower, split=self.split)

    def fit_on_texts(self, texts):
        """Updates the vocabulary from a list of texts.

        Args:
            texts: list of strings, or of lists of tokens (taken as already split).
        """
        for text in texts:
            self.document_count += 1
            words = self._words(text)
            for word in words:
                self.word_counts[word] = self.word_counts.get(word, 0) + 1
            for word in set(words):
                self.word_docs[word] += 1

        # A stable sort keeps the first-appearance order among words of equal count.
        ranked = sorted(self.word_counts.items(), key=lambda item: item[1], reverse=True)
        vocabulary = [] if self.oov_token is None else [self.oov_token]
        vocabulary.extend(word for word, _ in ranked)
        self.word_index = dict(zip(vocabulary, range(1, len(vocabulary) + 1)))
        self.index_word = {index: word for word, index in self.word_index.items()}
        for word, count in list(self.word_docs.items()):
            self.index_docs[self.word_index[word]] = count

    def fit_on_sequences(self, sequences):
        """Updates the document counts from sequences (needed for 'tfidf' without texts).

        Args:
            sequences: list of sequences of word indices.
        """
        self.document_count += len(sequences)
        for sequence in sequences:
            for index in set(sequence):
                self.index_docs[index] += 1

    def texts_to_sequences(self, texts):
        """Transforms each text into a sequence of word indices.

        Args:
            texts: list of strings (or lists of tokens).

        Returns:
            A list of lists of integers.
        """
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        """Yields the sequence of word indices of each text.

        Args:
            texts: list of strings (or lists of tokens).
        """
        num_words = self.num_words
        oov_token_index = self.word_index.get(self.oov_token)
        for text in texts:
            vector = []
            for word in self._words(text):
                index = self.word_index.get(word)
                if index is not None:
                    if num_words and index >= num_words:
                        if oov_token_index is not None:
                            vector.append(oov_token_index)
                    else:
                        vector.append(index)
                elif self.oov_token is not None:
                    vector.append(oov_token_index)
            yield vector

    def sequences_to_texts(self, sequences):
        """Transforms sequences of word indices back into texts (words joined by spaces).

        Args:
            sequences: list of sequences of integers.

        Returns:
            A list of strings.
        """
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        """Yields the text of each sequence of word indices.

        Args:
            sequences: list of sequences of integers.
        """
        num_words = self.num_words
        oov_token_index = self.word_index.get(self.oov_token)
        for sequence in sequences:
            words = []
            for number in sequence:
                word = self.index_word.get(number)
                if word is not None:
                    if num_words and number >= num_words:
                        if oov_token_index is not None:
                            words.append(self.index_word[oov_token_index])
                    else:
                        words.append(word)
                elif self.oov_token is not None:
                    words.append(self.index_word[oov_token_index])
            yield " ".join(words)

    def texts_to_matrix(self, texts, mode="binary"):
        """Converts a list of texts to a NumPy matrix.

        Args:
            texts: list of strings.
            mode: one of 'binary', 'count', 'tfidf', 'freq'.

        Returns:
            A float64 array of shape `(len(texts), num_words)`.
        """
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """Converts a list of sequences of word indices into a matrix.

        'binary' marks present words, 'count' counts them, 'freq' divides the counts by the
        sequence length, and 'tfidf' gives `(1 + log(count)) * log(1 + docs / (1 + df))`,
        with `docs` the number of documents seen and `df` the number containing the word.

        Args:
            sequences: list of sequences of integers.
            mode: one of 'binary', 'count', 'tfidf', 'freq'.

        Returns:
            A float64 array of shape `(len(sequences), num_words)`.
        """
        if mode not in _MATRIX_MODES:
            raise ValueError(f"Unknown vectorization mode: {mode!r}. Valid modes: {', '.join(_MATRIX_MODES)}.")
        if not self.num_words:
            if self.word_index:
                num_words = len(self.word_index) + 1
            else:
                raise ValueError("Specify a dimension (`num_words` argument), or fit on some text data first.")
        else:
            num_words = self.num_words

        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")

        x = np.zeros((len(sequences), num_words))
        for row, sequence in enumerate(sequences):
            if not sequence:
                continue
            counts = collections.defaultdict(int)
            for index in sequence:
                if index >= num_words:
                    continue
                counts[index] += 1
            for index, count in list(counts.items()):
                if mode == "count":
                    x[row][index] = count
                elif mode == "freq":
                    x[row][index] = count / len(sequence)
                elif mode == "binary":
                    x[row][index] = 1
                else:
                    term_frequency = 1 + np.log(count)
                    inverse_document_frequency = np.log(1 + self.document_count / (1 + self.index_docs.get(index, 0)))
                    x[row][index] = term_frequency * inverse_document_frequency
        return x

    def get_config(self):
        """Returns the tokenizer configuration, vocabulary included, as a JSON-able dict."""
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs):
        """Returns a JSON string with the tokenizer configuration and vocabulary.

        Args:
            **kwargs: passed to `json.dumps()`.
        """
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()}, **kwargs)


def tokenizer_from_json(json_string):
    """Rebuilds a `Tokenizer` from the output of `Tokenizer.to_json()`.

    Args:
        json_string: JSON string encoding a tokenizer configuration.

    Returns:
        A `Tokenizer` instance.
    """
    tokenizer_config = json.loads(json_string)
    config = dict(tokenizer_config.get("config"))

    word_counts = json.loads(config.pop("word_counts"), object_pairs_hook=collections.OrderedDict)
    word_docs = json.loads(config.pop("word_docs"))
    # JSON turns integer keys into strings.
    index_docs = {int(key): value for key, value in json.loads(config.pop("index_docs")).items()}
    index_word = {int(key): value for key, value in json.loads(config.pop("index_word")).items()}
    word_index = json.loads(config.pop("word_index"))

    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = word_counts
    tokenizer.word_docs = collections.defaultdict(int, word_docs)
    tokenizer.index_docs = collections.defaultdict(int, index_docs)
    tokenizer.word_index = word_index
    tokenizer.index_word = index_word
    return tokenizer
