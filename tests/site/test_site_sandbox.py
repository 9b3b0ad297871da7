"""No build touches anything but its own outputs: builds run inside a watched sandbox folder.

The sandbox holds the lessons, a predictions file and decoys a careless build would harm: folders
named like a build's temporary folders (without the marker), the site's own file names next to the
output, a symbolic link, a FIFO. Every entry outside the command's outputs (--out, --json, export
--out, --cache-dir) is recorded (kind, mode, bytes or link target) before and after each command;
the two records must be equal, whether the command succeeds or fails.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_lesson
from tracegen.cli import main

TINY = """title = "Tiny"
epochs = 2
[dataset]
source = "make_classification"
n_samples = 80
n_features = 3
n_informative = 2
n_redundant = 0
"""
FAST = ["--reproducible", "--jobs", "1"]


def record(sandbox: Path, outputs: tuple[str, ...]) -> dict[str, tuple]:
    """Return every entry under `sandbox` outside `outputs`: (kind, mode, sha256 of its bytes or link target)."""
    found = {}
    for folder, dirs, names in os.walk(sandbox):
        for name in dirs + names:
            path = Path(folder, name)
            relative = path.relative_to(sandbox).as_posix()
            if any(relative == out or relative.startswith(out + "/") for out in outputs):
                continue
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode):
                content = hashlib.sha256(path.read_bytes()).hexdigest()
            elif stat.S_ISLNK(info.st_mode):
                content = os.readlink(path)
            else:
                content = None  # a folder (its entries are recorded on their own) or a FIFO, never opened
            found[relative] = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), content)
    return found


def dead_pid() -> int:
    """Return the pid of a process that has exited."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A working folder with lessons, a predictions file and decoys; the tests run commands inside it."""
    root = tmp_path / "sandbox"
    (root / "lessons").mkdir(parents=True)
    write_lesson(root / "lessons", TINY, name="tiny")
    write_lesson(root / "lessons", TINY.replace("Tiny", "Other"), name="other")
    (root / "lessons" / "..md").write_text("+++\nepochs = 1\n+++\nhidden: never a lesson\n", encoding="utf-8")
    write_lesson(root, TINY, body="[[ no_such_name ]]\n", name="broken")
    (root / "preds.csv").write_text("y_true,score\n" + "".join(f"{'yes' if i % 3 else 'no'},{i / 40}\n"
                                                               for i in range(40)), encoding="utf-8")
    # Named as a build's temporary folders are, but not made by one (no marker; no token or a short one).
    for name in (".site.old-backup", ".site.build-1-x", f".site.old-{dead_pid()}-abcd_123",
                 f".site.build-{dead_pid()}-abcd_123", ".dotsite.old-backup"):
        (root / name).mkdir()
        (root / name / "notes.txt").write_text("the user's\n", encoding="utf-8")
    # The site's own names, next to the output instead of inside it.
    for name in ("index.html", "search-index.js", "trace.json", "static/site.css", "tiny/index.html"):
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_text(f"the user's {name}\n", encoding="utf-8")
    (root / "link").symlink_to(root / "trace.json")
    os.mkfifo(root / "pipe")
    (root / "dotsite").mkdir()
    monkeypatch.chdir(root)
    return root


COMMANDS = {
    # name: (arguments, exit code, the outputs it may write)
    "build": (["build", "--out", "site", "--no-cache", *FAST], 0, ("site",)),
    "rebuild": (["build", "--out", "site", "--no-cache", "--seed", "3", *FAST], 0, ("site",)),
    "variants": (["build", "lessons/tiny.md", "--out", "site", "--no-cache", "--variants", "2", *FAST], 0, ("site",)),
    "cache": (["build", "--out", "site", "--cache-dir", "cache", *FAST], 0, ("site", "cache")),
    "failing": (["build", "lessons/tiny.md", "broken.md", "--out", "site", "--no-cache", *FAST], 2, ("site",)),
    "hidden-name": (["build", "lessons/..md", "--out", "site", "--no-cache", *FAST], 2, ("site",)),
    "foreign-out": (["build", "--out", "lessons", "--no-cache", *FAST], 2, ("lessons",)),
    "predictions": (["build", "--predictions", "preds.csv", "--out", "predsite", "--reproducible"], 0, ("predsite",)),
    "json": (["run", "lessons/tiny.md", "--json", "out/trace.json", "--reproducible"], 0, ("out",)),
    "json-on-link": (["run", "lessons/tiny.md", "--json", "link", "--reproducible"], 2, ("link",)),
    "json-on-fifo": (["run", "lessons/tiny.md", "--json", "pipe", "--reproducible"], 2, ("pipe",)),
    "export": (["export", "lessons/tiny.md", "--format", "gift", "--out", "quiz.gift"], 0, ("quiz.gift",)),
    "export-qti": (["export", "lessons/tiny.md", "--format", "qti", "--out", "quiz.zip"], 0, ("quiz.zip",)),
    "export-on-link": (["export", "lessons/tiny.md", "--format", "qti", "--out", "link"], 2, ("link",)),
}


def run_watched(sandbox: Path, capsys, name: str) -> None:
    """Run one command; assert its exit code and that nothing outside its outputs changed."""
    argv, code, outputs = COMMANDS[name]
    before = record(sandbox, outputs)
    assert main(["--lessons", "lessons", *argv]) == code, capsys.readouterr().err
    capsys.readouterr()
    after = record(sandbox, outputs)
    changed = sorted(set(before) ^ set(after) | {k for k in set(before) & set(after) if before[k] != after[k]})
    assert changed == [], f"{name} changed files outside its outputs: {changed}"


def test_no_command_touches_anything_but_its_outputs(sandbox, capsys):
    """14 commands in a row (builds, failing builds, variants, the cache, predictions, --json, exports):
    0 entries outside each command's outputs are created, changed or removed."""
    for name in COMMANDS:
        run_watched(sandbox, capsys, name)
    assert (sandbox / "site" / "tiny" / "index.html").is_file() and (sandbox / "quiz.gift").is_file()
    # A refused --json or export leaves the link and the FIFO as they were (the record checked their kind too).
    assert (sandbox / "link").is_symlink() and stat.S_ISFIFO(os.lstat(sandbox / "pipe").st_mode)


def test_output_dot_leaves_nothing_beside_its_folder(sandbox, capsys, monkeypatch):
    """--out . from inside a folder builds there; nothing next to the folder (in the sandbox) changes."""
    before = record(sandbox, ("dotsite",))
    for _ in range(2):
        monkeypatch.chdir(sandbox / "dotsite")  # the swap moved the old working folder away: enter the new one
        assert main(["--lessons", str(sandbox / "lessons"), "build", "--out", ".", "--no-cache", *FAST]) == 0
        capsys.readouterr()
    assert record(sandbox, ("dotsite",)) == before
    assert (sandbox / "dotsite" / "tiny" / "index.html").is_file()
