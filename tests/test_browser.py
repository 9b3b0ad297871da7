"""The built site in a real browser (Debian's chromium through Playwright), from file:// and over http.

Each test gets a fresh browser context: file:// pages share one localStorage, so contexts keep
tests apart. Expected answers come from the quiz engine and the trace, not from the page.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import threading
import urllib.parse
from pathlib import Path

import pytest

from tests.conftest import LESSONS
from tracegen.cli import main
from tracegen.quiz import make_questions
from tracegen.spec import load_lesson
from tracegen.trace import Trace

LESSON_NAMES = ("precision-recall", "multiclass-roc")
SCHEMES = ("file", "http")
IN_CI = os.environ.get("CI") == "true"


def browser_unavailable(reason: str) -> None:
    """Fail in CI (a missing browser must not pass silently there); skip elsewhere."""
    if IN_CI:
        pytest.fail(f"CI=true and the browser tests cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory) -> Path:
    """The two original lessons, built once for this module (the catalogue's pages are checked in test_catalogue)."""
    out = tmp_path_factory.mktemp("browser") / "site"
    assert main(["--lessons", str(LESSONS), "build", *LESSON_NAMES, "--out", str(out), "--reproducible"]) == 0
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def base_url(site_dir):
    """http.server on a free port of 127.0.0.1, serving the built site."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, driven by Playwright (never `playwright install`)."""
    executable = shutil.which("chromium")
    if executable is None:
        browser_unavailable("Debian's chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=executable)
        except Exception as exc:  # any launch failure means no browser tests
            browser_unavailable(f"chromium did not start: {exc}")
        yield launched
        launched.close()


class Visit:
    """One browser context: opens site pages by scheme and records every request made."""

    def __init__(self, context, site_dir: Path, base_url: str):
        self.context = context
        self.site_dir = site_dir.resolve()
        self.base_url = base_url
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        context.on("request", lambda request: self.requests.append(request.url))
        # Anything outside the site would hang on DNS offline: abort it (it is still recorded).
        context.route(re.compile(r"^(?!file:|http://127\.0\.0\.1:)"), lambda route: route.abort())
        self.page = context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))

    def url(self, scheme: str, relative: str) -> str:
        """Return the address of a site file over file:// or http://127.0.0.1."""
        if scheme == "file":
            return (self.site_dir / relative).as_uri()
        return f"{self.base_url}/{relative}"

    def open(self, scheme: str, relative: str):
        """Open a site page and return the Playwright page."""
        self.page.goto(self.url(scheme, relative))
        return self.page

    def outside_requests(self) -> list[str]:
        """Return requests for anything but an existing file of the built site."""
        outside = []
        for url in self.requests:
            parts = urllib.parse.urlsplit(url)
            if parts.scheme == "file":
                path = Path(urllib.parse.unquote(parts.path)).resolve()
            elif url.startswith(self.base_url + "/"):
                path = (self.site_dir / urllib.parse.unquote(parts.path).lstrip("/")).resolve()
            else:
                outside.append(url)
                continue
            if not (path.is_file() and path.is_relative_to(self.site_dir)):
                outside.append(url)
        return outside


@pytest.fixture
def visit(browser, site_dir, base_url):
    """A fresh context (fresh localStorage) for one test; checks afterwards that it stayed offline."""
    context = browser.new_context()
    recorder = Visit(context, site_dir, base_url)
    yield recorder
    context.close()
    assert recorder.outside_requests() == []


@functools.cache
def questions_of(site_dir: Path, lesson: str):
    """Return the quiz engine's questions for the trace the site was built from."""
    trace = Trace.from_json((site_dir / lesson / "trace.json").read_text(encoding="utf-8"))
    return trace, make_questions(load_lesson(LESSONS / f"{lesson}.md"), trace)


def first_of_kind(questions, kind: str) -> tuple[int, object]:
    """Return (form number, question) of the first question of a kind."""
    return next((i + 1, q) for i, q in enumerate(questions) if q.kind == kind)


def answer_choice(page, number: int, option: int) -> str:
    """Choose one option of question `number`, check it, and return the feedback text."""
    form = page.locator(f"#q{number}")
    form.locator(f"input[value='{option}']").check()
    form.get_by_role("button", name="Check answer").click()
    return form.locator(".feedback").inner_text()


def answer_number(page, number: int, text: str) -> str:
    """Type an answer to numeric question `number`, check it, and return the feedback text."""
    form = page.locator(f"#q{number}")
    form.locator("input[name=answer]").fill(text)
    form.get_by_role("button", name="Check answer").click()
    return form.locator(".feedback").inner_text()


# --- quiz --------------------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", SCHEMES)
def test_quiz_feedback_is_saved_and_restored(visit, site_dir, scheme):
    """Wrong then right answers get their own feedback; after a reload the answers and score are back."""
    trace, questions = questions_of(site_dir, "precision-recall")
    page = visit.open(scheme, "precision-recall/index.html")
    single_no, single = first_of_kind(questions, "single")
    wrong = next(i for i, o in enumerate(single.options) if not o.correct)
    right = single.correct_indices[0]
    feedback = answer_choice(page, single_no, wrong)
    assert "✗ Not quite" in feedback and single.options[wrong].feedback in feedback
    feedback = answer_choice(page, single_no, right)
    assert "✓ Correct" in feedback and single.options[right].feedback in feedback
    assert page.locator(f"#q{single_no} .explanation").is_visible()

    numeric_no, numeric = first_of_kind(questions, "numeric")
    far_off = f"{numeric.answer + 1000 * (numeric.tolerance or 1) + 1000:.{numeric.decimals or 0}f}"
    assert "Not within ±" in answer_number(page, numeric_no, far_off)
    shown = f"{numeric.answer:.{numeric.decimals if numeric.decimals is not None else 2}f}"
    feedback = answer_number(page, numeric_no, shown)
    assert "✓ Correct" in feedback and f"The run's value is {shown};" in feedback
    total = len(questions)
    # Both questions were wrong at their first check and right at their latest.
    progress = f"2 of {total} answered · first attempt 0/{total} · final 2/{total}"
    assert page.locator("#quiz-progress").inner_text() == progress

    page.reload()
    assert page.locator(f"#q{single_no} input[value='{right}']").is_checked()
    assert page.locator(f"#q{numeric_no} input[name=answer]").input_value() == shown
    assert "✓ Correct" in page.locator(f"#q{single_no} .feedback").inner_text()
    assert page.locator("#quiz-progress").inner_text() == progress
    key = f"tracegen:precision-recall:{trace.hash}"
    saved = json.loads(page.evaluate("key => localStorage.getItem(key)", key))
    assert saved["answers"][single.id] == {"value": right, "correct": True, "first": False}


def test_multiple_choice_and_numeric_misconception_feedback(visit, site_dir):
    """A partly right multi-select is wrong and lists what was missed; a modelled wrong value gets its feedback."""
    _, questions = questions_of(site_dir, "precision-recall")
    page = visit.open("file", "precision-recall/index.html")
    multi_no, multi = first_of_kind(questions, "multiple")
    form = page.locator(f"#q{multi_no}")
    form.locator(f"input[value='{multi.correct_indices[0]}']").check()
    form.get_by_role("button", name="Check answer").click()
    feedback = form.locator(".feedback").inner_text()
    assert "✗ Not quite" in feedback and "Missed: " in feedback
    numeric_no, numeric = next((i + 1, q) for i, q in enumerate(questions)
                               if q.kind == "numeric" and any(o.value is not None for o in q.options))
    misconception = next(o for o in numeric.options if o.value is not None)
    feedback = answer_number(page, numeric_no, repr(misconception.value))
    assert "✗ Not quite" in feedback and misconception.feedback in feedback


def test_reset_clears_this_lesson(visit, site_dir):
    """The reset button forgets this lesson's answers, on the page and in storage."""
    trace, questions = questions_of(site_dir, "multiclass-roc")
    page = visit.open("file", "multiclass-roc/index.html")
    number, question = first_of_kind(questions, "single")
    answer_choice(page, number, question.correct_indices[0])
    page.get_by_role("button", name="Reset this lesson's answers").click()
    assert page.locator("#quiz-progress").inner_text() == f"0 of {len(questions)} answered"
    assert page.locator(f"#q{number} .feedback").inner_text() == ""
    assert page.evaluate("k => localStorage.getItem(k)", f"tracegen:multiclass-roc:{trace.hash}") is None
    page.reload()
    assert not page.locator(f"#q{number} input:checked").count()


@pytest.mark.parametrize("garbage", ["{not json", "[]", '{"version": 0, "answers": {}}',
                                     '{"version": 1, "answers": {"no-such-question": {"value": 0, "correct": true}}}',
                                     "OPTION_OUT_OF_RANGE"])
def test_unreadable_saved_answers_are_reset_with_a_notice(visit, site_dir, garbage):
    """Garbage or stale localStorage never breaks the page: that lesson is reset and the page says so."""
    trace, questions = questions_of(site_dir, "precision-recall")
    number, question = first_of_kind(questions, "single")
    if garbage == "OPTION_OUT_OF_RANGE":
        garbage = json.dumps({"version": 1, "answers": {question.id: {"value": 99, "correct": True}}})
    key = f"tracegen:precision-recall:{trace.hash}"
    page = visit.open("file", "precision-recall/index.html")
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [key, garbage])
    page.reload()
    assert "could not be read" in page.locator("#quiz-notice").inner_text()
    assert page.evaluate("k => localStorage.getItem(k)", key) is None
    assert "✓ Correct" in answer_choice(page, number, question.correct_indices[0])
    page.goto(visit.url("file", "index.html"))
    assert not page.locator("#progress-notice").is_visible()
    assert visit.console_errors == []


# --- index ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", SCHEMES)
def test_index_shows_progress_and_score(visit, site_dir, scheme):
    """After one right and one wrong answer on two lessons, the index shows each lesson and the site total."""
    pr_trace, pr_questions = questions_of(site_dir, "precision-recall")
    _, mc_questions = questions_of(site_dir, "multiclass-roc")
    page = visit.open(scheme, "multiclass-roc/index.html")
    number, question = first_of_kind(mc_questions, "single")
    answer_choice(page, number, question.correct_indices[0])
    page.goto(visit.url(scheme, "precision-recall/index.html"))
    number, question = first_of_kind(pr_questions, "single")
    answer_choice(page, number, next(i for i, o in enumerate(question.options) if not o.correct))
    page.goto(visit.url(scheme, "index.html"))
    total = len(pr_questions) + len(mc_questions)
    assert page.locator("#site-progress-text").inner_text() == \
        f"2 of {total} answered · first attempt 1/{total} · final 1/{total}"
    assert page.locator("#progress-multiclass-roc-0").inner_text() == \
        f"1 of {len(mc_questions)} answered · first attempt 1/{len(mc_questions)} · final 1/{len(mc_questions)}"
    assert page.locator("#progress-precision-recall-0").inner_text() == \
        f"1 of {len(pr_questions)} answered · first attempt 0/{len(pr_questions)} · final 0/{len(pr_questions)}"
    assert page.locator("#site-progress-meter").evaluate("m => m.value") == 2
    cards = page.locator(".lesson-card h2").all_inner_texts()
    assert sorted(cards) == sorted(load_lesson(LESSONS / f"{n}.md").title for n in LESSON_NAMES)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_first_attempt_and_final_scores_on_the_page_and_the_index(visit, site_dir, scheme):
    """Wrong then right: first attempt 0, final 1, on the page and the index, after reloads; reset clears both."""
    _, pr_questions = questions_of(site_dir, "precision-recall")
    _, mc_questions = questions_of(site_dir, "multiclass-roc")
    n, total = len(pr_questions), len(pr_questions) + len(mc_questions)
    page = visit.open(scheme, "precision-recall/index.html")
    number, question = first_of_kind(pr_questions, "single")
    wrong = next(i for i, o in enumerate(question.options) if not o.correct)
    assert "✗ Not quite" in answer_choice(page, number, wrong)
    assert page.locator("#quiz-progress").inner_text() == f"1 of {n} answered · first attempt 0/{n} · final 0/{n}"
    assert "✓ Correct" in answer_choice(page, number, question.correct_indices[0])
    wanted = f"1 of {n} answered · first attempt 0/{n} · final 1/{n}"
    assert page.locator("#quiz-progress").inner_text() == wanted
    page.reload()
    assert page.locator("#quiz-progress").inner_text() == wanted
    page.goto(visit.url(scheme, "index.html"))
    for _ in range(2):  # and again after a reload
        assert page.locator("#progress-precision-recall-0").inner_text() == wanted
        assert page.locator("#site-progress-text").inner_text() == \
            f"1 of {total} answered · first attempt 0/{total} · final 1/{total}"
        page.reload()
    page.goto(visit.url(scheme, "precision-recall/index.html"))
    page.get_by_role("button", name="Reset this lesson's answers").click()
    assert page.locator("#quiz-progress").inner_text() == f"0 of {n} answered"
    answer_choice(page, number, question.correct_indices[0])
    assert page.locator("#quiz-progress").inner_text() == f"1 of {n} answered · first attempt 1/{n} · final 1/{n}"


def test_previous_and_next_links_walk_the_path(visit, site_dir):
    """The site's path here is the order the lessons were named in: precision-recall, then multiclass-roc."""
    page = visit.open("file", "precision-recall/index.html")
    navs = page.get_by_role("navigation", name="Lesson path")
    assert navs.count() == 2 and not page.locator("a[rel=prev]").count()
    title = load_lesson(LESSONS / "multiclass-roc.md").title
    assert navs.first.inner_text() == f"Next: {title} →"
    navs.first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"multiclass-roc/index\.html$"))
    assert page.locator("h1").inner_text() == title and not page.locator("a[rel=next]").count()
    page.locator("a[rel=prev]").last.click()
    page.wait_for_url(re.compile(r"precision-recall/index\.html$"))


# --- search --------------------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", SCHEMES)
def test_search_finds_a_lesson_by_a_word_of_its_body(visit, site_dir, scheme):
    """A word only the multiclass lesson's prose uses finds that lesson, and the result opens it."""
    word = "pooled"
    bodies = {name: load_lesson(LESSONS / f"{name}.md").body.lower() for name in LESSON_NAMES}
    assert word in bodies["multiclass-roc"] and word not in bodies["precision-recall"]
    page = visit.open(scheme, "precision-recall/index.html")
    page.get_by_label("Search all lessons").fill(word)
    results = page.locator("#search-results a")
    results.first.wait_for()
    assert results.all_inner_texts() == [load_lesson(LESSONS / "multiclass-roc.md").title]
    assert page.locator("#search-status").inner_text() == "1 lesson matches"
    assert any(url.endswith("search-index.js") for url in visit.requests)
    results.first.click()
    page.wait_for_url(re.compile(r"multiclass-roc/index\.html$"))
    assert page.locator("h1").inner_text() == load_lesson(LESSONS / "multiclass-roc.md").title


# --- keyboard, labels, themes, layout ------------------------------------------------------------

def test_quiz_works_from_the_keyboard(visit, site_dir):
    """Skip link first; an option chosen with Space and submitted with Enter gets feedback."""
    _, questions = questions_of(site_dir, "precision-recall")
    page = visit.open("file", "precision-recall/index.html")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    number, question = first_of_kind(questions, "single")
    page.locator(f"#q{number} input[value='{question.correct_indices[0]}']").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Check answer"
    page.keyboard.press("Enter")
    assert "✓ Correct" in page.locator(f"#q{number} .feedback").inner_text()
    numeric_no, numeric = first_of_kind(questions, "numeric")
    page.locator(f"#q{numeric_no} input[name=answer]").focus()
    page.keyboard.type(f"{numeric.answer:.{numeric.decimals or 0}f}")
    page.keyboard.press("Enter")
    assert "✓ Correct" in page.locator(f"#q{numeric_no} .feedback").inner_text()


@pytest.mark.parametrize("relative", ["index.html", "precision-recall/index.html", "multiclass-roc/index.html"])
def test_every_input_has_a_label(visit, relative):
    """Every input, including the search box, has a label a screen reader announces."""
    page = visit.open("file", relative)
    unlabelled = page.evaluate("""() => Array.from(document.querySelectorAll('input, select, textarea'))
        .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label')).map(el => el.outerHTML)""")
    assert unlabelled == []


def test_dark_mode_phone_width_and_print(browser, site_dir, base_url, tmp_path):
    """Dark mode follows the system, a 375 px phone never scrolls sideways, and print hides the controls."""
    backgrounds = {}
    for scheme, width in (("light", 1280), ("dark", 375)):
        context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 800})
        visit = Visit(context, site_dir, base_url)
        page = visit.open("file", "multiclass-roc/index.html")
        backgrounds[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=tmp_path / f"{scheme}.png", full_page=True)
        assert (tmp_path / f"{scheme}.png").read_bytes()[:4] == b"\x89PNG"
        if scheme == "light":
            page.emulate_media(media="print")
            assert page.locator(".site-header").evaluate("e => getComputedStyle(e).display") == "none"
        context.close()
        assert visit.outside_requests() == []
    light, dark = (sum(map(int, re.findall(r"\d+", backgrounds[s])[:3])) for s in ("light", "dark"))
    assert light > 600 and dark < 150


def test_scripts_run_under_the_csp_and_inline_script_is_blocked(visit):
    """The page's own scripts run with no CSP errors, while an injected inline script is refused."""
    page = visit.open("file", "precision-recall/index.html")
    assert page.locator("#quiz-progress").inner_text() != "Checking answers needs JavaScript."
    assert visit.console_errors == []
    with pytest.raises(Exception, match="Content Security Policy"):
        page.add_script_tag(content="window.inlineRan = true;")
    assert page.evaluate("window.inlineRan === undefined")
