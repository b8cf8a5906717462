"""Writes tests/data/symbolic_api_tfk2.npz with tf.keras 2.15 (run with a TensorFlow 2.15 install).

References for the functional-API tests: slicing and operators on KerasTensors (values, shapes, the
tf.keras JSON of a slicing model), symbolic mask shapes, add_metric logs, list-input autocast dtypes.
"""

import json
import os

import numpy as np
import tensorflow as tf
from tensorflow import keras

L = keras.layers
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "symbolic_api_tfk2.npz")
SLICES = {
    "col0": (slice(None), 0),
    "last3": (Ellipsis, slice(None, 3)),
    "last_step": (slice(None), -1, slice(None)),
    "reversed": (slice(None), slice(None, None, -1), slice(4, 0, -2)),
    "new_axis": (slice(None), None, 0),
    "first_sample": 0,
    "range": slice(1, 3),
}


def main():
    arrays = {}
    data = np.random.RandomState(0).randn(3, 4, 5).astype("float32")
    arrays["slice_input"] = data
    # The tests read the slice specs back from the model JSON; these keys name their outputs.
    arrays["slice_keys"] = np.array(list(SLICES))
    x = keras.Input((4, 5), name="x")
    sliced = {key: x[spec] for key, spec in SLICES.items()}
    model = keras.Model(x, list(sliced.values()))
    for key, value in zip(sliced, model.predict(data, verbose=0)):
        arrays[f"slice_{key}"] = value
        arrays[f"slice_shape_{key}"] = np.array([-1 if d is None else d for d in sliced[key].shape])
    arrays["slice_model_json"] = np.array(model.to_json())
    ops = {
        "negative": -x,
        "abs": abs(x),
        "square": x**2,
        "rpow": 2.0**x,
        "greater": x > 0.5,
        "floordiv": x // 0.5,
        "mod": x % 0.7,
    }
    op_model = keras.Model(x, list(ops.values()))
    for key, value in zip(ops, op_model.predict(data, verbose=0)):
        arrays[f"op_{key}"] = value
        arrays[f"op_dtype_{key}"] = np.array(ops[key].dtype.name)

    # Symbolic masks: shapes (-1 for None) or [] when the mask is None.
    tokens = keras.Input((4,), name="tok")
    embedded = L.Embedding(10, 3, mask_zero=True, name="emb")(tokens)
    lstm = L.LSTM(2, return_sequences=True, return_state=True, name="lstm")
    sequence, state_h, state_c = lstm(embedded)
    flat = L.Flatten(name="flat")(sequence)
    masked = L.Masking(name="mk")(keras.Input((None, 3)))
    masks = {
        "embedding": embedded._keras_mask,
        "lstm_sequence": sequence._keras_mask,
        "lstm_state": getattr(state_h, "_keras_mask", None),
        "flatten": getattr(flat, "_keras_mask", None),
        "masking": masked._keras_mask,
        "concatenate": L.Concatenate()([embedded, embedded])._keras_mask,
    }
    for key, mask in masks.items():
        arrays[f"mask_shape_{key}"] = np.array([] if mask is None else [-1 if d is None else d for d in mask.shape])

    # add_metric inside call and on a functional model (SGD with learning rate 0: fixed weights).
    class Activity(L.Layer):
        def call(self, inputs):
            self.add_metric(tf.reduce_mean(inputs), name="in_mean")
            self.add_metric(inputs[:, 0], name="col0")
            return inputs

    features = np.arange(10, dtype="float32").reshape(5, 2)
    targets = np.zeros((5, 1), "float32")
    arrays["metric_x"], arrays["metric_y"] = features, targets
    inputs = keras.Input((2,))
    outputs = L.Dense(1, kernel_initializer="ones", bias_initializer="zeros")(Activity()(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.SGD(0.0), "mse")
    history = model.fit(features, targets, batch_size=2, epochs=1, verbose=0, shuffle=False)
    arrays["metric_names"] = np.array(model.metrics_names)
    arrays["metric_history"] = np.array([history.history[name][0] for name in model.metrics_names])
    arrays["metric_evaluate"] = np.array(model.evaluate(features, targets, batch_size=2, verbose=0))
    inputs = keras.Input((2,))
    outputs = L.Dense(1, kernel_initializer="ones", bias_initializer="zeros")(inputs)
    model = keras.Model(inputs, outputs)
    model.add_metric(tf.reduce_sum(inputs, axis=1), name="sum_x")
    model.add_metric(keras.backend.mean(outputs), name="out_mean")
    model.compile(keras.optimizers.SGD(0.0), "mse")
    arrays["symbolic_metric_evaluate"] = np.array(model.evaluate(features, targets, batch_size=2, verbose=0))
    arrays["symbolic_metric_names"] = np.array(model.metrics_names)

    # Floating inputs of list-input layers take the layer's dtype.
    f32, f64 = tf.ones((2, 3)), tf.ones((2, 3), tf.float64)
    dtypes = {
        "add_float64": L.Add(dtype="float64")([f32, f32]).dtype.name,
        "concatenate_mixed": L.Concatenate()([f32, f64]).dtype.name,
        "add_int32": L.Add()([tf.ones((2, 3), tf.int32)] * 2).dtype.name,
        "symbolic_concatenate_mixed": L.Concatenate()([keras.Input((3,)), keras.Input((3,), dtype="float64")]).dtype.name,
    }
    arrays["autocast_keys"] = np.array(list(dtypes))
    arrays["autocast_dtypes"] = np.array(list(dtypes.values()))
    np.savez(OUT, **arrays)
    print(json.dumps({key: value.shape for key, value in arrays.items()}, default=str))


if __name__ == "__main__":
    main()
