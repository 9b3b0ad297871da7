"""Hand-written questions evaluated on a trace: expressions read the run; failures name the field."""

from __future__ import annotations

import pytest

from tests.conftest import write_lesson
from tests.quiz.quiz_helpers import numeric_table, spec_with_quiz
from tracegen import quiz
from tracegen.cli import main
from tracegen.errors import SpecError
from tracegen.quiz.question import default_tolerance


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


def test_hand_written_decimals_default_to_two(binary_trace):
    """Without `decimals` a hand-written numeric question shows 2 and accepts half a unit of the second."""
    table = numeric_table(answer="evaluation.accuracy")
    del table["decimals"]
    spec = spec_with_quiz({"generators": ["test_rows"], "questions": [table]})
    question = quiz.make_questions(spec, binary_trace)[-1]
    assert question.decimals == 2 and question.tolerance == default_tolerance(2)


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


def test_options_that_show_the_same_text_on_this_run_are_a_spec_error(binary_trace):
    """Two choice texts that differ as written but show alike on the run are rejected."""
    options = [{"text": "[[ evaluation.accuracy | .1f ]]", "correct": True, "feedback": "f"},
               {"text": "[[ evaluation.accuracy|.1f ]]", "correct": False, "feedback": "f", "misconception": "m"}]
    table = {"id": "same", "kind": "single", "prompt": "?", "explanation": "e", "options": options}
    with pytest.raises(SpecError, match=r"quiz\.questions\[0\]\.options: two options show the same text"):
        quiz.make_questions(spec_with_quiz({"questions": [table]}), binary_trace)


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
