"""Old import path of tracegen.charts.svg (SVG chart geometry)."""

# SHIM: removed at merge (render.py and tests/test_render.py then import tracegen.charts.svg)
from tracegen.charts.svg import (  # noqa: F401
    HEIGHT,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    MAX_CURVE_POINTS,
    MAX_LINE_POINTS,
    MAX_MARKERS,
    WIDTH,
    Axis,
    Series,
    SvgChart,
    Tick,
    epoch_lines,
    line_path,
    nice_ticks,
    step_path,
    thin_indices,
    tick_label,
    unit_curve,
    unit_curves,
)
