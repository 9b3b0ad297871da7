"""Issue 16's calibration and cost-threshold evaluations: every recorded number against scikit-learn,
recomputed here from the trace's raw arrays (y_true, y_score, the calibrated and the validation scores)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV, calibration_curve
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import brier_score_loss, confusion_matrix, log_loss, roc_auc_score

from tests.conftest import LESSONS
from tracegen import cache, pipeline
from tracegen.errors import SpecError
from tracegen.pipeline.calibration import calibrate
from tracegen.spec import load_lesson, parse_lesson
from tracegen.trace import Trace

SEEDS = (3, 11)


@pytest.fixture(scope="module", params=SEEDS)
def calibration_trace(request):
    return pipeline.run(load_lesson(LESSONS / "calibration.md"), seed=request.param)


@pytest.fixture(scope="module", params=SEEDS)
def cost_trace(request):
    return pipeline.run(load_lesson(LESSONS / "cost-threshold.md"), seed=request.param)


def assert_curve_matches_sklearn(y_true, y_prob, curve, n_bins, strategy):
    prob_true, prob_pred = calibration_curve(y_true, y_prob, n_bins=n_bins, strategy=strategy)
    assert curve.prob_true == pytest.approx(prob_true.tolist(), abs=1e-12)
    assert curve.prob_pred == pytest.approx(prob_pred.tolist(), abs=1e-12)
    assert curve.brier_score == pytest.approx(brier_score_loss(y_true, y_prob), abs=1e-12)
    assert curve.log_loss == pytest.approx(log_loss(y_true, y_prob), abs=1e-12)
    assert curve.roc_auc == pytest.approx(roc_auc_score(y_true, y_prob), abs=1e-12)
    # Each bin's count must turn its observed share into a whole number of positives and its mean
    # prediction into the bin's share of the summed probabilities: the counts bin as calibration_curve does.
    counts = np.asarray(curve.counts)
    assert len(counts) == len(prob_true) and counts.sum() == len(y_true) and (counts > 0).all()
    positives = counts * prob_true
    assert positives == pytest.approx(np.round(positives), abs=1e-9)
    assert positives.sum() == pytest.approx(np.sum(y_true), abs=1e-9)
    assert (counts * prob_pred).sum() == pytest.approx(np.sum(y_prob), abs=1e-9)


def test_reliability_curves_and_scores_are_sklearns(calibration_trace):
    ev = calibration_trace.evaluation
    c = ev.calibration
    y_true = np.asarray(ev.y_true)
    assert (c.method, c.n_bins, c.strategy) == ("sigmoid", 10, "uniform")
    assert c.n_validation == calibration_trace.split_counts()["validation"]
    assert_curve_matches_sklearn(y_true, np.asarray(ev.y_score), c.raw, c.n_bins, c.strategy)
    assert_curve_matches_sklearn(y_true, np.asarray(c.calibrated_y_score), c.calibrated, c.n_bins, c.strategy)
    assert c.raw.roc_auc == pytest.approx(ev.roc_auc, abs=1e-12)


def test_the_lesson_shows_an_over_confident_model_that_calibration_repairs(calibration_trace):
    c = calibration_trace.evaluation.calibration
    assert c.calibrated.log_loss < c.raw.log_loss
    assert abs(c.calibrated.roc_auc - c.raw.roc_auc) < 0.03
    assert c.calibrated_y_score != calibration_trace.evaluation.y_score


def test_calibrator_is_fitted_on_the_rows_it_is_given_and_not_refitting_the_model():
    X, y = make_classification(n_samples=600, n_features=8, flip_y=0.1, random_state=0)
    model = SGDClassifier(loss="log_loss", random_state=0).fit(X[:300], y[:300])
    coef = model.coef_.copy()
    options = {"method": "sigmoid", "n_bins": 5, "strategy": "quantile"}
    record = calibrate(model, X[300:450], y[300:450], X[450:], y[450:], model.predict_proba(X[450:])[:, 1], options)
    expected = CalibratedClassifierCV(FrozenEstimator(model), method="sigmoid").fit(X[300:450], y[300:450])
    on_test = CalibratedClassifierCV(FrozenEstimator(model), method="sigmoid").fit(X[450:], y[450:])
    assert record.calibrated_y_score == pytest.approx(expected.predict_proba(X[450:])[:, 1].tolist(), abs=1e-12)
    assert record.calibrated_y_score != pytest.approx(on_test.predict_proba(X[450:])[:, 1].tolist(), abs=1e-6)
    assert np.array_equal(model.coef_, coef)
    assert_curve_matches_sklearn(y[450:], np.asarray(record.calibrated_y_score), record.calibrated, 5, "quantile")


def sklearn_cost(y_true, y_score, threshold, fp_cost, fn_cost):
    (tn, fp), (fn, tp) = confusion_matrix(y_true, (np.asarray(y_score) >= threshold).astype(int), labels=[0, 1])
    return fp_cost * fp + fn_cost * fn, ((tn, fp), (fn, tp))


def cheapest_by_sklearn(y_val, s_val, fp_cost, fn_cost):
    """The lowest validation cost over every distinct validation score; the highest threshold on ties."""
    costs = {t: sklearn_cost(y_val, s_val, t, fp_cost, fn_cost)[0] for t in np.unique(s_val).tolist()}
    low = min(costs.values())
    return max(t for t, cost in costs.items() if cost == low), low


def test_cost_thresholds_are_recomputed_from_the_validation_and_test_scores(cost_trace):
    ev = cost_trace.evaluation
    ct, choice = ev.cost_thresholds, ev.threshold_choice
    y_val, s_val = choice.validation_y_true, choice.validation_y_score
    assert (ct.fp_cost, ct.fn_cost) == (1.0, 5.0)
    threshold, cost = cheapest_by_sklearn(y_val, s_val, ct.fp_cost, ct.fn_cost)
    assert ct.cheapest.threshold == threshold and ct.cheapest.validation_cost == cost
    assert ct.cheapest_if_fn_doubled == cheapest_by_sklearn(y_val, s_val, ct.fp_cost, 2 * ct.fn_cost)[0]
    assert ct.cheapest_if_fn_doubled <= ct.cheapest.threshold
    assert (ct.default.threshold, ct.f1_best.threshold) == (0.5, choice.threshold)
    for rule in (ct.default, ct.f1_best, ct.cheapest):
        test_cost, counts = sklearn_cost(ev.y_true, ev.y_score, rule.threshold, ct.fp_cost, ct.fn_cost)
        assert (rule.test_cost, rule.test.confusion_matrix) == (test_cost, counts)
        assert rule.validation_cost == sklearn_cost(y_val, s_val, rule.threshold, ct.fp_cost, ct.fn_cost)[0]
        assert rule.validation_cost >= ct.cheapest.validation_cost


def test_records_round_trip_through_json(calibration_trace, cost_trace):
    for trace in (calibration_trace, cost_trace):
        assert Trace.from_json(trace.to_json()) == trace


def test_a_cached_trace_without_the_asked_for_record_is_refused(tmp_path, calibration_trace, cost_trace, capsys):
    for trace, field_name in ((calibration_trace, "calibration"), (cost_trace, "cost_thresholds")):
        stale = dataclasses.replace(trace, evaluation=dataclasses.replace(trace.evaluation, **{field_name: None}))
        cache.store_trace(tmp_path, stale)
        assert cache.load_trace(tmp_path, trace.hash, trace.lesson) is None
        assert f"has no evaluation.{field_name}" in capsys.readouterr().err
        cache.store_trace(tmp_path, trace)
        assert cache.load_trace(tmp_path, trace.hash, trace.lesson) == trace


def test_lessons_without_the_new_keys_keep_their_hash_keys():
    spec = load_lesson(LESSONS / "precision-recall.md")
    assert "calibration" not in spec.pipeline_dict()["evaluation"]
    assert "costs" not in spec.pipeline_dict()["evaluation"]
    assert json.dumps(spec.pipeline_dict())  # still plain JSON


BASE = {"epochs": 2, "dataset": {"source": "breast_cancer"}, "split": {"validation_size": 0.25}}


@pytest.mark.parametrize("evaluation, split, field_name, words", [
    ({"calibration": {}}, {}, "evaluation.calibration", "needs a validation split"),
    ({"calibration": {"method": "platt"}}, None, "evaluation.calibration.method", "unknown value 'platt'"),
    ({"calibration": {"n_bins": 1}}, None, "evaluation.calibration.n_bins", "2..20"),
    ({"calibration": {"bins": 5}}, None, "evaluation.calibration.bins", "unknown key"),
    ({"costs": {"fp": 1, "fn": 5}}, None, "evaluation.costs", "needs tune_threshold"),
    ({"costs": {"fp": 1}, "tune_threshold": "f1"}, None, "evaluation.costs.fn", "missing"),
    ({"costs": {"fp": 0, "fn": 5}, "tune_threshold": "f1"}, None, "evaluation.costs.fp", "positive"),
])
def test_bad_calibration_and_costs_keys_name_the_field(tmp_path, evaluation, split, field_name, words):
    data = {**BASE, "evaluation": evaluation, "split": BASE["split"] if split is None else split}
    with pytest.raises(SpecError) as caught:
        parse_lesson(data, tmp_path / "lesson.md")
    assert field_name in str(caught.value) and words in str(caught.value)
