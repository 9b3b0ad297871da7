"""The imbalance-robust scores and the PR curve's two areas, as page records for their tables.

Every number is the trace's (scikit-learn's, recorded by pipeline/robust_metrics.py); this module only
pairs each with its label and with what a constant answer scores, so the two columns read side by side.
A lesson shows these tables only where its body places them (tracegen.html.blocks.PLACED_ONLY).
"""

from __future__ import annotations

from dataclasses import dataclass

from tracegen.trace import Trace


@dataclass(frozen=True)
class ScoreRow:
    """One score of the model beside the same score of a constant answer, and what the score reads."""

    name: str
    model: float
    constant: float | None
    reads: str


@dataclass(frozen=True)
class ScoreTable:
    """A small table of scores: the model's column and, when `constant_label` is set, a constant answer's."""

    constant_label: str
    rows: tuple[ScoreRow, ...]


def robust_metrics_table(trace: Trace) -> ScoreTable | None:
    """Return accuracy, balanced accuracy, MCC and kappa of the model and of always predicting the majority class."""
    ev = trace.evaluation
    model, base = ev.robust_scores, ev.majority_robust_scores
    if model is None or base is None or ev.majority_accuracy is None or ev.majority_class is None:
        return None
    rows = (
        ScoreRow("Accuracy", ev.accuracy, ev.majority_accuracy, "share of rows right; every row counts alike"),
        ScoreRow("Balanced accuracy", model.balanced_accuracy, base.balanced_accuracy,
                 "mean of the classes' recalls; each class counts alike"),
        ScoreRow("MCC", model.matthews_corrcoef, base.matthews_corrcoef,
                 "correlation of predicted and true labels, -1 to 1; all four cells count"),
        ScoreRow("Cohen's kappa", model.cohen_kappa, base.cohen_kappa,
                 "agreement above what chance agreement at these label shares gives"),
    )
    return ScoreTable(constant_label=f"Always '{ev.classes[ev.majority_class]}'", rows=rows)


def pr_areas_table(trace: Trace) -> ScoreTable | None:
    """Return the PR curve's step-sum AP and trapezoid area of the model's scores.

    A constant score's areas are left to the prose and the quiz, which ask the learner to work them out.
    """
    ev = trace.evaluation
    if ev.task != "binary" or ev.pr_curve_trapezoid_area is None or ev.average_precision is None:
        return None
    rows = (
        ScoreRow("AP, step sum", ev.average_precision, None,
                 "average_precision_score: each step's precision times the recall it adds"),
        ScoreRow("Trapezoid area", ev.pr_curve_trapezoid_area, None,
                 "auc(recall, precision): straight lines between the points"),
    )
    return ScoreTable(constant_label="", rows=rows)
