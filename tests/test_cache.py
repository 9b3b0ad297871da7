"""Trace cache: hits return the same trace, misses run, and hits never import scikit-learn."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT, run_cached
from tracegen import cache


def test_miss_then_hit(tmp_path, binary_spec, binary_trace):
    """The first call runs and stores; the second returns the identical trace from disk."""
    trace, hit = run_cached(binary_spec, cache_dir=tmp_path)
    assert not hit and trace == binary_trace
    again, hit = run_cached(binary_spec, cache_dir=tmp_path)
    assert hit and again.to_json() == binary_trace.to_json()
    assert cache.cached_path(tmp_path, binary_trace.hash).is_file()


def test_other_seed_is_a_miss(tmp_path, binary_spec, binary_trace):
    """A new seed is a new key."""
    cache.store_trace(tmp_path, binary_trace)
    trace, hit = run_cached(binary_spec, seed=binary_trace.seed + 1, cache_dir=tmp_path)
    assert not hit and trace.hash != binary_trace.hash


def test_corrupt_entry_is_a_miss(tmp_path, binary_spec, binary_trace):
    """A truncated or foreign cache file is ignored and replaced."""
    path = cache.cached_path(tmp_path, binary_trace.hash)
    path.write_text(binary_trace.to_json()[:100])
    trace, hit = run_cached(binary_spec, cache_dir=tmp_path)
    assert not hit and trace == binary_trace
    data = json.loads(binary_trace.to_json())
    data["hash"] = "0" * 64
    path.write_text(json.dumps(data))
    assert cache.load_trace(tmp_path, binary_trace.hash, binary_trace.lesson) is None


def test_cache_hit_never_imports_sklearn(tmp_path, binary_spec, binary_trace):
    """Loading a cached trace leaves scikit-learn and scipy unimported."""
    cache.store_trace(tmp_path, binary_trace)
    script = (
        "import sys\n"
        "from tracegen.spec import load_lesson\n"
        "from pathlib import Path\n"
        "from tests.conftest import run_cached\n"
        f"trace, hit = run_cached(load_lesson({str(binary_spec.path)!r}), cache_dir=Path({str(tmp_path)!r}))\n"
        "assert hit, 'expected a cache hit'\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy'))\n"
        "print(heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_no_cache_dir_always_runs(binary_spec, binary_trace):
    """cache_dir=None bypasses the cache."""
    trace, hit = run_cached(binary_spec, cache_dir=None)
    assert not hit and trace == binary_trace


def test_hit_from_a_lesson_with_another_name(tmp_path, binary_spec, binary_trace):
    """The hash leaves out the lesson's name, so a hit stored under another name is relabelled."""
    import dataclasses

    cache.store_trace(tmp_path, binary_trace)
    renamed = dataclasses.replace(binary_spec, name="renamed-copy")
    trace, hit = run_cached(renamed, cache_dir=tmp_path)
    assert hit and trace.lesson == "renamed-copy"
    assert trace.evaluation == binary_trace.evaluation and trace.hash == binary_trace.hash


def test_store_leaves_only_the_entry(tmp_path, binary_trace):
    """Storing writes the trace under its hash, with its timings, and no temporary file beside it."""
    cache.store_trace(tmp_path / "cache", binary_trace)
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [f"{binary_trace.hash}.json"]
    stored = cache.cached_path(tmp_path / "cache", binary_trace.hash).read_text(encoding="utf-8")
    assert stored == binary_trace.to_json(include_timings=True)


def test_unwritable_cache_is_skipped(tmp_path, binary_trace):
    """A cache folder that cannot be created (its place is a file) is skipped without an error."""
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    cache.store_trace(blocked / "cache", binary_trace)
    assert cache.load_trace(blocked / "cache", binary_trace.hash, binary_trace.lesson) is None
    assert blocked.read_text(encoding="utf-8") == "not a folder"
