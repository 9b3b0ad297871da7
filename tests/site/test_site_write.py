"""Writing a site: which output folders may be replaced, the swap, and leftovers of killed builds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
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


def leftover(parent: Path, kind: str, pid: int, token: str = "abcd_123", marker: bool = True) -> Path:
    """Make a folder named as a build of `pid` makes them (.site.<kind>-<pid>-<token>), with the marker or not."""
    folder = parent / f".site.{kind}-{pid}-{token}"
    folder.mkdir()
    if marker:
        (folder / write.MARKER).write_text(write.MARKER_TEXT, encoding="utf-8")
    return folder


def test_stale_temporaries_of_dead_builds_are_removed(tmp_path):
    """Folders of dead builds go; a live build's folder stays (pid 1 is alive)."""
    out = tmp_path / "site"
    out.mkdir()
    dead_build, dead_old = leftover(tmp_path, "build", dead_pid()), leftover(tmp_path, "old", dead_pid())
    live = leftover(tmp_path, "build", 1)
    write.remove_stale_temporaries(out)
    assert not dead_build.exists() and not dead_old.exists()
    assert siblings(out) == [live.name]


def test_a_folder_named_as_mkdtemp_names_them_is_recognised(tmp_path):
    """The exact-name rule matches the names tempfile.mkdtemp really makes (its 8-character token)."""
    out = tmp_path / "site"
    folders = [tempfile.mkdtemp(dir=tmp_path, prefix=f".site.{kind}-{dead_pid()}-") for kind in ("build", "old")]
    for folder in folders:
        Path(folder, write.MARKER).write_text(write.MARKER_TEXT, encoding="utf-8")
    write.remove_stale_temporaries(out)
    assert siblings(out) == []


def test_folders_not_exactly_ours_are_never_removed(tmp_path):
    """Only an exact name (kind, pid, 8-character token) holding the marker file is ours: everything else stays."""
    out = tmp_path / "site"
    out.mkdir()
    pid = dead_pid()
    keep = [
        leftover(tmp_path, "build", pid, marker=False),  # no marker: a user's folder with an unlucky name
        *(tmp_path / name for name in (".site.old-backup", ".site.build-x", f".site.old-{pid}", f".site.old-{pid}-",
                                       f".site.build-{pid}-abc", f".site.build-{pid}-abcd_1234",
                                       f".site.build-{pid}-abcd_123-copy", f".site.old-0{pid}-abcd_123",
                                       ".site.notes", f".sitex.build-{pid}-abcd_123", f"site.build-{pid}-abcd_123")),
    ]
    for folder in keep[1:]:
        folder.mkdir()
        (folder / write.MARKER).write_text("a user's file", encoding="utf-8")
    # The marker must be a file: a folder or a symbolic link named like it is not the marker.
    as_folder = leftover(tmp_path, "build", pid, token="markerdr", marker=False)
    (as_folder / write.MARKER).mkdir()
    as_link = leftover(tmp_path, "build", pid, token="markerln", marker=False)
    (tmp_path / "elsewhere").write_text("x", encoding="utf-8")
    (as_link / write.MARKER).symlink_to(tmp_path / "elsewhere")
    # A symbolic link with the exact name, to a folder holding the marker: neither goes.
    target = tmp_path / "target"
    target.mkdir()
    (target / write.MARKER).write_text(write.MARKER_TEXT, encoding="utf-8")
    link = tmp_path / f".site.old-{pid}-linkedto"
    link.symlink_to(target, target_is_directory=True)
    # A file with the exact name.
    (tmp_path / f".site.build-{pid}-a_file12").write_text("notes", encoding="utf-8")
    before = {p.name for p in tmp_path.iterdir()}
    write.remove_stale_temporaries(out)
    assert {p.name for p in tmp_path.iterdir()} == before
    assert (target / write.MARKER).is_file() and link.is_symlink()


def test_a_site_left_in_the_swap_folder_is_moved_back(tmp_path):
    """Killed between the two renames, the old site waits in its .old- folder: it is put back first."""
    out = tmp_path / "site"
    holder = leftover(tmp_path, "old", dead_pid())
    (holder / "site").mkdir()
    (holder / "site" / write.MARKER).write_text(write.MARKER_TEXT, encoding="utf-8")
    (holder / "site" / "index.html").write_text("kept", encoding="utf-8")
    write.remove_stale_temporaries(out)
    assert (out / "index.html").read_text(encoding="utf-8") == "kept" and siblings(out) == []


def test_prepare_output_puts_the_old_site_back_and_nothing_else(tmp_path):
    """prepare_output (the start of every build) restores a left-over old site; a live build's is left alone."""
    out = tmp_path / "site"
    live = leftover(tmp_path, "old", 1)
    (live / "site").mkdir()
    write.prepare_output(out)
    assert not out.exists() and (live / "site").is_dir()
    dead = leftover(tmp_path, "old", dead_pid(), token="zzzz9999")
    (dead / "site").mkdir()
    (dead / "site" / write.MARKER).write_text(write.MARKER_TEXT, encoding="utf-8")
    (dead / "site" / "index.html").write_text("old", encoding="utf-8")
    write.prepare_output(out)
    assert (out / "index.html").read_text(encoding="utf-8") == "old"


def test_an_old_folder_without_the_marker_is_not_restored(tmp_path):
    """A folder named like an old folder but without the marker is the user's: not moved, not removed."""
    out = tmp_path / "site"
    folder = leftover(tmp_path, "old", dead_pid(), marker=False)
    (folder / "site").mkdir()
    write.remove_stale_temporaries(out)
    assert not out.exists() and (folder / "site").is_dir()


@pytest.mark.parametrize("relative", ["../escape.html", "/tmp/abs.html", "a/../../b", "./index.html", "a//b",
                                      "lesson/", "", "..", "a\\..\\b", "a\0b"])
def test_a_path_outside_the_site_is_refused_before_anything_is_written(tmp_path, relative):
    """Every output path must stay inside --out: one that could not is refused, and nothing is written."""
    out = tmp_path / "site"
    with pytest.raises(OutputError, match="output: refusing to write .*: not a path inside the site folder"):
        write.write_site({**SITE, relative: b"x"}, out)
    assert list(tmp_path.iterdir()) == []


def test_a_symbolic_link_as_output_is_refused(tmp_path):
    """--out naming a symbolic link (even to an earlier site) is refused: the link is the user's."""
    write.write_site(SITE, tmp_path / "real")
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    with pytest.raises(OutputError, match="link: output: is a symbolic link"):
        write.write_site(SITE, tmp_path / "link")
    assert (tmp_path / "link").is_symlink() and sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]


def test_a_readme_that_is_a_symbolic_link_is_not_carried_over(tmp_path):
    """Only a regular README.md is carried over: a link (to a secret, a FIFO) is not followed."""
    out = tmp_path / "site"
    write.write_site(SITE, out)
    (tmp_path / "secret").write_text("secret", encoding="utf-8")
    (out / "README.md").symlink_to(tmp_path / "secret")
    write.write_site(SITE, out)
    assert snapshot(out) == SITE


def test_output_dot_builds_in_place_and_leaves_nothing_beside(tmp_path, monkeypatch):
    """--out . replaces the working folder's site and leaves no '..old-' or '..build-' folder anywhere."""
    folder = tmp_path / "here"
    folder.mkdir()
    for _ in range(2):
        monkeypatch.chdir(folder)  # the swap moved the old working folder away; enter the new one
        write.write_site(SITE, Path("."))
        assert snapshot(folder) == SITE and siblings(folder) == []


def test_signals_are_held_during_the_swap_whichever_thread_they_reach(monkeypatch):
    """SIGTERM sent while another thread runs with it unblocked is delivered only after the held block."""
    seen = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    try:
        stop = threading.Event()
        other = threading.Thread(target=stop.wait, args=(30,))
        other.start()
        with write._signals_held():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.2)  # time enough for any thread's handler to run
            held = list(seen)
        stop.set()
        other.join()
        assert held == [] and seen == [signal.SIGTERM]
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_build_that_fails_before_building_still_puts_a_killed_builds_site_back(tmp_path, capsys):
    """A build killed mid-swap left the site in its old folder; the next `tracegen build`, even one whose
    lesson is broken, moves it back first."""
    import subprocess
    import sys

    from tests.conftest import write_tiny_lesson
    from tracegen.cli import main

    good = write_tiny_lesson(tmp_path, name="tiny")
    out = tmp_path / "site"
    assert main(["build", str(good), "--out", str(out), "--reproducible", "-q", "-j", "1"]) == 0
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    old = tmp_path / f".site.old-{dead}-abcd1234"  # what a SIGKILL between the two renames leaves:
    old.mkdir()                                     # the old site inside its marked folder, no site/
    (old / write.MARKER).write_text(write.MARKER_TEXT, encoding="utf-8")
    out.rename(old / "site")
    broken = tmp_path / "broken.md"
    broken.write_text("+++\nepochs = = 2\n+++\n", encoding="utf-8")
    assert main(["build", str(broken), "--out", str(out), "-q"]) == 2
    capsys.readouterr()
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before
    assert not (old / "site").exists()  # the emptied old folder goes with the next build's clean-up
