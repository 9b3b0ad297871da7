"""Helpers shared by the quiz tests: lesson specs with a crafted [quiz] table, crafted trace rows."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

from tests.conftest import LESSONS
from tracegen.spec import parse_lesson
from tracegen.trace import EpochRecord, ThresholdMetrics


def front_matter(lesson: str = "precision-recall") -> dict:
    """Return a lesson's front matter as data, without its quiz table."""
    text = (LESSONS / f"{lesson}.md").read_text(encoding="utf-8")
    data = tomllib.loads(text.split("+++")[1])
    data.pop("quiz", None)
    return data


def spec_with_quiz(table: dict, lesson: str = "precision-recall"):
    """Return the lesson's spec with `table` as its [quiz] table."""
    return parse_lesson({**front_matter(lesson), "quiz": table}, Path(f"{lesson}.md"))


def numeric_table(**overrides) -> dict:
    """Return a valid hand-written numeric question table, with overrides."""
    table = {"id": "ap", "kind": "numeric", "prompt": "AP?", "explanation": "It is AP.",
             "answer": "evaluation.average_precision", "decimals": 3}
    return {**table, **overrides}


def all_questions(quizzes):
    """Yield (lesson, seed, trace, question) for every generated question."""
    for (name, seed), (trace, questions) in quizzes.items():
        for question in questions:
            yield name, seed, trace, question


def wrong_values(question):
    """Return {misconception: value} for a numeric question."""
    return {option.misconception: option.value for option in question.options}


def with_threshold(trace, tn: int, fp: int, fn: int, tp: int):
    """Return the trace with one crafted threshold row (counts chosen so misconceptions coincide)."""
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    m = ThresholdMetrics(threshold=0.5, rule="y_score >= 0.5", confusion_matrix=((tn, fp), (fn, tp)),
                         precision=precision, recall=recall, f1=2 * tp / (2 * tp + fp + fn),
                         accuracy=(tp + tn) / (tn + fp + fn + tp))
    return dataclasses.replace(trace, evaluation=dataclasses.replace(trace.evaluation, at_thresholds=(m,)))


def with_losses(trace, train, val, accuracy):
    """Return the trace with crafted per-epoch losses and validation accuracies."""
    epochs = tuple(EpochRecord(epoch=i + 1, train_loss=t, train_accuracy=0.9, val_loss=v, val_accuracy=a)
                   for i, (t, v, a) in enumerate(zip(train, val, accuracy)))
    return dataclasses.replace(trace, epochs=epochs)
