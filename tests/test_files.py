"""Shared file I/O: the atomic writer, the file hash, the untrusted reader, and the UTF-8 and TOML error positions."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT, deadline
from tracegen import files


def test_write_atomic_replaces_bytes_and_text(tmp_path):
    """Bytes are written as given, text as UTF-8; a second write replaces the first whole."""
    path = tmp_path / "out.bin"
    files.write_atomic(path, b"\x00old\xff")
    assert path.read_bytes() == b"\x00old\xff"
    files.write_atomic(path, "new: é\n")
    assert path.read_bytes() == "new: é\n".encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


def test_write_atomic_creates_the_folder(tmp_path):
    """A missing parent folder is created, as every caller did before writing."""
    path = tmp_path / "a" / "b" / "trace.json"
    files.write_atomic(path, "{}")
    assert path.read_text(encoding="utf-8") == "{}"


def test_failed_write_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    """When the rename fails, the old content stays and the temporary file is gone."""
    path = tmp_path / "keep.txt"
    path.write_text("old", encoding="utf-8")

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", refuse)
    with pytest.raises(OSError, match="No space left"):
        files.write_atomic(path, "new")
    assert path.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_interrupted_write_leaves_no_temporary(tmp_path, monkeypatch):
    """Even a KeyboardInterrupt while writing removes the temporary file and reaches the caller."""
    real_fdopen = os.fdopen

    class Interrupting:
        def __init__(self, handle, mode):
            self.stream = real_fdopen(handle, mode)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.stream.close()

        def write(self, data):
            raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fdopen", Interrupting)
    with pytest.raises(KeyboardInterrupt):
        files.write_atomic(tmp_path / "x.txt", "data")
    assert list(tmp_path.iterdir()) == []


def test_write_under_a_file_raises_oserror(tmp_path):
    """A parent that is a file cannot hold the output: OSError, for the caller to report."""
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(OSError):
        files.write_atomic(tmp_path / "file" / "out.txt", "data")



def special_files(folder):
    """Return (path, the kind not_replaceable names) for a folder, a symbolic link, a FIFO, a socket and a device."""
    import socket

    (folder / "target.txt").write_text("the user's", encoding="utf-8")
    (folder / "dir").mkdir()
    (folder / "link").symlink_to(folder / "target.txt")
    (folder / "dangling").symlink_to(folder / "nowhere")
    os.mkfifo(folder / "fifo")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "sock"))
    server.close()
    return [(folder / "dir", "is a directory"), (folder / "link", "is a symbolic link"),
            (folder / "dangling", "is a symbolic link"), (folder / "fifo", "is a FIFO (named pipe)"),
            (folder / "sock", "is a socket"), (Path("/dev/null"), "is a device")]


def test_write_atomic_refuses_to_replace_anything_but_a_regular_file(tmp_path):
    """A folder, a symbolic link (even dangling), a FIFO, a socket or a device stays as it was: FileExistsError."""
    for path, kind in special_files(tmp_path):
        before = os.lstat(path)
        assert files.not_replaceable(path) == kind
        with pytest.raises(FileExistsError, match=re.escape(f"{kind}; refusing to replace it with a file")):
            files.write_atomic(path, "data")
        after = os.lstat(path)
        assert (after.st_ino, after.st_mode, after.st_mtime_ns) == (before.st_ino, before.st_mode, before.st_mtime_ns)
    assert (tmp_path / "target.txt").read_text(encoding="utf-8") == "the user's"
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_not_replaceable_allows_a_regular_file_and_nothing_there(tmp_path):
    """A regular file (replaced atomically) and a missing path are replaceable: None."""
    (tmp_path / "old.json").write_text("old", encoding="utf-8")
    assert files.not_replaceable(tmp_path / "old.json") is None
    assert files.not_replaceable(tmp_path / "new.json") is None


@pytest.mark.parametrize("size", [0, 1, 7, 8, 50])
def test_sha256_file_equals_hashlib(tmp_path, monkeypatch, size):
    """The hash of a file read block by block equals hashlib's sha256 of its bytes, for any block split."""
    monkeypatch.setattr(files, "HASH_BLOCK", 7)
    data = bytes(range(256))[:size] * 3
    path = tmp_path / "data.csv"
    path.write_bytes(data)
    assert files.sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_sha256_file_of_a_missing_file_raises(tmp_path):
    """A missing file is the caller's error to word: FileNotFoundError."""
    with pytest.raises(FileNotFoundError):
        files.sha256_file(tmp_path / "nope.csv")


def test_undecodable_line_names_the_line_and_byte(tmp_path):
    """The first bad byte is reported with its line, its value and its place in the line."""
    path = tmp_path / "latin1.md"
    path.write_bytes(b"ok\nalso ok\ncaf\xe9 au lait\n")
    assert files.undecodable_line(path) == (3, "byte 0xe9, byte 4 of the line: invalid continuation byte")


def test_undecodable_line_at_a_cut_off_end(tmp_path):
    """A multi-byte character cut off at the end of the file is reported on the last line."""
    path = tmp_path / "cut.md"
    path.write_bytes(b"fine\n" + "é".encode()[:1])
    assert files.undecodable_line(path) == (2, "byte 0xc3, byte 1 of the line: unexpected end of data")


def toml_error(text: str) -> tomllib.TOMLDecodeError:
    """Return the error tomllib raises for `text`."""
    with pytest.raises(tomllib.TOMLDecodeError) as caught:
        tomllib.loads(text)
    return caught.value


def test_toml_error_at_moves_the_position_to_the_file_line():
    """'(at line L, column C)' becomes 'at column C' and line L counted from `first_line`."""
    error = toml_error("a = 1\nb = = 2\n")
    message = str(error)[:str(error).index(" (at line")]
    assert files.toml_error_at(error) == (f"{message} at column 5", 2)
    assert files.toml_error_at(error, first_line=2) == (f"{message} at column 5", 3)


def test_toml_error_without_a_position_is_kept_whole():
    """A message with no position comes back unchanged, with no line."""
    error = tomllib.TOMLDecodeError("Something odd")
    assert files.toml_error_at(error, first_line=2) == ("Something odd", None)


def test_read_regular_reads_a_regular_file_up_to_its_limit(tmp_path):
    """A regular file within the limit comes back whole; one byte over the limit is refused before reading."""
    path = tmp_path / "entry"
    path.write_bytes(b"0123456789")
    assert files.read_regular(path, 10) == b"0123456789"
    with pytest.raises(OSError, match="larger than 9 bytes"):
        files.read_regular(path, 9)
    os.truncate(path, 1 << 40)  # sparse: refused by its size, never read
    with pytest.raises(OSError, match="larger than"):
        files.read_regular(path, 1 << 20)


def test_read_regular_never_follows_a_symlink_or_opens_a_special_file(tmp_path):
    """A symlink (to a device or to a regular file), a FIFO and a directory are refused at once, without blocking."""
    target = tmp_path / "target"
    target.write_bytes(b"data")
    (tmp_path / "to-zero").symlink_to("/dev/zero")
    (tmp_path / "to-file").symlink_to(target)
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "folder").mkdir()
    with deadline(30):
        for name in ("to-zero", "to-file"):
            with pytest.raises(OSError) as raised:
                files.read_regular(tmp_path / name, 100)
            assert raised.value.errno == errno.ELOOP
        for name in ("fifo", "folder"):
            with pytest.raises(OSError, match="not a regular file"):
                files.read_regular(tmp_path / name, 100)


def test_write_atomic_gives_the_file_the_users_umask(tmp_path):
    """mkstemp's 0600 is not what the user asked for: under umask 027 a written file is 0640, under 002 0664."""
    import os
    import stat
    import subprocess
    import sys

    for umask, mode in ((0o027, 0o640), (0o002, 0o664)):
        path = tmp_path / f"out-{umask:o}.gift"
        script = (f"import os; os.umask({umask}); from tracegen.files import write_atomic; "
                  f"write_atomic({str(path)!r}, 'x')")
        subprocess.run([sys.executable, "-c", script], check=True, cwd=tmp_path,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert stat.S_IMODE(os.stat(path).st_mode) == mode


# --- parse_toml: nesting and sizes tomllib cannot parse cheaply are one TOMLDecodeError ---------

@pytest.mark.parametrize(("text", "message"), [
    ("x = " + "[" * 50_000 + "]" * 50_000, "arrays or inline tables nested too deeply"),
    ("x = " + "{a = " * 50_000 + "1" + "}" * 50_000, "arrays or inline tables nested too deeply"),
    ("n = 1\n" + "a." * 50_000 + "b = 1", "a dotted key of more than 100 parts (at line 2, column 1)"),
    ("[" + ".".join(["a"] * 50_000) + "]", "a dotted key of more than 100 parts (at line 1, column 2)"),
    ("x = {" + " . ".join(['"q\\"."'] * 101) + " = 1}", "a dotted key of more than 100 parts (at line 1, column 6)"),
], ids=["arrays", "inline-tables", "dotted-key", "table-header", "quoted-key-parts"])
def test_nesting_too_deep_for_tomllib_is_a_decode_error(text, message):
    """Each of these was a RecursionError or minutes of tomllib; now a TOMLDecodeError."""
    with pytest.raises(tomllib.TOMLDecodeError) as error:
        files.parse_toml(text)
    assert str(error.value) == message


def test_keys_and_values_within_the_bounds_parse_as_tomllib_does():
    """100 key parts, 50 nested arrays and a long dotted name inside a quoted value are ordinary TOML."""
    text = (".".join(["k"] * files.MAX_TOML_KEY_PARTS) + " = 1\n"
            + "deep = " + "[" * 50 + "]" * 50 + "\n"
            + 'prose = "' + "a." * 500 + '"\n')
    assert files.parse_toml(text) == tomllib.loads(text)
