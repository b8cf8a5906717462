"""One rank of the data-parallel test (launched by tests/test_distribute.py through torchrun)."""

import json
import os
import sys

import numpy as np

OUT = sys.argv[1]
RANK = int(os.environ["RANK"])

# Everything this rank prints (Python or C level) goes to its own file.
_log = os.open(os.path.join(OUT, f"stdout_{RANK}.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
os.dup2(_log, 1)
sys.stdout = os.fdopen(1, "w", buffering=1)

import torch  # noqa: E402

import kerastorch  # noqa: E402
from kerastorch import callbacks  # noqa: E402
from kerastorch import distribute  # noqa: E402
from kerastorch import layers  # noqa: E402
from kerastorch import optimizers  # noqa: E402
from kerastorch.utils import data_utils  # noqa: E402

torch.manual_seed(1234 + RANK)  # different on each rank: rank 0's weights must win
data = np.load(os.path.join(OUT, "data.npz"))
kerastorch.backend.set_device("cpu")


def make_model():
    inputs = layers.Input((4,))
    hidden = layers.Dense(5, activation="tanh")(inputs)
    model = kerastorch.Model(inputs, layers.Dense(3, activation="softmax")(hidden))
    # One value per sample: its epoch mean is the same over any batching once summed over ranks.
    model.add_metric(kerastorch.backend.sum(hidden, axis=-1), name="hidden_sum")
    model.compile(optimizers.SGD(learning_rate=0.1, momentum=0.5), "categorical_crossentropy", metrics=["acc"])
    return model


class ChiefMarker(callbacks.ModelCheckpoint):
    def _write(self, filepath):
        np.savez(filepath, *self.model.get_weights())


sizes = []
model = make_model()
if RANK == 0:
    model.set_weights([data[f"w{i}"] for i in range(4)])
history = model.fit(
    data["x"],
    data["y"],
    batch_size=8,
    epochs=3,
    shuffle=False,
    validation_data=(data["xv"], data["yv"]),
    callbacks=[
        ChiefMarker(os.path.join(OUT, f"ckpt_rank{RANK}_{{epoch}}.npz"), verbose=1),
        callbacks.CSVLogger(os.path.join(OUT, f"log_rank{RANK}.csv")),
        callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: sizes.append(logs["size"])),
    ],
    verbose=1,
)
evaluation = model.evaluate(data["xv"], data["yv"], batch_size=4, verbose=1, return_dict=True)
predictions = model.predict(data["xv"], batch_size=4)


class Batches(data_utils.Sequence):
    """Contiguous batches of 3 samples; records which batch indices this rank read."""

    def __init__(self):
        self.seen = []

    def __len__(self):
        return 6

    def __getitem__(self, index):
        self.seen.append(index)
        part = slice(3 * index, 3 * index + 3)
        return data["x"][part], data["y"][part]


sequence = Batches()
seq_model = make_model()
if RANK == 0:
    seq_model.set_weights([data[f"w{i}"] for i in range(4)])
seq_model.fit(sequence, epochs=1, shuffle=False, workers=0, verbose=0)

np.savez(
    os.path.join(OUT, f"result_{RANK}.npz"),
    *model.get_weights(),
    predictions=predictions,
    seq_weights=np.concatenate([w.reshape(-1) for w in seq_model.get_weights()]),
)
with open(os.path.join(OUT, f"result_{RANK}.json"), "w") as handle:
    json.dump(
        {
            "history": history.history,
            "evaluation": evaluation,
            "seen": sequence.seen,
            "sizes": sizes,
            "chief": distribute.is_chief(),
            "world_size": distribute.world_size(),
        },
        handle,
    )
distribute.shutdown()
