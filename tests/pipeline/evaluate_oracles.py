"""scikit-learn recomputes a trace's evaluation from its y_true / y_score: the oracle the tests compare with."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    classification_report,
    confusion_matrix,
    f1_score,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
    top_k_accuracy_score,
)

TOL = 1e-12


def assert_same_array(stored, expected):
    """Exact equality, element for element, including inf."""
    np.testing.assert_array_equal(np.asarray(stored, dtype=np.float64), np.asarray(expected, dtype=np.float64))


def check_binary(ev):
    """Recompute a binary evaluation with scikit-learn and compare."""
    y_true, y_score = np.array(ev.y_true), np.array(ev.y_score)
    precision, recall, thresholds = precision_recall_curve(y_true, y_score)
    assert_same_array(ev.pr_curve.precision, precision)
    assert_same_array(ev.pr_curve.recall, recall)
    assert_same_array(ev.pr_curve.thresholds, thresholds)
    assert ev.pr_curve.sentinel_index == len(precision) - 1
    assert (ev.pr_curve.precision[-1], ev.pr_curve.recall[-1]) == (1.0, 0.0)
    assert len(ev.pr_curve.thresholds) == len(ev.pr_curve.precision) - 1
    fpr, tpr, roc_thresholds = roc_curve(y_true, y_score)
    assert_same_array(ev.roc_curve.fpr, fpr)
    assert_same_array(ev.roc_curve.tpr, tpr)
    assert_same_array(ev.roc_curve.thresholds, roc_thresholds)
    assert ev.roc_curve.thresholds[0] == np.inf
    assert abs(ev.average_precision - average_precision_score(y_true, y_score)) <= TOL
    assert abs(ev.roc_auc - roc_auc_score(y_true, y_score)) <= TOL
    assert abs(ev.prevalence - np.mean(y_true == 1)) <= TOL
    for m in ev.at_thresholds:
        y_pred = (y_score >= m.threshold).astype(int)
        assert m.confusion_matrix == tuple(map(tuple, confusion_matrix(y_true, y_pred, labels=[0, 1])))
        assert abs(m.precision - precision_score(y_true, y_pred, zero_division=0)) <= TOL
        assert abs(m.recall - recall_score(y_true, y_pred, zero_division=0)) <= TOL
        assert abs(m.f1 - f1_score(y_true, y_pred, zero_division=0)) <= TOL
        assert abs(m.accuracy - accuracy_score(y_true, y_pred)) <= TOL


def check_common(ev):
    """Confusion matrix, accuracy and report at the model's own predictions."""
    y_true, y_pred = np.array(ev.y_true), np.array(ev.y_pred)
    labels = np.arange(len(ev.classes))
    assert ev.confusion_matrix == tuple(map(tuple, confusion_matrix(y_true, y_pred, labels=labels)))
    assert abs(ev.accuracy - accuracy_score(y_true, y_pred)) <= TOL
    report = classification_report(y_true, y_pred, labels=labels, target_names=list(ev.classes),
                                   output_dict=True, zero_division=0)
    assert report.keys() == ev.classification_report.keys()
    for key, row in report.items():
        if isinstance(row, dict):
            for metric, value in row.items():
                assert abs(ev.classification_report[key][metric] - value) <= TOL, (key, metric)
        else:
            assert abs(ev.classification_report[key] - row) <= TOL


def check_multiclass(ev):
    """Recompute per-class curves, micro/macro AUC and top-k with scikit-learn."""
    y_true, proba = np.array(ev.y_true), np.array(ev.y_score)
    labels = np.arange(len(ev.classes))
    for index, curves in enumerate(ev.per_class):
        is_class = (y_true == index).astype(int)
        precision, recall, thresholds = precision_recall_curve(is_class, proba[:, index])
        assert_same_array(curves.pr_curve.precision, precision)
        assert_same_array(curves.pr_curve.recall, recall)
        assert_same_array(curves.pr_curve.thresholds, thresholds)
        fpr, tpr, roc_thresholds = roc_curve(is_class, proba[:, index])
        assert_same_array(curves.roc_curve.fpr, fpr)
        assert_same_array(curves.roc_curve.tpr, tpr)
        assert_same_array(curves.roc_curve.thresholds, roc_thresholds)
        assert abs(curves.roc_auc - roc_auc_score(is_class, proba[:, index])) <= TOL
        assert abs(curves.average_precision - average_precision_score(is_class, proba[:, index])) <= TOL
    for average in ("micro", "macro"):
        expected = roc_auc_score(y_true, proba, multi_class="ovr", average=average, labels=labels)
        assert abs(getattr(ev, f"roc_auc_{average}") - expected) <= TOL
    for top in ev.top_k:
        assert abs(top.accuracy - top_k_accuracy_score(y_true, proba, k=top.k, labels=labels)) <= TOL
