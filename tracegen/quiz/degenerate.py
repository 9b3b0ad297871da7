"""Questions that cannot teach on one trace, found with quiz.question's grading rule, and dropped.

A question cannot teach when grading or its options give the answer away or make it unanswerable:

- a modelled wrong value (numeric distractor) lies within the tolerance, so it grades as right;
- the tolerance accepts 0, or the answer with its sign flipped, while the answer does not show as 0;
- it asks what an earlier question that can teach asks (the same prompt) and has the same answer;
- a generated choice question is left with fewer than MIN_CHOICE_OPTIONS options (its wrong options
  are dropped per trace); a hand-written one, whose options the teacher chose, with fewer than 2;
- two options of a choice question show the same text;
- two right options state opposite things (quiz.words.contradict: they differ only by opposite
  direction words, such as rose / fell, or by a "not").

Hand-written numeric distractors that fall within the tolerance are dropped by the question
maker before a Question exists, so they are found again here from the lesson's tables: the
teacher wrote that distractor, and without it the question no longer asks what they meant.
The site and the terminal drop every question found here; `tracegen check` reports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tracegen.expressions import ExpressionError, evaluate_expression
from tracegen.quiz.build import finite
from tracegen.quiz.question import Question, answer_decimals, answer_tolerance, fmt, shown_answer, within
from tracegen.quiz.words import contradict
from tracegen.spec import LessonSpec
from tracegen.spec.questions import question_id
from tracegen.trace import Trace

MIN_CHOICE_OPTIONS = 3
# A teacher's yes/no question is a fair question; it only breaks with one option.
MIN_HAND_WRITTEN_OPTIONS = 2
# (question id, why it cannot teach)
Finding = tuple[str, str]


def degenerate_questions(questions: Sequence[Question], spec: LessonSpec | None = None,
                         trace: Trace | None = None) -> list[Finding]:
    """Return (id, reason) for every question of one trace that cannot teach, in question order.

    With the lesson and its trace, hand-written numeric distractors dropped for being graded
    right are found too. A question can appear more than once, once per reason.
    """
    written = _hand_written_distractors(spec, trace) if spec is not None and trace is not None else {}
    findings: list[Finding] = []
    asked: dict[tuple[str, str, Any], str] = {}
    for question in questions:
        reasons = (_numeric_reasons(question, written.get(question.id, ())) if question.kind == "numeric"
                   else _choice_reasons(question))
        key = (question.kind, question.prompt, _answer_key(question))
        if key in asked:
            reasons.append(f"same prompt and answer as question '{asked[key]}'")
        elif not reasons:  # a question dropped for another reason leaves its twin to be asked
            asked[key] = question.id
        findings += [(question.id, reason) for reason in reasons]
    return findings


def teaching_questions(questions: Sequence[Question], spec: LessonSpec | None = None,
                       trace: Trace | None = None) -> tuple[Question, ...]:
    """Return the questions that can teach, in their order (the same for the same trace)."""
    dropped = {qid for qid, _ in degenerate_questions(questions, spec, trace)}
    return tuple(question for question in questions if question.id not in dropped)


def _answer_key(question: Question) -> Any:
    if question.kind == "numeric":
        return shown_answer(question)
    return tuple(sorted(option.text for option in question.options if option.correct))


def _numeric_reasons(question: Question, written: Sequence[tuple[str, float]]) -> list[str]:
    assert question.answer is not None
    answer, tolerance, decimals = question.answer, answer_tolerance(question), answer_decimals(question)
    shown = shown_answer(question)
    reasons = []
    values = [(option.misconception or option.text, option.value) for option in question.options
              if option.value is not None]
    for name, value in [*values, *written]:
        if within(value, answer, tolerance):
            reasons.append(f"distractor {fmt(value, decimals)} ({name}) grades as right: answer {shown} "
                           f"+- {tolerance:g}")
    # A tolerance that accepts -answer (2|answer| <= tolerance) accepts 0 as well, so one test finds both.
    if float(shown) != 0 and within(0.0, answer, tolerance):
        flipped = f" and {fmt(-answer, decimals)}" if within(-answer, answer, tolerance) else ""
        reasons.append(f"tolerance {tolerance:g} grades 0{flipped} as right: answer {shown}")
    return reasons


def _choice_reasons(question: Question) -> list[str]:
    reasons = []
    needed = MIN_HAND_WRITTEN_OPTIONS if question.generator == "hand-written" else MIN_CHOICE_OPTIONS
    if len(question.options) < needed:
        reasons.append(f"{len(question.options)} options; this choice question needs at least {needed}")
    texts = [option.text for option in question.options]
    repeated = sorted({text for text in texts if texts.count(text) > 1})
    if repeated:
        reasons.append(f"option text shown twice: {repeated[0]!r}")
    right = [option.text for option in question.options if option.correct]
    reasons += [f"right options contradict each other: {a!r} and {b!r}"
                for i, a in enumerate(right) for b in right[i + 1:] if contradict(a, b)]
    return reasons


def _hand_written_distractors(spec: LessonSpec, trace: Trace) -> dict[str, list[tuple[str, float]]]:
    """Return, per hand-written numeric question id, its distractors' (misconception, value) on `trace`."""
    found: dict[str, list[tuple[str, float]]] = {}
    for index, table in enumerate(spec.quiz.questions):
        if table.get("kind") != "numeric":
            continue
        values = found.setdefault(question_id(index, table), [])
        for option in table.get("options", []):
            try:
                value = evaluate_expression(option["value"], trace)
            except ExpressionError:
                continue  # make_questions reports it, naming the field
            if finite(value):
                values.append((option["misconception"], float(value)))
    return found
