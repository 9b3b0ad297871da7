"""The standard streams when they go away: a closed pipe, a closed descriptor, a stream started closed.

`tracegen quiz ... | head -1` closes stdout's reader early; `tracegen ... >&-` starts with no
stdout. Neither is an error of the user's input, so the CLI neither prints a traceback nor
changes its exit code for them (Python's docs, "Note on SIGPIPE").
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TextIO


def report(line: str, code: int) -> int:
    """Print an error or interrupt line on stderr and return `code`; a stderr that cannot take it changes neither."""
    try:
        print(line, file=sys.stderr, flush=True)
    except OSError:
        to_devnull(sys.stderr)
    return code


def reader_gone() -> int:
    """Stop quietly when stdout's reader has gone (`tracegen quiz ... | head -1`), as Python's docs advise."""
    to_devnull(sys.stdout)
    return 1


def to_devnull(stream: TextIO) -> None:
    """Point a broken stream's descriptor at /dev/null, so Python's flush at exit cannot fail on it too."""
    with contextlib.suppress(OSError, ValueError):  # a replaced stream (tests) has no descriptor
        descriptor = stream.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        if devnull != descriptor:  # a closed descriptor's number may be the one open() just returned
            os.dup2(devnull, descriptor)
            os.close(devnull)


def closed_streams_to_devnull() -> None:
    """Give a stream that started closed (`tracegen ... >&-`) /dev/null, as its descriptor too.

    Python sets such a stream to None, so writing to it fails, and the first file tracegen opens
    would take its descriptor number.
    """
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - lives as long as the process
