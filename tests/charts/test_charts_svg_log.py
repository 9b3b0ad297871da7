"""charts/svg.py: the log-scaled x axis, ROC curves drawn on it, and H/V path commands."""

from __future__ import annotations

import math
import re

import pytest

from tracegen.charts import svg


def test_log_axis_maps_decades_evenly_and_clips_below_its_left_end():
    axis = svg.LogAxis(0.001, 1.0, 48, 348)
    assert axis.at(0.001) == 48 and axis.at(1.0) == 348
    assert axis.at(0.01) == 148 and axis.at(0.1) == 248  # one third of the width per decade
    assert axis.at(0.0) == axis.at(0.0001) == 48  # a false positive rate of 0 has no logarithm
    assert axis.at(math.sqrt(0.001)) == 198


@pytest.mark.parametrize(("values", "low"), [([[0.0, 0.0025, 1.0]], 0.001), ([[0.0, 0.05, 1.0], [0.3]], 0.01),
                                             ([[0.0, 1.0]], 0.1), ([[0.3, 1.0]], 0.1)])
def test_log_x_low_is_the_power_of_ten_below_the_smallest_positive_rate(values, low):
    assert svg.log_x_low(values) == pytest.approx(low)


def test_log_chart_keeps_steps_straight_and_bends_slanted_segments():
    chart = svg.log_x_curves("c", [("a", "cls c0 k0", [0.0, 0.0, 0.01, 0.01, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0]),
                                   ("b", "avg macro", [0.0, 1.0], [0.0, 1.0])],
                             low=0.001, title="t", x_label="x", y_label="y", description="d")
    assert [t.label for t in chart.x_ticks] == ["0.001", "0.01", "0.1", "1"]
    steps, slanted = chart.series[1].path, chart.series[2].path
    x01 = svg.LogAxis(0.001, 1.0, chart.left, chart.right).at(0.01)
    assert steps == f"M{chart.left},{chart.bottom}V112H{x01}V{chart.top}H{chart.right}"
    # TPR = FPR is a straight line in data space; on a log axis it is drawn through many points.
    assert len(re.findall("L", slanted)) > 10
    assert slanted.endswith(f"L{chart.right},{chart.top}")


def test_line_path_writes_level_and_upright_runs_as_h_and_v():
    assert svg.line_path([(0, 10), (0, 5), (0, 0), (3, 0), (6, 0), (7, 1)]) == "M0,10V0H6L7,1"
    # A run that turns back keeps its turning point.
    assert svg.line_path([(0, 0), (0, 5), (0, 2)]) == "M0,0V5V2"
    assert svg.line_path([(1, 1), (1, 1)]) == "M1,1"
    assert svg.line_path([]) == ""


def test_the_log_axis_spans_a_decade_when_every_positive_rate_is_one():
    """Perfectly separated classes have FPRs of 0 and 1 only; the axis starts at 0.1 and draws (it divided by 0)."""
    chart = svg.log_x_curves("c", [("a", "cls", [0.0, 1.0], [1.0, 1.0])], low=0.1, title="t", x_label="x",
                             y_label="y", description="d")
    assert chart.series and all("nan" not in s.path for s in chart.series)
