"""Imbalance-robust single numbers and the PR curve's second area, for the evaluate stage.

Part of the evaluate stage, and with pipeline/evaluate.py one of the modules that import
sklearn.metrics. Each number is a scikit-learn function's result, stored as a Python float:

- balanced_accuracy_score, matthews_corrcoef and cohen_kappa_score of the model's own predictions,
  and of always predicting the majority class (the baseline accuracy is compared with), both tasks;
- auc(recall, precision), the trapezoid area under straight lines between the PR curve's points,
  beside average_precision_score's step sum (binary only), and both areas for a constant score,
  where the trapezoid's straight line to the sentinel (P=1, R=0) gives more than 0.5 (skl#6065).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import (
    auc,
    average_precision_score,
    balanced_accuracy_score,
    cohen_kappa_score,
    matthews_corrcoef,
    precision_recall_curve,
)

from tracegen.trace import PRCurve, PRCurveAreas, RobustScores

# The score every row gets in the constant-predictor comparison; any single value draws the same curve.
CONSTANT_SCORE = 0.5


def robust_scores(y_true: np.ndarray, y_pred: np.ndarray, labels: np.ndarray) -> RobustScores:
    """Return balanced accuracy, MCC and Cohen's kappa of `y_pred` against `y_true` (class indices).

    A constant y_pred gives MCC 0 and kappa 0 (scikit-learn's value for a zero denominator or chance
    agreement), balanced accuracy 1 / n_classes.
    """
    return RobustScores(balanced_accuracy=float(balanced_accuracy_score(y_true, y_pred)),
                        matthews_corrcoef=float(matthews_corrcoef(y_true, y_pred)),
                        cohen_kappa=float(cohen_kappa_score(y_true, y_pred, labels=labels)))


def robust_fields(y_true: np.ndarray, y_pred: np.ndarray, majority: int, labels: np.ndarray) -> dict[str, Any]:
    """Return the evaluation's robust_scores (the model's) and majority_robust_scores (always `majority`)."""
    return dict(robust_scores=robust_scores(y_true, y_pred, labels),
                majority_robust_scores=robust_scores(y_true, np.full_like(y_true, majority), labels))


def pr_area_fields(y_true: np.ndarray, curve: PRCurve) -> dict[str, Any]:
    """Return pr_curve_trapezoid_area, auc() of the recorded curve, and constant_score_pr, a constant score's two areas.

    Parameters
    ----------
    y_true : ndarray of shape (n_samples,)
        0 or 1 per test row.
    curve : the precision_recall_curve already recorded for these rows.
    """
    constant = np.full(len(y_true), CONSTANT_SCORE)
    precision, recall, _ = precision_recall_curve(y_true, constant)
    return dict(pr_curve_trapezoid_area=float(auc(curve.recall, curve.precision)),
                constant_score_pr=PRCurveAreas(average_precision=float(average_precision_score(y_true, constant)),
                                               trapezoid_area=float(auc(recall, precision))))
