"""The evaluation's curve and table records of a Trace (split out of tracegen.trace, which re-exports them).

Field names here are part of the public JSON schema (docs/trace-schema.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PRCurve:
    """precision_recall_curve as returned; the last point (P=1, R=0) is the sentinel."""
    precision: tuple[float, ...]
    recall: tuple[float, ...]
    thresholds: tuple[float, ...]
    sentinel_index: int


@dataclass(frozen=True)
class PRCurveAreas:
    """Two areas under one PR curve: average_precision_score's step sum and auc(recall, precision)'s trapezoids."""
    average_precision: float
    trapezoid_area: float


@dataclass(frozen=True)
class RobustScores:
    """balanced_accuracy_score, matthews_corrcoef and cohen_kappa_score of one set of predictions."""
    balanced_accuracy: float
    matthews_corrcoef: float
    cohen_kappa: float


@dataclass(frozen=True)
class ROCCurve:
    """roc_curve as returned; thresholds[0] is inf."""
    fpr: tuple[float, ...]
    tpr: tuple[float, ...]
    thresholds: tuple[float, ...]


@dataclass(frozen=True)
class ThresholdMetrics:
    """Confusion matrix and scores when a row is called positive by `rule`."""
    threshold: float | None
    rule: str
    confusion_matrix: tuple[tuple[int, ...], ...]
    precision: float
    recall: float
    f1: float
    accuracy: float


@dataclass(frozen=True)
class ThresholdTable:
    """The binary confusion counts and scores at every distinct test score t (increasing), rows called
    positive when y_score >= t: tn[i], fp[i], fn[i], tp[i], precision[i], recall[i], f1[i] and fpr[i]
    are at thresholds[i]. Above a limit (pipeline/threshold_table.py), an evenly spaced subset by rank is
    kept, with the lowest score above 0.5 (the model's own rule); `distinct_scores` says how many there were.
    """
    thresholds: tuple[float, ...]
    distinct_scores: int
    tn: tuple[int, ...]
    fp: tuple[int, ...]
    fn: tuple[int, ...]
    tp: tuple[int, ...]
    precision: tuple[float, ...]
    recall: tuple[float, ...]
    f1: tuple[float, ...]
    fpr: tuple[float, ...]


@dataclass(frozen=True)
class ClassCurves:
    """One-vs-rest curves for one class of a multiclass problem."""
    class_name: str
    prevalence: float
    pr_curve: PRCurve
    average_precision: float
    roc_curve: ROCCurve
    roc_auc: float


@dataclass(frozen=True)
class MeanROCCurve:
    """The macro-average ROC curve: per-class TPRs interpolated on the union of their FPRs, averaged.

    It has no thresholds (each class's thresholds differ); `area` is auc() of these points, which differs
    slightly from roc_auc_macro (the mean of the per-class AUCs).
    """
    fpr: tuple[float, ...]
    tpr: tuple[float, ...]
    area: float


@dataclass(frozen=True)
class AveragedCurves:
    """Micro-average curves (every row-class pair pooled) and the macro-average ROC curve of a multiclass run."""
    micro_roc_curve: ROCCurve
    macro_roc_curve: MeanROCCurve
    micro_pr_curve: PRCurve
    average_precision_micro: float


@dataclass(frozen=True)
class TopK:
    """top_k_accuracy_score for one k."""
    k: int
    accuracy: float


@dataclass(frozen=True)
class ThresholdChoice:
    """A threshold tuned on the validation rows, then applied unchanged to the test rows."""
    metric: str
    threshold: float
    validation_score: float
    validation_y_true: tuple[int, ...]
    validation_y_score: tuple[float, ...]
    test: ThresholdMetrics
    default: ThresholdMetrics


@dataclass(frozen=True)
class FeatureBins:
    """Recall (true-positive rate) per class within quantile bins of one property of the test rows.

    values[i] is the property of test row i; recall[c][b] is None where class c has no test rows in bin b.
    """
    property: str
    values: tuple[float, ...]
    edges: tuple[float, ...]
    counts: tuple[int, ...]
    support: tuple[tuple[int, ...], ...]
    recall: tuple[tuple[float | None, ...], ...]


@dataclass(frozen=True)
class Sample:
    """One test row in the sample explorer, with its raw feature values."""
    test_row: int
    outcome: str
    actual: int
    predicted: int
    probability: float
    values: tuple[float, ...]


@dataclass(frozen=True)
class SampleExplorer:
    """Test rows of one class grouped TP, FP, FN; within each group the most confident first."""
    class_index: int
    samples: tuple[Sample, ...]


@dataclass(frozen=True)
class ReliabilityCurve:
    """calibration_curve of one set of test-row probabilities, with the scores that grade them.

    prob_pred[i] is the mean predicted probability in the i-th non-empty bin, prob_true[i] the share of
    positive rows in it (calibration_curve drops empty bins), counts[i] its rows.
    """
    prob_true: tuple[float, ...]
    prob_pred: tuple[float, ...]
    counts: tuple[int, ...]
    brier_score: float
    log_loss: float
    roc_auc: float


@dataclass(frozen=True)
class Calibration:
    """The model's test probabilities against the same model calibrated on the validation rows.

    `calibrated_y_score` is the calibrated P(positive) of each test row (the raw ones are evaluation.y_score).
    """
    method: str
    n_bins: int
    strategy: str
    n_validation: int
    raw: ReliabilityCurve
    calibrated: ReliabilityCurve
    calibrated_y_score: tuple[float, ...]


@dataclass(frozen=True)
class CostedRule:
    """One threshold priced by the lesson's costs: on the validation rows, and on the test rows."""
    name: str
    threshold: float
    validation_cost: float
    test: ThresholdMetrics
    test_cost: float


@dataclass(frozen=True)
class CostThresholds:
    """Three thresholds priced at fp_cost per false positive and fn_cost per false negative.

    `cheapest` has the lowest total cost on the validation rows (the highest such threshold on ties);
    `f1_best` is tune_threshold's choice; `default` is 0.5. `cheapest_if_fn_doubled` is the threshold the
    same search picks on the validation rows when a false negative costs 2 * fn_cost.
    """
    fp_cost: float
    fn_cost: float
    default: CostedRule
    f1_best: CostedRule
    cheapest: CostedRule
    cheapest_if_fn_doubled: float
