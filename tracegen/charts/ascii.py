"""Finished arrays -> ASCII charts (terminal output and the page's <pre> charts). No metric math.

Each chart keeps its plotting grid apart from its labels, so tests can read the marks
back and compare them with the numbers the tables print.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tracegen.trace import PRCurve, ROCCurve, Trace

LABEL_WIDTH = 7


@dataclass(frozen=True)
class Chart:
    """An ASCII chart: `grid` rows map linearly from y_max (first row) to y_min (last row)."""

    title: str
    y_label: str
    x_label: str
    y_min: float
    y_max: float
    grid: tuple[str, ...]
    x_axis: tuple[str, ...]
    legend: tuple[str, ...]
    columns: tuple[float, ...]

    @property
    def lines(self) -> tuple[str, ...]:
        """Return the whole chart as text lines: y label, grid with ticks, x axis, legend."""
        height = len(self.grid)
        ticks = {0: self.y_max, height // 2: self.y_max - (self.y_max - self.y_min) * (height // 2) / (height - 1),
                 height - 1: self.y_min}
        rows = [self.y_label]
        for index, row in enumerate(self.grid):
            tick = f"{ticks[index]:.3f}" if index in ticks else ""
            rows.append(f"{tick:>{LABEL_WIDTH}} |{row}".rstrip())
        rows.extend(self.x_axis)
        rows.extend(self.legend)
        return tuple(rows)

    def row_value(self, row: int) -> float:
        """Return the y value a grid row stands for."""
        return self.y_max - (self.y_max - self.y_min) * row / (len(self.grid) - 1)


def _row(value: float, y_min: float, y_max: float, height: int) -> int:
    if y_max == y_min:
        return height // 2
    return int(round((y_max - value) / (y_max - y_min) * (height - 1)))


def epoch_chart(epochs: Sequence[int], series: dict[str, Sequence[float]], marks: dict[str, str],
                title: str, y_label: str, height: int = 12, max_columns: int = 60) -> Chart:
    """Draw one mark per series per epoch; where two series share a cell, draw '*'.

    With more epochs than `max_columns`, evenly spaced epochs (first and last kept) are drawn;
    the table under the chart still lists every epoch.
    """
    count = len(epochs)
    shown = np.unique(np.linspace(0, count - 1, min(count, max_columns)).round().astype(int))
    spacing = max(1, min(5, max_columns // len(shown)))
    values = np.array([v for s in series.values() for v in s], dtype=np.float64)
    y_min, y_max = float(values.min()), float(values.max())
    pad = (y_max - y_min) * 0.05 or abs(y_max) * 0.05 or 0.05
    # Losses and accuracies are never negative: don't draw an axis that suggests they could be.
    y_min, y_max = (max(0.0, y_min - pad) if y_min >= 0 else y_min - pad), y_max + pad
    width = (len(shown) - 1) * spacing + 1
    grid = [[" "] * width for _ in range(height)]
    for name, points in series.items():
        for column, index in enumerate(shown):
            row = _row(points[index], y_min, y_max, height)
            cell = grid[row][column * spacing]
            grid[row][column * spacing] = marks[name] if cell in (" ", marks[name]) else "*"
    axis = " " * LABEL_WIDTH + " +" + "-" * width
    labels = [" "] * width
    for column, index in enumerate(shown):
        text = str(epochs[index])
        start = column * spacing
        wanted = column in (0, len(shown) - 1) or (start % 10 == 0 and start + len(text) < width - 3)
        if wanted and all(c == " " for c in labels[max(0, start - 1):start + len(text) + 1]):
            labels[start:start + len(text)] = list(text)
    x_axis = (axis, " " * (LABEL_WIDTH + 2) + "".join(labels).rstrip() + "   epoch")
    legend = ("   ".join(f"{mark} {name}" for name, mark in marks.items()) + "   * both",)
    return Chart(title=title, y_label=y_label, x_label="epoch", y_min=y_min, y_max=y_max,
                 grid=tuple("".join(r).rstrip() for r in grid), x_axis=x_axis, legend=legend,
                 columns=tuple(float(epochs[i]) for i in shown))


def curve_chart(x: Sequence[float], y: Sequence[float], title: str, x_label: str, y_label: str,
                step: bool, chance: Sequence[float] | None = None, width: int = 50, height: int = 15,
                note: str = "") -> Chart:
    """Draw a curve over the unit square, sampling one point per column.

    step=True follows matplotlib's drawstyle="steps-post" and expects x non-increasing, as
    precision_recall_curve returns recall (this is how PrecisionRecallDisplay draws the PR
    curve); step=False interpolates linearly
    (ROC). `chance` is a y value per column for the chance line, drawn with '.'.
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    columns = np.linspace(0.0, 1.0, width)
    if step:
        # steps-post over non-increasing x: the segment leaving point i holds y[i] down to x[i+1],
        # so column x=c takes the last point with x[i] >= c.
        count = np.searchsorted(-xs, -columns, side="right")
        values = ys[np.maximum(count - 1, 0)]
    else:
        order = np.argsort(xs, kind="stable")
        values = np.interp(columns, xs[order], ys[order])
    grid = [[" "] * width for _ in range(height)]
    if chance is not None:
        for column, level in enumerate(chance):
            grid[_row(level, 0.0, 1.0, height)][column] = "."
    previous = None
    for column, value in enumerate(values):
        row = _row(float(value), 0.0, 1.0, height)
        if previous is not None and abs(previous - row) > 1:
            low, high = sorted((previous, row))
            for fill in range(low + 1, high):
                grid[fill][column] = "|"
        grid[row][column] = "*"
        previous = row
    axis = " " * LABEL_WIDTH + " +" + "-" * width
    ticks = "0" + " " * (width // 2 - 3) + "0.5" + " " * (width - width // 2 - 2) + "1"
    x_axis = (axis, " " * (LABEL_WIDTH + 2) + ticks + f"   {x_label}")
    # The note stands on a line of its own, so the legend fits 80 columns.
    legend = ("* curve" + ("   . chance level" if chance is not None else ""), *((note,) if note else ()))
    return Chart(title=title, y_label=y_label, x_label=x_label, y_min=0.0, y_max=1.0,
                 grid=tuple("".join(r).rstrip() for r in grid), x_axis=x_axis, legend=legend,
                 columns=tuple(columns.tolist()))


def loss_chart(trace: Trace) -> Chart:
    """Return the train and validation loss per epoch."""
    return epoch_chart(
        [e.epoch for e in trace.epochs],
        {"train loss": [e.train_loss for e in trace.epochs], "val loss": [e.val_loss for e in trace.epochs]},
        {"train loss": "T", "val loss": "V"}, title="Training trace: log loss per epoch", y_label="log loss")


def pr_chart(curve: PRCurve, prevalence: float, title: str = "Precision-recall curve") -> Chart:
    """Return the PR curve drawn step-shaped, with the prevalence as chance level."""
    return curve_chart(curve.recall, curve.precision, title=title, x_label="recall", y_label="precision",
                       step=True, chance=[prevalence] * 50,
                       note="(the point at recall 0, precision 1 is scikit-learn's sentinel)")


def roc_chart(curve: ROCCurve, title: str = "ROC curve") -> Chart:
    """Return the ROC curve with the diagonal as chance level."""
    return curve_chart(curve.fpr, curve.tpr, title=title, x_label="false positive rate",
                       y_label="true positive rate", step=False, chance=np.linspace(0, 1, 50).tolist())
