"""Finished numbers -> a strip chart: one short tick per run on a shared metric axis, a row per metric.

Like tracegen.charts.svg it only places what it is given (the compared runs' metrics, computed by
scikit-learn in the pipeline); the table beside the chart lists every value.
"""

from __future__ import annotations

from collections.abc import Sequence

from tracegen.charts.svg import MARGIN_LEFT, MARGIN_RIGHT, WIDTH, Axis, Series, SvgChart, Tick, _short, nice_ticks

ROW_GAP = 34
TICK_HALF = 9


def strip_chart(chart_id: str, rows: Sequence[tuple[str, Sequence[float], float | None]], *, title: str,
                x_label: str, description: str) -> SvgChart:
    """Return a chart with one row per (name, run values, the lesson's own value or None).

    Each run is a vertical tick at its value; the lesson's own run is drawn again, longer, in the
    validation colour (orange, dashed), so the reader finds it in the spread.
    """
    values = [v for _, row, _ in rows for v in row]
    ticks = nice_ticks(min(values), max(values), count=4)
    # A little room past the extreme runs, so their ticks are not drawn on the frame.
    pad = 0.03 * ((max(values) - min(values)) or 1.0)
    low, high = min(min(values) - pad, ticks[0]), max(max(values) + pad, ticks[-1])
    height = 24 + ROW_GAP * len(rows) + 30
    x_axis = Axis(low, high, MARGIN_LEFT, WIDTH - MARGIN_RIGHT)
    top, bottom = 14, height - 40
    runs: list[str] = []
    own: list[str] = []
    y_ticks: list[Tick] = []
    for index, (name, row, mine) in enumerate(rows):
        y = _short(top + ROW_GAP * (index + 0.75))
        y_ticks.append(Tick(y, name))
        runs.extend(f"M{x_axis.at(v):g},{_short(y - TICK_HALF / 2):g}v{TICK_HALF:g}" for v in row)
        if mine is not None:
            own.append(f"M{x_axis.at(mine):g},{_short(y - TICK_HALF):g}v{2 * TICK_HALF:g}")
    series = [Series(name="runs", css_class="train", path="".join(runs))]
    if own:
        series.append(Series(name="this lesson's run", css_class="val", path="".join(own)))
    return SvgChart(chart_id=chart_id, title=title, description=description, width=WIDTH, height=height,
                    left=x_axis.start, right=x_axis.end, top=top, bottom=bottom, x_label=x_label, y_label="",
                    x_ticks=tuple(Tick(x_axis.at(v), f"{v:g}") for v in ticks), y_ticks=tuple(y_ticks),
                    series=tuple(series))
