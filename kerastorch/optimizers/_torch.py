"""TorchOptimizer: a torch.optim.Optimizer (class or instance) behind the Keras optimizer interface."""

import inspect
import numbers

import numpy as np
import torch

from kerastorch.optimizers import _base
from kerastorch.optimizers._base import Optimizer


class _SyncedLearningRate:
    """`lr`/`learning_rate` of a TorchOptimizer: the 0-dim tensor, synced with param_groups[0]['lr']."""

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        obj._sync_lr()
        return obj._variables["learning_rate"]

    def __set__(self, obj, value):
        number = _base._to_float(value, "learning_rate", type(obj).__name__)
        tensor = obj._variables.get("learning_rate")
        if tensor is None:
            obj._variables["learning_rate"] = torch.tensor(number, dtype=torch.float32)
        else:
            tensor.fill_(number)
        obj._sync_lr()


def _is_torch_optimizer_class(obj):
    return isinstance(obj, type) and issubclass(obj, torch.optim.Optimizer)


def _config_value(value):
    """A JSON-friendly copy of a torch optimizer default, or None when it has none."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value)
    if value is None or isinstance(value, (bool, str, numbers.Number)):
        return value
    if isinstance(value, (tuple, list)) and all(isinstance(v, numbers.Number) for v in value):
        return list(value)
    return _UNSERIALIZABLE


_UNSERIALIZABLE = object()


class TorchOptimizer(Optimizer):
    """Wraps a `torch.optim.Optimizer` class or instance in the Keras optimizer interface.

    With a class, `build(params)` creates `optimizer(params, **optimizer_kwargs)`; with an
    instance, `build` checks that its param groups hold every parameter. `lr` is a 0-dim tensor
    kept in sync with `param_groups[0]['lr']` in both directions (a Keras-side change rescales
    every group by the same factor; a torch scheduler's change shows in `lr`). `get_weights()` is
    `[iterations]` + the tensors of the torch state, by parameter then by sorted state key.

    Args:
        optimizer: a subclass or an instance of `torch.optim.Optimizer`.
        name: optional name (defaults to the torch class name).
        clipnorm: float > 0 or None, global-norm gradient clipping applied before the torch step.
        clipvalue: float > 0 or None, elementwise gradient clipping.
        global_clipnorm: alias of `clipnorm`.
        **optimizer_kwargs: constructor arguments of the torch class (only with a class).
    """

    learning_rate = _SyncedLearningRate()
    lr = _SyncedLearningRate()

    def __init__(self, optimizer, name=None, clipnorm=None, clipvalue=None, global_clipnorm=None, **optimizer_kwargs):
        self._torch = None
        if isinstance(optimizer, torch.optim.Optimizer):
            if optimizer_kwargs:
                raise TypeError(
                    "TorchOptimizer takes constructor arguments only with a torch optimizer class; it received "
                    f"an instance of {type(optimizer).__name__} and {', '.join(sorted(optimizer_kwargs))}."
                )
            torch_class, instance = type(optimizer), optimizer
            learning_rate = optimizer.param_groups[0]["lr"]
        elif _is_torch_optimizer_class(optimizer):
            torch_class, instance = optimizer, None
            if "lr" in optimizer_kwargs:
                learning_rate = optimizer_kwargs["lr"]
            else:
                parameter = inspect.signature(optimizer).parameters.get("lr")
                if parameter is None or parameter.default is inspect.Parameter.empty:
                    raise TypeError(
                        f"TorchOptimizer({optimizer.__name__}) needs a learning rate: pass lr=... "
                        f"({optimizer.__name__} has no default)."
                    )
                learning_rate = parameter.default
        else:
            raise TypeError(
                f"TorchOptimizer expects a torch.optim.Optimizer subclass or instance. Received: {optimizer!r}"
            )
        super().__init__(
            learning_rate=_base._to_float(learning_rate, "lr", "TorchOptimizer"),
            name=name if name is not None else torch_class.__name__,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
        )
        self.torch_class = torch_class
        self._torch_kwargs = dict(optimizer_kwargs)
        self._given_instance = instance is not None
        self._synced_tensor_lr = float(self._variables["learning_rate"])
        self._synced_group_lr = float(learning_rate)
        self._torch = instance

    @property
    def optimizer(self):
        """The wrapped torch optimizer (None before `build` when given a class)."""
        return self._torch

    def _sync_lr(self):
        if self._torch is None or "learning_rate" not in self._variables:
            return
        tensor = self._variables["learning_rate"]
        tensor_lr = float(tensor)
        groups = self._torch.param_groups
        if tensor_lr != self._synced_tensor_lr:
            old = self._synced_group_lr
            for index, group in enumerate(groups):
                if index == 0 or old == 0:
                    new = tensor_lr
                else:
                    new = float(group["lr"]) * tensor_lr / old
                if isinstance(group["lr"], torch.Tensor):
                    group["lr"].fill_(new)
                else:
                    group["lr"] = new
            self._synced_tensor_lr = self._synced_group_lr = tensor_lr
            return
        group_lr = float(groups[0]["lr"])
        if group_lr != self._synced_group_lr:
            tensor.fill_(group_lr)
            self._synced_group_lr = group_lr
            self._synced_tensor_lr = float(tensor)

    def build(self, params):
        """Creates (class) or checks (instance) the torch optimizer over `params`.

        Args:
            params: list of `torch.nn.Parameter`, the trainable weights in Keras order.
        """
        params = list(params)
        if self._params is not None and len(params) == len(self._params):
            if all(a is b for a, b in zip(params, self._params)):
                placement = [(p.device, p.dtype) for p in params]
                if placement != getattr(self, "_placement", None) and self._torch is not None:
                    # The model moved: torch's load_state_dict casts the state to the params' device.
                    self._torch.load_state_dict(self._torch.state_dict())
                self._placement = placement
                return
        self._placement = [(p.device, p.dtype) for p in params]
        if self._given_instance:
            held = {id(p) for group in self._torch.param_groups for p in group["params"]}
            missing = [index for index, p in enumerate(params) if id(p) not in held]
            if missing:
                raise ValueError(
                    f"TorchOptimizer: the wrapped {self.torch_class.__name__} does not hold {len(missing)} of the "
                    f"model's {len(params)} trainable weights (indices {missing[:10]}). Create it over "
                    "model.parameters() or pass the class instead of an instance."
                )
        else:
            self._torch = self.torch_class(params, **self._torch_kwargs)
            self._synced_group_lr = float(self._torch.param_groups[0]["lr"])
            self._sync_lr()
        self._params = params
        if self._pending_weights is not None:
            pending, self._pending_weights = self._pending_weights, None
            self.set_weights(pending)

    def step(self, closure=None):
        """Clips the gradients, runs the torch optimizer's step and increments `iterations`.

        Args:
            closure: passed to the torch optimizer's `step` (gradient clipping then does not apply).
        """
        if self._params is None:
            raise ValueError(
                f"{self.name}.step() was called before build(params). Call optimizer.build(model.trainable_weights) first."
            )
        self._sync_lr()
        if closure is not None:
            if self.clipnorm or self.clipvalue:
                raise ValueError(f"{self.name}: clipnorm/clipvalue cannot be applied when step() is given a closure.")
            loss = self._torch.step(closure)
        else:
            with torch.no_grad():
                by_group = {}
                for p in self._params:
                    if p.grad is not None:
                        by_group.setdefault((p.grad.device, p.grad.dtype), []).append(p.grad)
                if by_group:
                    self._clip(list(by_group.values()))
            loss = self._torch.step()
        self._iterations.add_(1)
        return loss

    def zero_grad(self, set_to_none=True):
        """Clears the gradients (of every parameter the torch optimizer holds).

        Args:
            set_to_none: set `.grad` to None (default) instead of zeros.
        """
        if self._torch is not None:
            self._torch.zero_grad(set_to_none=set_to_none)

    # -- state --------------------------------------------------------------------------------
    def _state_entries(self):
        entries = []
        if self._torch is None:
            return entries
        for group in self._torch.param_groups:
            for param in group["params"]:
                state = self._torch.state.get(param)
                if state:
                    entries.extend((param, key) for key in sorted(state))
        return entries

    def get_slot_names(self):
        names = []
        for _, key in self._state_entries():
            if key not in names:
                names.append(key)
        return names

    @property
    def weights(self):
        """[iterations] + the torch state values (tensors; numbers as 0-dim tensors), in a stable order."""
        if self._params is None:
            return []
        tensors = [self._iterations]
        for param, key in self._state_entries():
            value = self._torch.state[param][key]
            tensors.append(value if isinstance(value, torch.Tensor) else torch.tensor(value))
        return tensors

    def slot_arrays(self):
        arrays = {}
        for param, key in self._state_entries():
            value = self._torch.state[param][key]
            arrays.setdefault(key, []).append(
                np.asarray(value.detach().cpu() if isinstance(value, torch.Tensor) else value).copy()
            )
        return arrays

    def set_weights(self, weights):
        """Sets `iterations` and the torch state from arrays in the `get_weights()` order.

        The torch state must already exist (torch creates it at the first step); before `build`
        the arrays are kept and applied by `build`.

        Args:
            weights: list of NumPy arrays.
        """
        weights = [np.asarray(w) for w in weights]
        if self._params is None:
            self._pending_weights = weights
            return
        entries = self._state_entries()
        if len(weights) != 1 + len(entries):
            hint = (
                " The torch optimizer has no state yet (torch creates it at the first step); "
                "set the weights after one training step."
                if not entries
                else ""
            )
            raise ValueError(
                f"{self.name}.set_weights expects {1 + len(entries)} arrays ([iterations] + the torch state) "
                f"but received {len(weights)}.{hint}"
            )
        targets = [self._iterations] + [self._torch.state[p][k] for p, k in entries]
        for index, (target, value) in enumerate(zip(targets, weights)):
            shape = tuple(target.shape) if isinstance(target, torch.Tensor) else ()
            if value.shape != shape and value.size != 1:
                raise ValueError(
                    f"{self.name}.set_weights: optimizer weight {index} has shape {shape}; "
                    f"received an array of shape {value.shape}."
                )
        with torch.no_grad():
            self._iterations.fill_(int(weights[0].reshape(())))
            for (param, key), value in zip(entries, weights[1:]):
                target = self._torch.state[param][key]
                if isinstance(target, torch.Tensor):
                    target.copy_(torch.as_tensor(np.ascontiguousarray(value)).reshape(target.shape))
                else:
                    self._torch.state[param][key] = type(target)(value.reshape(()).item())

    # -- config -------------------------------------------------------------------------------
    def get_config(self):
        """{'name', 'optimizer' (dotted torch class path), 'learning_rate', 'optimizer_config', clip keys}."""
        source = self._torch.defaults if self._torch is not None else self._torch_kwargs
        # torch's `defaults` may hold keys its constructor does not take (AdamW's decoupled_weight_decay).
        accepted = inspect.signature(self.torch_class.__init__).parameters
        takes_any = any(p.kind == p.VAR_KEYWORD for p in accepted.values())
        optimizer_config = {}
        for key, value in source.items():
            if key == "lr" or (key not in accepted and not takes_any):
                continue
            value = _config_value(value)
            if value is not _UNSERIALIZABLE:
                optimizer_config[key] = value
        config = super().get_config()
        self._sync_lr()
        tensor_lr = float(self._variables["learning_rate"])
        # The exact torch value unless the Keras-side tensor was changed and not yet pushed.
        config["learning_rate"] = self._synced_group_lr if tensor_lr == self._synced_tensor_lr else tensor_lr
        config["optimizer"] = f"{self.torch_class.__module__}.{self.torch_class.__qualname__}"
        config["optimizer_config"] = optimizer_config
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Re-creates the wrapper from `get_config()`; the torch class must be in torch.optim or custom_objects.

        Args:
            config: dict from `get_config()`.
            custom_objects: optional {class name: torch optimizer class}.
        """
        config = dict(config)
        path = config.pop("optimizer", None)
        optimizer_config = dict(config.pop("optimizer_config", None) or {})
        learning_rate = config.pop("learning_rate", config.pop("lr", None))
        torch_class = _resolve_torch_class(path, custom_objects)
        if learning_rate is not None:
            optimizer_config["lr"] = learning_rate
        for key in ("clipnorm", "clipvalue", "global_clipnorm"):
            if key in config and config[key] is None:
                del config[key]
        return cls(torch_class, **config, **optimizer_config)


def _resolve_torch_class(path, custom_objects=None):
    if not isinstance(path, str) or not path:
        raise ValueError(f"TorchOptimizer config needs 'optimizer', the torch class path. Received: {path!r}")
    class_name = path.rsplit(".", 1)[-1]
    candidate = (custom_objects or {}).get(class_name) or (custom_objects or {}).get(path)
    if candidate is None and path.startswith("torch.optim."):
        candidate = getattr(torch.optim, class_name, None)
    if not _is_torch_optimizer_class(candidate):
        raise ValueError(
            f"Unknown torch optimizer class {path!r}: use a class from torch.optim or pass it in custom_objects "
            f"as {{{class_name!r}: cls}}."
        )
    return candidate
