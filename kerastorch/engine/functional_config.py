"""Functional model configs: `get_config`/`from_config` with tf.keras 2's dict-shaped input/output entries."""

from kerastorch.engine import graph as graph_module
from kerastorch.engine import model_symbolic


def get_config(model):
    """The config of a functional `model`: its name and its graph's config, dict inputs/outputs as dicts."""
    if model._graph is None:
        raise TypeError(
            f"Model '{model.name}' is a subclassed model: its get_config() must be implemented by the "
            "subclass (its structure is Python code, not data)."
        )
    config = {"name": model.name}
    config.update(model._graph.get_config())
    # tf.keras 2 writes the input/output entries of a model built on dicts as dicts.
    for key, nested in (("input_layers", model._nested_inputs), ("output_layers", model._nested_outputs)):
        if isinstance(nested, dict):
            flat = config[key]
            by_sorted_key = {name: flat[index] for index, name in enumerate(sorted(nested))}
            config[key] = {name: by_sorted_key[name] for name in nested}
    return config


def from_config(cls, config, custom_objects=None):
    """A functional model of class `cls` rebuilt from `config` (fresh weights), its symbolic losses/metrics too.

    Args:
        cls: the model class (`Model` or a subclass taking `inputs`, `outputs`, `name`).
        config: a config from `get_config` or tf.keras 2.
        custom_objects: user classes and functions by name.
    """
    flat_config = dict(config)
    for key in ("input_layers", "output_layers"):
        if isinstance(config.get(key), dict):
            flat_config[key] = [config[key][name] for name in sorted(config[key])]
    inputs, outputs, created = graph_module.rebuild_from_config(flat_config, custom_objects=custom_objects)
    if isinstance(config.get("input_layers"), dict):
        by_sorted_key = dict(zip(sorted(config["input_layers"]), inputs))
        inputs = {name: by_sorted_key[name] for name in config["input_layers"]}
    if isinstance(config.get("output_layers"), dict):
        by_sorted_key = dict(zip(sorted(config["output_layers"]), outputs))
        outputs = {name: by_sorted_key[name] for name in config["output_layers"]}
    model = cls(inputs=inputs, outputs=outputs, name=config.get("name"))
    model_symbolic.restore_ancillary(model, created)
    return model
