"""html/env.py: the filters, autoescape and strict undefined, one-line template errors, dedenting."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from jinja2 import DictLoader

from tracegen.errors import TracegenError
from tracegen.html import env as html_env


def dict_env(templates: dict[str, str]):
    """Return the real environment settings over in-memory templates."""
    env = html_env.make_environment()
    env.loader = DictLoader(templates)
    return env


def test_filters_format_as_documented():
    """Each filter renders as its docstring says, through a real template."""
    env = dict_env({"t.html": "{{ 0.76071|fmt_num(3) }} {{ 0.305|fmt_pct }} {{ x|fmt_num }} {{ h|fmt_hash }}"})
    out = env.get_template("t.html").render(x=float("inf"), h="839396676457df09")
    assert out == "0.761 30.5% ∞ 839396676457"


def test_fmt_shape_keeps_each_shape_whole():
    """Dimensions are joined by no-break spaces, so "800 × 10" never wraps inside."""
    assert html_env.fmt_shape({"train": (800, 10), "y": (5,)}) == "train 800\u00a0×\u00a010, y 5"


def test_autoescape_and_strict_undefined(tmp_path):
    """Template variables are escaped, and a missing variable is a TracegenError naming template and line."""
    (tmp_path / "t.html").write_text("{{ title }}", encoding="utf-8")
    (tmp_path / "missing.html").write_text("ok\n{{ nope }}\n", encoding="utf-8")
    env = html_env.make_environment(tmp_path)
    assert html_env.render_page(env, "t.html", {"title": "<b>&</b>"}) == "&lt;b&gt;&amp;&lt;/b&gt;"
    with pytest.raises(TracegenError) as caught:
        html_env.render_page(env, "missing.html", {})
    assert caught.value.one_line() == f"{tmp_path / 'missing.html'}:2: template: 'nope' is undefined"


def test_template_syntax_error_names_file_and_line(tmp_path):
    """A template that does not compile is reported with its path and line."""
    (tmp_path / "broken.html").write_text("line one\n{% if %}\n", encoding="utf-8")
    env = html_env.make_environment(tmp_path)
    with pytest.raises(TracegenError) as caught:
        html_env.render_page(env, "broken.html", {})
    assert caught.value.one_line().startswith(f"{tmp_path / 'broken.html'}:2: template: ")


def test_dedent_keeps_pre_blocks_and_line_count():
    """Template indentation goes, except inside <pre>, and line numbers are unchanged."""
    source = "  <div>\n    <pre>a\n  b\n</pre>\n    <p>x</p>\n"
    out = html_env.dedent_html(source)
    assert out == "<div>\n<pre>a\n  b\n</pre>\n<p>x</p>\n"
    assert out.count("\n") == source.count("\n")



@dataclass(frozen=True)
class _Heading:
    title: str


@dataclass(frozen=True)
class _Context:
    heading: _Heading
    count: int


def test_a_dataclass_context_renders_like_the_same_dict():
    """A page-context dataclass gives the template its fields, nested records kept as records."""
    env = dict_env({"t.html": "{{ heading.title }} {{ count }}"})
    context = _Context(_Heading("<T>"), 3)
    assert html_env.template_variables(context) == {"heading": _Heading("<T>"), "count": 3}
    assert (html_env.render_page(env, "t.html", context)
            == html_env.render_page(env, "t.html", {"heading": {"title": "<T>"}, "count": 3}) == "&lt;T&gt; 3")


def test_overrides_come_first_and_tracegens_templates_fill_in(tmp_path):
    """A template in the overrides folder wins; one it lacks is tracegen's; an error names the file actually read."""
    (tmp_path / "_header.html").write_text("<header>\n{{ nope }}\n</header>\n", encoding="utf-8")
    env = html_env.make_environment(tmp_path)
    assert env.get_template("_header.html").filename == str(tmp_path / "_header.html")
    assert env.get_template("base.html").filename == str(html_env.TEMPLATES_DIR / "base.html")
    with pytest.raises(TracegenError) as caught:
        html_env.render_page(env, "_header.html", {})
    assert caught.value.one_line() == f"{tmp_path / '_header.html'}:2: template: 'nope' is undefined"
    (tmp_path / "page.html").write_text('{% include "_nowhere.html" %}\n', encoding="utf-8")
    with pytest.raises(TracegenError) as caught:
        html_env.render_page(env, "page.html", {})
    assert caught.value.one_line() == (f"{tmp_path / 'page.html'}:1: template: '_nowhere.html' not found in "
                                       f"{tmp_path} or tracegen's templates")


def test_a_missing_overrides_folder_is_one_line(tmp_path):
    """A mistyped folder is an error, not an empty set of overrides."""
    with pytest.raises(TracegenError) as caught:
        html_env.make_environment(tmp_path / "nope")
    assert caught.value.one_line() == (f"{tmp_path / 'nope'}: templates: folder not found; give the folder "
                                       "holding your template overrides")
