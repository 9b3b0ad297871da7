"""Is the site on disk already what this build would write? The site key and the build manifest.

Deciding imports nothing heavy (no jinja2, markdown, numpy or scikit-learn): a rebuild with
nothing changed hashes files and reads one small JSON manifest, then stops.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from tracegen import cache, pipeline, typed_json
from tracegen.files import sha256_file
from tracegen.resources import template_folders
from tracegen.site.images import referenced_files
from tracegen.site.report import SiteReport
from tracegen.site.write import KEEP
from tracegen.spec import LessonSpec

# All of tracegen's source is part of the key: any code change may change the site's bytes.
PACKAGE_DIR = Path(__file__).resolve().parent.parent
# Bump when the way the site is assembled changes in a way the source digest cannot see.
SITE_FORMAT = "1"
# Libraries whose output ends up in the site's bytes, besides those in the trace hash.
RENDER_LIBRARIES = ("jinja2", "markdown", "markupsafe", "nh3")
# No page or search index is this large; a manifest saying so was not written by tracegen.
MAX_RECORDED_BYTES = 1 << 40


@dataclass(frozen=True)
class Manifest:
    """What the cache records about the last build into one folder: its site key and each file's sha256."""

    key: str
    files: dict[str, str]
    page_weights: dict[str, int]
    search_index_bytes: int


def _digest_files(digest: Any, folder: Path, pattern: str) -> None:
    for path in sorted(folder.rglob(pattern)):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(sha256_file(path).encode())


def site_key(specs: Sequence[LessonSpec], seed: int | None, variants: int, template_overrides: Path | None,
             reproducible: bool, site_title: str | None = None) -> str:
    """Return a hash of everything the site's bytes depend on: lessons, data, templates, code, versions, options.

    It covers a superset of every trace hash (whole specs instead of their pipeline part, CSV
    bytes instead of fingerprints, all of tracegen's source instead of its version), so it can
    be computed without the trace hashes, whose data fingerprints import numpy.
    """
    digest = hashlib.sha256(f"tracegen site {SITE_FORMAT}\0reproducible={reproducible}\0"
                            f"seed={seed}\0variants={variants}\0title={site_title!r}\0".encode())
    _digest_files(digest, PACKAGE_DIR, "*.py")
    for position, folder in enumerate(template_folders(template_overrides)):  # overrides first, as looked up
        digest.update(f"templates {position}\0".encode())
        _digest_files(digest, folder, "*")
    for name, number in sorted(pipeline.library_versions().items()):
        digest.update(f"{name}={number}\0".encode())
    for name in RENDER_LIBRARIES:
        digest.update(f"{name}={version(name)}\0".encode())
    for spec in specs:
        digest.update(repr(spec).encode() + b"\0")
        data = spec.data_path() if spec.dataset.source == "csv" else None
        # A missing CSV cannot be up to date; the pipeline reports it in one line.
        digest.update(sha256_file(data).encode() if data is not None and data.is_file() else b"-")
        for image in referenced_files(spec):
            digest.update(sha256_file(image).encode() if image.is_file() else b"-")
    return digest.hexdigest()


def manifest_path(cache_dir: Path, out: Path) -> Path:
    """Return where the cache records what was last built into `out`."""
    return cache_dir / "sites" / f"{hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:24]}.json"


def _tree_digests(out: Path) -> dict[str, str]:
    """Return the sha256 of every file under `out` except the carried-over KEEP files.

    OSError for anything that is not a regular file (a FIFO would hang the read, a symlink is
    not what a build writes): such a site is not up to date.
    """
    found = {}
    for folder, _, names in os.walk(out):
        for name in names:
            path = Path(folder, name)
            relative = path.relative_to(out).as_posix()
            if relative not in KEEP:
                if not stat.S_ISREG(os.lstat(path).st_mode):
                    raise OSError(errno.EINVAL, "not a regular file", str(path))
                found[relative] = sha256_file(path)
    return found


def unchanged_site(cache_dir: Path, out: Path, key: str) -> SiteReport | None:
    """Return the last build's report when `out` still holds exactly what `key` would build, else None.

    The manifest is untrusted input (any file in the cache folder): it is read as a cache entry
    (cache.read_entry) and every field is checked, so a manifest that is not one tracegen wrote
    means one notice line and a rebuild.
    """
    path = manifest_path(cache_dir, out)
    manifest = cache.read_entry(path, path.stem, _manifest, "rebuilding the site")
    if manifest is None or manifest.key != key or not out.is_dir():
        return None
    try:
        if _tree_digests(out) != manifest.files:
            return None
    except OSError:
        return None
    return SiteReport(out=out, files=tuple(sorted(manifest.files)), page_weights=manifest.page_weights,
                      search_index_bytes=manifest.search_index_bytes, unchanged=True)


def _manifest(text: str) -> Manifest:
    """Return the manifest in `text`, every field checked; TypeError or ValueError naming the field that is off."""
    try:
        manifest: Manifest = typed_json.build(Manifest, json.loads(text))
    except RecursionError:
        raise ValueError("nested too deeply") from None
    for field, sizes in (("page_weights", manifest.page_weights.values()),
                         ("search_index_bytes", [manifest.search_index_bytes])):
        if not all(0 <= size <= MAX_RECORDED_BYTES for size in sizes):
            raise ValueError(f"{field}: expected 0 to {MAX_RECORDED_BYTES} bytes")
    if not manifest.page_weights.keys() <= manifest.files.keys():
        raise ValueError("page_weights: a page that is not among the files")
    return manifest


def store_manifest(cache_dir: Path, key: str, digests: dict[str, str], report: SiteReport) -> None:
    """Record what was built into report.out (`digests`: each file's sha256, by path); a cache that cannot be
    written is skipped, never fatal."""
    manifest = {"key": key, "files": digests,
                "page_weights": report.page_weights, "search_index_bytes": report.search_index_bytes}
    path = manifest_path(cache_dir, report.out)
    cache.write_entry(path, path.stem, json.dumps(manifest, sort_keys=True))
