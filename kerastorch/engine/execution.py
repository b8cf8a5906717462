"""Per-run set-up of the loops: data parallelism, the data's dtype, and torch.compile of the model call."""

import warnings

import torch

from kerastorch import distribute


def begin(model, adapter, val_adapter=None, verbose=0, mode="train"):
    """Prepares a fit ('train'), evaluate ('test') or predict ('predict') run.

    Joins the process group when launched by torchrun; gives this rank its share of the data
    (predict: its share of the batches, gathered by `gather_predictions`) and (training)
    copies rank 0's weights to every rank; casts
    floating input data to the model's floating weight dtype (after `model.half()`); installs
    or removes the compiled model call (`compile(jit_compile=True)`).

    Returns:
        (adapter, val_adapter, verbose), verbose forced to 0 on ranks other than the chief.
    """
    parallel = distribute.maybe_initialize()
    if parallel and mode != "predict":
        seed = distribute.broadcast_seed()
        distribute.shard_adapter(adapter, mode == "train", seed)
        if val_adapter is not None:
            distribute.shard_adapter(val_adapter, False, seed)
        if mode == "train":
            distribute.broadcast_model(model)
    elif parallel:
        # Predict: each rank predicts its share; gather_predictions reassembles the whole.
        distribute.shard_predict_adapter(adapter)
    if parallel and not distribute.is_chief():
        verbose = 0
    _follow_weight_dtype(model, adapter)
    if val_adapter is not None:
        _follow_weight_dtype(model, val_adapter)
    _configure_jit(model)
    return adapter, val_adapter, verbose


def gather_predictions(adapter, chunks):
    """The predicted batches of every rank in the data's order (this rank's chunks when not parallel).

    Args:
        adapter: the predict adapter `begin` set up.
        chunks: one list of per-batch output tensors per model output, or None.
    """
    return distribute.gather_predictions(adapter, chunks)


def epoch_results(model, mode="train"):
    """The epoch's {name: tensor} results, summed over the ranks when training data parallel."""
    compiled = model._compiled
    if not distribute.is_data_parallel():
        return compiled.results()
    if mode == "train":
        # As DistributedDataParallel's broadcast_buffers: every rank continues (and validates)
        # with rank 0's moving statistics.
        distribute.broadcast_model(model, only_non_trainable=True)
    return distribute.reduce_results(compiled)


# ---------------------------------------------------------------------------------------------
# Data dtype
# ---------------------------------------------------------------------------------------------
def _weight_float_dtype(model):
    for param in model.parameters():
        if param.is_floating_point():
            return param.dtype
    return None


def _follow_weight_dtype(model, adapter):
    """Floating inputs take the dtype of the model's weights when `.half()`/`.double()` changed it."""
    from kerastorch import backend

    dtype = _weight_float_dtype(model)
    if dtype is None or dtype == backend.standardize_dtype(None):
        return
    xs = getattr(adapter, "xs", None)
    if xs is not None:
        adapter.xs = [x.to(dtype) if x is not None and x.is_floating_point() else x for x in xs]
        return
    if hasattr(adapter, "epoch") and not getattr(adapter, "_kerastorch_cast", False):
        adapter._kerastorch_cast = True
        epoch = adapter.epoch

        def cast_epoch():
            for xs_batch, ys, sws in epoch():
                yield [x.to(dtype) if x is not None and x.is_floating_point() else x for x in xs_batch], ys, sws

        adapter.epoch = cast_epoch


# ---------------------------------------------------------------------------------------------
# torch.compile
# ---------------------------------------------------------------------------------------------
class _CompiledCall:
    """The model's torch.compile'd `_call_impl`, falling back to eager (with one warning) when it fails.

    A failure of the compiled call that the eager call does not reproduce is a compilation
    problem: the model warns with the reason and runs eagerly from then on. An error the
    eager call raises too is the user's and propagates.
    """

    def __init__(self, model, options):
        self._model = model
        self._compiled = torch.compile(model._call_impl, **options)

    def __call__(self, *args, **kwargs):
        try:
            return self._compiled(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - any compiler failure falls back to eager
            model = self._model
            outputs = model._call_impl(*args, **kwargs)
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            warnings.warn(
                f"jit_compile: torch.compile could not compile model '{model.name}' "
                f"({type(error).__name__}: {reason[:300]}); running eagerly.",
                stacklevel=2,
            )
            model._jit_failed = True
            model._compiled_call_impl = None
            return outputs


def _configure_jit(model):
    wanted = bool(getattr(model, "_jit_compile", False)) and not getattr(model, "_jit_failed", False)
    current = getattr(model, "_compiled_call_impl", None)
    if wanted and not isinstance(current, _CompiledCall):
        try:
            model._compiled_call_impl = _CompiledCall(model, {})
        except Exception as error:  # noqa: BLE001 - torch.compile unsupported on this platform
            warnings.warn(
                f"jit_compile: torch.compile is not available here ({type(error).__name__}: {error}); running eagerly.",
                stacklevel=3,
            )
            model._jit_failed = True
    elif not wanted and isinstance(current, _CompiledCall):
        model._compiled_call_impl = None
