"""Files in Keras 1 / Keras 2.0-2.3 layouts (hand-built with h5py) load with the conversions of Keras 2.2.4.

References are NumPy implementations of the Keras 1 layer maths applied to the raw saved arrays.
"""

import json
import warnings

import h5py
import numpy as np
import pytest

from kerastorch import layers as L
from kerastorch import models
from kerastorch import optimizers
from kerastorch.saving import file_io
from kerastorch.saving import legacy_weights

RNG = np.random.RandomState(7)


def _rand(*shape, scale=0.5):
    return (RNG.randn(*shape) * scale).astype("float32")


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _write_keras1_weights(path, layers, backend=None, keras_version=None):
    """A weights file as Keras 1 wrote it: root `layer_names`, per layer `weight_names` + datasets."""
    with h5py.File(path, "w") as handle:
        handle.attrs["layer_names"] = [name.encode("utf8") for name, _ in layers]
        if backend is not None:
            handle.attrs["backend"] = backend.encode("utf8")
        if keras_version is not None:
            handle.attrs["keras_version"] = keras_version.encode("utf8")
        for name, arrays in layers:
            group = handle.create_group(name)
            names = [f"{name}_{suffix}" for suffix, _ in arrays]
            group.attrs["weight_names"] = [n.encode("utf8") for n in names] if names else np.zeros((0,), "float64")
            for weight_name, (_, array) in zip(names, arrays):
                group.create_dataset(weight_name, data=array)


# ---------------------------------------------------------------------------------------------
# Recurrent
# ---------------------------------------------------------------------------------------------
def _keras1_lstm_arrays(input_dim, units):
    arrays = []
    for gate in "icfo":  # Keras 1 order
        arrays += [
            (f"W_{gate}", _rand(input_dim, units)),
            (f"U_{gate}", _rand(units, units)),
            (f"b_{gate}", _rand(units)),
        ]
    return arrays


def _numpy_lstm(x, arrays, reverse=False):
    w = {name: value for name, value in arrays}
    steps = range(x.shape[1] - 1, -1, -1) if reverse else range(x.shape[1])
    h = np.zeros((x.shape[0], w["U_i"].shape[0]))
    c = np.zeros_like(h)
    for t in steps:
        xt = x[:, t]
        i = _sigmoid(xt @ w["W_i"] + h @ w["U_i"] + w["b_i"])
        f = _sigmoid(xt @ w["W_f"] + h @ w["U_f"] + w["b_f"])
        candidate = np.tanh(xt @ w["W_c"] + h @ w["U_c"] + w["b_c"])
        o = _sigmoid(xt @ w["W_o"] + h @ w["U_o"] + w["b_o"])
        c = f * c + i * candidate
        h = o * np.tanh(c)
    return h


def test_keras1_lstm_12_arrays(tmp_path):
    arrays = _keras1_lstm_arrays(3, 4)
    _write_keras1_weights(tmp_path / "lstm.h5", [("lstm_1", arrays)])
    model = models.Sequential([L.LSTM(4, recurrent_activation="sigmoid", input_shape=(5, 3))])
    model.load_weights(tmp_path / "lstm.h5")
    kernel = model.layers[0].get_weights()[0]
    np.testing.assert_array_equal(kernel[:, 4:8], arrays[6][1])  # Keras 2 gate 1 is Keras 1's forget gate
    x = _rand(2, 5, 3, scale=1.0)
    np.testing.assert_allclose(model.predict(x), _numpy_lstm(x, arrays), atol=1e-5)


def test_keras1_gru_9_arrays(tmp_path):
    arrays = []
    for gate in "zrh":
        arrays += [(f"W_{gate}", _rand(3, 4)), (f"U_{gate}", _rand(4, 4)), (f"b_{gate}", _rand(4))]
    _write_keras1_weights(tmp_path / "gru.h5", [("gru_1", arrays)])
    model = models.Sequential([L.GRU(4, recurrent_activation="sigmoid", reset_after=False, input_shape=(5, 3))])
    model.load_weights(tmp_path / "gru.h5")
    w = dict(arrays)
    x = _rand(2, 5, 3, scale=1.0)
    h = np.zeros((2, 4))
    for t in range(5):
        xt = x[:, t]
        z = _sigmoid(xt @ w["W_z"] + h @ w["U_z"] + w["b_z"])
        r = _sigmoid(xt @ w["W_r"] + h @ w["U_r"] + w["b_r"])
        candidate = np.tanh(xt @ w["W_h"] + (r * h) @ w["U_h"] + w["b_h"])
        h = z * h + (1 - z) * candidate
    np.testing.assert_allclose(model.predict(x), h, atol=1e-5)


def test_keras1_bidirectional_lstm(tmp_path):
    forward, backward = _keras1_lstm_arrays(3, 2), _keras1_lstm_arrays(3, 2)
    saved = [(f"forward_{n}", a) for n, a in forward] + [(f"backward_{n}", a) for n, a in backward]
    _write_keras1_weights(tmp_path / "bi.h5", [("bidirectional_1", saved)])
    model = models.Sequential([L.Bidirectional(L.LSTM(2, recurrent_activation="sigmoid"), input_shape=(4, 3))])
    model.load_weights(tmp_path / "bi.h5")
    x = _rand(2, 4, 3, scale=1.0)
    expected = np.concatenate([_numpy_lstm(x, forward), _numpy_lstm(x, backward, reverse=True)], axis=-1)
    np.testing.assert_allclose(model.predict(x), expected, atol=1e-5)


def _to_cudnn_lstm(kernel, recurrent, bias):
    """Keras LSTM weights in the CuDNNLSTM layout (the inverse of Keras 2.2.4's conversion)."""
    kernels = np.hstack([k.T.reshape(k.shape, order="C") for k in np.hsplit(kernel, 4)])
    recurrents = np.hstack([k.T for k in np.hsplit(recurrent, 4)])
    return [kernels, recurrents, np.tile(0.5 * bias, 2)]


def test_cudnn_lstm_weights_load_into_lstm(tmp_path):
    kernel, recurrent, bias = _rand(3, 8), _rand(2, 8), _rand(8)
    cudnn = _to_cudnn_lstm(kernel, recurrent, bias)
    assert cudnn[2].shape == (16,)
    _write_keras1_weights(
        tmp_path / "cudnn.h5",
        [("cu_dnnlstm_1", [("kernel", cudnn[0]), ("recurrent_kernel", cudnn[1]), ("bias", cudnn[2])])],
        backend="tensorflow",
        keras_version="2.1.6",
    )
    model = models.Sequential([L.LSTM(2, input_shape=(4, 3))])
    model.load_weights(tmp_path / "cudnn.h5")
    got = model.layers[0].get_weights()
    np.testing.assert_allclose(got[0], kernel, atol=0)
    np.testing.assert_allclose(got[1], recurrent, atol=0)
    np.testing.assert_allclose(got[2], bias, atol=1e-7)


def test_cudnn_gru_weights_and_incompatible_gru(tmp_path):
    kernel, recurrent, bias = _rand(3, 6), _rand(2, 6), _rand(2, 6)
    cudnn_kernel = np.hstack([k.T.reshape(k.shape, order="C") for k in np.hsplit(kernel, 3)])
    cudnn_recurrent = np.hstack([k.T for k in np.hsplit(recurrent, 3)])
    layers = [
        ("cu_dnngru_1", [("kernel", cudnn_kernel), ("recurrent_kernel", cudnn_recurrent), ("bias", bias.reshape(-1))])
    ]
    _write_keras1_weights(tmp_path / "cugru.h5", layers, backend="tensorflow", keras_version="2.1.6")
    model = models.Sequential([L.GRU(2, reset_after=True, input_shape=(4, 3))])
    model.load_weights(tmp_path / "cugru.h5")
    for got, expected in zip(model.layers[0].get_weights(), [kernel, recurrent, bias]):
        np.testing.assert_array_equal(got, expected)
    plain = [("gru_1", [("kernel", kernel), ("recurrent_kernel", recurrent), ("bias", _rand(6))])]
    _write_keras1_weights(tmp_path / "gru_false.h5", plain, backend="tensorflow", keras_version="2.2.4")
    with pytest.raises(ValueError, match="reset_after=False"):
        model.load_weights(tmp_path / "gru_false.h5")


# ---------------------------------------------------------------------------------------------
# Convolutions and normalization
# ---------------------------------------------------------------------------------------------
def _true_convolution_channels_first(x, w_th, b):
    """Theano's conv2d (a true convolution, 'valid'): x (N, C, H, W), w (F, C, R, S)."""
    n, _, height, width = x.shape
    filters, _, rows, cols = w_th.shape
    flipped = w_th[:, :, ::-1, ::-1]
    out = np.zeros((n, filters, height - rows + 1, width - cols + 1))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            patch = x[:, :, i : i + rows, j : j + cols]
            out[:, :, i, j] = np.einsum("ncrs,fcrs->nf", patch, flipped)
    return out + b[None, :, None, None]


def test_keras1_theano_channels_first_conv2d(tmp_path):
    w_th, b = _rand(2, 3, 3, 2), _rand(2)
    _write_keras1_weights(tmp_path / "th.h5", [("convolution2d_1", [("W", w_th), ("b", b)])], backend="theano")
    model = models.Sequential([L.Conv2D(2, (3, 2), data_format="channels_first", input_shape=(3, 6, 5))])
    model.load_weights(tmp_path / "th.h5")
    x = _rand(2, 3, 6, 5, scale=1.0)
    np.testing.assert_allclose(model.predict(x), _true_convolution_channels_first(x, w_th, b), atol=1e-5)


def test_keras2_theano_kernels_are_flipped(tmp_path):
    w_th, b = _rand(2, 3, 3, 3), _rand(2)
    keras2_layout = np.transpose(w_th, (2, 3, 1, 0))  # Keras 2 stores (rows, cols, in, out) on every backend
    _write_keras1_weights(
        tmp_path / "k2th.h5",
        [("conv2d_1", [("kernel:0", keras2_layout), ("bias:0", b)])],
        backend="theano",
        keras_version="2.0.8",
    )
    model = models.Sequential([L.Conv2D(2, 3, data_format="channels_first", input_shape=(3, 5, 5))])
    model.load_weights(tmp_path / "k2th.h5")
    x = _rand(1, 3, 5, 5, scale=1.0)
    np.testing.assert_allclose(model.predict(x), _true_convolution_channels_first(x, w_th, b), atol=1e-5)


def test_keras1_tensorflow_conv2d_and_conv1d(tmp_path):
    w2, b2 = _rand(3, 3, 2, 4), _rand(4)  # Keras 1 'tf' layout is already (rows, cols, in, out)
    w1, b1 = _rand(3, 1, 4, 2), _rand(2)  # Keras 1 Convolution1D: (length, 1, input_dim, filters)
    _write_keras1_weights(
        tmp_path / "tf.h5",
        [("convolution2d_1", [("W", w2), ("b", b2)]), ("reshape_1", []), ("convolution1d_1", [("W", w1), ("b", b1)])],
        backend="tensorflow",
    )
    model = models.Sequential([L.Conv2D(4, 3, input_shape=(5, 5, 2)), L.Reshape((9, 4)), L.Conv1D(2, 3)])
    model.load_weights(tmp_path / "tf.h5")
    x = _rand(2, 5, 5, 2, scale=1.0)
    hidden = np.zeros((2, 3, 3, 4))
    for i in range(3):
        for j in range(3):
            hidden[:, i, j] = np.einsum("nrsc,rscf->nf", x[:, i : i + 3, j : j + 3], w2) + b2
    sequence = hidden.reshape(2, 9, 4)
    expected = np.stack([np.einsum("nkd,kdf->nf", sequence[:, t : t + 3], w1[:, 0]) + b1 for t in range(7)], axis=1)
    np.testing.assert_allclose(model.predict(x), expected, atol=1e-5)


def test_keras1_conv1d_theano_layout(tmp_path):
    w_k2, b = _rand(3, 4, 2), _rand(2)
    keras1_th = np.transpose(w_k2[:, None], (3, 2, 0, 1))  # (filters, input_dim, length, 1)
    _write_keras1_weights(tmp_path / "c1.h5", [("convolution1d_1", [("W", keras1_th), ("b", b)])])
    model = models.Sequential([L.Conv1D(2, 3, input_shape=(6, 4))])
    model.load_weights(tmp_path / "c1.h5")
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], w_k2)


def test_keras1_batch_normalization(tmp_path):
    gamma, beta, mean = _rand(3), _rand(3), _rand(3)
    variance = np.abs(_rand(3)) + 0.5  # Keras 1 named it running_std, but stored the variance
    arrays = [("gamma", gamma), ("beta", beta), ("running_mean", mean), ("running_std", variance)]
    _write_keras1_weights(tmp_path / "bn.h5", [("batchnormalization_1", arrays)])
    model = models.Sequential([L.BatchNormalization(input_shape=(3,))])
    model.load_weights(tmp_path / "bn.h5")
    x = _rand(4, 3, scale=2.0)
    expected = gamma * (x - mean) / np.sqrt(variance + 1e-3) + beta
    np.testing.assert_allclose(model.predict(x), expected, atol=1e-5)


def test_keras1_time_distributed_dense_by_name(tmp_path):
    w, b = _rand(3, 2), _rand(2)
    _write_keras1_weights(
        tmp_path / "td.h5", [("timedistributed_1", [("W", w), ("b", b)]), ("unused", [("W", _rand(1))])]
    )
    model = models.Sequential([L.TimeDistributed(L.Dense(2), input_shape=(4, 3), name="timedistributed_1")])
    model.load_weights(tmp_path / "td.h5", by_name=True)
    x = _rand(2, 4, 3)
    np.testing.assert_allclose(model.predict(x), x @ w + b, atol=1e-6)


def test_keras1_model_file_with_legacy_config(tmp_path):
    w_th, b_conv = _rand(2, 1, 3, 3), _rand(2)
    w_dense, b_dense = _rand(2 * 3 * 3, 2), _rand(2)
    config = {
        "class_name": "Sequential",
        "config": [
            {
                "class_name": "Convolution2D",
                "config": {
                    "name": "convolution2d_1",
                    "nb_filter": 2,
                    "nb_row": 3,
                    "nb_col": 3,
                    "dim_ordering": "th",
                    "border_mode": "valid",
                    "subsample": [1, 1],
                    "init": "glorot_uniform",
                    "activation": "linear",
                    "bias": True,
                    "batch_input_shape": [None, 1, 5, 5],
                    "input_dtype": "float32",
                    "trainable": True,
                },
            },
            {"class_name": "Flatten", "config": {"name": "flatten_1", "trainable": True}},
            {
                "class_name": "Dense",
                "config": {
                    "name": "dense_1",
                    "output_dim": 2,
                    "init": "glorot_uniform",
                    "activation": "linear",
                    "bias": True,
                    "input_dim": None,
                    "trainable": True,
                },
            },
        ],
    }
    path = tmp_path / "keras1_model.h5"
    with h5py.File(path, "w") as handle:
        handle.attrs["model_config"] = json.dumps(config).encode("utf8")
        handle.attrs["keras_version"] = b"1.2.2"
        group = handle.create_group("model_weights")
        group.attrs["layer_names"] = [b"convolution2d_1", b"flatten_1", b"dense_1"]
        group.attrs["backend"] = b"theano"
        for name, arrays in (
            ("convolution2d_1", [("W", w_th), ("b", b_conv)]),
            ("flatten_1", []),
            ("dense_1", [("W", w_dense), ("b", b_dense)]),
        ):
            layer_group = group.create_group(name)
            names = [f"{name}_{suffix}" for suffix, _ in arrays]
            layer_group.attrs["weight_names"] = [n.encode("utf8") for n in names] if names else np.zeros((0,))
            for weight_name, (_, array) in zip(names, arrays):
                layer_group.create_dataset(weight_name, data=array)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = models.load_model(path, compile=False)
    x = _rand(2, 1, 5, 5, scale=1.0)
    conv = _true_convolution_channels_first(x, w_th, b_conv)
    np.testing.assert_allclose(model.predict(x), conv.reshape(2, -1) @ w_dense + b_dense, atol=1e-5)


def test_legacy_helpers():
    kernel = np.arange(24, dtype="float32").reshape(2, 3, 2, 2)
    flipped = legacy_weights.convert_kernel(kernel)
    np.testing.assert_array_equal(flipped, kernel[::-1, ::-1])
    assert legacy_weights.need_convert_kernel("theano") and not legacy_weights.need_convert_kernel("tensorflow")
    assert not legacy_weights.need_convert_kernel(None) and not legacy_weights.need_convert_kernel("torch")
    assert legacy_weights.is_keras1("1") and legacy_weights.is_keras1("1.2.2") and not legacy_weights.is_keras1("2.2.4")


# ---------------------------------------------------------------------------------------------
# Optimizer state of standalone Keras 2.2 / 2.3 files
# ---------------------------------------------------------------------------------------------
def test_keras23_adam_state_without_usable_names_is_read_in_keras2_order(tmp_path):
    model = models.Sequential([L.Conv1D(2, 2, input_shape=(4, 3)), L.Flatten(), L.Dense(2)])
    model.compile(optimizers.Adam(0.02), "mse")
    x, y = _rand(6, 4, 3), _rand(6, 2)
    model.fit(x, y, batch_size=3, epochs=2, shuffle=False, verbose=0)
    ours = tmp_path / "ours.h5"
    model.save(ours)
    path = tmp_path / "keras23.h5"
    with h5py.File(ours, "r") as source, h5py.File(path, "w") as handle:
        handle.attrs["keras_version"] = b"2.3.1"
        handle.attrs["backend"] = b"tensorflow"
        handle.attrs["model_config"] = source.attrs["model_config"]
        source.copy("model_weights", handle)
        handle["model_weights"].attrs["keras_version"] = b"2.3.1"
        handle["model_weights"].attrs["backend"] = b"tensorflow"
        handle.attrs["training_config"] = json.dumps(
            {
                "optimizer_config": {
                    "class_name": "Adam",
                    "config": {
                        "lr": 0.02,
                        "beta_1": 0.9,
                        "beta_2": 0.999,
                        "decay": 0.0,
                        "epsilon": 1e-07,
                        "amsgrad": False,
                    },
                },
                "loss": "mse",
                "metrics": [],
                "sample_weight_mode": None,
                "loss_weights": None,
            }
        ).encode("utf8")
        saved = source["optimizer_weights"]
        values = [saved[name][()] for name in file_io.load_attributes_from_hdf5_group(saved, "weight_names")]
        count = len(model.trainable_weights)
        values += [np.zeros((1,), "float32") for _ in range(count)]  # Keras 2.3's placeholder vhats
        names = ["Adam/iterations:0"] + [f"training/Adam/Variable_{i}:0" for i in range(len(values) - 1)]
        group = handle.create_group("optimizer_weights")
        group.attrs["weight_names"] = [n.encode("utf8") for n in names]
        for name, value in zip(names, values):
            group.create_dataset(name, data=value)
    loaded = models.load_model(path)
    assert int(loaded.optimizer.iterations) == 4
    np.testing.assert_allclose(loaded.train_on_batch(x, y), model.train_on_batch(x, y), rtol=1e-6)
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), atol=1e-6)


def test_unreadable_optimizer_state_warns_and_starts_fresh(tmp_path):
    model = models.Sequential([L.Dense(2, input_shape=(3,))])
    model.compile("adam", "mse")
    model.fit(_rand(4, 3), _rand(4, 2), verbose=0)
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "a") as handle:
        del handle["optimizer_weights"]
        group = handle.create_group("optimizer_weights")
        group.attrs["weight_names"] = [b"training/Adam/Variable:0"]
        group.create_dataset("training/Adam/Variable:0", data=np.zeros((7,), "float32"))
    with pytest.warns(UserWarning, match="freshly initialized optimizer"):
        loaded = models.load_model(path)
    assert int(loaded.optimizer.iterations) == 0
