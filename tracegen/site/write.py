"""Put a site in memory on disk: into a temporary folder next to the output, then swap it in.

The previous site stays whole until the new one is complete. A build killed by SIGTERM
removes its temporary folder; one killed by SIGKILL leaves it for the next build to remove
(its name holds the writer's pid, so a live build's folder is never touched).
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from tracegen.errors import OutputError

# Written into every site, so a later build knows it may replace the folder.
MARKER = ".tracegen-site"
MARKER_TEXT = "Built by `tracegen build`; the next build replaces this folder.\n"
# Files a previous output folder may hold that the build carries over unchanged
# (site/README.md is committed to git).
KEEP = ("README.md",)
# The temporary folders a build makes next to `out`: .<out>.build-<pid>-… and .<out>.old-<pid>-….
STALE = re.compile(r"\.(?:build|old)-(?:(\d+)-)?")


def check_output(out: Path) -> None:
    """Refuse an output path that is a file, or a folder holding something other than a tracegen site."""
    if out.exists() and not out.is_dir():
        raise OutputError(out, "output", "is a file, not a folder; give a folder for the site")
    if out.is_dir():
        try:
            entries = {child.name for child in out.iterdir()}
        except OSError as exc:
            raise OutputError(out, "output", f"cannot read the folder: {exc.strerror}") from None
        if entries and MARKER not in entries and not entries <= set(KEEP):
            raise OutputError(out, "output", "the folder exists and was not built by tracegen; refusing to "
                              "replace it (give a new or empty folder)")


def write_site(files: dict[str, bytes], out: Path) -> None:
    """Write `files` into a temporary folder next to `out`, then swap it in place of `out`."""
    check_output(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(out)
        # The pid in the name tells a later build whether the folder's writer is still alive.
        temp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.build-{os.getpid()}-"))
    except OSError as exc:
        raise OutputError(out, "output", f"cannot write next to it: {exc.strerror}") from None
    try:
        with _sigterm_as_exit():
            for relative, data in files.items():
                path = temp / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            for name in KEEP:
                if (out / name).is_file() and name not in files:
                    shutil.copy2(out / name, temp / name)
            # mkdtemp creates the folder private (0700); a site is as readable as any other folder.
            os.chmod(temp, 0o755)
            # A SIGTERM between the swap's two renames would leave no site at `out`: hold it until after.
            with _signals_held():
                _swap(temp, out)
    except OSError as exc:
        shutil.rmtree(temp, ignore_errors=True)
        raise OutputError(out, "output", f"cannot write: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def remove_stale_temporaries(out: Path) -> None:
    """Remove the temporary folders a killed build left next to `out` (their writer is gone).

    If a build was killed between the swap's two renames, `out` is missing and the previous
    site is still whole inside its `.old-` folder: it is moved back first.
    """
    prefix = f".{out.name}."
    for folder in sorted(out.parent.glob(f"{glob.escape(prefix)}*")):
        match = STALE.match(folder.name, len(prefix) - 1)
        if not folder.is_dir() or match is None or _alive(match.group(1)):
            continue
        previous = folder / out.name
        if ".old-" in folder.name and not out.exists() and (previous / MARKER).is_file():
            os.rename(previous, out)
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: str | None) -> bool:
    if pid is None or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else
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
    """Hold SIGTERM and SIGINT until the block ends (they are delivered right after it)."""
    held = {signal.SIGTERM, signal.SIGINT}
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _swap(new: Path, out: Path) -> None:
    """Replace `out` by `new` with two renames; if the second fails, the old site is moved back."""
    if not out.exists():
        os.rename(new, out)
        return
    holder = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-{os.getpid()}-"))
    old = holder / out.name
    os.rename(out, old)
    try:
        os.rename(new, out)
    except OSError:
        os.rename(old, out)
        shutil.rmtree(holder, ignore_errors=True)
        raise
    shutil.rmtree(holder, ignore_errors=True)
