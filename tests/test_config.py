"""config.py: a course's tracegen.toml (or [tool.tracegen] in pyproject.toml) sets title, lessons, order, out."""

from __future__ import annotations

import re

import pytest

from tests.conftest import write_tiny_lesson
from tracegen.cli import main


def course(tmp_path, settings: str, file: str = "tracegen.toml"):
    (tmp_path / "my-lessons").mkdir()
    for name in ("alpha", "beta", "gamma"):
        write_tiny_lesson(tmp_path / "my-lessons", f'title = "{name.title()}"', name=name)
    (tmp_path / file).write_text(settings, encoding="utf-8")
    return tmp_path


def test_settings_give_the_title_the_lessons_folder_the_order_and_the_output(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(course(tmp_path, 'title = "Evaluation, spring term"\nlessons = "my-lessons"\n'
                                       'order = ["gamma", "alpha"]\nout = "public"\n'))
    assert main(["build", "--reproducible", "-q", "-j", "1"]) == 0
    assert capsys.readouterr().out.startswith(f"built {tmp_path / 'public'}/: 3 lesson(s) from ")
    index = (tmp_path / "public" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<h2><a href="(\w+)/index.html">', index) == ["gamma", "alpha", "beta"]
    page = (tmp_path / "public" / "beta" / "index.html").read_text(encoding="utf-8")
    assert "Evaluation, spring term</a>" in page and 'brand-sub">lessons' not in page


def test_the_command_line_wins_and_pyproject_holds_the_settings_too(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(course(tmp_path, '[tool.tracegen]\nlessons = "my-lessons"\nout = "public"\n',
                             file="pyproject.toml"))
    assert main(["build", "--out", "elsewhere", "--reproducible", "-q", "-j", "1"]) == 0
    capsys.readouterr()
    assert (tmp_path / "elsewhere" / "alpha" / "index.html").is_file() and not (tmp_path / "public").exists()
    # Without a title the header is tracegen's own.
    assert 'brand-sub">lessons' in (tmp_path / "elsewhere" / "alpha" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("settings", "field", "message"), [
    ('titel = "x"\n', "titel", "unknown key; expected one of: title, lessons, order, out, templates"),
    ('order = ["delta"]\nlessons = "my-lessons"\n', "order", "no lesson named 'delta' in the lessons folder"),
    ('order = "alpha"\n', "order", "expected a list of lesson names"),
    ('title = 3\n', "title", "expected one line of text"),
    ('title = "a\\nb"\n', "title", "expected one line of text"),
    ('title = = 1\n', "settings", "malformed TOML"),
])
def test_bad_settings_are_one_line(tmp_path, monkeypatch, capsys, settings, field, message):
    monkeypatch.chdir(course(tmp_path, settings))
    assert main(["build", "--reproducible", "-q", "-j", "1"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"tracegen: error: {tmp_path / 'tracegen.toml'}: {field}: {message}")
    assert not (tmp_path / "site").exists()
