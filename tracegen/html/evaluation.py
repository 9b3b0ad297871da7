"""The Evaluation section's records: metric cards, curve views, the confusion heat map, threshold rows.

Every number is read from the trace's Evaluation; this module only picks shades, labels and
which points a curve table keeps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tracegen.charts import svg
from tracegen.charts.svg import SvgChart
from tracegen.html.class_curves import LegendEntry, class_roc
from tracegen.trace import PRCurve, ROCCurve, ThresholdMetrics, Trace

HEAT_LEVELS = 8


def shade_level(share: float) -> int:
    """Return the heat shade 0..HEAT_LEVELS of a share in [0, 1]; only an exact 0 is unshaded."""
    return int(math.ceil(share * HEAT_LEVELS))


def heat_css_class(level: int, diagonal: bool) -> str:
    """Return a heat-map cell's classes: its shade (none when empty) and 'diag' on the diagonal."""
    classes = [f"heat-{level}"] if level > 0 else []
    if diagonal:
        classes.append("diag")
    return " ".join(classes)


@dataclass(frozen=True)
class HeatCell:
    """One confusion-matrix cell: its share, shade level, and its count when the table shows counts."""

    share: float
    level: int
    diagonal: bool
    count: int | None = None

    @property
    def css_class(self) -> str:
        """Return the cell's classes: its shade (none for an empty cell) and 'diag' on the diagonal."""
        return heat_css_class(self.level, self.diagonal)


@dataclass(frozen=True)
class HeatRow:
    """One true class of a confusion matrix."""

    class_name: str
    cells: tuple[HeatCell, ...]
    total: int


@dataclass(frozen=True)
class HeatMap:
    """A confusion matrix as a shaded table."""

    caption: str
    classes: tuple[str, ...]
    rows: tuple[HeatRow, ...]


@dataclass(frozen=True)
class CurveView:
    """One curve: ASCII chart, SVG chart, its data table (maybe thinned), area and chance level."""

    curve_id: str
    title: str
    svg: svg.SvgChart
    headers: tuple[str, ...]
    rows: tuple[tuple[float | str | None, ...], ...]
    total_rows: int
    area_name: str
    area: float
    chance_name: str
    chance: float
    others_label: str = ""
    # Multiclass ROC only: a legend that picks out one curve in both charts, the log-FPR chart, and notes.
    legend: tuple[LegendEntry, ...] = ()
    corner: SvgChart | None = None  # `svg` is a field name here
    notes: tuple[str, ...] = ()

    @property
    def thinned(self) -> bool:
        """Return True when the table shows fewer points than the curve has."""
        return len(self.rows) < self.total_rows


@dataclass(frozen=True)
class Metric:
    """A headline number with its comparison (None shows as a dash)."""

    name: str
    value: float | None
    comparison: str


@dataclass(frozen=True)
class ThresholdRow:
    """The binary confusion counts and scores at one threshold."""

    rule: str
    tn: int
    fp: int
    fn: int
    tp: int
    precision: float
    recall: float
    f1: float
    accuracy: float

    @classmethod
    def from_metrics(cls, rule: str, metrics: ThresholdMetrics) -> ThresholdRow:
        """Return the row for one recorded threshold, labelled `rule`."""
        (tn, fp), (fn, tp) = metrics.confusion_matrix
        return cls(rule, tn, fp, fn, tp, metrics.precision, metrics.recall, metrics.f1, metrics.accuracy)


@dataclass(frozen=True)
class ClassRow:
    """Per-class ranking scores beside per-class precision and recall (multiclass)."""

    class_name: str
    prevalence: float
    roc_auc: float
    average_precision: float
    precision: float
    recall: float
    f1: float
    support: int
    hardest: bool


@dataclass(frozen=True)
class EvaluationView:
    """The Evaluation section, for either task."""

    task: str
    n_test: int
    metrics: tuple[Metric, ...]
    curves: tuple[CurveView, ...]
    curves_intro: str
    confusion: HeatMap
    thresholds: tuple[ThresholdRow, ...]
    classes: tuple[ClassRow, ...]


def heat_map(matrix: Sequence[Sequence[int]], shares: Sequence[Sequence[float]], classes: Sequence[str],
             caption: str) -> HeatMap:
    """Return a confusion matrix with its row shares (normalize='true') and shade levels 0..8."""
    rows = []
    for i, (name, counts, row) in enumerate(zip(classes, matrix, shares)):
        cells = tuple(HeatCell(share=share, level=shade_level(share), diagonal=i == j, count=count)
                      for j, (count, share) in enumerate(zip(counts, row)))
        rows.append(HeatRow(class_name=name, cells=cells, total=sum(counts)))
    return HeatMap(caption=caption, classes=tuple(classes), rows=tuple(rows))


def _table_rows(columns: Sequence[Sequence[Any]], max_rows: int | None) -> tuple[tuple[tuple[Any, ...], ...], int]:
    total = len(columns[0])
    keep = svg.thin_indices(total, max_rows) if max_rows else range(total)
    return tuple(tuple(column[i] for column in columns) for i in keep), total


def pr_view(curve_id: str, curve: PRCurve, prevalence: float, average_precision: float, title: str,
            max_rows: int | None = None) -> CurveView:
    """Return the PR curve: a step-shaped SVG, and a table pairing each point with its threshold."""
    drawing = svg.unit_curve(
        f"{curve_id}-svg", curve.recall, curve.precision, step=True, chance="horizontal", chance_level=prevalence,
        title=title, x_label="recall", y_label="precision",
        description=f"Step-shaped precision-recall curve with a chance line at precision {prevalence:.3f}; "
                    f"the table below lists the points.")
    # The sentinel point (P=1, R=0) has no threshold.
    thresholds: list[float | str] = [*curve.thresholds, "sentinel"]
    rows, total = _table_rows((thresholds, curve.precision, curve.recall), max_rows)
    return CurveView(curve_id=curve_id, title=title, svg=drawing,
                     headers=("threshold", "precision", "recall"), rows=rows, total_rows=total,
                     area_name="Average precision (AP)", area=average_precision,
                     chance_name="chance level (prevalence)", chance=prevalence)


def roc_view(curve_id: str, curve: ROCCurve, roc_auc: float, title: str, max_rows: int | None = None,
             others: Sequence[tuple[str, ROCCurve]] = ()) -> CurveView:
    """Return the ROC curve as an SVG with its table; chance level is the diagonal, AUC 0.5.

    `others` are (name, curve) pairs drawn faintly behind it in the SVG (the other classes).
    """
    description = "ROC curve with the diagonal chance line; the table below lists the points."
    if others:
        description = (f"{title} drawn bold over the one-vs-rest ROC curves of the {len(others)} other classes, "
                       f"with the diagonal chance line; the per-class table lists every AUC.")
    # The other classes first, so the bold curve is drawn over them.
    series = [(name, "faint", other.fpr, other.tpr) for name, other in others]
    series.append(("curve", "curve", curve.fpr, curve.tpr))
    drawing = svg.unit_curves(
        f"{curve_id}-svg", series, step=False, chance="diagonal", chance_level=0.5, title=title,
        x_label="false positive rate", y_label="true positive rate", description=description)
    rows, total = _table_rows((curve.thresholds, curve.fpr, curve.tpr), max_rows)
    return CurveView(curve_id=curve_id, title=title, svg=drawing,
                     headers=("threshold", "false positive rate", "true positive rate"), rows=rows,
                     total_rows=total, area_name="ROC AUC", area=roc_auc, chance_name="chance level", chance=0.5,
                     others_label=f"the other {len(others)} classes" if others else "")


def evaluation_view(trace: Trace, max_table_rows: int | None = None, compact: bool = False) -> EvaluationView:
    """Return the Evaluation section; curve tables longer than `max_table_rows` are thinned.

    `compact`: the multiclass ROC figure is a folded reference block, so it draws the named class and
    the averages only (the per-class table still lists every class).
    """
    ev = trace.evaluation
    matrix = heat_map(ev.confusion_matrix, ev.confusion_matrix_normalized["true"], ev.classes,
                      "Confusion matrix at the model's own rule: rows are the true class, columns the "
                      "predicted class; each cell shows its count and its share of the true class's rows")
    if ev.task == "binary":
        positive = ev.classes[ev.pos_label or 1]
        metrics: tuple[Metric, ...] = (
            Metric("Average precision", ev.average_precision,
                   f"chance level {ev.prevalence:.3f} (the share of class {positive})"),
            Metric("ROC AUC", ev.roc_auc, "chance level 0.5"),
            Metric("Accuracy", ev.accuracy, "at the model's own rule"))
        curves = (pr_view("pr", ev.pr_curve, ev.prevalence, ev.average_precision, "Precision-recall curve",
                          max_table_rows),
                  roc_view("roc", ev.roc_curve, ev.roc_auc, "ROC curve", max_table_rows))
        thresholds = tuple(ThresholdRow.from_metrics(m.rule, m) for m in ev.at_thresholds)
        return EvaluationView(task="binary", n_test=len(ev.y_true), metrics=metrics, curves=curves,
                              curves_intro=f"Class {positive} is the positive class.", confusion=matrix,
                              thresholds=thresholds, classes=())
    hardest = min(ev.per_class, key=lambda c: (c.average_precision, c.class_name))
    report = ev.classification_report
    classes = tuple(ClassRow(class_name=c.class_name, prevalence=c.prevalence, roc_auc=c.roc_auc,
                             average_precision=c.average_precision, precision=report[c.class_name]["precision"],
                             recall=report[c.class_name]["recall"], f1=report[c.class_name]["f1-score"],
                             support=int(report[c.class_name]["support"]), hardest=c is hardest)
                    for c in ev.per_class)
    metrics = (Metric("Macro ROC AUC", ev.roc_auc_macro, "one-vs-rest, mean over classes; chance level 0.5"),
               Metric("Micro ROC AUC", ev.roc_auc_micro, "one-vs-rest, all rows pooled; chance level 0.5"),
               Metric("Accuracy", ev.accuracy, "at the model's own rule"),
               *(Metric(f"Top-{t.k} accuracy", t.accuracy, f"true class among the {t.k} most likely")
                 for t in ev.top_k if t.k > 1))
    name = hardest.class_name
    roc = class_roc(ev, max_table_rows, only=name if compact else None)
    curves = (pr_view("pr", hardest.pr_curve, hardest.prevalence, hardest.average_precision,
                      f"Precision-recall curve, class {name} vs rest", max_table_rows),
              CurveView(curve_id="roc", title=roc.title, svg=roc.linear,
                        headers=roc.headers, rows=roc.rows, total_rows=roc.total_rows, area_name="Macro ROC AUC",
                        area=ev.roc_auc_macro, chance_name="chance level", chance=0.5, legend=roc.legend,
                        corner=roc.corner, notes=roc.notes))
    return EvaluationView(
        task="multiclass", n_test=len(ev.y_true), metrics=metrics, curves=curves,
        curves_intro=(f"Class {name} has the lowest average precision, so its one-vs-rest precision-recall curve "
                      f"is drawn; the ROC charts draw all {len(ev.classes)} classes' curves and the micro and macro "
                      "averages."),
        confusion=matrix, thresholds=(), classes=classes)
