"""Finished arrays -> SVG chart geometry. No metric math: charts receive finished arrays.

This module only computes positions and path strings; `templates/_svg_chart.html` turns an
SvgChart record into markup. Coordinates are in viewBox units, rounded to 0.1, and long
series are thinned for display (endpoints kept): the page's tables and trace.json keep
every point.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 360
HEIGHT = 250
MARGIN_LEFT = 48
MARGIN_RIGHT = 14
MARGIN_TOP = 14
MARGIN_BOTTOM = 40
MAX_LINE_POINTS = 160
MAX_CURVE_POINTS = 240
MAX_MARKERS = 30


@dataclass(frozen=True)
class Tick:
    """One axis tick: its position in viewBox units and its label."""

    position: float
    label: str


@dataclass(frozen=True)
class Series:
    """One drawn path. `css_class` picks the colour and dash in site.css."""

    name: str
    css_class: str
    path: str
    markers: bool = False

    @property
    def marker_id(self) -> str:
        """Return the id of the dot drawn at every vertex (when `markers` is set), unique per page."""
        return f"dot-{self.css_class.replace(' ', '-')}"


@dataclass(frozen=True)
class SvgChart:
    """Everything a template needs to draw one chart; the plot box is left..right x top..bottom."""

    chart_id: str
    title: str
    description: str
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    x_label: str
    y_label: str
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    series: tuple[Series, ...]
    # A movable point (the threshold explorer's), drawn as the circle `<chart_id>-dot` that its script moves.
    dot: tuple[float, float] | None = None

    @property
    def frame(self) -> tuple[float, float, float, float]:
        """Return the plot box as (x, y, width, height)."""
        return (self.left, self.top, _short(self.right - self.left), _short(self.bottom - self.top))

    @property
    def grid_path(self) -> str:
        """Return one path drawing a grid line at every tick."""
        across = "".join(f"M{self.left:g},{t.position:g}H{self.right:g}" for t in self.y_ticks)
        down = "".join(f"M{t.position:g},{self.top:g}V{self.bottom:g}" for t in self.x_ticks)
        return across + down

    @property
    def y_tick_x(self) -> float:
        """Return where y tick labels end (just left of the plot box)."""
        return _short(self.left - 6)

    @property
    def x_tick_y(self) -> float:
        """Return the baseline of x tick labels (just under the plot box)."""
        return _short(self.bottom + 14)

    @property
    def x_label_at(self) -> tuple[float, float]:
        """Return the position of the x axis label, centred under the ticks."""
        return (_short((self.left + self.right) / 2), self.height - 6)

    @property
    def y_label_at(self) -> tuple[float, float]:
        """Return the position of the rotated y axis label, centred beside the plot box."""
        return (12, _short((self.top + self.bottom) / 2))


@dataclass(frozen=True)
class Axis:
    """A linear map from data values [low, high] to viewBox positions [start, end]."""

    low: float
    high: float
    start: float
    end: float

    def at(self, value: float) -> float:
        """Return the viewBox position of a data value, to 0.1 (whole numbers print without '.0')."""
        if self.high == self.low:
            return _short((self.start + self.end) / 2)
        return _short(self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start))


@dataclass(frozen=True)
class LogAxis:
    """A base-10 logarithmic map from data values [low, high] to viewBox positions [start, end].

    Values at or below `low` (a false positive rate of 0 has no logarithm) are drawn at `start`.
    """

    low: float
    high: float
    start: float
    end: float

    def at(self, value: float) -> float:
        """Return the viewBox position of a data value, to 0.1."""
        decades = math.log10(self.high) - math.log10(self.low)
        share = (math.log10(max(value, self.low)) - math.log10(self.low)) / decades
        return _short(self.start + share * (self.end - self.start))


def _short(value: float) -> float:
    rounded = round(float(value), 1)
    return int(rounded) if rounded.is_integer() else rounded


def thin_indices(count: int, max_points: int) -> tuple[int, ...]:
    """Return up to `max_points` evenly spaced indices into `count` items, first and last kept."""
    if count <= max_points:
        return tuple(range(count))
    step = (count - 1) / (max_points - 1)
    return tuple(sorted({int(round(i * step)) for i in range(max_points)}))


def nice_ticks(low: float, high: float, count: int = 5) -> tuple[float, ...]:
    """Return round tick values covering [low, high] ("nice numbers": steps of 1, 2 or 5 x 10^n)."""
    if high <= low:
        return (low,)
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return tuple(ticks)


def tick_label(value: float) -> str:
    """Return a short tick label: 0.5 -> '0.5', 1.0 -> '1', 0.25 -> '0.25'."""
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"


def line_path(points: Sequence[tuple[float, float]]) -> str:
    """Return 'M x,y L x,y ...', dropping points that round onto the previous one.

    A level or upright segment is written H x or V y (the same line, half the bytes: ROC curves are
    mostly such steps), and a point in the middle of a straight level or upright run is dropped.
    """
    kept: list[tuple[float, float]] = []
    for point in points:
        if kept and point == kept[-1]:
            continue
        if len(kept) >= 2 and _same_run(kept[-2], kept[-1], point):
            kept[-1] = point
        else:
            kept.append(point)
    parts = [f"M{kept[0][0]:g},{kept[0][1]:g}"] if kept else []
    for (x0, y0), (x, y) in zip(kept, kept[1:]):
        parts.append(f"V{y:g}" if x == x0 else f"H{x:g}" if y == y0 else f"L{x:g},{y:g}")
    return "".join(parts)


def _same_run(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> bool:
    """Return True when a -> b -> c goes on along one level or upright line in one direction (b can go)."""
    if a[0] == b[0] == c[0]:
        return (b[1] - a[1]) * (c[1] - b[1]) > 0
    if a[1] == b[1] == c[1]:
        return (b[0] - a[0]) * (c[0] - b[0]) > 0
    return False


def step_path(points: Sequence[tuple[float, float]]) -> str:
    """Return a steps-post path: from each point, across to the next x, then up or down to its y.

    This is matplotlib's drawstyle="steps-post", which PrecisionRecallDisplay uses, so the
    drawn PR curve matches average precision's step sum. Runs of vertical moves at one x keep
    only their turning points, which draws the same line.
    """
    if not points:
        return ""
    x0, y0 = points[0]
    parts = [f"M{x0:g},{y0:g}"]
    x_now, column = x0, [y0]
    for x, y in points[1:]:
        if x != x_now:
            parts.extend(f"V{v:g}" for v in _turning_points(column)[1:])
            parts.append(f"H{x:g}")
            x_now, column = x, [column[-1]]
        if y != column[-1]:
            column.append(y)
    parts.extend(f"V{v:g}" for v in _turning_points(column)[1:])
    return "".join(parts)


def _turning_points(values: Sequence[float]) -> list[float]:
    """Return the first value, every value where the direction reverses, and the last value."""
    kept = list(values[:1])
    for index in range(1, len(values) - 1):
        before, here, after = values[index - 1], values[index], values[index + 1]
        if (here - before) * (after - here) < 0:
            kept.append(here)
    if len(values) > 1:
        kept.append(values[-1])
    return kept


def _frame(chart_id: str, title: str, description: str, x_axis: Axis, y_axis: Axis,
           x_ticks: Sequence[float], y_ticks: Sequence[float], x_label: str, y_label: str,
           series: Sequence[Series], width: int = WIDTH, height: int = HEIGHT) -> SvgChart:
    return SvgChart(
        chart_id=chart_id, title=title, description=description, width=width, height=height,
        left=x_axis.start, right=x_axis.end, top=y_axis.end, bottom=y_axis.start,
        x_label=x_label, y_label=y_label,
        x_ticks=tuple(Tick(x_axis.at(v), tick_label(v)) for v in x_ticks),
        y_ticks=tuple(Tick(y_axis.at(v), tick_label(v)) for v in y_ticks),
        series=tuple(series),
    )


def _axes(x_low: float, x_high: float, y_low: float, y_high: float,
          width: int = WIDTH, height: int = HEIGHT) -> tuple[Axis, Axis]:
    x_axis = Axis(x_low, x_high, MARGIN_LEFT, width - MARGIN_RIGHT)
    y_axis = Axis(y_low, y_high, height - MARGIN_BOTTOM, MARGIN_TOP)
    return x_axis, y_axis


def _unit_axes() -> tuple[Axis, Axis]:
    """Return the axes of every unit-square chart (PR, ROC): data 0..1 on both."""
    return _axes(0.0, 1.0, 0.0, 1.0)


def epoch_lines(chart_id: str, epochs: Sequence[int], series: dict[str, Sequence[float]],
                css_classes: dict[str, str], title: str, y_label: str) -> SvgChart:
    """Return a line chart of per-epoch series (long runs thinned; markers only for short ones)."""
    values = [v for points in series.values() for v in points]
    y_ticks = nice_ticks(min(values), max(values))
    y_low, y_high = min(min(values), y_ticks[0]), max(max(values), y_ticks[-1])
    first, last = epochs[0], epochs[-1]
    x_axis, y_axis = _axes(first, last if last > first else first + 1, y_low, y_high)
    shown = thin_indices(len(epochs), MAX_LINE_POINTS)
    drawn = []
    for name, points in series.items():
        xy = [(x_axis.at(epochs[i]), y_axis.at(points[i])) for i in shown]
        drawn.append(Series(name=name, css_class=css_classes[name], path=line_path(xy),
                            markers=len(epochs) <= MAX_MARKERS))
    x_ticks = [t for t in nice_ticks(first, last, count=min(6, len(epochs))) if float(t).is_integer()]
    description = (f"{' and '.join(series)} for epochs {first} to {last}; "
                   f"the table below lists every value.")
    return _frame(chart_id, title, description, x_axis, y_axis, x_ticks or [first], y_ticks, "epoch", y_label,
                  drawn)


def unit_point(x: float, y: float) -> tuple[float, float]:
    """Return the viewBox position of the data point (x, y) on a unit_curve/unit_curves chart."""
    x_axis, y_axis = _unit_axes()
    return x_axis.at(x), y_axis.at(y)


def unit_curve(chart_id: str, x: Sequence[float], y: Sequence[float], *, step: bool, chance: str,
               chance_level: float, title: str, x_label: str, y_label: str, description: str) -> SvgChart:
    """Return a curve over the unit square with its chance line.

    step=True draws steps-post (the PR curve, recall decreasing); step=False joins the points
    (ROC). `chance` is "horizontal" (at `chance_level`, the PR prevalence) or "diagonal" (ROC).
    """
    return unit_curves(chart_id, [("curve", "curve", x, y)], step=step, chance=chance, chance_level=chance_level,
                       title=title, x_label=x_label, y_label=y_label, description=description)


def unit_curves(chart_id: str, curves: Sequence[tuple[str, str, Sequence[float], Sequence[float]]], *, step: bool,
                chance: str, chance_level: float, title: str, x_label: str, y_label: str,
                description: str) -> SvgChart:
    """Return several (name, css_class, x, y) curves over the unit square, drawn in order, with a chance line."""
    x_axis, y_axis = _unit_axes()
    if chance == "horizontal":
        level = y_axis.at(chance_level)
        chance_path = f"M{x_axis.start:g},{level:g}H{x_axis.end:g}"
    else:
        chance_path = f"M{x_axis.start:g},{y_axis.start:g}L{x_axis.end:g},{y_axis.end:g}"
    series = [Series(name="chance level", css_class="chance", path=chance_path)]
    for name, css_class, x, y in curves:
        points = [(x_axis.at(x[i]), y_axis.at(y[i])) for i in thin_indices(len(x), MAX_CURVE_POINTS)]
        series.append(Series(name=name, css_class=css_class, path=step_path(points) if step else line_path(points)))
    ticks = (0.0, 0.25, 0.5, 0.75, 1.0)
    return _frame(chart_id, title, description, x_axis, y_axis, ticks, ticks, x_label, y_label, series)




def log_x_low(xs: Sequence[Sequence[float]]) -> float:
    """Return the power of ten at or below the smallest positive x of any series: a log axis's left end.

    At most 0.1, so the axis spans a decade even when every positive x is 1 (classes perfectly separated).
    """
    smallest = min((v for x in xs for v in x if v > 0), default=0.1)
    return float(10 ** math.floor(math.log10(min(smallest, 0.1))))


def log_x_curves(chart_id: str, curves: Sequence[tuple[str, str, Sequence[float], Sequence[float]]], *, low: float,
                 title: str, x_label: str, y_label: str, description: str) -> SvgChart:
    """Return ROC-style (name, css_class, x, y) curves with a log-scaled x axis from `low` to 1, and the diagonal.

    A log x axis spreads the corner where x is near 0, where curves with areas near 1 differ. Segments
    joining points are straight in data space, so a slanted one is drawn through points spaced along
    the log axis (it bends there); level and upright ones stay one segment.
    """
    x_axis = LogAxis(low, 1.0, MARGIN_LEFT, WIDTH - MARGIN_RIGHT)
    _, y_axis = _axes(0.0, 1.0, 0.0, 1.0)
    decades = round(-math.log10(low))
    diagonal = [low * 10 ** (i / 8) for i in range(decades * 8 + 1)]
    series = [Series(name="chance level", css_class="chance",
                     path=line_path([(x_axis.at(v), y_axis.at(v)) for v in diagonal]))]
    for name, css_class, x, y in curves:
        points: list[tuple[float, float]] = []
        x_then = y_then = 0.0
        for i in thin_indices(len(x), MAX_CURVE_POINTS):
            if points and x[i] != x_then and y[i] != y_then and x[i] > low:
                points.extend((x_axis.at(v), y_axis.at(y_then + (v - x_then) / (x[i] - x_then) * (y[i] - y_then)))
                              for v in _log_steps(max(x_then, low), x[i]))
            points.append((x_axis.at(x[i]), y_axis.at(y[i])))
            x_then, y_then = x[i], y[i]
        series.append(Series(name=name, css_class=css_class, path=line_path(points)))
    x_ticks = [low * 10 ** i for i in range(decades + 1)]
    return SvgChart(
        chart_id=chart_id, title=title, description=description, width=WIDTH, height=HEIGHT,
        left=x_axis.start, right=x_axis.end, top=y_axis.end, bottom=y_axis.start, x_label=x_label, y_label=y_label,
        x_ticks=tuple(Tick(x_axis.at(v), f"{v:g}") for v in x_ticks),
        y_ticks=tuple(Tick(y_axis.at(v), tick_label(v)) for v in (0.0, 0.25, 0.5, 0.75, 1.0)),
        series=tuple(series))


def _log_steps(start: float, end: float, per_decade: int = 8) -> list[float]:
    """Return the x values strictly between start and end at `per_decade` even steps per decade of a log axis."""
    count = math.ceil((math.log10(end) - math.log10(start)) * per_decade)
    return [start * (end / start) ** (i / count) for i in range(1, count)]
