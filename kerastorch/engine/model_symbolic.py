"""Symbolic model losses and metrics: `add_loss`/`add_metric` on KerasTensors as AddLoss/AddMetric layers in the graph."""

from kerastorch.engine import keras_tensor as kt
from kerastorch.engine import op_layers


def add_symbolic_losses(model, losses):
    """Joins the symbolic losses among `losses` to the graph of `model`; returns the other losses.

    Args:
        model: the model `add_loss` was called on.
        losses: a tensor, a callable, or a list of them.
    """
    items = losses if isinstance(losses, (list, tuple)) else [losses]
    symbolic = [loss for loss in items if isinstance(loss, kt.KerasTensor)]
    others = [loss for loss in items if not isinstance(loss, kt.KerasTensor)]
    if symbolic:
        if model._graph is None:
            raise ValueError(
                f"Model '{model.name}' got a symbolic loss in add_loss(), but it is not a functional model: "
                "symbolic losses must be computed from the inputs of a Model(inputs, outputs)."
            )
        insert_ancillary(model, [op_layers.AddLoss()(loss) for loss in symbolic])
    return others


def add_symbolic_metric(model, value, name, aggregation, kwargs):
    """Joins the symbolic metric `value` to the graph of `model` through an AddMetric layer.

    Args:
        model: the model `add_metric` was called on.
        value: a KerasTensor computed from the model's inputs.
        name: the metric's log name (required).
        aggregation: 'mean' (or None, the same).
        kwargs: the other keyword arguments of the call (none is accepted).
    """
    if model._graph is None:
        raise ValueError(
            f"Model '{model.name}' got a symbolic metric in add_metric(), but it is not a functional model: "
            "symbolic metrics must be computed from the inputs of a Model(inputs, outputs)."
        )
    if kwargs:
        raise TypeError(f"add_metric got unexpected keyword argument(s): {', '.join(map(repr, kwargs))}.")
    if not name:
        raise ValueError(
            f"Please provide a name for your metric like `model.add_metric(K.mean(x), name='mean_x')`. "
            f"Received: name={name!r}"
        )
    insert_ancillary(model, [op_layers.AddMetric(aggregation=aggregation, metric_name=name)(value)])


def insert_ancillary(model, tensors):
    """Makes the layer calls computing `tensors` part of the graph (run with it, saved with it)."""
    for layer in model._graph.add_ancillary(tensors):
        model._track_layer(layer)


def restore_ancillary(model, created):
    """Joins the AddLoss/AddMetric calls among the layers `created` from a config to the graph of `model`."""
    # tf.keras 2 restores symbolic add_loss/add_metric: their AddLoss/AddMetric layers are in the config.
    ancillary = [
        node.output_tensors[0]
        for layer in created
        if isinstance(layer, (op_layers.AddLoss, op_layers.AddMetric))
        for node in layer._inbound_nodes
    ]
    if ancillary:
        insert_ancillary(model, ancillary)
