"""Mixed precision: policies, autocast per layer, float32 weights/losses, loss scaling as torch.amp."""

import warnings

import numpy as np
import pytest
import torch

import kerastorch
from kerastorch import layers
from kerastorch import mixed_precision
from kerastorch import optimizers


@pytest.fixture(autouse=True)
def _reset_policy():
    yield
    mixed_precision.set_global_policy(None)


def _data(num_samples=64):
    rng = np.random.RandomState(0)
    x = rng.normal(size=(num_samples, 8)).astype("float32")
    y = (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype("float32")
    return x, y


def _model():
    return kerastorch.Sequential(
        [
            layers.Dense(16, activation="relu", input_shape=(8,)),
            layers.BatchNormalization(),
            layers.Dense(1, activation="sigmoid"),
        ]
    )


def test_policy_names_and_dtypes():
    policy = mixed_precision.Policy("mixed_float16")
    assert (policy.name, policy.compute_dtype, policy.variable_dtype) == ("mixed_float16", "float16", "float32")
    bf16 = mixed_precision.Policy("mixed_bfloat16")
    assert (bf16.compute_dtype, bf16.variable_dtype) == ("bfloat16", "float32")
    plain = mixed_precision.Policy("float64")
    assert (plain.compute_dtype, plain.variable_dtype) == ("float64", "float64")
    assert repr(policy) == '<Policy "mixed_float16">'
    with pytest.raises(ValueError, match="'mixed_float32'.*mixed_float16"):
        mixed_precision.Policy("mixed_float32")
    with pytest.raises(TypeError, match="policy=3"):
        mixed_precision.set_global_policy(3)


def test_global_policy_defaults_to_floatx_and_resets():
    assert mixed_precision.global_policy().name == "float32"
    mixed_precision.set_global_policy("mixed_bfloat16")
    assert mixed_precision.global_policy() == mixed_precision.Policy("mixed_bfloat16")
    mixed_precision.set_global_policy(None)
    assert mixed_precision.global_policy().name == "float32"
    assert mixed_precision.experimental.set_policy is mixed_precision.set_global_policy


def test_layers_take_policy_objects_names_and_the_global_policy():
    dense = layers.Dense(3, dtype=mixed_precision.Policy("mixed_float16"))
    assert (dense.dtype, dense.compute_dtype) == ("float32", "float16")
    named = layers.Dense(3, dtype="mixed_bfloat16")
    assert named.dtype_policy.name == "mixed_bfloat16"
    mixed_precision.set_global_policy("mixed_bfloat16")
    default = layers.Dense(3)
    explicit = layers.Dense(3, dtype="float32")
    assert default.compute_dtype == "bfloat16" and explicit.compute_dtype == "float32"
    default.build((None, 4))
    assert default.kernel.dtype == torch.float32
    config = default.get_config()
    assert config["dtype"] == {"class_name": "Policy", "config": {"name": "mixed_bfloat16"}}
    mixed_precision.set_global_policy(None)
    assert layers.Dense.from_config(config).dtype_policy.name == "mixed_bfloat16"


def test_mixed_layer_computes_in_bfloat16_and_float32_layer_leaves_autocast():
    x = torch.randn(4, 5)
    mixed = layers.Dense(3, dtype="mixed_bfloat16")
    out = mixed(x)
    assert out.dtype == torch.bfloat16 and mixed.kernel.dtype == torch.float32
    expected = (x.bfloat16() @ mixed.kernel.bfloat16() + mixed.bias.bfloat16()).float()
    np.testing.assert_allclose(out.float().detach().numpy(), expected.detach().numpy(), rtol=1e-2, atol=1e-2)
    full = layers.Dense(3, dtype="float32")
    with torch.autocast("cpu", dtype=torch.bfloat16):
        inside = full(x.bfloat16())
    assert inside.dtype == torch.float32
    np.testing.assert_allclose(
        inside.detach().numpy(), (x.bfloat16().float() @ full.kernel + full.bias).detach().numpy(), rtol=1e-6, atol=1e-6
    )


def test_mixed_bfloat16_on_cpu_matches_float32_keeps_float32_weights_and_trains():
    x, y = _data()
    reference = _model()
    reference.compile("adam", "binary_crossentropy", metrics=["acc"])
    initial = reference.get_weights()
    mixed_precision.set_global_policy("mixed_bfloat16")
    model = _model()
    model.set_weights(initial)
    model.compile("adam", "binary_crossentropy", metrics=["acc"])
    assert isinstance(model.optimizer, optimizers.Adam)  # no loss scaling for bfloat16
    predictions = model.predict(x)
    assert predictions.dtype == np.float32  # the model's outputs leave the autocast region as float32
    np.testing.assert_allclose(predictions, reference.predict(x), atol=2e-2)
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0] - 0.05
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert all(p.dtype == torch.float32 for p in model.optimizer.weights[1:])
    # Loss and metrics are computed in float32 from the float32 outputs: close to a float32 model's.
    reference.set_weights(model.get_weights())
    evaluation = model.evaluate(x, y, verbose=0, return_dict=True)
    expected = reference.evaluate(x, y, verbose=0, return_dict=True)
    assert abs(evaluation["loss"] - expected["loss"]) < 2e-2
    assert abs(evaluation["acc"] - expected["acc"]) <= 2 / len(x)


def test_mixed_float16_on_cpu_warns_once_runs_bfloat16_and_wraps_the_optimizer():
    x, y = _data(32)
    mixed_precision.set_global_policy("mixed_float16")
    mixed_precision._WARNED.discard("cpu_float16")
    model = _model()
    model.compile(optimizers.SGD(0.05), "binary_crossentropy")
    assert isinstance(model.optimizer, mixed_precision.LossScaleOptimizer)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, epochs=2, batch_size=8, verbose=0)
        model.predict(x)
    messages = [str(w.message) for w in caught if "bfloat16 on CPU" in str(w.message)]
    assert len(messages) == 1
    assert float(model.optimizer.loss_scale) == 2.0**15
    assert int(model.optimizer.iterations) == 8 and model.optimizer.skipped_steps == 0


def test_loss_scale_optimizer_skips_non_finite_steps_and_adapts_the_scale_as_grad_scaler():
    param = torch.nn.Parameter(torch.ones(3))
    optimizer = mixed_precision.LossScaleOptimizer(optimizers.SGD(0.1), initial_scale=8.0, dynamic_growth_steps=2)
    optimizer.build([param])
    reference = torch.nn.Parameter(torch.ones(3))
    torch_sgd = torch.optim.SGD([reference], lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
    scaler.scale(torch.tensor(1.0))  # creates the scaler's state
    for grad_value in (1.0, float("inf"), 2.0, 3.0, float("nan"), 1.0):
        scale = float(optimizer.loss_scale)
        assert scale == scaler.get_scale()
        param.grad = torch.full((3,), grad_value * scale)
        optimizer.step()
        reference.grad = torch.full((3,), grad_value * scaler.get_scale())
        scaler.step(torch_sgd)
        scaler.update()
        np.testing.assert_allclose(param.detach().numpy(), reference.detach().numpy(), rtol=1e-6)
    assert optimizer.skipped_steps == 2
    assert int(optimizer.iterations) == 6  # tf.keras counts skipped steps too
    assert float(optimizer.loss_scale) == scaler.get_scale()


def test_loss_scale_optimizer_scales_the_loss_and_unscales_gradients():
    optimizer = mixed_precision.LossScaleOptimizer(optimizers.SGD(0.1))
    assert float(optimizer.get_scaled_loss(torch.tensor(2.0))) == 2.0 * 2**15
    grads = optimizer.get_unscaled_gradients([torch.tensor([2.0**15]), None])
    assert float(grads[0]) == 1.0 and grads[1] is None
    optimizer.lr = 0.5
    assert float(optimizer.inner_optimizer.lr) == 0.5
    config = optimizer.get_config()
    assert config["inner_optimizer"]["class_name"] == "SGD" and config["initial_scale"] == 2.0**15
    restored = mixed_precision.LossScaleOptimizer.from_config(config)
    assert isinstance(restored.inner_optimizer, optimizers.SGD) and restored.dynamic_growth_steps == 2000
    with pytest.raises(ValueError, match="initial_scale=-1"):
        mixed_precision.LossScaleOptimizer(optimizers.SGD(), initial_scale=-1)


def test_fit_skips_the_update_when_scaled_gradients_overflow():
    x, y = _data(8)
    model = kerastorch.Sequential([layers.Dense(1, input_shape=(8,))])
    model.compile(mixed_precision.LossScaleOptimizer(optimizers.SGD(0.1), initial_scale=2.0**100), "mse")
    before = model.get_weights()
    history = model.fit(x, y * 1e10, epochs=1, batch_size=8, verbose=0)  # the scaled loss overflows
    assert np.isfinite(history.history["loss"][0])
    assert model.optimizer.skipped_steps == 1 and float(model.optimizer.loss_scale) == 2.0**99
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)  # a finite step updates the weights
    assert model.optimizer.skipped_steps == 1
    assert not np.array_equal(before[0], model.get_weights()[0])


@pytest.mark.cuda
def test_mixed_float16_on_cuda_uses_float16_with_loss_scaling():
    kerastorch.backend.set_device("cuda")
    x, y = _data()
    reference = _model()
    reference.compile("sgd", "binary_crossentropy")
    initial = reference.get_weights()
    mixed_precision.set_global_policy("mixed_float16")
    model = _model()
    model.set_weights(initial)
    model.compile(optimizers.SGD(0.05), "binary_crossentropy")
    assert isinstance(model.optimizer, mixed_precision.LossScaleOptimizer)
    dense = model.layers[0]
    out = dense(torch.as_tensor(x, device="cuda"))
    assert out.dtype == torch.float16 and dense.kernel.dtype == torch.float32
    np.testing.assert_allclose(model.predict(x), reference.predict(x), atol=1e-2)
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert all(p.dtype == torch.float32 and p.device.type == "cuda" for p in model.parameters())
    assert model.optimizer.loss_scale.device.type == "cuda"
