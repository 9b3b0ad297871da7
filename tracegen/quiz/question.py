"""Question records, and THE rule for numeric answers: how a value is shown and what grades as right.

A question is plain frozen data: everything needed to ask it, check an answer and explain
the result, with every number already read from the trace.

Every output uses the one rule below: the lesson page (and the data its script grades with),
the terminal quiz, and the GIFT and QTI exports state a numeric answer as `shown_answer` and
accept a typed value when `is_within` says so; the quiz engine drops a modelled wrong value
that `within` would accept, so no wrong option is ever graded right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tracegen.spec.questions import DEFAULT_DECIMALS

# The shown answer is the exact one rounded, so it can sit exactly one tolerance away, and float
# subtraction can put it a hair further: grading allows that hair, relative plus absolute (the
# absolute part matters when the tolerance is 0).
RELATIVE_SLACK = 1e-9
ABSOLUTE_SLACK = 1e-12


@dataclass(frozen=True)
class Option:
    """One answer option, or for numeric questions one modelled wrong value.

    `misconception` names the mistake a wrong option models (None for right options);
    `feedback` is shown when this option is chosen.
    """

    text: str
    correct: bool
    feedback: str
    misconception: str | None = None
    value: float | None = None


@dataclass(frozen=True)
class Question:
    """One computed or hand-written question.

    For kind "numeric", `answer` is the right value, `tolerance` the accepted absolute error
    (by default half a unit of the last displayed decimal: 2 dp accepts +-0.005) and
    `options` lists the misconception values with their feedback.

    `needs_table` names the table or figure of the lesson page a question is read from ("the
    epoch table"), None when the prompt holds every number it needs; `table` holds the rows the
    question needs as plain text lines (quiz.tables), so an output without the page (the terminal
    quiz, an LMS export) can carry them. A question that needs a table but carries no rows is left
    out of exports.
    """

    id: str
    kind: str
    prompt: str
    options: tuple[Option, ...]
    explanation: str
    generator: str
    answer: float | None = None
    tolerance: float | None = None
    decimals: int | None = None
    needs_table: str | None = None
    table: tuple[str, ...] = ()

    @property
    def correct_indices(self) -> tuple[int, ...]:
        """Return the indices of the right options (single and multiple choice)."""
        return tuple(i for i, option in enumerate(self.options) if option.correct)


def default_tolerance(decimals: int) -> float:
    """Return the tolerance implied by showing a value to `decimals` places (2 -> 0.005)."""
    return 0.5 * 10.0 ** (-decimals)


def fmt(value: float, decimals: int) -> str:
    """Return `value` shown to `decimals` places, as every question displays numbers."""
    return f"{value:.{decimals}f}"


def answer_decimals(question: Question) -> int:
    """Return how many decimals a numeric question shows its numbers with."""
    return DEFAULT_DECIMALS if question.decimals is None else question.decimals


def answer_tolerance(question: Question) -> float:
    """Return the absolute error a numeric question accepts (default: half a unit of its last decimal)."""
    if question.tolerance is not None:
        return question.tolerance
    return default_tolerance(answer_decimals(question))


def shown_answer(question: Question) -> str:
    """Return a numeric question's answer as every output states it: to the question's decimals."""
    if question.answer is None:
        raise ValueError(f"question {question.id!r} has no numeric answer")
    return fmt(question.answer, answer_decimals(question))


def within(value: float, target: float, tolerance: float) -> bool:
    """Return True when `value` is within `tolerance` of `target`, allowing float rounding."""
    return math.isfinite(value) and abs(value - target) <= tolerance * (1 + RELATIVE_SLACK) + ABSOLUTE_SLACK


def is_within(question: Question, value: float) -> bool:
    """Return True when a typed `value` grades as the numeric question's right answer."""
    return question.answer is not None and within(value, question.answer, answer_tolerance(question))


def matched_option(question: Question, value: float) -> Option | None:
    """Return the first modelled wrong value that a typed `value` matches within the tolerance, if any."""
    tolerance = answer_tolerance(question)
    return next((option for option in question.options
                 if option.value is not None and within(value, option.value, tolerance)), None)
