"""`tracegen check`: false claims and questions that cannot teach, one line each, for a range of seeds;
degenerate questions are dropped from the built page; --seeds parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_tiny_lesson
from tracegen.claims import parse_seeds
from tracegen.cli import main
from tracegen.quiz.degenerate import degenerate_questions, teaching_questions
from tracegen.quiz.question import Option, Question

# 120 rows with test_size 0.2: 24 test rows and 96 training rows, by plain arithmetic.
# n_train / 4 = 96 / 4 = 24 = n_test: the distractor is the answer.
DISTRACTOR_IS_ANSWER = """
[[quiz.questions]]
id = "same-value"
kind = "numeric"
prompt = "How many rows are held out for testing?"
explanation = "test_size times the rows."
answer = "n_test"
decimals = 0
[[quiz.questions.options]]
value = "n_train / 4"
misconception = "a quarter of the training rows"
feedback = "That is a quarter of the training rows."
"""
# 1 / 24 = 0.0417, shown as 0.04, and a tolerance of 0.05 grades 0 as right.
TOLERANCE_ACCEPTS_ZERO = """
[[quiz.questions]]
id = "loose"
kind = "numeric"
prompt = "What fraction of the test rows is one row?"
explanation = "One over the test rows."
answer = "1 / n_test"
tolerance = 0.05
"""
CLEAN = """
[[quiz.questions]]
id = "clean"
kind = "numeric"
prompt = "How many rows are held out for testing?"
explanation = "test_size times the rows."
answer = "n_test"
decimals = 0
[[quiz.questions.options]]
value = "n_rows"
misconception = "every row"
feedback = "That is every row, not the test rows."
"""


def lesson(folder: Path, questions: str, top: str = "", name: str = "lesson") -> Path:
    return write_tiny_lesson(folder, top, '[quiz]\ngenerators = ["test_rows"]\n' + questions, name=name)


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def check(capsys, *argv: str) -> tuple[int, str, str]:
    return cli(capsys, "check", *argv, "--no-cache", "-q", "-j", "1")


def findings(out: str) -> list[str]:
    """Return check's output one finding per item: a finding wraps onto lines indented by four spaces."""
    items: list[str] = []
    for line in out.splitlines():
        if line.startswith("    "):
            items[-1] += " " + line.strip()
        else:
            items.append(line)
    return items


def test_check_reports_degenerate_questions_and_exits_2(tmp_path, capsys):
    path = lesson(tmp_path, DISTRACTOR_IS_ANSWER + TOLERANCE_ACCEPTS_ZERO + CLEAN)
    code, out, err = check(capsys, str(path), "--seeds", "2-3")
    assert code == 2, err
    lines = findings(out)
    for seed in (2, 3):
        assert f"{path}: seed {seed}: question 'same-value': distractor 24 (a quarter of the training rows) " \
               "grades as right: answer 24 +- 0.5" in lines
        assert f"{path}: seed {seed}: question 'loose': tolerance 0.05 grades 0 as right: answer 0.04" in lines
    # 'clean' asks what 'same-value' asks, with the same answer; 'same-value' is dropped, so it is not a twin.
    assert not any("'clean'" in line for line in lines)
    assert lines[-1] == "checked 1 lesson(s) at seeds 2-3 (2 runs): 4 finding(s) in 1 lesson(s)"
    assert len(lines) == 5


def test_check_reports_false_claims(tmp_path, capsys):
    path = lesson(tmp_path, CLEAN, top='claims = ["seed < 4", "n_test == 24"]')
    code, out, _ = check(capsys, str(path), "--seeds", "3-5")
    assert code == 2
    assert findings(out) == [f"{path}: seed 4: claim 'seed < 4' is false",
                                f"{path}: seed 5: claim 'seed < 4' is false",
                                "checked 1 lesson(s) at seeds 3-5 (3 runs): 2 finding(s) in 1 lesson(s)"]


def test_check_clean_lesson_exits_0(tmp_path, capsys):
    path = lesson(tmp_path, CLEAN, top='claims = ["n_test == 24"]')
    code, out, err = check(capsys, str(path), "--seeds", "0-2")
    assert code == 0, out + err
    assert out == "checked 1 lesson(s) at seeds 0-2 (3 runs): no findings\n"


def test_check_output_fits_80_columns(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lesson(tmp_path, DISTRACTOR_IS_ANSWER + TOLERANCE_ACCEPTS_ZERO + CLEAN)
    code, out, _ = check(capsys, "lesson.md", "--seeds", "2")
    assert code == 2
    assert len(out.splitlines()) > len(findings(out)) >= 3  # something was long enough to wrap
    assert max(len(line) for line in out.splitlines()) <= 80


def test_check_names_every_lesson_in_a_folder_by_default(tmp_path, capsys):
    lesson(tmp_path, CLEAN, name="a")
    lesson(tmp_path, TOLERANCE_ACCEPTS_ZERO, name="b")
    code, out, _ = cli(capsys, "--lessons", str(tmp_path), "check", "--seeds", "1", "--no-cache", "-q")
    assert code == 2
    assert findings(out) == [f"{tmp_path / 'b.md'}: seed 1: question 'loose': tolerance 0.05 grades 0 "
                                "as right: answer 0.04",
                                "checked 2 lesson(s) at seed 1 (2 runs): 1 finding(s) in 1 lesson(s)"]


def test_built_page_and_terminal_quiz_drop_degenerate_questions(tmp_path, capsys):
    """The page never shows a question that cannot teach; the clean one stays."""
    path = lesson(tmp_path, DISTRACTOR_IS_ANSWER + TOLERANCE_ACCEPTS_ZERO + CLEAN)
    out = tmp_path / "site"
    code, _, err = cli(capsys, "build", str(path), "--out", str(out), "--no-cache", "-q", "-j", "1")
    assert code == 0, err
    page = (out / "lesson" / "index.html").read_text(encoding="utf-8")
    assert "What fraction of the test rows is one row?" not in page
    assert "a quarter of the training rows" not in page
    assert "every row, not the test rows" in page
    answers = tmp_path / "answers.toml"
    answers.write_text("", encoding="utf-8")
    code, text, err = cli(capsys, "quiz", str(path), "--answers", str(answers), "--fail-under", "0")
    assert code == 0, err
    assert "What fraction of the test rows" not in text and "How many rows are held out" in text


def question(qid, kind="single", prompt="Which?", options=(), answer=None, tolerance=None, decimals=None):
    return Question(id=qid, kind=kind, prompt=prompt, options=tuple(options), explanation=".", generator=qid,
                    answer=answer, tolerance=tolerance, decimals=decimals)


def choice(*texts):
    return [Option(text=t, correct=i == 0, feedback="f", misconception=None if i == 0 else "m")
            for i, t in enumerate(texts)]


def test_degenerate_rules_on_plain_questions():
    """Each rule on questions built by hand (grading: |value - answer| <= tolerance, as quiz.question says)."""
    questions = [
        question("two", prompt="Two?", options=choice("a", "b")),
        question("repeat", prompt="Repeat?", options=choice("a", "b", "b")),
        question("fine", options=choice("a", "b", "c")),
        question("again", options=choice("c", "b", "a")),  # same prompt, different right answer: fine
        question("copy", options=choice("a", "x", "y")),   # same prompt and right answer as "fine"
        # answer 0.3 with tolerance 0.7: 0 and -0.3 are both within 0.7.
        question("flip", "numeric", "Gap?", answer=0.3, tolerance=0.7, decimals=1),
        # answer 0.004 shows as 0.00 at 2 decimals: accepting 0 is right.
        question("zero", "numeric", "Tiny?", answer=0.004, decimals=2),
        question("near", "numeric", "Near?", answer=0.5, decimals=2,
                 options=[Option(text="0.50", correct=False, feedback="f", misconception="m", value=0.504)]),
    ]
    found = degenerate_questions(questions)
    assert [qid for qid, _ in found] == ["two", "repeat", "copy", "flip", "near"]
    reasons = dict(found)
    assert reasons["two"] == "2 options; this choice question needs at least 3"
    assert reasons["repeat"] == "option text shown twice: 'b'"
    assert reasons["copy"] == "same prompt and answer as question 'fine'"
    assert reasons["flip"] == "tolerance 0.7 grades 0 and -0.3 as right: answer 0.3"
    assert [q.id for q in teaching_questions(questions)] == ["fine", "again", "zero"]


def test_a_hand_written_yes_no_question_can_teach():
    """A teacher's two-option question is kept; a generated one left with two options is not."""
    import dataclasses

    yes_no = dataclasses.replace(question("yes-no", prompt="Yes?", options=choice("yes", "no")),
                                 generator="hand-written")
    generated = question("generated", prompt="Left?", options=choice("a", "b"))
    assert [qid for qid, _ in degenerate_questions([yes_no, generated])] == ["generated"]


@pytest.mark.parametrize(("text", "seeds"), [("5", range(5, 6)), ("0-39", range(0, 40)), (" 3-3 ", range(3, 4))])
def test_seeds_parse(text, seeds):
    assert parse_seeds(text) == seeds


@pytest.mark.parametrize("text", ["", "a", "-1", "1-", "9-3", "0-4294967296", "1.5", "1-2-3"])
def test_bad_seeds_are_one_usage_line(text, tmp_path, capsys):
    with pytest.raises(ValueError):
        parse_seeds(text)
    path = lesson(tmp_path, CLEAN)
    code, out, err = cli(capsys, "check", str(path), "--seeds", text)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("tracegen: error: tracegen check: ")
    assert "Traceback" not in err
