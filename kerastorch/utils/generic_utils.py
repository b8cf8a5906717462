"""Generic utilities: the Keras progress bar (`Progbar`) and turning logged tensors into numbers."""

import collections.abc
import os
import sys
import time

import numpy as np
import torch

__all__ = ["Progbar", "sync_to_python"]


def _tensors_to_python(values):
    """Returns `values` (a list) with tensors replaced by Python numbers or NumPy arrays.

    One-element tensors that share a device and dtype are stacked and read with a single
    `tolist()`, so a list of CUDA scalars costs one host synchronisation, not one per value.
    """
    groups = {}
    converted = list(values)
    for index, value in enumerate(converted):
        if isinstance(value, torch.Tensor):
            if value.numel() == 1:
                groups.setdefault((value.device, value.dtype), []).append(index)
            else:
                converted[index] = value.detach().cpu().numpy()
        elif isinstance(value, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in value):
            converted[index] = type(value)(_tensors_to_python(value))
    for indices in groups.values():
        stacked = torch.stack([converted[index].detach().reshape(()) for index in indices])
        for index, number in zip(indices, stacked.tolist()):
            converted[index] = number
    return converted


def sync_to_python(logs):
    """Returns logs whose torch tensors are replaced by Python numbers (or NumPy arrays).

    Scalar tensors become `float` (or `int`/`bool` for integer/bool tensors), with one host
    synchronisation per device; larger tensors become NumPy arrays; other values are kept.

    Args:
        logs: a dict (or any mapping) of name -> value, or None.

    Returns:
        `logs` itself when it is a dict without tensors, else a new dict.
    """
    if logs is None:
        return {}
    if not isinstance(logs, dict):
        logs = dict(logs.items())
    keys = [
        key
        for key, value in logs.items()
        if isinstance(value, torch.Tensor)
        or (isinstance(value, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in value))
    ]
    if not keys:
        return logs
    result = dict(logs)
    for key, value in zip(keys, _tensors_to_python([logs[key] for key in keys])):
        result[key] = value
    return result


def _is_dynamic_display():
    """Whether stdout can redraw a line in place with '\\r' (a terminal, Jupyter, PyCharm)."""
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        tty = bool(isatty()) if isatty is not None else False
    except (ValueError, OSError):  # closed or detached stream
        tty = False
    # tf.keras also tests `"posix" in sys.modules`, which is true on every Linux and macOS
    # process and so draws '\r' frames into log files; we do not.
    return tty or "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ


class Progbar:
    """Displays a progress bar, as `keras.utils.Progbar` of tf.keras 2.

    The text is that of tf.keras 2.4-2.6 (`keras/utils/generic_utils.py`):

    - verbose=1: `320/1000 [=======>......................] - ETA: 1s - loss: 0.6931`, redrawn
      in place with '\\r' at most every `interval` seconds, and finally
      `1000/1000 [==============================] - 1s 1ms/step - loss: 0.6931` and a newline.
      When stdout is not a terminal (a pipe, a file, CI) only that final line is written.
    - verbose=2: only the final line, `1000/1000 - 1s - loss: 0.6931` (no per-step suffix:
      the `- 1s/epoch - 1ms/step` suffix appeared in tf.keras 2.7).

    Args:
        target: total number of steps expected, None if unknown.
        width: progress bar width on screen, in characters.
        verbose: verbosity mode, 0 (silent), 1 (progress bar) or 2 (one line at the end).
        interval: minimum time between two redraws, in seconds.
        stateful_metrics: names of values that are shown as given; all others are averaged
            over the steps seen (weighted by the number of steps of each update).
        unit_name: display name for a step ("step" or "sample").
    """

    def __init__(self, target, width=30, verbose=1, interval=0.05, stateful_metrics=None, unit_name="step"):
        if target is not None and (isinstance(target, bool) or not _is_number(target) or target < 0):
            raise ValueError(
                f"Progbar expects `target` to be None or a non-negative number. Received: target={target!r}"
            )
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise ValueError(f"Progbar expects `width` to be a positive integer. Received: width={width!r}")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics else set()

        self._dynamic_display = _is_dynamic_display()
        self._total_width = 0
        self._seen_so_far = 0
        # name -> [weighted sum, weight]; a dict plus an order list, as Keras.
        self._values = {}
        self._values_order = []
        self._start = time.time()
        self._last_update = 0
        self._time_after_first_step = None

    def update(self, current, values=None, finalize=None):
        """Updates the progress bar.

        Args:
            current: index of the current step (the number of steps or samples done).
            values: list of `(name, value_for_last_step)` pairs (or a dict). Values may be
                tensors: they are read only when the bar is drawn.
            finalize: whether this is the last update. None means `current >= target`.
        """
        if finalize is None:
            finalize = False if self.target is None else current >= self.target

        items = values.items() if isinstance(values, collections.abc.Mapping) else (values or [])
        for name, value in items:
            if name not in self._values_order:
                self._values_order.append(name)
            if name not in self.stateful_metrics:
                # Weight by the steps since the last update; at least 1 so that a repeated
                # `current` (unknown target, finalizing call) still counts.
                value_base = max(current - self._seen_so_far, 1)
                if name not in self._values:
                    self._values[name] = [value * value_base, value_base]
                else:
                    self._values[name][0] = self._values[name][0] + value * value_base
                    self._values[name][1] += value_base
            else:
                self._values[name] = [value, 1]
        self._seen_so_far = current

        now = time.time()
        if self.verbose == 1:
            if not finalize and not self._is_due(now):
                self._note_first_step(current, now)
                return
            self._write(self._render_line(current, now, finalize))
        elif self.verbose == 2:
            if finalize:
                self._write(self._render_summary(current, now))
        self._note_first_step(current, now)
        self._last_update = now

    def add(self, n, values=None):
        """Advances the bar by `n` steps (see `update`).

        Args:
            n: number of steps to add to the current position.
            values: as in `update`.
        """
        self.update(self._seen_so_far + n, values)

    # -- private ------------------------------------------------------------------------------
    def _is_due(self, now=None):
        """Whether a non-final update at time `now` would redraw the bar."""
        if self.verbose != 1 or not self._dynamic_display:
            return False
        now = time.time() if now is None else now
        return now - self._last_update >= self.interval

    def _note_first_step(self, current, now):
        # The first step (graph building, warm-up) is left out of the per-step time.
        if current == 1:
            self._time_after_first_step = now

    def _update_stateful_metrics(self, stateful_metrics):
        self.stateful_metrics = self.stateful_metrics.union(stateful_metrics)

    def _averages(self):
        names = self._values_order
        totals = _tensors_to_python([self._values[name][0] for name in names])
        return [(name, np.mean(total / max(1, self._values[name][1]))) for name, total in zip(names, totals)]

    def _count_width(self):
        return len(str(int(self.target)))

    def _render_line(self, current, now, finalize):
        prev_total_width = self._total_width
        message = "\r" if self._dynamic_display else ""
        if self.target is not None:
            bar = "%*d/%d [" % (self._count_width(), current, self.target)
            progress = float(current) / self.target if self.target else 1.0
            progress_width = int(self.width * progress)
            if progress_width > 0:
                bar += "=" * (progress_width - 1)
                bar += ">" if current < self.target else "="
            bar += "." * (self.width - progress_width)
            bar += "]"
        else:
            bar = "%7d/Unknown" % current
        message += bar

        time_per_unit = self._estimate_step_duration(current, now)
        if self.target is None or finalize:
            info = " - %.0fs" % (now - self._start) + self._format_time(time_per_unit, self.unit_name)
        else:
            eta = time_per_unit * (self.target - current)
            if eta > 3600:
                eta_format = "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
            elif eta > 60:
                eta_format = "%d:%02d" % (eta // 60, eta % 60)
            else:
                eta_format = "%ds" % eta
            info = " - ETA: %s" % eta_format

        for name, average in self._averages():
            info += " - %s:" % name
            info += " %.4f" % average if abs(average) > 1e-3 else " %.4e" % average

        self._total_width = len(bar) + len(info)
        if prev_total_width > self._total_width:
            info += " " * (prev_total_width - self._total_width)
        if finalize:
            info += "\n"
        return message + info

    def _render_summary(self, current, now):
        if self.target is not None:
            line = "%*d/%d" % (self._count_width(), current, self.target)
        else:
            line = "%d/Unknown" % current
        line += " - %.0fs" % (now - self._start)
        for name, average in self._averages():
            line += " - %s:" % name
            # Keras tests `avg > 1e-3` here, without abs(): negative values print as %.4e.
            line += " %.4f" % average if average > 1e-3 else " %.4e" % average
        if self.target and current == self.target:
            # tf.keras 2: the time of the whole run and per unit close the line.
            elapsed = now - self._start
            line += " -" + self._format_time(elapsed, "epoch")
            line += " -" + self._format_time(elapsed / self.target, self.unit_name)
        return line + "\n"

    def _estimate_step_duration(self, current, now):
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            return (now - self._time_after_first_step) / (current - 1)
        return (now - self._start) / current

    @staticmethod
    def _format_time(time_per_unit, unit_name):
        if time_per_unit >= 1 or time_per_unit == 0:
            return " %.0fs/%s" % (time_per_unit, unit_name)
        if time_per_unit >= 1e-3:
            return " %.0fms/%s" % (time_per_unit * 1e3, unit_name)
        return " %.0fus/%s" % (time_per_unit * 1e6, unit_name)

    @staticmethod
    def _write(text):
        sys.stdout.write(text)
        sys.stdout.flush()


def _is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating))
