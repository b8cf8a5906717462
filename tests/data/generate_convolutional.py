"""Writes tests/data/conv_references.npz and conv_local_references.npz: tf.keras 2 outputs of the
convolutional and locally-connected layers.

Run with a Python that has TensorFlow 2.15 or older (tf.keras 2, the behaviour kerastorch
reproduces), from the repository root:

    TF_CPP_MIN_LOG_LEVEL=3 python tests/data/generate_convolutional.py

Every case stores `<case>/config` (JSON: class name and constructor arguments), `<case>/x`,
`<case>/w<i>` (weights in Keras layout, seeded random values, biases included) and `<case>/y`.
Not imported by the tests.
"""

import json
import os

import numpy as np
import tensorflow as tf
from tensorflow import keras

assert tf.__version__ < "2.16", "tf.keras 2 is needed (TensorFlow <= 2.15)"

CASES = [
    # name, class, kwargs, input shape
    ("conv1d_valid", "Conv1D", dict(filters=3, kernel_size=3), (2, 7, 2)),
    ("conv1d_same_even_s2", "Conv1D", dict(filters=3, kernel_size=4, strides=2, padding="same"), (2, 9, 2)),
    ("conv1d_causal_d2", "Conv1D", dict(filters=2, kernel_size=3, padding="causal", dilation_rate=2), (2, 8, 3)),
    ("conv1d_causal_s2", "Conv1D", dict(filters=2, kernel_size=2, padding="causal", strides=2), (1, 7, 2)),
    ("conv1d_same_d2", "Conv1D", dict(filters=2, kernel_size=2, padding="same", dilation_rate=2), (2, 6, 3)),
    ("conv1d_cf_same_s2", "Conv1D", dict(filters=3, kernel_size=3, strides=2, padding="same", data_format="channels_first"), (2, 2, 8)),
    ("conv1d_groups", "Conv1D", dict(filters=4, kernel_size=3, groups=2, padding="same"), (2, 6, 4)),
    ("conv2d_valid", "Conv2D", dict(filters=3, kernel_size=3), (2, 6, 5, 2)),
    ("conv2d_same_s2", "Conv2D", dict(filters=3, kernel_size=3, strides=2, padding="same"), (2, 8, 7, 2)),
    ("conv2d_same_even", "Conv2D", dict(filters=2, kernel_size=(2, 4), padding="same"), (1, 5, 6, 3)),
    ("conv2d_same_even_s2", "Conv2D", dict(filters=2, kernel_size=4, strides=(2, 3), padding="same"), (1, 9, 8, 2)),
    ("conv2d_valid_s2_relu", "Conv2D", dict(filters=2, kernel_size=3, strides=2, activation="relu"), (2, 7, 8, 2)),
    ("conv2d_same_d2", "Conv2D", dict(filters=2, kernel_size=3, padding="same", dilation_rate=(2, 1)), (1, 7, 6, 2)),
    ("conv2d_no_bias", "Conv2D", dict(filters=2, kernel_size=1, use_bias=False), (2, 3, 3, 4)),
    ("conv2d_groups", "Conv2D", dict(filters=4, kernel_size=3, groups=2, padding="same"), (1, 5, 5, 4)),
    ("conv2d_cf_same_s2", "Conv2D", dict(filters=3, kernel_size=3, strides=2, padding="same", data_format="channels_first"), (2, 2, 8, 7)),
    ("conv2d_cf_valid_d2", "Conv2D", dict(filters=2, kernel_size=2, dilation_rate=2, data_format="channels_first"), (1, 3, 6, 6)),
    ("conv3d_valid", "Conv3D", dict(filters=2, kernel_size=2), (1, 3, 4, 3, 2)),
    ("conv3d_same_s2", "Conv3D", dict(filters=2, kernel_size=3, strides=2, padding="same"), (1, 4, 5, 4, 2)),
    ("conv3d_cf_same", "Conv3D", dict(filters=2, kernel_size=(2, 3, 2), padding="same", data_format="channels_first"), (1, 2, 3, 4, 4)),
    ("separable1d_same_dm2", "SeparableConv1D", dict(filters=3, kernel_size=3, padding="same", depth_multiplier=2), (2, 7, 2)),
    ("separable1d_causal", "SeparableConv1D", dict(filters=2, kernel_size=3, padding="causal", dilation_rate=2), (1, 8, 3)),
    ("separable1d_cf_s2", "SeparableConv1D", dict(filters=2, kernel_size=2, strides=2, data_format="channels_first"), (1, 3, 7)),
    ("separable2d_valid", "SeparableConv2D", dict(filters=3, kernel_size=3), (2, 5, 6, 2)),
    ("separable2d_same_s2_dm2", "SeparableConv2D", dict(filters=3, kernel_size=3, strides=2, padding="same", depth_multiplier=2), (1, 8, 7, 2)),
    ("separable2d_cf_same_d2", "SeparableConv2D", dict(filters=2, kernel_size=2, padding="same", dilation_rate=2, data_format="channels_first"), (1, 2, 6, 5)),
    ("depthwise1d_same_dm2", "DepthwiseConv1D", dict(kernel_size=3, padding="same", depth_multiplier=2), (2, 6, 3)),
    ("depthwise2d_valid", "DepthwiseConv2D", dict(kernel_size=3), (2, 5, 5, 3)),
    ("depthwise2d_same_s2_dm2", "DepthwiseConv2D", dict(kernel_size=3, strides=2, padding="same", depth_multiplier=2), (1, 8, 7, 2)),
    ("depthwise2d_same_d2_even", "DepthwiseConv2D", dict(kernel_size=2, padding="same", dilation_rate=2), (1, 5, 6, 2)),
    ("depthwise2d_cf_same_dm2", "DepthwiseConv2D", dict(kernel_size=3, strides=2, padding="same", depth_multiplier=2, data_format="channels_first"), (1, 2, 7, 6)),
    ("conv1dt_valid_s2", "Conv1DTranspose", dict(filters=2, kernel_size=3, strides=2), (2, 5, 3)),
    ("conv1dt_same_even_s2", "Conv1DTranspose", dict(filters=2, kernel_size=4, strides=2, padding="same"), (1, 5, 2)),
    ("conv1dt_same_op", "Conv1DTranspose", dict(filters=2, kernel_size=3, strides=3, padding="same", output_padding=1), (1, 4, 2)),
    ("conv2dt_valid", "Conv2DTranspose", dict(filters=2, kernel_size=3), (2, 4, 5, 3)),
    ("conv2dt_same_s2", "Conv2DTranspose", dict(filters=3, kernel_size=3, strides=2, padding="same"), (1, 4, 5, 2)),
    ("conv2dt_same_even_s2", "Conv2DTranspose", dict(filters=2, kernel_size=4, strides=2, padding="same"), (1, 3, 4, 2)),
    ("conv2dt_valid_small_kernel", "Conv2DTranspose", dict(filters=2, kernel_size=2, strides=3), (1, 3, 3, 2)),
    ("conv2dt_same_op", "Conv2DTranspose", dict(filters=2, kernel_size=3, strides=2, padding="same", output_padding=(1, 0)), (1, 4, 3, 2)),
    ("conv2dt_valid_op", "Conv2DTranspose", dict(filters=2, kernel_size=3, strides=(2, 3), output_padding=(1, 2)), (1, 3, 3, 2)),
    ("conv2dt_same_d2", "Conv2DTranspose", dict(filters=2, kernel_size=3, padding="same", dilation_rate=2), (1, 5, 5, 2)),
    ("conv2dt_valid_d2", "Conv2DTranspose", dict(filters=2, kernel_size=2, dilation_rate=2), (1, 4, 4, 2)),
    ("conv2dt_cf_same_s2", "Conv2DTranspose", dict(filters=2, kernel_size=3, strides=2, padding="same", data_format="channels_first"), (1, 3, 4, 3)),
    ("conv3dt_same_s2", "Conv3DTranspose", dict(filters=2, kernel_size=3, strides=2, padding="same"), (1, 2, 3, 2, 2)),
    ("conv3dt_valid_op", "Conv3DTranspose", dict(filters=2, kernel_size=2, strides=2, output_padding=1), (1, 2, 2, 3, 2)),
    ("conv3dt_cf_valid", "Conv3DTranspose", dict(filters=2, kernel_size=2, data_format="channels_first"), (1, 2, 2, 3, 2)),
    ("upsampling1d", "UpSampling1D", dict(size=3), (2, 4, 3)),
    ("upsampling2d_nearest", "UpSampling2D", dict(size=(2, 3)), (2, 3, 4, 2)),
    ("upsampling2d_cf_nearest", "UpSampling2D", dict(size=2, data_format="channels_first"), (1, 2, 3, 4)),
    ("upsampling2d_bilinear", "UpSampling2D", dict(size=(2, 3), interpolation="bilinear"), (2, 4, 5, 2)),
    ("upsampling2d_cf_bilinear", "UpSampling2D", dict(size=(3, 2), interpolation="bilinear", data_format="channels_first"), (1, 2, 4, 3)),
    ("upsampling2d_area", "UpSampling2D", dict(size=(2, 3), interpolation="area"), (1, 4, 5, 2)),
    ("upsampling2d_bicubic", "UpSampling2D", dict(size=(2, 3), interpolation="bicubic"), (1, 5, 6, 2)),
    ("upsampling2d_cf_bicubic", "UpSampling2D", dict(size=(3, 4), interpolation="bicubic", data_format="channels_first"), (1, 2, 4, 5)),
    ("upsampling2d_gaussian", "UpSampling2D", dict(size=(2, 3), interpolation="gaussian"), (1, 5, 6, 2)),
    ("upsampling2d_lanczos3", "UpSampling2D", dict(size=(2, 3), interpolation="lanczos3"), (1, 5, 6, 2)),
    ("upsampling2d_lanczos5", "UpSampling2D", dict(size=(3, 2), interpolation="lanczos5"), (1, 7, 6, 2)),
    ("upsampling2d_mitchellcubic", "UpSampling2D", dict(size=(2, 3), interpolation="mitchellcubic"), (1, 5, 6, 2)),
    ("upsampling3d", "UpSampling3D", dict(size=(2, 1, 3)), (1, 2, 3, 2, 2)),
    ("upsampling3d_cf", "UpSampling3D", dict(size=2, data_format="channels_first"), (1, 2, 2, 3, 2)),
    ("zeropadding1d", "ZeroPadding1D", dict(padding=(1, 2)), (2, 3, 2)),
    ("zeropadding2d_int", "ZeroPadding2D", dict(padding=2), (1, 3, 2, 2)),
    ("zeropadding2d_pairs_cf", "ZeroPadding2D", dict(padding=((1, 0), (2, 3)), data_format="channels_first"), (1, 2, 3, 2)),
    ("zeropadding3d", "ZeroPadding3D", dict(padding=(1, 0, 2)), (1, 2, 2, 2, 2)),
    ("cropping1d", "Cropping1D", dict(cropping=(2, 1)), (2, 6, 2)),
    ("cropping2d", "Cropping2D", dict(cropping=((1, 0), (2, 1))), (1, 5, 6, 2)),
    ("cropping2d_cf_int", "Cropping2D", dict(cropping=1, data_format="channels_first"), (1, 2, 4, 5)),
    ("cropping3d", "Cropping3D", dict(cropping=((1, 1), (0, 1), (2, 0))), (1, 4, 3, 4, 2)),
]

# Written to conv_local_references.npz (kerastorch/layers/local.py).
LOCAL_CASES = [
    ("local1d_impl1", "LocallyConnected1D", dict(filters=3, kernel_size=3), (2, 6, 2)),
    ("local1d_impl1_s2_cf", "LocallyConnected1D", dict(filters=2, kernel_size=2, strides=2, data_format="channels_first"), (2, 3, 7)),
    ("local1d_impl2_same", "LocallyConnected1D", dict(filters=2, kernel_size=4, padding="same", implementation=2), (2, 5, 2)),
    ("local1d_impl3_cf_s2", "LocallyConnected1D", dict(filters=2, kernel_size=3, strides=2, implementation=3, data_format="channels_first"), (2, 2, 7)),
    ("local2d_impl1", "LocallyConnected2D", dict(filters=3, kernel_size=(2, 3), strides=(1, 2)), (2, 4, 6, 2)),
    ("local2d_impl1_cf_relu", "LocallyConnected2D", dict(filters=2, kernel_size=2, activation="relu", data_format="channels_first"), (2, 3, 4, 3)),
    ("local2d_impl2_valid_cf", "LocallyConnected2D", dict(filters=2, kernel_size=3, strides=2, implementation=2, data_format="channels_first"), (1, 2, 5, 6)),
    ("local2d_impl2_same", "LocallyConnected2D", dict(filters=2, kernel_size=(3, 2), padding="same", implementation=2), (2, 4, 5, 2)),
    ("local2d_impl3_same_s2", "LocallyConnected2D", dict(filters=2, kernel_size=3, strides=2, padding="same", implementation=3), (2, 5, 4, 2)),
    ("local2d_impl3_cf_no_bias", "LocallyConnected2D", dict(filters=3, kernel_size=2, use_bias=False, implementation=3, data_format="channels_first"), (1, 2, 3, 4)),
]


def write(cases, filename, seed):
    rng = np.random.RandomState(seed)
    arrays = {}
    for name, class_name, kwargs, input_shape in cases:
        layer = getattr(keras.layers, class_name)(**kwargs)
        x = rng.uniform(-1, 1, size=input_shape).astype("float32")
        layer.build(input_shape)
        weights = [rng.normal(0, 0.5, size=w.shape).astype("float32") for w in layer.get_weights()]
        layer.set_weights(weights)
        y = layer(x).numpy()
        arrays[f"{name}/config"] = np.array(json.dumps({"class_name": class_name, "config": kwargs}))
        arrays[f"{name}/x"] = x
        for index, weight in enumerate(weights):
            arrays[f"{name}/w{index}"] = weight
        arrays[f"{name}/y"] = y
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), filename)
    np.savez_compressed(path, **arrays)
    print(f"wrote {len(cases)} cases to {path}")


def main():
    write(CASES, "conv_references.npz", 1234)
    write(LOCAL_CASES, "conv_local_references.npz", 5678)


if __name__ == "__main__":
    main()
