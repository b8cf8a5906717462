"""Weight layouts of older Keras files (Keras 1, Keras 2.0-2.3, CuDNN RNNs, Theano kernels) -> Keras 2 layouts.

`preprocess_weights_for_loading` follows the rules of Keras 2.2.4's function of the same name:

- Keras 1 files (no `keras_version` attribute): Conv1D kernels `(length, 1, in, filters)` or
  `(filters, in, length, 1)`, channels-first Conv2D/Conv3D/Conv2DTranspose kernels, LSTM saved as
  12 arrays (W, U, b per gate, gate order i, c, f, o), GRU saved as 9 arrays (gates z, r, h);
  BatchNormalization's 4 arrays (gamma, beta, running mean, running "std" which holds the
  variance) already have the Keras 2 order.
- Kernels written by Theano (a true convolution) are flipped for the cross-correlation that
  TensorFlow and torch compute.
- CuDNNLSTM / CuDNNGRU weights are converted to LSTM / GRU(reset_after=True) and back.
- Wrappers (Bidirectional, TimeDistributed) and nested models convert their inner layers.
"""

import numpy as np

# Backends whose convolution is a cross-correlation (kerastorch's torch convolution is one).
_USES_CORRELATION = {"tensorflow": True, "theano": False, "cntk": True, "torch": True, "jax": True}


def is_keras1(version):
    """Whether a file's `keras_version` ('1' when absent) means Keras 1 weight layouts."""
    version = "" if version is None else str(version)
    return version == "1" or version.startswith("1.")


def _class_names(layer):
    return {klass.__name__ for klass in type(layer).__mro__}


def _is(layer, *names):
    return bool(_class_names(layer) & set(names))


def convert_kernel(kernel):
    """Flips a convolution kernel along its spatial axes (Theano convolution <-> cross-correlation).

    Args:
        kernel: array of shape `(*spatial, in, out)`.
    """
    kernel = np.asarray(kernel)
    slices = [slice(None, None, -1)] * (kernel.ndim - 2) + [slice(None), slice(None)]
    return np.copy(kernel[tuple(slices)])


def need_convert_kernel(original_backend):
    """Whether kernels written by `original_backend` must be flipped for kerastorch."""
    if original_backend is None or original_backend not in _USES_CORRELATION:
        return False
    return not _USES_CORRELATION[original_backend]


def _first_weight_shape(layer):
    entries = layer._ordered_entries() if getattr(layer, "built", False) else []
    return tuple(entries[0][1].keras_shape) if entries else None


def _model_layers(layer):
    layers = getattr(layer, "layers", None)
    return list(layers) if layers is not None else []


def _convert_nested_model(layer, weights, original_keras_version, original_backend):
    """Keras 2 stores a nested model's weights as all trainable weights, then all non-trainable ones."""
    weights = list(weights)
    converted = []
    sublayers = _model_layers(layer)
    for sublayer in sublayers:
        count = len(sublayer.trainable_weights)
        if count:
            converted.extend(
                preprocess_weights_for_loading(sublayer, weights[:count], original_keras_version, original_backend)
            )
            weights = weights[count:]
    for sublayer in sublayers:
        count = len(sublayer.non_trainable_weights)
        if count:
            converted.extend(
                preprocess_weights_for_loading(sublayer, weights[:count], original_keras_version, original_backend)
            )
            weights = weights[count:]
    return converted + weights


def _concat_gates(weights, order):
    """[W, U, b] of each gate (in file order) -> kernel, recurrent_kernel, bias in `order`."""
    per_gate = [weights[3 * index : 3 * index + 3] for index in range(len(weights) // 3)]
    return [np.concatenate([np.asarray(per_gate[g][part]) for g in order], axis=-1) for part in range(3)]


def _convert_keras1(layer, weights):
    """Keras 1 -> Keras 2 layouts of one (non-wrapper) layer."""
    if not weights:
        return weights
    weights = list(weights)
    if _is(layer, "Conv1D") and not _is(layer, "Conv2D", "Conv3D"):
        kernel = np.asarray(weights[0])
        length = layer.kernel_size[0]
        if kernel.ndim == 4:
            if kernel.shape[:2] != (length, 1) or kernel.shape[3] != layer.filters:
                # Keras 1.1 'th' layout: (filters, input_dim, length, 1).
                if kernel.shape[0] != layer.filters or kernel.shape[2:] != (length, 1):
                    raise ValueError(
                        f"Conv1D '{layer.name}': cannot read the Keras 1 kernel of shape {kernel.shape}; expected "
                        f"({length}, 1, input_dim, {layer.filters}) or ({layer.filters}, input_dim, {length}, 1)."
                    )
                kernel = np.transpose(kernel, (2, 3, 1, 0))
            weights[0] = kernel[:, 0, :, :]
    elif _is(layer, "Conv2DTranspose"):
        kernel = np.asarray(weights[0])
        if layer.data_format == "channels_last":
            weights[0] = np.transpose(kernel, (0, 1, 3, 2))
        else:
            weights[0] = np.transpose(kernel, (2, 3, 0, 1))
    elif _is(layer, "Conv2D") and getattr(layer, "data_format", None) == "channels_first":
        # Keras 1 'th': (filters, stack, rows, cols) -> (rows, cols, stack, filters).
        weights[0] = np.transpose(np.asarray(weights[0]), (2, 3, 1, 0))
    elif _is(layer, "Conv3D") and getattr(layer, "data_format", None) == "channels_first":
        weights[0] = np.transpose(np.asarray(weights[0]), (2, 3, 4, 1, 0))
    elif _is(layer, "GRU") and len(weights) == 9:
        # Gates z, r, h in both versions.
        weights = _concat_gates(weights, (0, 1, 2))
    elif _is(layer, "LSTM") and len(weights) == 12:
        # Keras 1 gate order i, c, f, o; Keras 2 i, f, c, o.
        weights = _concat_gates(weights, (0, 2, 1, 3))
    return weights


def _transform_kernels(kernels, function, num_gates):
    return np.hstack([function(k) for k in np.hsplit(np.asarray(kernels), num_gates)])


def _transpose_input(from_cudnn):
    order = "F" if from_cudnn else "C"

    def transform(kernel):
        return kernel.T.reshape(kernel.shape, order=order)

    return transform


def convert_rnn_weights(layer, weights):
    """Converts LSTM/GRU weights between the CuDNN layout and the native Keras layout when needed.

    The source is recognised from the bias shape: CuDNNLSTM `(8 * units,)`, CuDNNGRU
    `(6 * units,)`, GRU(reset_after=True) `(2, 3 * units)`, GRU(reset_after=False) `(3 * units,)`.

    Args:
        layer: the target layer (LSTM or GRU).
        weights: [kernel, recurrent_kernel, bias] as saved.
    """
    if len(weights) != 3:
        return weights
    if _is(layer, "LSTM"):
        units = np.shape(weights[1])[0]
        bias_shape = np.shape(weights[2])
        if bias_shape == (2 * units * 4,):
            kernels = _transform_kernels(weights[0], _transpose_input(True), 4)
            recurrent = _transform_kernels(weights[1], lambda k: k.T, 4)
            biases = np.sum(np.split(np.asarray(weights[2]), 2, axis=0), axis=0)
            return [kernels, recurrent, biases]
        if bias_shape != (units * 4,):
            raise ValueError(
                f"LSTM '{layer.name}': invalid saved bias shape {bias_shape}; expected ({units * 4},) "
                f"(LSTM) or ({units * 8},) (CuDNNLSTM)."
            )
        return weights
    if _is(layer, "GRU"):
        units = np.shape(weights[1])[0]
        bias_shape = np.shape(weights[2])
        if bias_shape == (2 * units * 3,):
            source = "CuDNNGRU"
        elif bias_shape == (2, units * 3):
            source = "GRU(reset_after=True)"
        elif bias_shape == (units * 3,):
            source = "GRU(reset_after=False)"
        else:
            raise ValueError(f"GRU '{layer.name}': invalid saved bias shape {bias_shape} for {units} units.")
        target = "GRU(reset_after=True)" if getattr(layer, "reset_after", False) else "GRU(reset_after=False)"
        if source == target:
            return weights
        if source == "CuDNNGRU" and target == "GRU(reset_after=True)":
            kernels = _transform_kernels(weights[0], _transpose_input(True), 3)
            recurrent = _transform_kernels(weights[1], lambda k: k.T, 3)
            return [kernels, recurrent, np.asarray(weights[2]).reshape((2, -1))]
        raise ValueError(
            f"GRU '{layer.name}': the saved weights come from a {source} layer, which is not compatible with "
            f"{target}. Build the layer with reset_after={source != 'GRU(reset_after=False)'}."
        )
    return weights


def preprocess_weights_for_loading(layer, weights, original_keras_version=None, original_backend=None, reshape=False):
    """Converts the saved weights of one layer to the Keras 2 layout `layer.set_weights` expects.

    Args:
        layer: the target layer.
        weights: list of arrays as read from the file.
        original_keras_version: the file's `keras_version` ('1' for Keras 1 files, which have none).
        original_backend: the file's `backend` attribute ('tensorflow', 'theano', ...), or None.
        reshape: reshape a conv kernel of the right size but another shape to the layer's shape.
    """
    weights = [np.asarray(w) for w in weights]
    if _is(layer, "Bidirectional"):
        half = len(weights) // 2
        weights = preprocess_weights_for_loading(
            layer.forward_layer, weights[:half], original_keras_version, original_backend
        ) + preprocess_weights_for_loading(
            layer.backward_layer, weights[half:], original_keras_version, original_backend
        )
    elif _is(layer, "TimeDistributed"):
        weights = preprocess_weights_for_loading(layer.layer, weights, original_keras_version, original_backend)
    elif _is(layer, "Model") and _model_layers(layer):
        weights = _convert_nested_model(layer, weights, original_keras_version, original_backend)
    elif is_keras1(original_keras_version):
        weights = _convert_keras1(layer, weights)

    if (
        weights
        and _is(layer, "Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose")
        and not _is(layer, "SeparableConv1D", "SeparableConv2D", "DepthwiseConv2D", "DepthwiseConv1D")
    ):
        expected = _first_weight_shape(layer)
        if need_convert_kernel(original_backend):
            weights[0] = convert_kernel(weights[0])
        if expected is not None and tuple(weights[0].shape) != expected:
            if reshape:
                if weights[0].size != int(np.prod(expected)):
                    raise ValueError(
                        f"{type(layer).__name__} '{layer.name}': cannot reshape the saved kernel of shape "
                        f"{weights[0].shape} (size {weights[0].size}) to the layer's kernel shape {expected} "
                        f"(size {int(np.prod(expected))})."
                    )
                weights[0] = np.reshape(weights[0], expected)
            elif weights[0].ndim == 4:
                # Keras 2.2.4's last resort for 2-D kernels saved in another layout.
                candidate = np.transpose(weights[0], (3, 2, 0, 1))
                if tuple(candidate.shape) == expected:
                    weights[0] = candidate

    if _is(layer, "LSTM", "GRU") and not _is(layer, "Bidirectional"):
        weights = convert_rnn_weights(layer, weights)
    return weights
