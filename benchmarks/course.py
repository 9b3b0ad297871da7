"""Course scale (issue 18): the whole catalogue with K variants per lesson, against the bare script (a).

Usage: python benchmarks/course.py [--k K1,K2] [--no-dask]    (also: python benchmarks/bench.py --course K1,K2)

Builds the catalogue cold (`tracegen build --variants K --jobs 2 --reproducible -q`, a fresh cache each
time) at K = 0, K1 and K2, each once (they are long), with the process tree's summed PSS sampled every
0.2 s, and times (a) after each build, so that every ratio is to (a) in the same run. When Dask's
`distributed` is importable, the K1 build runs once more with `--executor dask` (a LocalCluster of
--jobs workers on loopback) and is compared with the local one, file by file. A variant here is one
run of one lesson and its page, so a build at K holds lessons × (K + 1) of them. Prints:

- per-variant marginal wall and CPU, from 0 to K1 and from K1 to K2, the second as a ratio to (a), and
  whether it stays flat (K1 to K2 within FLAT_TOLERANCE of 0 to K1: no superlinear part);
- peak RSS (the largest single process, from os.wait4) and tree PSS at each K, RSS as a ratio to (a);
- bytes per variant page: the largest page (its HTML and any images beside it) plus the site's shared
  files (static CSS/JS, the index, the search index, retakes pages) over the number of pages; trace.json
  is printed apart and not counted;
- the extrapolation to a course of COURSE_RUNS runs on this machine, with its arithmetic;
- the Dask row: its wall and CPU as ratios to the local K1 build, and whether the sites are identical.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench import BARE, LESSONS, PYTHON, ROOT, _descendants, _pss_kib, build_command, byte_compile_tracegen, measure

JOBS = "2"
SAMPLE_EVERY = 0.2
# 500 learners, each with a retake of every one of 18 lessons.
LEARNERS, COURSE_LESSONS = 500, 18
COURSE_RUNS = LEARNERS * COURSE_LESSONS
# Issue 18's bars, as ratios to (a) unless said.
VARIANT_WALL_BAR = 0.04
RSS_BAR = 1.3
PAGE_BAR_KIB = 80
COURSE_BAR_MINUTES = 10
# The marginal from K1 to K2 may exceed the one from 0 to K1 by this factor and still count as flat.
FLAT_TOLERANCE = 1.15


@dataclass
class Build:
    """One timed build at K variants per lesson and what it wrote."""

    name: str
    k: int
    runs: int
    wall: float
    cpu: float
    peak_rss: float
    tree_pss: float
    pages: int = 0
    largest_page: int = 0
    shared: int = 0
    traces: int = 0

    @property
    def per_page(self) -> float:
        """Bytes per variant page: the largest page plus its share of the shared files."""
        return self.largest_page + self.shared / self.pages


def measure_sampled(command: list[str]) -> tuple[float, float, float, float]:
    """Run `command` once; return (wall s, CPU s of its tree, peak RSS MiB of its largest process, peak tree
    PSS MiB sampled every SAMPLE_EVERY s) from that one run."""
    done = threading.Event()
    peak = 0
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a chatty Dask cannot fill it and stall
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)

        def sample() -> None:
            # Not process.poll(): it would reap the child before os.wait4 reads its usage.
            nonlocal peak
            while not done.is_set():
                peak = max(peak, sum(_pss_kib(pid) for pid in _descendants(process.pid)))
                done.wait(SAMPLE_EVERY)

        sampler = threading.Thread(target=sample)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{errors.read().decode()}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, peak / 1024


def scan_site(site: Path, build: Build) -> None:
    """Fill in `build`'s page count and bytes: each page folder (one holding trace.json) owns the files in it
    except trace.json and the folders of other pages and of retakes pages; everything else is shared."""
    folders = {path.parent for path in site.rglob("trace.json")}
    pages = dict.fromkeys(folders, 0)
    for path in site.rglob("*"):
        if not path.is_file():
            continue
        size = path.stat().st_size
        if path.name == "trace.json":
            build.traces += size
            continue
        owner = next((parent for parent in path.parents if parent in folders), None)
        if owner is None or path.relative_to(owner).parts[0] == "retakes":
            build.shared += size
        else:
            pages[owner] += size
    build.pages, build.largest_page = len(pages), max(pages.values())


def same_sites(first: Path, second: Path) -> bool:
    """Return True when the two folders hold the same files with the same bytes."""
    def files(root: Path) -> dict[Path, Path]:
        return {path.relative_to(root): path for path in root.rglob("*") if path.is_file()}

    left, right = files(first), files(second)
    return left.keys() == right.keys() and all(left[p].read_bytes() == right[p].read_bytes() for p in left)


def timed_build(work: Path, name: str, k: int, lessons: int, *extra: str) -> Build:
    """Build the catalogue cold at `k` variants into work/name; time it and scan what it wrote (the site stays)."""
    shutil.rmtree(work / name, ignore_errors=True)
    variants = ("--variants", str(k)) if k else ()
    wall, cpu, rss, pss = measure_sampled(build_command(work, name, *variants, "--jobs", JOBS, *extra))
    build = Build(name, k, lessons * (k + 1), wall, cpu, rss, pss)
    scan_site(work / name / "site", build)
    return build


def run_course(ks: tuple[int, int], dask: bool = True) -> None:
    """Build the catalogue at K = 0, K1 and K2 (and with Dask at K1), time (a) after each, print the rows."""
    byte_compile_tracegen()
    lessons = len(list(LESSONS.glob("*.md")))
    dask = dask and importlib.util.find_spec("distributed") is not None
    work = Path(tempfile.mkdtemp(prefix="tracegen-course-"))
    bare: list[tuple[float, float, float]] = []
    try:
        measure([PYTHON, str(BARE)])  # warm-up: the OS file cache, as bench.py's warm-up round does
        builds: list[Build] = []
        dask_build, identical = None, None
        for k in (0, *ks):
            builds.append(timed_build(work, f"k{k}", k, lessons))
            bare.append(measure([PYTHON, str(BARE)]))
            if k == ks[0] and dask:
                dask_build = timed_build(work, "dask", k, lessons, "--executor", "dask")
                bare.append(measure([PYTHON, str(BARE)]))
                identical = same_sites(work / f"k{k}" / "site", work / "dask" / "site")
                shutil.rmtree(work / "dask", ignore_errors=True)
            shutil.rmtree(work / f"k{k}", ignore_errors=True)  # K2's pages and traces are hundreds of MB
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_course(builds, bare, lessons, dask_build, identical)


def ok(value: float, bar: float) -> str:
    return "ok" if value <= bar else "MISSED"


def print_course(builds: list[Build], bare: list[tuple[float, float, float]], lessons: int,
                 dask_build: Build | None, identical: bool | None) -> None:
    """Print the builds' table and the course-scale rows, every ratio to (a) from this run."""
    a_wall, a_cpu = statistics.median(t[0] for t in bare), statistics.median(t[1] for t in bare)
    a_rss = max(t[2] for t in bare)
    print(f"\nCourse scale: {lessons} lessons, cold, --jobs {JOBS}, each build once; (a) {len(bare)} runs between "
          f"the builds: median {a_wall:.3f} s wall, {a_cpu:.2f} s CPU, peak RSS {a_rss:.0f} MiB")
    print("| build | runs | wall s | CPU s | peak RSS MiB | RSS ratio | tree PSS MiB | pages | largest page KB "
          "| shared KB | KB per page | trace.json KB per page |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for b in builds + ([dask_build] if dask_build else []):
        print(f"| {b.name} (K={b.k}) | {b.runs} | {b.wall:.1f} | {b.cpu:.1f} | {b.peak_rss:.0f} | "
              f"{b.peak_rss / a_rss:.2f} | {b.tree_pss:.0f} | {b.pages} | {b.largest_page / 1024:.1f} | "
              f"{b.shared / 1024:.1f} | {b.per_page / 1024:.1f} | {b.traces / b.pages / 1024:.1f} |")
    zero, first, second = builds
    print(f"\nA variant is one lesson run and its page; K1 = {first.k} and K2 = {second.k} add "
          f"{first.runs - zero.runs} and {second.runs - first.runs} of them.")
    marginal = {}
    for what, unit in (("wall", a_wall), ("cpu", a_cpu)):
        low = (getattr(first, what) - getattr(zero, what)) / (first.runs - zero.runs)
        high = (getattr(second, what) - getattr(first, what)) / (second.runs - first.runs)
        marginal[what] = high
        bar = f"; bar ≤ {VARIANT_WALL_BAR:g}× {ok(high / unit, VARIANT_WALL_BAR)}" if what == "wall" else ""
        print(f"Per-variant marginal {what}: 0→K1 {low:.4f} s, K1→K2 {high:.4f} s = {high / unit:.4f}× (a){bar}; "
              f"flat: K1→K2 / 0→K1 = {high / low:.2f} (≤ {FLAT_TOLERANCE:g} {ok(high / low, FLAT_TOLERANCE)})")
    print(f"Peak RSS: K1 {first.peak_rss:.0f} MiB = {first.peak_rss / a_rss:.2f}× (a), K2 {second.peak_rss:.0f} MiB "
          f"= {second.peak_rss / a_rss:.2f}× (a); bar at K2 ≤ {RSS_BAR:g}× {ok(second.peak_rss / a_rss, RSS_BAR)}")
    print(f"Bytes per variant page at K2: largest page {second.largest_page / 1024:.1f} KB + shared "
          f"{second.shared / 1024:.1f} KB / {second.pages} pages = {second.per_page / 1024:.1f} KB; bar ≤ "
          f"{PAGE_BAR_KIB} KB {ok(second.per_page / 1024, PAGE_BAR_KIB)} (trace.json apart: "
          f"{second.traces / second.pages / 1024:.1f} KB per page, not counted)")
    print_extrapolation(second, marginal["wall"])
    pss = (second.tree_pss - first.tree_pss) / (second.runs - first.runs)
    print(f"Tree PSS per variant K1→K2: {pss:.2f} MiB; at that slope a {COURSE_RUNS:,}-run build would hold "
          f"{second.tree_pss:.0f} + ({COURSE_RUNS} − {second.runs}) × {pss:.2f} = "
          f"{(second.tree_pss + (COURSE_RUNS - second.runs) * pss) / 1024:.1f} GiB")
    if dask_build is not None:
        print(f"Dask LocalCluster at K1 (--executor dask, {JOBS} workers): wall {dask_build.wall:.1f} s = "
              f"{dask_build.wall / first.wall:.2f}× the local build, CPU {dask_build.cpu:.1f} s = "
              f"{dask_build.cpu / first.cpu:.2f}×; site byte-identical to the local one: "
              f"{'yes' if identical else 'NO'}")
    else:
        print("Dask row: skipped (distributed is not importable, or --no-dask)")


def print_extrapolation(last: Build, per_run: float) -> None:
    """Print the course's extrapolated wall time: the fixed part of the K2 build plus COURSE_RUNS marginal runs."""
    fixed = last.wall - last.runs * per_run
    total = fixed + COURSE_RUNS * per_run
    print(f"{COURSE_RUNS:,}-run course ({LEARNERS} learners × {COURSE_LESSONS} lessons) on this box (--jobs {JOBS}): "
          f"fixed part = K2 wall {last.wall:.1f} s − {last.runs} runs × {per_run:.4f} s = {fixed:.1f} s; "
          f"course = {fixed:.1f} s + {COURSE_RUNS} × {per_run:.4f} s = {total:.0f} s = {total / 60:.1f} min; "
          f"bar ≤ {COURSE_BAR_MINUTES} min {ok(total / 60, COURSE_BAR_MINUTES)}")


def parse_ks(text: str) -> tuple[int, int]:
    """Parse "K1,K2" (0 < K1 < K2)."""
    try:
        first, second = (int(part) for part in text.split(","))
    except ValueError:
        raise SystemExit(f"expected K1,K2 such as 30,300, got {text!r}") from None
    if not 0 < first < second:
        raise SystemExit(f"expected 0 < K1 < K2, got {text!r}")
    return first, second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", default="30,300", metavar="K1,K2",
                        help="variants per lesson of the two measured builds (default 30,300)")
    parser.add_argument("--no-dask", action="store_true", help="leave out the Dask row")
    args = parser.parse_args()
    run_course(parse_ks(args.k), dask=not args.no_dask)


if __name__ == "__main__":
    main()
