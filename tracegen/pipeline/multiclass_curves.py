"""Micro- and macro-average one-vs-rest curves of a multiclass evaluation.

Built as scikit-learn's own example does ("Multiclass Receiver Operating Characteristic",
plot_roc.py): the micro average pools every (row, class) pair, so it is one binary curve on
the raveled indicator matrix against the raveled probability matrix; the macro average has no
scikit-learn curve function, so the example averages the per-class TPRs interpolated (np.interp)
on the union of the classes' FPR values. That drawn curve's trapezoid area is recorded beside
it: it is not exactly roc_auc_score(average="macro"), the mean of the per-class AUCs, because
linear interpolation cuts across each class's vertical steps.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_curve
from sklearn.preprocessing import label_binarize

from tracegen.trace import AveragedCurves, MeanROCCurve, PRCurve, ROCCurve


def averaged_curves(y_true: np.ndarray, proba: np.ndarray, per_class_roc: Sequence[ROCCurve]) -> AveragedCurves:
    """Return the micro-average ROC and PR curves, micro AP, and the macro-average ROC curve.

    Parameters
    ----------
    y_true : ndarray of shape (n_samples,)
        Class indices 0..n_classes-1.
    proba : ndarray of shape (n_samples, n_classes)
    per_class_roc : the one-vs-rest roc_curve of each class, in class order (already computed).
    """
    indicator = label_binarize(y_true, classes=np.arange(proba.shape[1]))
    pooled_truth, pooled_score = indicator.ravel(), proba.ravel()
    fpr, tpr, thresholds = roc_curve(pooled_truth, pooled_score)
    precision, recall, pr_thresholds = precision_recall_curve(pooled_truth, pooled_score)
    grid = np.unique(np.concatenate([np.asarray(c.fpr) for c in per_class_roc]))
    mean_tpr = np.mean([np.interp(grid, c.fpr, c.tpr) for c in per_class_roc], axis=0)
    return AveragedCurves(
        micro_roc_curve=ROCCurve(fpr=tuple(fpr.tolist()), tpr=tuple(tpr.tolist()),
                                 thresholds=tuple(thresholds.tolist())),
        macro_roc_curve=MeanROCCurve(fpr=tuple(grid.tolist()), tpr=tuple(mean_tpr.tolist()),
                                     area=float(auc(grid, mean_tpr))),
        micro_pr_curve=PRCurve(precision=tuple(precision.tolist()), recall=tuple(recall.tolist()),
                               thresholds=tuple(pr_thresholds.tolist()), sentinel_index=len(precision) - 1),
        average_precision_micro=float(average_precision_score(indicator, proba, average="micro")),
    )
