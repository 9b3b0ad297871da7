"""Quizzes that test the topic (issue 15, part 5): generators spread thin, few answers copied from the page.

Two bars across the catalogue: no generator is listed by more than a third of the lessons, and at
most a quarter of a lesson's questions have their right answer shown verbatim on the page before
the quiz (tests/quiz/verbatim.py says what counts).
"""

from __future__ import annotations

import tomllib
from collections import Counter

import pytest

from tests.conftest import LESSONS
from tests.quiz.verbatim import copied_questions, is_copied, numeric_forms, page_questions, text_before_quiz
from tracegen.cli import main

MAX_COPIED_SHARE = 0.25


def lesson_generators() -> dict[str, list[str]]:
    """Return every lesson's listed generators, read from the lesson files."""
    out = {}
    for path in sorted(LESSONS.glob("*.md")):
        front = tomllib.loads(path.read_text(encoding="utf-8").split("+++")[1])
        out[path.stem] = front.get("quiz", {}).get("generators", [])
    return out


def test_no_generator_is_in_more_than_a_third_of_the_lessons():
    """A generic question (test_rows, auc_vs_recall, ...) appears in at most a third of the lessons."""
    lessons = lesson_generators()
    uses = Counter(name for generators in lessons.values() for name in generators)
    too_common = {name: count for name, count in uses.items() if count * 3 > len(lessons)}
    assert not too_common, (too_common, len(lessons))


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Every catalogue page, built once: lesson name -> HTML."""
    out = tmp_path_factory.mktemp("topic") / "site"
    assert main(["--lessons", str(LESSONS), "build", "--out", str(out), "--reproducible"]) == 0
    return {path.stem: (out / path.stem / "index.html").read_text(encoding="utf-8")
            for path in sorted(LESSONS.glob("*.md"))}


def test_each_lesson_asks_six_to_ten_questions(pages):
    """Each page ends with about 6-10 questions."""
    counts = {name: len(page_questions(page)) for name, page in pages.items()}
    assert all(6 <= count <= 10 for count in counts.values()), counts


def test_at_most_a_quarter_of_a_lessons_answers_are_printed_before_its_quiz(pages):
    """Per lesson, the questions whose answer is shown verbatim before the quiz are at most 25%."""
    figures = {name: copied_questions(page) for name, page in pages.items()}
    over = {name: (copied, total) for name, (copied, total) in figures.items()
            if len(copied) > MAX_COPIED_SHARE * total}
    assert not over, over


# ---------------------------------------------------------------- the measure itself


PAGE = """<html><body><p>Accuracy 0.8333 on 120 rows; recall 41.7%.</p><script>var x = "0.250";</script>
<section id="quiz"><p>0.600 and 7</p>
<form class="question" id="q1"><label><input type="radio" value="0"> accuracy</label>
<label><input type="radio" value="1"> macro avg f1-score</label></form>
<form class="question" id="q2"><label><input type="radio" value="0"> Only the 80 train rows</label></form>
<script type="application/json" id="quiz-data">{"questions": [
 {"id": "a", "kind": "single", "correct": [0]}, {"id": "b", "kind": "single", "correct": [0]},
 {"id": "c", "kind": "numeric", "answer": 0.83333, "shown": "0.833", "tolerance": 0.0005},
 {"id": "d", "kind": "numeric", "answer": 0.25, "shown": "0.250", "tolerance": 0.0005},
 {"id": "e", "kind": "numeric", "answer": 0.6, "shown": "0.600", "tolerance": 0.0005},
 {"id": "f", "kind": "numeric", "answer": 0.4167, "shown": "0.42", "tolerance": 0.005},
 {"id": "g", "kind": "numeric", "answer": 12.0, "shown": "12", "tolerance": 0.5},
 {"id": "h", "kind": "numeric", "answer": 0.8329, "shown": "0.8329", "tolerance": 0.00005}]}</script>
</section></body></html>"""


def test_the_measure_reads_only_the_visible_text_before_the_quiz():
    """Script content and anything from the quiz element on are not part of the measured text."""
    text = text_before_quiz(PAGE)
    assert "0.8333" in text and "120" in text
    assert "0.250" not in text and "0.600" not in text


def test_the_measure_counts_roundings_and_short_right_options():
    """0.833 counts (0.8333 shown), 41.7% counts for 0.42, a one-word right option counts; the rest do not."""
    copied, total = copied_questions(PAGE)
    assert total == 8
    # a: "accuracy" is not shown before the quiz (only "Accuracy", another token); b: a long option text;
    # d: only in a script; e: only inside the quiz; g: "12" only inside "120"; h: 0.8333 would grade wrong.
    assert copied == ["c", "f"]
    questions = {q.id: q for q in page_questions(PAGE)}
    assert is_copied(questions["a"], "the accuracy row")
    assert "83.3%" in numeric_forms(0.8333, "0.833", 0.0005)
    assert "0.83" not in numeric_forms(0.8333, "0.833", 0.0005) and "0.83" in numeric_forms(0.8333, "0.83", 0.005)
