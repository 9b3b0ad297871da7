"""No script injection: hostile text in a lesson's CSV, title and Markdown shows as text and never runs.

The lesson puts `<script>`, `onerror=`, `javascript:` links, a closing `</pre>` and Jinja
`{{ 7*7 }}` in its class names, column names, example rows, title, topic, description and
body. A real browser opens the built pages twice: as built, and with the Content-Security-
Policy removed, so escaping alone must keep every payload inert (the CSP is a second wall).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import write_lesson
from tests.test_browser import browser  # noqa: F401  (the shared chromium fixture: fails in CI, skips elsewhere)
from tracegen import export, pipeline
from tracegen.cli import main
from tracegen.html.prose import render_markdown
from tracegen.quiz import make_questions
from tracegen.spec import load_lesson

# Each payload calls alert() with its own tag, so a dialog names the hole it came through.
CLASS_A = "<img src=x onerror=alert('class')>"
CLASS_B = "</pre><script>alert('pre')</script>{{ 7*7 }}"
COLUMNS = ("<script>alert('column')</script>", 'x" onmouseover="alert(\'quote\')', "{{ 7*7 }}")
TITLE = "<script>alert('title')</script> {{ 7*7 }} lesson"
FRONT = f"""title = "{TITLE}"
topic = "<img src=x onerror=alert('topic')>"
description = "<a href=\\"javascript:alert('desc')\\">{{{{ 7*7 }}}}</a>"
epochs = 2
[dataset]
source = "csv"
path = "hostile.csv"
target = "label"
[split]
seed = 3
[[quiz.questions]]
id = "hostile-question"
kind = "single"
prompt = "Is [[ evaluation.classes[0] ]] a class? <script>alert('prompt')</script> {{{{ 7*7 }}}} ~ = # : }}"
explanation = "It is [[ evaluation.classes[1] ]]'s sibling. <img src=x onerror=alert('explanation')>"
[[quiz.questions.options]]
text = "Yes </pre><script>alert('option')</script>"
correct = true
feedback = "Right {{{{ 7*7 }}}} <b onclick=alert('feedback')>bold</b>"
[[quiz.questions.options]]
text = "No [link](javascript:alert('optionlink'))"
correct = false
misconception = "<script>alert('misconception')</script>"
feedback = "Wrong ~%50%"
"""
BODY = """Intro <script>alert('body')</script> and <img src=x onerror="alert('img')">.

A [plain link](javascript:alert('link')) and an ![image](javascript:alert('image')) and {{ 7*7 }} and {% if 1 %}X{% endif %}.

### Hover me {: onmouseover="alert('attr')" id="hover-me" }

```
</pre><script>alert('fenced')</script>
```

Row count [[ n_test ]] stays an expression; <a href="javascript:alert('raw')">raw link</a>.
"""
PAYLOAD = re.compile(r"alert\('(\w+)'\)")


def write_hostile_csv(folder: Path) -> None:
    """Write hostile.csv: hostile column names and class names, numeric features."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*COLUMNS, "label"])
    for i in range(60):
        writer.writerow([f"{i % 7}.5", str((i * 3) % 11), str(i % 5), CLASS_A if i % 2 else CLASS_B])
    (folder / "hostile.csv").write_text(buffer.getvalue(), encoding="utf-8")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The hostile lesson file and its built site."""
    folder = tmp_path_factory.mktemp("hostile")
    write_hostile_csv(folder)
    lesson = write_lesson(folder, FRONT, BODY, name="hostile")
    out = folder / "site"
    assert main(["build", str(lesson), "--out", str(out), "--reproducible", "--no-cache", "--quiet"]) == 0
    return lesson, out


@pytest.fixture(scope="module")
def without_csp(hostile, tmp_path_factory):
    """A copy of the built site with the Content-Security-Policy meta removed from every page."""
    _, out = hostile
    copy = tmp_path_factory.mktemp("nocsp") / "site"
    shutil.copytree(out, copy)
    for page in copy.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        stripped = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
        assert stripped != text
        page.write_text(stripped, encoding="utf-8")
    return copy


class Structure(HTMLParser):
    """Collect what could run script: inline scripts, on* attributes, script URLs, and the text."""

    def __init__(self):
        super().__init__()
        self.inline_scripts, self.handlers, self.script_urls, self.text = 0, [], [], []
        self._script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and "src" not in attrs and attrs.get("type") != "application/json":
            self.inline_scripts += 1
        self.handlers += [name for name in attrs if name.startswith("on")]
        self.script_urls += [value for name, value in attrs.items()
                             if name in ("href", "src")
                             and re.match(r"\s*(javascript|data|vbscript):", value or "", re.I)]
        self._script = tag == "script"

    def handle_endtag(self, tag):
        self._script = False

    def handle_data(self, data):
        if not self._script:
            self.text.append(data)


def structure(path: Path) -> Structure:
    """Parse one built page."""
    parser = Structure()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


@pytest.mark.parametrize("page", ["hostile/index.html", "index.html"])
def test_payloads_reach_the_pages_as_text_only(hostile, page):
    """Every payload is in the page's text; none became a script, an on* attribute or a script URL."""
    _, out = hostile
    found = structure(out / page)
    assert (found.inline_scripts, found.handlers, found.script_urls) == (0, [], [])
    text = "".join(found.text)
    assert TITLE in text and "<img src=x onerror=alert('topic')>" in text
    if page != "index.html":
        for shown in (CLASS_A, CLASS_B, *COLUMNS, "<script>alert('body')</script>", "{{ 7*7 }} and {% if 1 %}",
                      "</pre><script>alert('fenced')</script>", "<a href=\"javascript:alert('raw')\">"):
            assert shown in text, shown
    assert len(set(PAYLOAD.findall(text))) >= (2 if page == "index.html" else 8)


@pytest.mark.parametrize("csp", ["as built", "removed"])
def test_no_injected_script_runs_and_the_text_shows(browser, hostile, without_csp, csp):  # noqa: F811
    """No dialog and no console error; title, class and column names read as typed, {{ 7*7 }} is not 49."""
    _, out = hostile
    site_dir = out if csp == "as built" else without_csp
    context = browser.new_context()
    context.route(re.compile(r"^(?!file:)"), lambda route: route.abort())
    dialogs, console = [], []
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: console.append(message.text))
    try:
        page.goto((site_dir / "hostile" / "index.html").as_uri())
        page.hover("#insight-hover-me, h5:has-text('Hover me'), h3:has-text('Hover me')")
        link = page.get_by_text("plain link")
        link.click()
        page.get_by_text("raw link").click()
        assert page.locator("h1").inner_text().startswith("<script>alert('title')</script> {{ 7*7 }} lesson")
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        text = page.locator("body").inner_text()
        prompt = page.locator("form", has_text="Is ").filter(has_text="a class?").first.inner_text()
        assert "<script>alert('prompt')</script> {{ 7*7 }} ~ = # : }" in prompt and "&lt;" not in prompt, prompt
        assert "Yes </pre><script>alert('option')</script>" in prompt
        for shown in (CLASS_A, CLASS_B, *COLUMNS, "{{ 7*7 }} and {% if 1 %}X{% endif %}",
                      "<script>alert('body')</script>", "</pre><script>alert('fenced')</script>"):
            assert shown in text, shown
        injected = page.evaluate("""() => ({
            scripts: Array.from(document.scripts).filter(s => !s.src && s.type !== 'application/json').length,
            handlers: Array.from(document.querySelectorAll('*')).flatMap(
                e => Array.from(e.attributes).map(a => a.name)).filter(n => n.startsWith('on')),
            links: Array.from(document.querySelectorAll('[href], [src]')).map(
                e => e.getAttribute('href') || e.getAttribute('src')).filter(u => /^\\s*(javascript|data):/i.test(u)),
        })""")
        assert injected == {"scripts": 0, "handlers": [], "links": []}
        page.get_by_label("Search all lessons").fill("script")
        page.locator("#search-results a").first.wait_for()
        assert "<script>alert('title')</script>" in page.locator("#search-results").inner_text()
        page.goto((site_dir / "index.html").as_uri())
        assert "<script>alert('title')</script>" in page.locator("body").inner_text()
        page.wait_for_timeout(100)
    finally:
        context.close()
    assert dialogs == []
    assert not [m for m in console if PAYLOAD.search(m) or "Content Security Policy" in m], console


def test_quiz_exports_keep_hostile_text_as_text(hostile):
    """GIFT escapes its own syntax and marks text [plain]; QTI stays well-formed XML with the text as text."""
    lesson, _ = hostile
    spec = load_lesson(lesson)
    trace = pipeline.run(spec)
    questions = make_questions(spec, trace)
    hostile_question = next(q for q in questions if q.id == "hostile-question")
    assert any(name in hostile_question.prompt for name in (CLASS_A, CLASS_B)), hostile_question.prompt

    gift = export.to_gift(questions, trace, spec.title)
    # Outside // comments (the title, now always one line), every "{{ 7*7 }}" arrives as "\{\{ 7*7 \}\}":
    # a GIFT brace in lesson text never opens or closes an answer block.
    body = "\n".join(line for line in gift.splitlines() if not line.startswith("//"))
    assert export.gift_escape(hostile_question.prompt) in body
    assert export.gift_escape(hostile_question.options[0].feedback) in body
    for line in re.sub(r"\\.", "", body).splitlines():  # with every backslash escape taken out
        if "{" in line:
            assert line.startswith("::") and line.endswith(("{", "{#")) and line.count("{") == 1, line
        if "}" in line:
            assert line == "}", line
    assert all(line.startswith(("//", "$CATEGORY:", "::", "\t", "}")) or not line for line in gift.splitlines())
    assert all("::[plain]" in line for line in gift.splitlines() if line.startswith("::"))

    archive = zipfile.ZipFile(io.BytesIO(export.to_qti_zip(questions, trace, spec.title)))
    texts = []
    for name in archive.namelist():
        root = ET.fromstring(archive.read(name))  # raises on malformed XML
        assert not [e for e in root.iter() if e.tag.rsplit("}", 1)[-1] in ("script", "img", "a")], name
        # The one <pre> an item may hold is the table a question carries (quiz/tables.py): text only.
        assert all(len(e) == 0 for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "pre"), name
        texts.append(" ".join(root.itertext()) + " ".join(v for e in root.iter() for v in e.attrib.values()))
    joined = " ".join(texts)
    assert hostile_question.prompt in joined and "Yes </pre><script>alert('option')</script>" in joined
    assert TITLE in joined


@pytest.mark.parametrize(("markdown_text", "kept", "dropped"), [
    ("[x](javascript:alert(1))", "<a>x</a>", "javascript"),
    ("[x](JaVaScRiPt:alert(1))", "<a>x</a>", "JaVaScRiPt"),
    ("[x](java&#x09;script:alert(1))", "<a>x</a>", "script:"),
    ("[x](&#106;avascript:alert(1))", "<a>x</a>", "avascript"),
    ("![i](data:image/svg+xml,<svg onload=alert(1)>)", '<img alt="i">', "data:"),
    ("[r][ref]\n\n[ref]: vbscript:msgbox", "<a>r</a>", "vbscript"),
    ('### Title {: onmouseover="alert(1)" }', ">Title</h5>", "onmouseover"),
    ('Para\n{: onclick="alert(1)" .note }', '<p class="note">Para</p>', "onclick"),
    ('Para\n{: ping="https://evil.example/p" style="background:url(https://evil.example/s)" }', "<p>Para</p>", "evil"),
    ('Para\n{: #TRACEGEN_SEARCH name="quiz-data" }', '<p id="insight-TRACEGEN_SEARCH">Para</p>', "name="),
    ("[ok](#quiz) and [up](../index.html) and [mail](mailto:a@b.c)",
     '<a href="#quiz">ok</a> and <a href="../index.html">up</a> and <a href="mailto:a@b.c">mail</a>', "\0"),
])
def test_markdown_links_and_attributes_cannot_carry_script(markdown_text, kept, dropped):
    """Markdown's own links, images and {: attributes } lose script URLs and on* handlers; safe ones stay."""
    for allow_html in (False, True):
        html = render_markdown(markdown_text, allow_html=allow_html).html
        assert kept in html and dropped not in html, html
