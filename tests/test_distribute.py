"""Data-parallel training: 2 gloo ranks under torchrun match one process on the same global batches."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch

import kerastorch
from kerastorch import distribute
from kerastorch import layers
from kerastorch import optimizers
from kerastorch.engine import data_adapters

HERE = os.path.dirname(os.path.abspath(__file__))


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _make_model():
    inputs = layers.Input((4,))
    hidden = layers.Dense(5, activation="tanh")(inputs)
    model = kerastorch.Model(inputs, layers.Dense(3, activation="softmax")(hidden))
    # One value per sample: its epoch mean is the same over any batching once summed over ranks.
    model.add_metric(kerastorch.backend.sum(hidden, axis=-1), name="hidden_sum")
    model.compile(optimizers.SGD(learning_rate=0.1, momentum=0.5), "categorical_crossentropy", metrics=["acc"])
    return model


@pytest.fixture(scope="module")
def ddp_run(tmp_path_factory):
    """Runs tests/_ddp_worker.py on 2 CPU ranks once; returns the output folder."""
    out = tmp_path_factory.mktemp("ddp")
    rng = np.random.RandomState(0)
    init = _make_model().get_weights()
    arrays = {f"w{i}": rng.uniform(-0.5, 0.5, w.shape).astype("float32") for i, w in enumerate(init)}
    arrays["x"] = rng.normal(size=(21, 4)).astype("float32")
    arrays["y"] = np.eye(3, dtype="float32")[rng.randint(0, 3, 21)]
    arrays["xv"] = rng.normal(size=(9, 4)).astype("float32")
    arrays["yv"] = np.eye(3, dtype="float32")[rng.randint(0, 3, 9)]
    np.savez(out / "data.npz", **arrays)
    env = dict(os.environ)
    env.pop("KERASTORCH_DEVICE", None)
    env["PYTHONPATH"] = os.path.dirname(HERE) + os.pathsep + env.get("PYTHONPATH", "")
    env["OMP_NUM_THREADS"] = "1"
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nnodes=1",
        "--nproc_per_node=2",
        f"--master_port={_free_port()}",
        os.path.join(HERE, "_ddp_worker.py"),
        str(out),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        logs = "".join((out / f"stdout_{r}.txt").read_text() for r in (0, 1) if (out / f"stdout_{r}.txt").exists())
        pytest.fail(f"torchrun failed ({done.returncode}):\n{done.stderr[-4000:]}\n{logs[-2000:]}")
    return out, arrays


def _single_process(arrays):
    model = _make_model()
    model.set_weights([arrays[f"w{i}"] for i in range(4)])
    history = model.fit(
        arrays["x"],
        arrays["y"],
        batch_size=8,
        epochs=3,
        shuffle=False,
        validation_data=(arrays["xv"], arrays["yv"]),
        verbose=0,
    )
    evaluation = model.evaluate(arrays["xv"], arrays["yv"], batch_size=4, verbose=0, return_dict=True)
    return model, history.history, evaluation


def test_two_ranks_match_one_process_on_the_global_batches(ddp_run):
    out, arrays = ddp_run
    model, history, evaluation = _single_process(arrays)
    expected = model.get_weights()
    for rank in (0, 1):
        result = np.load(out / f"result_{rank}.npz")
        for index, weight in enumerate(expected):
            np.testing.assert_allclose(result[f"arr_{index}"], weight, atol=1e-6, rtol=0)
        report = json.loads((out / f"result_{rank}.json").read_text())
        assert report["world_size"] == 2
        assert report["chief"] == (rank == 0)
        # Each rank trained on its share of the global batches of 8, 8 and 5 samples.
        assert report["sizes"] == ([4, 4, 3] if rank == 0 else [4, 4, 2]) * 3
        # Epoch logs and validation are summed over the ranks: callbacks see the global values.
        for key, values in history.items():
            np.testing.assert_allclose(report["history"][key], values, atol=1e-6, err_msg=key)
        for key, value in evaluation.items():
            np.testing.assert_allclose(report["evaluation"][key], value, atol=1e-6, err_msg=key)
        np.testing.assert_allclose(result["predictions"], model.predict(arrays["xv"]), atol=1e-6)


def test_only_the_chief_prints_and_writes(ddp_run):
    out, _ = ddp_run
    assert (out / "stdout_1.txt").read_text() == ""
    assert "Epoch 1/3" in (out / "stdout_0.txt").read_text()
    assert sorted(p.name for p in out.glob("ckpt_*")) == [f"ckpt_rank0_{e}.npz" for e in (1, 2, 3)]
    assert (out / "log_rank0.csv").exists() and not (out / "log_rank1.csv").exists()
    rows = (out / "log_rank0.csv").read_text().strip().splitlines()
    assert rows[0].split(",")[:2] == ["epoch", "acc"] and len(rows) == 4


def test_sequence_batches_are_disjoint_across_ranks(ddp_run):
    out, arrays = ddp_run
    seen = [json.loads((out / f"result_{rank}.json").read_text())["seen"] for rank in (0, 1)]
    assert seen == [[0, 2, 4], [1, 3, 5]]
    # One global step = the two ranks' Sequence batches: contiguous 6-sample batches in one process.
    model = _make_model()
    model.set_weights([arrays[f"w{i}"] for i in range(4)])
    model.fit(arrays["x"][:18], arrays["y"][:18], batch_size=6, epochs=1, shuffle=False, verbose=0)
    expected = np.concatenate([w.reshape(-1) for w in model.get_weights()])
    for rank in (0, 1):
        np.testing.assert_allclose(np.load(out / f"result_{rank}.npz")["seq_weights"], expected, atol=1e-6)


# ---------------------------------------------------------------------------------------------
# Single-process pieces
# ---------------------------------------------------------------------------------------------
def test_not_distributed_by_default(monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    assert distribute.is_initialized() is False
    assert distribute.is_chief() and distribute.rank() == 0 and distribute.world_size() == 1
    distribute.barrier()  # no-op


def test_initialize_explains_missing_environment(monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError, match="torchrun --nproc_per_node"):
        distribute.initialize()


def test_share_bounds_split_like_array_split():
    for size in (1, 5, 8, 9):
        for world in (2, 3):
            shares = [distribute.share_bounds(10, 10 + size, r, world) for r in range(world)]
            expected = np.array_split(np.arange(10, 10 + size), world)
            assert [list(range(a, b)) for a, b in shares] == [list(e) for e in expected]


def test_array_sharding_gives_contiguous_shares_and_a_stand_in():
    x = torch.arange(10, dtype=torch.float32).reshape(10, 1)
    adapter = data_adapters.ArrayAdapter([x], [x], None, batch_size=4)
    adapter.sharding = distribute.ArraySharding(2, 3, training=True)
    batches = [b[0][0][:, 0].tolist() for b in adapter.epoch()]
    # Global batches [0..3], [4..7], [8, 9] split 2/1/1, 2/1/1, 1/1/0: rank 2 of 3 takes [3], [7],
    # then sample 8 as a stand-in (its gradient counts with weight 0).
    assert batches == [[3.0], [7.0], [8.0]]
    assert distribute._STAND_IN[0] is True
    adapter.sharding = distribute.ArraySharding(2, 3, training=False)
    assert [b[0][0][:, 0].tolist() for b in adapter.epoch()] == [[3.0], [7.0]]
    adapter.sharding = distribute.ArraySharding(0, 3, training=False)
    assert [b[0][0][:, 0].tolist() for b in adapter.epoch()] == [[0.0, 1.0], [4.0, 5.0], [8.0]]
    distribute._STAND_IN[0] = False


def test_sequence_sharding_pads_training_epochs_and_shuffles_alike():
    shards = [distribute.SequenceSharding(r, 2, seed=7, shuffle=True, training=True) for r in (0, 1)]
    taken = [shard(list(range(5))) for shard in shards]
    assert len(taken[0]) == len(taken[1]) == 3
    assert sorted(set(taken[0]) | set(taken[1])) == [0, 1, 2, 3, 4]
    evaluation = [distribute.SequenceSharding(r, 2, seed=7, shuffle=False, training=False) for r in (0, 1)]
    assert [shard(list(range(5))) for shard in evaluation] == [[0, 2, 4], [1, 3]]


def test_example_script_trains_under_torchrun(tmp_path):
    env = dict(os.environ)
    env.pop("KERASTORCH_DEVICE", None)
    env["PYTHONPATH"] = os.path.dirname(HERE) + os.pathsep + env.get("PYTHONPATH", "")
    env["OMP_NUM_THREADS"] = "1"
    script = os.path.join(os.path.dirname(HERE), "examples", "ddp_mnist_like.py")
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node=2",
        f"--master_port={_free_port()}",
        script,
        "--epochs",
        "2",
        "--out-dir",
        str(tmp_path / "out"),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("world size 2")]
    assert len(lines) == 1  # printed by rank 0 only
    assert float(lines[0].rsplit(" ", 1)[-1]) > 0.9
    assert (tmp_path / "out" / "training.csv").read_text().count("\n") == 3


# ---------------------------------------------------------------------------------------------
# Data-parallel predict and TensorBoard
# ---------------------------------------------------------------------------------------------
_PREDICT_WORKER = '''
import json, os, sys
import numpy as np
import torch
import kerastorch
from kerastorch import callbacks, distribute, layers
from kerastorch.callbacks import tensorboard as tensorboard_module
from kerastorch.utils import data_utils

OUT = sys.argv[1]
RANK = int(os.environ["RANK"])
kerastorch.backend.set_device("cpu")
data = np.load(os.path.join(OUT, "data.npz"))


class FileWriter:
    """Stands in for SummaryWriter: every writer and scalar leaves a file named after its rank."""

    def __init__(self, log_dir):
        self.log_dir = log_dir
        os.makedirs(log_dir, exist_ok=True)
        open(os.path.join(log_dir, f"events.rank{RANK}"), "a").close()

    def add_scalar(self, tag, value, global_step):
        with open(os.path.join(self.log_dir, f"events.rank{RANK}"), "a") as handle:
            handle.write(f"{tag} {global_step} {value}\\n")

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


tensorboard_module._import_summary_writer = lambda: FileWriter
inputs = kerastorch.Input((4,))
hidden = layers.Dense(5, activation="tanh")(inputs)
model = kerastorch.Model(inputs, [layers.Dense(3, activation="softmax")(hidden), layers.Dense(1)(hidden)])
model.set_weights([data[f"w{i}"] for i in range(6)])
model.compile("sgd", ["categorical_crossentropy", "mse"])


class Batches(data_utils.Sequence):
    def __len__(self):
        return 5

    def __getitem__(self, index):
        return data["x"][3 * index : 3 * index + 3]


class Sizes(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.sizes = []

    def on_predict_batch_end(self, batch, logs=None):
        self.sizes.append(int(logs["size"]))


result, sizes = {}, [Sizes(), Sizes(), Sizes()]
result["a0"], result["a1"] = model.predict(data["x"], batch_size=4, callbacks=[sizes[0]])
result["s0"], result["s1"] = model.predict(Batches(), callbacks=[sizes[1]])
batches = (data["x"][i : i + 2] for i in range(0, 15, 2))
result["g0"], result["g1"] = model.predict(batches, steps=8, callbacks=[sizes[2]])
board = callbacks.TensorBoard(log_dir=os.path.join(OUT, "logs"), write_graph=False, update_freq=1)
model.fit(data["x"], [data["y"], data["x"][:, :1]], batch_size=6, epochs=2, callbacks=[board], verbose=0)
np.savez(os.path.join(OUT, f"predict_{RANK}.npz"), **result)
with open(os.path.join(OUT, f"predict_{RANK}.json"), "w") as handle:
    json.dump({"world_size": distribute.world_size(), "sizes": [each.sizes for each in sizes]}, handle)
distribute.shutdown()
'''


def test_two_ranks_predict_their_shares_and_return_everything(tmp_path):
    rng = np.random.RandomState(5)
    inputs = kerastorch.Input((4,))
    hidden = layers.Dense(5, activation="tanh")(inputs)
    reference = kerastorch.Model(inputs, [layers.Dense(3, activation="softmax")(hidden), layers.Dense(1)(hidden)])
    weights = [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in reference.get_weights()]
    reference.set_weights(weights)
    arrays = {f"w{i}": w for i, w in enumerate(weights)}
    arrays["x"] = rng.normal(size=(15, 4)).astype("float32")
    arrays["y"] = np.eye(3, dtype="float32")[rng.randint(0, 3, 15)]
    np.savez(tmp_path / "data.npz", **arrays)
    (tmp_path / "worker.py").write_text(_PREDICT_WORKER)
    env = dict(os.environ)
    env.pop("KERASTORCH_DEVICE", None)
    env["PYTHONPATH"] = os.path.dirname(HERE) + os.pathsep + env.get("PYTHONPATH", "")
    env["OMP_NUM_THREADS"] = "1"
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nnodes=1",
        "--nproc_per_node=2",
        f"--master_port={_free_port()}",
        str(tmp_path / "worker.py"),
        str(tmp_path),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-4000:]
    x = arrays["x"]
    expected = reference.predict(x, batch_size=4)
    for rank in (0, 1):
        report = json.loads((tmp_path / f"predict_{rank}.json").read_text())
        assert report["world_size"] == 2
        # Each rank ran only its share: halves of the batches of 4 (the last holds 3 samples),
        # every other Sequence batch (5 of 3 samples), every other generator batch (8, the last of 1).
        if rank == 0:
            assert report["sizes"] == [[2, 2, 2, 2], [3, 3, 3], [2, 2, 2, 2]]
        else:
            assert report["sizes"] == [[2, 2, 2, 1], [3, 3], [2, 2, 2, 1]]
        result = np.load(tmp_path / f"predict_{rank}.npz")
        for key in ("a", "s", "g"):
            # Sequence: 5 batches of 3 (rank 0 predicts 0, 2, 4; rank 1 predicts 1, 3);
            # generator: 8 batches of 2, the last of one sample.
            assert result[key + "0"].shape == (15, 3) and result[key + "1"].shape == (15, 1)
            np.testing.assert_allclose(result[key + "0"], expected[0], atol=1e-6, err_msg=key)
            np.testing.assert_allclose(result[key + "1"], expected[1], atol=1e-6, err_msg=key)
    logs = sorted(str(p.relative_to(tmp_path / "logs")) for p in (tmp_path / "logs").rglob("events.*"))
    assert logs == ["train/events.rank0"]
    lines = (tmp_path / "logs" / "train" / "events.rank0").read_text().splitlines()
    assert sum(line.startswith("epoch_loss ") for line in lines) == 2
    assert sum(line.startswith("batch_loss ") for line in lines) == 6
