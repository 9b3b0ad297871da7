"""Rates of the negative class from confusion counts, for text that names them beside precision and recall.

scikit-learn has no specificity or NPV function: they are recall_score and precision_score with the
negative class as pos_label. The quiz only has the counts at a threshold, so these two divide them,
with scikit-learn's zero-division value. They live apart from evaluate.py so that pages can use them
without importing scikit-learn (sklearn.metrics alone costs about 1.5 s to import).
"""

from __future__ import annotations


def specificity(tn: int, fp: int) -> float:
    """Return the true-negative rate TN / (TN + FP): the recall of the negative class.

    It equals ``recall_score(y_true, y_pred, pos_label=<negative class>)``. With no negative rows
    (TN + FP = 0) it is 0.0, the value scikit-learn's default ``zero_division="warn"`` gives (scikit-learn
    also warns; this does not).
    """
    return tn / (tn + fp) if tn + fp else 0.0


def negative_predictive_value(tn: int, fn: int) -> float:
    """Return TN / (TN + FN): the precision of the negative class, how often a "negative" call is right.

    It equals ``precision_score(y_true, y_pred, pos_label=<negative class>)``. With no row called
    negative (TN + FN = 0) it is 0.0, the value scikit-learn's default ``zero_division="warn"`` gives.
    """
    return tn / (tn + fn) if tn + fn else 0.0
