"""The Keras 2.3 update rules (SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax, Nadam) as fused torch updates."""

import math

import numpy as np
import torch

from kerastorch import backend
from kerastorch.optimizers import _base
from kerastorch.optimizers._base import Optimizer
from kerastorch.optimizers._base import _Variable


def _epsilon(value, owner):
    if value is None:
        return backend.epsilon()
    return _base._to_float(value, "epsilon", owner)


def _prepend_iterations(weights, expected):
    # Keras 2.2.4 RMSprop/Adagrad/Adadelta saved no iteration count: start it at 0 (as Keras 2.3).
    if len(weights) == expected - 1:
        return [np.zeros((), dtype=np.int64)] + list(weights)
    return weights


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, Nesterov momentum and time decay (Keras 2).

    Update: `v = momentum * v - lr * g`; `p = p + v` (Nesterov: `p = p + momentum * v - lr * g`),
    with `lr = learning_rate / (1 + decay * iterations)`. Unlike `torch.optim.SGD`, the velocity
    holds `lr * g`, so changing the learning rate mid-training acts on new gradients only.

    Args:
        learning_rate: float >= 0 (default 0.01).
        momentum: float in [0, 1]. A `momentum` slot exists only when momentum > 0 at construction.
        nesterov: whether to apply Nesterov momentum.
        decay: float >= 0, learning rate decay per update.
        **kwargs: `lr`, `name`, `clipnorm`, `clipvalue`, `global_clipnorm`.
    """

    _DEFAULT_LEARNING_RATE = 0.01
    momentum = _Variable("momentum")
    decay = _Variable("decay")

    def __init__(self, learning_rate=None, momentum=0.0, nesterov=False, decay=0.0, **kwargs):
        super().__init__(learning_rate, **kwargs)
        momentum = self._check_non_negative(momentum, "momentum")
        if momentum > 1:
            raise ValueError(f"SGD expects `momentum` to be between 0 and 1. Received: momentum={momentum!r}")
        self.momentum = momentum
        self.nesterov = bool(nesterov)
        self._init_decay(decay)
        self._use_momentum = float(self.momentum) > 0

    def get_slot_names(self):
        return ["momentum"] if self._use_momentum else []

    def _prepare(self, iteration):
        return self._decayed_lr(iteration), float(self._variables["momentum"])

    def _update(self, params, grads, slots, hyper):
        lr, momentum = hyper
        if not self._use_momentum:
            torch._foreach_add_(params, grads, alpha=-lr)
            return
        velocities = slots["momentum"]
        torch._foreach_mul_(velocities, momentum)
        torch._foreach_add_(velocities, grads, alpha=-lr)
        if self.nesterov:
            torch._foreach_add_(params, velocities, alpha=momentum)
            torch._foreach_add_(params, grads, alpha=-lr)
        else:
            torch._foreach_add_(params, velocities)

    def _adapt_legacy_weights(self, weights, expected):
        # Keras 2.3 keeps (unused) moments even when momentum == 0: drop them.
        if not self._use_momentum and len(weights) == 1 + len(self._params):
            return weights[:1]
        return weights

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "decay": _base._config_float(self.decay),
                "momentum": _base._config_float(self.momentum),
                "nesterov": self.nesterov,
            }
        )
        return config


class RMSprop(Optimizer):
    """RMSProp (Keras 2, with tf.keras 2's `momentum` and `centered` options).

    `a = rho * a + (1 - rho) * g**2`; `p -= lr * g / (sqrt(a) + epsilon)`. Centered, the mean
    gradient `mg = rho * mg + (1 - rho) * g` is tracked too and `a - mg**2` replaces `a`. With
    `momentum > 0`, as tf.keras 2: `mom = momentum * mom + lr * g / sqrt(a + epsilon)` (epsilon
    inside the root); `p -= mom`.

    Args:
        learning_rate: float >= 0 (default 0.001).
        rho: float >= 0, decay of the moving average of squared gradients.
        momentum: float >= 0 (default 0.0). A `momentum` slot exists only when momentum > 0.
        epsilon: fuzz factor; None means `backend.epsilon()` (1e-7).
        centered: normalize by the estimated variance of the gradient (adds the `mg` slot).
        decay: float >= 0, learning rate decay per update.
        **kwargs: `lr`, `name`, `clipnorm`, `clipvalue`, `global_clipnorm`.
    """

    _DEFAULT_LEARNING_RATE = 0.001
    rho = _Variable("rho")
    momentum = _Variable("momentum")
    decay = _Variable("decay")

    def __init__(self, learning_rate=None, rho=0.9, epsilon=None, decay=0.0, momentum=0.0, centered=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = rho
        self.momentum = self._check_non_negative(momentum, "momentum")
        self.epsilon = _epsilon(epsilon, type(self).__name__)
        self.centered = bool(centered)
        self._init_decay(decay)
        self._use_momentum = float(self.momentum) > 0

    def get_slot_names(self):
        # tf.keras 2 creates (and saves) every `rms`, then every `momentum`, then every `mg`.
        names = ["rms"]
        if self._use_momentum:
            names.append("momentum")
        if self.centered:
            names.append("mg")
        return names

    def _prepare(self, iteration):
        return self._decayed_lr(iteration), float(self._variables["rho"]), float(self._variables["momentum"])

    def _update(self, params, grads, slots, hyper):
        lr, rho, momentum = hyper
        rms = slots["rms"]
        torch._foreach_mul_(rms, rho)
        torch._foreach_addcmul_(rms, grads, grads, value=1.0 - rho)
        if self.centered:
            mean_grads = slots["mg"]
            torch._foreach_mul_(mean_grads, rho)
            torch._foreach_add_(mean_grads, grads, alpha=1.0 - rho)
            denominators = torch._foreach_mul(mean_grads, mean_grads)
            torch._foreach_neg_(denominators)
            torch._foreach_add_(denominators, rms)
        else:
            denominators = torch._foreach_mul(rms, 1.0)
        if self._use_momentum:
            # tf.keras 2's fused kernels put epsilon inside the square root on this path.
            torch._foreach_add_(denominators, self.epsilon)
            torch._foreach_sqrt_(denominators)
            moments = slots["momentum"]
            torch._foreach_mul_(moments, momentum)
            torch._foreach_addcdiv_(moments, grads, denominators, value=lr)
            torch._foreach_sub_(params, moments)
            return
        torch._foreach_sqrt_(denominators)
        torch._foreach_add_(denominators, self.epsilon)
        torch._foreach_addcdiv_(params, grads, denominators, value=-lr)

    def _adapt_legacy_weights(self, weights, expected):
        return _prepend_iterations(weights, expected)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "decay": _base._config_float(self.decay),
                "rho": _base._config_float(self.rho),
                "momentum": _base._config_float(self.momentum),
                "epsilon": self.epsilon,
                "centered": self.centered,
            }
        )
        return config


class Adagrad(Optimizer):
    """Adagrad (Keras 2): `a = a + g**2`; `p -= lr * g / (sqrt(a) + epsilon)`.

    Args:
        learning_rate: float >= 0 (default 0.01).
        epsilon: fuzz factor; None means `backend.epsilon()` (1e-7).
        decay: float >= 0, learning rate decay per update.
        initial_accumulator_value: starting value of the accumulators (Keras 2.3: 0; tf.keras 2
            configs carry 0.1).
        **kwargs: `lr`, `name`, `clipnorm`, `clipvalue`, `global_clipnorm`.
    """

    _DEFAULT_LEARNING_RATE = 0.01
    decay = _Variable("decay")

    def __init__(self, learning_rate=None, epsilon=None, decay=0.0, initial_accumulator_value=0.0, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.epsilon = _epsilon(epsilon, type(self).__name__)
        self._init_decay(decay)
        self.initial_accumulator_value = self._check_non_negative(
            initial_accumulator_value, "initial_accumulator_value"
        )

    def get_slot_names(self):
        return ["accumulator"]

    def _init_slot(self, slot_name, param):
        return torch.full_like(param, self.initial_accumulator_value, memory_format=torch.preserve_format)

    def _update(self, params, grads, slots, lr):
        accumulators = slots["accumulator"]
        torch._foreach_addcmul_(accumulators, grads, grads)
        denominators = torch._foreach_sqrt(accumulators)
        torch._foreach_add_(denominators, self.epsilon)
        torch._foreach_addcdiv_(params, grads, denominators, value=-lr)

    def _adapt_legacy_weights(self, weights, expected):
        return _prepend_iterations(weights, expected)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "decay": _base._config_float(self.decay),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon,
            }
        )
        return config


class Adadelta(Optimizer):
    """Adadelta (Keras 2).

    `a = rho * a + (1 - rho) * g**2`; `u = g * sqrt(d + epsilon) / sqrt(a + epsilon)`;
    `p -= lr * u`; `d = rho * d + (1 - rho) * u**2`.

    Args:
        learning_rate: float >= 0 (default 1.0).
        rho: float >= 0, decay of the moving averages.
        epsilon: fuzz factor; None means `backend.epsilon()` (1e-7).
        decay: float >= 0, learning rate decay per update.
        **kwargs: `lr`, `name`, `clipnorm`, `clipvalue`, `global_clipnorm`.
    """

    _DEFAULT_LEARNING_RATE = 1.0
    decay = _Variable("decay")

    def __init__(self, learning_rate=None, rho=0.95, epsilon=None, decay=0.0, **kwargs):
        super().__init__(learning_rate, **kwargs)
        # Keras 2.3 keeps Adadelta's rho as a plain float.
        self.rho = _base._to_float(rho, "rho", type(self).__name__)
        self.epsilon = _epsilon(epsilon, type(self).__name__)
        self._init_decay(decay)

    def get_slot_names(self):
        return ["accum_grad", "accum_var"]

    def _update(self, params, grads, slots, lr):
        rho, epsilon = self.rho, self.epsilon
        accumulators, delta_accumulators = slots["accum_grad"], slots["accum_var"]
        torch._foreach_mul_(accumulators, rho)
        torch._foreach_addcmul_(accumulators, grads, grads, value=1.0 - rho)
        # The new accumulator and the *old* delta accumulator.
        updates = torch._foreach_add(delta_accumulators, epsilon)
        torch._foreach_sqrt_(updates)
        denominators = torch._foreach_add(accumulators, epsilon)
        torch._foreach_sqrt_(denominators)
        torch._foreach_div_(updates, denominators)
        torch._foreach_mul_(updates, grads)
        torch._foreach_add_(params, updates, alpha=-lr)
        torch._foreach_mul_(delta_accumulators, rho)
        torch._foreach_addcmul_(delta_accumulators, updates, updates, value=1.0 - rho)

    def _adapt_legacy_weights(self, weights, expected):
        return _prepend_iterations(weights, expected)

    def get_config(self):
        config = super().get_config()
        config.update({"decay": _base._config_float(self.decay), "rho": self.rho, "epsilon": self.epsilon})
        return config


class Adam(Optimizer):
    """Adam (Keras 2), optionally AMSGrad.

    `m = b1 * m + (1 - b1) * g`; `v = b2 * v + (1 - b2) * g**2`;
    `lr_t = lr * sqrt(1 - b2**t) / (1 - b1**t)`; `p -= lr_t * m / (sqrt(v) + epsilon)`
    (AMSGrad: `vhat = max(vhat, v)` replaces `v` in the denominator), t = iterations + 1.

    Args:
        learning_rate: float >= 0 (default 0.001).
        beta_1: float in (0, 1).
        beta_2: float in (0, 1).
        epsilon: fuzz factor; None means `backend.epsilon()` (1e-7).
        decay: float >= 0, learning rate decay per update.
        amsgrad: whether to apply the AMSGrad variant (adds the `vhat` slot).
        **kwargs: `lr`, `name`, `clipnorm`, `clipvalue`, `global_clipnorm`.
    """

    _DEFAULT_LEARNING_RATE = 0.001
    beta_1 = _Variable("beta_1")
    beta_2 = _Variable("beta_2")
    decay = _Variable("decay")

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.0, amsgrad=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = _epsilon(epsilon, type(self).__name__)
        self._init_decay(decay)
        self.amsgrad = bool(amsgrad)

    def get_slot_names(self):
        return ["m", "v", "vhat"] if self.amsgrad else ["m", "v"]

    def _prepare(self, iteration):
        t = iteration + 1
        beta_1 = float(self._variables["beta_1"])
        beta_2 = float(self._variables["beta_2"])
        lr_t = self._decayed_lr(iteration) * (math.sqrt(1.0 - beta_2**t) / (1.0 - beta_1**t))
        return lr_t, beta_1, beta_2

    def _update(self, params, grads, slots, hyper):
        lr_t, beta_1, beta_2 = hyper
        ms, vs = slots["m"], slots["v"]
        torch._foreach_mul_(ms, beta_1)
        torch._foreach_add_(ms, grads, alpha=1.0 - beta_1)
        torch._foreach_mul_(vs, beta_2)
        torch._foreach_addcmul_(vs, grads, grads, value=1.0 - beta_2)
        if self.amsgrad:
            torch._foreach_maximum_(slots["vhat"], vs)
            vs = slots["vhat"]
        denominators = torch._foreach_sqrt(vs)
        torch._foreach_add_(denominators, self.epsilon)
        torch._foreach_addcdiv_(params, ms, denominators, value=-lr_t)

    def _adapt_legacy_weights(self, weights, expected):
        # Keras 2.3 saves one placeholder `vhat` of shape (1,) per weight even without amsgrad.
        count = len(self._params)
        if not self.amsgrad and len(weights) == 3 * count + 1:
            return weights[: 2 * count + 1]
        return weights

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "decay": _base._config_float(self.decay),
                "beta_1": _base._config_float(self.beta_1),
                "beta_2": _base._config_float(self.beta_2),
                "epsilon": self.epsilon,
                "amsgrad": self.amsgrad,
            }
        )
        return config


class Adamax(Optimizer):
    """Adamax (Keras 2), Adam with the infinity norm.

    `m = b1 * m + (1 - b1) * g`; `u = max(b2 * u, |g|)`; `p -= lr / (1 - b1**t) * m / (u + epsilon)`.

    Args:
        learning_rate: float >= 0 (default 0.002).
        beta_1: float in (0, 1).
        beta_2: float in (0, 1).
        epsilon: fuzz factor; None means `backend.epsilon()` (1e-7).
        decay: float >= 0, learning rate decay per update.
        **kwargs: `lr`, `name`, `clipnorm`, `clipvalue`, `global_clipnorm`.
    """

    _DEFAULT_LEARNING_RATE = 0.002
    beta_1 = _Variable("beta_1")
    beta_2 = _Variable("beta_2")
    decay = _Variable("decay")

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.0, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = _epsilon(epsilon, type(self).__name__)
        self._init_decay(decay)

    def get_slot_names(self):
        return ["m", "v"]

    def _prepare(self, iteration):
        beta_1 = float(self._variables["beta_1"])
        lr_t = self._decayed_lr(iteration) / (1.0 - beta_1 ** (iteration + 1))
        return lr_t, beta_1, float(self._variables["beta_2"])

    def _update(self, params, grads, slots, hyper):
        lr_t, beta_1, beta_2 = hyper
        ms, us = slots["m"], slots["v"]
        torch._foreach_mul_(ms, beta_1)
        torch._foreach_add_(ms, grads, alpha=1.0 - beta_1)
        torch._foreach_mul_(us, beta_2)
        torch._foreach_maximum_(us, torch._foreach_abs(grads))
        denominators = torch._foreach_add(us, self.epsilon)
        torch._foreach_addcdiv_(params, ms, denominators, value=-lr_t)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "decay": _base._config_float(self.decay),
                "beta_1": _base._config_float(self.beta_1),
                "beta_2": _base._config_float(self.beta_2),
                "epsilon": self.epsilon,
            }
        )
        return config


def _momentum_cache(beta_1, schedule_decay, t):
    """Nadam's warming momentum schedule at step t (1-based)."""
    return beta_1 * (1.0 - 0.5 * math.pow(0.96, t * schedule_decay))


class Nadam(Optimizer):
    """Nesterov Adam (Keras 2), with the warming momentum schedule.

    `mu_t = b1 * (1 - 0.5 * 0.96**(t * schedule_decay))`; `s_t = s_{t-1} * mu_t` (the momentum
    cache, saved as a weight); `g' = g / (1 - s_t)`; `m' = m / (1 - s_t * mu_{t+1})`;
    `v' = v / (1 - b2**t)`; `p -= lr * ((1 - mu_t) * g' + mu_{t+1} * m') / (sqrt(v') + epsilon)`.

    Args:
        learning_rate: float >= 0 (default 0.002).
        beta_1: float in (0, 1).
        beta_2: float in (0, 1).
        epsilon: fuzz factor; None means `backend.epsilon()` (1e-7).
        schedule_decay: float, the momentum schedule decay (default 0.004).
        **kwargs: `lr`, `name`, `clipnorm`, `clipvalue`, `global_clipnorm`.
    """

    _DEFAULT_LEARNING_RATE = 0.002
    beta_1 = _Variable("beta_1")
    beta_2 = _Variable("beta_2")

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=None, schedule_decay=0.004, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = _epsilon(epsilon, type(self).__name__)
        self.schedule_decay = _base._to_float(schedule_decay, "schedule_decay", type(self).__name__)
        self._m_schedule = torch.ones((), dtype=torch.float32)

    def get_slot_names(self):
        return ["m", "v"]

    def _non_slot_variables(self):
        return [("iterations", self._iterations), ("momentum_cache", self._m_schedule)]

    def _prepare(self, iteration):
        t = iteration + 1
        beta_1 = float(self._variables["beta_1"])
        beta_2 = float(self._variables["beta_2"])
        cache_t = _momentum_cache(beta_1, self.schedule_decay, t)
        cache_next = _momentum_cache(beta_1, self.schedule_decay, t + 1)
        schedule_new = float(self._m_schedule) * cache_t
        schedule_next = schedule_new * cache_next
        return {
            "lr": float(self._variables["learning_rate"]),
            "beta_1": beta_1,
            "beta_2": beta_2,
            "grad_coefficient": (1.0 - cache_t) / (1.0 - schedule_new),
            "m_coefficient": cache_next / (1.0 - schedule_next),
            "v_correction": 1.0 - beta_2**t,
            "schedule_new": schedule_new,
        }

    def _update(self, params, grads, slots, hyper):
        beta_1, beta_2 = hyper["beta_1"], hyper["beta_2"]
        ms, vs = slots["m"], slots["v"]
        torch._foreach_mul_(ms, beta_1)
        torch._foreach_add_(ms, grads, alpha=1.0 - beta_1)
        torch._foreach_mul_(vs, beta_2)
        torch._foreach_addcmul_(vs, grads, grads, value=1.0 - beta_2)
        m_bar = torch._foreach_mul(grads, hyper["grad_coefficient"])
        torch._foreach_add_(m_bar, ms, alpha=hyper["m_coefficient"])
        denominators = torch._foreach_div(vs, hyper["v_correction"])
        torch._foreach_sqrt_(denominators)
        torch._foreach_add_(denominators, self.epsilon)
        torch._foreach_addcdiv_(params, m_bar, denominators, value=-hyper["lr"])

    def _finish(self, hyper):
        self._m_schedule.fill_(hyper["schedule_new"])

    def _adapt_legacy_weights(self, weights, expected):
        # Keras 2.2.4 saved no momentum cache: rebuild it from the iteration count.
        if len(weights) == expected - 1:
            steps = int(np.asarray(weights[0]).reshape(()))
            beta_1 = float(self._variables["beta_1"])
            schedule = 1.0
            for t in range(1, steps + 1):
                schedule *= _momentum_cache(beta_1, self.schedule_decay, t)
            return [weights[0], np.asarray(schedule, dtype=np.float32)] + list(weights[1:])
        return weights

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta_1": _base._config_float(self.beta_1),
                "beta_2": _base._config_float(self.beta_2),
                "epsilon": self.epsilon,
                "schedule_decay": self.schedule_decay,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        """Creates a Nadam from a Keras 2 or tf.keras 2.x config.

        tf.keras 2's (legacy) Nadam writes its momentum schedule decay under `decay` and, when
        rebuilding, ignores that key (the schedule decay is `schedule_decay`, default 0.004): so
        does this.

        Args:
            config: dict from `get_config()`.
        """
        config = dict(config)
        config.pop("decay", None)
        return super().from_config(config)
