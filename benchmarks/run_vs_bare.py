"""Time `tracegen run precision-recall` against a bare scikit-learn script, in one run.

Usage: python benchmarks/run_vs_bare.py [--repeats N]

Both commands run as fresh processes (imports included, as a learner would see them),
once to warm the file cache, then N times each, interleaved so machine noise hits both
alike. Prints the median wall time, the ratio, and each process's peak RSS.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from bench import measure  # the same subprocess timing as the full benchmark

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "bare scikit-learn script": [sys.executable, str(ROOT / "benchmarks" / "bare_precision_recall.py")],
    "tracegen run precision-recall": [sys.executable, "-m", "tracegen", "run", "precision-recall",
                                      "--reproducible"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    for command in COMMANDS.values():
        measure(command)  # warm-up
    times = {name: [] for name in COMMANDS}
    rss = {name: [] for name in COMMANDS}
    for _ in range(args.repeats):
        for name, command in COMMANDS.items():
            seconds, _, peak = measure(command)
            times[name].append(seconds)
            rss[name].append(peak)
    base = statistics.median(times["bare scikit-learn script"])
    base_rss = max(rss["bare scikit-learn script"])
    print(f"{'command':<32} {'median s':>9} {'ratio':>6} {'peak RSS MiB':>13} {'RSS ratio':>9}")
    for name in COMMANDS:
        median = statistics.median(times[name])
        peak = max(rss[name])
        print(f"{name:<32} {median:>9.3f} {median / base:>6.2f} {peak:>13.1f} {peak / base_rss:>9.2f}")
    print(f"({args.repeats} runs each after a warm-up, interleaved; {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
