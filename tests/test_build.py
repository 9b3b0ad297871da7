"""tracegen build performance features: trace cache, unchanged-site skip, worker processes, progress."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, write_lesson
from tracegen import pipeline
from tracegen.cli import main
from tracegen.html.env import TEMPLATES_DIR
from tracegen.progress import CLEAR_LINE, Progress

TINY = """title = "Tiny {name}"
topic = "Testing"
description = "A small lesson for build tests."
epochs = {epochs}
[dataset]
source = "make_classification"
n_samples = 120
n_features = 3
n_informative = 2
n_redundant = 0
[split]
seed = 2
"""
HEAVY = ("sklearn", "scipy")


def tiny(folder: Path, name: str, epochs: int = 2, body: str = "Some prose.\n") -> Path:
    """Write a small, fast lesson named `name`."""
    return write_lesson(folder, TINY.format(name=name, epochs=epochs), body, name=name)


def build(capsys, *argv: str) -> tuple[int, str, str]:
    """Run `tracegen build` in-process; return (exit code, stdout, stderr)."""
    code = main(["build", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def tree_digests(folder: Path) -> dict[str, str]:
    """Return the sha256 of every file under `folder`, by relative path."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def summary(err: str) -> str:
    """Return the last stderr line: the build summary."""
    return err.splitlines()[-1]


@pytest.fixture
def lessons(tmp_path):
    """Two tiny lessons in their own folder."""
    folder = tmp_path / "lessons"
    folder.mkdir()
    return [tiny(folder, "alpha"), tiny(folder, "beta")]


def test_second_build_loads_every_trace_from_the_cache(tmp_path, lessons, capsys):
    """The first build runs both lessons; an identical rebuild runs nothing and writes nothing."""
    out, cache = tmp_path / "site", tmp_path / "cache"
    args = (*map(str, lessons), "--out", str(out), "--cache-dir", str(cache), "--reproducible")
    code, _, err = build(capsys, *args)
    assert code == 0 and "2 trace(s): 2 run, 0 from cache; wrote" in summary(err)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    code, _, err = build(capsys, *args)
    assert code == 0 and "2 trace(s): 0 run, 2 from cache; site unchanged" in summary(err)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def test_unchanged_rebuild_imports_no_sklearn_or_scipy(tmp_path, lessons, capsys):
    """A rebuild with nothing changed never imports scikit-learn or scipy (checked in a fresh process)."""
    out, cache = tmp_path / "site", tmp_path / "cache"
    args = [*map(str, lessons), "--out", str(out), "--cache-dir", str(cache), "--reproducible"]
    assert build(capsys, *args)[0] == 0
    assert heavy_modules_after_build(args) == "0 []"


def test_prose_change_renders_from_cached_traces_without_sklearn(tmp_path, lessons, capsys):
    """Editing a lesson's Markdown re-renders its page from cached traces; no pipeline, no scikit-learn."""
    out, cache = tmp_path / "site", tmp_path / "cache"
    args = [*map(str, lessons), "--out", str(out), "--cache-dir", str(cache), "--reproducible"]
    assert build(capsys, *args)[0] == 0
    tiny(lessons[0].parent, "alpha", body="Rewritten prose about thresholds.\n")
    assert heavy_modules_after_build(args) == "0 []"
    assert "Rewritten prose about thresholds." in (out / "alpha/index.html").read_text(encoding="utf-8")


def heavy_modules_after_build(args: list[str]) -> str:
    """Run `tracegen build ARGS` in a fresh interpreter; return 'exit-code [sklearn/scipy modules loaded]'."""
    script = ("import sys\nfrom tracegen.cli import main\ncode = main(['build', '-q', *sys.argv[1:]])\n"
              f"print(code, sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n")
    result = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[-1]


def test_template_change_rerenders_without_running(tmp_path, lessons, capsys, monkeypatch):
    """A template edit re-renders every page, with every trace from the cache (no pipeline runs)."""
    out, cache, templates = tmp_path / "site", tmp_path / "cache", tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    args = (*map(str, lessons), "--out", str(out), "--cache-dir", str(cache), "--templates", str(templates))
    assert build(capsys, *args, "--reproducible")[0] == 0
    base = templates / "base.html"
    base.write_text(base.read_text(encoding="utf-8") + "<!-- edited template -->\n", encoding="utf-8")
    monkeypatch.setattr(pipeline, "run", lambda *a, **k: pytest.fail("a lesson ran"))
    code, _, err = build(capsys, *args, "--reproducible")
    assert code == 0 and "0 run, 2 from cache; wrote" in summary(err)
    assert "<!-- edited template -->" in (out / "beta/index.html").read_text(encoding="utf-8")


def test_only_the_changed_lesson_runs_again(tmp_path, lessons, capsys):
    """Changing one lesson's pipeline re-runs that lesson only; the other comes from the cache."""
    out, cache = tmp_path / "site", tmp_path / "cache"
    args = (*map(str, lessons), "--out", str(out), "--cache-dir", str(cache), "--reproducible")
    assert build(capsys, *args)[0] == 0
    tiny(lessons[1].parent, "beta", epochs=3)
    code, _, err = build(capsys, *args)
    assert code == 0 and "1 run, 1 from cache; wrote" in summary(err)
    assert "[2/2] beta (ran)" in err and "alpha (cache)" in err


def test_cached_trace_keeps_its_wall_times(tmp_path, lessons, capsys):
    """A non-reproducible page built from a cached trace still shows the run's wall times."""
    out, cache = tmp_path / "site", tmp_path / "cache"
    assert build(capsys, str(lessons[0]), "--out", str(tmp_path / "first"), "--cache-dir", str(cache))[0] == 0
    code, _, err = build(capsys, str(lessons[0]), "--out", str(out), "--cache-dir", str(cache))
    assert code == 0 and "0 run, 1 from cache" in summary(err)
    assert "<dt>Run wall time</dt>" in (out / "alpha/index.html").read_text(encoding="utf-8")


def test_edited_output_is_rebuilt(tmp_path, lessons, capsys):
    """A site whose files were changed by hand is not 'unchanged': the rebuild restores it."""
    out, cache = tmp_path / "site", tmp_path / "cache"
    args = (*map(str, lessons), "--out", str(out), "--cache-dir", str(cache), "--reproducible")
    assert build(capsys, *args)[0] == 0
    expected = tree_digests(out)
    (out / "alpha/index.html").write_text("vandalised", encoding="utf-8")
    code, _, err = build(capsys, *args)
    assert code == 0 and "0 run, 2 from cache; wrote" in summary(err)
    assert tree_digests(out) == expected


def test_no_cache_runs_everything_and_stores_nothing(tmp_path, lessons, capsys, monkeypatch):
    """--no-cache runs every lesson and creates no cache folder (not even the default one)."""
    monkeypatch.chdir(tmp_path)
    args = (*map(str, lessons), "--out", str(tmp_path / "site"), "--no-cache", "--reproducible")
    for _ in range(2):
        code, _, err = build(capsys, *args)
        assert code == 0 and "2 run, 0 from cache; wrote" in summary(err)
    assert not (tmp_path / ".tracegen-cache").exists()


def test_jobs_give_byte_identical_sites(tmp_path, lessons, capsys):
    """--jobs 1 and --jobs 2 build the same files, byte for byte (lessons and variants in workers)."""
    trees = []
    for jobs in ("1", "2"):
        out = tmp_path / f"site-{jobs}"
        code, _, err = build(capsys, *map(str, lessons), "--out", str(out), "--variants", "2", "--no-cache",
                             "--reproducible", "--jobs", jobs)
        assert code == 0 and "6 trace(s): 6 run" in summary(err), err
        trees.append(tree_digests(out))
    assert trees[0] == trees[1] and len(trees[0]) > 10


def test_worker_error_is_one_line(tmp_path, capsys):
    """A lesson that fails inside a worker process is still one error line, exit 2, nothing written."""
    folder = tmp_path / "lessons"
    folder.mkdir()
    good = tiny(folder, "good")
    (folder / "data.csv").write_text("a,b,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(30))
                                     + "1,oops,0\n", encoding="utf-8")
    bad = write_lesson(folder, 'epochs = 2\n[dataset]\nsource = "csv"\npath = "data.csv"\ntarget = "label"\n',
                       name="bad")
    code, _, err = build(capsys, str(good), str(bad), "--out", str(tmp_path / "site"), "--no-cache", "-j", "2",
                         "-q")
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith(f"tracegen: error: {folder / 'data.csv'}:32: b: "), err
    assert not (tmp_path / "site").exists()


def test_progress_is_plain_lines_off_a_terminal(tmp_path, lessons, capsys):
    """Off a terminal, each trace is one plain 'n/N' line, then one summary line; -q prints nothing."""
    args = (*map(str, lessons), "--out", str(tmp_path / "site"), "--no-cache", "--reproducible")
    code, _, err = build(capsys, *args)
    lines = err.splitlines()
    assert code == 0 and len(lines) == 3 and "\r" not in err and "\x1b" not in err
    # Workers finish in any order: the count rises line by line, whichever lesson came first.
    assert lines[0].startswith("tracegen: [1/2] ") and lines[1].startswith("tracegen: [2/2] ")
    assert lines[0].endswith(" s") and lines[1].endswith(" runs/s")
    assert sorted(line.split()[2] for line in lines[:2]) == ["alpha", "beta"]
    assert all(" (ran) " in line for line in lines[:2])
    assert lines[2].startswith("tracegen: 2 lesson(s), 2 trace(s): 2 run, 0 from cache; wrote ")
    code, _, err = build(capsys, *args, "-q")
    assert code == 0 and err == ""


class FakeTerminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        """Claim to be a TTY."""
        return True


def test_progress_redraws_one_line_on_a_terminal():
    """On a terminal the progress line is redrawn in place and cleared before the summary."""
    clock = iter([0.0, 0.5, 1.25]).__next__
    stream = FakeTerminal()
    progress = Progress(stream, clock=clock)
    progress.step(1, 2, "alpha", "ran")
    progress.step(2, 2, "beta", "cache")
    progress.summary("done")
    # 2 runs in 1.25 s: 1.6 runs per second, from the second run on (one run has no rate yet).
    assert stream.getvalue() == (f"{CLEAR_LINE}[1/2] alpha (ran) 0.5 s{CLEAR_LINE}[2/2] beta (cache) 1.2 s, "
                                 f"1.6 runs/s{CLEAR_LINE}tracegen: done\n")


def test_a_long_summary_wraps_on_a_terminal_and_not_in_a_log():
    """A terminal gets the summary within 80 columns, words whole; a log or a pipe gets it on one line."""
    text = "18 lesson(s), 5418 trace(s): 5418 run, 0 from cache; wrote /srv/course/site-of-autumn/ in 844.62 s"
    terminal, log = FakeTerminal(), io.StringIO()
    Progress(terminal).summary(text)
    Progress(log).summary(text)
    lines = terminal.getvalue().splitlines()
    assert len(lines) == 2 and all(len(line) <= 80 for line in lines)
    assert lines[1].startswith("  ") and " ".join(line.strip() for line in lines) == f"tracegen: {text}"
    assert log.getvalue() == f"tracegen: {text}\n"


def test_jobs_default_to_the_usable_cpus():
    """Without --jobs, a build runs one worker per CPU this process may use."""
    from tracegen.cli import build_parser, usable_cpus

    assert build_parser().parse_args(["build"]).jobs == usable_cpus() == len(os.sched_getaffinity(0))
