"""Trace store: one JSON file per trace hash, so unchanged lessons are never run twice.

The key is the trace hash (spec, data fingerprint, seed, and the versions of tracegen,
numpy and scikit-learn), which the pipeline computes without importing scikit-learn. This
module only loads and stores by key, so a cache hit never imports scikit-learn or scipy.

Entries are untrusted input: anyone can edit the cache folder. Each entry (a trace here, a site
manifest in site/uptodate.py) is one JSON object, {"key": K, "sha256": S, "content": C}, written
with a fixed layout so that a read checks it without parsing it: the key must be the one asked
for and S the sha256 of C's exact text. A read never follows a symlink, never opens a FIFO or
device, and refuses a file over ENTRY_LIMIT before reading it; the content is then decoded with
every field's type checked. An entry that fails any check is discarded with one notice line on
stderr and is a miss: the lesson runs again and its fresh trace replaces the entry.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import json
import os
import re
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from tracegen.errors import printable
from tracegen.files import not_replaceable, read_regular, write_atomic
from tracegen.trace import Trace

# The largest trace of the lesson catalogue is under 1 MB; a file this large is not one tracegen wrote.
ENTRY_LIMIT = 256 << 20
_ANY_HEAD = re.compile(rb'\{"key": "[^"\\]*", "sha256": "')
_CONTENT = b'", "content": '
_END = b"}\n"
Decoded = TypeVar("Decoded")


def cached_path(cache_dir: Path, key: str) -> Path:
    """Return where the trace with hash `key` is stored."""
    return cache_dir / f"{key}.json"


def sealed(key: str, content: str) -> str:
    """Return the text of the entry holding `content` (JSON text) under `key`, with its checksum."""
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
    return f'{{"key": {json.dumps(key)}, "sha256": "{digest}", "content": {content}}}\n'


def unsealed(data: bytes, key: str) -> str:
    """Return the content of an entry's bytes written by `sealed` under `key`; ValueError saying what is off."""
    head = f'{{"key": {json.dumps(key)}, "sha256": "'.encode()
    if not data.startswith(head):
        raise ValueError("stored under another key" if _ANY_HEAD.match(data) else "not a cache entry")
    digest, rest = data[len(head):len(head) + 64], data[len(head) + 64:]
    if not rest.startswith(_CONTENT) or not rest.endswith(_END):
        raise ValueError("not a cache entry")
    content = rest[len(_CONTENT):-len(_END)]
    if hashlib.sha256(content).hexdigest().encode() != digest:
        raise ValueError("checksum mismatch")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None


def read_entry(path: Path, key: str, decode: Callable[[str], Decoded], then: str) -> Decoded | None:
    """Return decode(content) of the entry at `path` stored under `key`, or None when it is missing or discarded.

    A discarded entry (not a regular file, too large, another key, a checksum mismatch, or content
    that `decode` rejects with ValueError or TypeError) gets one notice line on stderr, ending in `then`.
    """
    try:
        return decode(unsealed(read_regular(path, ENTRY_LIMIT), key))
    except (FileNotFoundError, NotADirectoryError):  # no entry, or no cache folder: a plain miss
        return None
    except (OSError, ValueError, TypeError) as exc:
        reason = "a symbolic link" if getattr(exc, "errno", None) == errno.ELOOP else (
            (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc))
        print(printable(f"tracegen: cache: {path}: discarded ({reason}); {then}"), file=sys.stderr)
        return None


def write_entry(path: Path, key: str, content: str) -> None:
    """Write `content` (JSON text) sealed under `key` atomically; a cache that cannot be written is skipped."""
    with contextlib.suppress(OSError):
        # A symlink, FIFO or device where an entry belongs was discarded on read; the cache is
        # tracegen's own folder, so it is removed (never written through) and a real entry takes its place.
        if not_replaceable(path) is not None and not stat.S_ISDIR(os.lstat(path).st_mode):
            os.unlink(path)
        write_atomic(path, sealed(key, content))


def has_entry(cache_dir: Path, key: str) -> bool:
    """Return whether something is stored where the trace `key` belongs (load_trace reads and checks it)."""
    try:
        os.lstat(cached_path(cache_dir, key))
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True  # load_trace says why it cannot be read
    return True


def load_trace(cache_dir: Path, key: str, lesson: str) -> Trace | None:
    """Return the cached trace for `lesson`, or None when it is missing or discarded (see read_entry).

    The trace hash leaves out the lesson's name (it does not change the numbers), so an entry may
    have been stored by a lesson with the same pipeline under another name: it is relabelled.
    """
    def decode(text: str) -> Trace:
        trace = Trace.from_json(text)
        if trace.hash != key:
            raise ValueError("the trace inside has another hash")
        if trace.evaluation.task == "multiclass" and trace.evaluation.averaged_curves is None:
            raise ValueError("the trace predates the averaged multiclass curves")  # pages draw them
        # The hash has tracegen's version, not its code: a binary trace written before the threshold
        # explorer reads as valid but would give a page without it, so it is run again once.
        if trace.evaluation.task == "binary" and trace.evaluation.threshold_table is None:
            raise ValueError("written before evaluation.threshold_table was recorded")
        # Likewise a trace whose spec asks for an issue-16 evaluation that it does not hold.
        asked = trace.spec.get("evaluation") or {}
        for option, field_name in (("calibration", "calibration"), ("costs", "cost_thresholds")):
            if asked.get(option) is not None and getattr(trace.evaluation, field_name) is None:
                raise ValueError(f"its spec asks for evaluation.{option} but it has no evaluation.{field_name}")
        if trace.evaluation.robust_scores is None or (
                trace.evaluation.task == "binary" and trace.evaluation.pr_curve_trapezoid_area is None):
            raise ValueError("written before evaluation.robust_scores and pr_curve_trapezoid_area were recorded")
        return trace

    trace = read_entry(cached_path(cache_dir, key), key, decode, "re-running the lesson")
    if trace is None or trace.lesson == lesson:
        return trace
    return dataclasses.replace(trace, lesson=lesson)


def store_trace(cache_dir: Path, trace: Trace) -> None:
    """Write the trace atomically; a cache that cannot be written is skipped, never fatal."""
    # Keep the wall times: a non-reproducible page built from the cache shows how long the run took.
    store_text(cache_dir, trace.hash, trace.to_json(include_timings=True))


def store_text(cache_dir: Path, key: str, text: str) -> None:
    """Write trace JSON text (to_json with timings) under `key`, atomically; never fatal."""
    write_entry(cached_path(cache_dir, key), key, text)
