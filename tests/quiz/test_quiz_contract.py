"""The contract every generated question keeps, over every lesson and 20 seeds: answers equal scikit-learn's."""

from __future__ import annotations

import math

from tests import quiz_oracles as oracles
from tests.quiz.quiz_helpers import all_questions
from tracegen import quiz
from tracegen.quiz.question import default_tolerance, fmt, is_within, shown_answer


def test_no_question_ever_shows_two_identical_options(quizzes):
    """Across 20 seeds of every lesson, option texts are distinct and never display like the answer."""
    for name, seed, _, question in all_questions(quizzes):
        texts = [option.text for option in question.options]
        if question.kind == "numeric":
            texts.append(f"{question.answer:.{question.decimals}f}")
        assert len(texts) == len(set(texts)), (name, seed, question.id, texts)


def test_every_numeric_answer_is_finite(quizzes):
    """Across 20 seeds of every lesson, every numeric answer and modelled wrong value is finite."""
    numeric = [q for *_, q in all_questions(quizzes) if q.kind == "numeric"]
    assert numeric
    for question in numeric:
        assert math.isfinite(question.answer) and math.isfinite(question.tolerance)
        assert all(math.isfinite(option.value) for option in question.options)


def test_every_answer_matches_scikit_learn(quizzes):
    """Across 20 seeds, each right answer equals one recomputed from y_true / y_score with scikit-learn."""
    checked = set()
    for _, _, trace, question in all_questions(quizzes):
        oracles.check_answer(trace, question)
        checked.add(question.id)
    checked |= oracles.check_unlisted_generators([trace for trace, _ in quizzes.values()], checked)
    # Every generator, and every hand-written question, was exercised at least once (the catalogue's
    # generators need the catalogue lessons' evaluations; tests/test_catalogue.py exercises them).
    assert set(quiz.GENERATORS) - set(oracles.CATALOGUE_GENERATORS) | {"pr-sentinel", "ap-above-chance", "gini",
                                                                               "auc-over-recall", "pr-reading"} \
        <= checked


def test_full_length_lessons_match_scikit_learn(binary_trace, multiclass_trace, binary_spec, multiclass_spec):
    """At the lessons' own seeds and epoch counts, every answer matches the oracle."""
    for spec, trace in ((binary_spec, binary_trace), (multiclass_spec, multiclass_trace)):
        questions = quiz.make_questions(spec, trace)
        assert len(questions) >= 6
        for question in questions:
            oracles.check_answer(trace, question)


def test_every_option_carries_feedback_and_wrong_ones_name_a_misconception(quizzes):
    """Right options have feedback; wrong ones also name the misconception they model."""
    for *_, question in all_questions(quizzes):
        assert question.prompt.strip() and question.explanation.strip()
        for option in question.options:
            assert option.feedback.strip(), (question.id, option)
            if option.correct:
                assert option.misconception is None
            else:
                assert option.misconception and option.misconception.strip(), (question.id, option)


def test_kinds_have_the_right_shape(quizzes):
    """Single: one right option; multiple: at least one; numeric: wrong values outside the tolerance."""
    kinds = set()
    for *_, question in all_questions(quizzes):
        kinds.add(question.kind)
        right = question.correct_indices
        if question.kind == "single":
            assert len(right) == 1 and len(question.options) >= 3
        elif question.kind == "multiple":
            assert 1 <= len(right) < len(question.options)
        else:
            assert not right and question.decimals is not None
            assert question.tolerance >= default_tolerance(question.decimals) - 1e-15
            for option in question.options:
                assert abs(option.value - question.answer) > question.tolerance
                assert option.text == f"{option.value:.{question.decimals}f}"
    assert kinds == {"single", "multiple", "numeric"}


def test_no_modelled_wrong_value_is_graded_right(quizzes):
    """Grading by the one rule rejects every modelled wrong value and accepts the answer as shown."""
    for *_, question in all_questions(quizzes):
        if question.kind != "numeric":
            continue
        assert is_within(question, question.answer)
        assert is_within(question, float(shown_answer(question))), (question.id, question.answer)
        for option in question.options:
            assert not is_within(question, option.value), (question.id, option)
            assert option.text == fmt(option.value, question.decimals)
