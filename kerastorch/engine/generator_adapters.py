"""Generator adapters: Python generators, Sequence (with worker threads/processes) and torch data -> batches."""

import inspect
import itertools
import warnings

import torch

from kerastorch.engine import data_adapters
from kerastorch.engine import training_data


def _sequence_class():
    from kerastorch.utils import data_utils

    return data_utils.Sequence


def is_generator_like(x):
    """True for generators/iterators, Sequence objects and torch Dataset/DataLoader."""
    if x is None:
        return False
    if inspect.isgenerator(x) or isinstance(x, (torch.utils.data.DataLoader, torch.utils.data.Dataset)):
        return True
    if isinstance(x, _sequence_class()):
        return True
    if hasattr(x, "__next__") and hasattr(x, "__iter__") and not hasattr(x, "shape"):
        return True
    return False


_WARNED = set()


def _warn_once(key, message):
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(message, stacklevel=4)


def make(model, x, y, sample_weight, class_weight, batch_size, shuffle, steps, for_training,
         max_queue_size=10, workers=1, use_multiprocessing=False):
    """A GeneratorAdapter for `x`; `y` / `sample_weight` must be None (they come from the batches)."""
    if y is not None or sample_weight is not None:
        raise ValueError(
            "`y` and `sample_weight` must not be given when x is a generator, Sequence or DataLoader: "
            "the batches already contain (x, y[, sample_weight])."
        )
    if isinstance(x, torch.utils.data.Dataset) and not isinstance(x, torch.utils.data.IterableDataset) and not isinstance(x, _sequence_class()):
        x = torch.utils.data.DataLoader(x, batch_size=batch_size or 32, shuffle=bool(shuffle) and for_training)
    elif isinstance(x, torch.utils.data.DataLoader):
        if batch_size is not None:
            _warn_once("dl_batch", "`batch_size` is ignored when x is a DataLoader (the DataLoader sets the batch size).")
        if for_training and shuffle is not True and shuffle:
            _warn_once("dl_shuffle", "`shuffle` is ignored when x is a DataLoader; set shuffle on the DataLoader.")
    elif batch_size is not None and not isinstance(x, torch.utils.data.DataLoader):
        _warn_once("gen_batch", "`batch_size` is ignored for generator and Sequence inputs (they yield whole batches).")
    return GeneratorAdapter(
        model, x, class_weight, shuffle, steps, for_training, max_queue_size, workers, use_multiprocessing
    )


class GeneratorAdapter:
    """Pulls batches from a generator / Sequence / DataLoader, standardizes them and moves them to the device."""

    count_mode = "steps"

    def __init__(self, model, source, class_weight, shuffle, steps, for_training, max_queue_size, workers, use_multiprocessing):
        self.model = model
        self.source = source
        self.class_weight = class_weight
        self.for_training = for_training
        self.shuffle = shuffle
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size
        self.batch_size = None
        self._enqueuer = None
        self._stream = None
        self.is_sequence = isinstance(source, _sequence_class())
        self.is_loader = isinstance(source, torch.utils.data.DataLoader)
        if steps is None:
            try:
                steps = len(source)
            except TypeError:
                steps = None
        self.steps = steps
        self.index_filter = None

    @property
    def steps_per_epoch(self):
        return self.steps

    def _open_stream(self):
        from kerastorch.utils import data_utils

        if self.is_loader:
            return None  # a fresh iterator per epoch
        if self.is_sequence:
            if self.workers and self.workers > 0:
                self._enqueuer = data_utils.OrderedEnqueuer(
                    self.source, use_multiprocessing=self.use_multiprocessing,
                    shuffle=bool(self.shuffle) and self.for_training, index_filter=self.index_filter,
                )
                self._enqueuer.start(workers=self.workers, max_queue_size=self.max_queue_size)
                return self._enqueuer.get()
            return _sequence_in_main_thread(self.source, bool(self.shuffle) and self.for_training, self.index_filter)
        if self.workers and self.workers > 0:
            self._enqueuer = data_utils.GeneratorEnqueuer(self.source, use_multiprocessing=self.use_multiprocessing)
            self._enqueuer.start(workers=self.workers, max_queue_size=self.max_queue_size)
            return self._enqueuer.get()
        return iter(self.source)

    def epoch(self):
        """Yields standardized (xs, ys, sws) device batches for one epoch."""
        if self.is_loader:
            iterator = iter(self.source)
            count = itertools.count() if self.steps is None else range(self.steps)
            for _ in count:
                try:
                    item = next(iterator)
                except StopIteration:
                    return
                yield self._standardize(item)
            return
        if self._stream is not None and self.is_sequence and self.steps is not None and self.steps < len(self.source):
            # As tf.keras 2: with fewer steps than the Sequence has batches, every epoch starts
            # from its first batch (Sequence.on_epoch_end runs between epochs).
            self.close()
            self.source.on_epoch_end()
        if self._stream is None:
            self._stream = self._open_stream()
        count = itertools.count() if self.steps is None else range(self.steps)
        for _ in count:
            try:
                item = next(self._stream)
            except StopIteration:
                return
            yield self._standardize(item)

    def _standardize(self, item):
        model = self.model
        x, y, sw = _unpack(item, model)
        xs = training_data.standardize_x(model, x)
        model._ensure_built_for(xs)
        device = model._target_device()
        ys = sws = None
        if y is not None:
            ys = training_data.standardize_y(model, y)
            sws = training_data.standardize_sample_weights(model, sw, self.class_weight, ys)
        elif self.for_training:
            raise ValueError(
                "Output of generator should be a tuple `(x, y, sample_weight)` or `(x, y)`. Found only x."
            )
        move = lambda t: None if t is None else data_adapters.to_device(t, device)  # noqa: E731
        return (
            [move(t) for t in xs],
            [move(t) for t in ys] if ys is not None else None,
            [move(t) for t in sws] if sws is not None else None,
        )

    def close(self):
        if self._enqueuer is not None:
            self._enqueuer.stop()
            self._enqueuer = None
        self._stream = None


def _unpack(item, model):
    """(x, y, sample_weight) from a batch: a tuple/list of 1-3 items, or a dict keyed by names."""
    if isinstance(item, dict):
        inputs = {k: v for k, v in item.items() if k in model.input_names}
        outputs = {k: v for k, v in item.items() if k in model.output_names}
        if "x" in item or "y" in item:
            return item.get("x"), item.get("y"), item.get("sample_weight")
        if not inputs:
            raise ValueError(
                f"A dict batch must have keys 'x'/'y'/'sample_weight' or the input/output names "
                f"{model.input_names + model.output_names}. Received keys: {list(item)}"
            )
        return inputs, (outputs or None), item.get("sample_weight")
    if isinstance(item, (tuple, list)):
        if len(item) == 1:
            return item[0], None, None
        if len(item) == 2:
            return item[0], item[1], None
        if len(item) == 3:
            return item[0], item[1], item[2]
        raise ValueError(
            f"Output of generator should be a tuple `(x, y, sample_weight)` or `(x, y)`. Found a sequence of "
            f"{len(item)} items."
        )
    return item, None, None


def _sequence_in_main_thread(sequence, shuffle, index_filter):
    """workers=0: reads the Sequence on the calling thread, epoch after epoch."""
    while True:
        order = list(range(len(sequence)))
        if shuffle:
            order = [order[i] for i in torch.randperm(len(order)).tolist()]
        if index_filter is not None:
            order = list(index_filter(order))
        for index in order:
            yield sequence[index]
        sequence.on_epoch_end()
