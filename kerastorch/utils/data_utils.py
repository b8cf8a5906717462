"""Data feeding: the `Sequence` base class and enqueuers that run it (or a generator) in workers.

Workers are threads (`use_multiprocessing=False`) or processes (`use_multiprocessing=True`).
Processes are started with the 'fork' start method where the platform has it (Linux, macOS),
so the sequence or generator does not need to be picklable and the workers see the module
state of the parent; elsewhere 'spawn' is used and the sequence must be picklable (a
generator cannot be sent to a spawned process). Forked workers must not use CUDA: return
NumPy arrays (or CPU tensors) from `__getitem__` and move them to the device in the loop.

Guarantees shared by both enqueuers:
- an exception raised in a worker is raised again in the consumer by `get()`, with its type
  and message when it can be rebuilt (else a `RuntimeError` naming the original type); the
  worker's formatted traceback is chained as its `__cause__`;
- the consumer never blocks forever on a dead worker: it polls with a timeout and checks
  that the workers are alive;
- `stop()` ends and joins every worker; it also runs when an exception (KeyboardInterrupt
  included) leaves `get()`, when the enqueuer is garbage collected and at interpreter exit.
"""

import queue
import random
import threading
import warnings
import weakref

import numpy as np

from kerastorch.utils._workers import _DEFAULT_STOP_SECONDS
from kerastorch.utils._workers import _DONE
from kerastorch.utils._workers import _ERROR
from kerastorch.utils._workers import _ITEM
from kerastorch.utils._workers import _POLL_SECONDS
from kerastorch.utils._workers import _generator_process_loop
from kerastorch.utils._workers import _generator_thread_loop
from kerastorch.utils._workers import _Holder
from kerastorch.utils._workers import _mp_context
from kerastorch.utils._workers import _process_task_loop
from kerastorch.utils._workers import _ProcessGroup
from kerastorch.utils._workers import _raise_dead_worker
from kerastorch.utils._workers import _thread_task_loop
from kerastorch.utils._workers import _ThreadGroup
from kerastorch.utils.file_utils import get_file  # Keras 2 path: keras.utils.data_utils.get_file
from kerastorch.utils.file_utils import validate_file

__all__ = [
    "Sequence",
    "SequenceEnqueuer",
    "OrderedEnqueuer",
    "GeneratorEnqueuer",
    "iter_sequence_infinite",
    "get_file",
    "validate_file",
]


class Sequence:
    """Base object for fitting to a sequence of data, such as a dataset.

    Every `Sequence` must implement `__getitem__(index)` (the complete batch number `index`)
    and `__len__()` (the number of batches). `on_epoch_end()` is called between epochs and
    may be overridden to shuffle or otherwise modify the data. A `Sequence` is the safe way to
    use worker processes: each batch is used exactly once per epoch.

    Example:

    ```python
    class CIFAR10Sequence(Sequence):
        def __init__(self, x_set, y_set, batch_size):
            self.x, self.y = x_set, y_set
            self.batch_size = batch_size

        def __len__(self):
            return math.ceil(len(self.x) / self.batch_size)

        def __getitem__(self, idx):
            batch = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
            return self.x[batch], self.y[batch]
    ```
    """

    def __getitem__(self, index):
        """Gets batch at position `index`.

        Args:
            index: position of the batch in the Sequence.
        """
        raise TypeError(
            f"{type(self).__name__} is a Sequence but does not implement "
            f"`__getitem__(self, index)`; define it to return the batch at position `index`."
        )

    def __len__(self):
        """Number of batches in the Sequence."""
        raise TypeError(
            f"{type(self).__name__} is a Sequence but does not implement `__len__(self)`; "
            f"define it to return the number of batches."
        )

    def on_epoch_end(self):
        """Method called at the end of every epoch."""

    def __iter__(self):
        """Yields the batches of the Sequence in order, once each."""
        for index in range(len(self)):
            yield self[index]


def iter_sequence_infinite(seq):
    """Iterates indefinitely over a Sequence.

    Args:
        seq: a `Sequence` instance.

    Yields:
        The batches of `seq`, in order, epoch after epoch.
    """
    while True:
        for item in seq:
            yield item


# ---------------------------------------------------------------------------------------------
# Enqueuers
# ---------------------------------------------------------------------------------------------
class SequenceEnqueuer:
    """Base class to enqueue inputs: runs workers that fill a bounded queue the consumer reads.

    Usage:

    ```python
    enqueuer = OrderedEnqueuer(sequence, use_multiprocessing=True)
    enqueuer.start(workers=4, max_queue_size=10)
    try:
        for batch in enqueuer.get():
            ...
    finally:
        enqueuer.stop()
    ```

    Args:
        sequence: a `Sequence` (or, for `GeneratorEnqueuer`, a generator).
        use_multiprocessing: use worker processes instead of threads.
    """

    def __init__(self, sequence, use_multiprocessing=False):
        self.sequence = sequence
        self.use_multiprocessing = bool(use_multiprocessing)
        self.workers = 0
        self.max_queue_size = 0
        self._running = False
        self._holder = _Holder()
        self._finalizer = weakref.finalize(self, self._holder.close, 0.5)

    def is_running(self):
        """Whether the enqueuer has been started and not stopped."""
        return self._running

    def start(self, workers=1, max_queue_size=10):
        """Starts the worker threads or processes.

        Args:
            workers: number of workers (a positive integer). `workers=0` means "no workers":
                the caller then iterates the data itself in the main thread.
            max_queue_size: how many items may be computed ahead of the consumer
                (0 means no limit).
        """
        if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
            raise ValueError(
                f"{type(self).__name__}.start() expects `workers` to be a positive integer. "
                f"Received: workers={workers!r}. With workers=0, iterate the data in the main "
                f"thread instead of using an enqueuer."
            )
        if isinstance(max_queue_size, bool) or not isinstance(max_queue_size, (int, np.integer)) or max_queue_size < 0:
            raise ValueError(
                f"{type(self).__name__}.start() expects `max_queue_size` to be a non-negative "
                f"integer. Received: max_queue_size={max_queue_size!r}"
            )
        if self._running:
            raise RuntimeError(f"{type(self).__name__} is already running; call stop() first.")
        self.workers = int(workers)
        self.max_queue_size = int(max_queue_size)
        self._running = True
        try:
            self._start()
        except BaseException:
            self.stop(0.0)
            raise

    def stop(self, timeout=None):
        """Stops the workers and waits for them to end.

        Workers still busy after `timeout` seconds (default 5) are terminated (processes) or
        left to end after their current item, whose result is dropped (threads).

        Args:
            timeout: seconds to wait for the workers to finish their current item.
        """
        self._running = False
        self._holder.close(_DEFAULT_STOP_SECONDS if timeout is None else max(0.0, timeout))

    def get(self):
        """Creates a generator that yields the items the workers produce.

        Returns:
            A generator. An exception raised in a worker is raised from it; any exception
            leaving it stops the enqueuer.
        """
        if not self._running:
            raise RuntimeError(f"{type(self).__name__}.get() needs a running enqueuer: call start() first.")
        return self._consume()

    def _consume(self):
        try:
            while True:
                item = self._next_item()
                if item is _FINISHED:
                    return
                yield item
        except GeneratorExit:
            # The consumer dropped this generator; the enqueuer keeps running and a new
            # `get()` continues where this one stopped. `stop()` (or garbage collection of
            # the enqueuer) ends the workers.
            raise
        except BaseException:
            self.stop(0.0)
            raise

    def _start(self):
        raise TypeError(f"{type(self).__name__} must implement `_start()`.")

    def _next_item(self):
        raise TypeError(f"{type(self).__name__} must implement `_next_item()`.")


_FINISHED = object()


class OrderedEnqueuer(SequenceEnqueuer):
    """Runs a `Sequence` in worker threads or processes and yields its batches in order.

    Each epoch, the batch indices (optionally shuffled, then optionally reduced by
    `index_filter`) are computed by the workers and yielded in that order, each exactly once.
    When the last batch of an epoch has been computed, `sequence.on_epoch_end()` is called
    (in the consumer's thread, with no batch in flight, before that last batch is returned)
    and the next epoch's batches start being computed. With processes, the workers are
    started again each epoch so that they see what `on_epoch_end()` changed. With threads,
    an `on_epoch_end()` that modifies arrays in place also changes a last batch that is a
    view of them, as in Keras: prefer shuffling an index array. Forked worker processes start
    with a copy of the parent's NumPy random state (as in Keras), so unseeded random
    augmentations repeat across workers: seed inside `__getitem__` (from the index, say) to
    vary them.

    Args:
        sequence: a `Sequence` instance.
        use_multiprocessing: use worker processes instead of threads.
        shuffle: shuffle the batch order at the start of each epoch (Python `random`).
        index_filter: optional callable taking the epoch's list of batch indices and returning
            the sub-list this consumer handles (for example `lambda idx: idx[rank::world]` to
            give each distributed rank a disjoint set of batches).
    """

    def __init__(self, sequence, use_multiprocessing=False, shuffle=False, index_filter=None):
        if not hasattr(sequence, "__getitem__") or not hasattr(sequence, "__len__"):
            raise TypeError(
                f"OrderedEnqueuer expects a Sequence (with __getitem__ and __len__). "
                f"Received: {type(sequence).__name__}"
            )
        if index_filter is not None and not callable(index_filter):
            raise TypeError(
                f"OrderedEnqueuer expects `index_filter` to be a callable or None. "
                f"Received: index_filter={index_filter!r}"
            )
        super().__init__(sequence, use_multiprocessing)
        self.shuffle = bool(shuffle)
        self.index_filter = index_filter
        self._epoch = 0
        self._indices = []
        self._next_position = 0
        self._submitted = 0
        self._results = {}

    def _start(self):
        self._epoch = 0
        self._begin_epoch()

    def _epoch_indices(self):
        num_batches = len(self.sequence)
        indices = list(range(num_batches))
        if self.shuffle:
            random.shuffle(indices)
        if self.index_filter is not None:
            indices = [int(index) for index in self.index_filter(indices)]
            for index in indices:
                if not 0 <= index < num_batches:
                    raise ValueError(
                        f"OrderedEnqueuer `index_filter` returned batch index {index}, outside "
                        f"[0, {num_batches}) for a sequence of {num_batches} batches."
                    )
        if not indices:
            raise ValueError(
                f"OrderedEnqueuer has no batch to produce in epoch {self._epoch}: "
                f"len(sequence)={num_batches}"
                + (" and `index_filter` kept none." if self.index_filter is not None else ".")
            )
        return indices

    def _begin_epoch(self):
        self._indices = self._epoch_indices()
        self._next_position = 0
        self._submitted = 0
        self._results = {}
        group = self._holder.group
        if group is None:
            if self.use_multiprocessing:
                group = _ProcessGroup(_process_task_loop, self._process_args, self.workers)
            else:
                group = _ThreadGroup(_thread_task_loop, self._thread_args, self.workers)
            self._holder.group = group
        self._fill_window()

    def _process_args(self, worker_index, group):
        return (self.sequence, group.task_queue, group.result_queue, group.stop_event, group.parent_pid)

    def _thread_args(self, worker_index, group):
        return (self.sequence, group.task_queue, group.result_queue, group.stop_event)

    def _fill_window(self):
        limit = len(self._indices)
        if self.max_queue_size:
            limit = min(limit, self._next_position + self.max_queue_size)
        group = self._holder.group
        while self._submitted < limit:
            position = self._submitted
            group.task_queue.put(((self._epoch, position), self._indices[position]))
            self._submitted += 1

    def _end_epoch(self):
        """All batches of the epoch are computed: update the sequence, prepare the next epoch."""
        if self.use_multiprocessing:
            group = self._holder.group
            group.send_sentinels()
            self._holder.close(_DEFAULT_STOP_SECONDS)
        self.sequence.on_epoch_end()
        self._epoch += 1
        self._begin_epoch()

    def _next_item(self):
        group = self._holder.group
        if group is None:  # stopped while this generator was suspended
            return _FINISHED
        key = (self._epoch, self._next_position)
        while key not in self._results:
            try:
                task_id, kind, payload = group.result_queue.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                if self._holder.group is not group:  # stopped from another thread
                    return _FINISHED
                dead = group.dead_worker()
                if dead is not None:
                    _raise_dead_worker(dead, "OrderedEnqueuer")
                continue
            self._results[task_id] = (kind, payload)
        kind, payload = self._results.pop(key)
        index = self._indices[self._next_position]
        self._next_position += 1
        if kind == _ERROR:
            error = group.decode(payload)
            error.raise_in_consumer(
                f"while computing batch {index} of {type(self.sequence).__name__} "
                f"in an OrderedEnqueuer {group.kind} worker"
            )
        item = group.decode(payload)
        if self._next_position == len(self._indices):
            self._end_epoch()
        else:
            self._fill_window()
        return item


class GeneratorEnqueuer(SequenceEnqueuer):
    """Runs a generator in worker threads or processes and yields what it produces.

    With threads, the workers share the generator and call `next()` on it under a lock.
    With processes (Keras 2 semantics), each worker process runs its own copy of the
    generator, so with several workers each item is produced once per worker: prefer a
    `Sequence` with `OrderedEnqueuer` there. Each process seeds NumPy's and Python's global
    random generators with `seed + worker_index` (fresh entropy when `seed` is None).
    A finite generator ends `get()` once every worker has exhausted it.

    Args:
        generator: a generator (or any iterator) yielding the items.
        use_multiprocessing: use worker processes instead of threads.
        wait_time: seconds the consumer waits between liveness checks (default 0.1).
        seed: base random seed of the worker processes.
        random_seed: tf.keras 2 spelling of `seed`.
    """

    def __init__(self, generator, use_multiprocessing=False, wait_time=None, seed=None, random_seed=None):
        if not hasattr(generator, "__next__"):
            raise TypeError(
                f"GeneratorEnqueuer expects a generator or iterator (with __next__). "
                f"Received: {type(generator).__name__}; wrap it with iter(...)."
            )
        if wait_time is not None and not (isinstance(wait_time, (int, float)) and wait_time > 0):
            raise ValueError(
                f"GeneratorEnqueuer expects `wait_time` to be a positive number or None. "
                f"Received: wait_time={wait_time!r}"
            )
        if seed is None:
            seed = random_seed
        super().__init__(generator, use_multiprocessing)
        self.wait_time = _POLL_SECONDS if wait_time is None else float(wait_time)
        self.seed = seed
        self._lock = threading.Lock()
        self._finished = set()

    def _start(self):
        self._finished = set()
        if self.use_multiprocessing:
            if _mp_context().get_start_method() != "fork":
                raise ValueError(
                    "GeneratorEnqueuer with use_multiprocessing=True needs the 'fork' start "
                    "method, which this platform lacks (generators cannot be sent to spawned "
                    "processes). Use a Sequence, or use_multiprocessing=False."
                )
            if self.workers > 1:
                warnings.warn(
                    "Using a generator with `use_multiprocessing=True` and multiple workers "
                    "may duplicate your data, since each worker process runs its own copy of "
                    "the generator. Consider using a `Sequence`.",
                    UserWarning,
                    stacklevel=3,
                )
            self._holder.group = _ProcessGroup(
                _generator_process_loop, self._process_args, self.workers, self.max_queue_size
            )
        else:
            self._holder.group = _ThreadGroup(
                _generator_thread_loop, self._thread_args, self.workers, self.max_queue_size
            )

    def _process_args(self, worker_index, group):
        seed = None if self.seed is None else int(self.seed) + worker_index
        return (worker_index, self.sequence, group.result_queue, group.stop_event, group.parent_pid, seed)

    def _thread_args(self, worker_index, group):
        return (worker_index, self.sequence, self._lock, group.result_queue, group.stop_event)

    def _next_item(self):
        group = self._holder.group
        if group is None:  # stopped while this generator was suspended
            return _FINISHED
        while True:
            any_alive = group.any_alive()
            try:
                worker_index, kind, payload = group.result_queue.get(timeout=self.wait_time)
            except queue.Empty:
                if self._holder.group is not group:  # stopped from another thread
                    return _FINISHED
                dead = group.dead_worker(self._finished)
                if dead is not None:
                    _raise_dead_worker(dead, "GeneratorEnqueuer")
                if not any_alive:  # every worker reported, and nothing is left in the queue
                    self.stop(0.0)
                    return _FINISHED
                continue
            if kind == _ITEM:
                return group.decode(payload)
            if kind == _DONE:
                self._finished.add(worker_index)
                if len(self._finished) == len(group.workers):
                    self.stop(0.0)
                    return _FINISHED
                continue
            error = group.decode(payload)
            worker = group.workers[worker_index]
            error.raise_in_consumer(f"by the generator {group.describe(worker)}")
