"""Time a cold build of a compare-runs lesson (20 runs) against the one-run lesson of the same pipeline.

Usage: python benchmarks/compare_runs.py [--repeats N]

Both lessons are written to a temporary folder from lessons/metric-uncertainty.md's own pipeline
(its dataset, split, model, epochs and bootstrap), with the same one-generator quiz: the one-run
lesson without [compare], the other with its twenty split seeds and the compared-runs block. Each
build is a fresh process with --no-cache (imports included, as a learner would see them), once to
warm the file cache, then N times each, interleaved. Issue 16's bar: the 20-run build takes
under 3x the one-run build.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import tomllib
from pathlib import Path

from bench import interleaved_walls  # the same subprocess timing as the full benchmark

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "lessons" / "metric-uncertainty.md"
PIPELINE_KEYS = ("epochs", "normalization", "dataset", "split", "model", "evaluation")


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return repr(value)


def lesson_text(front: dict, compare: dict | None) -> str:
    lines = ["+++"] + [f"{key} = {toml_value(front[key])}" for key in ("epochs", "normalization")]
    for table in ("dataset", "split", "model", "evaluation"):
        lines += [f"[{table}]"] + [f"{key} = {toml_value(value)}" for key, value in front[table].items()]
    lines += ["[quiz]", 'generators = ["test_rows"]']
    if compare is not None:
        lines += ["[compare]"] + [f"{key} = {toml_value(value)}" for key, value in compare.items()]
    body = "A lesson.\n\n[[ table compared_runs ]]\n" if compare is not None else "A lesson.\n"
    return "\n".join(lines) + "\n+++\n" + body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    front = tomllib.loads(SOURCE.read_text(encoding="utf-8").split("+++")[1])
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        lessons = {"one run": lesson_text(front, None),
                   f"{len(front['compare']['values'])} runs": lesson_text(front, front["compare"])}
        commands = {}
        for index, (name, text) in enumerate(lessons.items()):
            path = tmp / f"lesson{index}.md"
            path.write_text(text, encoding="utf-8")
            commands[name] = [sys.executable, "-m", "tracegen", "build", str(path), "--out", str(tmp / f"site{index}"),
                              "--no-cache", "--reproducible", "--quiet"]
        commands["lessons/metric-uncertainty.md"] = [sys.executable, "-m", "tracegen", "build", "metric-uncertainty",
                                                     "--out", str(tmp / "site-real"), "--no-cache", "--reproducible",
                                                     "--quiet"]
        times = interleaved_walls(commands, args.repeats)
    base = statistics.median(times["one run"])
    print(f"{'cold build':<34} {'median s':>9} {'ratio':>6}")
    for name, values in times.items():
        print(f"{name:<34} {statistics.median(values):>9.3f} {statistics.median(values) / base:>6.2f}")
    print(f"({args.repeats} builds each after a warm-up, interleaved; {os.cpu_count()} CPUs; "
          "bar: 20 runs < 3x one run)")


if __name__ == "__main__":
    main()
