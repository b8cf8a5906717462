"""Optimizer base: hyper-parameter variables, slot state, gradient clipping, weights and config."""

import numpy as np
import torch

# Keras 1 / Keras 2.2 spellings accepted by every optimizer constructor.
_LEGACY_RENAMES = (("lr", "learning_rate"),)

# tf.keras 2.x (new-style optimizer) config keys that have no Keras 2 meaning. Keys in
# `_IGNORED_CONFIG_KEYS` never change the update rule and are dropped; keys in
# `_DEFAULT_ONLY_CONFIG_KEYS` are dropped when they hold one of the listed defaults and refused
# otherwise.
_IGNORED_CONFIG_KEYS = ("jit_compile", "is_legacy_optimizer", "ema_momentum", "ema_overwrite_frequency")
_DEFAULT_ONLY_CONFIG_KEYS = {"weight_decay": (None, 0, 0.0), "use_ema": (False, None)}


def _to_float(value, name, owner):
    """A Python float from a number or a one-element tensor/array, else a TypeError."""
    try:
        if isinstance(value, torch.Tensor):
            return float(value.detach().reshape(()).cpu())
        return float(np.asarray(value).reshape(()))
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(
            f"{owner} expects `{name}` to be a number (or a one-element tensor). Received: {name}={value!r}"
        ) from None


def _config_float(tensor):
    """The value of a float32 hyper-parameter tensor as the shortest Python float that names it.

    `SGD(learning_rate=0.01).get_config()["learning_rate"]` is 0.01 (as in tf.keras), not the
    float32 value 0.009999999776482582 printed in full.
    """
    return float(str(np.float32(float(tensor))))


class _Variable:
    """A hyper-parameter exposed as a 0-dim float32 CPU tensor that assignment fills in place.

    `opt.lr = 0.1`, `opt.lr.fill_(0.1)` and `K.set_value(opt.lr, 0.1)` all change the same tensor,
    which `step()` reads with `float()` (a CPU read, no device sync).
    """

    def __init__(self, key):
        self.key = key

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return obj._variables[self.key]

    def __set__(self, obj, value):
        number = _to_float(value, self.key, type(obj).__name__)
        tensor = obj._variables.get(self.key)
        if tensor is None:
            obj._variables[self.key] = torch.tensor(number, dtype=torch.float32)
        else:
            tensor.fill_(number)


class _Group:
    """Parameters of one (device, dtype) with their slots: the unit of one fused update."""

    __slots__ = ("params", "slots")

    def __init__(self, params, slots):
        self.params = params
        self.slots = slots


class Optimizer:
    """Base class of the Keras 2 optimizers: state, clipping, weights and config.

    Subclasses set `_DEFAULT_LEARNING_RATE`, return their slot kinds from `get_slot_names()`
    (in Keras 2 weight order), compute per-step Python floats in `_prepare(iteration)` and apply
    them in `_update(params, grads, slots, hyper)` with `torch._foreach_*` ops.

    Args:
        learning_rate: float >= 0, the learning rate (`lr` is accepted as its legacy alias).
        name: optional name (defaults to the class name).
        clipnorm: float > 0 or None. Gradients are scaled so that the global L2 norm over all
            gradients is at most `clipnorm` (as Keras 2.3 `get_gradients` does).
        clipvalue: float > 0 or None. Gradients are clipped elementwise to
            `[-clipvalue, clipvalue]` (after `clipnorm`).
        global_clipnorm: alias of `clipnorm` (the tf.keras 2 spelling of the same rule).
    """

    _DEFAULT_LEARNING_RATE = 0.001
    # Extra config keys this class drops when they hold the given Keras-2-equivalent default.
    _CONFIG_DEFAULTS_IGNORED = {}

    learning_rate = _Variable("learning_rate")
    lr = _Variable("learning_rate")

    def __init__(self, learning_rate=None, name=None, clipnorm=None, clipvalue=None, global_clipnorm=None, **kwargs):
        owner = type(self).__name__
        for old, new in _LEGACY_RENAMES:
            if old in kwargs:
                value = kwargs.pop(old)
                if new == "learning_rate":
                    if learning_rate is not None:
                        raise TypeError(
                            f"{owner} received both `lr` and `learning_rate`; pass only `learning_rate` "
                            f"(`lr` is its legacy alias). Received: lr={value!r}, learning_rate={learning_rate!r}"
                        )
                    learning_rate = value
        if kwargs:
            raise TypeError(
                f"{owner} got unexpected keyword argument(s): {', '.join(sorted(kwargs))}. "
                "Allowed common arguments: lr, name, clipnorm, clipvalue, global_clipnorm."
            )
        if clipnorm is not None and global_clipnorm is not None:
            raise TypeError(
                f"{owner} received both `clipnorm` and `global_clipnorm` (aliases of the same global-norm "
                f"clipping); pass only one. Received: clipnorm={clipnorm!r}, global_clipnorm={global_clipnorm!r}"
            )
        if clipnorm is None:
            clipnorm = global_clipnorm
        self._variables = {}
        self.name = str(name) if name is not None else owner
        self.clipnorm = self._check_clip(clipnorm, "clipnorm")
        self.clipvalue = self._check_clip(clipvalue, "clipvalue")
        self.learning_rate = self._DEFAULT_LEARNING_RATE if learning_rate is None else learning_rate
        self._iterations = torch.zeros((), dtype=torch.int64)
        self._params = None
        self._groups = []
        self._slots = {}
        self._placement = None
        self._pending_weights = None

    # -- hyper-parameters ---------------------------------------------------------------------
    def _check_clip(self, value, name):
        if value is None:
            return None
        number = _to_float(value, name, type(self).__name__)
        if not number >= 0:
            raise ValueError(f"{type(self).__name__} expects `{name}` to be >= 0 or None. Received: {name}={value!r}")
        return number

    def _check_non_negative(self, value, name):
        number = _to_float(value, name, type(self).__name__)
        if not number >= 0:
            raise ValueError(f"{type(self).__name__} expects `{name}` to be >= 0. Received: {name}={value!r}")
        return number

    def _init_decay(self, decay):
        # Keras 2 applies time decay only when the optimizer was created with decay > 0.
        self.initial_decay = self._check_non_negative(decay, "decay")
        self.decay = self.initial_decay

    def _decayed_lr(self, iteration):
        """lr / (1 + decay * iterations), with `iterations` counted before this step (Keras 2)."""
        lr = float(self._variables["learning_rate"])
        if getattr(self, "initial_decay", 0.0) > 0:
            lr = lr * (1.0 / (1.0 + float(self._variables["decay"]) * iteration))
        return lr

    @property
    def iterations(self):
        """The number of steps taken: a 0-dim int64 CPU tensor."""
        return self._iterations

    @iterations.setter
    def iterations(self, value):
        self._iterations.fill_(int(_to_float(value, "iterations", type(self).__name__)))

    # -- state --------------------------------------------------------------------------------
    def get_slot_names(self):
        """The per-parameter slot kinds, in Keras 2 weight order (tf.keras 2 names)."""
        return []

    def _init_slot(self, slot_name, param):
        return torch.zeros_like(param, memory_format=torch.preserve_format)

    def _non_slot_variables(self):
        """Scalar state saved before the slots, as (tf.keras name, tensor) pairs."""
        return [("iterations", self._iterations)]

    @property
    def built(self):
        return self._params is not None

    def build(self, params):
        """Creates the slots for `params` (the trainable weights, in Keras weight order).

        Calling it again with the same parameters does nothing; with another list, parameters
        already known keep their slots and new ones get fresh slots (the iteration count is kept). Arrays given to `set_weights` before `build` are
        applied here.

        Args:
            params: list of `torch.nn.Parameter` (floating point tensors).
        """
        params = list(params)
        for index, param in enumerate(params):
            if not isinstance(param, torch.Tensor) or not param.is_floating_point():
                raise TypeError(
                    f"{self.name}.build expects a list of floating point torch Parameters. "
                    f"Received at index {index}: {type(param).__name__}"
                    + (f" of dtype {param.dtype}" if isinstance(param, torch.Tensor) else "")
                )
        if self._params is not None and len(params) == len(self._params):
            placement = [(p.device, p.dtype) for p in params]
            if all(a is b for a, b in zip(params, self._params)) and placement == self._placement:
                return
        self._build_state(params)
        self._params = params
        self._placement = [(p.device, p.dtype) for p in params]
        if self._pending_weights is not None:
            pending, self._pending_weights = self._pending_weights, None
            self.set_weights(pending)

    def _build_state(self, params):
        # Parameters kept from the previous build keep their slots (as tf.keras slots are keyed by
        # variable); new parameters start from fresh slots.
        previous = {id(p): index for index, p in enumerate(self._params or [])}

        def slot_for(name, param):
            index = previous.get(id(param))
            if index is not None and name in self._slots and self._params[index] is param:
                slot = self._slots[name][index]
                if slot.shape == param.shape:
                    # A model moved to another device or dtype keeps its optimizer state.
                    return slot.to(device=param.device, dtype=param.dtype)
            return self._init_slot(name, param)

        with torch.no_grad():
            self._slots = {name: [slot_for(name, p) for p in params] for name in self.get_slot_names()}
        by_key = {}
        for index, param in enumerate(params):
            by_key.setdefault((param.device, param.dtype), []).append(index)
        self._groups = [
            _Group(
                [params[i] for i in indices], {name: [slots[i] for i in indices] for name, slots in self._slots.items()}
            )
            for indices in by_key.values()
        ]

    def get_slot(self, param, slot_name):
        """The slot tensor `slot_name` of `param`."""
        if slot_name not in self._slots:
            raise ValueError(f"{self.name} has no slot {slot_name!r}. Valid slot names: {self.get_slot_names()}.")
        for index, candidate in enumerate(self._params or []):
            if candidate is param:
                return self._slots[slot_name][index]
        raise ValueError(f"{self.name}.get_slot: the parameter is not one of the optimizer's parameters.")

    # -- update -------------------------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Clears the gradients of the optimizer's parameters.

        Args:
            set_to_none: set `.grad` to None (default) instead of filling it with zeros.
        """
        if self._params is None:
            return
        if set_to_none:
            for param in self._params:
                param.grad = None
            return
        grads = [p.grad for p in self._params if p.grad is not None]
        for grad in grads:
            if grad.grad_fn is not None:
                grad.detach_()
            else:
                grad.requires_grad_(False)
        if grads:
            torch._foreach_zero_(grads)

    def _gather(self):
        """[(params, grads, slots)] per group, leaving out parameters without a gradient."""
        work = []
        for group in self._groups:
            grads = [p.grad for p in group.params]
            if all(g is not None for g in grads):
                work.append((group.params, grads, group.slots))
                continue
            keep = [i for i, g in enumerate(grads) if g is not None]
            if keep:
                work.append(
                    (
                        [group.params[i] for i in keep],
                        [grads[i] for i in keep],
                        {name: [slots[i] for i in keep] for name, slots in group.slots.items()},
                    )
                )
        return work

    def _clip(self, grad_lists):
        """Keras 2 clipping, in place on the gradients: global norm first, then elementwise."""
        if self.clipnorm:
            # Norms in float32 at least (float64 gradients keep float64).
            norm_dtype = torch.float64 if any(g[0].dtype == torch.float64 for g in grad_lists) else torch.float32
            norms = []
            for grads in grad_lists:
                dtype = None if grads[0].dtype in (torch.float32, torch.float64) else torch.float32
                norms.extend(torch._foreach_norm(grads, 2, dtype=dtype))
            device = norms[0].device
            total = torch.linalg.vector_norm(torch.stack([n.to(device=device, dtype=norm_dtype) for n in norms]))
            # Keras: g * c / n when n >= c, else g; c / max(n, c) is that without a host sync.
            scale = self.clipnorm / torch.clamp(total, min=self.clipnorm)
            for grads in grad_lists:
                torch._foreach_mul_(grads, scale.to(device=grads[0].device, dtype=grads[0].dtype))
        if self.clipvalue:
            for grads in grad_lists:
                torch._foreach_clamp_min_(grads, -self.clipvalue)
                torch._foreach_clamp_max_(grads, self.clipvalue)

    def step(self, closure=None):
        """Applies one update from the parameters' `.grad` and increments `iterations`.

        Parameters whose `.grad` is None are skipped. `clipnorm`/`clipvalue` are applied to the
        gradients in place first.

        Args:
            closure: optional callable re-evaluating the model and returning the loss (torch
                convention); it runs with gradients enabled before the update.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        if self._params is None:
            raise ValueError(
                f"{self.name}.step() was called before build(params). Call optimizer.build(model.trainable_weights) first."
            )
        with torch.no_grad():
            work = self._gather()
            if work:
                self._clip([grads for _, grads, _ in work])
            iteration = int(self._iterations)
            hyper = self._prepare(iteration)
            for params, grads, slots in work:
                self._update(params, grads, slots, hyper)
            self._finish(hyper)
            self._iterations.add_(1)
        return loss

    def _prepare(self, iteration):
        """Per-step hyper-parameters (Python floats) for the step that follows `iteration` steps."""
        return self._decayed_lr(iteration)

    def _update(self, params, grads, slots, hyper):
        raise TypeError(f"{type(self).__name__} does not define an update rule; subclass a concrete optimizer.")

    def _finish(self, hyper):
        """Updates scalar state after all groups were updated (Nadam's momentum cache)."""

    # -- weights ------------------------------------------------------------------------------
    @property
    def weights(self):
        """The optimizer state tensors in Keras 2 order: [iterations, ...] + each slot kind per parameter.

        Empty before `build` (as Keras 2 before the first update).
        """
        if self._params is None:
            return []
        tensors = [tensor for _, tensor in self._non_slot_variables()]
        for name in self.get_slot_names():
            tensors.extend(self._slots[name])
        return tensors

    def get_weights(self):
        """The optimizer state as a list of NumPy arrays (see `weights`)."""
        return [_to_numpy(t) for t in self.weights]

    def non_slot_arrays(self):
        """{name: array} of the scalar state saved before the slots (`iterations`, ...)."""
        return {name: _to_numpy(t) for name, t in self._non_slot_variables()}

    def slot_arrays(self):
        """{slot name: [one NumPy array per parameter]} in Keras 2 order; `iterations` is separate."""
        if self._params is None:
            return {}
        return {name: [_to_numpy(t) for t in self._slots[name]] for name in self.get_slot_names()}

    def _adapt_legacy_weights(self, weights, expected):
        """Converts older Keras layouts of the same state to this optimizer's layout."""
        return weights

    def set_weights(self, weights):
        """Sets the optimizer state from NumPy arrays in the `get_weights()` order.

        Before `build` the arrays are kept and applied when `build` is called.

        Args:
            weights: list of NumPy arrays.
        """
        weights = [np.asarray(w) for w in weights]
        if self._params is None:
            self._pending_weights = weights
            return
        targets = self.weights
        weights = self._adapt_legacy_weights(weights, len(targets))
        if len(weights) != len(targets):
            layout = ", ".join(name for name, _ in self._non_slot_variables())
            slots = ", ".join(f"{len(self._params)} x {name}" for name in self.get_slot_names())
            raise ValueError(
                f"{self.name}.set_weights expects {len(targets)} arrays ([{layout}]"
                f"{' + ' + slots if slots else ''}) but received {len(weights)}."
            )
        for index, (target, value) in enumerate(zip(targets, weights)):
            shape = tuple(target.shape)
            if value.shape != shape and not (target.dim() == 0 and value.size == 1):
                raise ValueError(
                    f"{self.name}.set_weights: optimizer weight {index} has shape {shape}; "
                    f"received an array of shape {value.shape}."
                )
        with torch.no_grad():
            for target, value in zip(targets, weights):
                target.copy_(torch.as_tensor(np.ascontiguousarray(value)).reshape(target.shape))

    # -- config -------------------------------------------------------------------------------
    def get_config(self):
        """The constructor arguments (Keras 2 keys), plus `clipnorm`/`clipvalue` when set."""
        config = {"name": self.name}
        if self.clipnorm is not None:
            config["clipnorm"] = self.clipnorm
        if self.clipvalue is not None:
            config["clipvalue"] = self.clipvalue
        config["learning_rate"] = _config_float(self.learning_rate)
        return config

    @classmethod
    def from_config(cls, config):
        """Creates an optimizer from a Keras 2 or tf.keras 2.x config.

        tf.keras 2.x keys without a Keras 2 meaning (`jit_compile`, `is_legacy_optimizer`, ...) are
        dropped; `weight_decay`/`use_ema` are accepted only at their disabled defaults.

        Args:
            config: dict from `get_config()`.
        """
        config = dict(config)
        for key in _IGNORED_CONFIG_KEYS:
            config.pop(key, None)
        defaults = dict(_DEFAULT_ONLY_CONFIG_KEYS)
        defaults.update({key: (value,) for key, value in cls._CONFIG_DEFAULTS_IGNORED.items()})
        for key, allowed in defaults.items():
            if key in config:
                value = config.pop(key)
                if not _is_default(value, allowed):
                    raise ValueError(
                        f"{cls.__name__}.from_config: `{key}={value!r}` is not supported (Keras 2 {cls.__name__} "
                        f"has no such option). Remove it or set it to {allowed[0]!r}."
                    )
        for key in ("clipnorm", "clipvalue", "global_clipnorm"):
            if key in config and config[key] is None:
                del config[key]
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} learning_rate={float(self.learning_rate):g}>"


def _to_numpy(tensor):
    return tensor.detach().cpu().numpy().copy()


def _is_default(value, allowed):
    if value is None:
        return None in allowed
    return any(a is not None and value == a for a in allowed)
