"""Trace + Questions -> terminal text: the `tracegen run` output (run) and the quiz (quiz)."""

# SHIM: removed at merge. The old tracegen.terminal names, until cli.py imports
# tracegen.terminal.run and render.py imports tracegen.formats / tracegen.charts.images.
from tracegen.charts.images import (  # noqa: F401
    class_weights,
    image_side,
    positive_image,
    shade_image,
    side_by_side,
    weight_snapshots,
)
from tracegen.formats import fmt_example, fmt_values  # noqa: F401
from tracegen.terminal.run import provenance, render  # noqa: F401
