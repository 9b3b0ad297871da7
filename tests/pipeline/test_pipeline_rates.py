"""The negative-class rates against scikit-learn's recall_score and precision_score with pos_label=0."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st
from sklearn.metrics import confusion_matrix


def binary_counts(data):
    """Return (y_true, y_pred, tn, fp, fn, tp) for a list of (true, predicted) pairs of 0/1."""
    y_true, y_pred = np.array([a for a, _ in data], dtype=np.int64), np.array([b for _, b in data], dtype=np.int64)
    (tn, fp), (fn, tp) = confusion_matrix(y_true, y_pred, labels=[0, 1]).tolist()
    return y_true, y_pred, tn, fp, fn, tp


pairs = st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1)), min_size=1, max_size=60)


@settings(max_examples=150, deadline=None)
@given(data=pairs)
def test_specificity_is_recall_of_the_negative_class(data):
    """specificity(tn, fp) equals recall_score with pos_label=0, including 0.0 when no row is negative."""
    from sklearn.metrics import recall_score

    from tracegen.pipeline.rates import specificity

    y_true, y_pred, tn, fp, _, _ = binary_counts(data)
    expected = recall_score(y_true, y_pred, pos_label=0, labels=[0, 1], zero_division=0.0)
    assert specificity(tn, fp) == expected


@settings(max_examples=150, deadline=None)
@given(data=pairs)
def test_negative_predictive_value_is_precision_of_the_negative_class(data):
    """negative_predictive_value(tn, fn) equals precision_score with pos_label=0, 0.0 when nothing is called 0."""
    from sklearn.metrics import precision_score

    from tracegen.pipeline.rates import negative_predictive_value

    y_true, y_pred, tn, _, fn, _ = binary_counts(data)
    expected = precision_score(y_true, y_pred, pos_label=0, labels=[0, 1], zero_division=0.0)
    assert negative_predictive_value(tn, fn) == expected


def test_zero_division_is_scikit_learns_default_value():
    """With nothing to divide by, both rates are 0.0: what scikit-learn's zero_division="warn" returns."""
    import warnings

    from sklearn.exceptions import UndefinedMetricWarning
    from sklearn.metrics import precision_score, recall_score

    from tracegen.pipeline.rates import negative_predictive_value, specificity

    y = np.array([1, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        assert specificity(0, 0) == recall_score(y, y, pos_label=0, labels=[0, 1]) == 0.0
        assert negative_predictive_value(0, 0) == precision_score(y, y, pos_label=0, labels=[0, 1]) == 0.0
    assert specificity(3, 1) == 0.75 and negative_predictive_value(1, 3) == 0.25

