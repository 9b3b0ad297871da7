"""Benchmark tracegen builds against a bare scikit-learn script, in one run.

Usage: python benchmarks/bench.py [--repeats N] [--rows b,d] [--profile] [--course [K1,K2]]

Every row runs as fresh processes (imports included, as a learner would see them, with
tracegen byte-compiled as an install leaves it): one warm-up round, then N rounds, the rows
interleaved within each round so machine noise hits them alike. A row's setup (emptying its
cache) is not timed. Prints the median wall time, the ratio to the bare script (a), the
issue's bar, the median CPU time of the row's process tree (user + system, workers included;
steadier than wall time on a noisy machine, and what more cores cannot hide) with its ratio
to (a), and two memory figures:

- peak RSS: the largest resident set of any process in the row's tree (os.wait4 reports the
  maximum over the process and every descendant it waited for, worker processes included);
- tree PSS: the peak of the whole tree's summed proportional set size, sampled every 20 ms in
  one extra run (PSS splits pages that forked workers share, so the sum is not double-counted).

Row (i), the import floor, imports what a build and its worker import and exits; the line under the
table subtracts it from (c1) to give each lesson's marginal CPU.

--profile also builds the whole catalogue once in this process, cold and with one job, and
prints where the time goes: imports, fitting, evaluation, quiz generation, rendering, writing.
--course K1,K2 then runs course.py: the catalogue with K1 and K2 variants per lesson (slow).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tracegen.cli import usable_cpus

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"
BARE = ROOT / "benchmarks" / "bare_precision_recall.py"
PYTHON = sys.executable
SAMPLE_SECONDS = 0.02
# What a cold build imports in its two processes (the build: the CLI, site, templates' and quiz modules, jinja2,
# markdown; its worker, as runs._prepare_worker does: scikit-learn, which pulls in scipy.stats, threadpoolctl and
# the pipeline stages), all in one process that then exits: the part of (c1) that does not grow with the lessons.
FLOOR_SCRIPT = """
import jinja2, markdown, numpy, scipy.stats
from sklearn import datasets, linear_model, model_selection, preprocessing
from threadpoolctl import threadpool_limits
import tracegen.cli, tracegen.html.env, tracegen.html.lesson, tracegen.quiz, tracegen.site
from tracegen.pipeline import data, evaluate, stages, train
"""
# Issue 18's bar on (c1 - i) / lessons, as a ratio to (a)'s CPU.
LESSON_CPU_BAR = 0.12


@dataclass
class Row:
    """One benchmarked command: how to prepare it (untimed), how to run it, and its bar."""

    key: str
    title: str
    command: list[str]
    bar: float | None = None
    setup: Callable[[], None] = lambda: None
    times: list[float] = field(default_factory=list)
    cpu_times: list[float] = field(default_factory=list)
    peak_rss: list[float] = field(default_factory=list)
    tree_pss: float | None = None


def emptied(*folders: Path) -> Callable[[], None]:
    """Return a setup step that deletes `folders` (a cold cache, no previous site)."""
    def setup() -> None:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
    return setup


def build_command(work: Path, name: str, *extra: str) -> list[str]:
    """Return a `tracegen build` command writing into `work`/`name` with its own cache folder."""
    return [PYTHON, "-m", "tracegen", "--lessons", str(LESSONS), "build", "--out", str(work / name / "site"),
            "--cache-dir", str(work / name / "cache"), "--reproducible", "-q", *extra]


def notebook_row(work: Path) -> Row | None:
    """Return the nbconvert row when `jupyter nbconvert` is installed, else None."""
    jupyter = shutil.which("jupyter")
    if jupyter is None or subprocess.run([jupyter, "nbconvert", "--version"], capture_output=True).returncode:
        return None
    # A kernel's argv holds its own flags; the script reads a seed from argv, so clear it first.
    source = BARE.read_text(encoding="utf-8").replace('if __name__ == "__main__":\n    main()',
                                                      "sys.argv = sys.argv[:1]\nmain()")
    notebook = {"cells": [{"cell_type": "code", "execution_count": None, "id": "pipeline", "metadata": {},
                           "outputs": [], "source": source}],
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    path = work / "notebook" / "precision_recall.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return Row("f", "jupyter nbconvert --execute --to html (same pipeline)",
               [jupyter, "nbconvert", "--execute", "--to", "html", str(path), "--output-dir", str(path.parent)])


def byte_compile_tracegen() -> None:
    """Write tracegen's bytecode (__pycache__), as pip does on a regular install and Python does on first import.

    Where PYTHONDONTWRITEBYTECODE is set, as on the development machines here, an editable install has
    none, so every timed process would compile tracegen from source (0.1 s of CPU for all of it) while
    scikit-learn, installed from a wheel, loads its bytecode: the rows would not compare like with like.
    """
    compileall.compile_dir(ROOT / "tracegen", quiet=1)


def make_rows(work: Path) -> list[Row]:
    """Return rows (a) to (f) and (i); (d) relies on the warm-up round having built its site once."""
    rows = [
        Row("a", "bare scikit-learn script (precision-recall)", [PYTHON, str(BARE)]),
        Row("b", "tracegen build precision-recall, cold cache", build_command(work, "b", "precision-recall"),
            1.15, emptied(work / "b")),
        Row("c", f"whole catalogue, cold cache (default --jobs {usable_cpus()})", build_command(work, "c"), 2.0,
            emptied(work / "c")),
        Row("c1", "whole catalogue, cold cache, --jobs 1", build_command(work, "c1", "--jobs", "1"), None,
            emptied(work / "c1")),
        Row("d", "whole catalogue rebuild, nothing changed", build_command(work, "d"), 0.15),
        Row("e", "precision-recall + 30 variants, --jobs 2, cold", build_command(
            work, "e", "precision-recall", "--variants", "30", "--jobs", "2"), 3.0, emptied(work / "e")),
        Row("i", "import floor: a build's and its worker's imports, then exit", [PYTHON, "-c", FLOOR_SCRIPT]),
    ]
    notebook = notebook_row(work)
    return rows + ([notebook] if notebook is not None else [])


def measure(command: list[str]) -> tuple[float, float, float]:
    """Run `command` once; return (wall seconds, CPU seconds of its tree, peak RSS in MiB of the largest
    process in its tree)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.stderr is not None  # stderr=PIPE
    error = process.stderr.read().decode()
    process.stderr.close()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{error}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def interleaved_walls(commands: dict[str, list[str]], repeats: int) -> dict[str, list[float]]:
    """Run each command once to warm up, then `repeats` rounds with the commands interleaved (so machine
    noise hits them alike); return each command's wall seconds per round."""
    for command in commands.values():
        measure(command)
    walls: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, command in commands.items():
            walls[name].append(measure(command)[0])
    return walls


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as handle:
                    todo.extend(int(child) for child in handle.read().split())
        except OSError:
            pass
    return found


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_pss_peak(command: list[str]) -> float | None:
    """Run `command` once, sampling its process tree's summed PSS; return the peak in MiB (None off Linux)."""
    if not os.path.exists("/proc/self/smaps_rollup"):
        return None
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0

    def sample() -> None:
        nonlocal peak
        while process.poll() is None:
            peak = max(peak, sum(_pss_kib(pid) for pid in _descendants(process.pid)))
            time.sleep(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample)
    sampler.start()
    sampler.join()
    return peak / 1024


def run_rows(rows: list[Row], repeats: int) -> None:
    """Warm up once, then time every row `repeats` times, interleaved; then sample each row's memory once."""
    for row in rows:
        row.setup()
        measure(row.command)
    for _ in range(repeats):
        for row in rows:
            row.setup()
            seconds, cpu, peak = measure(row.command)
            row.times.append(seconds)
            row.cpu_times.append(cpu)
            row.peak_rss.append(peak)
    for row in rows:
        row.setup()
        row.tree_pss = tree_pss_peak(row.command)


def print_table(rows: list[Row], repeats: int) -> None:
    """Print medians, ratios to (a), bars, CPU time and memory."""
    base = statistics.median(rows[0].times)
    base_cpu = statistics.median(rows[0].cpu_times)
    base_rss = max(rows[0].peak_rss)
    print("| row | command | median s | ratio to (a) | bar | CPU s | CPU ratio | peak RSS MiB | RSS ratio "
          "| tree PSS MiB |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        median, cpu, peak = statistics.median(row.times), statistics.median(row.cpu_times), max(row.peak_rss)
        ratio = median / base
        bar = "" if row.bar is None else f"≤ {row.bar:g}× {'ok' if ratio <= row.bar else 'MISSED'}"
        pss = "" if row.tree_pss is None else f"{row.tree_pss:.0f}"
        print(f"| ({row.key}) | {row.title} | {median:.3f} | {ratio:.2f} | {bar} | {cpu:.2f} | {cpu / base_cpu:.2f} | "
              f"{peak:.0f} | {peak / base_rss:.2f} | {pss} |")
    lessons = len(list(LESSONS.glob("*.md")))
    print(f"\n{repeats} runs per row after a warm-up, interleaved; {lessons} lessons in {LESSONS.name}/; "
          f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}. Bar for (b) peak RSS: ≤ 1.2× (a).")
    print_lesson_marginal(rows, lessons)


def print_lesson_marginal(rows: list[Row], lessons: int) -> None:
    """Print each lesson's marginal CPU, ((c1) - (i)) / lessons, as a ratio to (a)'s CPU (when both rows ran)."""
    by_key = {row.key: row for row in rows}
    if "c1" not in by_key or "i" not in by_key:
        return
    base = statistics.median(rows[0].cpu_times)
    catalogue, floor = statistics.median(by_key["c1"].cpu_times), statistics.median(by_key["i"].cpu_times)
    marginal = (catalogue - floor) / lessons
    ratio = marginal / base
    print(f"Per-lesson marginal CPU: ((c1) {catalogue:.2f} s - (i) {floor:.2f} s) / {lessons} lessons = "
          f"{marginal:.3f} s = {ratio:.3f}× (a)'s {base:.2f} s; bar ≤ {LESSON_CPU_BAR:g}× "
          f"{'ok' if ratio <= LESSON_CPU_BAR else 'MISSED'}.")


def profile_catalogue() -> None:
    """Build the whole catalogue once in this process (cold, one job) and print where the time goes."""
    started = time.perf_counter()
    from tracegen import site
    from tracegen.spec import load_lesson

    spent: dict[str, float] = {}

    def timed(name: str, function: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - start
        return wrapper

    stage_seconds: dict[str, float] = {}
    from tracegen.site import index, pages, write

    real_checked = pages.checked_questions

    def checked_and_recorded(spec, trace):
        # Lessons run in a worker process; their stage wall times come back inside each trace.
        for stage, seconds in trace.timings.items():
            stage_seconds[stage] = stage_seconds.get(stage, 0.0) + seconds
        return real_checked(spec, trace)

    start = time.perf_counter()
    # Everything a cold build imports: scikit-learn (through the pipeline stages), jinja2 and markdown.
    import sklearn.datasets  # noqa
    import sklearn.linear_model
    import sklearn.model_selection
    import sklearn.neural_network
    import sklearn.preprocessing  # noqa: F401

    import tracegen.pipeline.evaluate  # noqa: E401,F401
    import tracegen.pipeline.stages
    import tracegen.pipeline.train
    import tracegen.quiz  # noqa: E401,F401
    spent["imports"] = time.perf_counter() - start
    specs = [load_lesson(path) for path in sorted(LESSONS.glob("*.md"))]
    # Each is replaced in the module that calls it by name.
    pages.checked_questions = timed("quiz generation", checked_and_recorded)
    pages.PageMaker.variant_pages = timed("rendering", pages.PageMaker.variant_pages)
    for name in ("index_page", "search_index"):
        setattr(index, name, timed("rendering", getattr(index, name)))
    # The pages are written one by one as they are rendered, then swapped in.
    write.SiteWriter.add = timed("writing", write.SiteWriter.add)
    write.SiteWriter.commit = timed("writing", write.SiteWriter.commit)
    work = Path(tempfile.mkdtemp(prefix="tracegen-profile-"))
    try:
        start = time.perf_counter()
        site.build_site(specs, work / "site", reproducible=True, jobs=1)
        build = time.perf_counter() - start
    finally:
        shutil.rmtree(work, ignore_errors=True)
    total = time.perf_counter() - started
    parts = {"imports (scikit-learn, scipy, numpy, jinja2, markdown)": spent["imports"],
             "fitting (train: partial_fit epochs + per-epoch loss/accuracy)": stage_seconds.get("train", 0.0),
             "evaluation (predict + evaluate)": stage_seconds.get("predict", 0.0) + stage_seconds.get("evaluate", 0.0),
             "data (load, split, normalize)": sum(stage_seconds.get(s, 0.0) for s in ("load", "split", "normalize")),
             "quiz generation": spent["quiz generation"], "rendering": spent["rendering"],
             "writing": spent["writing"]}
    # With --jobs 1 the lesson runs in one worker while this process compiles templates, so the parts
    # overlap slightly; "other" is what is left (spec loading, hashes, fork, JSON transfer, templates).
    parts["other (spec loading, hashing, worker start, JSON transfer, templates check)"] = (
        total - sum(parts.values()))
    print(f"\nProfile of (c): {len(specs)} lessons, cold, --jobs 1, in one process "
          f"({total:.2f} s; build {build:.2f} s)")
    print("| part | seconds | share |\n|---|---:|---:|")
    for name, seconds in parts.items():
        print(f"| {name} | {seconds:.3f} | {seconds / total:.0%} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per row after the warm-up (default 5)")
    parser.add_argument("--profile", action="store_true", help="also profile a cold whole-catalogue build")
    parser.add_argument("--rows", default="", metavar="KEYS",
                        help="comma-separated rows to run besides (a), e.g. b,d (default: all)")
    parser.add_argument("--course", nargs="?", const="30,300", metavar="K1,K2",
                        help="after the table, build the catalogue with K1 and K2 variants (course.py; default "
                             "30,300: about half an hour on two cores, and several GB of memory)")
    args = parser.parse_args()
    # course.py imports this module (as `bench`): imported here, after it is whole.
    from course import parse_ks, run_course

    ks = parse_ks(args.course) if args.course else None
    byte_compile_tracegen()
    work = Path(tempfile.mkdtemp(prefix="tracegen-bench-"))
    try:
        rows = make_rows(work)
        if args.rows:
            wanted = {"a", *args.rows.split(",")}
            rows = [row for row in rows if row.key in wanted]
        run_rows(rows, args.repeats)
        print_table(rows, args.repeats)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.profile:
        profile_catalogue()
    if ks is not None:
        run_course(ks)


if __name__ == "__main__":
    main()
