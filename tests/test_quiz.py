"""Quiz engine: answers recomputed with scikit-learn, misconception distractors, checks, lesson errors."""

from __future__ import annotations

import dataclasses
import math
import random
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

from benchmarks import bare_precision_recall
from tests import quiz_oracles as oracles
from tests.conftest import LESSONS, write_lesson
from tracegen import quiz
from tracegen.cli import main
from tracegen.errors import SpecError
from tracegen.question import default_tolerance
from tracegen.spec import parse_lesson
from tracegen.trace import EpochRecord, ThresholdMetrics

CASES = [(name, seed) for name in oracles.LESSON_NAMES for seed in oracles.SEEDS]


@pytest.fixture(scope="module")
def quizzes():
    """Every lesson's questions at 20 seeds (reduced epochs), keyed by (lesson, seed), with the trace."""
    result = {}
    for name, seed in CASES:
        spec, trace = oracles.lesson_trace(name, seed)
        result[name, seed] = (trace, quiz.make_questions(spec, trace))
    return result


def all_questions(quizzes):
    """Yield (lesson, seed, trace, question) for every generated question."""
    for (name, seed), (trace, questions) in quizzes.items():
        for question in questions:
            yield name, seed, trace, question


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


def with_threshold(trace, tn: int, fp: int, fn: int, tp: int):
    """Return the trace with one crafted threshold row (counts chosen so misconceptions coincide)."""
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    m = ThresholdMetrics(threshold=0.5, rule="y_score >= 0.5", confusion_matrix=((tn, fp), (fn, tp)),
                         precision=precision, recall=recall, f1=2 * tp / (2 * tp + fp + fn),
                         accuracy=(tp + tn) / (tn + fp + fn + tp))
    return dataclasses.replace(trace, evaluation=dataclasses.replace(trace.evaluation, at_thresholds=(m,)))


# ---------------------------------------------------------------- the bars


def test_at_least_ten_generators_each_with_an_oracle():
    """The registry holds at least 10 generators, each with a task list and an independent oracle."""
    assert len(quiz.GENERATORS) >= 10
    assert set(quiz.GENERATORS) == set(quiz.TASKS)
    assert set(quiz.GENERATORS) <= set(oracles.ORACLES)


def test_no_question_ever_shows_two_identical_options(quizzes):
    """Across 20 seeds of every lesson, option texts are distinct and never display like the answer."""
    for name, seed, _, question in all_questions(quizzes):
        texts = [option.text for option in question.options]
        if question.kind == "numeric":
            texts.append(f"{question.answer:.{question.decimals}f}")
        assert len(texts) == len(set(texts)), (name, seed, question.id, texts)


def test_every_numeric_answer_is_finite(quizzes):
    """Across 20 seeds of every lesson, every numeric answer and modelled wrong value is finite."""
    numeric = [q for *_, q in all_questions(quizzes) if q.kind == "numeric"]
    assert numeric
    for question in numeric:
        assert math.isfinite(question.answer) and math.isfinite(question.tolerance)
        assert all(math.isfinite(option.value) for option in question.options)


def test_every_answer_matches_scikit_learn(quizzes):
    """Across 20 seeds, each right answer equals one recomputed from y_true / y_score with scikit-learn."""
    checked = set()
    for name, seed, trace, question in all_questions(quizzes):
        oracles.check_answer(trace, question)
        checked.add(question.id)
    # Every generator, and every hand-written question, was exercised at least once (the catalogue's
    # generators need the catalogue lessons' evaluations; tests/test_catalogue.py exercises them).
    assert set(quiz.GENERATORS) - set(oracles.CATALOGUE_GENERATORS) | {"pr-sentinel", "ap-above-chance", "gini"} \
        <= checked


def test_full_length_lessons_match_scikit_learn(binary_trace, multiclass_trace, binary_spec, multiclass_spec):
    """At the lessons' own seeds and epoch counts, every answer matches the oracle."""
    for spec, trace in ((binary_spec, binary_trace), (multiclass_spec, multiclass_trace)):
        questions = quiz.make_questions(spec, trace)
        assert len(questions) >= 12
        for question in questions:
            oracles.check_answer(trace, question)


def test_epoch_answers_match_a_bare_training_script(binary_spec):
    """Loss at epoch k and the best epoch equal those of an independent scikit-learn training loop."""
    for seed in (4, 11):
        trace = oracles.lesson_trace("precision-recall", seed, epochs=None)[1]
        bare = bare_precision_recall.run(seed)["epochs"]  # columns: train loss/acc, val loss/acc
        by_id = {q.id: q for q in quiz.make_questions(binary_spec, trace)}
        k = int(oracles.param(r"at epoch (\d+)", by_id["loss_at_epoch"].prompt))
        assert abs(by_id["loss_at_epoch"].answer - bare[k - 1, 2]) <= 1e-12
        if "best_val_epoch" in by_id:
            assert by_id["best_val_epoch"].answer == int(np.argmin(bare[:, 2])) + 1


# ---------------------------------------------------------------- common contract


def test_every_option_carries_feedback_and_wrong_ones_name_a_misconception(quizzes):
    """Right options have feedback; wrong ones also name the misconception they model."""
    for *_, question in all_questions(quizzes):
        assert question.prompt.strip() and question.explanation.strip()
        for option in question.options:
            assert option.feedback.strip(), (question.id, option)
            if option.correct:
                assert option.misconception is None
            else:
                assert option.misconception and option.misconception.strip(), (question.id, option)


def test_kinds_have_the_right_shape(quizzes):
    """Single: one right option; multiple: at least one; numeric: wrong values outside the tolerance."""
    kinds = set()
    for *_, question in all_questions(quizzes):
        kinds.add(question.kind)
        right = question.correct_indices
        if question.kind == "single":
            assert len(right) == 1 and len(question.options) >= 3
        elif question.kind == "multiple":
            assert 1 <= len(right) < len(question.options)
        else:
            assert not right and question.decimals is not None
            assert question.tolerance >= default_tolerance(question.decimals) - 1e-15
            for option in question.options:
                assert abs(option.value - question.answer) > question.tolerance
                assert option.text == f"{option.value:.{question.decimals}f}"
    assert kinds == {"single", "multiple", "numeric"}


def test_question_ids_are_unique_and_qti_safe(quizzes):
    """Ids are unique within a quiz and usable as XML identifiers and TOML keys."""
    for _, questions in quizzes.values():
        ids = [q.id for q in questions]
        assert len(ids) == len(set(ids))
        assert all(quiz.ID_PATTERN.match(i) for i in ids)


def test_every_listed_generator_produces_questions_on_most_seeds(quizzes):
    """No generator is silently dropped everywhere: each lesson's generators appear on most seeds."""
    for name in oracles.LESSON_NAMES:
        spec, _ = oracles.lesson_trace(name, 0)
        for generator in spec.quiz.generators:
            seen = sum(any(q.id == generator for q in quizzes[name, seed][1]) for seed in oracles.SEEDS)
            assert seen >= len(oracles.SEEDS) // 2, (name, generator, seen)


# ---------------------------------------------------------------- misconception distractors


def wrong_values(question):
    """Return {misconception: value} for a numeric question."""
    return {option.misconception: option.value for option in question.options}


def by_id(spec, trace):
    """Return the questions for a trace keyed by id."""
    return {q.id: q for q in quiz.make_questions(spec, trace)}


def test_threshold_distractors_are_the_named_misconceptions(binary_spec, binary_trace):
    """Precision/recall/F1 distractors: P and R swapped, accuracy, and F1 as the arithmetic mean."""
    questions = by_id(binary_spec, binary_trace)
    y_true = np.array(binary_trace.evaluation.y_true)
    for qid, swapped in (("precision_at_threshold", recall_score), ("recall_at_threshold", precision_score)):
        question = questions[qid]
        y_pred = oracles.at(binary_trace, oracles.threshold_of(question))
        values = wrong_values(question)
        assert values["precision and recall swapped"] == pytest.approx(swapped(y_true, y_pred), abs=1e-12)
        assert values["accuracy taken for it"] == pytest.approx(accuracy_score(y_true, y_pred), abs=1e-12)
    question = questions["f1_at_threshold"]
    y_pred = oracles.at(binary_trace, oracles.threshold_of(question))
    mean = (precision_score(y_true, y_pred) + recall_score(y_true, y_pred)) / 2
    assert wrong_values(question)["F1 taken as the arithmetic mean of precision and recall"] == pytest.approx(mean)
    assert abs(mean - f1_score(y_true, y_pred)) > question.tolerance


def test_row_count_and_chance_level_distractors(binary_spec, binary_trace):
    """Test rows: distractors are all rows and the train rows; PR chance level: 0.5 is a distractor."""
    questions = by_id(binary_spec, binary_trace)
    values = set(wrong_values(questions["test_rows"]).values())
    assert {binary_trace.data.n_samples, binary_trace.stage("split").output_shape["train"][0]} <= values
    chance = {o.text: o for o in questions["ap_chance_level"].options}
    assert not chance["0.500"].correct and "0.5" in chance["0.500"].misconception


def test_precision_trend_says_when_precision_is_not_monotonic(quizzes):
    """The trend question notes non-monotonic precision exactly when scikit-learn's counts waver."""
    noted = 0
    for seed in oracles.SEEDS:
        trace, questions = quizzes["precision-recall", seed]
        question = next((q for q in questions if q.id == "threshold_trend"), None)
        if question is None:
            continue
        low, high = oracles.trend_ends(question)
        y_true, y_score, _ = oracles.arrays(trace)
        scores = np.unique(y_score)
        top = scores[scores >= high].min()
        precisions = [precision_score(y_true, y_score >= s) for s in scores[(scores >= low) & (scores <= top)]]
        steps = np.diff(precisions)
        wavers = bool((steps > 0).any() and (steps < 0).any())
        assert ("does not move in one direction" in question.prompt) == wavers
        noted += wavers
    assert noted  # the lesson's data does make precision waver on some seeds


def test_a_coinciding_distractor_is_dropped_not_shown(binary_trace):
    """When P == R the swap distractor equals the answer, so it is dropped; other distractors stay."""
    trace = with_threshold(binary_trace, tn=10, fp=5, fn=5, tp=5)  # P = R = F1 = 0.5, accuracy 0.6
    (precision,) = quiz.precision_at_threshold(trace)
    assert precision.answer == 0.5
    assert "precision and recall swapped" not in wrong_values(precision)
    assert "accuracy taken for it" in wrong_values(precision)
    (f1,) = quiz.f1_at_threshold(trace)
    assert "F1 taken as the arithmetic mean of precision and recall" not in wrong_values(f1)


def test_a_question_whose_distractors_all_coincide_is_dropped(binary_trace):
    """With P = R = accuracy = negative precision, the precision question has nothing left to ask."""
    trace = with_threshold(binary_trace, tn=5, fp=5, fn=5, tp=5)
    assert quiz.precision_at_threshold(trace) == ()


def test_numeric_question_drops_values_inside_the_tolerance():
    """A modelled value within the tolerance, or displaying like another, is dropped; none left -> None."""
    question = quiz.numeric_question("q", "?", 0.8269, 3, [(0.8271, "a", "fa"), (0.7049, "b", "fb"),
                                                            (0.70491, "c", "fc"), (math.nan, "d", "fd")], "e")
    assert [o.text for o in question.options] == ["0.705"]
    assert quiz.numeric_question("q", "?", 0.5, 2, [(0.5, "a", "fa")], "e") is None
    assert quiz.numeric_question("q", "?", math.inf, 2, [(0.1, "a", "fa")], "e") is None


def test_choice_question_drops_repeated_texts():
    """A wrong option repeating the right option's text is dropped; too few left gives None."""
    question = quiz.choice_question("q", "?", [("0.305", "right")],
                                    [("0.500", "m1", "f1"), ("0.305", "m2", "f2"), ("0.695", "m3", "f3")], "e")
    assert [o.text for o in question.options] == ["0.305", "0.500", "0.695"]
    assert quiz.choice_question("q", "?", [("0.5", "r")], [("0.5", "m", "f"), ("0.6", "m", "f")], "e") is None


def with_losses(trace, train, val, accuracy):
    """Return the trace with crafted per-epoch losses and validation accuracies."""
    epochs = tuple(EpochRecord(epoch=i + 1, train_loss=t, train_accuracy=0.9, val_loss=v, val_accuracy=a)
                   for i, (t, v, a) in enumerate(zip(train, val, accuracy)))
    return dataclasses.replace(trace, epochs=epochs)


def test_overfitting_onset_is_the_epoch_after_the_lowest_validation_loss(binary_trace):
    """Val loss bottoming out at epoch 3 then rising gives 'from epoch 4'; the gap and the dip are distractors."""
    trace = with_losses(binary_trace, train=[0.9, 0.6, 0.5, 0.4, 0.3, 0.2], val=[0.5, 0.7, 0.45, 0.5, 0.55, 0.6],
                        accuracy=[0.80, 0.82, 0.81, 0.83, 0.84, 0.84])
    (question,) = quiz.overfitting(trace)
    right = [o.text for o in question.options if o.correct]
    assert right == ["Yes, from epoch 4: validation loss is lowest at epoch 3 and never gets back below that"]
    wrong = {o.misconception: o.text for o in question.options if not o.correct}
    assert wrong["a gap between train and validation loss alone taken as overfitting"].startswith("Yes, from epoch 2:")
    assert wrong["one dip in validation accuracy taken as overfitting"].startswith("Yes, from epoch 3:")
    assert "judging progress by training loss alone" in wrong
    (best,) = quiz.best_val_epoch(trace)
    assert best.answer == 3 and {o.value for o in best.options} == {6, 5, 2}


def test_overfitting_drops_a_distractor_that_names_the_right_epoch(binary_trace):
    """When the train/val gap opens at the onset epoch, that distractor would be ambiguous and is dropped."""
    trace = with_losses(binary_trace, train=[0.9, 0.8, 0.5, 0.4], val=[0.6, 0.55, 0.6, 0.7],
                        accuracy=[0.8, 0.81, 0.83, 0.82])
    (question,) = quiz.overfitting(trace)
    assert [o.text for o in question.options if o.correct][0].startswith("Yes, from epoch 3:")
    assert all("training loss first drops below" not in o.text for o in question.options)


# ---------------------------------------------------------------- determinism


def test_same_trace_gives_identical_questions(binary_spec):
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
    assert sum(first[k] != second[k] for k in shared) >= 3


# ---------------------------------------------------------------- lesson quiz tables


def test_default_generators_are_those_for_the_task():
    """Without a generators list, a lesson gets every generator for its task."""
    binary = spec_with_quiz({})
    names = quiz.generator_names(binary, "binary")
    assert "precision_at_threshold" in names and "top_k_accuracy" not in names
    multiclass = spec_with_quiz({}, "multiclass-roc")
    assert "top_k_accuracy" in quiz.generator_names(multiclass, "multiclass")


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


def test_hand_written_question_reads_the_trace(binary_trace):
    """A hand-written numeric answer is an expression; [[ ]] in texts shows the run's numbers."""
    table = numeric_table(prompt="AP is [[ evaluation.average_precision | .3f ]]; minus chance?",
                          answer="evaluation.average_precision - evaluation.prevalence",
                          options=[{"value": "evaluation.average_precision - 0.5", "feedback": "ROC chance",
                                    "misconception": "0.5 as chance"}])
    spec = spec_with_quiz({"generators": ["test_rows"], "questions": [table]})
    question = quiz.make_questions(spec, binary_trace)[-1]
    ev = binary_trace.evaluation
    assert question.generator == "hand-written" and question.kind == "numeric"
    assert question.prompt.startswith(f"AP is {ev.average_precision:.3f};")
    assert question.answer == pytest.approx(ev.average_precision - ev.prevalence)
    assert question.tolerance == default_tolerance(3)
    assert question.options[0].value == pytest.approx(ev.average_precision - 0.5)


@pytest.mark.parametrize("table, field, message", [
    (numeric_table(answer=0.76), "answer", "literal 0.76"),
    (numeric_table(answer="0.76"), "answer", "is a literal"),
    (numeric_table(answer="evaluation.average_precision +"), "answer", "cannot parse"),
    (numeric_table(kind="essay"), "kind", "expected one of: single, multiple, numeric"),
    (numeric_table(id="9lives"), "id", "expected letters"),
    (numeric_table(id="test_rows"), "id", "generator's name"),
    (numeric_table(decimals=-1), "decimals", "0..10"),
    (numeric_table(hint="x"), "hint", "unknown key"),
    (numeric_table(options=[{"value": "evaluation.accuracy", "feedback": "f"}]), "options[0].misconception",
     "names the misconception"),
    ({"kind": "single", "prompt": "?", "explanation": "e",
      "options": [{"text": "a", "correct": True, "feedback": "f"},
                  {"text": "b", "correct": True, "feedback": "f"}]}, "options", "exactly one correct"),
    ({"kind": "single", "prompt": "?", "explanation": "e",
      "options": [{"text": "a", "correct": True, "feedback": "f"},
                  {"text": "a", "correct": False, "feedback": "f", "misconception": "m"}]},
     "options[1].text", "repeats an earlier option"),
    ({"kind": "multiple", "prompt": "?", "explanation": "e",
      "options": [{"text": "a", "correct": True, "feedback": "f", "misconception": "m"},
                  {"text": "b", "correct": False, "feedback": "f", "misconception": "m"}]},
     "options[0].misconception", "a right option models no misconception"),
])
def test_malformed_hand_written_question_is_a_spec_error(table, field, message):
    """Each malformed [[quiz.questions]] table is rejected, naming the question and field."""
    spec = spec_with_quiz({"questions": [table]})
    with pytest.raises(SpecError, match=re.escape(f"quiz.questions[0].{field}: ") + f".*{re.escape(message)}"):
        quiz.check_quiz(spec)


@pytest.mark.parametrize("table, field", [
    (numeric_table(answer="evaluation.average_precison"), "answer"),
    (numeric_table(answer="evaluation.classes"), "answer"),
    (numeric_table(prompt="AP is [[ evaluation.nope ]]"), "prompt"),
])
def test_expression_that_does_not_evaluate_is_a_spec_error(binary_trace, table, field):
    """An answer or text expression that fails on the trace is a SpecError naming the field."""
    spec = spec_with_quiz({"questions": [table]})
    with pytest.raises(SpecError, match=rf"quiz\.questions\[0\]\.{field}: "):
        quiz.make_questions(spec, binary_trace)


FAST_LESSON = """
title = "Tiny"
epochs = 2
[dataset]
source = "make_classification"
n_samples = 200
[split]
seed = 1
"""


@pytest.mark.parametrize("quiz_table, message", [
    ('[quiz]\ngenerators = ["no_such_generator"]', "quiz.generators: unknown generator 'no_such_generator'"),
    ('[[quiz.questions]]\nkind = "numeric"\nprompt = "?"\nexplanation = "e"\nanswer = "evaluation.nope"',
     "quiz.questions[0].answer: no field 'nope'"),
])
def test_cli_reports_quiz_errors_in_one_line(tmp_path, capsys, quiz_table, message):
    """`tracegen quiz` on a bad quiz table prints one error line naming file and field, exit 2."""
    path = write_lesson(tmp_path, FAST_LESSON + quiz_table)
    assert main(["quiz", str(path)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"tracegen: error: {path}: ")
    assert message in lines[0]
    assert captured.out == ""
