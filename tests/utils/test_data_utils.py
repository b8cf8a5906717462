"""Tests for kerastorch.utils.data_utils: Sequence, OrderedEnqueuer, GeneratorEnqueuer."""

import _thread
import gc
import multiprocessing
import os
import random
import threading
import time

import numpy as np
import pytest

from kerastorch.utils import data_utils

MODES = [pytest.param(False, id="threads"), pytest.param(True, id="processes")]


class CountingSequence(data_utils.Sequence):
    """Batch i is [i, epoch]; on_epoch_end bumps the epoch, so workers must see the update."""

    def __init__(self, num_batches, fail_at=None, sleep=0.0):
        self.num_batches = num_batches
        self.fail_at = fail_at
        self.sleep = sleep
        self.epoch = 0
        self.epoch_ends = 0

    def __len__(self):
        return self.num_batches

    def __getitem__(self, index):
        if self.sleep:
            time.sleep(self.sleep)
        if index == self.fail_at:
            _explode(index)
        return np.array([index, self.epoch])

    def on_epoch_end(self):
        self.epoch += 1
        self.epoch_ends += 1


def _explode(index):
    raise ValueError(f"boom {index}")


class NeedsArgsError(Exception):
    """An exception that cannot be rebuilt by unpickling (its __init__ needs two arguments)."""

    def __init__(self, code, detail):
        super().__init__(f"code {code}: {detail}")


class UnpicklableErrorSequence(CountingSequence):
    def __getitem__(self, index):
        raise NeedsArgsError(7, "custom failure")


class SuicidalSequence(CountingSequence):
    def __getitem__(self, index):
        if index == 2:
            os._exit(3)
        return np.array([index])


def _take(enqueuer, count):
    output = enqueuer.get()
    return [next(output) for _ in range(count)]


_CHILDREN_BEFORE = set()


@pytest.fixture(autouse=True)
def _children_before():
    """Remembers the child processes alive before the test (other tests may own some)."""
    _CHILDREN_BEFORE.clear()
    _CHILDREN_BEFORE.update(multiprocessing.active_children())
    yield


def _new_children():
    return set(multiprocessing.active_children()) - _CHILDREN_BEFORE


def _assert_no_children():
    deadline = time.monotonic() + 2.0
    while _new_children() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _new_children() == set()


# ------------------------------------------------------------------------------------------
# Sequence
# ------------------------------------------------------------------------------------------
def test_sequence_iterates_in_order():
    seq = CountingSequence(4)
    assert [batch[0] for batch in seq] == [0, 1, 2, 3]


def test_sequence_without_methods_raises_type_error():
    class Incomplete(data_utils.Sequence):
        pass

    with pytest.raises(TypeError, match="Incomplete.*__len__"):
        len(Incomplete())
    with pytest.raises(TypeError, match="Incomplete.*__getitem__"):
        Incomplete()[0]


def test_iter_sequence_infinite_wraps_around():
    seq = CountingSequence(3)
    iterator = data_utils.iter_sequence_infinite(seq)
    assert [next(iterator)[0] for _ in range(7)] == [0, 1, 2, 0, 1, 2, 0]


# ------------------------------------------------------------------------------------------
# OrderedEnqueuer
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("use_multiprocessing", MODES)
def test_ordered_enqueuer_yields_each_batch_once_per_epoch_in_order(use_multiprocessing):
    seq = CountingSequence(7)
    enqueuer = data_utils.OrderedEnqueuer(seq, use_multiprocessing=use_multiprocessing)
    enqueuer.start(workers=3, max_queue_size=2)
    try:
        batches = _take(enqueuer, 21)
    finally:
        enqueuer.stop()
    expected = [[index, epoch] for epoch in range(3) for index in range(7)]
    # The epoch column shows workers see the state left by on_epoch_end (processes included).
    assert [batch.tolist() for batch in batches] == expected
    assert seq.epoch_ends == 3  # called after each epoch's last batch was computed
    assert not enqueuer.is_running()
    _assert_no_children()


@pytest.mark.parametrize("use_multiprocessing", MODES)
def test_ordered_enqueuer_shuffle_permutes_and_covers(use_multiprocessing):
    random.seed(3)
    seq = CountingSequence(12)
    enqueuer = data_utils.OrderedEnqueuer(seq, use_multiprocessing=use_multiprocessing, shuffle=True)
    enqueuer.start(workers=2, max_queue_size=4)
    try:
        batches = _take(enqueuer, 24)
    finally:
        enqueuer.stop()
    first = [int(batch[0]) for batch in batches[:12]]
    second = [int(batch[0]) for batch in batches[12:]]
    assert sorted(first) == list(range(12)) and sorted(second) == list(range(12))
    assert first != list(range(12)) and first != second
    # The order is the one random.shuffle gives with the same seed.
    random.seed(3)
    expected_first = list(range(12))
    random.shuffle(expected_first)
    assert first == expected_first


def test_ordered_enqueuer_index_filter_gives_disjoint_shards():
    seen = []
    for rank in range(3):
        seq = CountingSequence(8)
        enqueuer = data_utils.OrderedEnqueuer(seq, index_filter=lambda idx, r=rank: idx[r::3])
        enqueuer.start(workers=2)
        try:
            seen.append([int(batch[0]) for batch in _take(enqueuer, len(range(rank, 8, 3)))])
        finally:
            enqueuer.stop()
    assert seen == [[0, 3, 6], [1, 4, 7], [2, 5]]


def test_ordered_enqueuer_rejects_bad_index_filter_output():
    enqueuer = data_utils.OrderedEnqueuer(CountingSequence(4), index_filter=lambda idx: [0, 9])
    with pytest.raises(ValueError, match="index 9"):
        enqueuer.start(workers=1)
    assert not enqueuer.is_running()


def test_ordered_enqueuer_empty_sequence_raises():
    enqueuer = data_utils.OrderedEnqueuer(CountingSequence(0))
    with pytest.raises(ValueError, match="no batch"):
        enqueuer.start(workers=1)


@pytest.mark.parametrize("use_multiprocessing", MODES)
def test_ordered_enqueuer_worker_error_surfaces_with_traceback(use_multiprocessing):
    seq = CountingSequence(6, fail_at=3)
    enqueuer = data_utils.OrderedEnqueuer(seq, use_multiprocessing=use_multiprocessing)
    enqueuer.start(workers=2, max_queue_size=3)
    output = enqueuer.get()
    got = []
    with pytest.raises(ValueError, match="boom 3") as excinfo:
        for batch in output:
            got.append(int(batch[0]))
    assert got == [0, 1, 2]
    worker_traceback = str(excinfo.value.__cause__)
    assert "Traceback" in worker_traceback and "_explode" in worker_traceback
    assert "batch 3" in worker_traceback
    assert not enqueuer.is_running()
    _assert_no_children()


def test_ordered_enqueuer_unpicklable_error_becomes_runtime_error():
    enqueuer = data_utils.OrderedEnqueuer(UnpicklableErrorSequence(3), use_multiprocessing=True)
    enqueuer.start(workers=1)
    with pytest.raises(RuntimeError, match="NeedsArgsError: code 7: custom failure") as excinfo:
        next(enqueuer.get())
    assert "NeedsArgsError" in str(excinfo.value.__cause__)
    _assert_no_children()


def test_ordered_enqueuer_dead_worker_raises_instead_of_hanging():
    enqueuer = data_utils.OrderedEnqueuer(SuicidalSequence(5), use_multiprocessing=True)
    enqueuer.start(workers=1)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="exited with code 3"):
        _take(enqueuer, 5)
    assert time.monotonic() - start < 3.0
    _assert_no_children()


@pytest.mark.parametrize("use_multiprocessing", MODES)
def test_ordered_enqueuer_keyboard_interrupt_in_consumer_stops_workers(use_multiprocessing):
    enqueuer = data_utils.OrderedEnqueuer(CountingSequence(4, sleep=5.0), use_multiprocessing=use_multiprocessing)
    enqueuer.start(workers=2)
    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    start = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            next(enqueuer.get())
    finally:
        timer.cancel()
    assert time.monotonic() - start < 2.0
    assert not enqueuer.is_running()
    _assert_no_children()


@pytest.mark.parametrize("use_multiprocessing", MODES)
def test_ordered_enqueuer_stop_from_another_thread_ends_get(use_multiprocessing):
    enqueuer = data_utils.OrderedEnqueuer(CountingSequence(4, sleep=5.0), use_multiprocessing=use_multiprocessing)
    enqueuer.start(workers=1)
    timer = threading.Timer(0.2, enqueuer.stop, kwargs={"timeout": 0.0})
    timer.start()
    start = time.monotonic()
    assert list(enqueuer.get()) == []
    assert time.monotonic() - start < 2.0
    timer.join()
    _assert_no_children()


def test_ordered_enqueuer_garbage_collection_ends_worker_processes():
    enqueuer = data_utils.OrderedEnqueuer(CountingSequence(4), use_multiprocessing=True)
    enqueuer.start(workers=2)
    assert len(_new_children()) == 2
    del enqueuer
    gc.collect()
    _assert_no_children()


def test_ordered_enqueuer_new_get_continues_where_previous_stopped():
    enqueuer = data_utils.OrderedEnqueuer(CountingSequence(5))
    enqueuer.start(workers=2)
    try:
        first = _take(enqueuer, 2)
        second = _take(enqueuer, 3)
    finally:
        enqueuer.stop()
    assert [int(batch[0]) for batch in first + second] == [0, 1, 2, 3, 4]


def test_ordered_enqueuer_start_validates_arguments():
    enqueuer = data_utils.OrderedEnqueuer(CountingSequence(3))
    with pytest.raises(ValueError, match="workers=0"):
        enqueuer.start(workers=0)
    with pytest.raises(ValueError, match="max_queue_size=-1"):
        enqueuer.start(workers=1, max_queue_size=-1)
    with pytest.raises(RuntimeError, match="start"):
        enqueuer.get()
    with pytest.raises(TypeError, match="Sequence"):
        data_utils.OrderedEnqueuer(object())


# ------------------------------------------------------------------------------------------
# GeneratorEnqueuer
# ------------------------------------------------------------------------------------------
def _finite(count):
    for value in range(count):
        yield value


def _random_values():
    while True:
        yield int(np.random.randint(0, 1_000_000))


def _failing_generator():
    yield 1
    _explode(42)


def test_generator_enqueuer_threads_share_the_generator():
    enqueuer = data_utils.GeneratorEnqueuer(_finite(20))
    enqueuer.start(workers=3, max_queue_size=2)
    values = list(enqueuer.get())
    assert sorted(values) == list(range(20))  # each value once, across all threads
    assert not enqueuer.is_running()


def test_generator_enqueuer_single_thread_keeps_order():
    enqueuer = data_utils.GeneratorEnqueuer(_finite(6))
    enqueuer.start(workers=1, max_queue_size=1)
    assert list(enqueuer.get()) == [0, 1, 2, 3, 4, 5]


def test_generator_enqueuer_processes_each_run_a_copy():
    enqueuer = data_utils.GeneratorEnqueuer(_finite(4), use_multiprocessing=True)
    with pytest.warns(UserWarning, match="duplicate"):
        enqueuer.start(workers=2)
    assert sorted(enqueuer.get()) == [0, 0, 1, 1, 2, 2, 3, 3]
    _assert_no_children()


def test_generator_enqueuer_process_seed():
    enqueuer = data_utils.GeneratorEnqueuer(_random_values(), use_multiprocessing=True, seed=5)
    enqueuer.start(workers=1)
    try:
        values = _take(enqueuer, 3)
    finally:
        enqueuer.stop()
    expected = np.random.RandomState(5).randint(0, 1_000_000, size=3).tolist()
    assert values == expected
    _assert_no_children()


@pytest.mark.parametrize("use_multiprocessing", MODES)
def test_generator_enqueuer_error_surfaces_with_traceback(use_multiprocessing):
    enqueuer = data_utils.GeneratorEnqueuer(_failing_generator(), use_multiprocessing=use_multiprocessing)
    enqueuer.start(workers=1)
    output = enqueuer.get()
    assert next(output) == 1
    with pytest.raises(ValueError, match="boom 42") as excinfo:
        next(output)
    assert "_failing_generator" in str(excinfo.value.__cause__)
    assert not enqueuer.is_running()
    _assert_no_children()


def test_generator_enqueuer_stop_ends_infinite_generator_processes():
    enqueuer = data_utils.GeneratorEnqueuer(_random_values(), use_multiprocessing=True)
    enqueuer.start(workers=1, max_queue_size=2)
    _take(enqueuer, 2)
    enqueuer.stop()
    _assert_no_children()


def test_generator_enqueuer_rejects_non_iterators():
    with pytest.raises(TypeError, match="iter"):
        data_utils.GeneratorEnqueuer([1, 2, 3])
    with pytest.raises(ValueError, match="wait_time=-1"):
        data_utils.GeneratorEnqueuer(_finite(2), wait_time=-1)


def test_get_file_is_importable_from_the_keras_2_data_utils_path(tmp_path):
    from kerastorch.utils.data_utils import get_file

    source = tmp_path / "weights.bin"
    source.write_bytes(b"\x00\x01")
    path = get_file("weights.bin", source.as_uri(), cache_dir=str(tmp_path / "cache"))
    assert open(path, "rb").read() == b"\x00\x01"
