"""Calibration: the trained model's test probabilities against the same model calibrated on the validation rows.

Part of the evaluate stage (binary tasks, `[evaluation] calibration`), and one of the modules allowed to
import sklearn.metrics. The trained model is wrapped in FrozenEstimator, so CalibratedClassifierCV fits only
the calibrator (sigmoid or isotonic), on the validation rows; the test rows grade both sets of probabilities
and take no part in any fit. Every number is scikit-learn's: calibration_curve, brier_score_loss, log_loss,
roc_auc_score.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV, calibration_curve
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

from tracegen.trace import Calibration, ReliabilityCurve


def bin_counts(y_prob: np.ndarray, n_bins: int, strategy: str) -> np.ndarray:
    """Return the rows in each non-empty bin, binned exactly as calibration_curve bins them.

    calibration_curve returns each bin's mean prediction and observed share but not its row count,
    which a reader needs to judge a point (a bin of 2 rows says little).
    """
    if strategy == "quantile":
        edges = np.percentile(y_prob, np.linspace(0, 1, n_bins + 1) * 100)
    else:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], y_prob), minlength=n_bins)
    return counts[counts != 0]


def reliability(y_true: np.ndarray, y_prob: np.ndarray, n_bins: int, strategy: str) -> ReliabilityCurve:
    """Return the reliability curve and the Brier score, log loss and ROC AUC of P(positive) per row."""
    prob_true, prob_pred = calibration_curve(y_true, y_prob, n_bins=n_bins, strategy=strategy)
    return ReliabilityCurve(
        prob_true=tuple(prob_true.tolist()), prob_pred=tuple(prob_pred.tolist()),
        counts=tuple(bin_counts(y_prob, n_bins, strategy).tolist()),
        brier_score=float(brier_score_loss(y_true, y_prob)),
        log_loss=float(log_loss(y_true, y_prob, labels=[0, 1])),
        roc_auc=float(roc_auc_score(y_true, y_prob)))


def calibrate(model: Any, X_val: np.ndarray, y_val: np.ndarray, X_test: np.ndarray, y_test: np.ndarray,
              raw_test: np.ndarray, options: dict[str, Any]) -> Calibration:
    """Fit the calibrator on the validation rows, then grade raw and calibrated test probabilities alike.

    Parameters
    ----------
    raw_test : ndarray of shape (n_test,)
        The trained model's P(positive) on the test rows (evaluation.y_score).
    options : dict
        `[evaluation] calibration`: method, n_bins, strategy.
    """
    calibrator = CalibratedClassifierCV(FrozenEstimator(model), method=options["method"])
    calibrator.fit(X_val, y_val)
    calibrated = calibrator.predict_proba(X_test)[:, 1]
    n_bins, strategy = options["n_bins"], options["strategy"]
    return Calibration(method=options["method"], n_bins=n_bins, strategy=strategy, n_validation=len(y_val),
                       raw=reliability(y_test, raw_test, n_bins, strategy),
                       calibrated=reliability(y_test, calibrated, n_bins, strategy),
                       calibrated_y_score=tuple(calibrated.tolist()))
