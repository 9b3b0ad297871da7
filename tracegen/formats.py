"""Plain-text formats of trace values, shared by the terminal output and the lesson pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracegen.trace import Example


def fmt_shape(shapes: Mapping[str, Sequence[int]]) -> str:
    """Return {"train": (800, 10)} as 'train 800x10'."""
    return ", ".join(f"{name} {'x'.join(str(n) for n in shape)}" for name, shape in shapes.items())


def fmt_values(values: Sequence[float], limit: int = 4, digits: int = 2) -> str:
    """Return a row as '[0.52, -1.31, 0.07, ..., 0.44]', eliding the middle of long rows."""
    shown = [f"{v:.{digits}f}" for v in values]
    if len(shown) > limit:
        shown = shown[:limit - 1] + ["...", shown[-1]]
    return "[" + ", ".join(shown) + "]"


def fmt_example(example: Example) -> str:
    """Return an example row with its label."""
    parts = [fmt_values(example.values)] if example.values else []
    if example.label is not None:
        parts.append(f"({example.label})")
    return " ".join(parts)
