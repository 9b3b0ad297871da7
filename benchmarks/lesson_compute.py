"""CPU of the lessons' compute in this checkout against another checkout and a bare scikit-learn script, in one run.

Usage: python benchmarks/lesson_compute.py --before CHECKOUT [--repeats N] [--profile LESSON]

Issue 18 asks for the lesson compute at half its CPU. "Lesson compute" is what a build worker spends
running lessons once it has imported everything: here every lesson in lessons/ runs once, in a fresh
process per round, after the pipeline's modules (and so scikit-learn) are imported; the CPU time
(user + system, every thread of the process, BLAS threads included) of each run is recorded. The
same is done with CHECKOUT's tracegen (for instance a worktree of main: `git worktree add /tmp/before
main`) and for the bare scikit-learn script benchmarks/bare_precision_recall.py: its run() alone, and
its whole process as bench.py's row (a) times it. The three kinds of process are interleaved within
each round so machine noise hits them alike. Prints, per lesson and in total, the median CPU of both
checkouts, the median and range of the per-round ratio this / before, and both checkouts' totals as
ratios to the bare script measured in the same rounds.

--profile LESSON prints the functions where that lesson's run spends most time, under cProfile, for
both checkouts (a run after a warm-up run).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench import BARE, LESSONS, ROOT, byte_compile_tracegen, measure

# Each runs in a child process whose sys.path starts with the checkout measured.
LESSON_CPU = """
import json, sys, time
from pathlib import Path
from tracegen import pipeline
from tracegen.pipeline import data, evaluate, records, stages, train  # the imports a worker pays before its lessons
from tracegen.spec import load_lesson
cpu = {}
for path in sorted(Path(sys.argv[1]).glob("*.md")):
    spec = load_lesson(path)
    start = time.process_time()
    pipeline.run(spec)
    cpu[spec.name] = time.process_time() - start
print(json.dumps(cpu))
"""
BARE_CPU = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
import bare_precision_recall
start = time.process_time()
bare_precision_recall.run()
print(json.dumps({"bare run()": time.process_time() - start}))
"""
PROFILE = """
import cProfile, pstats, sys
from tracegen import pipeline
from tracegen.spec import load_lesson
spec = load_lesson(sys.argv[1])
pipeline.run(spec)
profiler = cProfile.Profile()
profiler.enable()
pipeline.run(spec)
profiler.disable()
pstats.Stats(profiler).sort_stats("cumulative").print_stats(int(sys.argv[2]))
"""


def child(checkout: Path, code: str, *args: str) -> str:
    """Run `code` in a fresh Python whose tracegen is `checkout`'s; return its standard output."""
    environment = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run([sys.executable, "-c", code, *args], env=environment, cwd=checkout, check=True,
                          capture_output=True, text=True)
    return done.stdout


def rounds(before: Path, repeats: int) -> tuple[list[dict[str, float]], list[dict[str, float]], list[float],
                                                 list[float]]:
    """Return per-round lesson CPU for `before` and this checkout, the bare run()'s CPU and (a)'s process CPU."""
    theirs, ours, bare, whole = [], [], [], []
    for round_number in range(repeats + 1):  # round 0 warms the file cache and is dropped
        results = (json.loads(child(before, LESSON_CPU, str(LESSONS))),
                   json.loads(child(ROOT, LESSON_CPU, str(LESSONS))),
                   json.loads(child(ROOT, BARE_CPU, str(BARE.parent)))["bare run()"],
                   measure([sys.executable, str(BARE)])[1])
        if round_number:
            for store, value in zip((theirs, ours, bare, whole), results):
                store.append(value)
    return theirs, ours, bare, whole


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def print_table(theirs: list[dict[str, float]], ours: list[dict[str, float]], bare: list[float],
                whole: list[float]) -> None:
    """Print per-lesson and total medians, the ratio this / before, and the ratios to the bare script."""
    print("| lesson | before CPU s | this CPU s | this / before, median (range) |\n|---|---:|---:|---:|")
    for name in theirs[0]:
        ratios = [mine[name] / old[name] for old, mine in zip(theirs, ours)]
        print(f"| {name} | {statistics.median(r[name] for r in theirs):.3f} | "
              f"{statistics.median(r[name] for r in ours):.3f} | {spread(ratios)} |")
    old_totals, new_totals = [sum(r.values()) for r in theirs], [sum(r.values()) for r in ours]
    ratios = [new / old for old, new in zip(old_totals, new_totals)]
    print(f"| **all {len(theirs[0])} lessons** | {spread(old_totals)} | {spread(new_totals)} | {spread(ratios)} |")
    print(f"\nbare script (a): run() alone {spread(bare)} CPU s; whole process {spread(whole)} CPU s")
    for label, totals in (("before", old_totals), ("this", new_totals)):
        print(f"{label}: lesson compute / bare run() {spread([t / b for t, b in zip(totals, bare)])}; "
              f"/ (a) process {spread([t / w for t, w in zip(totals, whole)])}")
    print(f"\n{len(theirs)} rounds after a warm-up, interleaved; {os.cpu_count()} CPUs; "
          f"Python {sys.version.split()[0]}; CPU = user + system of the process, all its threads.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the checkout to compare with (e.g. main's)")
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds after the warm-up (default 5)")
    parser.add_argument("--profile", metavar="LESSON", help="also profile this lesson in both checkouts")
    args = parser.parse_args()
    byte_compile_tracegen()
    before = args.before.resolve()
    print_table(*rounds(before, args.repeats))
    if args.profile:
        for label, checkout in (("before", before), ("this", ROOT)):
            print(f"\n## {args.profile}, {label} ({checkout})")
            print(child(checkout, PROFILE, str(LESSONS / f"{args.profile}.md"), "25"))


if __name__ == "__main__":
    main()
