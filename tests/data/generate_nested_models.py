"""Writes nested_<flavour>.h5: a functional model with a nested Sequential and a nested functional model.

Run with a Python that has Keras 3 (`python generate_nested_models.py k3`) or TensorFlow 2.x
(`python generate_nested_models.py tfk2`); the reference predictions (`nested_<flavour>.npz`, keys x, y0,
y1) were computed by the same Keras on x = np.random.RandomState(0).rand(3, 6). Not imported by tests.
"""

import os
import sys

flavour = sys.argv[1]
if flavour == "k3":
    os.environ["KERAS_BACKEND"] = "torch"
    import keras
else:
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import tensorflow as tf

    keras = tf.keras
import numpy as np

b = keras.Input((6,), name="b")
inner = keras.Sequential([keras.layers.Dense(4, input_shape=(6,))], name="inner")
x = keras.Input((6,), name="xin")
fun = keras.Model(x, keras.layers.Dense(3, name="fd")(x), name="fun")
model = keras.Model(b, [keras.layers.Dense(1, name="o2")(inner(b)), fun(b)])
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_h5")
model.save(os.path.join(here, f"nested_{flavour}.h5"))
data = np.random.RandomState(0).rand(3, 6).astype("float32")
outputs = model.predict(data, verbose=0)
np.savez(os.path.join(here, f"nested_{flavour}.npz"), x=data, y0=outputs[0], y1=outputs[1])
