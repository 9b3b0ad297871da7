"""Hand-written questions on one trace: every expression in a [[quiz.questions]] table evaluated.

The tables' shapes were checked before the run (tracegen.spec.questions); what can only
fail on a trace (an expression naming a missing field, a non-finite answer, two options that
show the same text on this run) is a SpecError naming the field here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from tracegen.errors import SpecError
from tracegen.expressions import ExpressionError, evaluate_expression, substitute
from tracegen.quiz.build import finite, numeric_question
from tracegen.quiz.question import DEFAULT_DECIMALS, Option, Question
from tracegen.spec import LessonSpec
from tracegen.spec.questions import question_id
from tracegen.trace import Trace


def hand_written(spec: LessonSpec, trace: Trace) -> tuple[Question, ...]:
    """Return the lesson's hand-written questions with every expression evaluated on `trace`.

    The tables must have passed check_hand_written.
    """
    return tuple(_hand_written_one(spec, index, table, trace) for index, table in enumerate(spec.quiz.questions))


def _hand_written_one(spec: LessonSpec, index: int, table: Mapping[str, Any], trace: Trace) -> Question:
    where = f"quiz.questions[{index}]"

    def text(field: str, value: str) -> str:
        try:
            return substitute(value, trace, escape=False)
        except ExpressionError as exc:
            raise SpecError(spec.path, f"{where}.{field}", str(exc)) from None

    def number(field: str, expression: str) -> float:
        try:
            value = evaluate_expression(expression, trace)
        except ExpressionError as exc:
            raise SpecError(spec.path, f"{where}.{field}", str(exc)) from None
        if not finite(value):
            raise SpecError(spec.path, f"{where}.{field}",
                            f"{expression!r} gives {value!r} on this run; expected a finite number")
        return float(value)

    qid = question_id(index, table)
    prompt, explanation = text("prompt", table["prompt"]), text("explanation", table["explanation"])
    options = table.get("options", [])
    if table["kind"] == "numeric":
        decimals = table.get("decimals", DEFAULT_DECIMALS)
        tolerance = float(table["tolerance"]) if "tolerance" in table else None
        wrong = [(number(f"options[{i}].value", o["value"]), o["misconception"],
                  text(f"options[{i}].feedback", o["feedback"])) for i, o in enumerate(options)]
        question = numeric_question(qid, prompt, number("answer", table["answer"]), decimals, wrong,
                                    explanation, tolerance=tolerance, min_wrong=0)
        assert question is not None  # the answer was checked finite above
    else:
        built = [Option(text=text(f"options[{i}].text", o["text"]), correct=o["correct"],
                        feedback=text(f"options[{i}].feedback", o["feedback"]),
                        misconception=o.get("misconception")) for i, o in enumerate(options)]
        texts = [option.text for option in built]
        if len(set(texts)) != len(texts):
            duplicate = next(t for t in texts if texts.count(t) > 1)
            raise SpecError(spec.path, f"{where}.options",
                            f"two options show the same text on this run: {duplicate!r}")
        question = Question(id=qid, kind=table["kind"], prompt=prompt, options=tuple(built),
                            explanation=explanation, generator=qid)
    return dataclasses.replace(question, generator="hand-written")
