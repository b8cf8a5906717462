"""Writes tests/data/keras_h5/k3_zoo.{keras,weights.h5,npz} with the scratch Keras 3 (torch backend).

A functional model with nested sub-layers (Bidirectional LSTM, TimeDistributed Dense, GRU,
BatchNormalization, a nested Sequential) exercises the group structure of the `.weights.h5`
layout. Run: KERAS_BACKEND=torch /tmp/kvenv/bin/python tests/data/generate_saving_keras3.py
"""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
import numpy as np  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_h5")


def main():
    keras.utils.set_random_seed(7)
    rng = np.random.RandomState(7)
    inputs = keras.Input((6, 4), name="seq")
    h = keras.layers.Conv1D(5, 3, padding="same", name="conv")(inputs)
    h = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True), name="bilstm")(h)
    h = keras.layers.TimeDistributed(keras.layers.Dense(4), name="td")(h)
    h = keras.layers.GRU(5, name="gru")(h)
    h = keras.layers.BatchNormalization(name="bn")(h)
    inner = keras.Sequential([keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(2)], name="inner")
    outputs = inner(h)
    model = keras.Model(inputs, outputs, name="zoo")
    model.compile(keras.optimizers.Adam(0.01), "mse")
    x = rng.rand(16, 6, 4).astype("float32")
    y = rng.rand(16, 2).astype("float32")
    model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    model.save(os.path.join(OUT, "k3_zoo.keras"))
    model.save_weights(os.path.join(OUT, "k3_zoo.weights.h5"))
    x_test = rng.rand(4, 6, 4).astype("float32")
    x_step = rng.rand(8, 6, 4).astype("float32")
    y_step = rng.rand(8, 2).astype("float32")
    y_pred = model.predict(x_test, verbose=0)
    step_loss = model.train_on_batch(x_step, y_step)
    y_after = model.predict(x_test, verbose=0)
    np.savez(
        os.path.join(OUT, "k3_zoo.npz"),
        x=x_test,
        y_pred=y_pred,
        x_step=x_step,
        y_step=y_step,
        step_loss=np.float64(step_loss),
        y_pred_after_step=y_after,
    )


if __name__ == "__main__":
    main()
