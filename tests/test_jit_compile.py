"""compile(jit_compile=True): torch.compile'd model calls give the eager results, or fall back with one warning."""

import warnings

import numpy as np
import pytest
import torch

import kerastorch
from kerastorch import layers
from kerastorch import optimizers
from kerastorch.engine import execution


def _data():
    rng = np.random.RandomState(0)
    x = rng.normal(size=(32, 6)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.randint(0, 3, 32)]
    return x, y


def _model(jit_compile):
    model = kerastorch.Sequential(
        [
            layers.Dense(8, activation="relu", input_shape=(6,), kernel_constraint="max_norm"),
            layers.Dense(3, activation="softmax", kernel_regularizer="l2"),
        ]
    )
    model.compile(optimizers.SGD(0.1), "categorical_crossentropy", metrics=["acc"], jit_compile=jit_compile)
    return model


def _fallback_warnings(caught):
    return [str(w.message) for w in caught if "jit_compile" in str(w.message)]


def test_compiled_steps_match_eager_training_evaluation_and_prediction():
    x, y = _data()
    eager, compiled = _model(False), _model(True)
    compiled.set_weights(eager.get_weights())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        expected = eager.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
        history = compiled.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    failures = _fallback_warnings(caught)
    if failures:
        pytest.skip(f"torch.compile cannot compile on this machine: {failures[0]}")
    assert isinstance(compiled._compiled_call_impl, execution._CompiledCall)
    # Loss (with the regularization term), metrics and constraints as in eager mode.
    for key in ("loss", "acc"):
        np.testing.assert_allclose(history[key], expected[key], rtol=1e-5, err_msg=key)
    for a, b in zip(eager.get_weights(), compiled.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(compiled.predict(x, batch_size=8), eager.predict(x, batch_size=8), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        compiled.evaluate(x, y, batch_size=8, verbose=0), eager.evaluate(x, y, batch_size=8, verbose=0), rtol=1e-5
    )
    # Recompiling without jit_compile goes back to the eager call.
    compiled.compile(optimizers.SGD(0.1), "categorical_crossentropy")
    compiled.predict(x)
    assert compiled._compiled_call_impl is None


def test_failing_compilation_warns_once_and_runs_eagerly(monkeypatch):
    def broken_compile(function, **options):
        def run(*args, **kwargs):
            raise RuntimeError("backend exploded\nmore details")

        return run

    monkeypatch.setattr(torch, "compile", broken_compile)
    x, y = _data()
    eager, compiled = _model(False), _model(True)
    compiled.set_weights(eager.get_weights())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        eager.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
        compiled.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
        compiled.predict(x)
    messages = _fallback_warnings(caught)
    assert len(messages) == 1 and "RuntimeError: backend exploded" in messages[0] and "running eagerly" in messages[0]
    for a, b in zip(eager.get_weights(), compiled.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-6)


def test_errors_of_the_model_itself_still_raise_with_jit_compile(monkeypatch):
    def failing(function, **options):
        def run(*args, **kwargs):
            raise RuntimeError("compiler failure")

        return run

    def reject(inputs):
        if inputs.device.type != "meta":  # shape inference runs on meta tensors
            raise ValueError("the model's own error")
        return inputs

    monkeypatch.setattr(torch, "compile", failing)
    model = kerastorch.Sequential([layers.Dense(2, input_shape=(3,)), layers.Lambda(reject)])
    model.compile("sgd", "mse", jit_compile=True)
    with pytest.raises(ValueError, match="the model's own error"):
        model.predict(np.zeros((2, 3), "float32"))
