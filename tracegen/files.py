"""Shared file I/O: the one atomic writer, the one file hash, and where bad UTF-8 or TOML is.

Every file tracegen keeps (a trace in the cache, a site manifest, --json, an export) is written
by `write_atomic`, so a reader finds the old file or the new one, never part of one. Every file
fingerprint is `sha256_file`. The two error helpers turn a decoder's complaint into the file
line that the CLI's one-line error shows.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import tomllib
from pathlib import Path
from typing import Any

# Files are hashed block by block, so a large CSV is never held in memory for its hash.
HASH_BLOCK = 1 << 20
# tomllib ends each message with the position of the error.
TOML_POSITION = re.compile(r" \(at line (\d+), column (\d+)\)$")
# tomllib's time grows with the square of a dotted key's parts (50,000 parts: two minutes), and it
# recurses once per nested array or inline table; a lesson or an answers file needs a handful of each.
MAX_TOML_KEY_PARTS = 100
_KEY_PART = r"""(?:[A-Za-z0-9_-]++|"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+')"""
# Only where a key can start (a line, a [table] header, an inline table), so a long dotted name
# inside a quoted value is left alone.
LONG_DOTTED_KEY = re.compile(rf"(?:^|(?<=[{{,\[]))[ \t]*+{_KEY_PART}"
                             rf"(?:[ \t]*+\.[ \t]*+{_KEY_PART}){{{MAX_TOML_KEY_PARTS},}}", re.MULTILINE)


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write `data` (text as UTF-8) to `path` through a temporary file in the same folder, then rename.

    The folder is created when missing. The rename is atomic because the temporary file is on
    the same filesystem; if anything fails, the temporary file is removed and the OSError raised.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def sha256_file(path: Path) -> str:
    """Return the sha256 of the file's bytes as 64 hex digits (OSError if it cannot be read)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(HASH_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def undecodable_line(path: Path) -> tuple[int | None, str]:
    """Return (line number, description) of the first bytes of `path` that are not UTF-8."""
    with open(path, "rb") as handle:
        # A newline byte never occurs inside a UTF-8 sequence, so each line decodes on its own.
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return number, f"byte 0x{raw[exc.start]:02x}, byte {exc.start + 1} of the line: {exc.reason}"
    return None, "a multi-byte character is cut off at the end of the file"


def parse_toml(text: str) -> dict[str, Any]:
    """Return ``tomllib.loads(text)``; nesting too deep to parse cheaply is a TOMLDecodeError too.

    So every caller reports it as the one malformed-TOML line it gives for any other mistake. An
    integer of thousands of digits still raises tomllib's plain ValueError (int()'s digit limit).
    """
    long_key = LONG_DOTTED_KEY.search(text)
    if long_key is not None:
        line = text.count("\n", 0, long_key.start()) + 1
        column = long_key.start() - (text.rfind("\n", 0, long_key.start()) + 1) + 1
        raise tomllib.TOMLDecodeError(f"a dotted key of more than {MAX_TOML_KEY_PARTS} parts "
                                      f"(at line {line}, column {column})")
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise tomllib.TOMLDecodeError("arrays or inline tables nested too deeply") from None


def toml_error_at(exc: tomllib.TOMLDecodeError, first_line: int = 1) -> tuple[str, int | None]:
    """Return (tomllib's message ending in 'at column C', the file line it points at).

    `first_line` is the file line the TOML text starts on (a lesson's front matter starts on
    line 2, after its fence). A message without a position comes back whole, with line None.
    """
    text = str(exc)
    where = TOML_POSITION.search(text)
    if where is None:
        return text, None
    return f"{text[:where.start()]} at column {where.group(2)}", int(where.group(1)) + first_line - 1
