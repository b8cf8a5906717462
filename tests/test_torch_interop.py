"""Plain PyTorch use: state_dict keys, devices and dtypes, pickling, TorchModuleWrapper, Keras models in torch code."""

import io

import numpy as np
import pytest
import torch

import kerastorch
from kerastorch import layers
from kerastorch import optimizers
from kerastorch.layers.torch_wrapper import TorchModuleWrapper


def _rnn_model():
    inputs = kerastorch.Input((5, 3))
    x = layers.LSTM(4, return_sequences=True)(inputs)
    x = layers.Bidirectional(layers.GRU(3, return_sequences=True))(x)
    x = layers.TimeDistributed(layers.Dense(2))(x)
    inner = kerastorch.Model(inputs, x, name="encoder")
    outer_inputs = kerastorch.Input((5, 3))
    y = layers.Flatten()(inner(outer_inputs))
    y = layers.BatchNormalization()(y)
    y = layers.Dense(1, activation="sigmoid")(y)
    return kerastorch.Model(outer_inputs, y)


def test_state_dict_keys_are_readable_with_one_entry_per_weight():
    model = kerastorch.Sequential(
        [layers.Dense(4, activation="relu", input_shape=(3,)), layers.BatchNormalization(), layers.Dense(2)]
    )
    assert list(model.state_dict()) == [
        "dense_1.kernel",
        "dense_1.bias",
        "batch_normalization_1.gamma",
        "batch_normalization_1.beta",
        "batch_normalization_1.moving_mean",
        "batch_normalization_1.moving_variance",
        "dense_2.kernel",
        "dense_2.bias",
    ]
    nested = _rnn_model()
    keys = list(nested.state_dict())
    assert keys[:3] == [
        "encoder.lstm_1.cell.kernel",
        "encoder.lstm_1.cell.recurrent_kernel",
        "encoder.lstm_1.cell.bias",
    ]
    assert "encoder.bidirectional_1.backward_layer.cell.recurrent_kernel" in keys
    assert "encoder.time_distributed_1.layer.kernel" in keys
    assert len(keys) == len(set(keys)) == len(nested.weights)
    assert len({id(t) for t in nested.state_dict(keep_vars=True).values()}) == len(keys)


def test_parameters_are_the_trainable_then_non_trainable_weights():
    model = _rnn_model()
    params = list(model.parameters())
    weights = model.trainable_weights + model.non_trainable_weights
    # Same tensors, one each; parameters() is in registration order, weights in Keras order.
    assert len(params) == len(weights) == len({id(p) for p in params})
    assert {id(p) for p in params} == {id(w) for w in weights}
    assert [id(p) for p in params if p.requires_grad] == [id(w) for w in model.trainable_weights]
    assert all(not w.requires_grad for w in model.non_trainable_weights)


def test_a_fresh_copy_of_the_architecture_loads_the_state_dict():
    rng = np.random.RandomState(0)
    x = rng.normal(size=(6, 5, 3)).astype("float32")
    source = _rnn_model()
    source.compile("sgd", "binary_crossentropy")
    source.fit(x, (x[:, 0, :1] > 0).astype("float32"), epochs=1, verbose=0)  # moves BN statistics too
    copy = _rnn_model()  # other auto-generated layer names (lstm_2, dense_2, ...)
    assert list(copy.state_dict()) != list(source.state_dict())
    copy.load_state_dict(source.state_dict())
    np.testing.assert_allclose(copy.predict(x), source.predict(x), rtol=1e-6)
    with pytest.raises(RuntimeError, match="size mismatch|Missing key|Unexpected key"):
        kerastorch.Sequential([layers.Dense(3, input_shape=(2,))]).load_state_dict(source.state_dict())


def test_torch_save_and_load_whole_models_with_lambdas():
    rng = np.random.RandomState(1)
    x = rng.normal(size=(16, 4)).astype("float32")
    y = x[:, :1] * 2.0
    scale = 3.0
    model = kerastorch.Sequential(
        [
            layers.Dense(8, activation=lambda t: torch.tanh(t) * 0.5, input_shape=(4,)),
            layers.Lambda(lambda t: t * scale),
            layers.Dense(1),
        ]
    )
    model.compile(optimizers.Adam(0.01), "mse", metrics=["mae"])
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    buffer = io.BytesIO()
    torch.save(model, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=False)
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)
    # Training continues from the same optimizer state in both.
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_double_and_half_models_get_data_in_their_dtype():
    rng = np.random.RandomState(2)
    x = rng.normal(size=(10, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = kerastorch.Sequential([layers.Dense(2, activation="tanh", input_shape=(3,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    kernel, bias, kernel2, bias2 = [w.astype("float64") for w in model.get_weights()]
    expected = np.tanh(x.astype("float64") @ kernel + bias) @ kernel2 + bias2
    model.double()
    predictions = model.predict(x)
    assert predictions.dtype == np.float64
    np.testing.assert_allclose(predictions, expected, rtol=1e-12)
    model.fit(x, y, epochs=1, batch_size=5, verbose=0)
    assert all(p.dtype == torch.float64 for p in model.parameters())
    model.half()
    half = model.predict(x)
    assert half.dtype == np.float16
    model.double()
    np.testing.assert_allclose(half, model.predict(x), atol=2e-2)


def test_torch_module_wrapper_trains_and_tracks_weights(tmp_path):
    torch.manual_seed(0)
    rng = np.random.RandomState(3)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")
    module = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.BatchNorm1d(8), torch.nn.Tanh())
    inputs = kerastorch.Input((3,))
    wrapper = TorchModuleWrapper(module, name="torch_block")
    outputs = layers.Dense(1)(wrapper(inputs))
    model = kerastorch.Model(inputs, outputs)
    assert list(model.state_dict())[:2] == ["torch_block.module.0.weight", "torch_block.module.0.bias"]
    assert [w is p for w, p in zip(wrapper.trainable_weights, module.parameters())] == [True] * 4
    assert [tuple(w.shape) for w in wrapper.non_trainable_weights] == [(8,), (8,)]  # running statistics
    model.compile(optimizers.Adam(0.05), "mse")
    before = [w.copy() for w in wrapper.get_weights()]
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert not np.allclose(before[0], module[0].weight.detach().numpy())
    np.testing.assert_allclose(wrapper.get_weights()[0], module[0].weight.detach().numpy())
    # Eval mode outside fit: the module uses its running statistics, as a plain torch module.
    module.eval()
    with torch.no_grad():
        expected = model.layers[-1](module(torch.as_tensor(x))).numpy()
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-6)
    # get_weights / set_weights and HDF5 weight files include the module's parameters.
    path = str(tmp_path / "wrapped.weights.h5")
    model.save_weights(path)
    fresh_inputs = kerastorch.Input((3,))
    fresh_module = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.BatchNorm1d(8), torch.nn.Tanh())
    fresh = kerastorch.Model(fresh_inputs, layers.Dense(1)(TorchModuleWrapper(fresh_module)(fresh_inputs)))
    fresh.load_weights(path)
    np.testing.assert_allclose(fresh.predict(x), model.predict(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fresh_module[1].running_mean.numpy(), module[1].running_mean.numpy())
    fresh.set_weights([w * 0 for w in model.get_weights()])
    assert float(fresh_module[0].weight.detach().abs().sum()) == 0.0


def test_torch_module_wrapper_materializes_lazy_modules_and_freezes():
    module = torch.nn.Sequential(torch.nn.LazyLinear(4), torch.nn.ReLU(), torch.nn.LazyLinear(1))
    model = kerastorch.Sequential([kerastorch.Input((6,)), TorchModuleWrapper(module)])
    assert [tuple(w.shape) for w in model.weights] == [(4, 6), (4,), (1, 4), (1,)]
    assert model.count_params() == 6 * 4 + 4 + 4 + 1
    x = np.random.RandomState(4).normal(size=(8, 6)).astype("float32")
    with torch.no_grad():
        expected = module(torch.as_tensor(x)).numpy()
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-6)
    wrapper = model.layers[0]
    wrapper.trainable = False
    assert wrapper.trainable_weights == [] and not any(p.requires_grad for p in module.parameters())
    head = kerastorch.Sequential([kerastorch.Input((6,)), wrapper, layers.Dense(1)])
    head.compile("sgd", "mse")
    before = wrapper.get_weights()
    head.fit(x, x[:, :1], epochs=1, verbose=0)
    for old, new in zip(before, wrapper.get_weights()):
        np.testing.assert_array_equal(old, new)
    with pytest.raises(TypeError, match="torch.nn.Module"):
        TorchModuleWrapper(lambda t: t)


def test_keras_model_inside_a_torch_module_learns_with_a_hand_written_loop():
    torch.manual_seed(0)
    keras_part = kerastorch.Sequential([layers.Dense(16, activation="relu", input_shape=(2,)), layers.Dense(1)])

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.features = keras_part
            self.scale = torch.nn.Parameter(torch.ones(1))

        def forward(self, x):
            return self.features(x) * self.scale

    net = Net()
    names = [name for name, _ in net.named_parameters()]
    assert names == [
        "scale",
        "features.dense_1.kernel",
        "features.dense_1.bias",
        "features.dense_2.kernel",
        "features.dense_2.bias",
    ]
    optimizer = torch.optim.Adam(net.parameters(), lr=0.02)
    x = torch.rand(128, 2) * 2 - 1
    y = (x[:, :1] * x[:, 1:]).detach()
    net.train()
    losses = []
    for _ in range(150):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(net(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.25 * losses[0]
    assert keras_part.layers[0].kernel.grad is not None


@pytest.mark.cuda
def test_cuda_placement_is_respected_by_fit_and_predict():
    kerastorch.backend.set_device("cpu")
    model = kerastorch.Sequential([layers.Dense(3, input_shape=(4,))]).cuda()
    model.compile("sgd", "mse")
    x = np.random.RandomState(5).normal(size=(8, 4)).astype("float32")
    model.fit(x, x[:, :3], epochs=1, verbose=0)
    assert all(p.device.type == "cuda" for p in model.parameters())
    assert model.predict(x).shape == (8, 3)


@pytest.mark.cuda
def test_conv2d_on_channels_last_cuda_input_matches_cpu():
    rng = np.random.RandomState(6)
    x = rng.normal(size=(2, 9, 9, 3)).astype("float32")
    layer = layers.Conv2D(5, 3, padding="same")
    cpu_in = torch.tensor(x, requires_grad=True)
    cpu_out = layer(cpu_in)
    cpu_out.square().sum().backward()
    cpu_kernel_grad = layer.kernel.grad.clone()
    layer.kernel.grad = None
    layer.to("cuda")
    cuda_in = torch.tensor(x, device="cuda", requires_grad=True)
    cuda_out = layer(cuda_in)
    # The channels-last batch seen as (N, C, H, W) is a view in torch's channels_last format.
    assert cuda_in.permute(0, 3, 1, 2).is_contiguous(memory_format=torch.channels_last)
    cuda_out.square().sum().backward()
    np.testing.assert_allclose(cuda_out.detach().cpu().numpy(), cpu_out.detach().numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(cuda_in.grad.cpu().numpy(), cpu_in.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(layer.kernel.grad.cpu().numpy(), cpu_kernel_grad.numpy(), rtol=1e-4, atol=1e-3)


@pytest.mark.cuda
def test_lstm_on_cuda_equals_cpu():
    rng = np.random.RandomState(7)
    x = rng.normal(size=(3, 6, 4)).astype("float32")
    layer = layers.LSTM(5, return_sequences=True)
    cpu = layer(torch.as_tensor(x)).detach().numpy()
    layer.to("cuda")
    cuda = layer(torch.as_tensor(x, device="cuda")).detach().cpu().numpy()
    np.testing.assert_allclose(cuda, cpu, rtol=1e-4, atol=1e-5)
