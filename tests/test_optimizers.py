"""Tests for kerastorch.optimizers: Keras 2.3 update rules against NumPy, state, config, get()."""

import math

import numpy as np
import pytest
import torch

from kerastorch import backend
from kerastorch import optimizers

SHAPES = [(3,), (2, 2), (4,)]
GRAD_SCALES = [1.0, 0.2, 1.5, 0.05, 0.7]
NUM_STEPS = 5


def _initial_values(seed=0, dtypes=None):
    rng = np.random.RandomState(seed)
    values = [rng.randn(*shape) for shape in SHAPES]
    dtypes = dtypes or [np.float32] * len(SHAPES)
    return [v.astype(dtype) for v, dtype in zip(values, dtypes)]


def _gradients(seed=1, dtypes=None):
    rng = np.random.RandomState(seed)
    dtypes = dtypes or [np.float32] * len(SHAPES)
    return [
        [(scale * rng.randn(*shape)).astype(dtype) for shape, dtype in zip(SHAPES, dtypes)] for scale in GRAD_SCALES
    ]


def _parameters(values):
    return [torch.nn.Parameter(torch.tensor(v)) for v in values]


def _set_grads(params, grads):
    for param, grad in zip(params, grads):
        param.grad = None if grad is None else torch.tensor(grad)


# ---------------------------------------------------------------------------------------------
# Hand-written NumPy versions of the Keras 2.3 formulas (keras/optimizers.py), in float64.
# ---------------------------------------------------------------------------------------------
def _clip(grads, config):
    clipnorm = config.get("clipnorm") or config.get("global_clipnorm")
    if clipnorm:
        norm = math.sqrt(sum(float(np.sum(np.square(g))) for g in grads))
        if norm >= clipnorm:
            grads = [g * clipnorm / norm for g in grads]
    if config.get("clipvalue"):
        grads = [np.clip(g, -config["clipvalue"], config["clipvalue"]) for g in grads]
    return grads


DEFAULT_LR = {
    "SGD": 0.01,
    "RMSprop": 0.001,
    "Adagrad": 0.01,
    "Adadelta": 1.0,
    "Adam": 0.001,
    "Adamax": 0.002,
    "Nadam": 0.002,
}


def _reference_step(kind, config, params, grads, state, iteration, lr):
    """One Keras 2.3 update; `iteration` is the number of earlier steps."""
    grads = _clip([g.astype(np.float64) for g in grads], config)
    decay = config.get("decay", 0.0)
    if decay > 0:
        lr = lr * (1.0 / (1.0 + decay * iteration))
    eps = config.get("epsilon") or 1e-7
    t = iteration + 1
    new_params = []
    for index, (p, g) in enumerate(zip(params, grads)):
        if kind == "SGD":
            momentum = config.get("momentum", 0.0)
            m = state.setdefault(("moment", index), np.zeros_like(p))
            v = momentum * m - lr * g
            state[("moment", index)] = v
            new_p = p + momentum * v - lr * g if config.get("nesterov") else p + v
        elif kind == "RMSprop":
            rho = config.get("rho", 0.9)
            a = rho * state.get(("a", index), 0.0) + (1.0 - rho) * g**2
            state[("a", index)] = a
            new_p = p - lr * g / (np.sqrt(a) + eps)
        elif kind == "Adagrad":
            a = state.get(("a", index), 0.0) + g**2
            state[("a", index)] = a
            new_p = p - lr * g / (np.sqrt(a) + eps)
        elif kind == "Adadelta":
            rho = config.get("rho", 0.95)
            a = rho * state.get(("a", index), 0.0) + (1.0 - rho) * g**2
            d_a = state.get(("d_a", index), np.zeros_like(p))
            update = g * np.sqrt(d_a + eps) / np.sqrt(a + eps)
            new_p = p - lr * update
            state[("a", index)] = a
            state[("d_a", index)] = rho * d_a + (1.0 - rho) * update**2
        elif kind == "Adam":
            b1, b2 = config.get("beta_1", 0.9), config.get("beta_2", 0.999)
            lr_t = lr * (math.sqrt(1.0 - b2**t) / (1.0 - b1**t))
            m = b1 * state.get(("m", index), 0.0) + (1.0 - b1) * g
            v = b2 * state.get(("v", index), 0.0) + (1.0 - b2) * g**2
            state[("m", index)], state[("v", index)] = m, v
            if config.get("amsgrad"):
                vhat = np.maximum(state.get(("vhat", index), np.zeros_like(p)), v)
                state[("vhat", index)] = vhat
                new_p = p - lr_t * m / (np.sqrt(vhat) + eps)
            else:
                new_p = p - lr_t * m / (np.sqrt(v) + eps)
        elif kind == "Adamax":
            b1, b2 = config.get("beta_1", 0.9), config.get("beta_2", 0.999)
            lr_t = lr / (1.0 - b1**t)
            m = b1 * state.get(("m", index), 0.0) + (1.0 - b1) * g
            u = np.maximum(b2 * state.get(("u", index), np.zeros_like(p)), np.abs(g))
            state[("m", index)], state[("u", index)] = m, u
            new_p = p - lr_t * m / (u + eps)
        elif kind == "Nadam":
            b1, b2 = config.get("beta_1", 0.9), config.get("beta_2", 0.999)
            schedule_decay = config.get("schedule_decay", 0.004)
            cache_t = b1 * (1.0 - 0.5 * 0.96 ** (t * schedule_decay))
            cache_t1 = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * schedule_decay))
            m_schedule = state.get("m_schedule", 1.0)
            schedule_new = m_schedule * cache_t
            schedule_next = m_schedule * cache_t * cache_t1
            g_prime = g / (1.0 - schedule_new)
            m = b1 * state.get(("m", index), 0.0) + (1.0 - b1) * g
            m_prime = m / (1.0 - schedule_next)
            v = b2 * state.get(("v", index), 0.0) + (1.0 - b2) * g**2
            v_prime = v / (1.0 - b2**t)
            m_bar = (1.0 - cache_t) * g_prime + cache_t1 * m_prime
            state[("m", index)], state[("v", index)] = m, v
            new_p = p - lr * m_bar / (np.sqrt(v_prime) + eps)
            if index == len(params) - 1:
                state["m_schedule"] = schedule_new
        new_params.append(new_p)
    return new_params


def _reference_run(kind, config, values, grads_per_step, lr_changes=None):
    lr = config.get("learning_rate", config.get("lr", DEFAULT_LR[kind]))
    params = [v.astype(np.float64) for v in values]
    state = {}
    for step, grads in enumerate(grads_per_step):
        lr = (lr_changes or {}).get(step, lr)
        params = _reference_step(kind, config, params, grads, state, step, lr)
    return params, state


def _run(opt, values, grads_per_step, lr_changes=None):
    params = _parameters(values)
    opt.build(params)
    for step, grads in enumerate(grads_per_step):
        if lr_changes and step in lr_changes:
            backend.set_value(opt.lr, lr_changes[step])
        _set_grads(params, grads)
        opt.step()
    return params


CASES = [
    ("SGD", {}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.5, "decay": 0.1}),
    ("SGD", {"lr": 0.2, "decay": 0.3}),
    ("RMSprop", {}),
    ("RMSprop", {"learning_rate": 0.01, "rho": 0.8, "decay": 0.05, "epsilon": 1e-4}),
    ("Adagrad", {"learning_rate": 0.1}),
    ("Adagrad", {"learning_rate": 0.1, "decay": 0.2}),
    ("Adadelta", {}),
    ("Adadelta", {"learning_rate": 0.5, "rho": 0.9, "decay": 0.1}),
    ("Adam", {"learning_rate": 0.01}),
    ("Adam", {"learning_rate": 0.01, "beta_2": 0.5, "amsgrad": True}),
    ("Adam", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99, "decay": 0.2, "epsilon": 1e-3}),
    ("Adamax", {}),
    ("Adamax", {"learning_rate": 0.01, "decay": 0.1}),
    ("Nadam", {}),
    ("Nadam", {"learning_rate": 0.01, "schedule_decay": 0.1}),
    ("Adam", {"learning_rate": 0.01, "clipnorm": 0.5}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "clipnorm": 0.3}),
    ("SGD", {"learning_rate": 0.1, "global_clipnorm": 0.3}),
    ("RMSprop", {"learning_rate": 0.01, "clipvalue": 0.2}),
    ("SGD", {"learning_rate": 0.1, "clipnorm": 0.5, "clipvalue": 0.1}),
]


def _slot_reference(kind, config, state, slot_name, index):
    key = {
        ("SGD", "momentum"): "moment",
        ("RMSprop", "rms"): "a",
        ("Adagrad", "accumulator"): "a",
        ("Adadelta", "accum_grad"): "a",
        ("Adadelta", "accum_var"): "d_a",
        ("Adamax", "v"): "u",
    }.get((kind, slot_name), slot_name)
    return state[(key, index)]


@pytest.mark.parametrize("kind,config", CASES, ids=[f"{k}-{'-'.join(c) or 'default'}" for k, c in CASES])
def test_five_steps_match_keras_formula(kind, config):
    values, grads = _initial_values(), _gradients()
    opt = getattr(optimizers, kind)(**config)
    params = _run(opt, values, grads)
    expected, state = _reference_run(kind, config, values, grads)
    for param, reference, initial in zip(params, expected, values):
        np.testing.assert_allclose(param.detach().numpy(), reference, rtol=1e-6, atol=1e-6)
        assert not np.allclose(reference, initial, atol=1e-5)
    for slot_name, arrays in opt.slot_arrays().items():
        for index, array in enumerate(arrays):
            reference = _slot_reference(kind, config, state, slot_name, index)
            np.testing.assert_allclose(array, reference, rtol=1e-6, atol=1e-7)
    assert int(opt.iterations) == NUM_STEPS
    if kind == "Nadam":
        np.testing.assert_allclose(opt.non_slot_arrays()["momentum_cache"], state["m_schedule"], rtol=1e-6)


def test_clipping_is_active_in_the_clip_cases():
    values, grads = _initial_values(), _gradients()
    clipped = _run(optimizers.Adam(learning_rate=0.01, clipnorm=0.5), values, grads)
    plain = _run(optimizers.Adam(learning_rate=0.01), values, grads)
    assert not np.allclose(clipped[0].detach().numpy(), plain[0].detach().numpy(), atol=1e-5)
    clipped = _run(optimizers.RMSprop(learning_rate=0.01, clipvalue=0.2), values, grads)
    plain = _run(optimizers.RMSprop(learning_rate=0.01), values, grads)
    assert not np.allclose(clipped[0].detach().numpy(), plain[0].detach().numpy(), atol=1e-5)


def test_amsgrad_differs_from_adam():
    values, grads = _initial_values(), _gradients()
    amsgrad = _run(optimizers.Adam(learning_rate=0.01, beta_2=0.5, amsgrad=True), values, grads)
    adam = _run(optimizers.Adam(learning_rate=0.01, beta_2=0.5), values, grads)
    assert not np.allclose(amsgrad[1].detach().numpy(), adam[1].detach().numpy(), atol=1e-5)


def test_clipnorm_uses_the_global_norm_of_all_gradients():
    param_a = torch.nn.Parameter(torch.zeros(1))
    param_b = torch.nn.Parameter(torch.zeros(1))
    opt = optimizers.SGD(learning_rate=1.0, clipnorm=1.0)
    opt.build([param_a, param_b])
    param_a.grad, param_b.grad = torch.tensor([3.0]), torch.tensor([4.0])
    opt.step()
    # Global norm 5 -> every gradient scaled by 1/5 (per-gradient clipping would give -1, -1).
    np.testing.assert_allclose([param_a.item(), param_b.item()], [-0.6, -0.8], rtol=1e-6)


def test_decay_uses_iterations_before_the_step():
    param = torch.nn.Parameter(torch.zeros(1))
    opt = optimizers.SGD(learning_rate=1.0, decay=1.0)
    opt.build([param])
    for _ in range(3):
        param.grad = torch.ones(1)
        opt.step()
    np.testing.assert_allclose(param.item(), -(1.0 + 1.0 / 2 + 1.0 / 3), rtol=1e-6)


def test_sgd_momentum_lr_change_follows_keras_not_torch():
    values, grads = _initial_values(), _gradients()
    lr_changes = {3: 0.01}
    opt = optimizers.SGD(learning_rate=0.1, momentum=0.9)
    params = _run(opt, values, grads, lr_changes)
    expected, _ = _reference_run("SGD", {"learning_rate": 0.1, "momentum": 0.9}, values, grads, lr_changes)
    for param, reference in zip(params, expected):
        np.testing.assert_allclose(param.detach().numpy(), reference, rtol=1e-6, atol=1e-6)
    assert float(opt.lr) == pytest.approx(0.01)

    # torch's SGD keeps the un-scaled gradient sum in its buffer: same result at a fixed lr,
    # different once the learning rate changes.
    torch_params = _parameters(values)
    torch_opt = torch.optim.SGD(torch_params, lr=0.1, momentum=0.9)
    keras_params = _parameters(values)
    keras_opt = optimizers.SGD(learning_rate=0.1, momentum=0.9)
    keras_opt.build(keras_params)
    for step, step_grads in enumerate(grads):
        if step in lr_changes:
            for group in torch_opt.param_groups:
                group["lr"] = lr_changes[step]
            keras_opt.lr = lr_changes[step]
        _set_grads(torch_params, step_grads)
        _set_grads(keras_params, step_grads)
        torch_opt.step()
        keras_opt.step()
        if step < 3:
            np.testing.assert_allclose(keras_params[0].detach().numpy(), torch_params[0].detach().numpy(), atol=1e-6)
    assert not np.allclose(keras_params[0].detach().numpy(), torch_params[0].detach().numpy(), atol=1e-4)


def test_lr_is_one_float32_cpu_tensor_filled_in_place():
    opt = optimizers.Adam(lr=0.5)
    assert opt.lr is opt.learning_rate
    tensor = opt.lr
    assert tensor.dtype == torch.float32 and tensor.dim() == 0 and tensor.device.type == "cpu"
    opt.lr = 0.25
    assert opt.lr is tensor and float(tensor) == 0.25
    opt.learning_rate.fill_(0.125)
    assert float(opt.lr) == 0.125
    backend.set_value(opt.lr, 0.0625)
    assert opt.lr is tensor and backend.get_value(opt.learning_rate) == 0.0625
    assert isinstance(backend.get_value(opt.lr), float)
    assert float(opt.beta_1) == pytest.approx(0.9) and float(opt.decay) == 0.0
    with pytest.raises(TypeError, match="learning_rate"):
        opt.lr = "fast"


def test_iterations_is_int64_cpu_tensor():
    opt = optimizers.SGD()
    assert opt.iterations.dtype == torch.int64 and opt.iterations.dim() == 0
    param = torch.nn.Parameter(torch.zeros(2))
    opt.build([param])
    param.grad = torch.ones(2)
    opt.step()
    opt.step()
    assert int(opt.iterations) == 2 and backend.get_value(opt.iterations) == 2
    assert opt.get_weights()[0].dtype == np.int64


def test_epsilon_none_is_backend_epsilon():
    for cls in (
        optimizers.RMSprop,
        optimizers.Adagrad,
        optimizers.Adadelta,
        optimizers.Adam,
        optimizers.Adamax,
        optimizers.Nadam,
    ):
        assert cls().epsilon == backend.epsilon() == 1e-7
    assert optimizers.Adam(epsilon=1e-3).epsilon == 1e-3


def test_defaults_are_keras_2_3():
    assert float(optimizers.SGD().lr) == pytest.approx(0.01)
    assert float(optimizers.RMSprop().lr) == pytest.approx(0.001)
    assert float(optimizers.Adagrad().lr) == pytest.approx(0.01)
    assert float(optimizers.Adadelta().lr) == 1.0 and optimizers.Adadelta().rho == 0.95
    assert float(optimizers.Adam().lr) == pytest.approx(0.001)
    assert float(optimizers.Adamax().lr) == pytest.approx(0.002)
    nadam = optimizers.Nadam()
    assert float(nadam.lr) == pytest.approx(0.002) and nadam.schedule_decay == 0.004


def test_parameters_without_grad_are_skipped():
    values, grads = _initial_values(), _gradients()
    params = _parameters(values)
    opt = optimizers.Adam(learning_rate=0.01)
    opt.build(params)
    for step_grads in grads:
        _set_grads(params, [step_grads[0], None, step_grads[2]])
        opt.step()
    np.testing.assert_array_equal(params[1].detach().numpy(), values[1])
    assert not opt.get_slot(params[1], "m").any()
    kept = [values[0], values[2]]
    kept_grads = [[g[0], g[2]] for g in grads]
    # The reference sees the two parameters that got gradients.
    expected, _ = _reference_run("Adam", {"learning_rate": 0.01}, kept, kept_grads)
    np.testing.assert_allclose(params[0].detach().numpy(), expected[0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(params[2].detach().numpy(), expected[1], rtol=1e-6, atol=1e-6)


def test_mixed_dtypes_are_updated_in_separate_groups():
    dtypes = [np.float32, np.float64, np.float32]
    values, grads = _initial_values(dtypes=dtypes), _gradients(dtypes=dtypes)
    opt = optimizers.Adam(learning_rate=0.01, clipnorm=1.0)
    params = _run(opt, values, grads)
    assert params[1].dtype == torch.float64 and opt.get_slot(params[1], "v").dtype == torch.float64
    expected, _ = _reference_run("Adam", {"learning_rate": 0.01, "clipnorm": 1.0}, values, grads)
    for param, reference in zip(params, expected):
        np.testing.assert_allclose(param.detach().numpy(), reference, rtol=1e-6, atol=1e-6)


def test_zero_grad_and_step_before_build():
    opt = optimizers.SGD()
    with pytest.raises(ValueError, match="build"):
        opt.step()
    params = _parameters(_initial_values())
    opt.build(params)
    _set_grads(params, _gradients()[0])
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in params)
    opt.zero_grad()
    assert all(p.grad is None for p in params)


def test_build_twice_with_same_params_keeps_state_and_new_params_rebuild():
    params = _parameters(_initial_values())
    opt = optimizers.Adam()
    opt.build(params)
    _set_grads(params, _gradients()[0])
    opt.step()
    m_before = opt.get_slot(params[0], "m").clone()
    opt.build(list(params))
    assert torch.equal(opt.get_slot(params[0], "m"), m_before) and m_before.any()
    other = _parameters(_initial_values())
    opt.build([params[0]] + other)
    assert not opt.get_slot(other[0], "m").any()
    assert torch.equal(opt.get_slot(params[0], "m"), m_before)
    assert len(opt.get_weights()) == 1 + 2 * (1 + len(other))
    with pytest.raises(TypeError, match="index 0"):
        opt.build([torch.zeros(2, dtype=torch.int64)])


# ---------------------------------------------------------------------------------------------
# Weights
# ---------------------------------------------------------------------------------------------
ALL_CONFIGS = [(kind, config) for kind, config in CASES if "clipnorm" not in config]


@pytest.mark.parametrize("kind,config", ALL_CONFIGS, ids=[f"{k}-{'-'.join(c) or 'default'}" for k, c in ALL_CONFIGS])
@pytest.mark.parametrize("before_build", [False, True])
def test_weights_round_trip_reproduces_the_next_step(kind, config, before_build):
    values, grads = _initial_values(), _gradients()
    source = getattr(optimizers, kind)(**config)
    source_params = _run(source, values, grads[:3])
    target = getattr(optimizers, kind)(**config)
    target_params = _parameters([p.detach().numpy() for p in source_params])
    if before_build:
        target.set_weights(source.get_weights())
        target.build(target_params)
    else:
        target.build(target_params)
        target.set_weights(source.get_weights())
    for params in (source_params, target_params):
        _set_grads(params, grads[3])
    source.step()
    target.step()
    for a, b in zip(source_params, target_params):
        assert torch.equal(a, b)
    for a, b in zip(source.get_weights(), target.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_weights_order_is_keras_2():
    values, grads = _initial_values(), _gradients()
    opt = optimizers.Adam(learning_rate=0.01, amsgrad=True)
    assert opt.weights == [] and opt.get_weights() == []
    params = _run(opt, values, grads[:2])
    weights = opt.get_weights()
    assert len(weights) == 1 + 3 * len(params)
    assert int(weights[0]) == 2
    for index, param in enumerate(params):
        np.testing.assert_array_equal(weights[1 + index], opt.get_slot(param, "m").numpy())
        np.testing.assert_array_equal(weights[4 + index], opt.get_slot(param, "v").numpy())
        np.testing.assert_array_equal(weights[7 + index], opt.get_slot(param, "vhat").numpy())
    assert opt.get_slot_names() == ["m", "v", "vhat"]
    assert list(opt.slot_arrays()) == ["m", "v", "vhat"]
    assert list(opt.non_slot_arrays()) == ["iterations"]
    assert [t.shape for t in opt.weights] == [torch.Size([])] + [p.shape for p in params] * 3

    expected_slots = {
        optimizers.SGD(momentum=0.9): ["momentum"],
        optimizers.SGD(): [],
        optimizers.RMSprop(): ["rms"],
        optimizers.Adagrad(): ["accumulator"],
        optimizers.Adadelta(): ["accum_grad", "accum_var"],
        optimizers.Adam(): ["m", "v"],
        optimizers.Adamax(): ["m", "v"],
        optimizers.Nadam(): ["m", "v"],
    }
    for opt, names in expected_slots.items():
        assert opt.get_slot_names() == names
    nadam = optimizers.Nadam()
    _run(nadam, values, grads[:2])
    assert list(nadam.non_slot_arrays()) == ["iterations", "momentum_cache"]
    assert len(nadam.get_weights()) == 2 + 2 * len(SHAPES)


def test_set_weights_rejects_wrong_count_and_shape():
    opt = optimizers.Adam()
    params = _parameters(_initial_values())
    opt.build(params)
    weights = [np.zeros((), np.int64)] + [np.zeros(s, np.float32) for s in SHAPES] * 2
    with pytest.raises(ValueError, match="expects 7 arrays.*received 6"):
        opt.set_weights(weights[:-1])
    bad = list(weights)
    bad[2] = np.zeros((3, 3), np.float32)
    with pytest.raises(ValueError, match=r"weight 2 has shape \(2, 2\).*\(3, 3\)"):
        opt.set_weights(bad)


def test_set_weights_accepts_older_keras_layouts():
    params = _parameters(_initial_values())
    arrays = [np.full(s, 0.5, np.float32) for s in SHAPES]

    # Keras 2.3 Adam without amsgrad: iterations, ms, vs, and (1,)-shaped placeholder vhats.
    adam = optimizers.Adam()
    adam.build(params)
    adam.set_weights([np.array(4, np.int64)] + arrays + arrays + [np.zeros(1, np.float32)] * 3)
    assert int(adam.iterations) == 4 and float(adam.get_slot(params[0], "v")[0]) == 0.5

    # Keras 2.2.4 RMSprop: no iteration count.
    rmsprop = optimizers.RMSprop()
    rmsprop.build(params)
    rmsprop.set_weights(arrays)
    assert int(rmsprop.iterations) == 0 and float(rmsprop.get_slot(params[1], "rms")[0, 0]) == 0.5

    # Keras 2.3 SGD keeps moments even with momentum 0.
    sgd = optimizers.SGD()
    sgd.build(params)
    sgd.set_weights([np.array(3, np.int64)] + arrays)
    assert int(sgd.iterations) == 3

    # Keras 2.2.4 Nadam: no momentum cache; it is rebuilt from the iteration count.
    nadam = optimizers.Nadam()
    nadam.build(params)
    nadam.set_weights([np.array(2, np.int64)] + arrays + arrays)
    expected = 1.0
    for t in (1, 2):
        expected *= 0.9 * (1.0 - 0.5 * 0.96 ** (t * 0.004))
    np.testing.assert_allclose(nadam.non_slot_arrays()["momentum_cache"], expected, rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# Constructor, config, get()
# ---------------------------------------------------------------------------------------------
def test_lr_alias_and_argument_errors():
    assert float(optimizers.SGD(lr=0.5).lr) == 0.5
    with pytest.raises(TypeError, match="both `lr` and `learning_rate`"):
        optimizers.SGD(lr=0.5, learning_rate=0.1)
    with pytest.raises(TypeError, match="unexpected keyword argument.*foo"):
        optimizers.Adam(foo=1)
    with pytest.raises(TypeError, match="decay"):
        optimizers.Nadam(decay=0.1)
    with pytest.raises(TypeError, match="clipnorm.*global_clipnorm"):
        optimizers.Adam(clipnorm=1.0, global_clipnorm=1.0)
    with pytest.raises(ValueError, match="clipnorm=-1"):
        optimizers.Adam(clipnorm=-1)
    with pytest.raises(ValueError, match="momentum=-0.5"):
        optimizers.SGD(momentum=-0.5)
    assert optimizers.Adam(global_clipnorm=2.0).clipnorm == 2.0


CONFIG_OPTIMIZERS = [
    optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True, decay=1e-6, clipnorm=1.0),
    optimizers.RMSprop(rho=0.8, epsilon=1e-5, clipvalue=0.5),
    optimizers.Adagrad(decay=0.01),
    optimizers.Adagrad(initial_accumulator_value=0.1),
    optimizers.Adadelta(rho=0.9),
    optimizers.Adam(amsgrad=True, name="my_adam"),
    optimizers.Adamax(beta_1=0.8),
    optimizers.Nadam(schedule_decay=0.01),
]


@pytest.mark.parametrize("opt", CONFIG_OPTIMIZERS, ids=lambda o: type(o).__name__)
def test_config_round_trip(opt):
    config = opt.get_config()
    clone = type(opt).from_config(config)
    assert clone.get_config() == config
    assert optimizers.deserialize(optimizers.serialize(opt)).get_config() == config
    assert optimizers.serialize(opt)["class_name"] == type(opt).__name__


def test_config_has_keras_2_keys():
    config = optimizers.SGD(learning_rate=0.1, momentum=0.9, clipnorm=1.0).get_config()
    assert set(config) == {"name", "learning_rate", "momentum", "decay", "nesterov", "clipnorm"}
    assert config["learning_rate"] == pytest.approx(0.1) and config["name"] == "SGD"
    assert set(optimizers.Adam().get_config()) == {
        "name",
        "learning_rate",
        "beta_1",
        "beta_2",
        "decay",
        "epsilon",
        "amsgrad",
    }
    assert set(optimizers.Nadam().get_config()) == {
        "name",
        "learning_rate",
        "beta_1",
        "beta_2",
        "epsilon",
        "schedule_decay",
    }


def test_from_config_accepts_lr_and_tf_keras_keys():
    assert float(
        optimizers.SGD.from_config({"lr": 0.3, "momentum": 0.0, "decay": 0.0, "nesterov": False}).lr
    ) == pytest.approx(0.3)
    tf_keras_adam = {
        "name": "Adam",
        "weight_decay": None,
        "clipnorm": None,
        "global_clipnorm": None,
        "clipvalue": None,
        "use_ema": False,
        "ema_momentum": 0.99,
        "ema_overwrite_frequency": None,
        "jit_compile": True,
        "is_legacy_optimizer": False,
        "learning_rate": 0.002,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "epsilon": 1e-07,
        "amsgrad": False,
    }
    adam = optimizers.Adam.from_config(tf_keras_adam)
    assert float(adam.lr) == pytest.approx(0.002) and adam.clipnorm is None
    assert optimizers.Adam.from_config(dict(tf_keras_adam, global_clipnorm=1.5)).clipnorm == 1.5
    with pytest.raises(ValueError, match="weight_decay=0.004"):
        optimizers.Adam.from_config(dict(tf_keras_adam, weight_decay=0.004))
    with pytest.raises(ValueError, match="use_ema=True"):
        optimizers.Adam.from_config(dict(tf_keras_adam, use_ema=True))
    rmsprop = {
        "name": "RMSprop",
        "learning_rate": 0.001,
        "rho": 0.9,
        "momentum": 0.0,
        "epsilon": 1e-07,
        "centered": False,
    }
    assert optimizers.RMSprop.from_config(rmsprop).get_config()["rho"] == pytest.approx(0.9)
    centered = optimizers.RMSprop.from_config(dict(rmsprop, centered=True, momentum=0.5))
    assert centered.centered is True and centered.get_slot_names() == ["rms", "momentum", "mg"]
    legacy_nadam = {
        "name": "Nadam",
        "learning_rate": 0.002,
        "decay": 0.0,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "epsilon": 1e-07,
    }
    assert optimizers.Nadam.from_config(legacy_nadam).schedule_decay == 0.004
    # tf.keras 2.15 writes its schedule decay (0.004) under `decay` and ignores the key on load.
    assert optimizers.Nadam.from_config(dict(legacy_nadam, decay=0.004)).schedule_decay == 0.004
    adagrad = {
        "name": "Adagrad",
        "learning_rate": 0.001,
        "decay": 0.0,
        "initial_accumulator_value": 0.1,
        "epsilon": 1e-07,
    }
    opt = optimizers.Adagrad.from_config(adagrad)
    param = torch.nn.Parameter(torch.zeros(2))
    opt.build([param])
    np.testing.assert_allclose(opt.get_slot(param, "accumulator").numpy(), 0.1)


def test_get_resolves_names_dicts_and_instances():
    for name, cls in [
        ("sgd", optimizers.SGD),
        ("RMSprop", optimizers.RMSprop),
        ("ADAGRAD", optimizers.Adagrad),
        ("adadelta", optimizers.Adadelta),
        ("Adam", optimizers.Adam),
        ("adamax", optimizers.Adamax),
        ("Nadam", optimizers.Nadam),
    ]:
        assert type(optimizers.get(name)) is cls
    adam = optimizers.Adam()
    assert optimizers.get(adam) is adam
    from_dict = optimizers.get({"class_name": "SGD", "config": {"lr": 0.5, "momentum": 0.9}})
    assert isinstance(from_dict, optimizers.SGD) and float(from_dict.momentum) == pytest.approx(0.9)
    assert float(from_dict.lr) == 0.5


def test_get_errors():
    with pytest.raises(
        ValueError, match="Unknown optimizer 'adamw'. Valid names: adadelta, adagrad, adam, adamax, nadam, rmsprop, sgd"
    ):
        optimizers.get("adamw")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier.*42"):
        optimizers.get(42)
    with pytest.raises(ValueError, match="class_name"):
        optimizers.deserialize({"config": {}})


def test_deserialize_custom_objects():
    class MySGD(optimizers.SGD):
        pass

    opt = optimizers.deserialize(
        {"class_name": "MySGD", "config": {"learning_rate": 0.2}}, custom_objects={"MySGD": MySGD}
    )
    assert type(opt) is MySGD and float(opt.lr) == pytest.approx(0.2)


# ---------------------------------------------------------------------------------------------
# TorchOptimizer
# ---------------------------------------------------------------------------------------------
def _torch_reference(values, grads, make):
    params = _parameters(values)
    opt = make(params)
    for step_grads in grads:
        _set_grads(params, step_grads)
        opt.step()
    return params


def test_torch_optimizer_class_gives_torch_results():
    values, grads = _initial_values(), _gradients()
    expected = _torch_reference(values, grads, lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9))
    wrapped = optimizers.TorchOptimizer(torch.optim.SGD, lr=0.1, momentum=0.9)
    params = _run(wrapped, values, grads)
    for a, b in zip(params, expected):
        assert torch.equal(a, b)
    assert isinstance(wrapped.optimizer, torch.optim.SGD) and int(wrapped.iterations) == NUM_STEPS
    default = optimizers.get(torch.optim.SGD)
    assert isinstance(default, optimizers.TorchOptimizer) and float(default.lr) == pytest.approx(1e-3)


def test_torch_optimizer_instance_gives_torch_results():
    values, grads = _initial_values(), _gradients()
    expected = _torch_reference(values, grads, lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True))
    params = _parameters(values)
    wrapped = optimizers.get(torch.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True))
    assert isinstance(wrapped, optimizers.TorchOptimizer)
    wrapped.build(params)
    for step_grads in grads:
        _set_grads(params, step_grads)
        wrapped.step()
    for a, b in zip(params, expected):
        assert torch.equal(a, b)
    with pytest.raises(ValueError, match="does not hold 1"):
        wrapped.build(params + [torch.nn.Parameter(torch.zeros(2))])
    with pytest.raises(TypeError, match="instance"):
        optimizers.TorchOptimizer(torch.optim.SGD(params, lr=0.1), lr=0.2)


def test_torch_optimizer_lr_sync_both_ways():
    params = _parameters(_initial_values())
    wrapped = optimizers.TorchOptimizer(torch.optim.Adam, lr=0.01)
    wrapped.lr = 0.05
    wrapped.build(params)
    assert wrapped.optimizer.param_groups[0]["lr"] == pytest.approx(0.05)
    backend.set_value(wrapped.lr, 0.02)
    _set_grads(params, _gradients()[0])
    wrapped.step()
    assert wrapped.optimizer.param_groups[0]["lr"] == pytest.approx(0.02)
    scheduler = torch.optim.lr_scheduler.StepLR(wrapped.optimizer, step_size=1, gamma=0.5)
    wrapped.step()
    scheduler.step()
    assert backend.get_value(wrapped.lr) == pytest.approx(0.01)


def test_torch_optimizer_weights_round_trip_and_config():
    values, grads = _initial_values(), _gradients()
    source = optimizers.TorchOptimizer(torch.optim.Adam, lr=0.01, betas=(0.8, 0.99))
    source_params = _run(source, values, grads[:3])
    weights = source.get_weights()
    # iterations, then per parameter its sorted state keys: exp_avg, exp_avg_sq, step.
    assert len(weights) == 1 + 3 * len(SHAPES) and int(weights[0]) == 3
    np.testing.assert_array_equal(weights[1], source.optimizer.state[source_params[0]]["exp_avg"].numpy())
    assert source.get_slot_names() == ["exp_avg", "exp_avg_sq", "step"]

    target = optimizers.TorchOptimizer.from_config(source.get_config())
    assert target.get_config() == source.get_config()
    target_params = _parameters([p.detach().numpy() for p in source_params])
    target.build(target_params)
    with pytest.raises(ValueError, match="no state yet"):
        target.set_weights(weights)
    # Materialise the state with one step, then overwrite it.
    _set_grads(target_params, grads[0])
    target.step()
    for param, value in zip(target_params, source_params):
        param.data.copy_(value.data)
    target.set_weights(weights)
    for params in (source_params, target_params):
        _set_grads(params, grads[3])
    source.step()
    target.step()
    for a, b in zip(source_params, target_params):
        assert torch.equal(a, b)
    restored = optimizers.deserialize(optimizers.serialize(source))
    assert restored.torch_class is torch.optim.Adam and restored.get_config()["optimizer_config"]["betas"] == [
        0.8,
        0.99,
    ]


def test_torch_optimizer_clipnorm():
    param_a = torch.nn.Parameter(torch.zeros(1))
    param_b = torch.nn.Parameter(torch.zeros(1))
    wrapped = optimizers.TorchOptimizer(torch.optim.SGD, lr=1.0, clipnorm=1.0)
    wrapped.build([param_a, param_b])
    param_a.grad, param_b.grad = torch.tensor([3.0]), torch.tensor([4.0])
    wrapped.step()
    np.testing.assert_allclose([param_a.item(), param_b.item()], [-0.6, -0.8], rtol=1e-6)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize(
    "kind,config",
    [
        ("Adam", {"learning_rate": 0.01, "clipnorm": 0.5, "decay": 0.1}),
        ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True, "clipvalue": 0.3}),
        ("Nadam", {}),
        ("Adadelta", {}),
        ("Adamax", {}),
        ("RMSprop", {}),
        ("Adagrad", {}),
    ],
)
def test_cuda_step_matches_cpu_without_host_sync(kind, config):
    values, grads = _initial_values(), _gradients()
    cpu_params = _run(getattr(optimizers, kind)(**config), values, grads)
    params = [torch.nn.Parameter(torch.tensor(v, device="cuda")) for v in values]
    opt = getattr(optimizers, kind)(**config)
    opt.build(params)
    cuda_grads = [[torch.tensor(g, device="cuda") for g in step] for step in grads]
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        for step_grads in cuda_grads:
            for param, grad in zip(params, step_grads):
                param.grad = grad
            opt.step()
    finally:
        torch.cuda.set_sync_debug_mode("default")
    for a, b in zip(params, cpu_params):
        np.testing.assert_allclose(a.detach().cpu().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_torch_adamw_config_round_trip():
    from kerastorch import optimizers as opt_module

    wrapped = opt_module.TorchOptimizer(torch.optim.AdamW, lr=0.01, weight_decay=0.1)
    params = [torch.nn.Parameter(torch.ones(2))]
    wrapped.build(params)
    rebuilt = opt_module.TorchOptimizer.from_config(wrapped.get_config())
    rebuilt.build(params)
    assert rebuilt.optimizer.defaults["weight_decay"] == 0.1
    assert float(rebuilt.lr) == pytest.approx(0.01)


def test_loss_scale_optimizer_deserializes_by_name():
    from kerastorch import mixed_precision
    from kerastorch import optimizers as opt_module

    original = mixed_precision.LossScaleOptimizer(opt_module.Adam(0.01))
    restored = opt_module.deserialize(opt_module.serialize(original))
    assert isinstance(restored, mixed_precision.LossScaleOptimizer)
    assert float(restored.inner_optimizer.lr) == pytest.approx(0.01)
