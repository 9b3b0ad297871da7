"""Flat pixel or weight arrays -> shade-ramp text images and their side-by-side layout (the terminal),
and shade levels as SVG path data (the lesson pages: sample explorer, weight maps of a linear model).

No metric math: the values arrive finished from the trace.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracegen.trace import Snapshot, Trace

# Light to dark; each pixel is drawn twice so an 8x8 image keeps roughly square proportions.
SHADE_RAMP = " .:-=+*#%@"


def shade_level(value: float, low: float, high: float, levels: int = len(SHADE_RAMP)) -> int:
    """Return which of `levels` equal steps between `low` and `high` holds `value` (clipped)."""
    if high <= low:
        return 0
    return min(levels - 1, max(0, int((value - low) / (high - low) * levels)))


def shade_image(values: Sequence[float], side: int, low: float, high: float) -> list[str]:
    """Return a side x side image as text lines, darker characters for larger values."""
    return ["".join(SHADE_RAMP[shade_level(v, low, high)] * 2 for v in values[r * side:(r + 1) * side])
            for r in range(side)]


def level_runs(levels: Sequence[int], side: int, left: int = 0, top: int = 0) -> dict[int, str]:
    """Return SVG path data per non-zero level: each horizontal run of equal pixels as one stroke.

    One path per level instead of a rect per pixel keeps an 8x8 image at a few hundred bytes.
    Row r is the line y = top + r: the SVG's viewBox starts half a unit higher, so a stroke
    of width 1 fills exactly the pixel row. Pixel (r, c) is levels[r * side + c].
    """
    paths: dict[int, list[str]] = {}
    for row in range(side):
        values = levels[row * side:(row + 1) * side]
        start = 0
        for col in range(1, side + 1):
            if col == side or values[col] != values[start]:
                if values[start]:
                    paths.setdefault(values[start], []).append(f"M{left + start} {top + row}h{col - start}")
                start = col
    return {level: "".join(runs) for level, runs in sorted(paths.items())}


def ink_level(value: float, high: float, levels: int) -> int:
    """Return 0 for no ink, else which of `levels` equal steps up to `high` holds `value`, rounded up."""
    if value <= 0 or high <= 0:
        return 0
    return min(levels, math.ceil(value / high * levels))


def image_side(n_features: int) -> int | None:
    """Return the image width when the features are a square image of at least 4x4 pixels, else None."""
    side = int(round(n_features ** 0.5))
    return side if side >= 4 and side * side == n_features else None


def side_by_side(blocks: Sequence[Sequence[str]], gap: int = 3) -> list[str]:
    """Return text blocks placed next to each other (each padded to its widest line)."""
    widths = [max(len(line) for line in block) for block in blocks]
    height = max(len(block) for block in blocks)
    return ["".join((block[i] if i < len(block) else "").ljust(w + gap) for block, w in zip(blocks, widths)).rstrip()
            for i in range(height)]


def positive_image(values: Sequence[float], side: int) -> list[str]:
    """Return a weight map where only positive weights are inked, scaled to this map's largest weight.

    Positive weights are where ink raises the class's score, so the drawn shape reads like the digit.
    """
    return shade_image([max(0.0, v) for v in values], side, 0.0, max(max(values), 1e-12))


def weight_snapshots(trace: Trace) -> list[Snapshot]:
    """Return the first and last snapshots that hold linear weights (one if only one does)."""
    shots = [s for s in trace.snapshots if s.coef]
    return [shots[0], shots[-1]] if len(shots) > 1 else shots


def class_weights(trace: Trace, snap: Snapshot) -> list[tuple[str, tuple[float, ...]]]:
    """Return (class name, weights) per class; a binary model's single row belongs to the positive class."""
    # Callers pass snapshots from weight_snapshots, which keeps only those holding weights.
    assert snap.coef is not None
    rows = [values for key, values in snap.coef.items() if key.startswith("coef[")]
    classes = trace.evaluation.classes
    names = classes if len(rows) == len(classes) else classes[-len(rows):]
    return list(zip(names, rows))
