"""Put a site on disk: file by file into a temporary folder next to the output, then swap it in.

The previous site stays whole until the new one is complete. A build makes two kinds of folder
next to the output, `.<out>.build-<pid>-<token>` (the new site) and `.<out>.old-<pid>-<token>`
(the previous site, during the swap), and writes the site marker into each as it makes it. A later
build removes such a folder only when its name is exactly that, its writer is gone and the marker
is inside, so no folder of the user's is ever touched. A SIGTERM, SIGINT or SIGHUP during the swap
is held until the swap is done; a build killed outright (SIGKILL) between the swap's two renames
leaves the previous site in its old folder, and the next build puts it back before anything else.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from tracegen.errors import OutputError

# Written into every site, so a later build knows it may replace the folder.
MARKER = ".tracegen-site"
MARKER_TEXT = "Built by `tracegen build`; the next build replaces this folder.\n"
# Files a previous output folder may hold that the build carries over unchanged
# (site/README.md is committed to git).
KEEP = ("README.md",)
# The signals that would otherwise end a build between the swap's two renames.
HELD_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
# tempfile.mkdtemp ends a name with 8 characters of this alphabet (test_site_write checks it).
TOKEN = r"[a-z0-9_]{8}"


def check_output(out: Path) -> None:
    """Refuse an output path that is a file, a symbolic link, or a folder holding something other than a site."""
    where = _located(out)
    if not where.name:
        raise OutputError(out, "output", "is the root folder; give a folder for the site")
    if where.is_symlink():
        raise OutputError(out, "output", "is a symbolic link; give the folder itself (a build replaces the folder)")
    if where.exists() and not where.is_dir():
        raise OutputError(out, "output", "is a file, not a folder; give a folder for the site")
    if where.is_dir():
        try:
            entries = {child.name for child in where.iterdir()}
        except OSError as exc:
            raise OutputError(out, "output", f"cannot read the folder: {exc.strerror}") from None
        if entries and MARKER not in entries and not entries <= set(KEEP):
            raise OutputError(out, "output", "the folder exists and was not built by tracegen; refusing to "
                              "replace it (give a new or empty folder)")


def prepare_output(out: Path) -> None:
    """Put back the previous site a killed build left in its old folder (if `out` is missing), then check `out`."""
    restore_previous_site(out)
    check_output(out)


def write_site(files: dict[str, bytes], out: Path) -> None:
    """Write `files` into a temporary folder next to `out`, then swap it in place of `out`.

    Every path in `files` is relative and stays inside the site; every site holds MARKER.
    """
    prepare_output(out)
    _check_inside(files, out)  # every path, before anything is written
    with SiteWriter(out) as site:
        for relative, data in files.items():
            site.add(relative, data)
        site.commit()


class SiteWriter:
    """A new site written file by file into a temporary folder next to `out`, then swapped in by commit().

    A build renders its pages one lesson at a time and hands each file here at once, so no more
    than a lesson is ever held in memory. Leaving the block without commit() (an error, an
    exception, SIGTERM) removes the folder: the previous site stays whole and nothing is left beside.
    `digests` is the sha256 of every file written, by path, for the build manifest.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self.digests: dict[str, str] = {}
        self._temp: Path | None = None
        self._held = contextlib.ExitStack()

    def __enter__(self) -> SiteWriter:
        prepare_output(self.out)
        where = _located(self.out)
        try:
            where.parent.mkdir(parents=True, exist_ok=True)
            remove_stale_temporaries(where)
            self._temp = _made_folder(where, "build")
        except OSError as exc:
            raise OutputError(self.out, "output", f"cannot write next to it: {exc.strerror}") from None
        self._held.enter_context(_sigterm_as_exit())
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._held.close()
        if self._temp is not None:  # not swapped in
            shutil.rmtree(self._temp, ignore_errors=True)
            self._temp = None

    def add(self, relative: str, data: bytes) -> None:
        """Write one file of the site at `relative` (a path inside it; a second add of a path replaces it)."""
        _check_inside((relative,), self.out)
        path = self._folder() / relative
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        except OSError as exc:
            raise OutputError(self.out, "output", f"cannot write: {exc.strerror or exc}") from None
        self.digests[relative] = hashlib.sha256(data).hexdigest()

    def commit(self) -> None:
        """Carry over the KEEP files, then swap the new site in place of `out` (the signals held meanwhile)."""
        temp, where = self._folder(), _located(self.out)
        try:
            for name in KEEP:
                if _is_regular_file(where / name) and name not in self.digests:
                    shutil.copy2(where / name, temp / name)
            # mkdtemp creates the folder private (0700); a site is as readable as any other folder.
            os.chmod(temp, 0o755)
            with _signals_held():
                _swap(temp, where)
                # A signal held during the swap is raised as the block ends; the folder is the site by then.
                self._temp = None
        except OSError as exc:
            raise OutputError(self.out, "output", f"cannot write: {exc.strerror or exc}") from None

    def _folder(self) -> Path:
        if self._temp is None:
            raise RuntimeError("SiteWriter used outside its with block or after commit()")
        return self._temp


def restore_previous_site(out: Path) -> None:
    """If `out` is missing and a build killed mid-swap left the previous site in its old folder, move it back."""
    where = _located(out)
    if not where.name or os.path.lexists(where):
        return
    for folder, kind in _leftovers(where):
        if kind == "old" and _is_real_folder(folder / where.name):
            # Another build may put it back at the same moment; then its rename wins and this one fails.
            with contextlib.suppress(OSError):
                os.rename(folder / where.name, where)
            return


def remove_stale_temporaries(out: Path) -> None:
    """Remove the folders killed builds left next to `out`, after putting back a previous site left in one."""
    restore_previous_site(out)
    for folder, _ in _leftovers(_located(out)):
        shutil.rmtree(folder, ignore_errors=True)


def _located(out: Path) -> Path:
    """Return `out` as an absolute path in its real parent folder, with its own name (`.` and `..` resolved).

    The last part is left as it is, so that a symbolic link at `out` is seen (and refused), not followed.
    """
    if out.name in ("", ".", ".."):
        return Path(os.path.realpath(out))
    return Path(os.path.realpath(out.parent)) / out.name


def _made_folder(where: Path, kind: str) -> Path:
    """Make a `kind` folder ('build' or 'old') next to `where`, holding MARKER from the start."""
    # The pid in the name tells a later build whether the folder's writer is still alive.
    folder = Path(tempfile.mkdtemp(dir=where.parent, prefix=f".{where.name}.{kind}-{os.getpid()}-"))
    (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    return folder


def _leftovers(where: Path) -> list[tuple[Path, str]]:
    """Return the folders next to `where` made by builds that are no longer running, with their kind."""
    prefix = f".{where.name}."
    exact = re.compile(rf"{re.escape(prefix)}(build|old)-([1-9][0-9]*)-{TOKEN}")
    found = []
    for folder in sorted(where.parent.glob(f"{glob.escape(prefix)}*")):
        match = exact.fullmatch(folder.name)
        if match is None or not _is_real_folder(folder) or _alive(match.group(2)):
            continue
        if _is_regular_file(folder / MARKER):
            found.append((folder, match.group(1)))
    return found


def _is_real_folder(path: Path) -> bool:
    """Return whether `path` is a folder itself, not a symbolic link to one."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _is_regular_file(path: Path) -> bool:
    """Return whether `path` is a regular file itself, not a symbolic link, FIFO or device."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _check_inside(files: Iterable[str], out: Path) -> None:
    """Refuse, before anything is written, a file path that would not land inside the site folder."""
    for relative in files:
        # Resolved against the site folder, a path stays inside it when no part is empty, '.' or '..'
        # (an absolute path starts with an empty part); a NUL or backslash is no part of a site's names.
        if any(part in ("", ".", "..") for part in relative.split("/")) or "\0" in relative or "\\" in relative:
            raise OutputError(out, "output", f"refusing to write {relative!r}: not a path inside the site folder")


def _alive(pid: str) -> bool:
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # it exists but belongs to someone else (or is no pid this system has: leave it be)
    return True


@contextlib.contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """Turn SIGTERM into SystemExit while the site is written, so the temporary folder is removed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold HELD_SIGNALS until the block ends, whichever thread of the process they reach; then deliver them.

    pthread_sigmask blocks them in this thread only, and the kernel hands a signal to any thread
    that does not block it (the worker pool's thread, BLAS threads). But Python runs every handler
    in the main thread, so handlers that only note the signal hold it wherever it lands; it is raised
    again once the previous handlers are back. Outside the main thread no handler can be set, and
    the signals are blocked in this thread only.
    """
    arrived: list[int] = []
    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {signum: signal.signal(signum, lambda signum, frame: arrived.append(signum))
                    for signum in HELD_SIGNALS}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for signum, handler in previous.items():
            # None: the handler was not set from Python; the default is the nearest one Python can set.
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        for number in dict.fromkeys(arrived):
            signal.raise_signal(number)


def _swap(new: Path, out: Path) -> None:
    """Replace `out` by `new` with two renames; if the second fails, the old site is moved back."""
    if not os.path.lexists(out):
        os.rename(new, out)
        return
    holder = _made_folder(out, "old")
    old = holder / out.name
    os.rename(out, old)
    try:
        os.rename(new, out)
    except OSError:
        os.rename(old, out)
        shutil.rmtree(holder, ignore_errors=True)
        raise
    shutil.rmtree(holder, ignore_errors=True)
