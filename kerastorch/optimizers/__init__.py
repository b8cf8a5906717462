"""Optimizers: the Keras 2 optimizers on torch tensors, plus `get`/`serialize`/`deserialize`.

Contract used by the training loop:

- `opt.build(params)`: `params` is the list of trainable `torch.nn.Parameter`s in Keras weight
  order. Creates the slots on the parameters' devices; the same list again is a no-op, another
  list re-creates the slots.
- `opt.step()`: one update from each parameter's `.grad` (None is skipped) under `no_grad`:
  `clipnorm` (global L2 norm over all gradients, as Keras 2.3) then `clipvalue` are applied to
  the gradients in place, then the Keras 2.3 rule runs as `torch._foreach_*` ops, one pass per
  (device, dtype) group, with no host sync; `iterations` is incremented.
- `opt.zero_grad(set_to_none=True)`.
- `opt.lr` / `opt.learning_rate`: the same 0-dim float32 CPU tensor (`K.get_value`/`K.set_value`
  or `opt.lr = 0.1` change it in place). Keras 2 variables are tensors the same way: `decay`,
  SGD `momentum`, RMSprop `rho`, Adam/Adamax/Nadam `beta_1`/`beta_2`. `opt.iterations` is a
  0-dim int64 CPU tensor.
- `weights`, `get_weights()`, `set_weights(arrays)`: Keras 2 order, `[iterations]` (Nadam:
  `[iterations, momentum_cache]`) then each slot kind for every parameter. Older Keras layouts are
  accepted (Keras 2.2.4 without iterations, Keras 2.3 Adam placeholder `vhat`s, Keras 2.3 SGD
  moments with momentum 0). `set_weights` before `build` is applied by `build`.
- `get_slot_names()`, `slot_arrays()` ({slot: [array per parameter]}) and `non_slot_arrays()`
  ({'iterations': ..., 'momentum_cache': ...}) use the tf.keras 2 names:

  | optimizer | slots |
  | --- | --- |
  | SGD | `momentum` (only when momentum > 0) |
  | RMSprop | `rms` |
  | Adagrad | `accumulator` |
  | Adadelta | `accum_grad`, `accum_var` |
  | Adam | `m`, `v` (+ `vhat` with amsgrad) |
  | Adamax | `m`, `v` (the exponentially weighted infinity norm) |
  | Nadam | `m`, `v` |

- `get_config()` / `from_config(config)`: Keras 2.3 keys plus `name`; `from_config` accepts `lr`
  and tf.keras 2.x keys (`weight_decay=None`, `use_ema=False`, `jit_compile`, ...).

Constraints are applied by the training loop after `step()`.
"""

import torch

from kerastorch.optimizers._base import Optimizer
from kerastorch.optimizers._keras import SGD
from kerastorch.optimizers._keras import Adadelta
from kerastorch.optimizers._keras import Adagrad
from kerastorch.optimizers._keras import Adam
from kerastorch.optimizers._keras import Adamax
from kerastorch.optimizers._keras import Nadam
from kerastorch.optimizers._keras import RMSprop
from kerastorch.optimizers._torch import TorchOptimizer

__all__ = [
    "Optimizer",
    "SGD",
    "RMSprop",
    "Adagrad",
    "Adadelta",
    "Adam",
    "Adamax",
    "Nadam",
    "TorchOptimizer",
    "get",
    "serialize",
    "deserialize",
]

# Keras 2 lower-case aliases.
sgd = SGD
rmsprop = RMSprop
adagrad = Adagrad
adadelta = Adadelta
adam = Adam
adamax = Adamax
nadam = Nadam

OPTIMIZERS = {
    "sgd": SGD,
    "rmsprop": RMSprop,
    "adagrad": Adagrad,
    "adadelta": Adadelta,
    "adam": Adam,
    "adamax": Adamax,
    "nadam": Nadam,
}


def serialize(optimizer):
    """Returns `{'class_name': ..., 'config': ...}` for an optimizer.

    Args:
        optimizer: an `Optimizer` instance.
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"serialize expects a kerastorch optimizer. Received: {optimizer!r}")
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def _custom_objects(custom_objects):
    from kerastorch.saving import serialization

    return serialization.scoped_custom_objects(custom_objects)


def deserialize(config, custom_objects=None):
    """Creates an optimizer from `{'class_name': ..., 'config': ...}` (built-in names are case-insensitive).

    Args:
        config: the serialized optimizer.
        custom_objects: optional {name: optimizer class} for user-defined optimizers.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"Improper optimizer config: expected a dict with 'class_name' and 'config'. Received: {config!r}"
        )
    class_name = str(config["class_name"])
    inner = dict(config.get("config") or {})
    objects = _custom_objects(custom_objects)
    # tf.keras 2.x may prefix registered names ("Custom>Adam").
    short_name = class_name.split(">")[-1]
    cls = objects.get(class_name) or objects.get(short_name)
    if cls is None:
        if short_name == "TorchOptimizer":
            return TorchOptimizer.from_config(inner, custom_objects=objects)
        if short_name == "LossScaleOptimizer":
            from kerastorch import mixed_precision  # imports this module: kept local

            return mixed_precision.LossScaleOptimizer.from_config(inner, custom_objects=objects)
        cls = OPTIMIZERS.get(short_name.lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer {class_name!r}. Valid names: {', '.join(sorted(OPTIMIZERS))}.")
    if isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer):
        return TorchOptimizer(cls, **inner)
    return cls.from_config(inner)


def get(identifier):
    """Returns an optimizer instance from a name, a config dict, an instance or a torch optimizer.

    Args:
        identifier: a name ('sgd', 'adam', 'RMSprop', ...), a `{'class_name', 'config'}` dict, an
            `Optimizer` (returned as is), or a `torch.optim.Optimizer` subclass or instance
            (wrapped in `TorchOptimizer`).
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, torch.optim.Optimizer):
        return TorchOptimizer(identifier)
    if isinstance(identifier, type) and issubclass(identifier, torch.optim.Optimizer):
        return TorchOptimizer(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    raise ValueError(
        "Could not interpret optimizer identifier: expected a name, a config dict, an optimizer or a "
        f"torch.optim.Optimizer. Received: {identifier!r}. Valid names: {', '.join(sorted(OPTIMIZERS))}."
    )
