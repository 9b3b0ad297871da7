"""Trace cache: hits return the same trace, misses run, hits never import scikit-learn, no corrupt entry is served."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

from tests.conftest import ROOT, deadline, run_cached
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


def test_corrupt_entry_is_a_miss(tmp_path, binary_spec, binary_trace, capsys):
    """A truncated entry is discarded with one notice, the lesson runs again, and its trace replaces the entry."""
    path = cache.cached_path(tmp_path, binary_trace.hash)
    path.write_text(binary_trace.to_json()[:100])
    trace, hit = run_cached(binary_spec, cache_dir=tmp_path)
    assert not hit and trace == binary_trace
    assert capsys.readouterr().err == f"tracegen: cache: {path}: discarded (not a cache entry); re-running the lesson\n"
    again, hit = run_cached(binary_spec, cache_dir=tmp_path)
    assert hit and again == binary_trace and capsys.readouterr().err == ""


def sealed_json(trace, **changes) -> str:
    """Return the trace's JSON with top-level `changes`, sealed under its hash with a valid checksum."""
    data = {**json.loads(trace.to_json(include_timings=True)), **changes}
    return cache.sealed(trace.hash, json.dumps(data))


def discarded(tmp_path, trace, capsys) -> str:
    """Load `trace`'s entry, which must be discarded; return the reason its notice gives."""
    assert cache.load_trace(tmp_path, trace.hash, trace.lesson) is None
    notice = capsys.readouterr().err
    path = cache.cached_path(tmp_path, trace.hash)
    assert notice.startswith(f"tracegen: cache: {path}: discarded (") and notice.endswith("); re-running the lesson\n")
    assert notice.count("\n") == 1
    return notice[len(f"tracegen: cache: {path}: discarded ("):-len("); re-running the lesson\n")]


def test_an_edited_number_is_a_checksum_mismatch(tmp_path, binary_trace, capsys):
    """Changing one digit inside a stored trace is found by the checksum, so the edited trace is never served."""
    cache.store_trace(tmp_path, binary_trace)
    path = cache.cached_path(tmp_path, binary_trace.hash)
    text = path.read_text(encoding="utf-8")
    digit = text.index('"accuracy": 0.') + len('"accuracy": 0.')
    edited = text[:digit] + ("1" if text[digit] != "1" else "2") + text[digit + 1:]
    path.write_text(edited, encoding="utf-8")
    assert discarded(tmp_path, binary_trace, capsys) == "checksum mismatch"


def test_an_entry_of_another_key_is_discarded(tmp_path, binary_trace, multiclass_trace, capsys):
    """A valid entry copied under another trace's name, or holding a trace of another hash, is not served."""
    path = cache.cached_path(tmp_path, binary_trace.hash)
    path.write_text(cache.sealed(multiclass_trace.hash, multiclass_trace.to_json()), encoding="utf-8")
    assert discarded(tmp_path, binary_trace, capsys) == "stored under another key"
    path.write_text(sealed_json(binary_trace, hash="0" * 64), encoding="utf-8")
    assert discarded(tmp_path, binary_trace, capsys) == "the trace inside has another hash"


def test_a_sealed_trace_of_the_wrong_shape_is_discarded(tmp_path, binary_trace, capsys):
    """A valid checksum does not make content a trace: its schema and every field's type are checked too."""
    path = cache.cached_path(tmp_path, binary_trace.hash)
    shapes = {"[]": "unsupported trace schema", "null": "unsupported trace schema", "{}": "unsupported trace schema",
              "[" * 100_000 + "]" * 100_000: "nested too deeply"}
    for content, reason in shapes.items():
        path.write_text(cache.sealed(binary_trace.hash, content), encoding="utf-8")
        assert reason in discarded(tmp_path, binary_trace, capsys)
    path.write_text(sealed_json(binary_trace, schema=2), encoding="utf-8")
    assert "schema" in discarded(tmp_path, binary_trace, capsys)
    path.write_text(sealed_json(binary_trace, seed="4"), encoding="utf-8")
    assert discarded(tmp_path, binary_trace, capsys) == "seed: expected int, got a string"


def test_special_files_are_never_opened_for_reading(tmp_path, binary_trace, capsys):
    """A symlink (even to a valid entry), a FIFO, a directory or a huge file as an entry is discarded at once."""
    other = tmp_path / "elsewhere.json"
    other.write_text(cache.sealed(binary_trace.hash, binary_trace.to_json()), encoding="utf-8")
    path = cache.cached_path(tmp_path, binary_trace.hash)
    kinds = {"a symbolic link": [lambda: path.symlink_to("/dev/zero"), lambda: path.symlink_to(other)],
             "not a regular file": [lambda: os.mkfifo(path), path.mkdir],
             f"larger than {cache.ENTRY_LIMIT} bytes": [lambda: os.truncate(other.replace(path), 1 << 40)]}
    with deadline(30):  # a FIFO opened for reading would block here for ever
        for reason, makers in kinds.items():
            for make in makers:
                make()
                assert discarded(tmp_path, binary_trace, capsys) == reason
                if path.is_dir() and not path.is_symlink():
                    path.rmdir()
                else:
                    path.unlink()


def test_non_utf8_content_is_discarded(tmp_path, binary_trace, capsys):
    """Bytes that are not UTF-8, checksum and all, are discarded rather than decoded."""
    content = b"\xff\xfe" + binary_trace.to_json().encode()
    head = f'{{"key": "{binary_trace.hash}", "sha256": "{hashlib.sha256(content).hexdigest()}", "content": '
    cache.cached_path(tmp_path, binary_trace.hash).write_bytes(head.encode() + content + b"}\n")
    assert discarded(tmp_path, binary_trace, capsys) == "not UTF-8"


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
    stored = json.loads(cache.cached_path(tmp_path / "cache", binary_trace.hash).read_text(encoding="utf-8"))
    text = binary_trace.to_json(include_timings=True)
    assert stored == {"key": binary_trace.hash, "sha256": hashlib.sha256(text.encode()).hexdigest(),
                      "content": json.loads(text)}


def test_unwritable_cache_is_skipped(tmp_path, binary_trace):
    """A cache folder that cannot be created (its place is a file) is skipped without an error."""
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    cache.store_trace(blocked / "cache", binary_trace)
    assert cache.load_trace(blocked / "cache", binary_trace.hash, binary_trace.lesson) is None
    assert blocked.read_text(encoding="utf-8") == "not a folder"
