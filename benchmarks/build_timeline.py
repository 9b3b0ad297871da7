"""When each worker of a cold whole-catalogue build imports, runs each lesson, and idles.

Usage: python benchmarks/build_timeline.py [--jobs N]

Builds every lesson in lessons/ once, cold (no cache), at the default --jobs (one per CPU),
in this process, and prints every worker's steps in seconds since the build started. Row (c)
of bench.py times the same build as a whole; this shows where its wall time goes: how long
the start takes before the workers exist, how long they import scikit-learn, how the
lessons are spread over them, and how long one waits for the other at the end.

Linux only: the workers are forked, and they inherit the timing wrappers from this process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from bench import LESSONS  # run as a script from benchmarks/, as run_vs_bare.py imports measure

from tracegen import site
from tracegen.cli import usable_cpus
from tracegen.site import runs
from tracegen.spec import load_lesson

# Set by main() before the build; the forked workers inherit them.
LOG = Path()
STARTED = 0.0
REAL_PREPARE, REAL_RUN = runs._prepare_worker, runs.run_json


def record(what: str, begin: float) -> None:
    """Append one step to LOG (one short write to a file opened for appending: workers' lines do not mix)."""
    with open(LOG, "a", encoding="utf-8") as handle:
        handle.write(f"{os.getpid()}\t{what}\t{begin - STARTED:.3f}\t{time.time() - STARTED:.3f}\n")


def prepare_worker() -> None:
    begin = time.time()
    REAL_PREPARE()
    record("import scikit-learn", begin)


def run_json(spec, seeds):
    # Module level, because the pool sends the function to its workers by name.
    begin = time.time()
    try:
        return REAL_RUN(spec, seeds)
    finally:
        record(spec.name, begin)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=usable_cpus())
    args = parser.parse_args()
    global LOG, STARTED
    specs = [load_lesson(path) for path in sorted(LESSONS.glob("*.md"))]
    work = Path(tempfile.mkdtemp(prefix="tracegen-timeline-"))
    try:
        LOG = work / "steps.tsv"
        LOG.touch()
        runs._prepare_worker, runs.run_json = prepare_worker, run_json
        STARTED = time.time()
        site.build_site(specs, work / "site", reproducible=True, jobs=args.jobs)
        finished = time.time() - STARTED
        steps = [line.split("\t") for line in LOG.read_text(encoding="utf-8").splitlines()]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    workers = sorted({pid for pid, *_ in steps}, key=lambda pid: min(float(s[2]) for s in steps if s[0] == pid))
    print(f"Cold build of {len(specs)} lessons, --jobs {args.jobs}: {finished:.2f} s (seconds since the build started)")
    print("| worker | step | from | to | seconds |\n|---|---|---:|---:|---:|")
    for pid, what, begin, end in sorted(steps, key=lambda s: float(s[2])):
        print(f"| {workers.index(pid) + 1} | {what} | {begin} | {end} | {float(end) - float(begin):.3f} |")
    ends = [max(float(s[3]) for s in steps if s[0] == pid) for pid in workers]
    print(f"\nWorkers started at {min(float(s[2]) for s in steps):.2f} s. The last lesson finished at "
          f"{max(ends):.2f} s; the first worker to run out of lessons idled {max(ends) - min(ends):.2f} s before it. "
          f"Rendering the last lesson, the index and writing took the {finished - max(ends):.2f} s after.")


if __name__ == "__main__":
    main()
