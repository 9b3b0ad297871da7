"""The files every site holds besides its pages: the marker, static CSS/JS (compacted), build info."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tracegen.errors import TracegenError
from tracegen.files import read_bytes, read_text, undecodable_line
from tracegen.resources import template_folders
from tracegen.site.write import MARKER, MARKER_TEXT

if TYPE_CHECKING:
    from tracegen.html.lesson import BuildInfo

# templates/static/ is copied to static/ in the site; an override folder's static/ replaces file by file.
STATIC = "static"


def compact_css(text: str) -> str:
    """Return CSS without comments, indentation, line breaks and last semicolons (rules and strings unchanged)."""
    parts = re.split(r'("[^"]*")', re.sub(r"/\*.*?\*/", "", text, flags=re.S))
    for index in range(0, len(parts), 2):  # even parts are outside quoted strings
        part = re.sub(r"\s+", " ", parts[index])
        part = re.sub(r"\s*([{};,])\s*", r"\1", part)
        # Outside strings, a colon followed by whitespace only occurs in declarations ("color: red"),
        # and ";}" only ends a block's last declaration, whose semicolon CSS does not need.
        parts[index] = re.sub(r":\s+", ":", part).replace(";}", "}")
    return "".join(parts).strip() + "\n"


def compact_js(text: str) -> str:
    """Return JS without comment lines, indentation and blank lines (statements unchanged).

    Conservative on purpose: only whole-line comments and leading whitespace go, which
    cannot change what the code does, since site.js has no multi-line strings.
    """
    text = re.sub(r"^\s*/\*.*?\*/[ \t]*\n", "", text, flags=re.S | re.M)
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//")) + "\n"


COMPACTORS = {".css": compact_css, ".js": compact_js}


def static_files(templates_dir: Path) -> dict[str, bytes]:
    """Return every file under templates/static/, keyed by its path in the site (CSS and JS compacted)."""
    folder = templates_dir / STATIC
    if not folder.is_dir():
        return {}
    files = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_dir():  # a FIFO, device or link loop among them is an error, not skipped
            files[f"{STATIC}/{path.relative_to(folder).as_posix()}"] = static_file(path)
    return files


def static_file(path: Path) -> bytes:
    """Return one static file's bytes (CSS and JS compacted); an unreadable or non-UTF-8 one is one error line."""
    compact = COMPACTORS.get(path.suffix)
    try:
        return compact(read_text(path)).encode() if compact else read_bytes(path)
    except UnicodeDecodeError:
        line, detail = undecodable_line(path)
        raise TracegenError(path, "static file", f"not UTF-8 text ({detail}); save it as UTF-8", line=line) from None
    except OSError as exc:
        raise TracegenError(path, "static file", f"cannot read: {exc.strerror}") from None


def site_frame(overrides: Path | None = None) -> dict[str, bytes]:
    """Return the files every site holds besides its pages: the marker and the static files.

    A static file in the overrides' static/ replaces tracegen's file of that name; tracegen's others stay.
    """
    files = {MARKER: MARKER_TEXT.encode()}
    for folder in reversed(template_folders(overrides)):  # tracegen's own first, each override on top
        files.update(static_files(folder))
    return files


def build_info(reproducible: bool) -> BuildInfo:
    """Return what provenance shows about this build: its UTC timestamp, unless reproducible."""
    from tracegen.html.lesson import BuildInfo

    return BuildInfo(reproducible=reproducible, built_at=None if reproducible else
                            datetime.now(UTC).isoformat(timespec="seconds"))
