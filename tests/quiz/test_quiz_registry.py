"""The generator registry and the entry points: which generators a lesson gets, determinism, lesson errors."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from tests import quiz_oracles as oracles
from tests.quiz.quiz_helpers import all_questions, front_matter, spec_with_quiz
from tracegen import quiz
from tracegen.errors import SpecError
from tracegen.pipeline.predictions import run_predictions
from tracegen.quiz.build import shuffled
from tracegen.spec import parse_lesson
from tracegen.spec.questions import ID_PATTERN


def test_at_least_ten_generators_each_with_an_oracle():
    """The registry holds at least 10 generators, each with a task list and an independent oracle."""
    assert len(quiz.GENERATORS) >= 10
    for name, generator in quiz.GENERATORS.items():
        assert callable(generator.make) and generator.make.__name__ == name
        assert generator.tasks and set(generator.tasks) <= {"binary", "multiclass"}, name
    assert set(quiz.GENERATORS) <= set(oracles.ORACLES)


def test_every_listed_generator_produces_questions_on_most_seeds(quizzes):
    """No generator is silently dropped everywhere: each lesson's generators appear on most seeds."""
    for name in oracles.LESSON_NAMES:
        spec, _ = oracles.lesson_trace(name, 0)
        for generator in spec.quiz.generators:
            seen = sum(any(q.id == generator for q in quizzes[name, seed][1]) for seed in oracles.SEEDS)
            assert seen >= len(oracles.SEEDS) // 2, (name, generator, seen)


def test_question_ids_are_unique_and_qti_safe(quizzes):
    """Ids are unique within a quiz and usable as XML identifiers and TOML keys."""
    for _, questions in quizzes.values():
        ids = [q.id for q in questions]
        assert len(ids) == len(set(ids))
        assert all(ID_PATTERN.match(i) for i in ids)


# ---------------------------------------------------------------- evaluation-only traces


def predictions_csv(folder: Path, task: str) -> Path:
    """Write a seeded predictions file (binary scores or 3-class probabilities) and return its path."""
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2 if task == "binary" else 3, 300)
    if task == "binary":
        score = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1)
        lines = ["y_true,score", *(f"{a},{b:.4f}" for a, b in zip(y.tolist(), score.tolist()))]
    else:
        proba = rng.dirichlet(np.ones(3), 300) * 0.5 + 0.5 * np.eye(3)[y]
        lines = ["y_true,a,b,c", *(f"{'abc'[label]},{p[0]!r},{p[1]!r},{1 - p[0] - p[1]!r}"
                                   for label, p in zip(y.tolist(), proba.tolist()))]
    path = folder / f"{task}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_prediction_questions_come_from_the_generators_that_need_no_model(tmp_path, task):
    """On an evaluation-only trace, generators that need a model ask nothing; the others match the oracles."""
    trace = run_predictions(predictions_csv(tmp_path, task))
    assert trace.evaluation.task == task
    for name, generator in quiz.GENERATORS.items():
        if generator.needs_model:
            assert generator.make(trace) == (), name
    expected = [shuffled(q, trace) for name, generator in quiz.GENERATORS.items()
                if not generator.needs_model and generator.on_predictions_page and task in generator.tasks
                for q in generator.make(trace)]
    questions = quiz.prediction_questions(trace)
    assert list(questions) == expected and len(questions) >= 5
    # The lesson-topic generators left off the predictions page ask nothing there.
    off_page = [name for name, generator in quiz.GENERATORS.items()
                if not generator.on_predictions_page and task in generator.tasks]
    assert off_page and not {q.id for q in questions} & set(off_page)
    for question in questions:
        oracles.check_answer(trace, question)


# ---------------------------------------------------------------- determinism


def test_same_trace_gives_identical_questions():
    """Two runs of the same lesson and seed give identical questions, option order included."""
    spec = oracles.lesson_trace("precision-recall", 3)[0]
    first = quiz.make_questions(spec, oracles.lesson_trace("precision-recall", 3)[1])
    again = quiz.make_questions(spec, oracles.lesson_trace.__wrapped__("precision-recall", 3, 6)[1])
    assert first == again


def test_option_order_ignores_and_keeps_global_random_state(binary_spec, binary_trace):
    """Shuffling is seeded from the trace hash: global random state neither matters nor changes."""
    random.seed(1)
    first = quiz.make_questions(binary_spec, binary_trace)
    state = random.getstate()
    random.seed(2)
    random.random()
    second = quiz.make_questions(binary_spec, binary_trace)
    assert first == second
    random.seed(1)
    quiz.make_questions(binary_spec, binary_trace)
    assert random.getstate() == state


def test_option_order_is_shuffled(quizzes):
    """The right option does not always sit in the same place."""
    positions = {q.correct_indices[0] for *_, q in all_questions(quizzes) if q.kind == "single"}
    assert len(positions) >= 3


def test_new_seed_gives_new_numbers(quizzes):
    """A different seed gives a different split, so numeric answers change."""
    def answers(seed):
        return {q.id: q.answer for q in quizzes["precision-recall", seed][1] if q.kind == "numeric"}

    first, second = answers(0), answers(1)
    shared = first.keys() & second.keys()
    # precision-recall asks two numeric questions (f1_at_threshold, ap-above-chance); both move with the split.
    assert len(shared) >= 2 and all(first[k] != second[k] for k in shared)


# ---------------------------------------------------------------- lesson quiz tables


def test_default_generators_are_those_for_the_task():
    """Without a generators list, a lesson gets every generator for its task."""
    binary = spec_with_quiz({})
    names = quiz.generator_names(binary, "binary")
    assert "precision_at_threshold" in names and "top_k_accuracy" not in names
    multiclass = spec_with_quiz({}, "multiclass-roc")
    assert "top_k_accuracy" in quiz.generator_names(multiclass, "multiclass")


@pytest.mark.parametrize("lesson, task", [("precision-recall", "binary"), ("multiclass-roc", "multiclass")])
def test_task_of_reads_the_dataset(lesson, task):
    """The task follows from the lesson's dataset when the lesson does not declare one."""
    assert quiz.task_of(spec_with_quiz({}, lesson)) == task


def test_unknown_generator_name_is_a_spec_error():
    """An unknown generator name names the file and quiz.generators."""
    spec = spec_with_quiz({"generators": ["test_rows", "precision_at_treshold"]})
    with pytest.raises(SpecError, match=r"quiz\.generators: unknown generator 'precision_at_treshold'"):
        quiz.check_quiz(spec)


@pytest.mark.parametrize("generators, message", [
    (["test_rows", "test_rows"], r"quiz\.generators\[1\]: generator 'test_rows' is listed twice"),
    (["top_k_accuracy"], r"quiz\.generators\[0\]: generator 'top_k_accuracy' applies to multiclass"),
])
def test_repeated_or_inapplicable_generator_is_a_spec_error(generators, message):
    """A generator listed twice, or one for the other task, is rejected by name."""
    with pytest.raises(SpecError, match=message):
        quiz.check_quiz(spec_with_quiz({"generators": generators}))


def test_scaler_question_without_a_scaler_is_a_spec_error():
    """Asking which rows the scaler was fitted on, in a lesson without one, is rejected."""
    spec = parse_lesson({**front_matter(), "normalization": "none", "quiz": {"generators": ["scaler_fit_rows"]}},
                        Path("lesson.md"))
    with pytest.raises(SpecError, match=r"quiz\.generators\[0\]: generator 'scaler_fit_rows' needs a scaler"):
        quiz.check_quiz(spec)
