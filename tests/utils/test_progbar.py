"""Exact output of kerastorch.utils.generic_utils.Progbar (tf.keras 2.4-2.6 text)."""

import numpy as np
import pytest
import torch

from kerastorch.utils import generic_utils
from kerastorch.utils.generic_utils import Progbar


class FakeClock:
    """Stands in for the `time` module of generic_utils: `time()` returns `now`."""

    def __init__(self, now=1000.0):
        self.now = now

    def time(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(generic_utils, "time", fake)
    return fake


@pytest.fixture
def terminal(monkeypatch):
    monkeypatch.setattr(generic_utils, "_is_dynamic_display", lambda: True)


def bar(current, target, width=30):
    filled = int(width * current / target)
    arrow = "" if filled == 0 else "=" * (filled - 1) + (">" if current < target else "=")
    return "%*d/%d [" % (len(str(target)), current, target) + arrow + "." * (width - filled) + "]"


def test_bar_helper_matches_keras_examples():
    assert bar(320, 1000) == " 320/1000 [========>.....................]"
    assert bar(1000, 1000) == "1000/1000 [==============================]"


def test_verbose1_without_terminal_prints_only_the_final_line(clock, capsys):
    progbar = Progbar(10)
    for step in range(1, 11):
        clock.now += 0.1
        progbar.update(step, [("loss", float(step))])
    # The first step is left out of the per-step time: (1.0 - 0.1) / 9 = 100 ms.
    # `loss` is averaged over the steps: mean(1..10) = 5.5.
    assert capsys.readouterr().out == bar(10, 10) + " - 1s 100ms/step - loss: 5.5000\n"


def test_verbose1_on_a_terminal_redraws_with_carriage_returns(clock, terminal, capsys):
    progbar = Progbar(3, interval=0.0, stateful_metrics=["acc"])
    clock.now += 2.0
    progbar.update(1, [("loss", 0.5), ("acc", 0.25)])
    clock.now += 1.0
    progbar.update(2, [("loss", 1.5), ("acc", 0.75)])
    clock.now += 1.0
    progbar.update(3, [("loss", 1.0), ("acc", 1.0)])
    assert capsys.readouterr().out == (
        # ETA = 2 s/step x 2 steps left.
        "\r"
        + bar(1, 3)
        + " - ETA: 4s - loss: 0.5000 - acc: 0.2500"
        # Per step after the first: 1 s, one step left; loss mean(0.5, 1.5); acc as given.
        + "\r"
        + bar(2, 3)
        + " - ETA: 1s - loss: 1.0000 - acc: 0.7500"
        + "\r"
        + bar(3, 3)
        + " - 4s 1s/step - loss: 1.0000 - acc: 1.0000\n"
    )


def test_redraws_are_throttled_to_the_interval(clock, terminal, capsys):
    progbar = Progbar(4, interval=0.05)
    clock.now += 1.0
    progbar.update(1, [("loss", 1.0)])
    clock.now += 0.01
    progbar.update(2, [("loss", 3.0)])  # 10 ms after the last frame: not drawn
    clock.now += 0.01
    progbar.update(3, [("loss", 5.0)])  # not drawn either, but averaged
    clock.now += 0.98
    progbar.update(4, [("loss", 7.0)])
    output = capsys.readouterr().out
    assert output.count("\r") == 2
    # Per step after the first: (1.0 s) / 3 = 333 ms.
    assert output.endswith("\r" + bar(4, 4) + " - 2s 333ms/step - loss: 4.0000\n")


def test_eta_formats_and_padding_of_shorter_frames(clock, terminal, capsys):
    progbar = Progbar(1000, interval=0.0)
    clock.now += 10.0
    progbar.update(1)  # 10 s per step, 999 steps left: 9990 s
    clock.now += 0.1
    progbar.update(2)  # 0.1 s per step x 998 = 99.8 s
    clock.now += 0.1
    progbar.update(12)  # 0.2 s / 11 steps x 988 = 17.96 s
    frames = capsys.readouterr().out.split("\r")[1:]
    assert frames[0] == bar(1, 1000) + " - ETA: 2:46:30"
    assert frames[1] == bar(2, 1000) + " - ETA: 1:39   "
    # Padding covers the previous frame's own text (Keras measures widths before padding).
    assert frames[2] == bar(12, 1000) + " - ETA: 17s "


def test_small_and_large_values_use_scientific_notation(clock, capsys):
    progbar = Progbar(2, stateful_metrics=["tiny", "neg", "big"])
    clock.now += 0.001
    progbar.update(2, [("tiny", 1e-4), ("neg", -2e-5), ("big", 12345.678)])
    assert capsys.readouterr().out == (
        bar(2, 2) + " - 0s 500us/step - tiny: 1.0000e-04 - neg: -2.0000e-05 - big: 12345.6780\n"
    )


def test_verbose2_prints_one_summary_line(clock, capsys):
    progbar = Progbar(1000, verbose=2)
    for current in (250, 500, 750, 1000):
        clock.now += 0.5
        progbar.update(current, [("loss", 0.25), ("val_loss", -0.5)])
    # tf.keras 2.15: the run and per-step times close the line; negative values in %.4e (Keras
    # tests avg > 1e-3).
    assert capsys.readouterr().out == "1000/1000 - 2s - loss: 0.2500 - val_loss: -5.0000e-01 - 2s/epoch - 2ms/step\n"


def test_verbose0_prints_nothing(clock, capsys):
    progbar = Progbar(3, verbose=0)
    progbar.update(3, [("loss", 1.0)])
    assert capsys.readouterr().out == ""


def test_unknown_target(clock, terminal, capsys):
    progbar = Progbar(None, interval=0.0, unit_name="sample")
    clock.now += 1.0
    progbar.update(5, [("loss", 2.0)])
    clock.now += 1.0
    progbar.update(10, [("loss", 4.0)], finalize=True)
    assert capsys.readouterr().out == (
        "\r      5/Unknown - 1s 200ms/sample - loss: 2.0000\r     10/Unknown - 2s 200ms/sample - loss: 3.0000\n"
    )


def test_add_advances_from_the_last_position(clock, capsys):
    progbar = Progbar(6)
    clock.now += 3.0
    progbar.add(2, [("loss", 1.0)])
    progbar.add(4, [("loss", 4.0)])
    # Weighted by steps: (2 * 1 + 4 * 4) / 6 = 3.
    assert capsys.readouterr().out == bar(6, 6) + " - 3s 500ms/step - loss: 3.0000\n"


def test_tensor_values_are_read_only_when_drawn(clock, capsys):
    progbar = Progbar(2, stateful_metrics=["loss"])
    loss = torch.tensor(0.75)
    progbar.update(1, [("loss", loss), ("acc", torch.tensor(0.5))])
    assert progbar._values["loss"][0] is loss
    assert isinstance(progbar._values["acc"][0], torch.Tensor)
    clock.now += 2.0
    progbar.update(2, [("loss", torch.tensor(0.25)), ("acc", torch.tensor(1.0, dtype=torch.float64))])
    assert capsys.readouterr().out == bar(2, 2) + " - 2s 2s/step - loss: 0.2500 - acc: 0.7500\n"


def test_invalid_arguments():
    with pytest.raises(ValueError, match="target=-1"):
        Progbar(-1)
    with pytest.raises(ValueError, match="width=0"):
        Progbar(10, width=0)


def test_sync_to_python_converts_tensors_once_per_group():
    logs = {
        "batch": 3,
        "loss": torch.tensor(0.5),
        "acc": torch.tensor(0.25, dtype=torch.float64),
        "count": torch.tensor(7),
        "matrix": torch.ones(2, 2),
        "name": "x",
    }
    result = generic_utils.sync_to_python(logs)
    assert result is not logs and isinstance(logs["loss"], torch.Tensor)
    assert result["loss"] == 0.5 and type(result["loss"]) is float
    assert result["acc"] == 0.25 and type(result["acc"]) is float
    assert result["count"] == 7 and type(result["count"]) is int
    np.testing.assert_array_equal(result["matrix"], np.ones((2, 2)))
    assert result["batch"] == 3 and result["name"] == "x"
    plain = {"loss": 0.5}
    assert generic_utils.sync_to_python(plain) is plain
    assert generic_utils.sync_to_python(None) == {}


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_sync_to_python_reads_cuda_scalars():
    logs = {"loss": torch.tensor(0.5, device="cuda"), "acc": torch.tensor(0.25, device="cuda")}
    assert generic_utils.sync_to_python(logs) == {"loss": 0.5, "acc": 0.25}
