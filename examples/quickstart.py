"""Quickstart: a Sequential MLP on scikit-learn's bundled 8x8 digits (no download), > 95% test accuracy."""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from kerastorch.layers import Dense
from kerastorch.layers import Dropout
from kerastorch.models import Sequential
from kerastorch.utils import to_categorical


def main(epochs=30, verbose=2):
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    y = to_categorical(digits.target, 10)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0, stratify=digits.target)

    model = Sequential()
    model.add(Dense(128, activation="relu", input_shape=(64,)))
    model.add(Dropout(0.2))
    model.add(Dense(64, activation="relu"))
    model.add(Dense(10, activation="softmax"))
    model.summary()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=epochs, validation_split=0.1, verbose=verbose)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test loss: {loss:.4f}")
    print(f"Test accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    np.random.seed(0)
    import torch

    torch.manual_seed(0)
    main()
