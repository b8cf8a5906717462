"""Test helper `layer_test`: runs one layer through every Keras life-cycle check and returns its output."""

import contextlib
import inspect
import json
import os
import tempfile

import numpy as np
import torch

from kerastorch import backend

__all__ = ["layer_test"]


def _is_multi(shape_or_data):
    return (
        isinstance(shape_or_data, (list, tuple))
        and len(shape_or_data) > 0
        and (isinstance(shape_or_data[0], (list, tuple, np.ndarray, torch.Tensor)))
    )


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _to_numpy(value):
    if isinstance(value, (list, tuple)):
        return [_to_numpy(v) for v in value]
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _random_data(shape, dtype):
    concrete = [np.random.randint(1, 4) if d is None else int(d) for d in shape]
    return (10 * np.random.random(concrete)).astype(dtype)


def _assert_close(actual, expected, what, rtol=1e-3, atol=1e-6):
    if isinstance(actual, list):
        expected = list(expected) if isinstance(expected, (list, tuple)) else [expected]
    else:
        actual, expected = [actual], [expected]
    if len(actual) != len(expected):
        raise AssertionError(f"{what}: expected {len(expected)} outputs, got {len(actual)}.")
    for a, e in zip(actual, expected):
        a, e = np.asarray(a), np.asarray(e)
        if a.shape != e.shape:
            raise AssertionError(f"{what}: shape {a.shape} differs from the expected {e.shape}.")
        if a.dtype == bool or e.dtype == bool or np.issubdtype(a.dtype, np.integer):
            equal = np.array_equal(a, e)
        else:
            equal = np.allclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
        if not equal:
            diff = np.max(np.abs(a.astype(np.float64) - e.astype(np.float64))) if a.size else 0.0
            raise AssertionError(f"{what}: values differ from the expected (max abs difference {diff:.3g}).")


def _assert_shape_matches(expected_shape, actual_shape, what):
    expected_shape = tuple(expected_shape)
    actual_shape = tuple(actual_shape)
    if len(expected_shape) != len(actual_shape):
        raise AssertionError(f"{what}: expected shape {expected_shape}, got {actual_shape}.")
    for expected, actual in zip(expected_shape, actual_shape):
        if expected is not None and actual is not None and int(expected) != int(actual):
            raise AssertionError(f"{what}: expected shape {expected_shape}, got {actual_shape}.")


def _shapes_list(shapes):
    """compute_output_shape result -> list of shape tuples."""
    if isinstance(shapes, list) and shapes and isinstance(shapes[0], (list, tuple)):
        return [tuple(s) for s in shapes]
    if isinstance(shapes, tuple) and shapes and isinstance(shapes[0], (list, tuple)):
        return [tuple(s) for s in shapes]
    return [tuple(shapes)]


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _without_bytecode(config):
    """The config with Lambda bytecode payloads blanked: marshal output differs between loads."""
    if isinstance(config, dict):
        blanked = {key: _without_bytecode(value) for key, value in config.items()}
        for key, value in config.items():
            if key.endswith("_type") and value == "lambda" and key[: -len("_type")] in blanked:
                blanked[key[: -len("_type")]] = "<bytecode>"
        return blanked
    if isinstance(config, (list, tuple)):
        return [_without_bytecode(value) for value in config]
    return config


def _check_json(config, what):
    try:
        return json.dumps(_without_bytecode(config), default=_json_default, sort_keys=True)
    except (TypeError, ValueError) as error:
        raise AssertionError(f"{what} is not JSON-serializable: {error}") from None


def _from_config(layer_cls, config, custom_objects):
    """layer_cls.from_config with custom objects, allowing Lambda bytecode (this is our own config)."""
    from kerastorch.saving import serialization

    try:
        parameters = inspect.signature(layer_cls.from_config).parameters
    except (TypeError, ValueError):
        parameters = {}
    kwargs = {}
    if "custom_objects" in parameters:
        kwargs["custom_objects"] = custom_objects
    if "safe_mode" in parameters:
        kwargs["safe_mode"] = False
    with serialization.CustomObjectScope(custom_objects):
        return layer_cls.from_config(dict(config), **kwargs)


@contextlib.contextmanager
def _unsafe_deserialization():
    """Lets nested Lambda configs load their bytecode while a test round-trips its own models."""
    from kerastorch.saving import serialization

    scope = getattr(serialization, "SafeModeScope", None)
    if scope is None:
        yield
        return
    with scope(False):
        yield


@contextlib.contextmanager
def _inference(layer):
    was_training = layer.training
    layer.eval()
    try:
        yield
    finally:
        layer.train(was_training)


def _eager_call(layer, inputs, training=False):
    call_kwargs = {}
    if layer._call_takes_training or layer._call_takes_kwargs:
        call_kwargs["training"] = training
    if training:
        return layer(inputs, **call_kwargs)
    with _inference(layer), torch.no_grad():
        return layer(inputs, **call_kwargs)


def layer_test(
    layer_cls,
    kwargs=None,
    input_shape=None,
    input_dtype=None,
    input_data=None,
    expected_output=None,
    expected_output_dtype=None,
    fixed_batch_size=False,
    validate_training=True,
    custom_objects=None,
):
    """Checks a layer through its whole Keras life cycle and returns its output on `input_data`.

    Checks, in order: instantiation and get/set_weights before build; an eager call (inference)
    against `expected_output`; the output dtype; `compute_output_shape` against the actual
    output; get_weights/set_weights round trip; the `weights=` constructor argument; config round
    trip (JSON-serializable, `from_config(get_config())` gives the same config and output with
    the same weights); a functional Model (Input -> layer) and its config round trip; a Sequential
    with the layer first (`batch_input_shape`) and one after an InputLayer; a training-mode call;
    one `train_on_batch` step when `validate_training` and the layer has trainable weights; and
    an HDF5 save/load round trip when model saving is available.

    Args:
        layer_cls: the layer class.
        kwargs: constructor arguments.
        input_shape: input shape with the batch dimension (None entries get random sizes); a list of
            shapes for multi-input layers.
        input_dtype: input dtype name (default floatx).
        input_data: input array(s); random `10 * uniform` data of `input_shape` when None.
        expected_output: expected output array(s), compared with rtol=1e-3.
        expected_output_dtype: expected output dtype name (default: the input dtype).
        fixed_batch_size: give the models the full `input_shape`, batch size included.
        validate_training: run one training step when the layer has trainable weights.
        custom_objects: extra custom objects for deserialization.

    Returns:
        The layer's output on `input_data` as a NumPy array (a list for multi-output layers).
    """
    from kerastorch import models
    from kerastorch.engine import keras_tensor

    kwargs = dict(kwargs or {})
    multi_input = _is_multi(input_data) if input_data is not None else _is_multi(input_shape)
    if input_data is None:
        if input_shape is None:
            raise ValueError("layer_test needs `input_shape` or `input_data`. Received neither.")
        input_dtype = input_dtype or backend.floatx()
        shapes = [tuple(s) for s in input_shape] if multi_input else [tuple(input_shape)]
        dtypes = list(input_dtype) if isinstance(input_dtype, (list, tuple)) else [input_dtype] * len(shapes)
        datas = [_random_data(shape, dtype) for shape, dtype in zip(shapes, dtypes)]
    else:
        datas = [_to_numpy(d) for d in (input_data if multi_input else [input_data])]
        if input_shape is None:
            shapes = [tuple(d.shape) for d in datas]
        else:
            shapes = [tuple(s) for s in input_shape] if multi_input else [tuple(input_shape)]
        if input_dtype is None:
            dtypes = [d.dtype.name for d in datas]
        else:
            dtypes = list(input_dtype) if isinstance(input_dtype, (list, tuple)) else [input_dtype] * len(shapes)
    input_dtype = dtypes[0]
    if expected_output_dtype is None:
        expected_output_dtype = input_dtype
    expected_output_dtype = backend.dtype_name(backend.standardize_dtype(expected_output_dtype))
    objects = {layer_cls.__name__: layer_cls}
    objects.update(custom_objects or {})

    def feed(arrays):
        return arrays if multi_input else arrays[0]

    tensors = feed([torch.as_tensor(d) for d in datas])
    layer_input_shape = feed(shapes)

    # 1. Instantiation; get/set_weights work before build.
    layer = layer_cls(**kwargs)
    layer.set_weights(layer.get_weights())

    # 2. Eager call in inference mode.
    actual = _to_numpy(_eager_call(layer, tensors))
    if expected_output is not None:
        _assert_close(actual, _to_numpy(expected_output), f"{layer_cls.__name__} output vs expected_output")
    for output in _as_list(actual):
        dtype = backend.dtype_name(backend.standardize_dtype(output.dtype))
        if dtype != expected_output_dtype:
            raise AssertionError(f"{layer_cls.__name__} output dtype is {dtype}, expected {expected_output_dtype}.")

    # 3. compute_output_shape against the actual output.
    expected_shapes = _shapes_list(layer.compute_output_shape(layer_input_shape))
    actual_list = _as_list(actual)
    if len(expected_shapes) != len(actual_list):
        raise AssertionError(
            f"{layer_cls.__name__}.compute_output_shape gives {len(expected_shapes)} shapes for "
            f"{len(actual_list)} outputs."
        )
    for expected_shape, output in zip(expected_shapes, actual_list):
        _assert_shape_matches(expected_shape, output.shape, f"{layer_cls.__name__}.compute_output_shape")

    # 4. get_weights / set_weights round trip.
    weights = layer.get_weights()
    if weights:
        perturbed = [w + np.asarray(0.5, dtype=w.dtype) if np.issubdtype(w.dtype, np.floating) else w for w in weights]
        layer.set_weights(perturbed)
        for got, want in zip(layer.get_weights(), perturbed):
            _assert_close(got, want, f"{layer_cls.__name__} get_weights after set_weights", rtol=0, atol=0)
        layer.set_weights(weights)
        _assert_close(_to_numpy(_eager_call(layer, tensors)), actual, f"{layer_cls.__name__} output after set_weights")

    # 5. The `weights=` constructor argument.
    if weights and "weights" not in kwargs:
        seeded = layer_cls(**dict(kwargs, weights=weights))
        _assert_close(_to_numpy(_eager_call(seeded, tensors)), actual, f"{layer_cls.__name__}(weights=...) output")

    # 6. Config round trip.
    config = layer.get_config()
    config_text = _check_json(config, f"{layer_cls.__name__}.get_config()")
    recovered = _from_config(layer_cls, config, objects)
    recovered_text = _check_json(recovered.get_config(), f"{layer_cls.__name__}.get_config() after from_config")
    if recovered_text != config_text:
        raise AssertionError(
            f"{layer_cls.__name__}.from_config(get_config()) changed the config:\n{config_text}\n{recovered_text}"
        )
    recovered_output = _eager_call(recovered, tensors) if not weights else None
    if weights:
        recovered.build(layer_input_shape)
        recovered.set_weights(weights)
        recovered_output = _eager_call(recovered, tensors)
    _assert_close(_to_numpy(recovered_output), actual, f"{layer_cls.__name__} output after from_config")

    # 7. Functional model.
    if fixed_batch_size:
        model_inputs = [keras_tensor.Input(batch_shape=s, dtype=d) for s, d in zip(shapes, dtypes)]
    else:
        model_inputs = [keras_tensor.Input(shape=s[1:], dtype=d) for s, d in zip(shapes, dtypes)]
    symbolic = layer(feed(model_inputs))
    for output, expected_shape in zip(_as_list(symbolic), expected_shapes):
        _assert_shape_matches(expected_shape, output.shape, f"{layer_cls.__name__} symbolic output shape")
        if output.dtype != expected_output_dtype:
            raise AssertionError(
                f"{layer_cls.__name__} symbolic output dtype is {output.dtype}, expected {expected_output_dtype}."
            )
    model = models.Model(feed(model_inputs), symbolic)
    model_output = model.predict(feed(datas))
    _assert_close(model_output, actual, f"{layer_cls.__name__} in a functional Model")
    with _unsafe_deserialization():
        recovered_model = models.Model.from_config(model.get_config(), custom_objects=objects)
    if model.weights:
        recovered_model.set_weights(model.get_weights())
    _assert_close(recovered_model.predict(feed(datas)), actual, f"{layer_cls.__name__} in a Model from its config")

    # 8. Sequential, layer first (batch_input_shape) and after an InputLayer.
    if not multi_input:
        batch_input_shape = list(shapes[0]) if fixed_batch_size else [None] + list(shapes[0][1:])
        first = _from_config(layer_cls, dict(config, batch_input_shape=batch_input_shape), objects)
        sequential = models.Sequential()
        sequential.add(first)
        if weights:
            sequential.set_weights(weights)
        _assert_close(sequential.predict(datas[0]), actual, f"{layer_cls.__name__} first in a Sequential")
        with _unsafe_deserialization():
            recovered_sequential = models.Sequential.from_config(sequential.get_config(), custom_objects=objects)
        if weights:
            recovered_sequential.set_weights(weights)
        _assert_close(
            recovered_sequential.predict(datas[0]), actual, f"{layer_cls.__name__} in a Sequential from its config"
        )
        after_input = models.Sequential(
            [
                keras_tensor.InputLayer(batch_input_shape=tuple(batch_input_shape), dtype=dtypes[0]),
                _from_config(layer_cls, config, objects),
            ]
        )
        if weights:
            after_input.set_weights(weights)
        _assert_close(
            after_input.predict(datas[0]), actual, f"{layer_cls.__name__} after an InputLayer in a Sequential"
        )

    # 9. Training-mode call: same output shapes (values may differ for noise layers).
    train_layer = _from_config(layer_cls, config, objects)
    if weights:
        train_layer.build(layer_input_shape)
        train_layer.set_weights(weights)
    train_output = _to_numpy(_eager_call(train_layer, tensors, training=True))
    for output, expected in zip(_as_list(train_output), actual_list):
        _assert_shape_matches(expected.shape, output.shape, f"{layer_cls.__name__} training-mode output shape")

    # 10. One training step.
    trained = False
    if validate_training and model.trainable_weights:
        model.compile("rmsprop", "mse")
        targets = [np.asarray(a, dtype=backend.floatx()) for a in actual_list]
        loss = model.train_on_batch(feed(datas), targets if len(targets) > 1 else targets[0])
        loss_values = np.asarray(_to_numpy(loss), dtype=np.float64)
        if not np.all(np.isfinite(loss_values)):
            raise AssertionError(f"{layer_cls.__name__}: train_on_batch returned a non-finite loss {loss_values}.")
        trained = True

    # 11. HDF5 save/load, once model saving exists.
    if _saving_available(model):
        reference = model.predict(feed(datas))
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "layer_test.h5")
            model.save(path)
            loaded = _load_model(models, path, objects, compile=trained)
        _assert_close(loaded.predict(feed(datas)), reference, f"{layer_cls.__name__} after HDF5 save/load")

    return actual


def _saving_available(model):
    if not hasattr(model, "save"):
        return False
    try:
        from kerastorch.saving import hdf5  # noqa: F401
    except ImportError:
        return False
    return True


def _load_model(models, path, custom_objects, compile):
    parameters = inspect.signature(models.load_model).parameters
    kwargs = {"custom_objects": custom_objects}
    if "safe_mode" in parameters:
        kwargs["safe_mode"] = False
    if "compile" in parameters:
        kwargs["compile"] = compile
    return models.load_model(path, **kwargs)
