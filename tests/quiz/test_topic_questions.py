"""The topic generators (issue 15): answers recomputed with scikit-learn, distractors wrong, tables carried.

The catalogue lessons run here at a few seeds (their own epochs), so the generators the two
quiz-test lessons do not list are checked against their oracles on more than one run each.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, f1_score, precision_score, recall_score

from tests import quiz_oracles as oracles
from tests.quiz.quiz_helpers import wrong_values
from tests.test_catalogue import CATALOGUE
from tracegen import quiz
from tracegen.quiz import topic_questions
from tracegen.quiz.degenerate import teaching_questions
from tracegen.quiz.question import within
from tracegen.quiz.tables import TABLE_WIDTH
from tracegen.trace import ThresholdMetrics

TOPIC = ("f1_from_rates", "predicted_count", "column_share", "fpr_at_threshold", "threshold_shift")
SEEDS = (0, 1)


@pytest.fixture(scope="module")
def catalogue():
    """Every catalogue lesson at a few seeds: (name, seed) -> (trace, the questions its page would ask)."""
    out = {}
    for name in CATALOGUE:
        for seed in SEEDS:
            spec, trace = oracles.lesson_trace(name, seed, epochs=None)
            out[name, seed] = (trace, teaching_questions(quiz.make_questions(spec, trace), spec, trace))
    return out


def test_every_catalogue_question_matches_its_oracle_at_several_seeds(catalogue):
    """Each generated or hand-written question with an oracle has scikit-learn's answer; every generator is asked.

    A generator no catalogue lesson lists (a lesson may pick any) is run on the catalogue's traces directly.
    """
    asked = set()
    for trace, questions in catalogue.values():
        for question in questions:
            if question.id in oracles.ORACLES:
                oracles.check_answer(trace, question)
                asked.add(question.id)
    asked |= oracles.check_unlisted_generators([trace for trace, _ in catalogue.values()], asked)
    assert set(quiz.GENERATORS) <= asked, set(quiz.GENERATORS) - asked


def test_topic_distractors_are_wrong_and_name_their_mistake(catalogue):
    """No wrong option of a topic question is right by the oracle; each names a misconception and explains it."""
    seen = set()
    for trace, questions in catalogue.values():
        for question in (q for q in questions if q.id in TOPIC):
            seen.add(question.id)
            want = oracles.expected(trace, question)
            for option in question.options:
                assert option.feedback and (option.correct or option.misconception), (question.id, option)
                if question.kind == "numeric":
                    assert not within(option.value, float(want), question.tolerance), (question.id, option)
                else:
                    assert option.text not in want or option.correct, (question.id, option)
    assert seen == set(TOPIC)


def test_f1_distractors_are_the_arithmetic_mean_and_the_product(catalogue):
    """f1_from_rates: the mean and the product of scikit-learn's precision and recall (when not within tolerance)."""
    modelled = {"F1 taken as the arithmetic mean of precision and recall": lambda p, r: (p + r) / 2,
                "F1 taken as precision times recall": lambda p, r: p * r,
                "the better of the two rates taken for F1": max}
    seen = set()
    for trace, questions in catalogue.values():
        for question in (q for q in questions if q.id == "f1_from_rates"):
            is_class, called = oracles.one_class(trace, question)
            p, r = precision_score(is_class, called), recall_score(is_class, called)
            assert question.answer == pytest.approx(f1_score(is_class, called), abs=1e-12)
            assert f"{p:.4f}" in question.prompt and f"{r:.4f}" in question.prompt
            for name, value in wrong_values(question).items():
                assert value == pytest.approx(modelled[name](p, r)), name
                seen.add(name)
    assert seen == set(modelled)


def test_predicted_count_distractors_are_support_and_true_positives(catalogue):
    """predicted_count: the class's support and its true positives are offered as the mistakes."""
    trace, questions = catalogue["classification-report", 1]
    question = next(q for q in questions if q.id == "predicted_count")
    is_class, called = oracles.one_class(trace, question)
    values = wrong_values(question)
    assert values["the class's own rows taken for the rows predicted as it"] == np.sum(is_class)
    assert values["only the correct predictions counted"] == np.sum(is_class & called)


def test_column_share_swapped_normalization_is_scikit_learns_row_normalized_cell(catalogue):
    """column_share: its 'swapped' distractor is confusion_matrix(normalize='true') at the same cell."""
    trace, questions = catalogue["confusion-matrix", 1]
    question = next(q for q in questions if q.id == "column_share")
    y_true, _, y_pred = oracles.arrays(trace)
    names = trace.evaluation.classes
    b = names.index(oracles.param(r"predicted '([^']+)' for", question.prompt))
    a = names.index(oracles.param(r"are really '([^']+)'", question.prompt))
    rows = confusion_matrix(y_true, y_pred, labels=np.arange(len(names)), normalize="true")
    assert wrong_values(question)["row and column normalization swapped"] == pytest.approx(rows[a, b])


def test_fpr_distractors_are_specificity_and_the_true_positive_rate(catalogue):
    """fpr_at_threshold: specificity (recall of class 0) and recall are the modelled mistakes."""
    trace, questions = catalogue["roc-curve", 0]
    question = next(q for q in questions if q.id == "fpr_at_threshold")
    y_true, _, _ = oracles.arrays(trace)
    predicted = oracles.at(trace, oracles.threshold_of(question))
    values = wrong_values(question)
    assert values["specificity taken for the false positive rate"] == pytest.approx(
        recall_score(y_true, predicted, pos_label=0))
    assert values["the true positive rate (the y coordinate) read instead"] == pytest.approx(
        recall_score(y_true, predicted))


def shifted(trace, low: tuple[int, int, int, int], high: tuple[int, int, int, int]):
    """Return the trace with two crafted threshold rows, 0.3 and 0.6, from (tn, fp, fn, tp) counts."""
    def row(threshold, tn, fp, fn, tp):
        return ThresholdMetrics(threshold=threshold, rule=f"y_score >= {threshold}",
                                confusion_matrix=((tn, fp), (fn, tp)), precision=tp / (tp + fp),
                                recall=tp / (tp + fn), f1=2 * tp / (2 * tp + fp + fn),
                                accuracy=(tp + tn) / (tn + fp + fn + tp))
    rows = (row(0.3, *low), row(0.6, *high))
    return dataclasses.replace(trace, evaluation=dataclasses.replace(trace.evaluation, at_thresholds=rows))


def right_text(question):
    return question.options[question.correct_indices[0]].text


def test_threshold_shift_says_recall_stays_when_only_negatives_move(binary_trace):
    """Only negative rows between the thresholds: recall stays the same and the false positives fall."""
    question, = topic_questions.threshold_shift(shifted(binary_trace, (50, 20, 5, 25), (60, 10, 5, 25)))
    assert right_text(question) == "Recall stays the same and the false-positive count falls"
    assert "10 rows score from 0.3 up to just below 0.6, and 0 of them are class" in question.prompt
    assert "Recall rises and the false-positive count rises" in {o.text for o in question.options}


def test_threshold_shift_says_both_fall_when_positives_and_negatives_move(binary_trace):
    """Positive and negative rows between the thresholds: recall and the false positives both fall."""
    question, = topic_questions.threshold_shift(shifted(binary_trace, (50, 20, 5, 25), (60, 10, 10, 20)))
    assert right_text(question) == "Recall falls and the false-positive count falls"
    assert len(question.options) >= 4


def test_threshold_shift_is_not_asked_when_no_row_moves(binary_trace):
    """Two thresholds with the same calls leave nothing to predict: no question."""
    assert topic_questions.threshold_shift(shifted(binary_trace, (50, 20, 5, 25), (50, 20, 5, 25))) == ()


# ---------------------------------------------------------------- questions read from a page table


TABLE_QUESTIONS = {"loss_at_epoch": "the epoch table", "best_val_epoch": "the epoch table",
                   "overfitting": "the epoch table", "threshold_trend": "the precision-recall curve",
                   "confused_pairs": "the confusion matrix", "worst_bin": "the recall-by-bin table",
                   "confident_mistake": "the sample explorer", "top_k_accuracy": "the top-k accuracy table"}


def test_questions_read_from_a_table_declare_it_and_carry_its_rows(catalogue):
    """Each table-reading generator names its table and carries rows that fit the terminal; no other does."""
    seen = set()
    for trace, questions in catalogue.values():
        for question in questions:
            assert question.needs_table == TABLE_QUESTIONS.get(question.id), question.id
            if question.needs_table is None:
                assert question.table == ()
                continue
            seen.add(question.id)
            assert question.table and all(len(row) <= TABLE_WIDTH for row in question.table), question.table
            if question.id == "loss_at_epoch":
                k = int(oracles.param(r"at epoch (\d+)", question.prompt))
                row = trace.epochs[k - 1]
                assert any(line.split()[:3] == [str(k), f"{row.train_loss:.4f}", f"{row.val_loss:.4f}"]
                           for line in question.table)
            if question.id == "confused_pairs":
                y_true, _, y_pred = oracles.arrays(trace)
                counts = confusion_matrix(y_true, y_pred, labels=np.arange(len(trace.evaluation.classes)))
                assert [line.split()[2:] for line in question.table[1:]] == [[str(c) for c in r] for r in counts]
    assert seen == set(TABLE_QUESTIONS)
