"""evaluation.robust_scores, majority_robust_scores, pr_curve_trapezoid_area and constant_score_pr: each equals
scikit-learn recomputed here from the trace's own y_true, y_pred and y_score; they survive JSON and the cache."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from sklearn.metrics import (
    auc,
    average_precision_score,
    balanced_accuracy_score,
    cohen_kappa_score,
    matthews_corrcoef,
    precision_recall_curve,
)

from tracegen import cache
from tracegen.trace import Trace


def expected_scores(y_true, y_pred) -> tuple[float, float, float]:
    return (balanced_accuracy_score(y_true, y_pred), matthews_corrcoef(y_true, y_pred),
            cohen_kappa_score(y_true, y_pred))


@pytest.mark.parametrize("which", ["binary_trace", "multiclass_trace"])
def test_robust_scores_equal_sklearn_on_the_traces_rows(which, request):
    ev = request.getfixturevalue(which).evaluation
    y_true, y_pred = np.array(ev.y_true), np.array(ev.y_pred)
    scores = ev.robust_scores
    assert (scores.balanced_accuracy, scores.matthews_corrcoef, scores.cohen_kappa) == pytest.approx(
        expected_scores(y_true, y_pred), abs=1e-12)
    # The majority baseline: the most frequent test class (lowest index on ties) predicted for every row.
    majority = np.full_like(y_true, np.bincount(y_true).argmax())
    base = ev.majority_robust_scores
    assert (base.balanced_accuracy, base.matthews_corrcoef, base.cohen_kappa) == pytest.approx(
        expected_scores(y_true, majority), abs=1e-12)
    assert base.balanced_accuracy == pytest.approx(1 / len(ev.classes))
    # A robust score can only be told from accuracy if the two differ on some run: they do on this one.
    assert scores.balanced_accuracy != pytest.approx(ev.accuracy, abs=1e-6) or scores.matthews_corrcoef != \
        pytest.approx(ev.accuracy, abs=1e-6)


def test_pr_trapezoid_area_equals_auc_of_sklearns_curve(binary_trace):
    ev = binary_trace.evaluation
    y_true, y_score = np.array(ev.y_true), np.array(ev.y_score)
    precision, recall, _ = precision_recall_curve(y_true, y_score)
    assert ev.pr_curve_trapezoid_area == pytest.approx(auc(recall, precision), abs=1e-12)
    assert ev.average_precision == pytest.approx(average_precision_score(y_true, y_score), abs=1e-12)
    assert ev.pr_curve_trapezoid_area != ev.average_precision


def test_constant_score_gets_the_prevalence_as_ap_and_over_half_as_trapezoid(binary_trace):
    ev = binary_trace.evaluation
    y_true = np.array(ev.y_true)
    constant = np.full(len(y_true), 0.123)  # any constant: the curve is the same
    precision, recall, _ = precision_recall_curve(y_true, constant)
    assert ev.constant_score_pr.average_precision == pytest.approx(average_precision_score(y_true, constant))
    assert ev.constant_score_pr.trapezoid_area == pytest.approx(auc(recall, precision))
    assert ev.constant_score_pr.average_precision == pytest.approx(np.mean(y_true == 1))
    assert ev.constant_score_pr.trapezoid_area > 0.5  # skl#6065: the straight line to the sentinel


def test_multiclass_has_no_pr_areas(multiclass_trace):
    ev = multiclass_trace.evaluation
    assert ev.pr_curve_trapezoid_area is None and ev.constant_score_pr is None
    data = json.loads(multiclass_trace.to_json())["evaluation"]
    assert data["pr_curve_trapezoid_area"] is None and data["constant_score_pr"] is None


@pytest.mark.parametrize("which", ["binary_trace", "multiclass_trace"])
def test_round_trip_and_the_cache_checks_types(which, request, tmp_path, capsys):
    trace = request.getfixturevalue(which)
    again = Trace.from_json(trace.to_json())
    assert again.evaluation.robust_scores == trace.evaluation.robust_scores
    assert again.evaluation.majority_robust_scores == trace.evaluation.majority_robust_scores
    assert again.evaluation.pr_curve_trapezoid_area == trace.evaluation.pr_curve_trapezoid_area
    assert again.evaluation.constant_score_pr == trace.evaluation.constant_score_pr
    data = json.loads(trace.to_json())
    data["evaluation"]["robust_scores"]["matthews_corrcoef"] = "high"
    cache.store_text(tmp_path, trace.hash, json.dumps(data))
    assert cache.load_trace(tmp_path, trace.hash, trace.lesson) is None
    assert "matthews_corrcoef" in capsys.readouterr().err


@pytest.mark.parametrize(("which", "field"), [("binary_trace", "robust_scores"), ("multiclass_trace", "robust_scores"),
                                              ("binary_trace", "pr_curve_trapezoid_area")])
def test_the_cache_runs_again_a_trace_written_before_them(which, field, request, tmp_path, capsys):
    trace = request.getfixturevalue(which)
    stale = dataclasses.replace(trace, evaluation=dataclasses.replace(trace.evaluation, **{field: None}))
    cache.store_trace(tmp_path, stale)
    assert cache.load_trace(tmp_path, stale.hash, stale.lesson) is None
    assert "written before evaluation.robust_scores" in capsys.readouterr().err
    cache.store_trace(tmp_path, trace)
    assert cache.load_trace(tmp_path, trace.hash, trace.lesson) == trace
