"""Export: torch.export programs and TorchScript traces run any batch size and match model.predict."""

import importlib.util

import numpy as np
import pytest
import torch

import kerastorch
from kerastorch import export
from kerastorch import layers


def _image_model():
    inputs = kerastorch.Input((6, 6, 2))
    x = layers.Conv2D(3, 3, padding="same", activation="relu")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(4, activation="softmax")(x)
    model = kerastorch.Model(inputs, outputs)
    model.compile("adam", "categorical_crossentropy")
    rng = np.random.RandomState(0)
    x_train = rng.normal(size=(16, 6, 6, 2)).astype("float32")
    model.fit(x_train, np.eye(4, dtype="float32")[rng.randint(0, 4, 16)], epochs=1, verbose=0)  # BN statistics move
    return model


def _batches():
    rng = np.random.RandomState(1)
    return rng.normal(size=(3, 6, 6, 2)).astype("float32"), rng.normal(size=(7, 6, 6, 2)).astype("float32")


def test_export_runs_two_batch_sizes_like_predict(tmp_path):
    model = _image_model()
    small, large = _batches()
    path = str(tmp_path / "model.pt2")
    program = export.export(model, small[:2], path=path)
    assert isinstance(program, torch.export.ExportedProgram)
    for batch in (small, large):
        np.testing.assert_allclose(
            program.module()(torch.as_tensor(batch)).detach().numpy(), model.predict(batch), rtol=1e-5, atol=1e-6
        )
    loaded = torch.export.load(path)
    np.testing.assert_allclose(
        loaded.module()(torch.as_tensor(large)).detach().numpy(), model.predict(large), rtol=1e-5, atol=1e-6
    )
    # The model still works eagerly (and trains) after being traced.
    model.fit(large, np.eye(4, dtype="float32")[[0, 1, 2, 3, 0, 1, 2]], epochs=1, verbose=0)


def test_export_with_two_inputs_and_a_static_batch():
    first, second = kerastorch.Input((3,)), kerastorch.Input((2,))
    merged = layers.Concatenate()([layers.Dense(4)(first), second])
    model = kerastorch.Model([first, second], layers.Dense(1)(merged))
    rng = np.random.RandomState(2)
    a, b = rng.normal(size=(5, 3)).astype("float32"), rng.normal(size=(5, 2)).astype("float32")
    program = export.export(model, [a[:2], b[:2]])
    out = program.module()(torch.as_tensor(a), torch.as_tensor(b))
    np.testing.assert_allclose(out.detach().numpy(), model.predict([a, b]), rtol=1e-5, atol=1e-6)
    static = export.export(model, [a[:2], b[:2]], dynamic_batch=False)
    with pytest.raises(Exception):
        static.module()(torch.as_tensor(a), torch.as_tensor(b))
    with pytest.raises(ValueError, match="at least 2 samples"):
        export.export(model, [a[:1], b[:1]])


def test_trace_runs_two_batch_sizes_like_predict(tmp_path):
    model = _image_model()
    small, large = _batches()
    path = str(tmp_path / "model.ts")
    traced = export.trace(model, small, path=path)
    loaded = torch.jit.load(path)
    for batch in (small, large):
        expected = model.predict(batch)
        np.testing.assert_allclose(traced(torch.as_tensor(batch)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(loaded(torch.as_tensor(batch)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(importlib.util.find_spec("onnx") is not None, reason="onnx is installed")
def test_to_onnx_says_how_to_install_onnx(tmp_path):
    model = kerastorch.Sequential([layers.Dense(2, input_shape=(3,))])
    with pytest.raises(ImportError, match="pip install onnx"):
        export.to_onnx(model, str(tmp_path / "model.onnx"), np.zeros((2, 3), "float32"))


@pytest.mark.skipif(
    importlib.util.find_spec("onnx") is None or importlib.util.find_spec("onnxscript") is None,
    reason="needs onnx and onnxscript",
)
def test_to_onnx_writes_a_valid_model(tmp_path):
    import onnx

    model = kerastorch.Sequential([layers.Dense(2, activation="relu", input_shape=(3,)), layers.Dense(1)])
    path = export.to_onnx(model, str(tmp_path / "model.onnx"), np.zeros((2, 3), "float32"))
    onnx.checker.check_model(onnx.load(path))


def test_export_recurrent_model_keeps_the_batch_dynamic():
    torch.manual_seed(0)
    model = kerastorch.Sequential(
        [
            layers.Embedding(10, 4, input_length=5, mask_zero=True),
            layers.LSTM(3, return_sequences=True),
            layers.RNN([layers.GRUCell(3), layers.SimpleRNNCell(2)]),
        ]
    )
    rng = np.random.RandomState(3)
    tokens = rng.randint(0, 10, (7, 5)).astype("int64")
    tokens[0, 3:] = 0  # a padded sequence takes the masked path
    model.predict(tokens[:2])
    program = export.export(model, tokens[:3], dynamic_batch=True)
    for batch in (tokens[:2], tokens):
        np.testing.assert_allclose(
            program.module()(torch.as_tensor(batch)).detach().numpy(), model.predict(batch), rtol=1e-5, atol=1e-6
        )
