"""Data-parallel training with torch.distributed: process group, rank queries, batch sharding, reductions.

A script launched by `torchrun` (RANK / WORLD_SIZE / LOCAL_RANK in the environment) trains data
parallel from a plain `model.fit`: the first fit/evaluate/predict joins the process group (nccl
for CUDA tensors, gloo for CPU ones) and selects the CUDA device `LOCAL_RANK`. `batch_size` is
the global batch, as in tf.distribute: every rank takes its contiguous share of each global
batch, gradients are combined across ranks before each optimizer step (weighted by the share
sizes, so the update is the one a single process computes on the global batch), epoch metrics
and validation results are summed across ranks (totals and counts) before callbacks see them,
and only the chief (rank 0) prints, writes checkpoints and CSV logs.

Gradients are all-reduced by hand (one flat bucket per step) instead of wrapping the model in
`DistributedDataParallel`: the Keras optimizer is built lazily on weights that may be created
late or change trainability, non-trainable weights are Parameters (which DDP would ignore), the
train step calls the model itself (a DDP wrapper would have to sit in that call), and a weighted
reduction keeps uneven last batches exact.
"""

import math
import os
import warnings

import torch
import torch.distributed as dist

__all__ = [
    "initialize",
    "is_initialized",
    "is_chief",
    "rank",
    "local_rank",
    "world_size",
    "barrier",
    "shutdown",
]

# [active, rank, world size]: `active` is True while training is data parallel (world size > 1).
_STATE = {"active": False, "rank": 0, "world": 1, "created": False, "checked_env": False}
# Set by the array shard when this rank's share of the current global batch is empty and a
# stand-in sample was given instead: its gradient then counts with weight 0.
_STAND_IN = [False]


def _env_int(name):
    value = os.environ.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"Environment variable {name} should be an integer. Received: {name}={value!r}") from None


def _launched_by_torchrun():
    world = _env_int("WORLD_SIZE")
    return world is not None and world > 1 and _env_int("RANK") is not None


def initialize(backend=None, init_method="env://", timeout=None):
    """Joins the torch.distributed process group described by the environment (torchrun's variables).

    Does nothing when the group already exists (created by this function or by the user). On
    CUDA machines the current device becomes `LOCAL_RANK` first.

    Args:
        backend: 'gloo', 'nccl', or None for nccl on CUDA tensors and gloo on CPU tensors.
        init_method: how to find the other processes (default 'env://': MASTER_ADDR/MASTER_PORT,
            RANK, WORLD_SIZE as torchrun sets them).
        timeout: optional `datetime.timedelta` for collective operations.
    """
    if not dist.is_available():
        raise RuntimeError("torch.distributed is not available in this build of torch.")
    if not dist.is_initialized():
        local = _env_int("LOCAL_RANK")
        use_cuda = torch.cuda.is_available() and _device_type() == "cuda"
        if use_cuda and local is not None:
            torch.cuda.set_device(local)
        if backend is None:
            backend = "cpu:gloo,cuda:nccl" if use_cuda else "gloo"
        kwargs = {"backend": backend, "init_method": init_method}
        if timeout is not None:
            kwargs["timeout"] = timeout
        if init_method == "env://":
            missing = [name for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT") if name not in os.environ]
            if missing:
                raise ValueError(
                    f"kerastorch.distribute.initialize() reads the process group from the environment, but "
                    f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set. Launch the script "
                    "with `torchrun --nproc_per_node=N script.py`, or pass `init_method`."
                )
        dist.init_process_group(**kwargs)
        _STATE["created"] = True
    _refresh()


def _device_type():
    from kerastorch import backend

    return backend.get_device().type


def _refresh():
    initialized = dist.is_available() and dist.is_initialized()
    _STATE["rank"] = dist.get_rank() if initialized else 0
    _STATE["world"] = dist.get_world_size() if initialized else 1
    _STATE["active"] = initialized and _STATE["world"] > 1
    _STATE["checked_env"] = True


def maybe_initialize():
    """Joins the process group when launched by torchrun, or notices one the user created."""
    if _STATE["active"]:
        return True
    if dist.is_available() and dist.is_initialized():
        _refresh()
    elif not _STATE["checked_env"]:
        if dist.is_available() and _launched_by_torchrun():
            initialize()
        else:
            _STATE["checked_env"] = True
    return _STATE["active"]


def is_initialized():
    """True when this process trains data parallel (a process group with more than one rank)."""
    return maybe_initialize()


def is_data_parallel():
    """Cheap check used by the training step (no environment look-up)."""
    return _STATE["active"]


def rank():
    """This process's rank (0 when not distributed)."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank()
    value = _env_int("RANK")
    return value if value is not None else 0


def local_rank():
    """This process's rank on its machine (LOCAL_RANK; 0 when not distributed)."""
    value = _env_int("LOCAL_RANK")
    return value if value is not None else 0


def world_size():
    """The number of processes (1 when not distributed)."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    value = _env_int("WORLD_SIZE")
    return value if value is not None else 1


def is_chief():
    """True on the process that prints, saves checkpoints and writes logs (rank 0, or no distribution)."""
    return rank() == 0


def barrier():
    """Waits for every rank (no-op when not distributed)."""
    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def shutdown():
    """Leaves the process group created by `initialize` (no-op otherwise)."""
    if _STATE["created"] and dist.is_initialized():
        dist.destroy_process_group()
    _STATE.update(active=False, rank=0, world=1, created=False, checked_env=False)


# ---------------------------------------------------------------------------------------------
# Collectives on the model
# ---------------------------------------------------------------------------------------------
def broadcast_model(model, only_non_trainable=False):
    """Copies rank 0's weights and buffers to every rank.

    Args:
        model: the model.
        only_non_trainable: copy only the weights without gradient (BatchNormalization moving
            statistics, frozen weights) and the buffers, as DistributedDataParallel's
            `broadcast_buffers`.
    """
    if not _STATE["active"]:
        return
    with torch.no_grad():
        for param in model.parameters():
            if not (only_non_trainable and param.requires_grad):
                dist.broadcast(param.data, src=0)
        for buffer in model.buffers():
            dist.broadcast(buffer, src=0)


def _local_batch_size(x):
    first = x
    while isinstance(first, (list, tuple)):
        first = first[0]
    if isinstance(first, dict):
        first = next(iter(first.values()))
    return int(first.shape[0]) if first.dim() else 1


_TRAINABLE_CACHE = {}


def _trainable_weights(model):
    """model.trainable_weights, recomputed only when layers are built or (un)frozen."""
    from kerastorch.engine import layer_weights

    key = (id(model), layer_weights.structure_version())
    cached = _TRAINABLE_CACHE.get("key")
    if cached != key:
        _TRAINABLE_CACHE["key"] = key
        _TRAINABLE_CACHE["weights"] = list(model.trainable_weights)
    return _TRAINABLE_CACHE["weights"]


def sync_gradients(model, x):
    """Replaces each trainable weight's gradient by the global-batch gradient (all ranks).

    Every rank's gradient is the mean over its share of the global batch; the global mean is
    the sum over ranks of `share_size * gradient` divided by the global batch size. Parameters
    without a gradient keep None (every rank is assumed to use the same weights).
    """
    params = [p for p in _trainable_weights(model) if p.grad is not None]
    if not params:
        return
    weight = 0.0 if _STAND_IN[0] else float(_local_batch_size(x))
    dtype = torch.float64 if any(p.grad.dtype == torch.float64 for p in params) else torch.float32
    device = params[0].grad.device
    flat = torch.cat([p.grad.reshape(-1).to(device=device, dtype=dtype) for p in params])
    flat.mul_(weight)
    bucket = torch.cat([flat, torch.full((1,), weight, dtype=dtype, device=device)])
    dist.all_reduce(bucket, op=dist.ReduceOp.SUM)
    total = bucket[-1:]
    flat = bucket[:-1].div_(total)
    offset = 0
    for param in params:
        count = param.grad.numel()
        param.grad.copy_(flat[offset : offset + count].view_as(param.grad))
        offset += count


def _mean_trackers(compiled):
    """The running means summed over ranks: the loss, per-output losses and `add_metric` values."""
    return (
        [compiled._loss_tracker]
        + list(compiled._output_trackers.values())
        + list(getattr(compiled, "added_metrics", {}).values())
    )


def reduce_results(compiled):
    """compiled.results() computed from the sum over ranks of every tracker's and metric's state.

    The local states are left unchanged.
    """
    if not _STATE["active"]:
        return compiled.results()
    trackers = _mean_trackers(compiled)
    metrics = [metric for per_output in compiled.metric_objects or [] for _, metric, _ in per_output]
    values = []
    for tracker in trackers:
        total = tracker.total
        values.append(0.0 if total is None else float(total.detach().double().cpu()))
        values.append(float(tracker.count))
    metric_states = [metric.get_weights() for metric in metrics]
    flat_states = [state.astype("float64").reshape(-1) for states in metric_states for state in states]
    device = _collective_device()
    numbers = torch.tensor(values, dtype=torch.float64)
    parts = [numbers] + [torch.from_numpy(s) for s in flat_states]
    bucket = torch.cat(parts).to(device)
    sizes = torch.tensor([float(bucket.numel()), -float(bucket.numel())], dtype=torch.float64, device=device)
    dist.all_reduce(sizes, op=dist.ReduceOp.MAX)
    if sizes[0].item() != -sizes[1].item():
        raise ValueError(
            "The ranks hold different metric states at the end of the epoch: some rank received no batch. "
            f"Give every one of the {_STATE['world']} ranks at least one batch of data."
        )
    dist.all_reduce(bucket, op=dist.ReduceOp.SUM)
    reduced = bucket.cpu().numpy()
    saved = [(tracker.total, tracker.count) for tracker in trackers]
    try:
        for index, tracker in enumerate(trackers):
            total, count = reduced[2 * index], reduced[2 * index + 1]
            dtype = torch.float32 if saved[index][0] is None else saved[index][0].dtype
            tracker.total = torch.tensor(total, dtype=dtype)
            tracker.count = int(round(count))
        offset = len(values)
        for metric, states in zip(metrics, metric_states):
            new_states = []
            for state in states:
                size = state.size
                new_states.append(reduced[offset : offset + size].reshape(state.shape).astype(state.dtype))
                offset += size
            metric.set_weights(new_states)
        results = {key: value.detach().clone() for key, value in compiled.results().items()}
    finally:
        for tracker, (total, count) in zip(trackers, saved):
            tracker.total, tracker.count = total, count
        for metric, states in zip(metrics, metric_states):
            metric.set_weights(states)
    return results


def _collective_device():
    """CPU works with gloo; an nccl-only group needs the current CUDA device."""
    if torch.cuda.is_available() and dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def broadcast_seed():
    """A seed drawn on rank 0 and shared by every rank."""
    seed = torch.randint(0, 2**62, (1,), dtype=torch.int64)
    if _STATE["active"]:
        device = _collective_device()
        seed = seed.to(device)
        dist.broadcast(seed, src=0)
    return int(seed.item())


# ---------------------------------------------------------------------------------------------
# Sharding the data
# ---------------------------------------------------------------------------------------------
def share_bounds(start, stop, rank_index, world):
    """This rank's contiguous share [a, b) of the global batch [start, stop) (np.array_split sizes)."""
    size = stop - start
    base, extra = divmod(size, world)
    begin = start + rank_index * base + min(rank_index, extra)
    return begin, begin + base + (1 if rank_index < extra else 0)


class ArraySharding:
    """Hooks an ArrayAdapter calls: rank 0's shuffle order for all, and this rank's share of each batch.

    Args:
        rank_index: this rank.
        world: number of ranks.
        training: True for training data (a rank whose share is empty gets a stand-in sample
            whose gradient counts with weight 0, so that every rank takes the step); False for
            evaluation (the rank skips the batch).
    """

    def __init__(self, rank_index, world, training):
        self.rank = rank_index
        self.world = world
        self.training = training

    def order(self, order):
        if order is None:
            return None
        dist.broadcast(order, src=0)
        return order

    def shard(self, start, stop):
        begin, end = share_bounds(start, stop, self.rank, self.world)
        if begin < end:
            _STAND_IN[0] = False
            return begin, end
        if not self.training:
            return None
        _STAND_IN[0] = True
        return start, start + 1


class SequenceSharding:
    """`index_filter` for a Sequence: the same shuffle on every rank, then every world-th batch.

    Training epochs are padded (by wrapping around) to the same number of batches on every rank,
    as torch's DistributedSampler does, so that every rank takes the same number of steps.
    """

    def __init__(self, rank_index, world, seed, shuffle, training):
        self.rank = rank_index
        self.world = world
        self.seed = seed
        self.shuffle = shuffle
        self.training = training
        self.epoch = 0

    def local_count(self, num_batches):
        if self.training:
            return int(math.ceil(num_batches / self.world))
        return len(range(self.rank, num_batches, self.world))

    def __call__(self, indices):
        indices = sorted(int(i) for i in indices)
        if self.shuffle:
            generator = torch.Generator().manual_seed(self.seed + self.epoch)
            indices = [indices[i] for i in torch.randperm(len(indices), generator=generator).tolist()]
        self.epoch += 1
        if self.training and indices:
            padded = int(math.ceil(len(indices) / self.world)) * self.world
            indices = (indices * (padded // len(indices) + 1))[:padded]
        return indices[self.rank :: self.world]


class _StridedIterable:
    """Every world-th item of an iterable (from `rank`), padded for training to equal counts."""

    def __init__(self, source, rank_index, world, training):
        self.source = source
        self.rank = rank_index
        self.world = world
        self.training = training

    def __len__(self):
        length = len(self.source)
        if self.training:
            return int(math.ceil(length / self.world))
        return len(range(self.rank, length, self.world))

    def __iter__(self):
        count = 0
        first_group = []
        for position, item in enumerate(self.source):
            if position < self.world:
                first_group.append(item)
            if position % self.world == self.rank:
                count += 1
                yield item
        if self.training:
            try:
                expected = len(self)
            except TypeError:
                return
            # Ranks short of a batch in the last group take one from the start of the epoch.
            while count < expected and first_group:
                yield first_group[(self.rank + count) % len(first_group)]
                count += 1


def _strided_generator(source, rank_index, world):
    for position, item in enumerate(source):
        if position % world == rank_index:
            yield item


_WARNED = set()


def _warn_once(key, message):
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(message, stacklevel=4)


def shard_adapter(adapter, training, shuffle_seed):
    """Sets up `adapter` so that this rank reads its share of the data (idempotent)."""
    if getattr(adapter, "_kerastorch_sharded", False):
        return
    adapter._kerastorch_sharded = True
    rank_index, world = _STATE["rank"], _STATE["world"]
    from kerastorch.engine import data_adapters
    from kerastorch.engine import generator_adapters

    if isinstance(adapter, data_adapters.ArrayAdapter):
        adapter.sharding = ArraySharding(rank_index, world, training)
        # Progress counts global batches: each rank's batches are its shares of them.
        adapter.count_mode = "steps"
        return
    if not isinstance(adapter, generator_adapters.GeneratorAdapter):
        _warn_once(
            type(adapter).__name__,
            f"Data of type {type(adapter).__name__} is not sharded across ranks: every rank reads all of it.",
        )
        return
    for_training = adapter.for_training
    if adapter.is_sequence:
        shuffle = bool(adapter.shuffle) and for_training
        sharding = SequenceSharding(rank_index, world, shuffle_seed, shuffle, training)
        adapter.index_filter = sharding
        num_batches = len(adapter.source)
        if adapter.steps is None or adapter.steps == num_batches:
            adapter.steps = sharding.local_count(num_batches)
        return
    source = adapter.source
    if adapter.is_loader:
        sampler = getattr(source, "sampler", None)
        if isinstance(sampler, torch.utils.data.distributed.DistributedSampler):
            return  # already one share per rank
        if isinstance(sampler, torch.utils.data.RandomSampler) and sampler.generator is None:
            # The same shuffle on every rank, so that the strided shares are disjoint.
            sampler.generator = torch.Generator().manual_seed(shuffle_seed)
        strided = _StridedIterable(source, rank_index, world, training)
        try:
            num_batches = len(source)
        except TypeError:
            num_batches = None
        adapter.source = strided
        if num_batches is not None and (adapter.steps is None or adapter.steps == num_batches):
            adapter.steps = len(strided)
        return
    # Python generators and iterators: each rank keeps every world-th batch; `steps` counts global steps.
    adapter.source = _strided_generator(source, rank_index, world)


# ---------------------------------------------------------------------------------------------
# Data-parallel predict
# ---------------------------------------------------------------------------------------------
class _PredictArraySharding(ArraySharding):
    """ArraySharding for predict: records the global start of every share this rank predicts."""

    def __init__(self, rank_index, world):
        super().__init__(rank_index, world, training=False)
        self.keys = []

    def order(self, order):
        self.keys = []  # a new pass over the data
        return super().order(order)

    def shard(self, start, stop):
        share = super().shard(start, stop)
        if share is not None:
            self.keys.append(share[0])
        return share


def shard_predict_adapter(adapter):
    """Gives this rank its share of the batches to predict; `gather_predictions` reassembles them.

    Arrays: every rank predicts its contiguous share of each batch. Sequences, DataLoaders and
    generators: rank r predicts batches r, r + world, ... Data this module cannot shard (a
    DataLoader with a DistributedSampler, other sources) is predicted whole on every rank.
    """
    if getattr(adapter, "_kerastorch_sharded", False):
        return
    rank_index, world = _STATE["rank"], _STATE["world"]
    from kerastorch.engine import data_adapters
    from kerastorch.engine import generator_adapters

    if isinstance(adapter, data_adapters.ArrayAdapter):
        adapter._kerastorch_sharded = True
        adapter.sharding = _PredictArraySharding(rank_index, world)
        adapter.count_mode = "steps"
        adapter._kerastorch_predict_keys = lambda count: list(adapter.sharding.keys[:count])
        return
    if not isinstance(adapter, generator_adapters.GeneratorAdapter):
        return
    if adapter.is_loader and isinstance(
        getattr(adapter.source, "sampler", None), torch.utils.data.distributed.DistributedSampler
    ):
        return  # the sampler's own shares, in an order only it knows: each rank keeps its predictions
    shard_adapter(adapter, False, 0)
    adapter._kerastorch_predict_keys = lambda count: [k * world + rank_index for k in range(count)]


def gather_predictions(adapter, chunks):
    """Every rank's predicted batches, in the order of the data (each rank returns all of them).

    Args:
        adapter: the adapter `shard_predict_adapter` set up.
        chunks: this rank's outputs, one list of per-batch tensors per model output (None when
            this rank predicted no batch).

    Returns:
        Chunks of the same form covering the whole input (unchanged when not data parallel
        or when the data was not sharded).
    """
    keys_of = getattr(adapter, "_kerastorch_predict_keys", None)
    if not _STATE["active"] or keys_of is None:
        return chunks
    count = len(chunks[0]) if chunks else 0
    local = (
        keys_of(count),
        [[part.detach().cpu() for part in parts] for parts in chunks] if chunks else None,
    )
    gathered = [None] * _STATE["world"]
    dist.all_gather_object(gathered, local)
    pieces = []
    for keys, rank_chunks in gathered:
        if rank_chunks is None:
            continue
        for position, key in enumerate(keys):
            pieces.append((key, [parts[position] for parts in rank_chunks]))
    if not pieces:
        return None
    pieces.sort(key=lambda item: item[0])
    num_outputs = len(pieces[0][1])
    return [[outputs[index] for _, outputs in pieces] for index in range(num_outputs)]

