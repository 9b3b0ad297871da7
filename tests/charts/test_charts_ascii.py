"""charts/ascii.py: ASCII charts are drawn from the values they are given, and can be read back."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import precision_recall_curve

from tracegen.charts import ascii as charts


def marks(chart, symbol):
    """Return {column: row} for every cell holding `symbol` or '*'."""
    found = {}
    for row, text in enumerate(chart.grid):
        for column, char in enumerate(text):
            if char in (symbol, "*"):
                found[column] = row
    return found


def test_epoch_chart_marks_read_back_to_values():
    """Each mark sits within half a row of its value, and the mark order follows the values."""
    train = [0.9, 0.6, 0.45, 0.4, 0.38, 0.37]
    val = [1.0, 0.7, 0.5, 0.52, 0.58, 0.66]
    chart = charts.epoch_chart(list(range(1, 7)), {"train": train, "val": val}, {"train": "T", "val": "V"},
                               title="t", y_label="loss", height=15)
    step = (chart.y_max - chart.y_min) / (len(chart.grid) - 1)
    for symbol, values in (("T", train), ("V", val)):
        found = marks(chart, symbol)
        assert len(found) == len(values)
        rows = [found[c] for c in sorted(found)]
        for row, value in zip(rows, values):
            assert abs(chart.row_value(row) - value) <= step / 2 + 1e-12
        for i in range(len(values)):
            for j in range(len(values)):
                if values[i] > values[j]:
                    assert rows[i] <= rows[j]


def test_epoch_chart_samples_long_runs():
    """More epochs than columns: first and last epochs are kept."""
    chart = charts.epoch_chart(list(range(1, 201)), {"a": np.linspace(1, 0, 200)}, {"a": "A"}, "t", "y",
                               max_columns=50)
    assert chart.columns[0] == 1 and chart.columns[-1] == 200 and len(chart.columns) == 50


def test_pr_chart_is_step_shaped_like_steps_post():
    """Each column shows the precision of the last point whose recall is >= the column's recall."""
    y_true = np.array([0, 0, 1, 1, 0, 1, 1, 0, 1, 1])
    y_score = np.array([0.1, 0.4, 0.35, 0.8, 0.7, 0.6, 0.9, 0.2, 0.5, 0.55])
    precision, recall, _ = precision_recall_curve(y_true, y_score)
    chart = charts.curve_chart(recall, precision, "pr", "recall", "precision", step=True, width=21, height=21)
    for column, x in enumerate(chart.columns):
        expected = precision[max(i for i in range(len(recall)) if recall[i] >= x)]
        rows = [r for r, text in enumerate(chart.grid) if column < len(text) and text[column] == "*"]
        assert rows, column
        assert abs(chart.row_value(rows[0]) - expected) <= 0.5 / 20 + 1e-12


def test_chance_line_is_drawn_at_prevalence():
    """The PR chance line sits on the prevalence row."""
    precision, recall, _ = precision_recall_curve([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3])

    class Curve:
        pass

    curve = Curve()
    curve.precision, curve.recall = precision, recall
    chart = charts.pr_chart(curve, prevalence=0.25)
    rows = {r for r, text in enumerate(chart.grid) if "." in text}
    assert rows == {round((1 - 0.25) * (len(chart.grid) - 1))}
