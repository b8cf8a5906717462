"""Enqueuer workers: worker loops, thread and process groups, and errors sent back from workers.

The loops are at module level so that the 'spawn' start method can find them. A worker reports
each result as a `(key, kind, payload)` message on the group's result queue, `kind` being
`_ITEM`, `_DONE` or `_ERROR`; process workers send the payload pickled and the group's
`decode` unpickles it.
"""

import multiprocessing
import os
import pickle
import queue
import random
import signal
import threading
import time
import traceback

import numpy as np

# How long a blocked consumer or worker waits before checking liveness and stop requests.
_POLL_SECONDS = 0.1
# Grace period `stop()` gives workers to finish their current item when no timeout is given.
_DEFAULT_STOP_SECONDS = 5.0

_ITEM = "item"
_DONE = "done"
_ERROR = "error"


# ---------------------------------------------------------------------------------------------
# Errors raised in workers
# ---------------------------------------------------------------------------------------------
class _WorkerTraceback(Exception):
    """Carries the formatted traceback of an exception raised in a worker."""

    def __str__(self):
        return self.args[0]


class _WorkerError:
    """What the consumer needs to raise again an exception that a worker raised."""

    def __init__(self, exception, type_name, message, traceback_text):
        self.exception = exception  # None when it could not be sent or rebuilt
        self.type_name = type_name
        self.message = message
        self.traceback_text = traceback_text

    @classmethod
    def capture(cls, exc, picklable):
        """Describes `exc`; with `picklable`, its exception is sent only if it round-trips."""
        exc_type = type(exc)
        type_name = f"{exc_type.__module__}.{exc_type.__qualname__}"
        traceback_text = "".join(traceback.format_exception(exc_type, exc, exc.__traceback__))
        exception = exc
        if picklable:
            try:
                exception = pickle.dumps(exc)
                pickle.loads(exception)
            except Exception:  # exceptions whose __init__ needs other arguments than .args
                exception = None
        return cls(exception, type_name, str(exc), traceback_text)

    def raise_in_consumer(self, where):
        exception = self.exception
        if isinstance(exception, bytes):
            try:
                exception = pickle.loads(exception)
            except Exception:
                exception = None
        if exception is None:
            exception = RuntimeError(f"{self.type_name}: {self.message}")
        exception.__cause__ = _WorkerTraceback(
            f'\n"""\nTraceback of the error raised {where}:\n{self.traceback_text}"""'
        )
        raise exception


def _dumps(obj):
    return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


def _mp_context():
    """The multiprocessing context for worker processes: 'fork' where available."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _describe_exit(process):
    code = process.exitcode
    if code is not None and code < 0:
        try:
            return f"was killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def _put_until_stopped(target_queue, message, stop_event, parent_pid=None):
    """Puts `message`, waiting for room; returns False if asked to stop (or orphaned) first."""
    while True:
        try:
            target_queue.put(message, timeout=_POLL_SECONDS)
            return True
        except queue.Full:
            if stop_event.is_set():
                return False
            if parent_pid is not None and os.getppid() != parent_pid:
                return False


def _prepare_child():
    # Ctrl-C reaches the whole process group: the parent handles it and ends the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _seed_child(seed):
    np.random.seed(seed)
    random.seed(seed)


# ---------------------------------------------------------------------------------------------
# Worker loops (module level so that 'spawn' can find them)
# ---------------------------------------------------------------------------------------------
def _tasks(task_queue, should_stop, on_stop=None):
    """Yields the `(task_id, index)` tasks of `task_queue` until its None or `should_stop()` (then calls `on_stop`)."""
    while True:
        if should_stop():
            if on_stop is not None:
                on_stop()
            return
        try:
            task = task_queue.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            continue
        if task is None:
            return
        yield task


def _thread_task_loop(sequence, task_queue, result_queue, stop_event):
    """Thread worker: computes `sequence[index]` for each `(task_id, index)` task."""
    for task_id, index in _tasks(task_queue, stop_event.is_set):
        try:
            message = (task_id, _ITEM, sequence[index])
        except BaseException as exc:  # reported to the consumer, which raises it again
            message = (task_id, _ERROR, _WorkerError.capture(exc, picklable=False))
        result_queue.put(message)


def _process_task_loop(sequence, task_queue, result_queue, stop_event, parent_pid):
    """Process worker: computes `sequence[index]` for each task; results are sent pickled."""
    _prepare_child()

    def stopped():
        return stop_event.is_set() or os.getppid() != parent_pid

    # When stopped, unsent results are discarded: do not wait for the pipe to drain at exit.
    for task_id, index in _tasks(task_queue, stopped, on_stop=result_queue.cancel_join_thread):
        try:
            item = sequence[index]
            try:
                message = (task_id, _ITEM, _dumps(item))
            except Exception as exc:
                raise TypeError(
                    f"Batch {index} returned by {type(sequence).__name__}.__getitem__ cannot be "
                    f"pickled to send it from the worker process: {exc}. Return NumPy arrays, "
                    f"or use use_multiprocessing=False."
                ) from exc
        except BaseException as exc:  # reported to the consumer, which raises it again
            message = (task_id, _ERROR, _dumps(_WorkerError.capture(exc, picklable=True)))
        result_queue.put(message)


def _generator_thread_loop(worker_index, generator, lock, result_queue, stop_event):
    """Thread worker: takes items from the shared generator (under `lock`) into the queue."""
    while not stop_event.is_set():
        try:
            with lock:
                item = next(generator)
            message = (worker_index, _ITEM, item)
        except StopIteration:
            message = (worker_index, _DONE, None)
        except BaseException as exc:  # reported to the consumer, which raises it again
            message = (worker_index, _ERROR, _WorkerError.capture(exc, picklable=False))
        if not _put_until_stopped(result_queue, message, stop_event) or message[1] != _ITEM:
            return


def _generator_process_loop(worker_index, generator, result_queue, stop_event, parent_pid, seed):
    """Process worker: runs its own copy of the generator and sends its items pickled."""
    _prepare_child()
    _seed_child(seed)
    while True:
        if stop_event.is_set() or os.getppid() != parent_pid:
            result_queue.cancel_join_thread()
            return
        try:
            item = next(generator)
            try:
                message = (worker_index, _ITEM, _dumps(item))
            except Exception as exc:
                raise TypeError(
                    f"An item yielded by the generator cannot be pickled to send it from the "
                    f"worker process: {exc}. Yield NumPy arrays, or use use_multiprocessing=False."
                ) from exc
        except StopIteration:
            message = (worker_index, _DONE, None)
        except BaseException as exc:  # reported to the consumer, which raises it again
            message = (worker_index, _ERROR, _dumps(_WorkerError.capture(exc, picklable=True)))
        if not _put_until_stopped(result_queue, message, stop_event, parent_pid):
            result_queue.cancel_join_thread()
            return
        if message[1] != _ITEM:
            return


# ---------------------------------------------------------------------------------------------
# Groups of workers
# ---------------------------------------------------------------------------------------------
class _ThreadGroup:
    """Daemon worker threads with their queues and stop flag."""

    kind = "thread"

    def __init__(self, target, args_for_worker, num_workers, maxsize=0):
        self.task_queue = queue.Queue()
        self.result_queue = queue.Queue(maxsize)
        self.stop_event = threading.Event()
        self.workers = []
        for worker_index in range(num_workers):
            args = args_for_worker(worker_index, self)
            worker = threading.Thread(target=target, args=args, daemon=True)
            worker.start()
            self.workers.append(worker)

    def decode(self, payload):
        return payload

    def any_alive(self):
        return any(worker.is_alive() for worker in self.workers)

    def dead_worker(self, finished=()):
        """A worker that ended without reporting (threads always report), or None."""
        return None

    def describe(self, worker):
        return f"in worker thread {worker.name}"

    def shutdown(self, timeout):
        self.stop_event.set()
        for _ in self.workers:  # wakes up the workers waiting for a task
            self.task_queue.put(None)
        deadline = time.monotonic() + timeout
        for worker in self.workers:
            if worker is not threading.current_thread():
                # A thread cannot be killed: one still busy after the grace period ends by
                # itself after its current item, whose result is dropped.
                worker.join(max(0.0, deadline - time.monotonic()))


class _ProcessGroup:
    """Daemon worker processes with their queues and stop flag."""

    kind = "process"

    def __init__(self, target, args_for_worker, num_workers, maxsize=0):
        context = _mp_context()
        self.task_queue = context.Queue()
        self.result_queue = context.Queue(maxsize)
        self.stop_event = context.Event()
        self.parent_pid = os.getpid()
        self.workers = []
        self._closed = False
        try:
            for worker_index in range(num_workers):
                args = args_for_worker(worker_index, self)
                worker = context.Process(target=target, args=args, daemon=True)
                worker.start()
                self.workers.append(worker)
        except BaseException:
            self.shutdown(0.0)
            raise

    def decode(self, payload):
        return pickle.loads(payload)

    def any_alive(self):
        return any(worker.is_alive() for worker in self.workers)

    def dead_worker(self, finished=()):
        """A worker process that ended without reporting it was done, or None."""
        for worker_index, worker in enumerate(self.workers):
            if worker_index not in finished and worker.exitcode is not None:
                return worker
        return None

    def describe(self, worker):
        return f"in worker process {worker.pid}"

    def send_sentinels(self):
        for _ in self.workers:
            self.task_queue.put(None)

    def shutdown(self, timeout):
        if self._closed:
            return
        self._closed = True
        self.stop_event.set()
        deadline = time.monotonic() + timeout
        for worker in self.workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        for worker in self.workers:
            if worker.is_alive():
                worker.terminate()
        for worker in self.workers:
            worker.join(1.0)
            if worker.is_alive():
                worker.kill()
                worker.join()
        for worker_queue in (self.task_queue, self.result_queue):
            worker_queue.cancel_join_thread()
            worker_queue.close()


class _Holder:
    """Holds the current worker group; its `close` is what the finalizer calls.

    It keeps no reference to the enqueuer, so that the enqueuer can be garbage collected.
    """

    def __init__(self):
        self.group = None

    def close(self, timeout=_DEFAULT_STOP_SECONDS):
        group, self.group = self.group, None
        if group is not None:
            group.shutdown(timeout)


def _raise_dead_worker(worker, what):
    raise RuntimeError(
        f"{what} worker process {worker.pid} {_describe_exit(worker)} before finishing its work "
        f"(out of memory, or killed?). The enqueuer was stopped."
    )
