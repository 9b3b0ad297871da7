"""Generators about whole-run scores: the PR chance level, ROC AUC, the majority baseline."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.metrics import accuracy_score

from tests import quiz_oracles as oracles
from tracegen.quiz import score_questions


def test_the_pr_chance_level_distractor_is_one_half(binary_trace):
    """PR chance level: 0.5, ROC AUC's chance level, is a wrong option."""
    (question,) = score_questions.ap_chance_level(binary_trace)
    chance = {o.text: o for o in question.options}
    assert not chance["0.500"].correct and "0.5" in chance["0.500"].misconception


@pytest.mark.parametrize("name, seed", [(name, seed) for name in oracles.LESSON_NAMES for seed in range(4)])
def test_ap_chance_level_counts_the_positive_rows(name, seed):
    """The prompt's 'P of the N test rows are class c' counts y_true; the odds distractor is P / (N - P)."""
    trace = oracles.lesson_trace(name, seed)[1]
    (question,) = score_questions.ap_chance_level(trace)
    y_true, _, _ = oracles.arrays(trace)
    stated = re.search(r"and (\d+) of the (\d+) test rows are class '([^']+)'", question.prompt)
    assert stated, question.prompt
    index = trace.evaluation.classes.index(stated.group(3))
    assert int(stated.group(1)) == np.sum(y_true == index) and int(stated.group(2)) == len(y_true)
    odds = {o.text for o in question.options if not o.correct and o.misconception.startswith("the ratio of positives")}
    value, share = np.sum(y_true == index) / np.sum(y_true != index), np.mean(y_true == index)
    assert odds == ({f"{value:.3f}"} if abs(value - share) >= 0.01 else set())  # within 0.01: dropped (E16)


def test_majority_baseline_distractors_are_chance_and_the_error_rate(binary_trace, multiclass_trace):
    """The constant model's wrong values: 1/k and its own error rate, recomputed from y_true."""
    for trace in (binary_trace, multiclass_trace):
        (question,) = score_questions.majority_baseline(trace)
        y_true, _, _ = oracles.arrays(trace)
        majority = np.full_like(y_true, np.bincount(y_true).argmax())
        values = {o.misconception: o.value for o in question.options}
        k = len(trace.evaluation.classes)
        assert values["a constant guess taken to score like a random guess"] == pytest.approx(1 / k)
        error = values["the constant model's error rate taken for its accuracy"]
        assert error == pytest.approx(1 - accuracy_score(y_true, majority), abs=1e-12)
