"""Tests for kerastorch.preprocessing.text against hand-computed values."""

import hashlib
import math

import numpy as np
import pytest

from kerastorch.preprocessing import text

TEXTS = ["The cat sat on the mat.", "The dog ate my homework.", "the cat"]
# Counts: the 4, cat 2, then the words seen once in order of first appearance.
WORD_INDEX = {"the": 1, "cat": 2, "sat": 3, "on": 4, "mat": 5, "dog": 6, "ate": 7, "my": 8, "homework": 9}


def test_text_to_word_sequence_filters_lowers_and_splits():
    assert text.text_to_word_sequence("Hello, World!  hello\tagain") == ["hello", "world", "hello", "again"]
    assert text.text_to_word_sequence("A-B c", filters="", lower=False, split="-") == ["A", "B c"]


def test_hashing_trick_md5_is_stable_and_in_range():
    result = text.hashing_trick("a b A c", 10, hash_function="md5")
    expected = [int(hashlib.md5(word.encode()).hexdigest(), 16) % 9 + 1 for word in "abac"]
    assert result == expected
    assert result[0] == result[2]


def test_hashing_trick_custom_function_and_one_hot_range():
    assert text.hashing_trick("x yy zzz", 5, hash_function=len) == [2, 3, 4]
    indices = text.one_hot("some words to hash here", 7)
    assert len(indices) == 5 and all(1 <= index < 7 for index in indices)
    with pytest.raises(ValueError, match="hash_function=3"):
        text.hashing_trick("a", 5, hash_function=3)


def test_tokenizer_word_index_orders_by_count_then_first_appearance():
    tokenizer = text.Tokenizer()
    tokenizer.fit_on_texts(TEXTS)
    assert tokenizer.word_index == WORD_INDEX
    assert tokenizer.index_word == {index: word for word, index in WORD_INDEX.items()}
    assert tokenizer.word_counts["the"] == 4 and tokenizer.word_counts["cat"] == 2
    assert tokenizer.word_docs["the"] == 3 and tokenizer.word_docs["cat"] == 2
    assert tokenizer.document_count == 3
    assert tokenizer.texts_to_sequences(["The dog sat, the unknown."]) == [[1, 6, 3, 1]]


def test_tokenizer_texts_to_matrix_modes():
    tokenizer = text.Tokenizer()
    tokenizer.fit_on_texts(TEXTS)
    documents = ["the cat the", ""]

    def row(values):
        expected = np.zeros((2, 10))
        for index, value in values.items():
            expected[0, index] = value
        return expected

    np.testing.assert_array_equal(tokenizer.texts_to_matrix(documents, mode="binary"), row({1: 1, 2: 1}))
    np.testing.assert_array_equal(tokenizer.texts_to_matrix(documents, mode="count"), row({1: 2, 2: 1}))
    np.testing.assert_allclose(tokenizer.texts_to_matrix(documents, mode="freq"), row({1: 2 / 3, 2: 1 / 3}))
    # tf = 1 + log(count); idf = log(1 + documents / (1 + documents containing the word)).
    the_tfidf = (1 + math.log(2)) * math.log(1 + 3 / (1 + 3))
    cat_tfidf = 1.0 * math.log(1 + 3 / (1 + 2))
    np.testing.assert_allclose(tokenizer.texts_to_matrix(documents, mode="tfidf"), row({1: the_tfidf, 2: cat_tfidf}))


def test_tokenizer_num_words_and_oov_token():
    tokenizer = text.Tokenizer(num_words=3)
    tokenizer.fit_on_texts(TEXTS)
    assert tokenizer.texts_to_sequences(["the cat sat"]) == [[1, 2]]
    assert tokenizer.texts_to_matrix(["the cat sat"], mode="count").tolist() == [[0, 1, 1]]

    tokenizer = text.Tokenizer(num_words=3, oov_token="<unk>")
    tokenizer.fit_on_texts(TEXTS)
    assert tokenizer.word_index["<unk>"] == 1 and tokenizer.word_index["the"] == 2
    assert tokenizer.texts_to_sequences(["the cat sat"]) == [[2, 1, 1]]
    assert tokenizer.sequences_to_texts([[2, 1, 3, 99]]) == ["the <unk> <unk> <unk>"]


def test_tokenizer_sequences_to_texts_without_oov_drops_unknown():
    tokenizer = text.Tokenizer()
    tokenizer.fit_on_texts(TEXTS)
    assert tokenizer.sequences_to_texts([[1, 2, 42, 5]]) == ["the cat mat"]


def test_tokenizer_char_level_and_pre_split_lists():
    tokenizer = text.Tokenizer(char_level=True)
    tokenizer.fit_on_texts(["abca", "Bd"])
    assert tokenizer.word_index == {"a": 1, "b": 2, "c": 3, "d": 4}
    tokenizer = text.Tokenizer()
    tokenizer.fit_on_texts([["New York", "is"], ["new york"]])
    assert tokenizer.word_index == {"new york": 1, "is": 2}


def test_tokenizer_fit_on_sequences_for_tfidf():
    tokenizer = text.Tokenizer(num_words=4)
    tokenizer.fit_on_sequences([[1, 2], [1, 3, 3]])
    matrix = tokenizer.sequences_to_matrix([[3, 3, 1]], mode="tfidf")
    expected = [0, math.log(1 + 2 / 3), 0, (1 + math.log(2)) * math.log(1 + 2 / 2)]
    np.testing.assert_allclose(matrix[0], expected)


def test_tokenizer_json_round_trip():
    tokenizer = text.Tokenizer(num_words=6, oov_token="<unk>")
    tokenizer.fit_on_texts(TEXTS)
    restored = text.tokenizer_from_json(tokenizer.to_json())
    assert restored.word_index == tokenizer.word_index
    assert restored.index_word == tokenizer.index_word
    assert restored.document_count == 3 and restored.num_words == 6
    documents = ["the dog ate the cat", "homework"]
    assert restored.texts_to_sequences(documents) == tokenizer.texts_to_sequences(documents)
    np.testing.assert_array_equal(
        restored.texts_to_matrix(documents, mode="tfidf"), tokenizer.texts_to_matrix(documents, mode="tfidf")
    )


def test_tokenizer_errors():
    with pytest.raises(ValueError, match="num_words"):
        text.Tokenizer().sequences_to_matrix([[1]])
    with pytest.raises(ValueError, match="tfidf"):
        text.Tokenizer(num_words=3).sequences_to_matrix([[1]], mode="tfidf")
    tokenizer = text.Tokenizer()
    tokenizer.fit_on_texts(TEXTS)
    with pytest.raises(ValueError, match="'bogus'"):
        tokenizer.texts_to_matrix(TEXTS, mode="bogus")
    with pytest.raises(TypeError, match="spam"):
        text.Tokenizer(spam=1)
    with pytest.warns(UserWarning, match="num_words"):
        assert text.Tokenizer(nb_words=5).num_words == 5
