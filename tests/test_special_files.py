"""A FIFO, /dev/zero, a symbolic-link loop or a directory wherever tracegen reads a file: one line, exit 2, no hang.

These inputs cannot be committed to tests/bad_inputs, so each test makes them in tmp_path and
runs `main([...])` under an alarm: a read that blocks (a FIFO with no writer) or never ends
(/dev/zero) fails the test instead of hanging it.
"""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ROOT, write_lesson
from tracegen import files
from tracegen.cli import main
from tracegen.errors import DataError
from tracegen.pipeline import data as data_stage

TIMEOUT_SECONDS = 120
TINY = ('epochs = 2\n[dataset]\nsource = "make_classification"\nn_samples = 60\nn_features = 3\n'
        'n_informative = 2\nn_redundant = 0\n')
CSV_LESSON = 'epochs = 2\n[dataset]\nsource = "csv"\npath = "data.csv"\ntarget = "label"\n'
# What the error line says each special file is.
KINDS = {
    "fifo": "is a FIFO, not a regular file",
    "dev-zero": "is a character device, not a regular file",
    "link-loop": "Too many levels of symbolic links",
    "directory": "s a directory",  # "Is a directory" (strerror) or "is a directory; give a TOML file"
}


@pytest.fixture(autouse=True)
def deadline():
    """Fail a test that hangs: SIGALRM raises in the main thread, interrupting a blocked open or read."""
    def expire(signum, frame):
        raise TimeoutError(f"tracegen did not finish in {TIMEOUT_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(TIMEOUT_SECONDS)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def make_special(path: Path, kind: str) -> None:
    """Create a special file of `kind` at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        os.symlink("/dev/zero", path)
    elif kind == "link-loop":
        os.symlink(path.name, path)  # a link to itself
    else:
        path.mkdir()


def one_error_line(argv: list[str], capsys) -> str:
    """Run tracegen; check exit 2, one stderr line that is an error and no traceback; return the line."""
    code = main(argv)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if not line.startswith("tracegen: [")]  # build progress
    assert code == 2, err
    assert "Traceback" not in err
    assert len(lines) == 1 and lines[0].startswith("tracegen: error: "), err
    return lines[0]


def tiny_predictions(path: Path) -> None:
    path.write_text("y_true,score\na,0.2\nb,0.7\na,0.4\nb,0.9\n", encoding="utf-8")


@pytest.mark.parametrize("kind", KINDS)
def test_special_csv(kind, tmp_path, capsys, monkeypatch):
    """dataset.path naming a special file: the lesson and the field, the CSV and what it is."""
    monkeypatch.chdir(tmp_path)
    write_lesson(tmp_path, CSV_LESSON)
    make_special(tmp_path / "data.csv", kind)
    line = one_error_line(["run", "lesson.md"], capsys)
    # The path is resolved, so a link to /dev/zero is named as the device it is.
    named = "/dev/zero" if kind == "dev-zero" else f"{tmp_path.resolve()}/data.csv"
    assert line.startswith(f"tracegen: error: lesson.md: dataset.path: cannot read {named}: ")
    assert KINDS[kind] in line


@pytest.mark.parametrize("kind", KINDS)
def test_special_lesson(kind, tmp_path, capsys, monkeypatch):
    """The lesson file itself."""
    monkeypatch.chdir(tmp_path)
    make_special(tmp_path / "lesson.md", kind)
    line = one_error_line(["run", "lesson.md"], capsys)
    assert line.startswith("tracegen: error: lesson.md: lesson: ") and KINDS[kind] in line


@pytest.mark.parametrize("kind", KINDS)
def test_special_predictions(kind, tmp_path, capsys, monkeypatch):
    """A predictions file, for run and for build."""
    monkeypatch.chdir(tmp_path)
    make_special(tmp_path / "preds.csv", kind)
    line = one_error_line(["run", "--predictions", "preds.csv"], capsys)
    assert line.startswith("tracegen: error: preds.csv: predictions: ") and KINDS[kind] in line
    assert one_error_line(["build", "--predictions", "preds.csv", "--out", "out"], capsys) == line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", KINDS)
def test_special_answers(kind, tmp_path, capsys, monkeypatch):
    """An answers file."""
    monkeypatch.chdir(tmp_path)
    write_lesson(tmp_path, TINY + '[quiz]\ngenerators = ["test_rows"]\n')
    make_special(tmp_path / "answers.toml", kind)
    line = one_error_line(["quiz", "lesson.md", "--answers", "answers.toml"], capsys)
    assert line.startswith("tracegen: error: answers.toml: answers: ") and KINDS[kind] in line


def templates_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "tpl"
    shutil.copytree(ROOT / "templates", folder)
    return folder


@pytest.mark.parametrize("kind", KINDS)
def test_special_template(kind, tmp_path, capsys, monkeypatch):
    """A template: the build stops before any lesson runs, naming the template."""
    monkeypatch.chdir(tmp_path)
    write_lesson(tmp_path, TINY)
    folder = templates_copy(tmp_path)
    (folder / "_toc.html").unlink()
    make_special(folder / "_toc.html", kind)
    line = one_error_line(["build", "lesson.md", "--out", "out", "--templates", "tpl", "--no-cache"], capsys)
    assert line.startswith("tracegen: error: tpl/_toc.html: template: ") and KINDS[kind] in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "link-loop"])
def test_special_static_file(kind, tmp_path, capsys, monkeypatch):
    """A static file (a directory there is a subfolder, copied as one)."""
    monkeypatch.chdir(tmp_path)
    write_lesson(tmp_path, TINY)
    folder = templates_copy(tmp_path)
    make_special(folder / "static" / "extra.css", kind)
    line = one_error_line(["build", "lesson.md", "--out", "out", "--templates", "tpl", "--no-cache",
                           "--jobs", "1", "--quiet"], capsys)
    assert line.startswith("tracegen: error: tpl/static/extra.css: static file: ") and KINDS[kind] in line
    assert not (tmp_path / "out").exists()


def test_static_file_not_utf8(tmp_path, capsys, monkeypatch):
    """A CSS file in Latin-1: one line naming it, the line and the byte."""
    monkeypatch.chdir(tmp_path)
    write_lesson(tmp_path, TINY)
    folder = templates_copy(tmp_path)
    (folder / "static" / "extra.css").write_bytes(b"p {}\n/* caf\xe9 */\n")
    line = one_error_line(["build", "lesson.md", "--out", "out", "--templates", "tpl", "--no-cache",
                           "--jobs", "1", "--quiet"], capsys)
    assert line.startswith("tracegen: error: tpl/static/extra.css:2: static file: not UTF-8 text (byte 0xe9")


# --- the helper itself -------------------------------------------------------------------------

def test_open_regular_reads_a_regular_file_and_a_link_to_one(tmp_path):
    """A regular file, or a symbolic link to one, opens and reads normally (blocking mode restored)."""
    target = tmp_path / "a.txt"
    target.write_bytes(b"x" * 10)
    os.symlink("a.txt", tmp_path / "link.txt")
    for path in (target, tmp_path / "link.txt"):
        with files.open_regular(path) as handle:
            assert handle.read() == b"x" * 10
            assert os.get_blocking(handle.fileno())


def test_open_regular_refuses_a_file_over_its_limit(tmp_path):
    """`max_bytes` is checked from fstat, before anything is read; read_text refuses a file over MAX_TEXT_BYTES."""
    path = tmp_path / "big.md"
    path.write_bytes(b"+" * 11)
    with pytest.raises(OSError, match="is 11 bytes, over the 10 bytes"):
        files.open_regular(path, max_bytes=10)
    with open(path, "wb") as handle:
        handle.truncate(files.MAX_TEXT_BYTES + 1)
    with pytest.raises(OSError, match=f"over the {files.MAX_TEXT_BYTES} bytes"):
        files.read_text(path)


def test_huge_lesson_is_one_line(tmp_path, capsys, monkeypatch):
    """A lesson over MAX_TEXT_BYTES is refused with its size, not read."""
    monkeypatch.chdir(tmp_path)
    with open(tmp_path / "lesson.md", "wb") as handle:
        handle.truncate(files.MAX_TEXT_BYTES + 1)
    line = one_error_line(["run", "lesson.md"], capsys)
    assert line == (f"tracegen: error: lesson.md: lesson: cannot read: is {files.MAX_TEXT_BYTES + 1} bytes, "
                    f"over the {files.MAX_TEXT_BYTES} bytes this file may have")


def test_lesson_with_a_byte_order_mark_runs(tmp_path, capsys):
    """A lesson saved with a UTF-8 BOM (as some Windows editors do) is read as the same lesson."""
    (tmp_path / "plain").mkdir()
    (tmp_path / "marked").mkdir()
    plain = write_lesson(tmp_path / "plain", TINY)
    marked = tmp_path / "marked" / "lesson.md"
    marked.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    assert main(["run", str(marked), "--reproducible"]) == 0, capsys.readouterr().err
    with_mark = capsys.readouterr().out
    assert main(["run", str(plain), "--reproducible"]) == 0
    assert with_mark == capsys.readouterr().out


def test_csv_over_the_memory_bound_stops_at_the_row(tmp_path, monkeypatch):
    """A CSV whose rows would outgrow MAX_DATA_BYTES stops at the first row past it, naming that line."""
    path = tmp_path / "data.csv"
    path.write_text("a,b,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(50)), encoding="utf-8")
    monkeypatch.setattr(data_stage, "MAX_DATA_BYTES", 10 * 2 * 8)  # ten rows of two float64 features
    with pytest.raises(DataError) as raised:
        data_stage.load_csv(path, "label", lesson="lesson.md")
    assert raised.value.line == 12 and raised.value.field == "rows"  # header, ten rows, then the eleventh
    monkeypatch.setattr(data_stage, "MAX_DATA_BYTES", 50 * 2 * 8)
    assert data_stage.load_csv(path, "label", lesson="lesson.md").X.shape == (50, 2)


def test_non_ascii_digits_in_a_row_with_a_non_ascii_label(tmp_path):
    """The ASCII test on whole rows still reads a row whose label is not ASCII, and refuses its digits."""
    path = tmp_path / "data.csv"
    path.write_text("a,label\n1.5,café\n2.5,thé\n", encoding="utf-8")
    loaded = data_stage.load_csv(path, "label", lesson="lesson.md")
    assert np.array_equal(loaded.X[:, 0], [1.5, 2.5]) and loaded.classes == ("café", "thé")
    path.write_text("a,label\n1.5,café\n\u0662.5,thé\n", encoding="utf-8")
    with pytest.raises(DataError, match="non-numeric value '\u0662.5'"):
        data_stage.load_csv(path, "label", lesson="lesson.md")
