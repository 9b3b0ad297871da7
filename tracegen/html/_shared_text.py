"""The plain-text formats and ASCII images the pages share with `tracegen run`, imported in this one place.

They live in tracegen.terminal today; the html package reads them only through this module,
so moving them below both outputs changes this file and nothing else in tracegen/html.
"""

from __future__ import annotations

from tracegen.terminal import (  # MERGE: from tracegen.formats / tracegen.charts.images
    class_weights,
    fmt_example,
    fmt_values,
    image_side,
    positive_image,
    shade_image,
    side_by_side,
    weight_snapshots,
)

__all__ = ["class_weights", "fmt_example", "fmt_values", "image_side", "positive_image", "shade_image",
           "side_by_side", "weight_snapshots"]
