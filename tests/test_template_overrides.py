"""Template overrides: a course's templates folder holds only the files it changes; the rest are tracegen's."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_tiny_lesson
from tracegen.cli import main
from tracegen.resources import TEMPLATES_DIR
from tracegen.site import assets, uptodate
from tracegen.spec import load_lesson

HEADER = '<header class="course-header"><p>Overridden header for {{ site_title or "no title" }}</p></header>\n'


def build(capsys, tmp_path: Path, name: str, *options: str) -> dict[str, bytes]:
    """Build the tiny lesson reproducibly (no cache) into tmp_path/name; return every file with its bytes."""
    lesson = tmp_path / "lesson.md"
    if not lesson.exists():
        write_tiny_lesson(tmp_path)
    out = tmp_path / name
    code = main(["build", str(lesson), "--out", str(out), "--reproducible", "--no-cache", "--jobs", "1", "--quiet",
                 *options])
    _, err = capsys.readouterr()
    assert code == 0, err
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture
def default_site(capsys, tmp_path):
    """The tiny lesson built with tracegen's own templates only."""
    return build(capsys, tmp_path, "default")


def test_one_overridden_partial_replaces_only_itself(capsys, tmp_path, default_site):
    """Overriding _header.html alone: every page uses it; lesson.html, base.html and static files stay tracegen's."""
    overrides = tmp_path / "my-templates"
    overrides.mkdir()
    (overrides / "_header.html").write_text(HEADER, encoding="utf-8")
    site = build(capsys, tmp_path, "overridden", "--templates", str(overrides))
    assert site.keys() == default_site.keys()
    for page in ("lesson/index.html", "index.html"):
        text, default = site[page].decode(), default_site[page].decode()
        assert "Overridden header for no title" in text and "Overridden header" not in default
        assert 'class="site-header"' in default and 'class="site-header"' not in text
        # Only the header differs: what comes before and after it (tracegen's base.html and lesson.html) is the same.
        start, end = default.index('<header class="site-header">'), default.index("</header>") + len("</header>")
        rendered = '<header class="course-header"><p>Overridden header for no title</p></header>'
        assert text == default[:start] + rendered + default[end:]
    assert all(site[name] == default_site[name] for name in site if name.startswith("static/"))


def test_an_override_may_include_its_own_new_partial(capsys, tmp_path, default_site):
    """A new partial in the overrides folder is found by an overriding template."""
    overrides = tmp_path / "my-templates"
    overrides.mkdir()
    (overrides / "_header.html").write_text('<header>{% include "_banner.html" %}</header>\n', encoding="utf-8")
    (overrides / "_banner.html").write_text("<p>Spring term banner</p>\n", encoding="utf-8")
    site = build(capsys, tmp_path, "overridden", "--templates", str(overrides))
    assert "<header><p>Spring term banner</p>\n</header>" in site["lesson/index.html"].decode()


def test_one_overridden_static_file_replaces_only_itself(capsys, tmp_path, default_site):
    """static/site.css alone in the overrides: the site's site.css is it (compacted), everything else as by default."""
    overrides = tmp_path / "my-templates"
    (overrides / "static").mkdir(parents=True)
    (overrides / "static" / "site.css").write_text("body {\n  color: rebeccapurple;\n}\n", encoding="utf-8")
    site = build(capsys, tmp_path, "overridden", "--templates", str(overrides))
    assert site["static/site.css"] == b"body{color:rebeccapurple}\n" != default_site["static/site.css"]
    assert {name: data for name, data in site.items() if name != "static/site.css"} == {
        name: data for name, data in default_site.items() if name != "static/site.css"}


def test_the_settings_file_names_the_overrides_relative_to_itself(capsys, tmp_path, monkeypatch, default_site):
    """`templates = "..."` in tracegen.toml works as --templates does, with the title reaching the override."""
    course = tmp_path / "course"
    (course / "look").mkdir(parents=True)
    (course / "look" / "_header.html").write_text(HEADER, encoding="utf-8")
    (course / "tracegen.toml").write_text('title = "Spring"\ntemplates = "look"\n', encoding="utf-8")
    monkeypatch.chdir(course)
    site = build(capsys, tmp_path, "configured")
    assert "Overridden header for Spring" in site["lesson/index.html"].decode()


def test_overrides_are_part_of_the_site_key(tmp_path):
    """Adding or editing an override changes the key, so an up-to-date site is not kept by mistake."""
    spec = load_lesson(write_tiny_lesson(tmp_path))
    overrides = tmp_path / "my-templates"
    overrides.mkdir()

    def key(folder):
        return uptodate.site_key([spec], None, 0, folder, True)

    empty = key(overrides)
    (overrides / "_header.html").write_text(HEADER, encoding="utf-8")
    edited = key(overrides)
    (overrides / "_header.html").write_text(HEADER + "<!-- edit -->\n", encoding="utf-8")
    assert len({key(None), empty, edited, key(overrides)}) == 4
    assert key(TEMPLATES_DIR) == key(None)  # tracegen's own folder named as overrides is no override


def test_site_frame_layers_the_overrides_static_files_over_tracegens(tmp_path):
    """An extra static file is added, a same-named one replaced, the rest kept."""
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "extra.txt").write_bytes(b"hello\n")
    (tmp_path / "static" / "quiz.js").write_text("var quiz = 1;\n", encoding="utf-8")
    default, layered = assets.site_frame(), assets.site_frame(tmp_path)
    assert layered.keys() == default.keys() | {"static/extra.txt"}
    assert layered["static/extra.txt"] == b"hello\n" and layered["static/quiz.js"] == b"var quiz = 1;\n"
    assert all(layered[name] == data for name, data in default.items() if name != "static/quiz.js")
