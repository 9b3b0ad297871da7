"""The question makers and trace readers every generator is built from."""

from __future__ import annotations

import dataclasses
import math
import random

import numpy as np
from sklearn.metrics import confusion_matrix

from tracegen import quiz
from tracegen.quiz.build import (
    choice_question,
    class_count,
    confusion_cells,
    numeric_question,
    rng_for,
    shuffled,
    split_counts,
    usable_thresholds,
)
from tracegen.quiz.question import is_within


def test_numeric_question_drops_values_inside_the_tolerance():
    """A modelled value within the tolerance, or displaying like another, is dropped; none left -> None."""
    question = numeric_question("q", "?", 0.8269, 3, [(0.8271, "a", "fa"), (0.7049, "b", "fb"),
                                                      (0.70491, "c", "fc"), (math.nan, "d", "fd")], "e")
    assert [o.text for o in question.options] == ["0.705"]
    assert numeric_question("q", "?", 0.5, 2, [(0.5, "a", "fa")], "e") is None
    assert numeric_question("q", "?", math.inf, 2, [(0.1, "a", "fa")], "e") is None


def test_numeric_question_drops_a_value_that_grading_would_accept():
    """A wrong value one tolerance away (a float hair beyond it) shows differently but grades right: dropped."""
    assert abs(0.502 - 0.5) > 0.002  # the hair: a plain comparison would keep 0.502 as a wrong option
    question = numeric_question("q", "?", 0.5, 3, [(0.502, "a", "fa"), (0.6, "b", "fb")], "e", tolerance=0.002)
    assert [o.text for o in question.options] == ["0.600"]
    assert all(not is_within(question, o.value) for o in question.options)


def test_choice_question_drops_repeated_texts():
    """A wrong option repeating the right option's text is dropped; too few left gives None."""
    question = choice_question("q", "?", [("0.305", "right")],
                               [("0.500", "m1", "f1"), ("0.305", "m2", "f2"), ("0.695", "m3", "f3")], "e")
    assert [o.text for o in question.options] == ["0.305", "0.500", "0.695"]
    assert choice_question("q", "?", [("0.5", "r")], [("0.5", "m", "f"), ("0.6", "m", "f")], "e") is None


def test_a_single_choice_question_needs_exactly_one_right_option():
    """Two right options make no single-choice question; as multiple choice they do."""
    right = [("a", "r"), ("b", "r")]
    wrong = [("c", "m", "f"), ("d", "m", "f")]
    assert choice_question("q", "?", right, wrong, "e") is None
    assert choice_question("q", "?", right, wrong, "e", kind="multiple").correct_indices == (0, 1)


def test_shuffled_is_seeded_by_lesson_seed_and_id_and_keeps_numeric_questions(binary_trace):
    """Option order depends only on lesson, seed and question id; numeric options keep their order."""
    question = choice_question("q", "?", [("a", "r")], [(t, "m", "f") for t in "bcdefg"], "e")
    first = shuffled(question, binary_trace)
    assert first == shuffled(question, binary_trace)
    assert sorted(o.text for o in first.options) == list("abcdefg")
    expected = list(question.options)
    random.Random(f"{binary_trace.lesson}:{binary_trace.seed}:order:q").shuffle(expected)
    assert list(first.options) == expected
    numeric = numeric_question("n", "?", 0.5, 2, [(0.9, "m", "f"), (0.1, "m", "f")], "e")
    assert shuffled(numeric, binary_trace) is numeric


def test_an_answer_key_survives_a_library_upgrade(binary_spec, binary_trace):
    """Another numpy or scikit-learn changes the trace hash but not which option comes first or which point is asked."""
    upgraded = dataclasses.replace(binary_trace, hash="0" * 64,
                                   versions={**binary_trace.versions, "scikit-learn": "99.0"})
    questions = quiz.make_questions(binary_spec, binary_trace)
    assert len(questions) >= 5
    assert questions == quiz.make_questions(binary_spec, upgraded)
    assert rng_for(upgraded, "pr_curve_point").random() == rng_for(binary_trace, "pr_curve_point").random()
    other_seed = dataclasses.replace(binary_trace, seed=binary_trace.seed + 1)
    assert rng_for(other_seed, "x").random() != rng_for(binary_trace, "x").random()


def test_trace_readers_agree_with_the_arrays(binary_trace, multiclass_trace):
    """Row counts, class counts and confusion cells read from the trace match counts over y_true / y_pred."""
    for trace in (binary_trace, multiclass_trace):
        ev = trace.evaluation
        y_true = np.array(ev.y_true)
        counts = split_counts(trace)
        assert counts["test"] == len(y_true)
        assert counts["train"] + counts["validation"] + counts["test"] == trace.data.n_samples
        assert [class_count(trace, name) for name in ev.classes] == np.bincount(y_true).tolist()
    y_true, y_score = np.array(binary_trace.evaluation.y_true), np.array(binary_trace.evaluation.y_score)
    for m in usable_thresholds(binary_trace):
        y_pred = (y_score >= m.threshold).astype(int)
        assert confusion_cells(m) == tuple(confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel())
        assert y_pred.sum() > 0 and y_true.sum() > 0
