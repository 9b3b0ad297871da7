"""tracegen from Python and Jupyter: run a lesson, or evaluate any fitted model or its predictions.

Every function returns a Trace, the same record a lesson page and its quiz are built from:

    >>> import tracegen
    >>> trace = tracegen.from_predictions([0, 1, 1, 0], [0.2, 0.9, 0.4, 0.3])
    >>> round(trace.evaluation.roc_auc, 4), trace.evaluation.confusion_matrix
    (1.0, ((2, 0), (1, 1)))

The metrics are scikit-learn's, computed in tracegen.pipeline.evaluate as for a lesson run.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

import numpy as np

import tracegen.html.notebook  # noqa: F401  (gives every Trace its Jupyter view)
from tracegen.errors import DataError
from tracegen.pipeline.predictions import PROBABILITY_SUM_TOLERANCE, Predictions, evaluation_trace
from tracegen.resources import BUILT_IN_LESSONS
from tracegen.spec import LessonSpec, load_lesson
from tracegen.trace import Trace, frozen

if TYPE_CHECKING:
    from tracegen.quiz.question import Question

__all__ = ["from_estimator", "from_predictions", "load_lesson", "questions", "render_page", "run", "take_quiz"]


def run(lesson: str | Path | LessonSpec, *, seed: int | None = None, epochs: int | None = None) -> Trace:
    """Run a lesson (a LessonSpec, a lesson file, or the name of a built-in lesson) and return its trace."""
    from tracegen import pipeline

    lesson = _lesson_spec(lesson)
    if epochs is not None:
        lesson = pipeline.with_epochs(lesson, epochs)
    return pipeline.run(lesson, seed=seed)


def from_predictions(y_true: Sequence[Any] | np.ndarray, y_score: Sequence[Any] | np.ndarray, *,
                     labels: Sequence[Any] | None = None, name: str = "predictions") -> Trace:
    """Return the evaluation-only trace of a model's predictions, as `build --predictions` makes.

    `y_score` is the probability of the positive class (`labels[1]`, binary) or one column of
    probabilities per label. `labels` defaults to the sorted distinct values of `y_true`, as
    scikit-learn orders `classes_`. Labels are predicted by the highest probability.
    """
    classes, y = _labels(y_true, labels, name)
    proba = _probabilities(np.asarray(y_score, dtype=np.float64), len(classes), name)
    if len(proba) != len(y):
        raise DataError(name, "y_score", f"{len(proba)} scores for {len(y)} labels; give one per row")
    return evaluation_trace(_predictions(y, proba, classes, name), name, _fingerprint(y, proba))


def from_estimator(estimator: Any, X_test: Any, y_test: Sequence[Any] | np.ndarray, *,
                   name: str | None = None) -> Trace:
    """Return the evaluation-only trace of a fitted scikit-learn classifier (or Pipeline) on test rows.

    Probabilities come from `estimator.predict_proba`, labels from its own `predict`, classes in
    the order of `estimator.classes_`. A DataFrame's column names are kept as feature names.
    """
    if not hasattr(estimator, "predict_proba") or not hasattr(estimator, "classes_"):
        raise DataError(type(estimator).__name__, "estimator", "needs a fitted classifier with predict_proba "
                        "and classes_ (for a model without probabilities, pass scores to from_predictions)")
    name = name or _estimator_name(estimator)
    classes = tuple(str(c) for c in estimator.classes_)
    _, y = _labels(y_test, list(estimator.classes_), name)
    proba = _probabilities(np.asarray(estimator.predict_proba(X_test), dtype=np.float64), len(classes), name)
    predicted = [str(label) for label in estimator.predict(X_test)]
    y_pred = np.array([classes.index(label) for label in predicted])
    columns = getattr(X_test, "columns", None)
    features = tuple(str(c) for c in columns) if columns is not None else tuple(
        str(c) for c in getattr(estimator, "feature_names_in_", ()))
    return evaluation_trace(_predictions(y, proba, classes, name), name, _fingerprint(y, proba), y_pred=y_pred,
                            feature_names=features)


def render_page(trace: Trace, out: str | Path, *, reproducible: bool = False) -> Path:
    """Write the page of a from_predictions / from_estimator trace into folder `out`; return its index.html.

    The page is the one `tracegen build --predictions` makes (evaluation sections and a quiz computed
    from the trace, trace.json and the static files), and opens from disk with no network. `out` is
    replaced as a whole, as a build replaces its site, and only if it is new, empty or a tracegen site.
    """
    from tracegen import site

    if trace.epochs:
        raise DataError(trace.lesson, "trace", "is a lesson run; its page is built from the lesson: "
                        f"tracegen build {trace.lesson} --seed {trace.seed}")
    report = site.build_trace_page(trace, Path(out), reproducible=reproducible)
    return report.out / "index.html"


def questions(trace: Trace, *, lesson: str | Path | LessonSpec | None = None) -> tuple[Question, ...]:
    """Return the questions the trace's page asks: a predictions page's, or its lesson page's for a lesson run.

    A lesson run's questions come from its lesson (default: the built-in lesson the trace names),
    which must be the lesson the trace ran.
    """
    from tracegen import quiz as quizzes

    if not trace.epochs:
        return quizzes.prediction_questions(trace)
    from tracegen.site.pages import site_questions

    spec = _lesson_spec(trace.lesson if lesson is None else lesson)
    if frozen(spec.pipeline_dict()) != trace.spec:
        raise DataError(spec.path, "lesson", f"is not the lesson trace {trace.hash[:12]} ran (give the LessonSpec "
                        "it ran, e.g. with the same epochs)")
    quizzes.check_quiz(spec)
    return site_questions(spec, trace)


def take_quiz(trace: Trace, answers: dict[str, Any] | None = None, *,
              lesson: str | Path | LessonSpec | None = None, stdin: TextIO | None = None,
              stdout: TextIO | None = None) -> tuple[int, int]:
    """Take the trace's quiz as `tracegen quiz` asks it; return (score, number of questions).

    With `answers` ({question id: a number, an option number or a list of them}, as an answers
    file holds them) the questions are graded without asking. Otherwise each answer is read with
    input() (a box in Jupyter), or from `stdin`.
    """
    from tracegen.terminal.quiz import checked_answers, run_quiz

    asked = questions(trace, lesson=lesson)
    graded = checked_answers(answers, asked, "answers") if answers is not None else None
    # run_quiz reads only readline() and isatty(), which _InputLines has.
    return run_quiz(asked, stdin or cast(TextIO, _InputLines()), stdout or sys.stdout, graded)


class _InputLines:
    """Lines read with input(), which Jupyter answers with an input box (its sys.stdin reads nothing)."""

    def readline(self) -> str:
        try:
            return input() + "\n"
        except EOFError:
            return ""

    def isatty(self) -> bool:
        return True  # the typed answer is already on screen: not echoed again


def _lesson_spec(lesson: str | Path | LessonSpec) -> LessonSpec:
    if isinstance(lesson, LessonSpec):
        return lesson
    path = Path(lesson)
    if path.suffix != ".md" and not path.exists():
        path = BUILT_IN_LESSONS / f"{lesson}.md"
    return load_lesson(path)


def _labels(y_true: Any, labels: Sequence[Any] | None, name: str) -> tuple[tuple[str, ...], np.ndarray]:
    """Return (class names, y_true as indices into them)."""
    values = [str(v) for v in np.asarray(y_true).ravel().tolist()]
    if not values:
        raise DataError(name, "y_true", "no rows")
    classes = tuple(str(c) for c in labels) if labels is not None else tuple(
        str(c) for c in np.unique(np.asarray(y_true)).tolist())
    if len(classes) < 2 or len(set(classes)) != len(classes):
        raise DataError(name, "labels", f"need at least 2 distinct labels, got {list(classes)[:6]}")
    unknown = sorted(set(values) - set(classes))
    if unknown:
        raise DataError(name, "y_true", f"labels not among the classes {list(classes)[:6]}: {unknown[:6]}")
    return classes, np.array([classes.index(v) for v in values])


def _probabilities(scores: np.ndarray, n_classes: int, name: str) -> np.ndarray:
    """Return (n, n_classes) probabilities from a positive-class score column or a probability matrix."""
    if scores.ndim == 1 and n_classes == 2:
        scores = np.column_stack([1 - scores, scores])
    if scores.ndim != 2 or scores.shape[1] != n_classes:
        raise DataError(name, "y_score", f"expected one score per row (binary) or {n_classes} probability "
                        f"columns, got shape {scores.shape}")
    if not np.all(np.isfinite(scores)) or np.any((scores < 0) | (scores > 1)):
        raise DataError(name, "y_score", "scores must be probabilities in [0, 1]")
    if np.any(np.abs(scores.sum(axis=1) - 1) > PROBABILITY_SUM_TOLERANCE):
        raise DataError(name, "y_score", f"each row's probabilities must sum to 1 (tolerance "
                        f"{PROBABILITY_SUM_TOLERANCE:g})")
    return scores


def _predictions(y: np.ndarray, proba: np.ndarray, classes: tuple[str, ...], name: str) -> Predictions:
    binary = len(classes) == 2
    source = f"{name} (positive class {classes[1]})" if binary else name
    return Predictions(y_true=y, proba=proba, classes=classes, source=source,
                       raw_shape=(len(y), 2 if binary else len(classes) + 1))


def _fingerprint(y: np.ndarray, proba: np.ndarray) -> str:
    digest = hashlib.sha256(np.ascontiguousarray(y, dtype=np.int64).tobytes())
    digest.update(np.ascontiguousarray(proba).tobytes())
    return "sha256:" + digest.hexdigest()


def _estimator_name(estimator: Any) -> str:
    steps = getattr(estimator, "steps", None)
    if steps:
        return "Pipeline(" + ", ".join(type(step).__name__ for _, step in steps) + ")"
    return type(estimator).__name__
