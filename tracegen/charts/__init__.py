"""Finished arrays -> drawings: ASCII charts (ascii), SVG geometry (svg), shade-ramp images (images).

No module here computes a metric; every value arrives finished from the trace.
"""

from tracegen.charts.ascii import (  # noqa: F401  SHIM: removed at merge (callers use tracegen.charts.ascii)
    LABEL_WIDTH,
    Chart,
    curve_chart,
    epoch_chart,
    loss_chart,
    pr_chart,
    roc_chart,
)
