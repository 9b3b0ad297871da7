"""terminal/quiz.py: grading, feedback, the answers file, and `tracegen quiz` through a subprocess."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tracegen import quiz
from tracegen.cli import main
from tracegen.errors import AnswersError
from tracegen.quiz.question import Option, Question
from tracegen.terminal.quiz import (
    feedback,
    is_right,
    load_answers,
    parse_response,
    run_quiz,
)

SCORE_LINE = re.compile(r"^score: (\d+)/(\d+)$")


@pytest.fixture(scope="module")
def lesson_questions(binary_spec, binary_trace):
    """The precision-recall lesson's questions at its own seed, as `tracegen quiz` asks them."""
    return quiz.make_questions(binary_spec, binary_trace)


def right_answer(question: Question) -> str:
    """Return a right answer as it would be typed or written in an answers file."""
    if question.kind == "numeric":
        return f"{question.answer:.{question.decimals}f}"
    numbers = [str(i + 1) for i in question.correct_indices]
    return numbers[0] if question.kind == "single" else "[" + ", ".join(numbers) + "]"


def wrong_answer(question: Question) -> str:
    """Return a wrong answer: the first modelled misconception (or the first wrong option)."""
    if question.kind == "numeric":
        return question.options[0].text if question.options else str(question.answer + 1000)
    wrong = next(i for i, o in enumerate(question.options) if not o.correct) + 1
    return str(wrong) if question.kind == "single" else f"[{wrong}]"


def answers_file(tmp_path, questions, answer=right_answer, name="answers.toml"):
    """Write an answers file answering every question with `answer`."""
    path = tmp_path / name
    path.write_text("".join(f"{q.id} = {answer(q)}\n" for q in questions), encoding="utf-8")
    return path


def run_cli(*args, stdin=""):
    """Run `python -m tracegen` in the repository root; return the completed process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "tracegen", *args], cwd=ROOT, input=stdin, text=True,
                          capture_output=True, env=env, timeout=120)


NUMERIC = Question(id="p", kind="numeric", prompt="Precision?", explanation="TP / (TP + FP) = 43/52.",
                   generator="precision_at_threshold", answer=0.8269, tolerance=0.0005, decimals=3,
                   options=(Option(text="0.705", correct=False, feedback="That is the recall.",
                                   misconception="swap", value=0.7049),))
MULTIPLE = Question(id="m", kind="multiple", prompt="Which?", explanation="Because.", generator="g",
                    options=(Option("a", True, "a is true"), Option("b", False, "b is false", "mb"),
                             Option("c", True, "c is true")))


# ---------------------------------------------------------------- the bar: subprocess


def test_quiz_with_answers_file_prints_score_and_exits_0(tmp_path, lesson_questions):
    """`tracegen quiz precision-recall --answers FILE` grades every right answer: score N/N, exit 0."""
    path = answers_file(tmp_path, lesson_questions)
    result = run_cli("quiz", "precision-recall", "--answers", str(path))
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    n = len(lesson_questions)
    assert SCORE_LINE.match(last) and last == f"score: {n}/{n}"


def test_quiz_with_wrong_answers_gives_misconception_feedback(tmp_path, lesson_questions):
    """Wrong answers score 0 (exit 1: an autograder can gate on it) and each gets its misconception's feedback."""
    path = answers_file(tmp_path, lesson_questions, wrong_answer)
    result = run_cli("quiz", "precision-recall", "--answers", str(path))
    assert result.returncode == 1, result.stderr
    assert result.stdout.strip().splitlines()[-1] == f"score: 0/{len(lesson_questions)}"
    question = next(q for q in lesson_questions if q.id == "f1_at_threshold")
    assert "".join(question.options[0].feedback.split()) in "".join(result.stdout.split())


@pytest.mark.parametrize(("fail_under", "code"), [(None, 1), ("100", 1), ("40", 0), ("0", 0)])
def test_fail_under_sets_the_pass_mark(tmp_path, lesson_questions, fail_under, code, capsys):
    """Half the answers right (rounded down, so under 50%): exit 1 by default (full marks) and at 100, 0 at 40 or 0."""
    half = {q.id for q in lesson_questions[: len(lesson_questions) // 2]}
    assert 40 <= 100 * len(half) / len(lesson_questions) <= 50
    path = answers_file(tmp_path, lesson_questions, lambda q: right_answer(q) if q.id in half else wrong_answer(q))
    argv = ["--lessons", str(ROOT / "lessons"), "quiz", "precision-recall", "--answers", str(path)]
    assert main(argv + (["--fail-under", fail_under] if fail_under else [])) == code
    assert capsys.readouterr().out.strip().splitlines()[-1] == f"score: {len(half)}/{len(lesson_questions)}"


def test_interactive_quiz_asks_on_stdin_and_reprompts_bad_input(lesson_questions):
    """Typed answers on stdin are graded; an unparseable line is asked again, not counted."""
    lines = ["not a number"] + [right_answer(q).strip("[]") for q in lesson_questions]
    result = run_cli("quiz", "precision-recall", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    n = len(lesson_questions)
    assert result.stdout.strip().splitlines()[-1] == f"score: {n}/{n}"
    assert "please answer with a number" in result.stdout
    assert result.stdout.count("Right.") == n


def test_interactive_quiz_stops_at_end_of_input(lesson_questions):
    """Closing stdin early ends the quiz with the remaining questions unanswered, exit 0."""
    result = run_cli("quiz", "precision-recall", stdin=right_answer(lesson_questions[0]) + "\n")
    assert result.returncode == 0
    assert f"{len(lesson_questions) - 2} question(s) left unanswered" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == f"score: 1/{len(lesson_questions)}"


# ---------------------------------------------------------------- grading and feedback


def test_numeric_grading_follows_the_tolerance():
    """A value within +-tolerance is right, including the displayed rounding; beyond it is wrong."""
    assert is_right(NUMERIC, 0.827) and is_right(NUMERIC, 0.8274) and is_right(NUMERIC, 0.8264)
    assert not is_right(NUMERIC, 0.8275) and not is_right(NUMERIC, 0.83) and not is_right(NUMERIC, None)


def test_numeric_feedback_names_the_matching_misconception():
    """Typing the recall for a precision question shows the swap feedback and the right value."""
    lines = feedback(NUMERIC, 0.705)
    assert lines[0] == "Not right." and "That is the recall." in lines
    assert any("0.827" in line for line in lines) and lines[-1].startswith("Explanation: TP / (TP + FP)")


def test_multiple_select_needs_exactly_the_true_options():
    """Multiple select is right only for the exact set; feedback covers chosen and missed options."""
    assert is_right(MULTIPLE, (1, 3)) and not is_right(MULTIPLE, (1,)) and not is_right(MULTIPLE, (1, 2, 3))
    lines = feedback(MULTIPLE, (1, 2))
    assert "2) chosen: b is false" in lines and "3) missed, it is true: c is true" in lines


@pytest.mark.parametrize("question, text, message", [
    (NUMERIC, "abc", "could not convert"),
    (NUMERIC, "nan", "finite"),
    (MULTIPLE, "", "option number"),
    (MULTIPLE, "1, 4", "numbered 1 to 3"),
])
def test_parse_response_rejects_bad_input(question, text, message):
    """Typed input that does not fit the question raises ValueError with a hint."""
    with pytest.raises(ValueError, match=message):
        parse_response(question, text)


def test_run_quiz_in_memory_counts_the_score():
    """run_quiz reads one line per question and returns (score, total)."""
    out = io.StringIO()
    assert run_quiz((NUMERIC, MULTIPLE), io.StringIO("0.827\n1 3\n"), out) == (2, 2)
    assert out.getvalue().endswith("score: 2/2\n")


# ---------------------------------------------------------------- answers file errors


@pytest.mark.parametrize("text, message", [
    ("f1_at_threshold = \n", "malformed TOML"),
    ("tset_rows = 200\n", "tset_rows: no question with this id"),
    ("f1_at_threshold = \"0.8\"\n", "f1_at_threshold: expected a number"),
    ("f1_at_threshold = true\n", "f1_at_threshold: expected a number"),
    ("pr_curve_point = 9\n", "pr_curve_point: option 9 does not exist"),
    ("pr_curve_point = [1, 2]\n", "pr_curve_point: expected an option number"),
    ("pr-reading = [1, 1]\n", "pr-reading: an option is listed twice"),
    ("pr-reading = []\n", "pr-reading: expected a list of option numbers"),
    ("[f1_at_threshold]\nvalue = 0.8\n", "f1_at_threshold: expected a number"),
])
def test_malformed_answers_file_is_an_answers_error(tmp_path, lesson_questions, text, message):
    """Each malformed answers file raises AnswersError naming the file and the question id."""
    path = tmp_path / "answers.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AnswersError, match=re.escape(message)):
        load_answers(path, lesson_questions)


def test_missing_answers_file_is_an_answers_error(tmp_path, lesson_questions):
    """A missing answers file is reported, not a traceback."""
    with pytest.raises(AnswersError, match="file not found"):
        load_answers(tmp_path / "nope.toml", lesson_questions)


def test_cli_malformed_answers_file_is_one_line_exit_2(tmp_path, capsys):
    """`tracegen quiz --answers` with bad TOML prints one error line and exits 2, before any question."""
    path = tmp_path / "answers.toml"
    path.write_text("test_rows = = 3\n", encoding="utf-8")
    code = main(["--lessons", str(ROOT / "lessons"), "quiz", "precision-recall", "--answers", str(path)])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"tracegen: error: {path}:1: answers: malformed TOML")


def test_a_question_read_from_a_table_prints_its_rows_within_80_columns():
    """The terminal names the table and prints its rows indented; a too-wide row is wrapped; none: a note."""
    from tracegen.terminal.quiz import render_question
    from tracegen.terminal.text import WIDTH

    base = Question(id="t", kind="numeric", prompt="Read the epoch table. Val loss at epoch 2?", options=(),
                    explanation="", generator="g", answer=0.5, decimals=4, needs_table="the epoch table",
                    table=("epoch  val loss", "    2  0.5000", "x " * 50))
    text = render_question(base, 1, 1)
    assert "It is read from the epoch table" in text and "\n      2  0.5000\n" in text
    assert all(len(line) <= WIDTH for line in text.splitlines())
    bare = render_question(Question(**{**base.__dict__, "table": ()}), 1, 1)
    assert "open the page to answer" in bare
