"""THE numeric rule: how a numeric answer is shown and what typed value grades as right."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, strategies as st

from tracegen.quiz.question import (
    Option,
    Question,
    answer_decimals,
    answer_tolerance,
    default_tolerance,
    is_within,
    matched_option,
    shown_answer,
    within,
)


def numeric(answer, decimals=3, tolerance=None, wrong=()):
    """Return a numeric question with the given answer, decimals, tolerance and modelled wrong values."""
    options = tuple(Option(text=f"{v}", correct=False, feedback=f"f{v}", misconception="m", value=v) for v in wrong)
    return Question(id="q", kind="numeric", prompt="?", options=options, explanation="e", generator="g",
                    answer=answer, tolerance=tolerance, decimals=decimals)


@pytest.mark.parametrize("answer, decimals, shown", [
    (200.0, 0, "200"),            # a count: a whole number, no point
    (199.5, 0, "200"),            # 199.5 is exact in binary; rounding halves to even gives 200
    (0.8269, 3, "0.827"),
    (0.0, 3, "0.000"),
    (-0.0423, 3, "-0.042"),       # a difference can be negative
    (1 / 3, 10, "0.3333333333"),  # hand-written questions may ask for up to 10 decimals
    (0.456, None, "0.46"),        # a Question without decimals shows 2, like a hand-written default
])
def test_shown_answer_rounds_to_the_question_decimals(answer, decimals, shown):
    """The answer is shown to exactly the question's decimals (2 when it sets none)."""
    assert shown_answer(numeric(answer, decimals)) == shown


def test_shown_answer_needs_a_numeric_answer():
    """A choice question has no numeric answer to show."""
    with pytest.raises(ValueError, match="no numeric answer"):
        shown_answer(Question(id="c", kind="single", prompt="?", options=(), explanation="e", generator="g"))


@pytest.mark.parametrize("decimals, tolerance, expected", [
    (0, None, 0.5), (3, None, 0.0005), (None, None, 0.005), (3, 0.001, 0.001), (3, 0.0, 0.0)])
def test_tolerance_defaults_to_half_a_unit_of_the_last_decimal(decimals, tolerance, expected):
    """An unset tolerance is half a unit of the last shown decimal; a set one, even 0, is kept."""
    question = numeric(0.5, decimals, tolerance)
    assert answer_tolerance(question) == expected
    assert answer_decimals(question) == (2 if decimals is None else decimals)
    if tolerance is None:
        assert expected == default_tolerance(answer_decimals(question))


@pytest.mark.parametrize("value, right", [
    (200.0, True), (200.5, True), (199.5, True),   # half a unit either side of a whole number counts
    (200.51, False), (199.49, False), (201.0, False),
])
def test_integer_answers_accept_half_a_unit(value, right):
    """A count shown with 0 decimals accepts anything that rounds to it, and nothing further."""
    assert is_within(numeric(200.0, 0), value) is right


@pytest.mark.parametrize("value, right", [
    (0.8269, True), (0.827, True),
    (0.8274, True), (0.8264, True),    # exactly at the edge: 0.8274 - 0.8269 is 0.00050000000000006 in floats
    (0.82741, False), (0.82639, False), (0.8280, False),
])
def test_tolerance_edges_count_despite_float_rounding(value, right):
    """A value exactly one tolerance away is right even when float subtraction puts it a hair further."""
    assert abs(0.8274 - 0.8269) > 0.0005  # the float hair this rule allows for
    assert is_within(numeric(0.8269, 3), value) is right


def test_zero_tolerance_accepts_only_the_value_up_to_float_noise():
    """With tolerance 0 the exact value and float noise count; a visible difference does not."""
    question = numeric(0.1 + 0.2, 4, tolerance=0.0)
    assert is_within(question, 0.3)          # 0.1 + 0.2 is 0.30000000000000004
    assert not is_within(question, 0.3001)
    assert not is_within(question, 0.3 + 1e-9)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_values_are_never_right(value):
    """NaN and infinities grade as wrong, even against a huge tolerance."""
    assert not is_within(numeric(0.5, 0, tolerance=1e300), value)
    assert not within(value, 0.5, 1e300)


def test_a_choice_question_grades_no_number_right():
    """Without a numeric answer nothing is within it."""
    question = Question(id="c", kind="single", prompt="?", options=(), explanation="e", generator="g")
    assert not is_within(question, 0.0)


def test_matched_option_is_the_first_wrong_value_within_the_tolerance():
    """A typed value is matched to the first modelled wrong value it is within the tolerance of."""
    question = numeric(0.8269, 3, wrong=(0.7049, 0.9, 0.7053))
    assert matched_option(question, 0.705).value == 0.7049
    assert matched_option(question, 0.7055).value == 0.7053
    assert matched_option(question, 0.8) is None


@given(st.floats(-1e4, 1e4), st.integers(0, 6))
def test_the_shown_answer_always_grades_right(answer, decimals):
    """Typing the answer exactly as shown is always accepted, including halfway cases."""
    question = numeric(answer, decimals)
    assert is_within(question, float(shown_answer(question)))


@given(st.floats(-1, 1), st.integers(0, 10))
def test_the_shown_answer_of_a_share_always_grades_right(answer, decimals):
    """Shares shown with up to 10 decimals pass too."""
    question = numeric(answer, decimals)
    assert is_within(question, float(shown_answer(question)))


def test_the_page_script_grades_with_the_same_slack():
    """quiz.js cannot import Python: its tolerance line must use question.py's two slacks, so that
    the page, the terminal and the exports accept the same numbers."""
    from pathlib import Path

    from tracegen.html.env import TEMPLATES_DIR
    from tracegen.quiz.question import ABSOLUTE_SLACK, RELATIVE_SLACK

    script = (Path(TEMPLATES_DIR) / "static" / "quiz.js").read_text(encoding="utf-8")
    assert (RELATIVE_SLACK, ABSOLUTE_SLACK) == (1e-9, 1e-12)  # the literals below
    assert "tol = q.tolerance * (1 + 1e-9) + 1e-12;" in script
