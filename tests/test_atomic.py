"""Atomic builds: a build killed mid-write (SIGTERM, SIGKILL) never damages the previous site,
and Ctrl-C ends a build and all its workers with one line.

The build runs as a real `python -m tracegen build` subprocess whose file writes are slowed
down, so the test can see the temporary folder appear next to the site and kill the build
while it is being filled.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, write_lesson
from tracegen.cli import main
from tracegen.site import write

TINY = """title = "Tiny"
epochs = 2
[dataset]
source = "make_classification"
n_samples = 80
n_features = 3
n_informative = 2
n_redundant = 0
[split]
seed = 1
"""
# `python -m tracegen build ...`, with every file write of the site slowed down.
SLOW_BUILD = """
import pathlib, runpy, sys, time
write = pathlib.Path.write_bytes
def slow(self, data):
    if ".build-" in str(self):
        time.sleep(0.05)
    return write(self, data)
pathlib.Path.write_bytes = slow
sys.argv = ["tracegen", *sys.argv[1:]]
runpy.run_module("tracegen", run_name="__main__")
"""


def snapshot(folder: Path) -> dict[str, bytes]:
    """Return every file under `folder` with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def temporaries(out: Path) -> list[Path]:
    """Return the temporary build folders next to `out`."""
    return sorted(p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.") and p.is_dir())


@pytest.fixture
def previous(tmp_path, capsys):
    """A site built from the tiny lesson at seed 1, and a snapshot of its bytes."""
    lesson = write_lesson(tmp_path, TINY, name="tiny")
    out = tmp_path / "out" / "site"
    assert main(["build", str(lesson), "--out", str(out), "--reproducible", "--no-cache"]) == 0
    capsys.readouterr()
    return lesson, out, snapshot(out)


def kill_mid_write(lesson: Path, out: Path, signum: int) -> tuple[subprocess.CompletedProcess, list[Path]]:
    """Start a build at another seed, send `signum` once its temporary folder holds files; return its end."""
    process = subprocess.Popen([sys.executable, "-c", SLOW_BUILD, "build", str(lesson), "--out", str(out),
                                "--seed", "5", "--reproducible", "--no-cache"],
                               cwd=out.parent, env={**os.environ, "PYTHONPATH": str(ROOT)},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    try:
        while True:
            building = [p for p in temporaries(out) if ".build-" in p.name]
            if building and sum(1 for p in building[0].rglob("*") if p.is_file()) >= 3:
                break
            assert process.poll() is None, f"the build ended before it could be killed: {process.communicate()}"
            assert time.monotonic() < deadline, "no temporary folder appeared"
            time.sleep(0.005)
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr), building


def next_build_cleans_up(lesson: Path, out: Path, capsys) -> None:
    """A normal build after the kill succeeds, writes the new site and leaves no temporary folder."""
    assert main(["build", str(lesson), "--out", str(out), "--seed", "5", "--reproducible", "--no-cache"]) == 0
    capsys.readouterr()
    assert temporaries(out) == []
    assert json.loads((out / "tiny" / "trace.json").read_text(encoding="utf-8"))["seed"] == 5


def test_sigterm_mid_write_keeps_the_old_site_and_removes_its_temporary_folder(previous, capsys):
    """SIGTERM while the new site is written: exit 143, old site byte for byte, no temporary folder."""
    lesson, out, before = previous
    ended, building = kill_mid_write(lesson, out, signal.SIGTERM)
    assert ended.returncode == 128 + signal.SIGTERM, ended.stderr
    assert "Traceback" not in ended.stderr
    assert snapshot(out) == before
    assert not building[0].exists() and temporaries(out) == []
    next_build_cleans_up(lesson, out, capsys)


def test_sigkill_mid_write_keeps_the_old_site_and_the_next_build_cleans_up(previous, capsys):
    """SIGKILL while the new site is written: old site byte for byte; the next build removes the leftover."""
    lesson, out, before = previous
    ended, building = kill_mid_write(lesson, out, signal.SIGKILL)
    assert ended.returncode == -signal.SIGKILL
    assert snapshot(out) == before
    assert building[0].is_dir()  # a killed process cannot clean up: the leftover is real
    next_build_cleans_up(lesson, out, capsys)


def dead_pid() -> int:
    """Return the pid of a process that has exited."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def leftover(out: Path, kind: str, pid: int, token: str) -> Path:
    """Make a folder next to `out` named and marked as a build of `pid` makes them."""
    folder = out.parent / f".{out.name}.{kind}-{pid}-{token}"
    folder.mkdir()
    (folder / write.MARKER).write_text(write.MARKER_TEXT, encoding="utf-8")
    return folder


def test_site_left_in_the_swap_folder_is_moved_back(previous):
    """Killed between the swap's two renames, the old site sits in its .old- folder: it is put back whole."""
    _, out, before = previous
    holder = leftover(out, "old", dead_pid(), "abc12345")
    os.rename(out, holder / out.name)
    write.remove_stale_temporaries(out)
    assert snapshot(out) == before and temporaries(out) == []


def test_a_live_builds_temporary_folder_is_left_alone(previous):
    """Only folders of dead builds are removed: a running build's folder (pid 1 is alive) stays."""
    _, out, before = previous
    live = leftover(out, "build", 1, "abc12345")
    dead = leftover(out, "build", dead_pid(), "def45678")
    unrelated = out.parent / f".{out.name}.notes"
    unrelated.mkdir()
    write.remove_stale_temporaries(out)
    assert live.is_dir() and unrelated.is_dir() and not dead.exists()
    assert snapshot(out) == before


# `python -m tracegen build ...` whose swap pauses between its two renames: just before the new site is
# renamed into place (the old one already moved aside) it creates the file named by its first argument
# and sleeps. A second thread runs with every signal unblocked, as the worker pool's thread does.
SLOW_SWAP = """
import os, pathlib, runpy, sys, threading, time
flag = pathlib.Path(sys.argv.pop(1))
rename = os.rename
def slow(src, dst):
    if ".build-" in os.path.basename(src):
        flag.touch()
        time.sleep(3)
    return rename(src, dst)
os.rename = slow
threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
sys.argv = ["tracegen", *sys.argv[1:]]
runpy.run_module("tracegen", run_name="__main__")
"""


def signal_between_renames(lesson: Path, out: Path, signum: int) -> subprocess.CompletedProcess:
    """Start a build at seed 5 with the slowed swap, send `signum` between its two renames; return its end."""
    flag = out.parent / "between-renames"
    process = subprocess.Popen([sys.executable, "-c", SLOW_SWAP, str(flag), "build", str(lesson), "--out", str(out),
                                "--seed", "5", "--reproducible", "--no-cache", "--quiet"],
                               cwd=out.parent, env={**os.environ, "PYTHONPATH": str(ROOT)},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    try:
        while not flag.exists():
            assert process.poll() is None, f"the build ended before its swap: {process.communicate()}"
            assert time.monotonic() < deadline, "the build never reached its swap"
            time.sleep(0.005)
        assert not out.exists()  # the old site is aside, the new one not yet in: the gap is open
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    flag.unlink()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def seed_of(out: Path) -> int:
    """Return the seed of the site's lesson page."""
    return json.loads((out / "tiny" / "trace.json").read_text(encoding="utf-8"))["seed"]


@pytest.mark.parametrize(("signum", "code", "last_line"), [(signal.SIGTERM, 128 + signal.SIGTERM, None),
                                                          (signal.SIGINT, 130, "tracegen: interrupted")])
def test_sigterm_or_ctrl_c_between_the_renames_waits_for_the_swap(previous, capsys, signum, code, last_line):
    """SIGTERM or SIGINT between the swap's renames, with a thread that does not block it: the swap ends
    first, so the new site is in place whole; the build then ends as the signal asks, leaving nothing beside."""
    lesson, out, _ = previous
    ended = signal_between_renames(lesson, out, signum)
    assert ended.returncode == code, ended.stderr
    assert "Traceback" not in ended.stderr
    assert last_line is None or ended.stderr.splitlines()[-1] == last_line, ended.stderr
    assert temporaries(out) == [] and seed_of(out) == 5
    swapped = snapshot(out)
    reference = out.parent / "reference"
    assert main(["build", str(lesson), "--out", str(reference), "--seed", "5", "--reproducible", "--no-cache"]) == 0
    capsys.readouterr()
    assert swapped == snapshot(reference)


def test_sigkill_between_the_renames_and_a_failing_build_puts_the_old_site_back(previous, capsys):
    """SIGKILL between the renames leaves no site at --out, only in the old folder: the next build, even
    one that fails, puts the old site back byte for byte, and the build after that succeeds cleanly."""
    lesson, out, before = previous
    ended = signal_between_renames(lesson, out, signal.SIGKILL)
    assert ended.returncode == -signal.SIGKILL
    assert not out.exists() and [p.name.split("-")[0] for p in temporaries(out)] == [f".{out.name}.build",
                                                                                     f".{out.name}.old"]
    broken = write_lesson(lesson.parent, TINY, body="[[ no_such_name ]]\n", name="broken")
    assert main(["build", str(broken), "--out", str(out), "--reproducible", "--no-cache"]) == 2
    assert "tracegen: error: " in capsys.readouterr().err
    assert snapshot(out) == before
    next_build_cleans_up(lesson, out, capsys)


def test_slowed_build_wrapper_runs_the_real_entry_point():
    """The slowed build wrapper runs `python -m tracegen` (a sanity check for the kill tests)."""
    done = subprocess.run([sys.executable, "-c", SLOW_BUILD, "build", "--help"], cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0 and "--out DIR" in done.stdout


def test_ctrl_c_is_one_line_and_stops_every_worker(tmp_path):
    """Ctrl-C (SIGINT to the terminal's process group) while workers run: one 'interrupted' line, no
    worker traceback, no site, and no process of the build left behind. (That workers ignore it while
    they import is checked in test_build; a signal sent at a fixed moment of start-up can land in an
    importlib callback, where CPython drops it.)"""
    out = tmp_path / "site"
    process = subprocess.Popen([sys.executable, "-m", "tracegen", "build", "--out", str(out), "--no-cache",
                                "--reproducible"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    lines = [process.stderr.readline()]  # the first lesson is done; the others are running
    os.killpg(process.pid, signal.SIGINT)
    lines += process.stderr.readlines()
    process.stderr.close()
    # The build returns 130, or ends by the signal itself when it arrives again during interpreter
    # shutdown; a shell reports both as 130.
    assert process.wait(timeout=60) in (130, -signal.SIGINT)
    assert lines[-1] == "tracegen: interrupted\n" and "Traceback" not in "".join(lines), lines
    assert all(line.startswith("tracegen: [") for line in lines[:-1]), lines
    assert not out.exists()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("worker processes outlived the interrupted build")
