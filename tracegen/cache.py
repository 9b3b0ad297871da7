"""Trace cache: one JSON file per trace hash, so unchanged lessons are never run twice.

The key is the trace hash (spec, data fingerprint, seed, and the versions of tracegen,
numpy and scikit-learn), which is computed without importing scikit-learn. A cache hit
therefore never imports scikit-learn or scipy; only a miss runs the pipeline.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path

from tracegen.pipeline import run, trace_hash
from tracegen.spec import LessonSpec
from tracegen.trace import Trace

DEFAULT_CACHE_DIR = Path(".tracegen-cache")


def cached_path(cache_dir: Path, key: str) -> Path:
    """Return where the trace with hash `key` is stored."""
    return cache_dir / f"{key}.json"


def load_trace(cache_dir: Path, key: str, lesson: str) -> Trace | None:
    """Return the cached trace for `lesson`, or None when it is missing or unreadable (a corrupt entry is a miss).

    The trace hash leaves out the lesson's name (it does not change the numbers), so an entry may
    have been stored by a lesson with the same pipeline under another name: it is relabelled.
    """
    try:
        trace = Trace.from_json(cached_path(cache_dir, key).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if trace.hash != key:
        return None
    return trace if trace.lesson == lesson else dataclasses.replace(trace, lesson=lesson)


def store_trace(cache_dir: Path, trace: Trace) -> None:
    """Write the trace atomically; a cache that cannot be written is skipped, never fatal."""
    # Keep the wall times: a non-reproducible page built from the cache shows how long the run took.
    store_text(cache_dir, trace.hash, trace.to_json(include_timings=True))


def store_text(cache_dir: Path, key: str, text: str) -> None:
    """Write trace JSON text (to_json with timings) under `key`, atomically; never fatal."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=cache_dir, prefix=".tmp-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, cached_path(cache_dir, key))
    except OSError:
        pass


def run_cached(spec: LessonSpec, seed: int | None = None, cache_dir: Path | None = DEFAULT_CACHE_DIR,
               ) -> tuple[Trace, bool]:
    """Return (trace, came from cache). With cache_dir None, always run."""
    seed = spec.split.seed if seed is None else seed
    if cache_dir is not None:
        trace = load_trace(cache_dir, trace_hash(spec, seed), spec.name)
        if trace is not None:
            return trace, True
    trace = run(spec, seed=seed)
    if cache_dir is not None:
        store_trace(cache_dir, trace)
    return trace, False
