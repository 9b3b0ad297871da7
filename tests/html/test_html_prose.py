"""html/prose.py: lesson Markdown, its clean-up, and [[ expressions ]] filled from the trace."""

from __future__ import annotations

import dataclasses

import pytest

from tests.conftest import LESSONS
from tracegen.errors import SpecError
from tracegen.html import prose
from tracegen.spec import load_lesson


def lesson_with_body(tmp_path, body: str, allow_html: bool = False):
    """Write the precision-recall lesson's front matter with a new body; return the loaded spec."""
    front = (LESSONS / "precision-recall.md").read_text(encoding="utf-8").split("+++")[1]
    if allow_html:
        front = "\nallow_html = true" + front
    path = tmp_path / "lesson.md"
    path.write_text(f"+++{front}+++\n{body}", encoding="utf-8")
    return load_lesson(path)


def test_markdown_escapes_raw_html_by_default():
    """Raw HTML in lesson Markdown is shown as text unless the lesson allows HTML."""
    text = "Hi <script>alert(1)</script> <b>bold</b>\n\n<div>block</div>\n"
    safe = prose.render_markdown(text).html
    assert "<script>" not in safe and "<b>" not in safe and "<div>" not in safe
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in safe and "&lt;div&gt;block&lt;/div&gt;" in safe
    allowed = prose.render_markdown(text, allow_html=True).html
    assert "<b>bold</b>" in allowed and "<div>block</div>" in allowed


def test_markdown_extensions_and_heading_ids():
    """Tables, fenced code, attr_list and toc work; lesson headings sit below the page's sections."""
    text = "# Why it works {.lead}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nx = '<a>'\n```\n"
    html = prose.render_markdown(text).html
    assert '<h3 class="lead" id="insight-why-it-works">Why it works</h3>' in html
    assert "<table>" in html and "<td>2</td>" in html
    assert '<code class="language-python">x = \'&lt;a&gt;\'' in html


def test_lesson_text_is_never_a_jinja_template(tmp_path, binary_trace):
    """Jinja syntax in a lesson body is shown literally: only [[ ]] expressions are evaluated."""
    spec = lesson_with_body(tmp_path, "{{ 7 * 7 }} {% if true %}x{% endif %} [[ n_test ]]\n")
    html = prose.insight_html(spec, binary_trace)
    assert "{{ 7 * 7 }}" in html and "{% if true %}" in html and "49" not in html
    assert str(binary_trace.stage("split").output_shape["test"][0]) in html


def test_missing_trace_field_names_file_and_absolute_line(tmp_path, binary_trace):
    """A bad expression is a SpecError at the file's own line number, not the body's."""
    spec = lesson_with_body(tmp_path, "First line.\n\nAP is [[ evaluation.no_such_field | .3f ]].\n")
    file_lines = spec.path.read_text(encoding="utf-8").splitlines()
    expected = next(i for i, line in enumerate(file_lines, start=1) if "no_such_field" in line)
    with pytest.raises(SpecError) as caught:
        prose.insight_html(spec, binary_trace)
    assert caught.value.one_line().startswith(f"{spec.path}:{expected}: expression: no field 'no_such_field'")


def test_external_link_in_lesson_is_an_error(tmp_path, binary_trace):
    """A lesson may not link outside the site: the page must make zero external requests."""
    spec = lesson_with_body(tmp_path, "Intro.\n\nSee [the docs](https://example.com/x).\n")
    with pytest.raises(SpecError, match=r"lesson\.md:\d+: link: links to an external URL") as caught:
        prose.insight_html(spec, binary_trace)
    assert caught.value.line == spec.body_line + 2


def test_allowed_html_is_kept(tmp_path, binary_trace):
    """With allow_html = true, the lesson's own HTML reaches the page."""
    spec = lesson_with_body(tmp_path, "<aside>Note [[ n_train ]]</aside>\n", allow_html=True)
    html = prose.insight_html(spec, binary_trace)
    assert f"<aside>Note {binary_trace.stage('split').output_shape['train'][0]}</aside>" in html


def test_allow_html_lesson_goes_through_the_same_cleaner(tmp_path, binary_trace):
    """An allow_html lesson keeps its prose tags and loses scripts, handlers, frames, forms and meta refreshes."""
    body = ('<aside class="note">Kept <kbd>k</kbd></aside>\n\n<script>alert(1)</script>'
            '<iframe srcdoc="<script>alert(2)</script>"></iframe><meta http-equiv="refresh" content="0;url=x.html">'
            '<form action="x.html"><input name="q"></form><p onclick="alert(3)" style="color:red">para</p>\n')
    html = prose.insight_html(lesson_with_body(tmp_path, body, allow_html=True), binary_trace)
    assert '<aside class="note">Kept <kbd>k</kbd></aside>' in html and "<p>para</p>" in html
    for gone in ("<script", "alert", "<iframe", "<meta", "<form", "<input", "onclick", "style="):
        assert gone not in html, gone


def test_expression_values_are_text_even_in_allow_html_lessons(tmp_path, binary_trace):
    """A class label holding markup is shown as its text: it never becomes a tag, in either kind of lesson."""
    label = '<meta http-equiv="refresh" content="0;url=https://evil.example/">'
    evaluation = dataclasses.replace(binary_trace.evaluation, classes=(label, *binary_trace.evaluation.classes[1:]))
    trace = dataclasses.replace(binary_trace, evaluation=evaluation)
    for allow_html in (False, True):
        html = prose.insight_html(lesson_with_body(tmp_path, "Class [[ evaluation.classes[0] ]].\n", allow_html),
                                  trace)
        assert "<meta" not in html and '&lt;meta http-equiv="refresh"' in html, html


@pytest.mark.parametrize(("link", "allow_html"), [
    ("[x](https:evil.example/page)", False),
    ("[x](&#104;ttps://evil.example/page)", False),
    ("![x](//evil.example/pixel.png)", False),
    ("[x](/\\evil.example/page)", False),
    ("<https://evil.example/page>", False),
    ('[x](page.html){: href="HTTPS://evil.example/" }', False),
    ('<a href="ht&#x09;tps://evil.example/">x</a>', True),
    ('<img src="&#x2F;/evil.example/p.png">', True),
])
def test_off_site_link_however_spelled_is_an_error_on_its_line(tmp_path, binary_trace, link, allow_html):
    """Entity, slash and scheme spellings of an off-site address are refused at the line that holds them."""
    spec = lesson_with_body(tmp_path, f"Intro.\n\nSee {link} here.\n", allow_html=allow_html)
    with pytest.raises(SpecError, match=r"lesson\.md:\d+: link: links to an external URL") as caught:
        prose.insight_html(spec, binary_trace)
    assert caught.value.line == spec.body_line + 2


@pytest.mark.parametrize("body", [
    "".join("    " * i + "- item\n" for i in range(300)),
    "- " * 1000 + "x\n",
    "> " * 300 + "x\n",
    "[a" * 20000 + "]" * 20000 + "\n",
    "[0, 1) " * 2000 + "\n",
])
def test_markdown_nested_too_deep_is_refused_before_markdown_runs(tmp_path, binary_trace, monkeypatch, body):
    """Deep lists, quotes or open brackets are one error line naming the limit; Markdown never sees them."""
    spec = lesson_with_body(tmp_path, "Intro.\n\n" + body)
    monkeypatch.setattr(prose.markdown, "Markdown", lambda **kwargs: pytest.fail("Markdown ran"))
    with pytest.raises(SpecError) as caught:
        prose.insight_html(spec, binary_trace)
    assert caught.value.field == "markdown" and f"limit of {prose.MAX_MARKDOWN_NESTING} levels" in caught.value.message
    assert caught.value.line is not None and caught.value.line >= spec.body_line + 2


def test_markdown_nested_up_to_the_limit_renders(tmp_path, binary_trace):
    """A list as deep as the limit, that many open brackets, and brackets spread over paragraphs all render."""
    limit = prose.MAX_MARKDOWN_NESTING
    body = ("".join("    " * i + "- item\n" for i in range(limit)) + "\n" + "[a" * limit + "\n\n"
            + "\n\n".join("[0, 1) half-open" for _ in range(3 * limit)) + "\n\n```\nx = [0, [1, [2]]]\n```\n")
    html = prose.insight_html(lesson_with_body(tmp_path, body), binary_trace)
    assert html.count("<ul>") == limit and html.count("half-open") == 3 * limit


def test_plain_text_drops_tags_and_collapses_whitespace():
    """The search index gets the words of a fragment, one space apart."""
    assert prose.plain_text("<h3>Why</h3>\n<p>it <b>works</b>  well</p>") == "Why it works well"
