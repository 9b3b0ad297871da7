"""Check that this checkout's traces equal another checkout's, byte for byte, for every lesson and seed.

Usage: python benchmarks/same_traces.py OTHER_CHECKOUT [--seeds 0-4]

A change meant only to make the compute cheaper (issue 18) must leave every number where it was. This
runs every lesson in lessons/ at each seed, once with OTHER_CHECKOUT's tracegen (for instance a
worktree of main: `git worktree add /tmp/before main`) and once with this one's, each in its own
process, and compares `trace.to_json()` exactly. It prints one line per differing trace and exits 1
if any differ. The library versions are the same in both processes, so a difference is the code's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"

# Run in a child process whose sys.path starts with the checkout under test.
WRITE_TRACES = """
import json, sys
from pathlib import Path
from tracegen import pipeline
from tracegen.spec import load_lesson
lessons, seeds, out = Path(sys.argv[1]), json.loads(sys.argv[2]), Path(sys.argv[3])
for path in sorted(lessons.glob("*.md")):
    spec = load_lesson(path)
    for seed in seeds:
        (out / f"{spec.name}.{seed}.json").write_text(pipeline.run(spec, seed=seed).to_json(), encoding="utf-8")
"""


def seed_range(text: str) -> list[int]:
    """Return the seeds of "0-4" or "0,3,7"."""
    if "-" in text:
        first, last = text.split("-")
        return list(range(int(first), int(last) + 1))
    return [int(seed) for seed in text.split(",")]


def write_traces(checkout: Path, seeds: list[int], out: Path) -> None:
    """Write every lesson's trace at every seed into `out`, computed by `checkout`'s tracegen."""
    out.mkdir(parents=True)
    environment = {**os.environ, "PYTHONPATH": str(checkout)}
    subprocess.run([sys.executable, "-c", WRITE_TRACES, str(LESSONS), json.dumps(seeds), str(out)],
                   env=environment, check=True, cwd=checkout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the checkout to compare against (e.g. a worktree of main)")
    parser.add_argument("--seeds", default="0-4", help='seeds as "0-4" or "0,3,7" (default 0-4)')
    args = parser.parse_args()
    seeds = seed_range(args.seeds)
    with tempfile.TemporaryDirectory(prefix="tracegen-same-") as work:
        theirs, ours = Path(work) / "other", Path(work) / "this"
        write_traces(args.other.resolve(), seeds, theirs)
        write_traces(ROOT, seeds, ours)
        names = sorted(path.name for path in theirs.glob("*.json"))
        if names != sorted(path.name for path in ours.glob("*.json")):
            raise SystemExit("the two checkouts wrote different sets of traces")
        differing = [name for name in names if (theirs / name).read_bytes() != (ours / name).read_bytes()]
    for name in differing:
        print(f"differs: {name}")
    print(f"{len(names) - len(differing)} of {len(names)} traces identical "
          f"({len(names) // len(seeds)} lessons x seeds {args.seeds})")
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
