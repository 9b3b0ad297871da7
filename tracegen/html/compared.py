"""The compared runs of a [compare] lesson as a page record: a row per run and the strip chart of their
test ROC AUC and AP. Every number is read from trace.compared; this code only marks the lesson's own run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracegen.charts import svg
from tracegen.charts.strip import strip_chart
from tracegen.spec.compare import NEW_TEST_ROWS
from tracegen.trace import ComparedRun, Trace


@dataclass(frozen=True)
class ComparedRow:
    """One compared run, and whether it is the lesson's own run (the one the rest of the page shows)."""

    run: ComparedRun
    own: bool


@dataclass(frozen=True)
class ComparedView:
    """The compared runs: what they vary, a row per run, and the strip chart."""

    setting: str
    rows: tuple[ComparedRow, ...]
    has_ap: bool
    chart: svg.SvgChart
    # True when every run is scored on the same test rows (the setting does not redraw them).
    same_test_rows: bool
    # True when the lesson's own run is one of them (--seed or a retake may set a value not compared).
    has_own: bool


def own_value(trace: Trace, setting: str) -> str:
    """Return the lesson's own value of `setting` as a compared run's `value` writes it."""
    if setting == "split.seed":
        return str(trace.seed)
    table, _, key = setting.rpartition(".")
    holder: Any = trace.spec.get(table, {}) if table else trace.spec
    if table == "model":
        holder = holder.get("params", {})
    return str(holder.get(key))


def compared_view(trace: Trace) -> ComparedView | None:
    """Return the compared runs' table and chart, None for a one-run lesson."""
    if not trace.compared:
        return None
    setting = trace.compared[0].setting
    mine = own_value(trace, setting)
    rows = tuple(ComparedRow(run, run.value == mine) for run in trace.compared)
    own = next((row.run for row in rows if row.own), None)
    has_ap = all(run.average_precision is not None for run in trace.compared)
    metrics: list[tuple[str, list[float], float | None]] = [
        ("AUC", [run.roc_auc for run in trace.compared], own.roc_auc if own else None)]
    if has_ap:
        metrics.append(("AP", [run.average_precision or 0.0 for run in trace.compared],
                        own.average_precision if own else None))
    marked = ("the longer tick is this lesson's own run" if own else
              f"this lesson's own run ({setting} = {mine}) is not among them")
    chart = strip_chart("compared-svg", metrics, title=f"Test ROC AUC{' and AP' if has_ap else ''} of "
                        f"{len(rows)} runs", x_label="score on each run's test rows",
                        description=f"One tick per run with a different {setting}; {marked}. The table lists "
                                    "every value.")
    return ComparedView(setting=setting, rows=rows, has_ap=has_ap, chart=chart,
                        same_test_rows=setting not in NEW_TEST_ROWS, has_own=own is not None)
