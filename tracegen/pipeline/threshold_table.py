"""The threshold explorer's table: scikit-learn's confusion counts and scores at every distinct test score.

Part of the evaluate stage (binary tasks only), and with pipeline/evaluate.py the only module that
imports sklearn.metrics. Each candidate threshold t_j is one column of a multilabel indicator matrix,
P[:, j] = (y_score >= t_j), against y_true repeated in every column, so that ONE
multilabel_confusion_matrix call returns every 2x2 matrix and ONE precision_recall_fscore_support
call (average=None) every precision, recall and F1: calling confusion_matrix once per threshold
costs its input checks hundreds of times.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import multilabel_confusion_matrix, precision_recall_fscore_support, roc_curve

from tracegen.trace import ThresholdTable

# At most this many thresholds are recorded: a page shows fewer (its tables are thinned to fit the
# page budget), and the cost grows with rows x thresholds (about 10 ms for 200 x 200).
MAX_THRESHOLDS = 200
# ... and at most this many rows x thresholds, so that a predictions file of 100,000 rows costs a
# fraction of a second (10 thresholds; about a fifth of its evaluate stage) rather than seconds: the indicator
# matrices have this many cells.
MAX_CELLS = 1_000_000


def threshold_limit(n_rows: int) -> int:
    """Return how many thresholds a table of `n_rows` test rows records at most (never fewer than 2)."""
    return max(2, min(MAX_THRESHOLDS, MAX_CELLS // max(n_rows, 1)))


def kept_thresholds(distinct: np.ndarray, limit: int) -> np.ndarray:
    """Return the thresholds the table records: every distinct score (increasing), or over `limit`
    an evenly spaced subset by rank, lowest and highest kept, plus the lowest score above 0.5.

    That score is the model's own rule: y_score >= it calls exactly the rows with y_score > 0.5 positive,
    so the explorer can start where the page's confusion matrix is.
    """
    if len(distinct) <= limit:
        return distinct
    ranks = set(np.linspace(0, len(distinct) - 1, limit).round().astype(np.int64).tolist())
    above = int(np.searchsorted(distinct, 0.5, side="right"))
    if above < len(distinct):
        ranks.add(above)
    return distinct[sorted(ranks)]


def threshold_table(y_true: np.ndarray, y_score: np.ndarray) -> ThresholdTable:
    """Return the counts (multilabel_confusion_matrix), precision, recall and F1 (precision_recall_fscore_support,
    zero_division=0) and false-positive rate (roc_curve) with rows called positive when y_score >= t.

    Parameters
    ----------
    y_true : ndarray of shape (n_samples,)
        0 or 1 per test row.
    y_score : ndarray of shape (n_samples,)
        The positive-class score of each row, as the curves use it.
    """
    distinct = np.unique(y_score)
    thresholds = kept_thresholds(distinct, threshold_limit(len(y_true)))
    # A single column would read as binary labels, not multilabel: a lone threshold is scored twice.
    columns = thresholds if len(thresholds) > 1 else np.repeat(thresholds, 2)
    predicted = y_score[:, None] >= columns[None, :]
    truth = np.broadcast_to((y_true == 1)[:, None], predicted.shape)
    counts = multilabel_confusion_matrix(truth, predicted)[:len(thresholds)].reshape(-1, 4).T
    found = precision_recall_fscore_support(truth, predicted, average=None, zero_division=0)
    precision, recall, f1 = (np.asarray(values)[:len(thresholds)] for values in found[:3])
    # roc_curve without dropping points has one point per distinct score, decreasing, after its inf start.
    fpr_all, _, _ = roc_curve(y_true, y_score, drop_intermediate=False)
    fpr = fpr_all[1:][::-1][np.searchsorted(distinct, thresholds)]
    return ThresholdTable(
        thresholds=tuple(thresholds.tolist()), distinct_scores=len(distinct),
        tn=tuple(counts[0].tolist()), fp=tuple(counts[1].tolist()), fn=tuple(counts[2].tolist()),
        tp=tuple(counts[3].tolist()), precision=tuple(precision.tolist()), recall=tuple(recall.tolist()),
        f1=tuple(f1.tolist()), fpr=tuple(fpr.tolist()))
