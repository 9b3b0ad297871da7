"""Fault injection: every kind of broken cache entry and manifest field gives the site a clean build gives.

One tiny lesson is built once with a clean cache (site A). Each case copies that cache, breaks
one thing in it, and builds again into a fresh folder (or, for the manifest, into the folder the
manifest describes): the build must exit 0 within the deadline, print exactly one notice line
for the broken entry, and write files byte-identical to site A.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import deadline, write_lesson
from tracegen import cache
from tracegen.cli import main
from tracegen.site import uptodate

TINY = """title = "Tiny"
topic = "Testing"
description = "A small lesson for cache fault tests."
epochs = 2
[dataset]
source = "make_classification"
n_samples = 120
n_features = 3
n_informative = 2
n_redundant = 0
[split]
seed = 2
"""
RERUN = "; re-running the lesson"
REBUILD = "; rebuilding the site"


def tree_digests(folder: Path) -> dict[str, str]:
    """Return the sha256 of every file under `folder`, by relative path."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def build(capsys, lesson: Path, out: Path, cache_dir: Path) -> tuple[int, str]:
    """Build `lesson` into `out` in-process (a hang fails after 120 s); return (exit code, stderr)."""
    with deadline(120):
        code = main(["build", str(lesson), "--out", str(out), "--cache-dir", str(cache_dir), "--reproducible",
                     "--jobs", "1"])
    return code, capsys.readouterr().err


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """(lesson, clean cache folder, site A's digests, the trace entry's path in the clean cache)."""
    # Imported here, the forked build workers start with scikit-learn loaded: each re-run takes a
    # second instead of several (the build's own process still imports none of it: test_build).
    from tracegen.pipeline import data, evaluate, stages, train  # noqa: F401

    folder = tmp_path_factory.mktemp("clean")
    lesson = write_lesson(folder, TINY, "Some prose.\n", name="tiny")
    cache_dir, site = folder / "cache", folder / "A"
    assert main(["build", str(lesson), "--out", str(site), "--cache-dir", str(cache_dir), "--reproducible",
                 "--jobs", "1"]) == 0
    (entry,) = cache_dir.glob("*.json")
    return lesson, cache_dir, tree_digests(site), entry


def content_of(entry: Path) -> str:
    """Return the trace JSON text a clean entry holds."""
    return json.dumps(json.loads(entry.read_text(encoding="utf-8"))["content"])


def sealed_edit(entry: Path, **changes) -> str:
    """Return the entry's trace with top-level `changes`, sealed under its own key with a valid checksum."""
    return cache.sealed(entry.stem, json.dumps({**json.loads(content_of(entry)), **changes}))


def write(text: str | bytes):
    """Return a corruption that writes `text` in the entry's place."""
    def corrupt(path: Path) -> None:
        path.unlink()
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return corrupt


def replace_with(make):
    """Return a corruption that removes the entry and calls make(path) to put something else there."""
    def corrupt(path: Path) -> None:
        path.unlink()
        make(path)
    return corrupt


def another_valid_entry(path: Path) -> None:
    """A symlink to a valid entry stored under another key, beside it."""
    other = path.with_name("0" * 64 + ".json")
    other.write_text(cache.sealed(other.stem, content_of(path)), encoding="utf-8")
    path.unlink()
    path.symlink_to(other)


def edited_number(path: Path) -> None:
    """One digit of a stored accuracy changed by hand."""
    text = path.read_text(encoding="utf-8")
    at = text.index('"accuracy": 0.') + len('"accuracy": 0.')
    path.write_text(text[:at] + ("1" if text[at] != "1" else "2") + text[at + 1:], encoding="utf-8")


def entry_cases(entry: Path) -> dict[str, tuple[object, str]]:
    """Corruption name -> (function breaking the entry at a path, the start of the reason its notice gives)."""
    text = entry.read_text(encoding="utf-8")
    deep = "[" * 100_000 + "]" * 100_000
    return {
        "truncated": (write(text[:len(text) // 2]), "not a cache entry"),
        "empty-list": (write("[]"), "not a cache entry"),
        "null": (write("null"), "not a cache entry"),
        "empty-object": (write("{}"), "not a cache entry"),
        "deep-nesting": (write(deep), "not a cache entry"),
        "sealed-empty-list": (write(cache.sealed(entry.stem, "[]")), "unsupported trace schema"),
        "sealed-null": (write(cache.sealed(entry.stem, "null")), "unsupported trace schema"),
        "sealed-deep-nesting": (write(cache.sealed(entry.stem, deep)), "trace JSON is nested too deeply"),
        "wrong-schema": (write(text.replace('"schema": 1', '"schema": 2')), "checksum mismatch"),
        "sealed-wrong-schema": (write(sealed_edit(entry, schema=2)), "unsupported trace schema"),
        "sealed-wrong-type": (write(sealed_edit(entry, seed="2")), "seed: expected int, got a string"),
        "sealed-wrong-task": (write(sealed_edit(entry, evaluation={"task": "ternary"})), "evaluation: expected a task"),
        "edited-number": (edited_number, "checksum mismatch"),
        "another-key": (write(cache.sealed("0" * 64, content_of(entry))), "stored under another key"),
        "sealed-trace-of-another-hash": (write(sealed_edit(entry, hash="0" * 64)), "the trace inside has another hash"),
        "symlink-to-dev-zero": (replace_with(lambda p: p.symlink_to("/dev/zero")), "a symbolic link"),
        "symlink-to-another-valid-entry": (another_valid_entry, "a symbolic link"),
        "fifo": (replace_with(os.mkfifo), "not a regular file"),
        "directory": (replace_with(Path.mkdir), "not a regular file"),
        "huge-file": (lambda p: os.truncate(p, cache.ENTRY_LIMIT + 1), f"larger than {cache.ENTRY_LIMIT} bytes"),
        "non-utf8": (write(b"\xff\xfe" + text.encode()), "not a cache entry"),
        "sealed-non-utf8": (write(_sealed_bytes(entry.stem, b"\xff\xfe" + content_of(entry).encode())), "not UTF-8"),
    }


def _sealed_bytes(key: str, content: bytes) -> bytes:
    """An entry with a valid checksum over `content`, which need not be UTF-8."""
    head = f'{{"key": "{key}", "sha256": "{hashlib.sha256(content).hexdigest()}", "content": '
    return head.encode() + content + b"}\n"


ENTRY_CASES = [
    "truncated", "empty-list", "null", "empty-object", "deep-nesting", "sealed-empty-list", "sealed-null",
    "sealed-deep-nesting", "wrong-schema", "sealed-wrong-schema", "sealed-wrong-type", "sealed-wrong-task",
    "edited-number", "another-key", "sealed-trace-of-another-hash", "symlink-to-dev-zero",
    "symlink-to-another-valid-entry", "fifo", "directory", "huge-file", "non-utf8", "sealed-non-utf8"]


def test_every_entry_case_is_run(clean):
    """The parametrized list names every corruption entry_cases makes."""
    assert sorted(entry_cases(clean[3])) == sorted(ENTRY_CASES)


@pytest.mark.parametrize("case", ENTRY_CASES)
def test_a_broken_entry_is_discarded_and_the_site_equals_a_clean_build(tmp_path, clean, case, capsys):
    """The broken entry gets one notice, the lesson runs again, and the site is byte-identical to site A;
    a rebuild after it loads the fresh entry from the cache (except where a directory blocks the entry)."""
    lesson, clean_cache, site_a, clean_entry = clean
    cache_dir = tmp_path / "cache"
    shutil.copytree(clean_cache, cache_dir, symlinks=True)
    shutil.rmtree(cache_dir / "sites")  # no manifest: site B is built, not found unchanged
    corrupt, reason = entry_cases(clean_entry)[case]
    path = cache_dir / clean_entry.name
    corrupt(path)
    code, err = build(capsys, lesson, tmp_path / "B", cache_dir)
    assert code == 0, err
    notices = [line for line in err.splitlines() if line.startswith("tracegen: cache: ")]
    assert len(notices) == 1 and notices[0].startswith(f"tracegen: cache: {path}: discarded ({reason}")
    assert notices[0].endswith(f"){RERUN}")
    assert "1 trace(s): 1 run, 0 from cache" in err.splitlines()[-1]
    assert tree_digests(tmp_path / "B") == site_a
    if case != "directory":
        code, err = build(capsys, lesson, tmp_path / "C", cache_dir)
        assert code == 0 and "1 trace(s): 0 run, 1 from cache" in err and "tracegen: cache: " not in err
        assert tree_digests(tmp_path / "C") == site_a


MANIFEST_FIELDS = [("key", 3), ("key", None), ("files", []), ("files", {"index.html": 3}), ("files", "x"),
                   ("page_weights", 3), ("page_weights", []), ("page_weights", {"tiny/index.html": "big"}),
                   ("page_weights", {"tiny/index.html": 10**400}), ("page_weights", {"tiny/index.html": -5}),
                   ("page_weights", {"tiny/index.html": 1.5}), ("search_index_bytes", "3"),
                   ("search_index_bytes", None), ("search_index_bytes", 10**400), ("search_index_bytes", True),
                   ("search_index_bytes", {})]
MANIFEST_FILES = {"fifo": (replace_with(os.mkfifo), "not a regular file"),
                  "directory": (replace_with(Path.mkdir), "not a regular file"),
                  "symlink-to-dev-zero": (replace_with(lambda p: p.symlink_to("/dev/zero")), "a symbolic link"),
                  "truncated": (lambda p: p.write_text(p.read_text()[:40]), "not a cache entry"),
                  "null": (write("null"), "not a cache entry")}


def without_files(path: Path) -> None:
    """A manifest, checksum and all, with its files field left out."""
    content = json.loads(path.read_text(encoding="utf-8"))["content"]
    del content["files"]
    path.write_text(cache.sealed(path.stem, json.dumps(content)), encoding="utf-8")


def edited_size(path: Path) -> None:
    """The search index's size edited by hand (a digit put in front)."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"search_index_bytes": ', '"search_index_bytes": 1'), encoding="utf-8")


def manifest_case(case: str | tuple[str, object]):
    """Return (function breaking the manifest at a path, the start of the reason its notice gives)."""
    if case == "missing-field":
        return without_files, "expected the field(s) files"
    if case == "edited":
        return edited_size, "checksum mismatch"
    if isinstance(case, str):
        return MANIFEST_FILES[case]
    field, value = case

    def corrupt(path: Path) -> None:
        content = json.loads(path.read_text(encoding="utf-8"))["content"]
        path.write_text(cache.sealed(path.stem, json.dumps({**content, field: value})), encoding="utf-8")
    return corrupt, f"{field}: "


@pytest.mark.parametrize("case", [*MANIFEST_FIELDS, "missing-field", "edited", *MANIFEST_FILES],
                         ids=lambda c: c if isinstance(c, str) else f"{c[0]}={json.dumps(c[1])[:12]}")
def test_a_broken_manifest_means_a_rebuild_equal_to_a_clean_build(tmp_path, clean, case, capsys):
    """Every manifest field of the wrong type or size, and every wrong kind of manifest file, is one notice
    and a rebuild (never a traceback, a hang or a report made of the bad numbers); the site equals site A."""
    lesson, clean_cache, site_a, _ = clean
    cache_dir, site_b = tmp_path / "cache", tmp_path / "B"
    shutil.copytree(clean_cache, cache_dir, symlinks=True)
    assert build(capsys, lesson, site_b, cache_dir)[0] == 0
    path = uptodate.manifest_path(cache_dir, site_b)
    corrupt, reason = manifest_case(case)
    corrupt(path)
    code, err = build(capsys, lesson, site_b, cache_dir)
    assert code == 0, err
    notices = [line for line in err.splitlines() if line.startswith("tracegen: cache: ")]
    assert len(notices) == 1 and notices[0].startswith(f"tracegen: cache: {path}: discarded ({reason}")
    assert notices[0].endswith(f"){REBUILD}") and "from cache; wrote" in err.splitlines()[-1]
    assert tree_digests(site_b) == site_a
