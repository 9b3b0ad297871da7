"""The Quiz section: one form per question, and the JSON the page's script checks answers with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tracegen.quiz.question import Question, answer_tolerance, shown_answer
from tracegen.trace import Trace


@dataclass(frozen=True)
class OptionView:
    """One answer option (an input inside its label), with the feedback shown when it is chosen."""

    index: int
    text: str
    feedback: str


@dataclass(frozen=True)
class QuestionView:
    """One quiz question as a form."""

    number: int
    form_id: str
    kind: str
    prompt: str
    options: tuple[OptionView, ...]
    answer_hint: str
    explanation: str


@dataclass(frozen=True)
class QuizView:
    """The Quiz section and the JSON the page's script checks answers with."""

    questions: tuple[QuestionView, ...]
    storage_key: str
    data: dict[str, Any]


def answer_hint(question: Question) -> str:
    """Return the line under a question saying what form of answer it takes ('' when none is needed)."""
    if question.kind == "numeric" and question.decimals == 0:
        return "a whole number"
    if question.kind == "numeric" and question.decimals is not None:
        return f"{question.decimals} decimal place{'s' if question.decimals != 1 else ''}"
    if question.kind == "multiple":
        return "Choose every option that applies."
    return ""


def storage_key(trace: Trace) -> str:
    """Return the localStorage key of a page's answers: lesson + trace hash, so a new seed starts fresh."""
    return f"tracegen:{trace.lesson}:{trace.hash}"


def quiz_view(questions: Sequence[Question], trace: Trace) -> QuizView:
    """Return the quiz forms and the data the page's script checks and saves answers with.

    Option texts, feedback and explanations are in the forms only; the JSON holds what the
    script needs besides them (kinds, right options, numeric answers and tolerances), so no
    text is shipped twice.
    """
    views, data = [], []
    for number, q in enumerate(questions, start=1):
        # quiz.js finds the forms by this id: "q" + (index + 1).
        form_id = f"q{number}"
        options = () if q.kind == "numeric" else tuple(
            OptionView(i, option.text, option.feedback) for i, option in enumerate(q.options))
        views.append(QuestionView(number=number, form_id=form_id, kind=q.kind, prompt=q.prompt, options=options,
                                  answer_hint=answer_hint(q), explanation=q.explanation))
        entry: dict[str, Any] = {"id": q.id, "kind": q.kind, "n_options": len(q.options)}
        if q.kind == "numeric":
            entry.update(answer=q.answer, tolerance=answer_tolerance(q), shown=shown_answer(q),
                         wrong=[{"value": o.value, "feedback": o.feedback} for o in q.options if o.value is not None])
        else:
            entry["correct"] = list(q.correct_indices)
        data.append(entry)
    key = storage_key(trace)
    return QuizView(questions=tuple(views), storage_key=key,
                    data={"key": key, "lesson": trace.lesson, "hash": trace.hash, "questions": data})
