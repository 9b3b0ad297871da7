"""The threshold explorer's record: the trace's threshold table as page rows, each with its points on the
PR and ROC charts, for templates/_explorer.html and static/explorer.js (which reads the rows' cells).

Every count and score is evaluation.threshold_table's (scikit-learn's). This module picks the rows a page
keeps, writes each threshold as a short decimal and places the points with the charts' own scale.
"""

from __future__ import annotations

import bisect
import dataclasses
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from tracegen.charts import svg
from tracegen.html.evaluation import EvaluationView
from tracegen.trace import ThresholdTable, Trace

# The model's own rule on a binary task: class 1 when its score is above this.
DEFAULT_THRESHOLD = 0.5


def split_label(below: float, threshold: float) -> str:
    """Return the shortest decimal t (2 places at least) with below < t <= threshold, in fixed notation.

    When no test score lies strictly between `below` (the next lower test score) and `threshold`,
    `y_score >= t` calls exactly the rows positive that `y_score >= threshold` does: the page can print
    0.62 for 0.6183... and stay true. (A rounded-up 0.6184 would drop the row scoring 0.6183....)
    """
    exact = Decimal(threshold)
    for places in range(2, 18):
        text = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR)
        if float(text) > below:
            return format(text, "f")
    return repr(threshold)


@dataclass(frozen=True)
class ExplorerRow:
    """One threshold: its short label, the counts and scores there, and the point on each chart."""

    threshold: str
    tp: int
    fp: int
    tn: int
    fn: int
    precision: float
    recall: float
    f1: float
    pr_at: tuple[float, float]
    roc_at: tuple[float, float]

    @property
    def marks(self) -> str:
        """Return the PR then the ROC point as 'x y x y' (viewBox units), what the script moves the dots to."""
        return " ".join(f"{value:g}" for value in (*self.pr_at, *self.roc_at))


@dataclass(frozen=True)
class ExplorerView:
    """The slider's rows (increasing thresholds), where it starts, and what the rows cover, in words."""

    rows: tuple[ExplorerRow, ...]
    start: int
    positive: str
    coverage: str
    start_note: str

    @property
    def last(self) -> int:
        """Return the slider's highest position."""
        return len(self.rows) - 1


def explorer_view(trace: Trace, max_rows: int | None = None) -> ExplorerView | None:
    """Return the explorer of a binary trace (None for multiclass or a trace without a table).

    Over `max_rows` thresholds the rows are thinned evenly by rank (lowest and highest kept), as the
    curve tables are, and the model's own rule is always kept: the slider starts there.
    """
    ev = trace.evaluation
    if ev.task != "binary" or ev.threshold_table is None or not ev.threshold_table.thresholds:
        return None
    table = ev.threshold_table
    total = len(table.thresholds)
    above = bisect.bisect_right(table.thresholds, DEFAULT_THRESHOLD)
    start_full = min(above, total - 1)
    keep = sorted(set(svg.thin_indices(total, max_rows) if max_rows else range(total)) | {start_full})
    scores = sorted(set(ev.y_score))
    rows = []
    for i in keep:
        t = table.thresholds[i]
        lower = bisect.bisect_left(scores, t) - 1
        rows.append(ExplorerRow(
            threshold=split_label(scores[lower] if lower >= 0 else float("-inf"), t),
            tp=table.tp[i], fp=table.fp[i], tn=table.tn[i], fn=table.fn[i],
            precision=table.precision[i], recall=table.recall[i], f1=table.f1[i],
            # The ROC curve's y is the true-positive rate, which is recall.
            pr_at=svg.unit_point(table.recall[i], table.precision[i]),
            roc_at=svg.unit_point(table.fpr[i], table.recall[i])))
    return ExplorerView(rows=tuple(rows), start=keep.index(start_full), positive=ev.classes[ev.pos_label],
                        coverage=_coverage(len(rows), total, table.distinct_scores),
                        start_note=_start_note(table, ev.confusion_matrix, start_full, above < total))


def _coverage(shown: int, recorded: int, distinct: int) -> str:
    if shown == distinct:
        return f"t steps through all {distinct} distinct test scores."
    kept = "" if recorded == distinct else f"; trace.json has {recorded}"
    return f"t steps through {shown} of the {distinct} distinct test scores (evenly by rank{kept})."


def _start_note(table: ThresholdTable, matrix: tuple[tuple[int, ...], ...], index: int, found: bool) -> str:
    if not found:
        return "No score is above 0.5: it starts at the highest."
    (tn, fp), (fn, tp) = matrix
    same = (table.tn[index], table.fp[index], table.fn[index], table.tp[index]) == (tn, fp, fn, tp)
    return "It starts at the lowest score above 0.5" + (": the model's own rule, as in the confusion matrix below."
                                                        if same else ".")


def with_dots(view: EvaluationView, explorer: ExplorerView) -> EvaluationView:
    """Return the evaluation with the explorer's dot on its PR and ROC charts, at the slider's start."""
    start = explorer.rows[explorer.start]
    at = {"pr": start.pr_at, "roc": start.roc_at}
    curves = tuple(dataclasses.replace(c, svg=dataclasses.replace(c.svg, dot=at[c.curve_id]))
                   if c.curve_id in at else c for c in view.curves)
    return dataclasses.replace(view, curves=curves)
