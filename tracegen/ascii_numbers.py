"""Numbers typed by people (options, seeds, CSV cells, quiz answers) are read in ASCII digits only.

Python's int() and float() also take other scripts' digits ("١٢" is 12) and full-width ones, so a
seed or a cell that looks like text to the user, or like a different number, would be used as
a number. Each parser here raises ValueError for any character outside ASCII first.
"""

from __future__ import annotations


def parse_int(text: str) -> int:
    """Return int(text) for text in ASCII; ValueError otherwise."""
    if not text.isascii():
        raise ValueError(f"expected ASCII digits, got {text!r}")
    return int(text)


def parse_float(text: str) -> float:
    """Return float(text) for text in ASCII; ValueError otherwise."""
    if not text.isascii():
        raise ValueError(f"expected ASCII digits, got {text!r}")
    return float(text)
