"""Time `tracegen run --predictions` on a 100 000-row binary CSV against scikit-learn alone.

Usage: python benchmarks/predictions_vs_sklearn.py [--repeats N] [--rows N]

The baseline (benchmarks/bare_predictions.py) parses the same CSV with the csv module and calls
precision_recall_curve, roc_curve, confusion_matrix and classification_report. Both run as fresh
processes (imports included), once each to warm up, then N times each, interleaved so machine
noise hits both alike. Prints each median wall time and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
from bench import ROOT, interleaved_walls  # the same subprocess timing as the full benchmark


def write_predictions(path: Path, rows: int) -> None:
    """Write a seeded binary predictions file: y_true and a score with 6 decimals (many distinct values)."""
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 2, rows)
    score = np.clip(rng.normal(0.35 + 0.3 * y_true, 0.2), 0, 1)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("y_true,score\n")
        handle.writelines(f"{label},{value:.6f}\n" for label, value in zip(y_true.tolist(), score.tolist()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "predictions.csv"
        write_predictions(path, args.rows)
        commands = {
            "scikit-learn alone": [sys.executable, str(ROOT / "benchmarks" / "bare_predictions.py"), str(path)],
            "tracegen run --predictions": [sys.executable, "-m", "tracegen", "run", "--predictions", str(path),
                                           "--reproducible"],
        }
        times = interleaved_walls(commands, args.repeats)
    base = statistics.median(times["scikit-learn alone"])
    print(f"{args.rows} rows, median of {args.repeats} runs after one warm-up each")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<28} {median:8.3f} s   ratio {median / base:.2f}")


if __name__ == "__main__":
    main()
