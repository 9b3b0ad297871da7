"""html/prose.py: lesson Markdown, its clean-up, and [[ expressions ]] filled from the trace."""

from __future__ import annotations

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



def test_plain_text_drops_tags_and_collapses_whitespace():
    """The search index gets the words of a fragment, one space apart."""
    assert prose.plain_text("<h3>Why</h3>\n<p>it <b>works</b>  well</p>") == "Why it works well"
