"""Benchmarks: kerastorch fit/predict against a hand-written torch loop (and Keras 3 on torch, if installed).

Each workload trains the same architecture on the same in-memory data with the same batch size
and an Adam optimizer; times are per epoch (predict: per pass), medians over repeats, measured
in one run. Writes bench/RESULTS.md (or --out).
"""

import argparse
import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------------------------------------
# Workloads: data and the two implementations of each model
# ---------------------------------------------------------------------------------------------
def make_data(name, seed=0):
    rng = np.random.RandomState(seed)
    if name == "tiny":
        x = rng.randn(4096, 16).astype("float32")
        y = rng.randn(4096, 1).astype("float32")
    elif name in ("mlp", "predict"):
        x = rng.rand(8192 if name == "mlp" else 16384, 784).astype("float32")
        y = rng.randint(0, 10, len(x))
    elif name == "cnn":
        x = rng.rand(1024, 28, 28, 1).astype("float32")
        y = rng.randint(0, 10, len(x))
    elif name == "lstm":
        x = rng.randint(1, 1000, (1024, 50)).astype("int64")
        y = rng.randint(0, 2, len(x)).astype("float32")[:, None]
    return x, y


BATCH = {"tiny": 32, "mlp": 128, "cnn": 64, "lstm": 64, "predict": 1024}


def keras_model(name, layers, models):
    if name == "tiny":
        return models.Sequential([layers.Dense(16, activation="relu", input_shape=(16,)), layers.Dense(1)]), "mse"
    if name in ("mlp", "predict"):
        return models.Sequential([
            layers.Dense(512, activation="relu", input_shape=(784,)),
            layers.Dense(512, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]), "sparse_categorical_crossentropy"
    if name == "cnn":
        return models.Sequential([
            layers.Conv2D(32, 3, activation="relu", input_shape=(28, 28, 1)),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]), "sparse_categorical_crossentropy"
    if name == "lstm":
        return models.Sequential([
            layers.Embedding(1000, 64, input_length=50),
            layers.LSTM(64),
            layers.Dense(1, activation="sigmoid"),
        ]), "binary_crossentropy"
    raise ValueError(name)


class TorchLSTM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(1000, 64)
        self.lstm = torch.nn.LSTM(64, 64, batch_first=True)
        self.head = torch.nn.Linear(64, 1)

    def forward(self, x):
        _, (h, _) = self.lstm(self.embedding(x))
        return self.head(h[-1])


def torch_model(name):
    nn = torch.nn
    if name == "tiny":
        return nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1)), lambda out, y: F.mse_loss(out, y)
    if name in ("mlp", "predict"):
        model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
        return model, F.cross_entropy
    if name == "cnn":
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Linear(128, 10),
        )
        return model, F.cross_entropy
    if name == "lstm":
        return TorchLSTM(), F.binary_cross_entropy_with_logits
    raise ValueError(name)


# ---------------------------------------------------------------------------------------------
# Runners: each returns a list of per-epoch (or per-pass) seconds
# ---------------------------------------------------------------------------------------------
def run_torch(name, device, repeats):
    x, y = make_data(name)
    model, loss_fn = torch_model(name)
    model.to(device)
    if name == "cnn":
        x = np.transpose(x, (0, 3, 1, 2)).copy()  # the idiomatic torch layout
    xt = torch.from_numpy(x).to(device)
    yt = torch.from_numpy(y).to(device)
    if name in ("mlp", "cnn", "predict"):
        yt = yt.long()
    batch = BATCH[name]
    times = []
    if name == "predict":
        model.eval()
        for _ in range(repeats + 1):
            sync(device)
            start = time.perf_counter()
            with torch.no_grad():
                outs = [torch.softmax(model(xt[i : i + batch]), -1) for i in range(0, len(xt), batch)]
                result = torch.cat(outs).cpu().numpy()
            times.append(time.perf_counter() - start)
        del result
        return times[1:]
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, foreach=True)
    model.train()
    for _ in range(repeats + 1):
        sync(device)
        start = time.perf_counter()
        perm = torch.randperm(len(xt), device=device)
        total = torch.zeros((), device=device)
        for i in range(0, len(xt), batch):
            idx = perm[i : i + batch]
            xb, yb = xt[idx], yt[idx]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(idx)
        epoch_loss = float(total) / len(xt)
        times.append(time.perf_counter() - start)
    del epoch_loss
    return times[1:]


def run_kerastorch(name, device, repeats):
    from kerastorch import backend
    from kerastorch import layers
    from kerastorch import models
    from kerastorch import optimizers

    backend.set_device(device)
    x, y = make_data(name)
    model, loss = keras_model(name, layers, models)
    batch = BATCH[name]
    if name == "predict":
        model.predict(x[:batch], batch_size=batch)
        times = []
        for _ in range(repeats):
            sync(device)
            start = time.perf_counter()
            model.predict(x, batch_size=batch)
            times.append(time.perf_counter() - start)
        return times
    model.compile(optimizers.Adam(1e-3), loss)
    times = []
    for _ in range(repeats + 1):
        sync(device)
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=True)
        sync(device)
        times.append(time.perf_counter() - start)
    return times[1:]


KERAS3_SNIPPET = r"""
import os, sys, time, json
os.environ["KERAS_BACKEND"] = "torch"
sys.path.insert(0, {here!r})
import keras, numpy as np
from keras import layers, models, optimizers
import run as bench
name, repeats = {name!r}, {repeats}
x, y = bench.make_data(name)
model, loss = bench.keras_model(name, layers, models)
batch = bench.BATCH[name]
times = []
if name == "predict":
    model.predict(x[:batch], batch_size=batch, verbose=0)
    for _ in range(repeats):
        t = time.perf_counter(); model.predict(x, batch_size=batch, verbose=0); times.append(time.perf_counter() - t)
else:
    model.compile(optimizers.Adam(1e-3), loss)
    for _ in range(repeats + 1):
        t = time.perf_counter(); model.fit(x, y, batch_size=batch, epochs=1, verbose=0); times.append(time.perf_counter() - t)
    times = times[1:]
print(json.dumps(times))
"""


def run_keras3(name, repeats, python):
    code = KERAS3_SNIPPET.format(here=HERE, name=name, repeats=repeats)
    env = dict(os.environ, KERAS_BACKEND="torch", CUDA_VISIBLE_DEVICES=os.environ.get("CUDA_VISIBLE_DEVICES", ""))
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env, timeout=1800)
    if out.returncode != 0:
        print(out.stderr[-2000:], file=sys.stderr)
        return None
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


def sync(device):
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def keras3_python(explicit):
    if explicit:
        return explicit
    if importlib.util.find_spec("keras") is not None:
        return sys.executable
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workloads", default="tiny,mlp,cnn,lstm,predict")
    parser.add_argument("--keras3-python", default=None, help="a python with keras 3 installed (optional)")
    parser.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    args = parser.parse_args()
    torch.manual_seed(0)
    k3 = keras3_python(args.keras3_python)
    rows = []
    for name in args.workloads.split(","):
        torch_times = run_torch(name, args.device, args.repeats)
        ours = run_kerastorch(name, args.device, args.repeats)
        # Interleave a second torch measurement to even out machine noise.
        torch_times += run_torch(name, args.device, args.repeats)
        t_med, k_med = statistics.median(torch_times), statistics.median(ours)
        k3_med = None
        if k3 is not None:
            k3_times = run_keras3(name, args.repeats, k3)
            k3_med = statistics.median(k3_times) if k3_times else None
        rows.append((name, t_med, k_med, k3_med))
        print(f"{name:8s} torch {t_med * 1000:9.1f} ms  kerastorch {k_med * 1000:9.1f} ms  ratio {k_med / t_med:5.2f}"
              + (f"  keras3 {k3_med * 1000:9.1f} ms ratio {k3_med / t_med:5.2f}" if k3_med else ""), flush=True)
    write_results(args, rows, k3 is not None)


def write_results(args, rows, with_k3):
    device = args.device
    if str(device).startswith("cuda"):
        device_text = torch.cuda.get_device_name(0)
    else:
        device_text = f"CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"
    lines = [
        f"## {device_text} — torch {torch.__version__}, Python {platform.python_version()}",
        "",
        f"Medians over {args.repeats} repeats after one warm-up; time per epoch (predict: per pass over the data).",
        "",
        "| workload | batch | torch loop | kerastorch | ratio | Keras 3 (torch) | ratio |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, t, k, k3 in rows:
        k3_cells = f"{k3 * 1000:.1f} ms | {k3 / t:.2f}x" if k3 else ("n/a | n/a" if not with_k3 else "failed | -")
        lines.append(f"| {name} | {BATCH[name]} | {t * 1000:.1f} ms | {k * 1000:.1f} ms | {k / t:.2f}x | {k3_cells} |")
    block = "\n".join(lines) + "\n"
    print(block)
    if args.out:
        with open(args.out + ".last", "w") as handle:
            handle.write(block)


if __name__ == "__main__":
    main()
