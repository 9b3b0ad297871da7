"""The generators of robust_questions: answers equal scikit-learn recomputed here from the trace's rows,
wrong options are wrong and name their misconception, and traces written before their fields get no question."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.metrics import auc, average_precision_score, balanced_accuracy_score, precision_recall_curve

from tests import quiz_oracles as oracles
from tracegen.html.metric_tables import pr_areas_table, robust_metrics_table
from tracegen.quiz import robust_questions as rq
from tracegen.quiz.question import within

RUNS = [("imbalance-metrics", seed) for seed in (0, 3)] + [("ap-vs-trapezoid", seed) for seed in (0, 5)]


@pytest.fixture(scope="module", params=RUNS, ids=[f"{name}-{seed}" for name, seed in RUNS])
def trace(request):
    name, seed = request.param
    return oracles.lesson_trace(name, seed, epochs=None)[1]


def test_balanced_accuracy_question_is_sklearns_and_its_wrong_values_are_wrong(trace):
    (question,) = rq.balanced_accuracy_from_counts(trace)
    y_true, y_pred = np.array(trace.evaluation.y_true), np.array(trace.evaluation.y_pred)
    assert question.answer == pytest.approx(balanced_accuracy_score(y_true, y_pred), abs=1e-12)
    for option in question.options:
        assert option.misconception and option.feedback
        assert not within(option.value, question.answer, question.tolerance)
    # The prompt states every count the learner needs: each class's rows right and its rows.
    for i, row in enumerate(trace.evaluation.confusion_matrix):
        assert f"{row[i]} of its {sum(row)} rows" in question.prompt


@pytest.mark.parametrize("seed", [seed for name, seed in RUNS if name == "ap-vs-trapezoid"])
def test_pr_questions_match_sklearn(seed):
    """The PR-area questions, on the binary lesson that asks them."""
    trace = oracles.lesson_trace("ap-vs-trapezoid", seed, epochs=None)[1]
    y_true = np.array(trace.evaluation.y_true)
    (constant,) = rq.constant_score_trapezoid(trace)
    same = np.zeros(len(y_true))
    precision, recall, _ = precision_recall_curve(y_true, same)
    assert constant.answer == pytest.approx(auc(recall, precision), abs=1e-12)
    assert constant.answer == pytest.approx((1 + np.mean(y_true == 1)) / 2)
    assert any(option.value == pytest.approx(average_precision_score(y_true, same)) for option in constant.options)
    (order,) = rq.pr_area_order(trace)
    right = {order.options[i].text for i in order.correct_indices}
    assert right == oracles.pr_area_order(trace, order)
    assert all(o.misconception for o in order.options if not o.correct)


def test_a_trace_without_the_fields_gets_no_question_and_no_table(trace):
    ev = trace.evaluation
    old = dataclasses.replace(trace, evaluation=dataclasses.replace(
        ev, robust_scores=None, **({"pr_curve_trapezoid_area": None, "constant_score_pr": None}
                                   if ev.task == "binary" else {})))
    assert rq.balanced_accuracy_from_counts(old) == ()
    assert robust_metrics_table(old) is None
    if ev.task == "binary":
        assert rq.constant_score_trapezoid(old) == () and rq.pr_area_order(old) == ()
        assert pr_areas_table(old) is None


def test_robust_table_covers_a_multiclass_run(multiclass_trace):
    table = robust_metrics_table(multiclass_trace)
    ev = multiclass_trace.evaluation
    assert [row.model for row in table.rows] == [ev.accuracy, ev.robust_scores.balanced_accuracy,
                                                 ev.robust_scores.matthews_corrcoef, ev.robust_scores.cohen_kappa]
    assert table.rows[1].constant == pytest.approx(1 / len(ev.classes))
    assert pr_areas_table(multiclass_trace) is None
    (question,) = rq.balanced_accuracy_from_counts(multiclass_trace)
    assert question.answer == pytest.approx(balanced_accuracy_score(ev.y_true, ev.y_pred))
