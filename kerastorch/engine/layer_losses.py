"""Layer losses and added metrics: add_loss/add_metric bookkeeping, the `losses` list, and the flags models read."""

import torch

from kerastorch import backend
from kerastorch.engine import nest

# Set once a layer adds a loss while being called, so models know to collect losses every step.
_CALL_LOSSES_SEEN = [False]


def dynamic_losses_seen():
    return _CALL_LOSSES_SEEN[0]


# Set once a layer adds a metric value while being called, so models collect them after each step.
_CALL_METRICS_SEEN = [False]


def added_metrics_seen():
    return _CALL_METRICS_SEEN[0]


def add_activity_losses(layer, outputs):
    """Stores the activity penalty of `layer` on the `outputs` of its call (replacing the last call's)."""
    # tf.keras 2 divides the activity penalty by the batch size.
    layer._activity_losses = [layer.activity_regularizer(out) / out.shape[0] for out in nest.flatten(outputs)]
    _CALL_LOSSES_SEEN[0] = True


def add_loss(layer, losses):
    """`Layer.add_loss`: tensors last until the layer's next call; callables persist."""
    for loss in losses if isinstance(losses, (list, tuple)) else [losses]:
        if callable(loss):
            layer._extra_losses.append(loss)
        else:
            layer._call_losses.append(loss)
            _CALL_LOSSES_SEEN[0] = True


def add_metric(layer, value, name, aggregation, kwargs):
    """`Layer.add_metric`: checks the arguments and records `(name, value)` for the current call."""
    from kerastorch.engine import keras_tensor  # imported late: it imports the layer module, which imports this one

    kwargs.pop("synchronization", None)
    if kwargs:
        raise TypeError(f"add_metric got unexpected keyword argument(s): {', '.join(map(repr, kwargs))}.")
    if aggregation not in ("mean", None):
        raise ValueError(
            f"add_metric expects aggregation='mean' (or None). Received: aggregation={aggregation!r}"
        )
    if not name:
        raise ValueError(
            "Please provide a name for your metric like `self.add_metric(K.sum(inputs), name='mean_activation')`. "
            f"Received: name={name!r}"
        )
    if keras_tensor.any_symbolic(value):
        raise ValueError(
            f"Layer '{layer.name}' got a symbolic tensor in add_metric(); call add_metric() inside `call` with "
            "the call's tensors, or on a functional Model with a tensor computed from its inputs."
        )
    if not isinstance(value, torch.Tensor):
        value = torch.as_tensor(value, dtype=backend.standardize_dtype(backend.floatx()))
    layer._call_metrics.append((name, value))
    if name not in layer._metric_names:
        layer._metric_names.append(name)
    _CALL_METRICS_SEEN[0] = True


def losses(layer):
    """Weight regularization (from the current weights) plus activity and added losses of `layer` and its sub-layers."""
    found = []
    for sublayer in [layer] + layer._all_sublayers():
        for spec in sublayer._weight_specs:
            if spec.regularizer is not None:
                param = sublayer._parameters[spec.attr]
                value = param if spec.layout is None else spec.layout.to_keras(param)
                found.append(spec.regularizer(value))
        found.extend(sublayer._activity_losses)
        found.extend(sublayer._call_losses)
        found.extend(loss() for loss in sublayer._extra_losses)
    return found
