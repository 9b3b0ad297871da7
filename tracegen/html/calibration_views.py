"""Page records of issue 16's binary evaluations: the reliability diagram and the thresholds priced by cost.

Every number is read from the trace (tracegen.pipeline.calibration and .cost_threshold recorded them);
this code only lays them out and computes chart positions.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from tracegen.charts import svg
from tracegen.trace import CostedRule, ReliabilityCurve, Trace


@dataclass(frozen=True)
class ReliabilityRow:
    """One non-empty bin of one reliability curve: mean predicted probability, observed share, rows."""

    predicted: float
    observed: float
    count: int


@dataclass(frozen=True)
class ReliabilityScores:
    """One set of test probabilities: its bins and the scores that grade it."""

    name: str
    rows: tuple[ReliabilityRow, ...]
    brier_score: float
    log_loss: float
    roc_auc: float


@dataclass(frozen=True)
class ReliabilityView:
    """The reliability diagram (raw and calibrated) and its table equivalent."""

    method: str
    n_bins: int
    strategy: str
    n_validation: int
    n_test: int
    curves: tuple[ReliabilityScores, ...]
    svg: svg.SvgChart


@dataclass(frozen=True)
class CostRow:
    """One priced threshold: its test counts, and its cost on the validation and the test rows."""

    name: str
    threshold: float
    tn: int
    fp: int
    fn: int
    tp: int
    validation_cost: float
    test_cost: float


@dataclass(frozen=True)
class CostView:
    """The default, F1-best and cheapest thresholds priced at fp_cost and fn_cost."""

    fp_cost: float
    fn_cost: float
    rows: tuple[CostRow, ...]


def _scores(name: str, curve: ReliabilityCurve) -> ReliabilityScores:
    rows = tuple(ReliabilityRow(p, o, n) for p, o, n in zip(curve.prob_pred, curve.prob_true, curve.counts))
    return ReliabilityScores(name, rows, curve.brier_score, curve.log_loss, curve.roc_auc)


def reliability_view(trace: Trace) -> ReliabilityView | None:
    """Return the reliability diagram of the raw and calibrated test probabilities, or None without calibration."""
    calibration = trace.evaluation.calibration
    if calibration is None:
        return None
    raw, calibrated = calibration.raw, calibration.calibrated
    drawing = svg.unit_curves(
        "reliability-svg",
        [("raw model", "train", raw.prob_pred, raw.prob_true),
         (f"calibrated ({calibration.method})", "val", calibrated.prob_pred, calibrated.prob_true)],
        step=False, chance="diagonal", chance_level=0.0,
        title="Reliability diagram (test rows)", x_label="mean predicted probability",
        y_label="observed share positive",
        description="Each point is one bin of test rows: its mean predicted probability against the share of its "
                    "rows that are positive. The dashed diagonal is perfect calibration; the table lists every bin.")
    # A dot at every bin: a bin is a measurement, and a line alone hides how few bins there are.
    drawing = dataclasses.replace(drawing, series=tuple(
        dataclasses.replace(series, markers=series.css_class != "chance") for series in drawing.series))
    return ReliabilityView(method=calibration.method, n_bins=calibration.n_bins, strategy=calibration.strategy,
                           n_validation=calibration.n_validation, n_test=len(trace.evaluation.y_true),
                           curves=(_scores("raw model", raw),
                                   _scores(f"calibrated ({calibration.method})", calibrated)),
                           svg=drawing)


def _cost_row(rule: CostedRule) -> CostRow:
    (tn, fp), (fn, tp) = rule.test.confusion_matrix
    return CostRow(rule.name, rule.threshold, tn, fp, fn, tp, rule.validation_cost, rule.test_cost)


def cost_view(trace: Trace) -> CostView | None:
    """Return the three priced thresholds, or None without [evaluation] costs."""
    costs = trace.evaluation.cost_thresholds
    if costs is None:
        return None
    return CostView(fp_cost=costs.fp_cost, fn_cost=costs.fn_cost,
                    rows=tuple(_cost_row(rule) for rule in (costs.default, costs.f1_best, costs.cheapest)))
