"""Data-parallel training with a plain `model.fit`: a small convnet on synthetic 28x28 digits.

Run on one machine with two processes (CPU, gloo) or one per GPU (nccl):

    torchrun --nproc_per_node=2 examples/ddp_mnist_like.py

or as a single process (`python examples/ddp_mnist_like.py`): the script is the same. Under
torchrun every rank runs it; `batch_size` is the global batch (each rank takes its share), the
metrics printed by rank 0 are global, and only rank 0 writes the checkpoint and the CSV log.
"""

import argparse
import os

import numpy as np
import torch

from kerastorch import callbacks
from kerastorch import distribute
from kerastorch import layers
from kerastorch import mixed_precision
from kerastorch.models import Sequential
from kerastorch.utils import to_categorical


def make_digits(num_samples, seed):
    """28x28 images of 10 classes: a class-specific bar pattern plus noise (no download)."""
    rng = np.random.RandomState(seed)
    labels = rng.randint(0, 10, num_samples)
    images = rng.normal(0.0, 0.3, size=(num_samples, 28, 28, 1)).astype("float32")
    for index, label in enumerate(labels):
        row = 2 + 2 * label
        images[index, row : row + 3, 4:24, 0] += 1.0
        images[index, 4:24, row : row + 3, 0] += 0.5
    return images, to_categorical(labels, 10)


def build_model():
    model = Sequential(
        [
            layers.Conv2D(8, 3, activation="relu", input_shape=(28, 28, 1)),
            layers.MaxPooling2D(),
            layers.Conv2D(16, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def main(epochs=3, batch_size=64, out_dir="ddp_example_output", mixed=False, verbose=2):
    """Trains and evaluates; returns the test accuracy (the same on every rank)."""
    if mixed:
        mixed_precision.set_global_policy("mixed_bfloat16")
    torch.manual_seed(0)  # rank 0's initial weights are copied to the other ranks anyway
    x_train, y_train = make_digits(2048, seed=0)
    x_test, y_test = make_digits(512, seed=1)
    model = build_model()
    if distribute.is_chief():
        os.makedirs(out_dir, exist_ok=True)
    model.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=epochs,
        validation_split=0.1,
        callbacks=[
            callbacks.ModelCheckpoint(os.path.join(out_dir, "weights.h5"), save_weights_only=True),
            callbacks.CSVLogger(os.path.join(out_dir, "training.csv")),
        ],
        verbose=verbose,
    )
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    if distribute.is_chief():
        print(f"world size {distribute.world_size()}: test loss {loss:.4f}, test accuracy {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64, help="global batch size")
    parser.add_argument("--out-dir", default="ddp_example_output")
    parser.add_argument("--mixed", action="store_true", help="train under the 'mixed_bfloat16' policy")
    arguments = parser.parse_args()
    main(arguments.epochs, arguments.batch_size, arguments.out_dir, arguments.mixed)
    distribute.shutdown()
