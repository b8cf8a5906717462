"""Preprocessing layers (Rescaling, CenterCrop, Resizing, Normalization, Discretization, CategoryEncoding)
against tf.keras 2.15 references, plus adapt, configs, HDF5 files and errors."""

import json
import os

import h5py
import numpy as np
import pytest
import torch

from kerastorch import layers
from kerastorch import models
from kerastorch.layers import preprocessing
from kerastorch.utils import data_utils
from kerastorch.utils.test_utils import layer_test

DATA = os.path.join(os.path.dirname(__file__), "..", "data")
REFERENCES = np.load(os.path.join(DATA, "preprocessing_layers_references.npz"))
CASES = sorted({key.split("/")[0] for key in REFERENCES.files if not key.startswith("h5_model")})

# tf.keras 2.15 get_config() keys besides name/trainable/dtype.
TF_KERAS_KEYS = {
    "Rescaling": {"scale", "offset"},
    "CenterCrop": {"height", "width"},
    "Resizing": {"height", "width", "interpolation", "crop_to_aspect_ratio"},
    "Normalization": {"axis", "invert", "mean", "variance"},
    "Discretization": {"bin_boundaries", "num_bins", "epsilon", "output_mode", "sparse"},
    "CategoryEncoding": {"num_tokens", "output_mode", "sparse"},
}


def _case(name):
    config = json.loads(str(REFERENCES[f"{name}/config"]))
    layer = getattr(layers, config["class_name"])(**config["config"])
    if f"{name}/adapt" in REFERENCES.files:
        layer.adapt(REFERENCES[f"{name}/adapt"], **json.loads(str(REFERENCES[f"{name}/adapt_kwargs"])))
    return layer


@pytest.mark.parametrize("name", CASES)
def test_matches_tf_keras(name):
    layer = _case(name)
    kwargs = {}
    if f"{name}/count_weights" in REFERENCES.files:
        kwargs["count_weights"] = REFERENCES[f"{name}/count_weights"]
    y = layer(torch.as_tensor(REFERENCES[f"{name}/x"]), **kwargs)
    expected = REFERENCES[f"{name}/y"]
    assert y.numpy().dtype == expected.dtype
    if np.issubdtype(expected.dtype, np.integer):
        np.testing.assert_array_equal(y.numpy(), expected)
    else:
        np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5, atol=1e-5)
    weight_keys = sorted(key for key in REFERENCES.files if key.startswith(f"{name}/w"))
    for got, key in zip(layer.get_weights(), weight_keys):
        np.testing.assert_allclose(got, REFERENCES[key], rtol=1e-5, atol=1e-5)
        assert got.dtype == REFERENCES[key].dtype
    if f"{name}/bins" in REFERENCES.files:
        np.testing.assert_array_equal(np.asarray(layer.bin_boundaries), REFERENCES[f"{name}/bins"])


def test_image_layers_layer_test():
    x = np.random.RandomState(0).uniform(0, 255, size=(2, 5, 6, 3)).astype("float32")
    layer_test(
        layers.Rescaling, kwargs={"scale": 1.0 / 255, "offset": -0.5}, input_data=x, expected_output=x / 255 - 0.5
    )
    layer_test(layers.CenterCrop, kwargs={"height": 3, "width": 2}, input_data=x, expected_output=x[:, 1:4, 2:4])
    for interpolation in ("bilinear", "nearest", "bicubic", "area"):
        layer_test(layers.Resizing, kwargs={"height": 4, "width": 9, "interpolation": interpolation}, input_data=x)
    layer_test(layers.Resizing, kwargs={"height": 3, "width": 3, "crop_to_aspect_ratio": True}, input_data=x)


def test_resizing_integer_scale_matches_numpy():
    x = np.arange(2 * 4 * 6, dtype="float32").reshape(1, 4, 6, 2)
    area = layers.Resizing(2, 3, interpolation="area")(x).numpy()
    np.testing.assert_allclose(area, x.reshape(1, 2, 2, 3, 2, 2).mean(axis=(2, 4)), rtol=1e-6)
    nearest = layers.Resizing(8, 12, interpolation="nearest")(x).numpy()
    np.testing.assert_array_equal(nearest, x.repeat(2, axis=1).repeat(2, axis=2))
    assert layers.Resizing(2, 2)(np.zeros((1, 4, 4, 1), "uint8")).dtype == torch.float32


def test_numeric_and_categorical_layer_test():
    x = np.random.RandomState(1).normal(size=(4, 3)).astype("float32")
    layer_test(
        layers.Normalization,
        kwargs={"mean": [1.0, 0.0, -1.0], "variance": [4.0, 1.0, 0.25]},
        input_data=x,
        expected_output=(x - np.array([1.0, 0.0, -1.0])) / np.array([2.0, 1.0, 0.5]),
    )
    layer_test(
        layers.Discretization,
        kwargs={"bin_boundaries": [-0.5, 0.0, 0.5]},
        input_data=x,
        expected_output=np.searchsorted([-0.5, 0.0, 0.5], x, side="right"),
        expected_output_dtype="int64",
    )
    ids = np.array([[0, 3, 3], [1, 1, 2]], dtype="int64")
    layer_test(
        layers.CategoryEncoding,
        kwargs={"num_tokens": 5, "output_mode": "count"},
        input_data=ids,
        expected_output=np.array([[1, 0, 0, 2, 0], [0, 2, 1, 0, 0]], dtype="float32"),
        expected_output_dtype="float32",
    )


def test_configs_have_tf_keras_keys():
    for layer in [
        layers.Rescaling(0.5),
        layers.CenterCrop(2, 3),
        layers.Resizing(4, 5),
        layers.Normalization(),
        layers.Discretization(bin_boundaries=[0.0, 1.0]),
        layers.CategoryEncoding(5),
    ]:
        config = layer.get_config()
        assert set(config) - {"name", "trainable", "dtype"} == TF_KERAS_KEYS[type(layer).__name__]
    assert layers.Normalization().get_config()["axis"] == (-1,)
    assert layers.Normalization(axis=None).get_config()["axis"] == ()
    assert layers.Discretization(bin_boundaries=np.array([0.0, 1.0])).get_config()["bin_boundaries"] == [0.0, 1.0]
    assert layers.Discretization(num_bins=3).get_config()["dtype"] == "int64"
    assert layers.Discretization(num_bins=3, output_mode="count").get_config()["dtype"] == "float32"
    assert layers.CategoryEncoding(3, output_mode="binary").get_config()["output_mode"] == "multi_hot"


def test_normalization_weights_are_named_and_shaped_as_tf_keras():
    layer = layers.Normalization(axis=(1, 2))
    layer.adapt(np.random.RandomState(2).normal(size=(10, 2, 3)))
    assert [w.name.split("/")[-1] for w in layer.weights] == ["mean:0", "variance:0", "count:0"]
    assert [tuple(w.shape) for w in layer.weights] == [(2, 3), (2, 3), ()]
    assert layer.weights[2].dtype == torch.int64 and int(layer.count) == 10
    assert not layer.trainable_weights
    # The adapted rank (and the kept sizes) become the batch input shape: the layer can start a Sequential.
    assert layer.get_config()["batch_input_shape"] == [None, 2, 3]
    assert layers.Normalization(mean=1.0, variance=2.0).weights == []


def test_adapt_takes_generators_and_sequences_batch_by_batch():
    data = np.random.RandomState(3).normal(2.0, 3.0, size=(30, 2)).astype("float32")
    by_array = layers.Normalization()
    by_array.adapt(data, batch_size=10)

    def batches():
        for start in range(0, 30, 10):
            yield data[start : start + 10]

    class Batches(data_utils.Sequence):
        def __len__(self):
            return 3

        def __getitem__(self, index):
            return data[index * 10 : (index + 1) * 10]

    for source in (batches(), Batches()):
        layer = layers.Normalization()
        layer.adapt(source)
        for got, want in zip(layer.get_weights(), by_array.get_weights()):
            np.testing.assert_allclose(got, want, rtol=1e-6)
    first_two = layers.Normalization()
    first_two.adapt(Batches(), steps=2)
    np.testing.assert_allclose(first_two.get_weights()[0], data[:20].mean(axis=0), rtol=1e-5)
    # A second adapt starts over.
    by_array.adapt(data[:5])
    np.testing.assert_allclose(by_array.get_weights()[0], data[:5].mean(axis=0), rtol=1e-5)
    assert int(by_array.count) == 5


def test_adapted_normalization_trains_in_front_of_dense():
    x = np.random.RandomState(4).normal(5.0, 2.0, size=(16, 3)).astype("float32")
    normalizer = layers.Normalization()
    normalizer.adapt(x)
    model = models.Sequential([normalizer, layers.Dense(1)])
    model.compile("sgd", "mse")
    stats_before = normalizer.get_weights()
    kernel_before = model.layers[-1].get_weights()[0]
    model.fit(x, x.sum(axis=1, keepdims=True), epochs=1, batch_size=16, verbose=0)
    for got, want in zip(normalizer.get_weights(), stats_before):
        np.testing.assert_array_equal(got, want)
    assert not np.allclose(model.layers[-1].get_weights()[0], kernel_before)
    np.testing.assert_allclose(model.layers[0](x).numpy().mean(axis=0), np.zeros(3), atol=1e-5)


def test_sequential_starting_with_an_adapted_normalization_saves_and_loads(tmp_path):
    x = np.random.RandomState(5).normal(1.0, 2.0, size=(12, 3)).astype("float32")
    normalizer = layers.Normalization()
    normalizer.adapt(x)
    model = models.Sequential([normalizer, layers.Dense(2)])
    model.save(str(tmp_path / "model.h5"))
    loaded = models.load_model(str(tmp_path / "model.h5"), compile=False)
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)
    np.testing.assert_allclose(loaded.layers[0].get_weights()[1], x.var(axis=0), rtol=1e-5)


def test_discretization_summary_weight_from_tf_keras_sets_the_bins():
    layer = layers.Discretization(num_bins=5)
    layer.build((None, 3))
    assert [w.name.split("/")[-1] for w in layer.weights] == ["summary:0"]
    layer.set_weights([REFERENCES["disc_adapt_normal/w0"]])
    np.testing.assert_array_equal(np.asarray(layer.bin_boundaries), REFERENCES["disc_adapt_normal/bins"])
    assert layer.count_params() == REFERENCES["disc_adapt_normal/w0"].size
    np.testing.assert_array_equal(layer(REFERENCES["disc_adapt_normal/x"]).numpy(), REFERENCES["disc_adapt_normal/y"])


def test_adapted_discretization_model_saves_and_loads_with_its_summary(tmp_path):
    layer = layers.Discretization(num_bins=5)
    layer.build((None, 3))
    layer.set_weights([REFERENCES["disc_adapt_normal/w0"]])
    model = models.Sequential([layers.Input((3,)), layer])
    model.save(str(tmp_path / "discretization.h5"))
    loaded = models.load_model(str(tmp_path / "discretization.h5"), compile=False)
    np.testing.assert_array_equal(np.asarray(loaded.layers[-1].bin_boundaries), REFERENCES["disc_adapt_normal/bins"])
    np.testing.assert_array_equal(loaded.predict(REFERENCES["disc_adapt_normal/x"]), REFERENCES["disc_adapt_normal/y"])


def test_tf_keras_h5_model_loads_and_predicts():
    path = os.path.join(DATA, "preprocessing_tfk2.h5")
    model = models.load_model(path, compile=False)
    rescaled, counts = model.predict(REFERENCES["h5_model/x"])
    np.testing.assert_allclose(rescaled, REFERENCES["h5_model/y0"], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(counts, REFERENCES["h5_model/y1"])
    with h5py.File(path, "r") as handle:
        saved_mean = np.asarray(handle["model_weights/norm/mean:0"])
    np.testing.assert_array_equal(model.get_layer("norm").get_weights()[0], saved_mean)


def test_symbolic_outputs_take_the_compute_dtype():
    ids = layers.Input((3,), dtype="int64")
    assert layers.CategoryEncoding(4)(ids).dtype == "float32"
    assert layers.Discretization(bin_boundaries=[1.0])(ids).dtype == "int64"
    images = layers.Input((4, 4, 3), dtype="uint8")
    resized = layers.Resizing(2, 3)(images)
    assert resized.dtype == "float32" and tuple(resized.shape) == (None, 2, 3, 3)
    assert layers.CategoryEncoding(4, output_mode="one_hot")(layers.Input((1,), dtype="int64")).shape[1:] == (4,)


@pytest.mark.parametrize(
    "factory, message",
    [
        (lambda: layers.Resizing(2, 2, interpolation="lanczos3"), "lanczos3"),
        (lambda: layers.Resizing(2, 2, interpolation="cubic"), "interpolation='cubic'"),
        (lambda: layers.Resizing(0, 2), "height=0"),
        (lambda: layers.CenterCrop(2, -1), "width=-1"),
        (lambda: layers.Rescaling("a"), "scale='a'"),
        (lambda: layers.Normalization(mean=1.0), "variance=None"),
        (lambda: layers.Discretization(bin_boundaries=[0.0], num_bins=2), "not both"),
        (lambda: layers.Discretization(bin_boundaries=[1.0, 0.0]), r"bin_boundaries=\[1.0, 0.0\]"),
        (lambda: layers.Discretization(bin_boundaries=[0.0], output_mode="tf_idf"), "output_mode='tf_idf'"),
        (lambda: layers.Discretization(num_bins=2, output_mode="count", sparse=True), "sparse=True"),
        (lambda: layers.CategoryEncoding(), "num_tokens=None"),
        (lambda: layers.CategoryEncoding(0), "num_tokens=0"),
        (lambda: layers.CategoryEncoding(3, output_mode="int"), "output_mode='int'"),
    ],
)
def test_constructor_errors(factory, message):
    with pytest.raises(ValueError, match=message):
        factory()


def test_call_errors():
    with pytest.raises(ValueError, match="0 <= values < num_tokens=3"):
        layers.CategoryEncoding(3)(np.array([[0, 3]]))
    with pytest.raises(ValueError, match="maximum supported output rank is 2"):
        layers.CategoryEncoding(3, output_mode="one_hot")(np.array([[0, 1], [2, 2]]))
    with pytest.raises(ValueError, match="count_weights"):
        layers.CategoryEncoding(3)(np.array([[0, 1]]), count_weights=np.ones((1, 2), "float32"))
    with pytest.raises(ValueError, match="static `mean` and `variance`"):
        layers.Normalization(mean=0.0, variance=1.0).adapt(np.ones((4, 2)))
    with pytest.raises(ValueError, match="initialized with `bin_boundaries`"):
        layers.Discretization(bin_boundaries=[0.0]).adapt(np.ones((4, 2)))
    with pytest.raises(ValueError, match="unknown size at index 0"):
        layers.Normalization().adapt(np.arange(5.0))
    with pytest.raises(ValueError, match="batch_size"):
        layers.Normalization().adapt(iter([np.ones((2, 2))]), batch_size=2)
    with pytest.raises(ValueError, match=r"\(height, width, channels\)"):
        layers.CenterCrop(1, 1)(np.ones((3, 3), "float32"))
    with pytest.raises(ValueError, match="broadcast"):
        layers.Normalization(mean=[1.0, 2.0], variance=[1.0, 2.0]).build((None, 3))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_layers_run_on_the_input_device():
    x = torch.as_tensor(REFERENCES["resizing_bicubic_1/x"])
    for layer in [layers.Resizing(7, 9, interpolation="bicubic"), layers.Resizing(3, 5, interpolation="area")]:
        y = layer(x.cuda())
        assert y.is_cuda
        np.testing.assert_allclose(y.cpu().numpy(), layer(x).numpy(), rtol=1e-5, atol=1e-5)
    disc = layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode="count")
    assert disc(torch.as_tensor(REFERENCES["disc_count/x"]).cuda()).is_cuda
    normalizer = preprocessing.Normalization()
    normalizer.adapt(torch.as_tensor(REFERENCES["norm_last/adapt"]).cuda())
    assert normalizer.mean.is_cuda
    np.testing.assert_allclose(normalizer.get_weights()[0], REFERENCES["norm_last/w0"], rtol=1e-5)


def test_experimental_preprocessing_path_gives_the_same_classes():
    from kerastorch.layers.experimental import preprocessing as experimental

    assert experimental.Normalization is layers.Normalization and experimental.Rescaling is layers.Rescaling
    normalizer = experimental.Normalization(mean=[1.0, 2.0], variance=[4.0, 1.0])
    np.testing.assert_allclose(normalizer(np.array([[3.0, 2.0]], "float32")).numpy(), [[1.0, 0.0]])
