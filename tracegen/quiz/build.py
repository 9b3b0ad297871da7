"""Building blocks of every generator: the question makers, seeded choices, and readers of the trace.

The makers enforce what every question promises: a wrong option never shows the same text as
another option (or as the answer, after display rounding), a modelled wrong value never lies
where grading would accept it, and a question left with too few wrong options is not asked.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from tracegen.quiz.question import Option, Question, default_tolerance, fmt, within
from tracegen.trace import ThresholdMetrics, Trace

MIN_WRONG = {"single": 2, "multiple": 2, "numeric": 1}

Wrong = tuple[str, str, str]          # (option text, misconception, feedback)
WrongValue = tuple[float, str, str]   # (value, misconception, feedback)
T = TypeVar("T")


# ---------------------------------------------------------------- question makers


def rng_for(trace: Trace, name: str) -> random.Random:
    """Return a random generator seeded by the lesson, the seed and a name (never global state).

    Not by the trace hash: it covers library versions, and a teacher's answer key (which option
    is B, which epoch is asked about) must survive a numpy or scikit-learn upgrade.
    """
    return random.Random(f"{trace.lesson}:{trace.seed}:{name}")


def choice_question(qid: str, prompt: str, right: Iterable[tuple[str, str]], wrong: Iterable[Wrong],
                    explanation: str, kind: str = "single") -> Question | None:
    """Return a single- or multiple-choice question, or None if too few distinct wrong options.

    `right` holds (text, feedback) pairs. A wrong option whose text repeats an earlier option's
    text is dropped: it would show the same thing twice (or a right answer as wrong).
    """
    options = [Option(text=text, correct=True, feedback=feedback) for text, feedback in right]
    seen = {option.text for option in options}
    for text, misconception, feedback in wrong:
        if text not in seen:
            seen.add(text)
            options.append(Option(text=text, correct=False, feedback=feedback, misconception=misconception))
    n_right = sum(option.correct for option in options)
    if len(options) - n_right < MIN_WRONG[kind] or (kind == "single" and n_right != 1) or n_right == 0:
        return None
    return Question(id=qid, kind=kind, prompt=prompt, options=tuple(options), explanation=explanation,
                    generator=qid)


def numeric_question(qid: str, prompt: str, answer: float, decimals: int, wrong: Iterable[WrongValue],
                     explanation: str, tolerance: float | None = None,
                     min_wrong: int = MIN_WRONG["numeric"]) -> Question | None:
    """Return a numeric question, or None if the answer is not finite or too few wrong values remain.

    A modelled wrong value is dropped when it is not finite, when it displays like the answer or
    an earlier wrong value, or when it falls inside the answer's tolerance (it would be graded right).
    """
    if not finite(answer):
        return None
    tolerance = default_tolerance(decimals) if tolerance is None else tolerance
    seen = {fmt(answer, decimals)}
    options = []
    for value, misconception, feedback in wrong:
        text = fmt(value, decimals) if finite(value) else ""
        if not text or text in seen or within(value, answer, tolerance):
            continue
        seen.add(text)
        options.append(Option(text=text, correct=False, feedback=feedback, misconception=misconception,
                              value=float(value)))
    if len(options) < min_wrong:
        return None
    return Question(id=qid, kind="numeric", prompt=prompt, options=tuple(options), explanation=explanation,
                    generator=qid, answer=float(answer), tolerance=tolerance, decimals=decimals)


def finite(value: Any) -> bool:
    """Return True for a finite int or float (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def asked(question: Question | None) -> tuple[Question, ...]:
    """Return a generator's result: the question, or nothing when the maker declined to ask it."""
    return () if question is None else (question,)


def shuffled(question: Question, trace: Trace) -> Question:
    """Return the question with choice options in an order seeded by the lesson, seed and question id."""
    if question.kind == "numeric":
        return question
    options = list(question.options)
    rng_for(trace, f"order:{question.id}").shuffle(options)
    return dataclasses.replace(question, options=tuple(options))


# ---------------------------------------------------------------- trace readers


def has_stages(trace: Trace, *names: str) -> bool:
    """Return True when the trace recorded every named stage."""
    recorded = {record.name for record in trace.stages}
    return all(name in recorded for name in names)


def split_counts(trace: Trace) -> dict[str, int]:
    """Return row counts: all, train, validation and test."""
    shapes = trace.stage("split").output_shape
    return {"all": trace.data.n_samples, "train": shapes["train"][0],
            "validation": shapes.get("validation", (0,))[0], "test": shapes["test"][0]}


def val_rows(trace: Trace) -> str:
    """Return which rows the per-epoch validation columns were measured on."""
    counts = split_counts(trace)
    if counts["validation"]:
        return f"the {counts['validation']} validation rows"
    return f"the {counts['test']} test rows, standing in for a validation split"


def positive_name(trace: Trace) -> str:
    """Return the positive class name of a binary trace."""
    ev = trace.evaluation
    return ev.classes[ev.pos_label if ev.pos_label is not None else 1]


def confusion_cells(m: ThresholdMetrics) -> tuple[int, int, int, int]:
    """Return (tn, fp, fn, tp) of a binary confusion matrix."""
    (tn, fp), (fn, tp) = m.confusion_matrix
    return tn, fp, fn, tp


def usable_thresholds(trace: Trace) -> list[ThresholdMetrics]:
    """Return the recorded thresholds where precision and recall are both defined."""
    usable = []
    for m in trace.evaluation.at_thresholds:
        tn, fp, fn, tp = confusion_cells(m)
        if tp + fp > 0 and tp + fn > 0:
            usable.append(m)
    return usable


def matrix_text(m: ThresholdMetrics) -> str:
    """Return the confusion matrix at one threshold in words."""
    tn, fp, fn, tp = confusion_cells(m)
    return f"TN = {tn}, FP = {fp}, FN = {fn}, TP = {tp}"


def class_count(trace: Trace, name: str) -> int:
    """Return how many test rows are of class `name`: its support in the classification report."""
    return int(trace.evaluation.classification_report[name]["support"])


def class_supports(trace: Trace) -> list[tuple[str, int]]:
    """Return (class name, number of test rows) for every class."""
    return [(name, class_count(trace, name)) for name in trace.evaluation.classes]


def epoch_of(values: list[float], best: Callable[[Iterable[float]], float]) -> int:
    """Return the first 1-based epoch whose value is best(values)."""
    return values.index(best(values)) + 1


def recorded(value: T | None, field: str) -> T:
    """Return an evaluation field that every trace of the generator's task records.

    Evaluation keeps binary-only and multiclass-only fields optional; a generator that applies
    to one task reads them through here, so a missing one fails loudly instead of reading None.
    """
    if value is None:
        raise ValueError(f"the trace's evaluation has no {field}")
    return value


def threshold_of(m: ThresholdMetrics) -> float:
    """Return the threshold of an `at_thresholds` row (evaluate.py sets one on every such row)."""
    return recorded(m.threshold, f"threshold for {m.rule!r}")
