"""Model per-batch work: train/test/predict step bodies, optimizer (re)building and the *_on_batch calls."""

import torch

from kerastorch import distribute
from kerastorch.engine import layer_losses
from kerastorch.engine import layer_weights
from kerastorch.engine import loops
from kerastorch.engine import nest


def prepare_optimizer(model):
    """(Re)builds the optimizer on the current trainable weights when they changed."""
    first = next(iter(model.parameters()), None)
    version = (layer_weights.structure_version(), None if first is None else (first.device, first.dtype))
    if model._optimizer_version == version:
        return
    params = model.trainable_weights
    model.optimizer.build(params)
    model._constrained = [
        (layer, spec) for layer, spec in model._ordered_entries() if spec.constraint is not None
    ]
    model._static_losses = bool(model.losses)
    model._optimizer_version = version


def trainable_state(model):
    """`{layer: trainable}` for the model and every layer inside it (tf.keras `_get_trainable_state`)."""
    return {layer: layer._trainable for layer in [model] + model._all_sublayers()}


def _set_trainable_state(state):
    changed = False
    for layer, value in state.items():
        if layer._trainable != value:
            layer._trainable = value
            layer._sync_requires_grad()
            changed = True
    if changed:
        layer_weights._STRUCTURE_VERSION[0] += 1


class CompiledTrainableState:
    """Trains with the `trainable` flags the model had at `compile()` (tf.keras 2 semantics).

    A GAN compiles its discriminator, then sets `discriminator.trainable = False` before
    compiling the combined model: `discriminator.train_on_batch` still updates the
    discriminator. The flags set after compile come back on exit.
    """

    def __init__(self, model):
        self.model = model
        self.restore = None

    def __enter__(self):
        compiled = getattr(self.model, "_compiled_trainable_state", None)
        if compiled and any(layer._trainable != value for layer, value in compiled.items()):
            self.restore = {layer: layer._trainable for layer in compiled}
            _set_trainable_state(compiled)
        return self

    def __exit__(self, *exc_info):
        if self.restore is not None:
            _set_trainable_state(self.restore)
            self.restore = None
        return False


def regularization(model):
    """The model's losses (regularization, added losses) for the compiled loss, or None when it has none."""
    if model._static_losses or layer_losses.dynamic_losses_seen():
        return model.losses
    return None


def train_step(model, data):
    """The body of `Model.train_step`: forward, loss, backward, optimizer step, constraints, metrics."""
    x, y, sample_weight = data
    compiled = model._compiled
    y_preds, loss = _forward(model, compiled, data)
    if model._optimizer_version is None or model._optimizer_version[0] != layer_weights.structure_version():
        prepare_optimizer(model)
    optimizer = model.optimizer
    if not loss.requires_grad:
        # Nothing to train (every weight frozen): tf.keras 2 computes the loss and updates nothing.
        compiled.update_metrics(y, y_preds, sample_weight)
        return compiled
    optimizer.zero_grad(set_to_none=True)
    scaled_loss = getattr(optimizer, "get_scaled_loss", None)  # LossScaleOptimizer
    (loss if scaled_loss is None else scaled_loss(loss)).backward()
    if distribute.is_data_parallel():
        distribute.sync_gradients(model, x)
    optimizer.step()
    if model._constrained:
        for layer, spec in model._constrained:
            layer._apply_one_constraint(spec)
    compiled.update_metrics(y, y_preds, sample_weight)
    return compiled


def test_step(model, data):
    """The body of `Model.test_step`: forward, loss and metrics without updating weights."""
    _, y, sample_weight = data
    compiled = model._compiled
    y_preds, _ = _forward(model, compiled, data)
    compiled.update_metrics(y, y_preds, sample_weight)
    return compiled


def predict_step(model, data):
    """The body of `Model.predict_step`: the model outputs for a batch."""
    return _call_on_inputs(model, data[0])


def _call_on_inputs(model, x):
    """The model outputs for the batch inputs `x` (a list of one tensor per input, or a dict)."""
    return model(x[0] if len(x) == 1 and not isinstance(x, dict) else x)


def _forward(model, compiled, data):
    """The outputs (as a list) and the `compiled` loss of the model on a batch `(x, y, sample_weight)`."""
    x, y, sample_weight = data
    outputs = _call_on_inputs(model, x)
    y_preds = nest.flatten_outputs(outputs)
    return y_preds, compiled(y, y_preds, sample_weight, regularization(model))


def _single_batch(model, x, y, sample_weight, class_weight):
    """The `(x, y, sample_weight)` batch of one *_on_batch call."""
    adapter = model._make_adapter(x, y, sample_weight, class_weight, None, False, None, y is not None)
    batch_size = max(adapter.num_samples, 1)
    adapter.batch_size = batch_size
    if model._compile_args is not None and model._compiled is None:
        model._make_compiled()
    return next(iter(adapter.epoch()))


def train_on_batch(model, x, y, sample_weight, class_weight, reset_metrics, return_dict):
    """The body of `Model.train_on_batch`: one gradient update on a single batch."""
    model._require_compiled("training")
    batch = _single_batch(model, x, y, sample_weight, class_weight)
    with CompiledTrainableState(model):
        prepare_optimizer(model)
        if reset_metrics:
            model.reset_metrics()
        model.train()
        try:
            model.train_step(batch)
        finally:
            model.eval()
    return _batch_results(model, return_dict)


def test_on_batch(model, x, y, sample_weight, reset_metrics, return_dict):
    """The body of `Model.test_on_batch`: loss and metrics on a single batch."""
    model._require_compiled("evaluating")
    batch = _single_batch(model, x, y, sample_weight, None)
    if reset_metrics:
        model.reset_metrics()
    model.eval()
    with torch.no_grad():
        model.test_step(batch)
    return _batch_results(model, return_dict)


def predict_on_batch(model, x):
    """The body of `Model.predict_on_batch`: NumPy predictions for a single batch."""
    batch = _single_batch(model, x, None, None, None)
    model.eval()
    with torch.no_grad():
        outputs = model.predict_step(batch)
    return loops.numpy_outputs(outputs)


def _batch_results(model, return_dict):
    """The loss and metrics after one *_on_batch call, as a value, list or dict."""
    results = loops._to_floats(model._compiled.results())
    if return_dict:
        return results
    values = [results[name] for name in model.metrics_names if name in results]
    return values[0] if len(values) == 1 else values
