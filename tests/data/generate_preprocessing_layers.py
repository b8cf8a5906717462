"""Writes tests/data/preprocessing_layers_references.npz and preprocessing_tfk2.h5 from tf.keras 2.15.

Run with a Python that has TensorFlow 2.15 (tf.keras 2, the behaviour kerastorch reproduces), from
the repository root:

    TF_CPP_MIN_LOG_LEVEL=3 python tests/data/generate_preprocessing_layers.py

Every case stores `<case>/config` (JSON: class name and constructor arguments), `<case>/x` (the
input), `<case>/y` (the tf.keras output) and, for adapted layers, `<case>/adapt` (the adapt data),
`<case>/adapt_kwargs` (JSON) and `<case>/w<i>` (the weights after adapt), and for Discretization
`<case>/bins` (the learned bin boundaries). `preprocessing_tfk2.h5` is a functional model
(adapted Normalization, Rescaling, Discretization, CategoryEncoding) with its input and outputs
stored as `h5_model/x`, `h5_model/y0` and `h5_model/y1`. Not imported by the tests.
"""

import json
import os

import numpy as np
import tensorflow as tf
from tensorflow import keras

assert tf.__version__ < "2.16", "tf.keras 2 is needed (TensorFlow <= 2.15)"

HERE = os.path.dirname(os.path.abspath(__file__))
RNG = np.random.RandomState(1234)


def image(shape, dtype="float32"):
    if dtype == "uint8":
        return RNG.randint(0, 256, size=shape).astype("uint8")
    return RNG.uniform(-2.0, 3.0, size=shape).astype(dtype)


IMAGE_CASES = [
    # name, class, kwargs, input
    ("rescaling", "Rescaling", dict(scale=1.0 / 255), image((2, 3, 3, 2), "uint8")),
    ("rescaling_offset", "Rescaling", dict(scale=0.5, offset=-1.0), image((2, 4, 3))),
    ("rescaling_per_channel", "Rescaling", dict(scale=[0.5, 2.0, -1.0], offset=[1.0, 0.0, 0.25]), image((2, 2, 2, 3))),
    ("center_crop", "CenterCrop", dict(height=3, width=4), image((2, 6, 7, 2))),
    ("center_crop_odd", "CenterCrop", dict(height=2, width=2), image((1, 5, 6, 3))),
    ("center_crop_unbatched", "CenterCrop", dict(height=2, width=3), image((5, 5, 1))),
    ("center_crop_upsize", "CenterCrop", dict(height=6, width=3), image((2, 4, 5, 2))),
    ("center_crop_uint8", "CenterCrop", dict(height=2, width=2), image((2, 4, 4, 1), "uint8")),
]
RESIZE_SHAPES = [((2, 5, 7, 2), (3, 4)), ((1, 4, 4, 3), (7, 9)), ((2, 6, 5, 1), (4, 11)), ((1, 9, 8, 2), (2, 3))]
for method in ("bilinear", "nearest", "bicubic", "area"):
    for index, (shape, (height, width)) in enumerate(RESIZE_SHAPES):
        IMAGE_CASES.append(
            (
                f"resizing_{method}_{index}",
                "Resizing",
                dict(height=height, width=width, interpolation=method),
                image(shape),
            )
        )
    IMAGE_CASES.append(
        (
            f"resizing_{method}_crop",
            "Resizing",
            dict(height=4, width=3, interpolation=method, crop_to_aspect_ratio=True),
            image((2, 6, 9, 2)),
        )
    )
IMAGE_CASES += [
    ("resizing_unbatched", "Resizing", dict(height=3, width=5), image((4, 6, 2))),
    (
        "resizing_uint8_nearest",
        "Resizing",
        dict(height=5, width=3, interpolation="nearest"),
        image((1, 3, 4, 2), "uint8"),
    ),
    ("resizing_crop_tall", "Resizing", dict(height=5, width=2, crop_to_aspect_ratio=True), image((1, 6, 6, 1))),
]

NORMALIZATION_CASES = [
    # name, kwargs, adapt data, adapt kwargs, call input
    ("norm_last", dict(), RNG.normal(3.0, 2.0, size=(70, 3)), dict(), RNG.normal(size=(4, 3))),
    (
        "norm_none",
        dict(axis=None),
        RNG.normal(1.0, 4.0, size=(40, 2, 3)),
        dict(batch_size=7),
        RNG.normal(size=(2, 2, 3)),
    ),
    (
        "norm_axes",
        dict(axis=(1, 2)),
        RNG.normal(-1.0, 0.5, size=(50, 2, 3)),
        dict(batch_size=16),
        RNG.normal(size=(3, 2, 3)),
    ),
    ("norm_axis1", dict(axis=1), RNG.uniform(0, 10, size=(33, 4, 2)), dict(steps=2), RNG.normal(size=(2, 4, 2))),
    (
        "norm_invert",
        dict(invert=True),
        RNG.normal(5.0, 3.0, size=(20, 4)),
        dict(batch_size=8, steps=2),
        RNG.normal(size=(3, 4)),
    ),
    ("norm_int", dict(), RNG.randint(0, 9, size=(25, 2)), dict(), RNG.randint(0, 9, size=(3, 2))),
]
STATIC_NORMALIZATION_CASES = [
    ("norm_static", dict(mean=3.0, variance=2.0), RNG.normal(size=(3, 1))),
    ("norm_static_vector", dict(mean=[1.0, -2.0, 0.5], variance=[4.0, 0.25, 0.0]), RNG.normal(size=(2, 3))),
    (
        "norm_static_invert",
        dict(mean=[1.0, 2.0], variance=[9.0, 1.0], invert=True, axis=-1),
        RNG.normal(size=(2, 2, 2)),
    ),
]

X_DISC = np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0], [np.nan, 2.0, -0.1, 1.0]], dtype="float32")
DISCRETIZATION_CASES = [
    ("disc_int", dict(bin_boundaries=[0.0, 1.0, 2.0]), X_DISC),
    ("disc_int64_input", dict(bin_boundaries=[-0.5, 1.5]), np.array([[-1, 0, 1, 2]], dtype="int64")),
    ("disc_float64_input", dict(bin_boundaries=[0.1, 0.7]), np.array([[0.1, 0.09999999, 0.7, 0.70000001]])),
    ("disc_one_hot", dict(bin_boundaries=[0.0, 1.0], output_mode="one_hot"), np.array([-1.0, 0.5, 2.0], "float32")),
    ("disc_one_hot_col", dict(bin_boundaries=[0.0, 1.0], output_mode="one_hot"), np.array([[-1.0], [1.5]], "float32")),
    ("disc_multi_hot", dict(bin_boundaries=[0.0, 1.0, 2.0], output_mode="multi_hot"), X_DISC[:2]),
    ("disc_count", dict(bin_boundaries=[0.0, 1.0, 2.0], output_mode="count"), X_DISC[:2]),
]
ADAPT_DISCRETIZATION_CASES = [
    # name, kwargs, adapt data, adapt kwargs
    ("disc_adapt_doc", dict(num_bins=4, epsilon=0.01), np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]]), dict()),
    ("disc_adapt_normal", dict(num_bins=5), RNG.normal(size=(300, 3)).astype("float32"), dict()),
    ("disc_adapt_batches", dict(num_bins=3, epsilon=0.05), RNG.exponential(size=(500, 2)), dict(batch_size=64)),
    ("disc_adapt_small", dict(num_bins=10, epsilon=0.2), RNG.uniform(size=(6, 1)), dict(batch_size=2)),
    ("disc_adapt_ties", dict(num_bins=4), RNG.randint(0, 5, size=(90, 1)).astype("float32"), dict(batch_size=20)),
    ("disc_adapt_one_hot", dict(num_bins=3, output_mode="one_hot"), RNG.normal(size=(50, 1)), dict()),
]

CATEGORY_CASES = [
    ("cat_multi_hot", dict(num_tokens=5), np.array([[0, 1], [0, 0], [1, 2], [3, 1]])),
    ("cat_one_hot", dict(num_tokens=4, output_mode="one_hot"), np.array([3, 2, 0, 1])),
    ("cat_one_hot_col", dict(num_tokens=4, output_mode="one_hot"), np.array([[3], [2], [0], [1]])),
    ("cat_count", dict(num_tokens=6, output_mode="count"), np.array([[1, 2, 2, 5], [0, 0, 0, 1]])),
    ("cat_multi_hot_1d", dict(num_tokens=6), np.array([1, 2, 2, 5])),
    ("cat_binary_alias", dict(num_tokens=3, output_mode="binary"), np.array([[2, 2], [0, 1]], "int32")),
    ("cat_float_input", dict(num_tokens=4, output_mode="count"), np.array([[1.0, 3.0, 3.0]], "float32")),
]


def store(arrays, name, class_name, kwargs, x, y):
    arrays[f"{name}/config"] = json.dumps({"class_name": class_name, "config": kwargs})
    arrays[f"{name}/x"] = x
    arrays[f"{name}/y"] = np.asarray(y)


def main():
    arrays = {}
    for name, class_name, kwargs, x in IMAGE_CASES:
        layer = getattr(keras.layers, class_name)(**kwargs)
        store(arrays, name, class_name, kwargs, x, layer(x))
    for name, kwargs, data, adapt_kwargs, x in NORMALIZATION_CASES:
        data = data.astype("float32") if data.dtype == np.float64 else data
        x = x.astype("float32") if x.dtype == np.float64 else x
        layer = keras.layers.Normalization(**kwargs)
        layer.adapt(data, **adapt_kwargs)
        store(arrays, name, "Normalization", kwargs, x, layer(x))
        arrays[f"{name}/adapt"] = data
        arrays[f"{name}/adapt_kwargs"] = json.dumps(adapt_kwargs)
        for index, weight in enumerate(layer.get_weights()):
            arrays[f"{name}/w{index}"] = weight
    for name, kwargs, x in STATIC_NORMALIZATION_CASES:
        x = x.astype("float32")
        store(arrays, name, "Normalization", kwargs, x, keras.layers.Normalization(**kwargs)(x))
    for name, kwargs, x in DISCRETIZATION_CASES:
        store(arrays, name, "Discretization", kwargs, x, keras.layers.Discretization(**kwargs)(x))
    for name, kwargs, data, adapt_kwargs in ADAPT_DISCRETIZATION_CASES:
        layer = keras.layers.Discretization(**kwargs)
        layer.adapt(data, **adapt_kwargs)
        store(arrays, name, "Discretization", kwargs, data, layer(data))
        arrays[f"{name}/adapt"] = data
        arrays[f"{name}/adapt_kwargs"] = json.dumps(adapt_kwargs)
        arrays[f"{name}/bins"] = np.asarray(layer.bin_boundaries, dtype="float64")
        arrays[f"{name}/w0"] = layer.get_weights()[0]
    for name, kwargs, x in CATEGORY_CASES:
        store(arrays, name, "CategoryEncoding", kwargs, x, keras.layers.CategoryEncoding(**kwargs)(x))
    weights = np.array([[0.5, 1.0, 2.0, 0.25], [1.0, 1.0, 1.0, 3.0]], dtype="float32")
    layer = keras.layers.CategoryEncoding(num_tokens=6, output_mode="count")
    arrays["cat_count_weights/count_weights"] = weights
    store(
        arrays,
        "cat_count_weights",
        "CategoryEncoding",
        dict(num_tokens=6, output_mode="count"),
        np.array([[1, 2, 2, 5], [0, 0, 0, 1]]),
        layer(np.array([[1, 2, 2, 5], [0, 0, 0, 1]]), count_weights=weights),
    )

    # A tf.keras-saved HDF5 model: adapted Normalization, Rescaling, Discretization and CategoryEncoding.
    normalization = keras.layers.Normalization(name="norm")
    normalization.adapt(RNG.normal(2.0, 3.0, size=(40, 3)).astype("float32"))
    inputs = keras.Input((3,))
    normalized = normalization(inputs)
    rescaled = keras.layers.Rescaling(0.5, offset=1.0, name="rescale")(normalized)
    bins = keras.layers.Discretization(bin_boundaries=[-0.5, 0.5], name="disc")(normalized)
    counts = keras.layers.CategoryEncoding(num_tokens=3, output_mode="count", name="encode")(bins)
    model = keras.Model(inputs, [rescaled, counts])
    x = RNG.normal(size=(5, 3)).astype("float32")
    outputs = model.predict(x, verbose=0)
    arrays["h5_model/x"] = x
    arrays["h5_model/y0"] = outputs[0]
    arrays["h5_model/y1"] = outputs[1]
    model.save(os.path.join(HERE, "preprocessing_tfk2.h5"))
    np.savez_compressed(os.path.join(HERE, "preprocessing_layers_references.npz"), **arrays)


if __name__ == "__main__":
    main()
