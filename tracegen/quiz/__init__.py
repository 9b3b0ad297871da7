"""Quiz engine: questions computed from a trace, with distractors that model misconceptions.

Each generator is a small function of the trace that returns zero or more Questions; the one
registry GENERATORS says, per name, which function it is, which tasks it applies to and what
run it needs. Every right answer is a number the trace holds (computed by scikit-learn in
pipeline/evaluate.py). Wrong options come only from misconception formulas (precision and recall
swapped, F1 as the arithmetic mean, 0.5 as the PR chance level, ...); the trivial arithmetic
that builds them is the misconception, not a metric.

A wrong option that shows the same text as the right one after display rounding (or lies inside
a numeric answer's tolerance) is dropped; a question left with too few wrong options is dropped
for that trace. Any choice a generator makes (an epoch, a threshold, a class, option order) comes
from a random.Random seeded with the trace hash, so questions are a pure function of the trace.

Hand-written questions come from ``[[quiz.questions]]`` tables in the lesson front matter (their
format: tracegen.spec.questions). A numeric answer is always an expression over the
trace, never a literal.

The package: question.py (the records and the numeric display and grading rule), build.py (the
question makers and trace readers), one module of generators per theme (pipeline_questions,
threshold_questions, score_questions, class_questions, topic_questions, robust_questions) and handwritten.py;
tables.py renders the rows of a page table a question is read from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tracegen.errors import SpecError
from tracegen.quiz.build import shuffled
from tracegen.quiz.class_questions import (
    confident_mistake,
    confused_pairs,
    micro_f1,
    normalized_diagonal,
    top_k_accuracy,
    worst_bin,
)
from tracegen.quiz.handwritten import hand_written
from tracegen.quiz.pipeline_questions import (
    best_val_epoch,
    loss_at_epoch,
    overfitting,
    scaler_fit_rows,
    stage_shape,
    test_rows,
)
from tracegen.quiz.question import Question
from tracegen.quiz.robust_questions import balanced_accuracy_from_counts, constant_score_trapezoid, pr_area_order
from tracegen.quiz.score_questions import ap_chance_level, auc_vs_recall, majority_baseline, roc_auc_meaning
from tracegen.quiz.threshold_questions import (
    f1_at_threshold,
    pr_curve_point,
    precision_at_threshold,
    recall_at_threshold,
    threshold_trend,
    tuned_threshold,
)
from tracegen.quiz.topic_questions import (
    column_share,
    f1_from_rates,
    fpr_at_threshold,
    predicted_count,
    threshold_shift,
)
from tracegen.spec import LessonSpec
from tracegen.spec.questions import check_hand_written
from tracegen.trace import Trace

BINARY = ("binary",)
MULTICLASS = ("multiclass",)
BOTH = ("binary", "multiclass")


@dataclass(frozen=True)
class Generator:
    """One question generator: its function, the tasks it applies to, and what run it needs.

    `needs_model` is False for a generator that reads only the evaluation, so it also runs on an
    evaluation-only trace (`tracegen build --predictions`: no split, epochs, model or catalogue
    extras). `needs_scaler` marks the one that asks about the fitted scaler: a lesson may not
    list it with normalization = "none". `on_predictions_page` is False for a generator written for one
    lesson's topic that the predictions page does not ask: its questions would cost that page the weight its
    curve tables are thinned to fit.
    """

    make: Callable[[Trace], tuple[Question, ...]]
    tasks: tuple[str, ...] = BOTH
    needs_model: bool = True
    needs_scaler: bool = False
    on_predictions_page: bool = True


GENERATORS: dict[str, Generator] = {
    "test_rows": Generator(test_rows),
    "stage_shape": Generator(stage_shape),
    "scaler_fit_rows": Generator(scaler_fit_rows, needs_scaler=True),
    "loss_at_epoch": Generator(loss_at_epoch),
    "best_val_epoch": Generator(best_val_epoch),
    "overfitting": Generator(overfitting),
    "precision_at_threshold": Generator(precision_at_threshold, BINARY, needs_model=False),
    "recall_at_threshold": Generator(recall_at_threshold, BINARY, needs_model=False),
    "f1_at_threshold": Generator(f1_at_threshold, BINARY, needs_model=False),
    "threshold_trend": Generator(threshold_trend, BINARY, needs_model=False),
    "pr_curve_point": Generator(pr_curve_point, BINARY, needs_model=False),
    "ap_chance_level": Generator(ap_chance_level, needs_model=False),
    "roc_auc_meaning": Generator(roc_auc_meaning, needs_model=False),
    "auc_vs_recall": Generator(auc_vs_recall, needs_model=False),
    "majority_baseline": Generator(majority_baseline, needs_model=False),
    "micro_f1": Generator(micro_f1, MULTICLASS, needs_model=False),
    "top_k_accuracy": Generator(top_k_accuracy, MULTICLASS, needs_model=False),
    "normalized_diagonal": Generator(normalized_diagonal, needs_model=False),
    "confused_pairs": Generator(confused_pairs, MULTICLASS, needs_model=False),
    "tuned_threshold": Generator(tuned_threshold, BINARY),
    "worst_bin": Generator(worst_bin),
    "confident_mistake": Generator(confident_mistake),
    "f1_from_rates": Generator(f1_from_rates, needs_model=False),
    "predicted_count": Generator(predicted_count, needs_model=False),
    "column_share": Generator(column_share, needs_model=False),
    "fpr_at_threshold": Generator(fpr_at_threshold, BINARY, needs_model=False),
    "threshold_shift": Generator(threshold_shift, BINARY, needs_model=False),
    "balanced_accuracy_from_counts": Generator(balanced_accuracy_from_counts, needs_model=False,
                                               on_predictions_page=False),
    "constant_score_trapezoid": Generator(constant_score_trapezoid, BINARY, needs_model=False,
                                          on_predictions_page=False),
    "pr_area_order": Generator(pr_area_order, BINARY, needs_model=False, on_predictions_page=False),
}


def task_of(spec: LessonSpec) -> str | None:
    """Return 'binary' or 'multiclass' when the spec alone decides it, else None."""
    if spec.evaluation.task in ("binary", "multiclass"):
        return spec.evaluation.task
    if spec.dataset.source == "make_classification":
        return "binary" if spec.dataset.params.get("n_classes", 2) == 2 else "multiclass"
    if spec.dataset.source in ("digits", "iris", "wine"):
        return "multiclass"
    if spec.dataset.source == "breast_cancer":
        return "binary"
    return None


def generator_names(spec: LessonSpec, task: str | None = None) -> tuple[str, ...]:
    """Return the lesson's generators (default: every one for its task), checking each name."""
    task = task or task_of(spec)
    if not spec.quiz.generators:
        return tuple(name for name, generator in GENERATORS.items() if task is None or task in generator.tasks)
    seen = set()
    for index, name in enumerate(spec.quiz.generators):
        where = f"quiz.generators[{index}]"
        if name not in GENERATORS:
            raise SpecError(spec.path, "quiz.generators",
                            f"unknown generator '{name}'; expected one of: {', '.join(GENERATORS)}")
        if name in seen:
            raise SpecError(spec.path, where, f"generator '{name}' is listed twice")
        generator = GENERATORS[name]
        if task is not None and task not in generator.tasks:
            raise SpecError(spec.path, where, f"generator '{name}' applies to {' and '.join(generator.tasks)} "
                                              f"lessons; this lesson is {task}")
        if generator.needs_scaler and spec.normalization == "none":
            raise SpecError(spec.path, where, f"generator '{name}' needs a scaler, but this lesson has "
                                              "normalization = \"none\"")
        seen.add(name)
    return spec.quiz.generators


def check_quiz(spec: LessonSpec) -> None:
    """Check the lesson's quiz table before anything runs: generator names and question shapes."""
    generator_names(spec)
    check_hand_written(spec.path, spec.quiz.questions, GENERATORS)


def make_questions(spec: LessonSpec, trace: Trace) -> tuple[Question, ...]:
    """Return the lesson's questions for one trace: generated, then hand-written, options in seeded order."""
    names = generator_names(spec, trace.evaluation.task)
    questions = [question for name in names for question in GENERATORS[name].make(trace)]
    check_hand_written(spec.path, spec.quiz.questions, GENERATORS)
    questions += hand_written(spec, trace)
    return tuple(shuffled(question, trace) for question in questions)


def prediction_questions(trace: Trace) -> tuple[Question, ...]:
    """Return the generated questions for an evaluation-only trace, options in seeded order."""
    names = [name for name, generator in GENERATORS.items()
             if not generator.needs_model and generator.on_predictions_page
             and trace.evaluation.task in generator.tasks]
    return tuple(shuffled(question, trace) for name in names for question in GENERATORS[name].make(trace))
