"""Build progress on stderr: which lesson, n/N, elapsed time and runs per second, then a one-line summary.

On a terminal the progress line is redrawn in place; anywhere else (a log file, CI, a pipe)
each step is a plain line, because carriage returns and escape codes only garble a log.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from typing import TextIO

# Erase the current terminal line after returning to its start.
CLEAR_LINE = "\r\x1b[K"
# A terminal's summary wraps at this width; in a log or a pipe it stays one line, for whatever reads it.
TERMINAL_COLUMNS = 80


class Progress:
    """Report build steps to a stream; a None stream (``-q``) reports nothing."""

    def __init__(self, stream: TextIO | None, *, clock: Callable[[], float] = time.perf_counter) -> None:
        self.stream = stream
        self.clock = clock
        self.started = clock()
        self.redraw = stream is not None and stream.isatty()
        self._open_line = False

    def elapsed(self) -> float:
        """Return seconds since the build started."""
        return self.clock() - self.started

    def step(self, done: int, total: int, label: str, source: str) -> None:
        """Report that run `done` of `total` (lesson `label`) finished; `source` is 'ran' or 'cache'."""
        if self.stream is None:
            return
        elapsed = self.elapsed()
        # The rate tells a teacher building a course how long the rest will take.
        rate = f", {done / elapsed:.1f} runs/s" if elapsed > 0 and done > 1 else ""
        text = f"[{done}/{total}] {label} ({source}) {elapsed:.1f} s{rate}"
        if self.redraw:
            self.stream.write(CLEAR_LINE + text)
            self._open_line = True
        else:
            self.stream.write(f"tracegen: {text}\n")
        self.stream.flush()

    def summary(self, text: str) -> None:
        """End the progress display with one summary line."""
        if self.stream is None:
            return
        if self._open_line:
            self.stream.write(CLEAR_LINE)
            self._open_line = False
        line = f"tracegen: {text}"
        # On a terminal, words stay whole, so that a path stays one piece to copy.
        lines = textwrap.wrap(line, TERMINAL_COLUMNS, subsequent_indent="  ", break_long_words=False,
                              break_on_hyphens=False) if self.redraw else [line]
        self.stream.write("".join(line + "\n" for line in lines))
        self.stream.flush()

    def abandon(self) -> None:
        """Erase a redrawn progress line, so that an error line printed next starts clean."""
        if self.stream is not None and self._open_line:
            self.stream.write(CLEAR_LINE)
            self.stream.flush()
            self._open_line = False
