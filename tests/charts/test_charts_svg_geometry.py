"""svg.py geometry: thinning, step paths, the plot box, ticks (moved from test_render.py)."""

from __future__ import annotations

from tracegen.charts import svg


def test_thin_indices_keeps_endpoints():
    """Thinning never exceeds the limit and always keeps the first and last index."""
    for count in (1, 2, 5, 201, 451):
        kept = svg.thin_indices(count, 30)
        assert kept[0] == 0 and kept[-1] == count - 1 and len(kept) <= 30
        assert list(kept) == sorted(set(kept))


def test_step_path_is_steps_post_with_turning_points():
    """Each point steps across to the next x, then vertically; straight vertical runs collapse."""
    assert svg.step_path([(10, 5), (10, 4), (10, 3), (10, 4), (8, 4), (8, 2), (6, 2)]) == "M10,5V3V4H8V2H6"


def test_unit_curve_maps_data_to_plot_box():
    """(0, 0) lands at the bottom-left corner of the plot box and (1, 1) at the top right."""
    chart = svg.unit_curve("c", [0.0, 0.0, 1.0], [0.0, 1.0, 1.0], step=False, chance="diagonal",
                           chance_level=0.5, title="t", x_label="x", y_label="y", description="d")
    left, top, width, height = chart.frame
    curve = chart.series[-1].path
    assert curve == f"M{left},{top + height}V{top}H{left + width}"  # up the left edge, along the top


def test_nice_ticks_cover_the_range():
    """Ticks are round numbers inside the range."""
    assert svg.nice_ticks(0.3371, 1.0569) == (0.4, 0.6, 0.8, 1.0)
    assert svg.nice_ticks(1, 12, count=6) == (2.5, 5.0, 7.5, 10.0)

