"""Everything `tracegen run`, `quiz` and `check` print fits an 80-column terminal, for every lesson."""

from __future__ import annotations

import io

import pytest

from tests import quiz_oracles as oracles
from tests.conftest import LESSONS
from tracegen import quiz
from tracegen.terminal import run as terminal
from tracegen.terminal.quiz import run_quiz
from tracegen.terminal.text import WIDTH, wrap


@pytest.mark.parametrize("name", sorted(path.stem for path in LESSONS.glob("*.md")))
def test_run_and_quiz_output_fit_80_columns(name):
    spec, trace = oracles.lesson_trace(name, epochs=None)
    text = terminal.render(trace, spec.title) + terminal.provenance(trace)
    questions = quiz.make_questions(spec, trace)
    answers = {question.id: None for question in questions}
    out = io.StringIO()
    run_quiz(questions, io.StringIO(""), out, answers)
    lines = text.splitlines() + out.getvalue().splitlines()
    too_wide = [line for line in lines if len(line) > WIDTH]
    assert not too_wide, too_wide[:3]


def test_wrap_never_splits_a_word():
    long_word = "sha256:" + "a" * 90
    assert wrap(f"data {long_word} end", "  ") == ["  data", f"  {long_word}", "  end"]
    assert all(len(line) <= WIDTH for line in wrap("word " * 40, "  3 score        "))


@pytest.mark.parametrize("name", sorted(path.stem for path in LESSONS.glob("*.md")))
def test_the_commands_fit_80_columns_with_piped_answers(name, monkeypatch, capsys):
    """`COLUMNS=80 tracegen run LESSON` and `tracegen quiz LESSON` with answers piped in: no line over 80."""
    from tracegen.cli import main

    monkeypatch.setenv("COLUMNS", "80")
    assert main(["--lessons", str(LESSONS), "run", name]) == 0
    # One answer per question, a wrong-looking one for every kind, so feedback and explanations print too.
    monkeypatch.setattr("sys.stdin", io.StringIO("1\n" * 40))
    main(["--lessons", str(LESSONS), "quiz", name])
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith("score: ")  # the quiz ran to its end
    assert not [line for line in lines if len(line) > WIDTH]
