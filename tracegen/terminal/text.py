"""The terminal's page width and the one way text is wrapped to it."""

from __future__ import annotations

import textwrap

# Everything tracegen prints to a terminal fits a classic 80-column window.
WIDTH = 80


def wrap(text: str, first: str = "", indent: str | None = None, width: int = WIDTH) -> list[str]:
    """Return `text` as lines of at most `width` columns, starting with `first`, continued at `indent`.

    Words are never split (a word longer than the line stands on a line of its own), so numbers,
    hashes and paths stay whole and can be copied.
    """
    indent = " " * len(first) if indent is None else indent
    return textwrap.wrap(text, width, initial_indent=first, subsequent_indent=indent,
                         break_long_words=False, break_on_hyphens=False) or [first.rstrip()]
