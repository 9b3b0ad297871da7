"""Shared fixtures: each lesson runs once per test session."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tracegen import cache, pipeline
from tracegen.spec import LessonSpec, load_lesson
from tracegen.trace import Trace

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"


def write_lesson(folder: Path, front: str, body: str = "Body.\n", name: str = "lesson") -> Path:
    """Write a lesson file with the given TOML front matter and return its path."""
    path = folder / f"{name}.md"
    path.write_text(f"+++\n{front.strip()}\n+++\n{body}", encoding="utf-8")
    return path


# A lesson that runs in a fraction of a second: 120 rows, 3 features, 2 epochs, 24 test rows.
TINY_DATA = """[dataset]
source = "make_classification"
n_samples = 120
n_features = 3
n_informative = 2
n_redundant = 0
[split]
seed = 2
test_size = 0.2
"""


def write_tiny_lesson(folder: Path, top: str = "", tables: str = "", name: str = "lesson") -> Path:
    """Write the tiny lesson with top-level keys `top` (before any table) and further `tables`."""
    return write_lesson(folder, f"epochs = 2\n{top}\n{TINY_DATA}{tables}", name=name)


@pytest.fixture(scope="session")
def binary_spec():
    """The precision-recall lesson spec."""
    return load_lesson(LESSONS / "precision-recall.md")


@pytest.fixture(scope="session")
def multiclass_spec():
    """The multiclass-roc lesson spec."""
    return load_lesson(LESSONS / "multiclass-roc.md")


@pytest.fixture(scope="session")
def binary_trace(binary_spec):
    """One run of the precision-recall lesson."""
    return pipeline.run(binary_spec)


@pytest.fixture(scope="session")
def multiclass_trace(multiclass_spec):
    """One run of the multiclass-roc lesson."""
    return pipeline.run(multiclass_spec)


def run_cached(spec: LessonSpec, seed: int | None = None, *, cache_dir: Path | None) -> tuple[Trace, bool]:
    """Return (trace, came from the cache): the build's cache lookup for one run; with cache_dir None, always run."""
    seed = spec.split.seed if seed is None else seed
    if cache_dir is not None:
        trace = cache.load_trace(cache_dir, pipeline.trace_hash(spec, seed), spec.name)
        if trace is not None:
            return trace, True
    trace = pipeline.run(spec, seed=seed)
    if cache_dir is not None:
        cache.store_trace(cache_dir, trace)
    return trace, False


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail with TimeoutError if the block takes longer than `seconds` (a hang becomes a failure)."""
    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
