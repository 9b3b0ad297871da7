"""Trace store: one JSON file per trace hash, so unchanged lessons are never run twice.

The key is the trace hash (spec, data fingerprint, seed, and the versions of tracegen,
numpy and scikit-learn), which the pipeline computes without importing scikit-learn. This
module only loads and stores by key, so a cache hit never imports scikit-learn or scipy.
Entries are untrusted input: one that cannot be read, or is not the trace its name says, is a miss.
"""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path

from tracegen.files import write_atomic
from tracegen.trace import Trace


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
    with contextlib.suppress(OSError):
        write_atomic(cached_path(cache_dir, key), text)
