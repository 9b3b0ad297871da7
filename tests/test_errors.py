"""Error lines: one line whatever they echo, with control characters written as escapes."""

from __future__ import annotations

import pytest

from tests.conftest import write_lesson
from tracegen.cli import main
from tracegen.errors import TracegenError, printable


@pytest.mark.parametrize(("text", "shown"), [
    ("a\nb", "a\\nb"), ("a\r\nb", "a\\r\\nb"), ("\x1b[31mred", "\\x1b[31mred"), ("nul\x00", "nul\\x00"),
    ("c1\x85\x9b", "c1\\x85\\x9b"), ("tab\t", "tab\\t"), ("line\u2028sep\u2029", "line\\u2028sep\\u2029"),
    ("del\x7f", "del\\x7f"), ("café: ünïcode, 数字", "café: ünïcode, 数字"),
])
def test_printable_escapes_only_control_characters(text, shown):
    """C0, C1, DEL and the Unicode line separators become repr-style escapes; other text is kept."""
    assert printable(text) == shown


def test_one_line_escapes_file_field_and_message():
    """Whatever part of the error holds it, a control character cannot split the line or reach the terminal."""
    line = TracegenError("dir\n/le\x1bsson.md", "key\r", "value '\x1b]0;title\x07'", line=3).one_line()
    assert line == "dir\\n/le\\x1bsson.md:3: key\\r: value '\\x1b]0;title\\x07'"
    assert line.isprintable()


@pytest.mark.parametrize("name", ["two\nlines", "cr\rname", "esc\x1b[2J", "bell\x07"])
def test_lesson_file_name_with_control_characters_is_one_line(name, tmp_path, capsys):
    """A lesson file whose name holds a line break or an escape code still fails in one printable line."""
    (tmp_path / "lessons").mkdir()
    lesson = write_lesson(tmp_path / "lessons", 'epochs = 0\n[dataset]\nsource = "iris"\n', name=name)
    assert main(["run", str(lesson)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err[:-1].isprintable(), repr(err)
    # The file is named as its escapes (whether the error is about the name or the lesson's epochs).
    assert err.startswith("tracegen: error: ") and printable(name) in err
