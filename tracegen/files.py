"""Shared file I/O: the one atomic writer, the one file hash, and where bad UTF-8 or TOML is.

Every file tracegen keeps (a trace in the cache, a site manifest, --json, an export) is written
by `write_atomic`, so a reader finds the old file or the new one, never part of one. Every file
fingerprint is `sha256_file`; a file tracegen kept and reads back untrusted is read by
`read_regular`. The two error helpers turn a decoder's complaint into the file line that the
CLI's one-line error shows.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import stat
import tempfile
import tomllib
from pathlib import Path
from typing import Any, BinaryIO

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


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it, so put it straight back
    os.umask(mask)
    return mask


# Read once, at import (before any thread starts), as umask is per process.
UMASK = _umask()


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write `data` (text as UTF-8) to `path` through a temporary file in the same folder, then rename.

    The folder is created when missing. The rename is atomic because the temporary file is on
    the same filesystem; if anything fails, the temporary file is removed and the OSError raised.
    Only a regular file is replaced: anything else at `path` (see `not_replaceable`) is an OSError.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    refusal = not_replaceable(path)
    if refusal is not None:
        raise FileExistsError(errno.EEXIST, f"{refusal}; refusing to replace it with a file", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            # mkstemp makes the file 0600; the user's file gets the mode any file they make would.
            os.fchmod(stream.fileno(), 0o666 & ~UMASK)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def not_replaceable(path: Path) -> str | None:
    """Return what is at `path` if it is not a regular file ("is a directory", "is a symbolic link", ...), else None.

    The rename in write_atomic would put a file in place of a symbolic link (not of its target),
    a device node or a FIFO, so those are not to be replaced. None also when nothing is there.
    """
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None  # nothing there, or nothing this process may look at: the write reports it
    if stat.S_ISREG(mode):
        return None
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISLNK, "a symbolic link"),
                       (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return f"is {kind}"
    return "is a device"


def sha256_file(path: Path) -> str:
    """Return the sha256 of the file's bytes as 64 hex digits (OSError if it cannot be read)."""
    digest = hashlib.sha256()
    with open_regular(path) as handle:
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


# Files read whole as text (a lesson, an answers file, a template, a static file) are far smaller.
MAX_TEXT_BYTES = 4 * 1024 * 1024
# What a path that is not a regular file is, for the error line.
FILE_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
              (stat.S_ISSOCK, "a socket"))


def open_regular(path: Path | str, max_bytes: int | None = None, *, follow_symlinks: bool = True) -> BinaryIO:
    """Open `path` for reading bytes if it is a regular file (of at most `max_bytes`); else raise OSError.

    O_NONBLOCK keeps the open from waiting for a FIFO's writer, and fstat checks the file that was
    opened, not the name. A directory raises IsADirectoryError; a FIFO, device or socket an OSError
    whose strerror says what it is ("is a FIFO, not a regular file"); a symbolic-link loop open's own
    ELOOP, as does any symlink with follow_symlinks=False; a file over `max_bytes` an OSError giving its size.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags)
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in FILE_KINDS if test(info.st_mode)), "a special file")
            raise OSError(errno.EINVAL, f"is {kind}, not a regular file", str(path))
        if max_bytes is not None and info.st_size > max_bytes:
            raise OSError(errno.EFBIG, f"is {info.st_size} bytes, over the {max_bytes} bytes this file may have",
                          str(path))
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_bytes(path: Path | str) -> bytes:
    """Return a regular file of at most MAX_TEXT_BYTES whole (OSError, as open_regular says, if not)."""
    with open_regular(path, MAX_TEXT_BYTES) as handle:
        # One byte past the limit: a file that grew after fstat is still refused, not read without end.
        data = handle.read(MAX_TEXT_BYTES + 1)
    if len(data) > MAX_TEXT_BYTES:
        raise OSError(errno.EFBIG, f"is over the {MAX_TEXT_BYTES} bytes this file may have", str(path))
    return data


def read_text(path: Path | str, encoding: str = "utf-8") -> str:
    """Return read_bytes(path) decoded (UnicodeDecodeError if it is not `encoding`)."""
    return read_bytes(path).decode(encoding)


def read_regular(path: Path, limit: int) -> bytes:
    """Return the bytes of an untrusted file (a cache entry): a regular file of at most `limit` bytes, else OSError.

    A symlink at `path` is not followed (ELOOP), so the entry cannot point the read elsewhere; a
    FIFO, device or directory is refused before anything is read ("not a regular file").
    """
    try:
        with open_regular(path, follow_symlinks=False) as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > limit:
                raise OSError(errno.EFBIG, f"larger than {limit} bytes", str(path))
            data = handle.read(limit + 1)  # one byte more: a file that grew since fstat is refused too
    except IsADirectoryError:
        raise OSError(errno.EINVAL, "not a regular file", str(path)) from None
    except OSError as exc:
        if exc.errno == errno.EINVAL:
            raise OSError(errno.EINVAL, "not a regular file", str(path)) from None
        raise
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit} bytes", str(path))
    return data
