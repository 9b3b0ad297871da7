"""The multiclass ROC view: every class's one-vs-rest curve, the micro and macro averages, a legend
that picks one out, and a second chart with a log-scaled false positive rate for the crowded corner.

Every number is read from the trace's MulticlassEvaluation; this module only arranges curves,
names them, and words the comparison of two recorded areas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

from tracegen.charts import svg
from tracegen.trace import MulticlassEvaluation

# Distinct colours and dash patterns are in site.css as .c0 .. .c9; more classes reuse them in turn.
STYLES = 10
# When every class's AUC is at least this, the curves crowd the top-left corner of linear axes and a
# second chart with a log-scaled false positive rate spreads them; below it the linear chart reads fine.
CROWDED_AUC = 0.95


@dataclass(frozen=True)
class LegendEntry:
    """One legend button: `key` is the class every path of this curve carries (what the button lights)."""

    key: str
    css_class: str
    label: str


# A drawn curve: its legend entry, FPRs, TPRs and thresholds (None for the macro average, which has none).
Curve: TypeAlias = tuple[LegendEntry, Sequence[float], Sequence[float], Sequence[float] | None]


@dataclass(frozen=True)
class ClassROC:
    """The parts of the multiclass ROC block (tracegen.html.evaluation makes its CurveView of them)."""

    title: str
    linear: svg.SvgChart
    corner: svg.SvgChart | None
    legend: tuple[LegendEntry, ...]
    headers: tuple[str, ...]
    rows: tuple[tuple[float | str | None, ...], ...]
    total_rows: int
    notes: tuple[str, ...]


def class_roc(ev: MulticlassEvaluation, max_rows: int | None = None, only: str | None = None) -> ClassROC:
    """Return every class's ROC curve with the averages, as two charts, a legend and one long table.

    The table lists each curve's points (curve, threshold, FPR, TPR); with `max_rows` each curve keeps
    a share of the rows in proportion to its length, its first and last point always. With `only` (a
    class name), the compact view of a folded reference block: that class and the two averages, one
    chart, the per-class table naming every class's AUC.
    """
    averaged = ev.averaged_curves
    if averaged is None:
        raise ValueError("this trace predates averaged curves; run the lesson again")
    n = len(ev.classes)
    micro, macro = averaged.micro_roc_curve, averaged.macro_roc_curve
    named: list[Curve] = [(LegendEntry(f"k{i}", f"cls c{i % STYLES}", c.class_name), c.roc_curve.fpr, c.roc_curve.tpr,
              c.roc_curve.thresholds) for i, c in enumerate(ev.per_class) if only in (None, c.class_name)]
    named += [(LegendEntry("micro", "avg micro", "micro average"), micro.fpr, micro.tpr, micro.thresholds),
              (LegendEntry("macro", "avg macro", "macro average"), macro.fpr, macro.tpr, None)]
    # A drawn path carries its legend key as a class (the averages' keys already are one of theirs).
    drawn = [(entry.label, " ".join(dict.fromkeys([*entry.css_class.split(), entry.key])), fpr, tpr)
             for entry, fpr, tpr, _ in named]
    if only is not None:
        title = f"ROC curves, one vs rest: class {only}, micro and macro averages"
        described = (f"the one-vs-rest ROC curve of class {only}, the micro average (thick, solid), the macro "
                     "average (thick, dashed) and the chance diagonal; the per-class table lists every class's AUC.")
    else:
        title = f"ROC curves, one vs rest: all {n} classes, micro and macro averages"
        described = (f"the one-vs-rest ROC curve of each of the {n} classes in its own colour and dash, the micro "
                     "average (thick, solid), the macro average (thick, dashed) and the chance diagonal; the legend "
                     "names each curve, the table below lists the points.")
    linear = svg.unit_curves("roc-svg", drawn, step=False, chance="diagonal", chance_level=0.5, title=title,
                             x_label="false positive rate", y_label="true positive rate",
                             description=described if only is not None else f"Linear axes: {described}")
    # The axis starts at the classes' smallest step (1 / most negatives); the pooled micro curve has finer
    # steps, and its rates below that sit on the left edge with the zeros.
    low = svg.log_x_low([c.roc_curve.fpr for c in ev.per_class])
    corner = None
    if only is None and min(c.roc_auc for c in ev.per_class) >= CROWDED_AUC:
        corner = svg.log_x_curves(
            "roc-log-svg", drawn, low=low, title="The same curves, false positive rate on a log scale",
            x_label=f"false positive rate (log scale, {low:g} to 1)", y_label="true positive rate",
            description=f"False positive rate on a log scale from {low:g} to 1, smaller rates at the left edge: "
                        f"{described}")
    rows, total = _long_rows([(entry.label, fpr, tpr, thresholds) for entry, fpr, tpr, thresholds in named], max_rows)
    return ClassROC(
        title=title, linear=linear,
        corner=corner, legend=tuple(entry for entry, *_ in named),
        headers=("curve", "threshold", "false positive rate", "true positive rate"), rows=rows, total_rows=total,
        notes=_notes(ev, low if corner else None))


def _notes(ev: MulticlassEvaluation, low: float | None) -> tuple[str, ...]:
    averaged = ev.averaged_curves
    assert averaged is not None
    n, area, macro = len(ev.classes), averaged.macro_roc_curve.area, ev.roc_auc_macro
    if f"{area:.4f}" == f"{macro:.4f}":
        compared = f"the same to 4 decimals as scikit-learn's macro ROC AUC {macro:.4f}"
    else:
        compared = (f"{'above' if area > macro else 'below'} scikit-learn's macro ROC AUC {macro:.4f}, the mean of "
                    f"the {n} per-class AUCs and the number this page reports, because straight lines between the "
                    "grid points cut across each class's steps")
    notes = [
        f"The micro average pools all {n * len(ev.y_true)} row-class pairs into one curve; its area is the micro ROC "
        f"AUC, {ev.roc_auc_micro:.4f}. The macro-average curve is the mean of the {n} classes' true positive rates, "
        "each interpolated (np.interp) on the union of their false positive rates, as scikit-learn's multiclass ROC "
        f"example draws it. The area under that drawn curve is {area:.4f}, {compared}."]
    if low is not None:
        below = f", or the micro average's below {low:g}," if any(0 < v < low for v in averaged.micro_roc_curve.fpr) \
            else ""
        notes.append(f"Every class's AUC is at least {CROWDED_AUC}, so the curves crowd the top-left corner; the "
                     f"second chart puts the false positive rate on a log scale from {low:g} to 1, which spreads "
                     f"out the small rates where the classes part (a rate of 0{below} sits on the left edge).")
    return tuple(notes)


def _long_rows(curves: Sequence[tuple[str, Sequence[float], Sequence[float], Sequence[float] | None]],
               max_rows: int | None) -> tuple[tuple[tuple[float | str | None, ...], ...], int]:
    total = sum(len(fpr) for _, fpr, _, _ in curves)
    rows: list[tuple[float | str | None, ...]] = []
    for label, fpr, tpr, thresholds in curves:
        keep = svg.thin_indices(len(fpr), max(2, round(max_rows * len(fpr) / total))) if max_rows else range(len(fpr))
        # The macro average has no thresholds: each class's differ.
        rows.extend((label, thresholds[i] if thresholds is not None else "none", fpr[i], tpr[i]) for i in keep)
    return tuple(rows), total
