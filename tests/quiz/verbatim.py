"""The verbatim measure: which of a lesson page's questions are answered by copying text shown before the quiz.

Layout-independent: the text measured is the page's visible text (no script or style content)
from the top of the document up to the element with id "quiz", wherever the page puts it.
A question counts as copied when its right answer appears there as a whole token:

- numeric: the answer as the question shows it (its decimals) or in a common rounding of it
  (2, 3 or 4 decimals, a percentage with 0 or 1 decimal; the whole number for 0-decimal answers)
  that grades as right when typed in (within the question's tolerance): a rounding too coarse to
  be accepted does not answer the question, so it is not counted;
- choice: every right option is a short token (a number-like text or a single word) found there.

The questions are read from the built page itself (the quiz-data JSON and the forms' labels),
so the measure sees exactly the questions a learner sees.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser

NUMBER_LIKE = re.compile(r"[-+\u2212()\d.,%\s]+")
SINGLE_WORD = re.compile(r"[A-Za-z_][\w-]*")


class _VisibleText(HTMLParser):
    """The text a reader sees: every text node outside <script> and <style>."""

    SKIPPED = ("script", "style")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in self.SKIPPED

    def handle_endtag(self, tag):
        self.skipping -= tag in self.SKIPPED and self.skipping > 0

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def text_before_quiz(page: str) -> str:
    """Return the visible text of the page from its start up to the element with id="quiz"."""
    at = re.search(r"""<[a-zA-Z][^>]*\sid=["']quiz["']""", page)
    assert at, "the page has no element with id='quiz'"
    parser = _VisibleText()
    parser.feed(page[:at.start()])
    return " ".join(" ".join(parser.parts).split())


@dataclass(frozen=True)
class PageQuestion:
    """One question as its page holds it: id, kind, the numeric answer (or None) and the right options' texts."""

    id: str
    kind: str
    answer: float | None
    shown: str | None
    tolerance: float | None
    right: tuple[str, ...]


def page_questions(page: str) -> list[PageQuestion]:
    """Return the page's questions from its quiz-data JSON and its forms (right options' label texts)."""
    data = re.search(r'<script type="application/json" id="quiz-data">(.*?)</script>', page, re.S)
    assert data, "the page has no quiz data"
    questions = []
    for number, entry in enumerate(json.loads(data.group(1))["questions"], start=1):
        right: tuple[str, ...] = ()
        if entry["kind"] != "numeric":
            form = re.search(rf'<form class="question" id="q{number}">(.*?)</form>', page, re.S)
            assert form, number
            labels = dict(re.findall(r'<label><input[^>]*value="(\d+)"[^>]*>\s*(.*?)</label>', form.group(1), re.S))
            right = tuple(html_lib.unescape(labels[str(i)]).strip() for i in entry["correct"])
        questions.append(PageQuestion(entry["id"], entry["kind"], entry.get("answer"), entry.get("shown"),
                                      entry.get("tolerance"), right))
    return questions


def numeric_forms(answer: float, shown: str, tolerance: float) -> set[str]:
    """Return the texts a page could show the answer as that grade as right: as shown and its common roundings."""
    decimals = len(shown.split(".")[1]) if "." in shown else 0
    forms = {shown}
    if decimals == 0:
        forms.add(str(round(answer)))
    else:
        forms |= {f"{answer:.{d}f}" for d in (2, 3, 4)
                  if abs(float(f"{answer:.{d}f}") - answer) <= tolerance * (1 + 1e-9) + 1e-12}
        forms |= {f"{100 * answer:.{d}f}%" for d in (0, 1)
                  if abs(float(f"{100 * answer:.{d}f}") / 100 - answer) <= tolerance * (1 + 1e-9) + 1e-12}
    return forms | {form.replace("-", "\u2212") for form in forms if form.startswith("-")}


def shown_as_token(token: str, text: str) -> bool:
    """Return True when `token` appears in `text` as a whole token (not inside a longer number or word)."""
    return re.search(rf"(?<![\w.\-\u2212]){re.escape(token)}(?![\w]|\.\d)", text) is not None


def is_copied(question: PageQuestion, text: str) -> bool:
    """Return True when the question's right answer appears verbatim in `text`."""
    if question.kind == "numeric":
        assert question.answer is not None and question.shown is not None and question.tolerance is not None
        forms = numeric_forms(question.answer, question.shown, question.tolerance)
        return any(shown_as_token(form, text) for form in forms)
    short = all(NUMBER_LIKE.fullmatch(t) or SINGLE_WORD.fullmatch(t) for t in question.right)
    return bool(question.right) and short and all(shown_as_token(t, text) for t in question.right)


def copied_questions(page: str) -> tuple[list[str], int]:
    """Return (ids of the questions answered by copying text shown before the quiz, number of questions)."""
    text = text_before_quiz(page)
    questions = page_questions(page)
    return [q.id for q in questions if is_copied(q, text)], len(questions)
