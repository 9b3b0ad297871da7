"""Generators about a binary threshold: the named misconception distractors, the PR curve, the trend."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, precision_recall_curve, precision_score, recall_score

from tests import quiz_oracles as oracles
from tests.quiz.quiz_helpers import with_threshold, wrong_values
from tracegen.pipeline.rates import negative_predictive_value, specificity
from tracegen.quiz import threshold_questions
from tracegen.quiz.threshold_questions import curve_point


def test_threshold_distractors_are_the_named_misconceptions(binary_spec, binary_trace):
    """Precision/recall/F1 distractors: P and R swapped, accuracy, and F1 as the arithmetic mean."""
    # Called directly: the lesson need not list both generators.
    questions = {q.id: q for make in (threshold_questions.precision_at_threshold,
                                      threshold_questions.recall_at_threshold,
                                      threshold_questions.f1_at_threshold) for q in make(binary_trace)}
    y_true = np.array(binary_trace.evaluation.y_true)
    for qid, swapped in (("precision_at_threshold", recall_score), ("recall_at_threshold", precision_score)):
        question = questions[qid]
        y_pred = oracles.at(binary_trace, oracles.threshold_of(question))
        values = wrong_values(question)
        assert values["precision and recall swapped"] == pytest.approx(swapped(y_true, y_pred), abs=1e-12)
        assert values["accuracy taken for it"] == pytest.approx(accuracy_score(y_true, y_pred), abs=1e-12)
    question = questions["f1_at_threshold"]
    y_pred = oracles.at(binary_trace, oracles.threshold_of(question))
    mean = (precision_score(y_true, y_pred) + recall_score(y_true, y_pred)) / 2
    assert wrong_values(question)["F1 taken as the arithmetic mean of precision and recall"] == pytest.approx(mean)
    assert abs(mean - f1_score(y_true, y_pred)) > question.tolerance


@pytest.mark.parametrize("seed", range(6))
def test_negative_class_distractors_are_scikit_learns_rates_for_class_0(seed):
    """Negative precision (NPV) and specificity are precision and recall with pos_label=0."""
    trace = oracles.lesson_trace("precision-recall", seed)[1]
    y_true = np.array(trace.evaluation.y_true)
    for generator, scorer, misconception in (
            (threshold_questions.precision_at_threshold, precision_score, "the precision of the negative class"),
            (threshold_questions.recall_at_threshold, recall_score, "the recall of the negative class (specificity)")):
        (question,) = generator(trace)
        y_pred = oracles.at(trace, oracles.threshold_of(question))
        assert wrong_values(question)[misconception] == pytest.approx(scorer(y_true, y_pred, pos_label=0),
                                                                      abs=1e-12)


def test_specificity_and_negative_predictive_value_match_scikit_learn():
    """The two negative-class rates equal recall and precision of class 0 on a hand-checkable case."""
    y_true = np.array([0, 0, 0, 0, 1, 1, 1])
    y_pred = np.array([0, 0, 0, 1, 0, 1, 1])  # TN 3, FP 1, FN 1, TP 2
    assert specificity(3, 1) == pytest.approx(recall_score(y_true, y_pred, pos_label=0), abs=1e-15) == 0.75
    assert negative_predictive_value(3, 1) == pytest.approx(precision_score(y_true, y_pred, pos_label=0)) == 0.75
    assert specificity(3, 2) == pytest.approx(0.6) and negative_predictive_value(1, 3) == pytest.approx(0.25)


def test_a_coinciding_distractor_is_dropped_not_shown(binary_trace):
    """When P == R the swap distractor equals the answer, so it is dropped; other distractors stay."""
    trace = with_threshold(binary_trace, tn=10, fp=5, fn=5, tp=5)  # P = R = F1 = 0.5, accuracy 0.6
    (precision,) = threshold_questions.precision_at_threshold(trace)
    assert precision.answer == 0.5
    assert "precision and recall swapped" not in wrong_values(precision)
    assert "accuracy taken for it" in wrong_values(precision)
    (f1,) = threshold_questions.f1_at_threshold(trace)
    assert "F1 taken as the arithmetic mean of precision and recall" not in wrong_values(f1)


def test_a_question_whose_distractors_all_coincide_is_dropped(binary_trace):
    """With P = R = accuracy = negative precision, the precision question has nothing left to ask."""
    trace = with_threshold(binary_trace, tn=5, fp=5, fn=5, tp=5)
    assert threshold_questions.precision_at_threshold(trace) == ()


def test_curve_point_is_scikit_learns_precision_and_recall_at_the_threshold(binary_trace):
    """The PR-curve point for y_score >= t has the precision and recall scikit-learn gives at t."""
    y_true, y_score, _ = oracles.arrays(binary_trace)
    _, _, thresholds = precision_recall_curve(y_true, y_score)
    for t in (*thresholds[::7], 0.3, 0.5, 0.7):
        threshold, precision, recall = curve_point(binary_trace, t)
        assert threshold >= t
        y_pred = (y_score >= t).astype(int)
        assert precision == pytest.approx(precision_score(y_true, y_pred), abs=1e-12)
        assert recall == pytest.approx(recall_score(y_true, y_pred), abs=1e-12)
    assert curve_point(binary_trace, float(y_score.max()) + 1) is None  # no row scores that high


def test_curve_point_without_a_pr_curve_is_none(multiclass_trace, binary_trace):
    """A trace without a binary PR curve (multiclass) has no curve point; it does not raise."""
    assert multiclass_trace.evaluation.pr_curve is None
    assert curve_point(multiclass_trace, 0.5) is None
    no_curve = dataclasses.replace(binary_trace, evaluation=dataclasses.replace(binary_trace.evaluation,
                                                                                pr_curve=None))
    assert curve_point(no_curve, 0.5) is None
    assert threshold_questions.threshold_trend(no_curve) == ()


def test_precision_trend_says_when_precision_is_not_monotonic():
    """The trend question notes non-monotonic precision exactly when scikit-learn's counts waver."""
    noted = 0
    for seed in oracles.SEEDS:
        trace = oracles.lesson_trace("precision-recall", seed)[1]
        question = next(iter(threshold_questions.threshold_trend(trace)), None)
        if question is None:
            continue
        low, high = oracles.trend_ends(question)
        y_true, y_score, _ = oracles.arrays(trace)
        scores = np.unique(y_score)
        top = scores[scores >= high].min()
        precisions = [precision_score(y_true, y_score >= s) for s in scores[(scores >= low) & (scores <= top)]]
        steps = np.diff(precisions)
        wavers = bool((steps > 0).any() and (steps < 0).any())
        assert ("does not move in one direction" in question.prompt) == wavers
        noted += wavers
    assert noted  # the lesson's data does make precision waver on some seeds
