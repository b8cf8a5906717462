"""Model metrics: a compiled model's `metrics_names` and `metrics`, its loss trackers shown as Mean metrics."""


def metrics_names(model):
    """The log names: the loss, per-output losses and compiled metrics, then the add_metric names."""
    if model._compiled is None:
        return []
    names = list(model._compiled.metrics_names)
    # add_metric names: those known from the graph's construction, then those first seen in a step.
    for name in _added_metric_names(model) + list(model._compiled.added_metrics):
        if name not in names:
            names.append(name)
    return names


def _added_metric_names(model):
    names = []
    for layer in [model] + model._all_sublayers():
        names.extend(name for name in layer._metric_names if name not in names)
    return names


def metrics(model):
    """The loss trackers and metric objects (tf.keras 2: empty until the model has trained or evaluated)."""
    compiled = model._compiled
    if compiled is None or compiled.metric_objects is None:
        return []
    trackers = [compiled._loss_tracker] + list(compiled._output_trackers.values())
    views = model.__dict__.setdefault("_loss_metric_views", {})
    found = []
    for tracker in trackers:
        if id(tracker) not in views:
            views[id(tracker)] = _LossMetric(tracker)
        found.append(views[id(tracker)])
    found += [metric for per_output in compiled.metric_objects for _, metric, _ in per_output]
    for tracker in compiled.added_metrics.values():
        if id(tracker) not in views:
            views[id(tracker)] = _LossMetric(tracker)
        found.append(views[id(tracker)])
    return found


class _LossMetric:
    """A compiled loss tracker seen as a metric: `name`, `result()`, `reset_state()`."""

    def __init__(self, tracker):
        self._tracker = tracker

    @property
    def name(self):
        return self._tracker.name

    def result(self):
        return self._tracker.result()

    def reset_state(self):
        self._tracker.reset()

    reset_states = reset_state

    def __repr__(self):
        return f"<Mean metric name={self.name!r}>"
