"""pipeline/multiclass_curves.py: the micro- and macro-average curves equal scikit-learn's, recomputed here."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_auc_score, roc_curve
from sklearn.preprocessing import label_binarize

from tracegen.pipeline.evaluate import evaluate
from tracegen.trace import Trace


def _arrays(ev):
    return np.array(ev.y_true), np.array(ev.y_score)


def test_micro_roc_curve_is_roc_curve_on_the_raveled_indicator(multiclass_trace):
    ev = multiclass_trace.evaluation
    y, proba = _arrays(ev)
    indicator = label_binarize(y, classes=np.arange(len(ev.classes)))
    fpr, tpr, thresholds = roc_curve(indicator.ravel(), proba.ravel())
    micro = ev.averaged_curves.micro_roc_curve
    np.testing.assert_array_equal(micro.fpr, fpr)
    np.testing.assert_array_equal(micro.tpr, tpr)
    np.testing.assert_array_equal(micro.thresholds, thresholds)
    # The drawn micro curve's area is the micro AUC the page prints.
    assert auc(micro.fpr, micro.tpr) == pytest.approx(
        roc_auc_score(y, proba, multi_class="ovr", average="micro"), abs=1e-12)
    assert ev.roc_auc_micro == pytest.approx(roc_auc_score(y, proba, multi_class="ovr", average="micro"), abs=1e-12)


def test_micro_pr_curve_and_average_precision(multiclass_trace):
    ev = multiclass_trace.evaluation
    y, proba = _arrays(ev)
    indicator = label_binarize(y, classes=np.arange(len(ev.classes)))
    precision, recall, _ = precision_recall_curve(indicator.ravel(), proba.ravel())
    micro = ev.averaged_curves.micro_pr_curve
    np.testing.assert_array_equal(micro.precision, precision)
    np.testing.assert_array_equal(micro.recall, recall)
    assert micro.sentinel_index == len(precision) - 1
    assert ev.averaged_curves.average_precision_micro == pytest.approx(
        average_precision_score(indicator, proba, average="micro"), abs=1e-12)


def test_macro_curve_is_the_mean_of_interpolated_per_class_curves(multiclass_trace):
    ev = multiclass_trace.evaluation
    y, proba = _arrays(ev)
    curves = [roc_curve(y == k, proba[:, k])[:2] for k in range(len(ev.classes))]
    grid = np.unique(np.concatenate([fpr for fpr, _ in curves]))
    mean_tpr = np.mean([np.interp(grid, fpr, tpr) for fpr, tpr in curves], axis=0)
    macro = ev.averaged_curves.macro_roc_curve
    np.testing.assert_allclose(macro.fpr, grid, atol=1e-15)
    np.testing.assert_allclose(macro.tpr, mean_tpr, atol=1e-12)
    assert macro.area == pytest.approx(auc(grid, mean_tpr), abs=1e-12)
    sklearn_macro = roc_auc_score(y, proba, multi_class="ovr", average="macro")
    assert ev.roc_auc_macro == pytest.approx(sklearn_macro, abs=1e-12)
    # On the digits run the interpolated curve's area is not sklearn's macro AUC: the page says which is which.
    assert macro.area != pytest.approx(sklearn_macro, abs=1e-6)


def test_averaged_curves_round_trip_through_json(multiclass_trace):
    again = Trace.from_json(multiclass_trace.to_json())
    assert again.evaluation.averaged_curves == multiclass_trace.evaluation.averaged_curves


def test_cached_trace_with_a_bad_averaged_curve_is_refused(multiclass_trace):
    data = multiclass_trace.to_dict()
    data["evaluation"]["averaged_curves"]["macro_roc_curve"]["area"] = "big"
    with pytest.raises((TypeError, ValueError)):
        Trace.from_dict(data)
    data["evaluation"]["averaged_curves"] = None  # a trace written before these were recorded still loads
    assert Trace.from_dict(data).evaluation.averaged_curves is None


def test_binary_evaluation_has_no_averaged_curves():
    proba = np.array([[0.8, 0.2], [0.2, 0.8]])
    ev = evaluate(np.array([0, 1]), proba, np.array([0, 1]), ("neg", "pos"), (0.5,), ())
    assert ev.averaged_curves is None


def test_three_class_toy_case():
    y = np.array([0, 1, 2, 0, 1, 2])
    proba = np.array([[.7, .2, .1], [.2, .6, .2], [.1, .3, .6], [.4, .5, .1], [.3, .3, .4], [.2, .2, .6]])
    ev = evaluate(y, proba, proba.argmax(axis=1), ("a", "b", "c"), (), ())
    assert ev.averaged_curves.average_precision_micro == pytest.approx(
        average_precision_score(label_binarize(y, classes=[0, 1, 2]), proba, average="micro"))
    assert auc(ev.averaged_curves.micro_roc_curve.fpr, ev.averaged_curves.micro_roc_curve.tpr) == pytest.approx(
        roc_auc_score(y, proba, multi_class="ovr", average="micro"))
