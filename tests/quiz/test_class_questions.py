"""Generators about classes: their modelled wrong values recomputed with scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, precision_score, top_k_accuracy_score

from tests import quiz_oracles as oracles
from tests.quiz.quiz_helpers import wrong_values
from tracegen.quiz import class_questions


@pytest.mark.parametrize("seed", range(4))
def test_top_k_distractors_are_top_1_the_error_and_chance(seed):
    """Top-k: plain accuracy, the top-k error and k / n_classes are the modelled wrong values."""
    trace = oracles.lesson_trace("multiclass-roc", seed)[1]
    (question,) = class_questions.top_k_accuracy(trace)
    y_true, y_score, y_pred = oracles.arrays(trace)
    k = int(oracles.param(r"top-(\d+) accuracy", question.prompt))
    labels = np.arange(len(trace.evaluation.classes))
    values = wrong_values(question)
    assert values["only the single most probable class counted"] == pytest.approx(accuracy_score(y_true, y_pred))
    error = 1 - top_k_accuracy_score(y_true, y_score, k=k, labels=labels)
    assert values["the top-k error taken for the top-k accuracy"] == pytest.approx(error, abs=1e-12)
    assert values["the chance level taken for the model's score"] == pytest.approx(k / len(labels))


@pytest.mark.parametrize("name", oracles.LESSON_NAMES)
def test_normalized_diagonal_distractors_are_precision_and_the_share_of_all_rows(name):
    """The column-normalized cell is the class's precision; the count share divides by every test row."""
    trace = oracles.lesson_trace(name, 2)[1]
    (question,) = class_questions.normalized_diagonal(trace)
    y_true, _, y_pred = oracles.arrays(trace)
    c = trace.evaluation.classes.index(oracles.param(r"diagonal cell of class (\S+)\?", question.prompt))
    values = wrong_values(question)
    swapped = values.get("row and column normalization swapped")
    if swapped is not None:  # dropped when precision happens to display like recall
        assert swapped == pytest.approx(precision_score(y_true == c, y_pred == c), abs=1e-12)
    share = np.sum((y_true == c) & (y_pred == c)) / len(y_true)
    assert values["divided by every test row instead of the class's row"] == pytest.approx(share, abs=1e-12)
