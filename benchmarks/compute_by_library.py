"""Where a lesson run's compute goes, by library: tracegen's own code against scikit-learn and its dependencies.

Usage: python benchmarks/compute_by_library.py

Runs every lesson in lessons/ once to warm up (imports, first calls), then once more under
cProfile, and sums each function's own time by the package its file belongs to. cProfile slows
pure-Python code more than compiled code, so the shares lean towards Python-heavy packages; read
them as where the time goes, not as exact seconds. The last lines show how much of it is the input
check that scikit-learn repeats in every call (check_array), and the part of that which asks
narwhals whether the input is a dataframe (narwhals asks inspect.getattr_static): on
scikit-learn 1.9.1 with Python 3.11 they were a third and a quarter of the whole.
"""

from __future__ import annotations

import cProfile
import pstats
import sys

from bench import LESSONS  # run as a script from benchmarks/, as run_vs_bare.py imports measure

from tracegen import pipeline
from tracegen.spec import load_lesson

# The first match wins, so a more specific part of a path comes before a general one.
PACKAGES = (("/tracegen/", "tracegen"), ("/sklearn/", "scikit-learn"), ("/narwhals/", "narwhals"),
            ("/inspect.py", "inspect (stdlib)"), ("/numpy/", "numpy"), ("/scipy/", "scipy"),
            ("/json/", "json (stdlib)"))

# scikit-learn's per-call input checks, reported with everything they call (nested calls overlap).
INPUT_CHECKS = ("check_array", "_nw_into_df_or_series")


def package(filename: str) -> str:
    """Return the package a profiled function's file belongs to ("built-in" for C functions)."""
    if filename == "~":
        return "built-in functions (C)"
    return next((name for part, name in PACKAGES if part in filename), "other Python")


def main() -> None:
    specs = [load_lesson(path) for path in sorted(LESSONS.glob("*.md"))]
    for spec in specs:
        pipeline.run(spec).to_json(include_timings=True)
    profiler = cProfile.Profile()
    profiler.enable()
    for spec in specs:
        pipeline.run(spec).to_json(include_timings=True)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    totals: dict[str, float] = {}
    for (filename, _, _), (_, _, own_seconds, _, _) in stats.items():
        totals[package(filename)] = totals.get(package(filename), 0.0) + own_seconds
    whole = sum(totals.values())
    print(f"{len(specs)} lessons run once (as a build worker does), profiled: {whole:.2f} s of own time")
    print("| package | seconds | share |\n|---|---:|---:|")
    for name, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"| {name} | {seconds:.3f} | {seconds / whole:.0%} |")
    for (filename, _, name), (_, _, _, seconds, _) in stats.items():
        if name not in INPUT_CHECKS or "/sklearn/" not in filename:
            continue
        print(f"of which in scikit-learn's {name} and what it calls: {seconds:.3f} s, {seconds / whole:.0%}")
    print(f"\nPython {sys.version.split()[0]}; versions: {pipeline.library_versions()}")


if __name__ == "__main__":
    main()
