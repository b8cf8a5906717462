"""kerastorch.metrics as a package: every public name re-exported, every class found by name."""

import inspect

import numpy as np
import pytest
import torch

from kerastorch import metrics
from kerastorch.metrics import accuracy_metrics
from kerastorch.metrics import base_metric
from kerastorch.metrics import confusion_metrics
from kerastorch.metrics import loss_metrics

MODULES = [base_metric, accuracy_metrics, loss_metrics, confusion_metrics]


def test_package_reexports_every_module_name():
    for module in MODULES:
        for name in module.__all__:
            assert getattr(metrics, name) is getattr(module, name), (module.__name__, name)
            assert name in metrics.__all__
    exported = {name for module in MODULES for name in module.__all__}
    assert set(metrics.__all__) - exported == {"get", "serialize", "deserialize"}
    assert metrics.NEG_INF == -1e10


def test_every_metric_class_is_registered():
    for module in MODULES:
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isclass(value):
                assert metrics.METRIC_CLASSES[name] is value


@pytest.mark.parametrize("name", ["TruePositives", "FalseNegatives", "Precision", "Recall", "AUC"])
def test_confusion_metrics_resolve_by_name_and_config(name):
    metric = metrics.get(name)
    assert type(metric) is getattr(confusion_metrics, name)
    clone = metrics.deserialize(metrics.serialize(metric))
    assert type(clone) is type(metric) and clone.get_config() == metric.get_config()


def test_mean_metric_wrapper_config_names_its_function():
    metric = metrics.MeanMetricWrapper(metrics.mae, name="wrapped")
    config = metric.get_config()
    assert config["fn"] == "mean_absolute_error"
    clone = metrics.MeanMetricWrapper.from_config(config)
    y_true = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    y_pred = torch.tensor([[1.0, 1.0], [2.0, 5.0]])
    clone.update_state(y_true, y_pred)
    np.testing.assert_allclose(float(clone.result()), np.mean([0.5, 1.0]))
