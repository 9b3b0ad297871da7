"""Saved browser state never breaks a page: garbage, old-schema and foreign localStorage values.

Values are seeded into localStorage (file:// pages share one store, so each test has its own
browser context) before the page under test loads. A value the page cannot trust resets that
lesson's answers, the page says so, and everything else in storage is left alone.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import write_lesson
from tests.test_browser import browser  # noqa: F401  (the shared chromium fixture: fails in CI, skips elsewhere)
from tracegen.cli import main
from tracegen.html.quiz import storage_key
from tracegen.quiz import make_questions
from tracegen.spec import load_lesson
from tracegen.trace import Trace

FRONT = """title = "{title}"
epochs = 3
[dataset]
source = "make_classification"
n_samples = 120
n_features = 4
n_informative = 3
n_redundant = 0
[split]
seed = {seed}
validation_size = 0.25
[quiz]
generators = ["test_rows", "stage_shape", "auc_vs_recall"]
"""
RESET_NOTICE = "could not be read"
FOREIGN = {"another-app:settings": '{"theme": "dark"}', "tracegen:removed-lesson:0123abcd": "{not json"}


@pytest.fixture(scope="module")
def small_site(tmp_path_factory):
    """Two small lessons built into a site; returns (site folder, {lesson: (key, questions)})."""
    folder = tmp_path_factory.mktemp("state")
    lessons = {}
    for name, seed in (("alpha", 1), ("beta", 2)):
        lessons[name] = write_lesson(folder, FRONT.format(title=name.capitalize(), seed=seed), name=name)
    out = folder / "site"
    assert main(["build", *map(str, lessons.values()), "--out", str(out), "--reproducible", "--no-cache",
                 "--quiet"]) == 0
    info = {}
    for name, path in lessons.items():
        trace = Trace.from_json((out / name / "trace.json").read_text(encoding="utf-8"))
        info[name] = (storage_key(trace), make_questions(load_lesson(path), trace))
    return out, info


@pytest.fixture
def context(browser):  # noqa: F811
    """A fresh browser context (its own localStorage) that never reaches the network."""
    context = browser.new_context()
    context.route(re.compile(r"^(?!file:)"), lambda route: route.abort())
    yield context
    context.close()


def open_seeded(context, site: Path, relative: str, items: dict[str, str]):
    """Seed localStorage from another page of the site, then load `relative`; return (page, console errors)."""
    errors: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((site / "static" / "favicon.svg").as_uri())  # same file:// origin, runs none of the site's code
    page.evaluate("items => { localStorage.clear(); for (const k in items) localStorage.setItem(k, items[k]); }", items)
    page.goto((site / relative).as_uri())
    return page, errors


def first(questions, kind: str):
    """Return (form number, question) of the first question of a kind."""
    return next((i + 1, q) for i, q in enumerate(questions) if q.kind == kind)


def garbage_values(questions) -> dict[str, str]:
    """Values a lesson's key may hold that the page must not trust, by name."""
    _, single = first(questions, "single")
    _, numeric = first(questions, "numeric")
    _, multiple = first(questions, "multiple")

    def v1(answers) -> str:
        return json.dumps({"version": 1, "answers": answers})
    return {
        "not json": "{not json",
        "empty string": "",
        "json null": "null",
        "json number": "42",
        "json string": '"answers"',
        "no answers": '{"version": 1}',
        "answers a list": '{"version": 1, "answers": []}',
        "old schema (no version)": json.dumps({single.id: 0}),
        "future schema": json.dumps({"version": 2, "answers": {}}),
        "version as text": json.dumps({"version": "1", "answers": {}}),
        "single answered with text": v1({single.id: {"value": "0", "correct": True}}),
        "single out of range": v1({single.id: {"value": len(single.options), "correct": True}}),
        "single negative": v1({single.id: {"value": -1, "correct": False}}),
        "numeric as a number": v1({numeric.id: {"value": numeric.answer, "correct": True}}),
        "numeric not a number": v1({numeric.id: {"value": "12abc", "correct": False}}),
        "numeric Infinity": v1({numeric.id: {"value": "Infinity", "correct": False}}),
        "multiple empty": v1({multiple.id: {"value": [], "correct": False}}),
        "multiple with a float": v1({multiple.id: {"value": [0.5], "correct": False}}),
        "correct not a boolean": v1({single.id: {"value": 0, "correct": "yes"}}),
        "first attempt not a boolean": v1({single.id: {"value": 0, "correct": True, "first": 1}}),
        "first attempt null": v1({single.id: {"value": 0, "correct": True, "first": None}}),
        "answer null": v1({single.id: None}),
        "unknown question": v1({"no-such-question": {"value": 0, "correct": True}}),
        "__proto__ key": '{"version": 1, "answers": {"__proto__": {"value": 0, "correct": true}}}',
        "constructor key": v1({"constructor": {"value": 0, "correct": True}}),
        "html in a value": v1({numeric.id: {"value": "<img src=x onerror=alert(1)>", "correct": True}}),
        "one megabyte": "x" * 1_000_000,
    }


def test_every_untrusted_value_is_reset_with_a_notice(context, small_site):
    """Each garbage, old-schema or hostile value: the lesson says it reset, drops only its key, no script error."""
    site, info = small_site
    key, questions = info["alpha"]
    other_key, _ = info["beta"]
    other_saved = json.dumps({"version": 1, "answers": {}})
    page, errors = open_seeded(context, site, "alpha/index.html", {})
    failures = []
    for case, value in garbage_values(questions).items():
        page.evaluate("items => { localStorage.clear(); for (const k in items) localStorage.setItem(k, items[k]); }",
                      {key: value, other_key: other_saved, **FOREIGN})
        page.reload()
        notice = page.locator("#quiz-notice")
        stored = page.evaluate(
            "() => Object.fromEntries(Object.keys(localStorage).map(k => [k, localStorage.getItem(k)]))")
        progress = page.locator("#quiz-progress").inner_text()
        if not (notice.is_visible() and RESET_NOTICE in notice.inner_text()) or \
                stored != {other_key: other_saved, **FOREIGN} or progress != f"0 of {len(questions)} answered":
            failures.append(case)
    assert failures == [] and errors == []


@pytest.mark.parametrize("case", ["not json", "__proto__ key", "one megabyte"])
def test_after_a_reset_the_quiz_works_and_saves(context, small_site, case):
    """After a reset the quiz still checks, saves clean state, and restores it with no notice on reload."""
    site, info = small_site
    key, questions = info["alpha"]
    page, errors = open_seeded(context, site, "alpha/index.html", {key: garbage_values(questions)[case]})
    assert RESET_NOTICE in page.locator("#quiz-notice").inner_text()
    number, single = first(questions, "single")
    form = page.locator(f"#q{number}")
    form.locator(f"input[value='{single.correct_indices[0]}']").check()
    form.get_by_role("button", name="Check answer").click()
    assert "✓ Correct" in form.locator(".feedback").inner_text()
    saved = json.loads(page.evaluate("k => localStorage.getItem(k)", key))
    assert saved == {"version": 1, "answers": {single.id: {"value": single.correct_indices[0], "correct": True,
                                                          "first": True}}}
    page.reload()
    assert not page.locator("#quiz-notice").is_visible()
    assert page.locator(f"#q{number} input[value='{single.correct_indices[0]}']").is_checked()
    assert errors == []


def test_index_resets_only_the_unreadable_lesson(context, small_site):
    """The index names the lesson it reset, still counts the other lesson's answers, and keeps foreign keys."""
    site, info = small_site
    alpha_key, alpha_questions = info["alpha"]
    beta_key, beta_questions = info["beta"]
    _, beta_single = first(beta_questions, "single")
    beta_saved = json.dumps({"version": 1, "answers": {
        beta_single.id: {"value": beta_single.correct_indices[0], "correct": True}}})
    page, errors = open_seeded(context, site, "index.html",
                               {alpha_key: '{"version": 0, "answers": {}}', beta_key: beta_saved, **FOREIGN})
    notice = page.locator("#progress-notice")
    assert notice.is_visible() and "Alpha" in notice.inner_text() and "Beta" not in notice.inner_text()
    total = len(alpha_questions) + len(beta_questions)
    # beta's answer was saved before first attempts were: its first attempt is unknown, its final score counts.
    assert page.locator("#site-progress-text").inner_text() == \
        f"1 of {total} answered · first attempt 0/{total} (1 unknown) · final 1/{total}"
    assert page.evaluate("k => localStorage.getItem(k)", alpha_key) is None
    assert page.evaluate("k => localStorage.getItem(k)", beta_key) == beta_saved
    for key, value in FOREIGN.items():
        assert page.evaluate("k => localStorage.getItem(k)", key) == value
    assert errors == []


def test_pages_work_when_storage_throws(context, small_site):
    """With localStorage unusable (it throws), the quiz still checks answers and says they cannot be saved."""
    site, info = small_site
    _, questions = info["alpha"]
    context.add_init_script("""for (const name of ['getItem', 'setItem', 'removeItem', 'key', 'clear']) {
        Storage.prototype[name] = () => { throw new DOMException('denied', 'SecurityError'); };
    }""")
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((site / "alpha" / "index.html").as_uri())
    number, single = first(questions, "single")
    form = page.locator(f"#q{number}")
    form.locator(f"input[value='{single.correct_indices[0]}']").check()
    form.get_by_role("button", name="Check answer").click()
    assert "✓ Correct" in form.locator(".feedback").inner_text()
    assert "does not allow saving" in page.locator("#quiz-notice").inner_text()
    page.goto((site / "index.html").as_uri())
    assert page.locator("#site-progress-text").inner_text().startswith("0 of ")
    assert errors == []
