"""Writing a site: which output folders may be replaced, the swap, and leftovers of killed builds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracegen.errors import OutputError
from tracegen.site import write


def snapshot(folder: Path) -> dict[str, bytes]:
    """Return every file under `folder` with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def siblings(out: Path) -> list[str]:
    """Return the names next to `out` other than `out` itself."""
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


def dead_pid() -> int:
    """Return the pid of a process that has exited."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


SITE = {write.MARKER: write.MARKER_TEXT.encode(), "index.html": b"<p>new</p>", "a/b/page.html": b"deep"}


@pytest.mark.parametrize("contents", [None, {}, {"README.md": "# site/\n"}, {write.MARKER: "", "x.html": ""}])
def test_check_output_accepts_new_empty_and_tracegen_folders(tmp_path, contents):
    """A missing folder, an empty one, one holding only README.md, or an earlier site may be replaced."""
    out = tmp_path / "site"
    if contents is not None:
        out.mkdir()
        for name, text in contents.items():
            (out / name).write_text(text, encoding="utf-8")
    write.check_output(out)


def test_check_output_refuses_a_file_and_a_foreign_folder(tmp_path):
    """A file, or a folder without the marker holding anything but README.md, is refused."""
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="notes.txt: output: is a file, not a folder"):
        write.check_output(tmp_path / "notes.txt")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.tex").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="docs: output: the folder exists and was not built by tracegen"):
        write.check_output(tmp_path / "docs")


def test_write_site_replaces_the_old_site_whole(tmp_path):
    """The new files replace the old site (its other files go), README.md is carried over, nothing is left beside."""
    out = tmp_path / "site"
    out.mkdir()
    (out / write.MARKER).write_text(write.MARKER_TEXT, encoding="utf-8")
    (out / "old.html").write_text("old", encoding="utf-8")
    (out / "README.md").write_text("# site/\n", encoding="utf-8")
    write.write_site(SITE, out)
    assert snapshot(out) == {**SITE, "README.md": b"# site/\n"}
    assert siblings(out) == []
    assert out.stat().st_mode & 0o777 == 0o755


def test_failed_second_rename_moves_the_old_site_back(tmp_path, monkeypatch):
    """If the new site cannot be moved in, the old one is moved back and the error is one OutputError."""
    out = tmp_path / "site"
    write.write_site({write.MARKER: b"", "index.html": b"old"}, out)
    before = snapshot(out)
    real_rename, calls = os.rename, []

    def failing_rename(src, dst):
        calls.append(src)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_rename(src, dst)

    monkeypatch.setattr(write.os, "rename", failing_rename)
    with pytest.raises(OutputError, match="output: cannot write: No space left on device"):
        write.write_site(SITE, out)
    assert snapshot(out) == before and siblings(out) == []


def test_error_while_writing_removes_the_temporary_folder(tmp_path, monkeypatch):
    """Any exception while the files are written (here Ctrl-C) removes the temporary folder and passes on."""
    out = tmp_path / "site"

    def interrupted(self, data):
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_bytes", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write.write_site(SITE, out)
    assert not out.exists() and siblings(out) == []


def test_stale_temporaries_of_dead_builds_are_removed(tmp_path):
    """Folders of dead builds go; a live build's folder, unrelated names and files stay."""
    out = tmp_path / "site"
    out.mkdir()
    dead, live = out.parent / f".site.build-{dead_pid()}-x", out.parent / ".site.build-1-y"
    unrelated, file = out.parent / ".site.notes", out.parent / f".site.old-{dead_pid()}-z"
    for folder in (dead, live, unrelated):
        folder.mkdir()
    file.write_text("a file, not a folder", encoding="utf-8")
    write.remove_stale_temporaries(out)
    assert siblings(out) == sorted([live.name, unrelated.name, file.name])


def test_a_site_left_in_the_swap_folder_is_moved_back(tmp_path):
    """Killed between the two renames, the old site waits in its .old- folder: it is put back first."""
    out = tmp_path / "site"
    holder = tmp_path / f".site.old-{dead_pid()}-abc"
    (holder / "site").mkdir(parents=True)
    (holder / "site" / write.MARKER).write_text(write.MARKER_TEXT, encoding="utf-8")
    (holder / "site" / "index.html").write_text("kept", encoding="utf-8")
    write.remove_stale_temporaries(out)
    assert (out / "index.html").read_text(encoding="utf-8") == "kept" and siblings(out) == []
