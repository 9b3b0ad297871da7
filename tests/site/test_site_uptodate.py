"""The up-to-date check: what the site key covers, and when the manifest says the site is current."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil

import pytest

from tests.conftest import deadline, write_lesson
from tracegen import cache as cache_module
from tracegen.html.env import TEMPLATES_DIR
from tracegen.site import uptodate
from tracegen.site.report import SiteReport
from tracegen.spec import load_lesson

CSV_LESSON = 'epochs = 2\n[dataset]\nsource = "csv"\npath = "data.csv"\ntarget = "label"\n'
FILES = {"index.html": b"<p>index</p>", "a/index.html": b"<p>a</p>"}


@pytest.fixture
def csv_spec(tmp_path):
    """A lesson reading data.csv next to it."""
    (tmp_path / "data.csv").write_text("a,label\n1,0\n2,1\n", encoding="utf-8")
    return load_lesson(write_lesson(tmp_path, CSV_LESSON))


def key(specs, templates=TEMPLATES_DIR, **options):
    """Return the site key with default options, overridden by `options`."""
    settings = {"seed": None, "variants": 0, "reproducible": True, **options}
    return uptodate.site_key(specs, settings["seed"], settings["variants"], templates, settings["reproducible"])


def test_site_key_changes_with_every_option(binary_spec):
    """Seed, variants and --reproducible each give another key; the same inputs give the same key."""
    base = key([binary_spec])
    assert key([binary_spec]) == base
    assert len({base, key([binary_spec], seed=3), key([binary_spec], variants=1),
                key([binary_spec], reproducible=False)}) == 4


def test_site_key_changes_with_the_lessons(binary_spec, multiclass_spec):
    """Another lesson, another lesson order, or an edited lesson (prose included) gives another key."""
    base = key([binary_spec, multiclass_spec])
    edited = dataclasses.replace(binary_spec, body=binary_spec.body + "\nOne more line.\n")
    assert len({base, key([multiclass_spec, binary_spec]), key([binary_spec]),
                key([edited, multiclass_spec])}) == 4


def test_site_key_changes_with_the_csv_bytes_and_the_templates(tmp_path, csv_spec):
    """Editing the CSV or any template file changes the key; a missing CSV still gives a key."""
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    base = key([csv_spec], templates)
    (tmp_path / "data.csv").write_text("a,label\n1,0\n3,1\n", encoding="utf-8")
    edited_data = key([csv_spec], templates)
    (templates / "static" / "site.css").write_text("body{}\n", encoding="utf-8")
    edited_template = key([csv_spec], templates)
    (tmp_path / "data.csv").unlink()
    assert len({base, edited_data, edited_template, key([csv_spec], templates)}) == 4


def test_site_key_covers_all_of_tracegens_source():
    """The code digest reads every module of the package, subpackages included."""
    assert uptodate.PACKAGE_DIR.name == "tracegen"
    assert {"cli.py", "site/uptodate.py", "pipeline/__init__.py"} <= {
        p.relative_to(uptodate.PACKAGE_DIR).as_posix() for p in uptodate.PACKAGE_DIR.rglob("*.py")}


def built(tmp_path, files=FILES):
    """Write `files` as a site and record them in a manifest with key 'k'; return (cache, out, report)."""
    cache, out = tmp_path / "cache", tmp_path / "site"
    for name, data in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    report = SiteReport(out=out, files=tuple(files), page_weights={"a/index.html": 7}, search_index_bytes=3)
    uptodate.store_manifest(cache, "k", {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
                            report)
    return cache, out, report


def test_intact_site_with_the_same_key_is_unchanged(tmp_path):
    """The manifest's report comes back, marked unchanged; a carried-over README.md does not count."""
    cache, out, report = built(tmp_path)
    (out / "README.md").write_text("# site/\n", encoding="utf-8")
    assert uptodate.unchanged_site(cache, out, "k") == dataclasses.replace(
        report, files=tuple(sorted(FILES)), unchanged=True)
    assert [p.name for p in uptodate.manifest_path(cache, out).parent.iterdir()] == [
        uptodate.manifest_path(cache, out).name]


def test_another_key_or_an_edited_site_is_not_unchanged(tmp_path):
    """A new key, an edited file, an extra file or a missing site each mean a rebuild."""
    cache, out, _ = built(tmp_path)
    assert uptodate.unchanged_site(cache, out, "other") is None
    (out / "extra.html").write_text("x", encoding="utf-8")
    assert uptodate.unchanged_site(cache, out, "k") is None
    (out / "extra.html").unlink()
    (out / "index.html").write_text("vandalised", encoding="utf-8")
    assert uptodate.unchanged_site(cache, out, "k") is None
    shutil.rmtree(out)
    assert uptodate.unchanged_site(cache, out, "k") is None


def manifest_entry(cache, out):
    """Return (the manifest's path, its content as stored) for the site at `out`."""
    path = uptodate.manifest_path(cache, out)
    return path, json.loads(path.read_text(encoding="utf-8"))["content"]


def test_a_fifo_or_symlink_in_the_site_is_not_unchanged(tmp_path):
    """A FIFO (which would hang a read) or a symlink among the site's files means a rebuild, at once."""
    cache, out, _ = built(tmp_path)
    with deadline(30):
        os.mkfifo(out / "extra")
        assert uptodate.unchanged_site(cache, out, "k") is None
        (out / "extra").unlink()
        (out / "index.html").unlink()
        (out / "index.html").symlink_to(tmp_path / "elsewhere.html")
        (tmp_path / "elsewhere.html").write_bytes(FILES["index.html"])
        assert uptodate.unchanged_site(cache, out, "k") is None


@pytest.mark.parametrize("manifest", ["", "{", "[]", '{"key": "k"}', '{"key": "k", "files": 3}', "null"])
def test_a_broken_manifest_means_a_rebuild(tmp_path, manifest, capsys):
    """The manifest is untrusted: unreadable or misshapen, it is a rebuild with one notice, never an error."""
    cache, out, _ = built(tmp_path)
    path = uptodate.manifest_path(cache, out)
    path.write_text(manifest, encoding="utf-8")
    assert uptodate.unchanged_site(cache, out, "k") is None
    assert capsys.readouterr().err == f"tracegen: cache: {path}: discarded (not a cache entry); rebuilding the site\n"


def test_an_edited_manifest_is_a_checksum_mismatch(tmp_path, capsys):
    """A page weight edited by hand (still a plausible number) is found by the checksum."""
    cache, out, _ = built(tmp_path)
    path = uptodate.manifest_path(cache, out)
    edited = path.read_text(encoding="utf-8").replace('"a/index.html": 7', '"a/index.html": 8')
    path.write_text(edited, encoding="utf-8")
    assert uptodate.unchanged_site(cache, out, "k") is None
    assert "discarded (checksum mismatch); rebuilding the site" in capsys.readouterr().err


WRONG_FIELDS = [("key", 3), ("key", None), ("files", []), ("files", {"index.html": 3}), ("page_weights", 3),
                ("page_weights", {"a/index.html": "7"}), ("page_weights", {"a/index.html": True}),
                ("page_weights", {"a/index.html": 10**400}), ("page_weights", {"a/index.html": -1}),
                ("page_weights", {"elsewhere.html": 7}), ("search_index_bytes", "3"), ("search_index_bytes", None),
                ("search_index_bytes", 10**400), ("search_index_bytes", 3.0), ("search_index_bytes", [3])]


@pytest.mark.parametrize(("field", "value"), WRONG_FIELDS, ids=lambda v: repr(v)[:20])
def test_a_field_of_the_wrong_type_or_size_means_a_rebuild(tmp_path, field, value, capsys):
    """With a valid checksum too, every field is checked: wrong type, huge or negative, a page not among the files."""
    cache, out, _ = built(tmp_path)
    path, manifest = manifest_entry(cache, out)
    path.write_text(cache_module.sealed(path.stem, json.dumps({**manifest, field: value})), encoding="utf-8")
    assert uptodate.unchanged_site(cache, out, "k") is None
    err = capsys.readouterr().err
    assert err.startswith(f"tracegen: cache: {path}: discarded ({field}") and err.count("\n") == 1


def test_a_missing_field_means_a_rebuild(tmp_path, capsys):
    """A manifest without one of its fields is discarded, naming the field."""
    cache, out, _ = built(tmp_path)
    path, manifest = manifest_entry(cache, out)
    del manifest["search_index_bytes"]
    path.write_text(cache_module.sealed(path.stem, json.dumps(manifest)), encoding="utf-8")
    assert uptodate.unchanged_site(cache, out, "k") is None
    assert "search_index_bytes" in capsys.readouterr().err


def test_manifest_records_each_files_hash(tmp_path):
    """The manifest holds the key, every file's sha256, and the report's numbers."""
    cache, out, _ = built(tmp_path)
    _, manifest = manifest_entry(cache, out)
    assert manifest["key"] == "k" and set(manifest["files"]) == set(FILES)
    assert manifest["page_weights"] == {"a/index.html": 7} and manifest["search_index_bytes"] == 3


def test_unwritable_cache_skips_the_manifest(tmp_path):
    """A cache that cannot be written is skipped: no error, and the next build is not 'unchanged'."""
    (tmp_path / "cache").write_text("a file where the cache folder goes", encoding="utf-8")
    report = SiteReport(out=tmp_path / "site", files=(), page_weights={}, search_index_bytes=0)
    uptodate.store_manifest(tmp_path / "cache", "k", {}, report)
    assert uptodate.unchanged_site(tmp_path / "cache", tmp_path / "site", "k") is None
