"""Mixed precision: dtype policies (`Policy`, `set_global_policy`), torch.autocast per layer, loss scaling.

As in tf.keras 2.4+: a policy names a compute dtype and a variable dtype. Under
`set_global_policy('mixed_float16')` (or `'mixed_bfloat16'`) new layers keep float32 weights and
run their forward under `torch.autocast` (float16 / bfloat16 on CUDA; bfloat16 on CPU, where
`mixed_float16` warns once and uses bfloat16). A model called at the top level returns float32
outputs, so losses and metrics are computed in float32. `Model.compile` wraps the optimizer in a
`LossScaleOptimizer` under `mixed_float16`, which scales the loss, unscales the gradients, skips
the update when they contain inf/nan and adapts the scale (the `torch.amp.GradScaler` rule).

Example:
    >>> from kerastorch import mixed_precision
    >>> mixed_precision.set_global_policy("mixed_bfloat16")
    >>> layer = kerastorch.layers.Dense(4)
    >>> layer.compute_dtype, layer.dtype
    ('bfloat16', 'float32')
"""

import types
import warnings

import numpy as np
import torch

from kerastorch import backend
from kerastorch.optimizers import _base as optimizers_base

__all__ = [
    "Policy",
    "global_policy",
    "set_global_policy",
    "LossScaleOptimizer",
    "experimental",
]

_FLOAT_NAMES = ("float16", "bfloat16", "float32", "float64")
_MIXED_NAMES = ("mixed_float16", "mixed_bfloat16")

# Set once any mixed policy exists: only then does Layer.__call__ look at policies.
POLICY_CALLS = [False]

_GLOBAL_POLICY = [None]
_WARNED = set()


def _warn_once(key, message):
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(message, stacklevel=3)


class Policy:
    """A dtype policy: the dtype a layer computes in and the dtype of its weights.

    Args:
        name: 'float32', 'float64', 'float16', 'bfloat16', 'mixed_float16' (compute float16,
            weights float32) or 'mixed_bfloat16' (compute bfloat16, weights float32).
    """

    def __init__(self, name):
        if isinstance(name, Policy):
            name = name.name
        if not isinstance(name, str):
            raise TypeError(f"Policy expects `name` to be a string. Received: name={name!r}")
        if name in _MIXED_NAMES:
            compute, variable = name[len("mixed_") :], "float32"
        else:
            try:
                backend.standardize_dtype(name)
            except (TypeError, ValueError):
                raise ValueError(
                    f"Cannot convert value {name!r} to a mixed precision Policy. Valid names: "
                    f"{', '.join(_MIXED_NAMES + _FLOAT_NAMES)} (or another dtype name such as 'int32')."
                ) from None
            compute = variable = name
        self._name = name
        self._compute_dtype = compute
        self._variable_dtype = variable
        if name in _MIXED_NAMES:
            POLICY_CALLS[0] = True

    @property
    def name(self):
        """The policy name ('mixed_float16', 'float32', ...)."""
        return self._name

    @property
    def compute_dtype(self):
        """Dtype name layers compute in."""
        return self._compute_dtype

    @property
    def variable_dtype(self):
        """Dtype name of the layers' weights."""
        return self._variable_dtype

    @property
    def is_mixed(self):
        return self._name in _MIXED_NAMES

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, Policy) and other.name == self.name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        return f'<Policy "{self._name}">'


def global_policy():
    """The policy new layers get when they are created without `dtype` (default: floatx)."""
    policy = _GLOBAL_POLICY[0]
    return policy if policy is not None else Policy(backend.floatx())


def set_global_policy(policy):
    """Sets the policy of layers created from now on.

    Args:
        policy: a Policy, a policy name ('mixed_float16', 'mixed_bfloat16', 'float32', ...) or
            None to go back to `floatx()`.
    """
    if policy is None:
        _GLOBAL_POLICY[0] = None
        return
    if not isinstance(policy, (Policy, str)):
        raise TypeError(f"set_global_policy expects a Policy, a policy name or None. Received: policy={policy!r}")
    policy = Policy(policy) if isinstance(policy, str) else policy
    _GLOBAL_POLICY[0] = policy


def policy_of(dtype):
    """The Policy of a layer created with `dtype` (None: the global policy)."""
    if dtype is None:
        return global_policy()
    if isinstance(dtype, Policy):
        return dtype
    if isinstance(dtype, dict):
        config = dtype.get("config", {}) if "class_name" in dtype else dtype
        name = config.get("name")
        return Policy(name) if name else global_policy()
    if isinstance(dtype, str) and dtype in _MIXED_NAMES + _FLOAT_NAMES:
        return Policy(dtype)
    return Policy(backend.dtype_name(backend.standardize_dtype(dtype)))


def serialize_policy(policy):
    """The `dtype` config value: the dtype name for plain policies, a Policy config for mixed ones."""
    if policy.is_mixed:
        return {"class_name": "Policy", "config": {"name": policy.name}}
    return policy.name


# ---------------------------------------------------------------------------------------------
# Running layers under their policy
# ---------------------------------------------------------------------------------------------
def _first_tensor(value):
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (list, tuple)):
        for item in value:
            found = _first_tensor(item)
            if found is not None:
                return found
    if isinstance(value, dict):
        return _first_tensor(list(value.values()))
    return None


def autocast_dtype(policy, device_type):
    """The torch dtype torch.autocast uses for a mixed `policy` on `device_type`."""
    if device_type == "cpu" and policy.compute_dtype == "float16":
        _warn_once(
            "cpu_float16",
            "The 'mixed_float16' policy runs in bfloat16 on CPU (torch.autocast on CPU is only fast and "
            "accurate with bfloat16); use 'mixed_bfloat16' to say so, or run on a CUDA device for float16.",
        )
        return torch.bfloat16
    return backend.standardize_dtype(policy.compute_dtype)


def _cast_floats(value, dtype):
    if isinstance(value, torch.Tensor):
        return value.to(dtype) if value.is_floating_point() and value.dtype != dtype else value
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_floats(v, dtype) for v in value)
    if isinstance(value, dict):
        return {k: _cast_floats(v, dtype) for k, v in value.items()}
    return value


_MODEL_CLASS = []


def _model_class():
    if not _MODEL_CLASS:
        from kerastorch.engine import model as model_module

        _MODEL_CLASS.append(model_module.Model)
    return _MODEL_CLASS[0]


def call_under_policy(layer, inputs, args, kwargs):
    """Runs `layer` (torch.nn.Module.__call__) in its policy's compute dtype.

    A mixed layer outside an autocast region opens one (a model opening it returns float32
    outputs); a float layer inside an autocast region closes it and casts its inputs.
    """
    policy = layer._dtype_policy
    tensor = _first_tensor(inputs)
    device_type = tensor.device.type if tensor is not None else None
    if device_type not in ("cuda", "cpu", "xpu", "mps"):
        return torch.nn.Module.__call__(layer, inputs, *args, **kwargs)
    enabled = torch.is_autocast_enabled(device_type)
    if policy.is_mixed:
        if enabled:
            return torch.nn.Module.__call__(layer, inputs, *args, **kwargs)
        with torch.autocast(device_type, dtype=autocast_dtype(policy, device_type)):
            outputs = torch.nn.Module.__call__(layer, inputs, *args, **kwargs)
        if isinstance(layer, _model_class()):
            # Losses, metrics and predictions see float32 (the outermost model closes the region).
            outputs = _cast_floats(outputs, torch.float32)
        return outputs
    if enabled and policy.compute_dtype in ("float32", "float64"):
        dtype = backend.standardize_dtype(policy.compute_dtype)
        with torch.autocast(device_type, enabled=False):
            return torch.nn.Module.__call__(layer, _cast_floats(inputs, dtype), *args, **kwargs)
    return torch.nn.Module.__call__(layer, inputs, *args, **kwargs)


# ---------------------------------------------------------------------------------------------
# Loss scaling
# ---------------------------------------------------------------------------------------------
class LossScaleOptimizer(optimizers_base.Optimizer):
    """Dynamic loss scaling around a Keras optimizer (tf.keras.mixed_precision.LossScaleOptimizer).

    The training step back-propagates `get_scaled_loss(loss)`; `step()` then unscales the
    gradients in place and checks them: with any inf/nan the update is skipped (the inner
    optimizer's `iterations` still counts the step, as tf.keras) and the scale is halved;
    after `dynamic_growth_steps` finite steps in a row the scale doubles. This is the
    `torch.amp.GradScaler` rule, with Keras's defaults.

    Args:
        inner_optimizer: a kerastorch optimizer (or anything `optimizers.get` accepts). The
            wrapper is an `optimizers.Optimizer` whose hyper-parameters, state and weights are
            the inner optimizer's.
        dynamic: adapt the scale (True) or keep `initial_scale` fixed (False).
        initial_scale: the first loss scale (default 2**15).
        dynamic_growth_steps: finite steps before the scale doubles (default 2000).
    """

    def __init__(self, inner_optimizer, dynamic=True, initial_scale=None, dynamic_growth_steps=None):
        from kerastorch import optimizers

        if isinstance(inner_optimizer, LossScaleOptimizer):
            raise TypeError("LossScaleOptimizer cannot wrap another LossScaleOptimizer.")
        self.inner_optimizer = optimizers.get(inner_optimizer)
        self.dynamic = bool(dynamic)
        if initial_scale is None:
            initial_scale = 2.0**15 if self.dynamic else None
        if initial_scale is None:
            raise ValueError("LossScaleOptimizer(dynamic=False) needs an `initial_scale`.")
        initial_scale = float(initial_scale)
        if not initial_scale > 0 or not np.isfinite(initial_scale):
            raise ValueError(
                f"LossScaleOptimizer expects `initial_scale` to be a positive finite number. "
                f"Received: initial_scale={initial_scale!r}"
            )
        if dynamic_growth_steps is None:
            dynamic_growth_steps = 2000
        if not self.dynamic and dynamic_growth_steps != 2000:
            raise ValueError("`dynamic_growth_steps` is only meaningful with dynamic=True.")
        if not isinstance(dynamic_growth_steps, (int, np.integer)) or dynamic_growth_steps < 1:
            raise ValueError(
                "LossScaleOptimizer expects `dynamic_growth_steps` to be a positive integer. "
                f"Received: dynamic_growth_steps={dynamic_growth_steps!r}"
            )
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        self._scale = torch.tensor(initial_scale, dtype=torch.float32)
        self._growth_tracker = torch.zeros((), dtype=torch.int32)
        self.skipped_steps = 0

    # -- scaling ------------------------------------------------------------------------------
    @property
    def loss_scale(self):
        """The current loss scale (a 0-dim float32 tensor)."""
        return self._scale

    @property
    def dynamic_counter(self):
        """Finite steps since the scale last changed."""
        return self._growth_tracker

    def get_scaled_loss(self, loss):
        """`loss * loss_scale` (what the training step back-propagates)."""
        return loss * self._scale.to(device=loss.device, dtype=loss.dtype)

    def get_unscaled_gradients(self, grads):
        """The gradients divided by the loss scale (None entries stay None)."""
        return [None if g is None else g / self._scale.to(device=g.device, dtype=g.dtype) for g in grads]

    def _inner_params(self):
        params = getattr(self.inner_optimizer, "_params", None)
        if params is None:
            raise ValueError(
                "LossScaleOptimizer.step() was called before build(params). "
                "Call optimizer.build(model.trainable_weights) first."
            )
        return params

    def _unscale_and_check(self):
        """Unscales every gradient in place; returns a 0-dim tensor > 0 when any is inf/nan."""
        groups = {}
        for param in self._inner_params():
            if param.grad is not None:
                groups.setdefault((param.grad.device, param.grad.dtype), []).append(param.grad)
        found = torch.zeros((), dtype=torch.float32)
        for (device, _), grads in groups.items():
            if self._scale.device != device:
                self._scale = self._scale.to(device)
                self._growth_tracker = self._growth_tracker.to(device)
            found_here = torch.zeros((), dtype=torch.float32, device=device)
            inv_scale = self._scale.double().reciprocal().float()
            torch._amp_foreach_non_finite_check_and_unscale_(grads, found_here, inv_scale)
            found = found + found_here.to(found.device)
        return found

    def step(self, closure=None):
        """Unscales the gradients, skips the update on inf/nan, then updates the loss scale."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        with torch.no_grad():
            found = self._unscale_and_check()
            # One host read per step, as torch.amp.GradScaler.step.
            skip = bool(found.item() > 0)
            if skip:
                self.skipped_steps += 1
                self.inner_optimizer.iterations.add_(1)
            else:
                self.inner_optimizer.step()
            if self.dynamic:
                found = found.to(self._scale.device)
                torch._amp_update_scale_(self._scale, self._growth_tracker, found, 2.0, 0.5, self.dynamic_growth_steps)
        return loss

    # -- the inner optimizer's interface ---------------------------------------------------------
    def build(self, params):
        self.inner_optimizer.build(params)

    def zero_grad(self, set_to_none=True):
        self.inner_optimizer.zero_grad(set_to_none=set_to_none)

    @property
    def built(self):
        return self.inner_optimizer.built

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    lr = learning_rate

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    @iterations.setter
    def iterations(self, value):
        self.inner_optimizer.iterations = value

    @property
    def weights(self):
        return self.inner_optimizer.weights

    def get_weights(self):
        return self.inner_optimizer.get_weights()

    def set_weights(self, weights):
        self.inner_optimizer.set_weights(weights)

    def get_slot_names(self):
        return self.inner_optimizer.get_slot_names()

    def get_slot(self, param, slot_name):
        return self.inner_optimizer.get_slot(param, slot_name)

    @property
    def name(self):
        return self.inner_optimizer.name

    def get_config(self):
        from kerastorch import optimizers

        return {
            "inner_optimizer": optimizers.serialize(self.inner_optimizer),
            "dynamic": self.dynamic,
            "initial_scale": self.initial_scale,
            "dynamic_growth_steps": self.dynamic_growth_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kerastorch import optimizers

        config = dict(config)
        inner = optimizers.deserialize(config.pop("inner_optimizer"), custom_objects=custom_objects)
        return cls(inner, **config)

    def __getattr__(self, name):
        # Everything else (clipnorm, slot_arrays, hyper-parameters, ...) is the inner optimizer's.
        if name.startswith("__") or name == "inner_optimizer":
            raise AttributeError(name)
        return getattr(self.inner_optimizer, name)

    def __repr__(self):
        return f"<LossScaleOptimizer inner={self.inner_optimizer!r} loss_scale={float(self._scale):g}>"


def maybe_wrap_optimizer(model, optimizer):
    """`optimizer` wrapped in a LossScaleOptimizer when `model` runs under 'mixed_float16' (as tf.keras)."""
    policy = getattr(model, "_dtype_policy", None)
    if policy is not None and policy.name == "mixed_float16" and not isinstance(optimizer, LossScaleOptimizer):
        return LossScaleOptimizer(optimizer)
    return optimizer


# The tf.keras 2.1-2.3 spellings.
experimental = types.SimpleNamespace(
    Policy=Policy,
    set_policy=set_global_policy,
    global_policy=global_policy,
    LossScaleOptimizer=LossScaleOptimizer,
)
