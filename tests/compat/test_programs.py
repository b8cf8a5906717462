"""Every program in compat/programs runs unchanged on kerastorch (`python -m kerastorch.compat`), and
the ones that print an accuracy learn their synthetic task (accuracy well above chance)."""

import concurrent.futures
import json
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROGRAMS_DIR = os.path.join(ROOT, "compat", "programs")
PROGRAMS = sorted(name for name in os.listdir(PROGRAMS_DIR) if name.endswith(".py"))

# Chance accuracy of the programs that print "Test accuracy: ..." (their classes are balanced).
CHANCE = {
    "keras1_captioning.py": 0.25,
    "keras1_dual_encoders.py": 0.25,
    "keras1_imdb_lstm.py": 0.5,
    "keras1_mnist_cnn.py": 0.1,
    "keras1_mnist_mlp.py": 0.1,
    "keras2_captioning.py": 0.25,
    "keras2_dual_lstm_encoders.py": 0.25,
    "keras2_embedding_lstm.py": 0.5,
    "keras2_mnist_mlp.py": 0.1,
    "keras2_stacked_lstm.py": 0.1,
    "keras2_stateful_lstm.py": 0.1,
    "keras2_vgg_convnet.py": 0.1,
}
# Written for the Keras 1 Theano image ordering, as the seed document is.
CHANNELS_FIRST_FLAG = {"seed002_vgg_convnet.py", "seed002_captioning.py"}
# Run with "image_dim_ordering": "th" in keras.json (the program branches on K.image_dim_ordering()).
KERAS_JSON_TH = {"keras1_mnist_cnn.py", "keras1_captioning.py"}
# Run as `PYTHONPATH=compat python program.py`, through the compat/keras package.
WITH_PYTHONPATH = {"seed002_getting_started.py", "keras2_mnist_mlp.py"}


def _run(name, workdir):
    keras_home = os.path.join(workdir, "keras_home")
    os.makedirs(keras_home)
    if name in KERAS_JSON_TH:
        with open(os.path.join(keras_home, "keras.json"), "w") as handle:
            json.dump({"image_dim_ordering": "th", "floatx": "float32", "epsilon": 1e-07}, handle)
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", KERAS_HOME=keras_home, KERASTORCH_DEVICE="cpu")
    path = os.path.join(PROGRAMS_DIR, name)
    if name in WITH_PYTHONPATH:
        env["PYTHONPATH"] = os.pathsep.join([os.path.join(ROOT, "compat"), ROOT])
        command = [sys.executable, path]
    else:
        env["PYTHONPATH"] = ROOT
        flags = ["--image-data-format", "th"] if name in CHANNELS_FIRST_FLAG else []
        command = [sys.executable, "-m", "kerastorch.compat"] + flags + [path]
    return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Starts every program at once (a few at a time) so the module takes the time of the slowest few."""
    workers = max(2, min(4, os.cpu_count() or 2))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {name: pool.submit(_run, name, str(tmp_path_factory.mktemp(name[:-3]))) for name in PROGRAMS}
        yield futures


def test_the_programs_are_there():
    assert len([p for p in PROGRAMS if p.startswith("seed002_")]) == 8
    assert set(CHANCE) <= set(PROGRAMS)


@pytest.mark.parametrize("name", PROGRAMS)
def test_program(runs, name):
    result = runs[name].result()
    assert result.returncode == 0, f"{name} failed:\n{result.stderr[-3000:]}"
    if name.startswith(("seed002_", "keras1_")):
        # Keras 1 spellings are converted, each with its update warning.
        assert "to the Keras 2 API" in result.stderr
    else:
        assert "Keras 1" not in result.stderr and "to the Keras 2 API" not in result.stderr, result.stderr[-2000:]
    if name in CHANCE:
        accuracy = float(re.findall(r"Test accuracy: ([0-9.]+)", result.stdout)[-1])
        chance = CHANCE[name]
        assert accuracy > chance + 0.5 * (1.0 - chance), f"{name}: accuracy {accuracy} (chance {chance})"
