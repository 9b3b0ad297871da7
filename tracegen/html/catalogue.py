"""The optional evaluation sections a lesson can ask for (issue 6), as page records.

Each is built only when the trace holds its evaluation: classification report, normalized
confusion matrices, the tuned threshold, recall by feature bin, the sample explorer, weight
maps and snapshots. Every number is read from the trace; this code only picks shades and labels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tracegen.charts import svg
from tracegen.charts.images import (
    class_weights,
    image_side,
    ink_level,
    level_runs,
    positive_image,
    side_by_side,
    weight_snapshots,
)
from tracegen.formats import fmt_values
from tracegen.html.calibration_views import CostView, ReliabilityView, cost_view, reliability_view
from tracegen.html.compared import ComparedView, compared_view
from tracegen.html.evaluation import HeatCell, ThresholdRow, shade_level
from tracegen.html.metric_tables import ScoreTable, pr_areas_table, robust_metrics_table
from tracegen.trace import Trace

# Normalized confusion matrices are shown in full only up to this many classes (page weight).
MAX_NORMALIZED_CLASSES = 4
OUTCOME_TITLES = {"TP": "True positives", "FP": "False positives", "FN": "False negatives"}
# Diverging shade classes for weights -3..3 (negative red, positive blue); one letter and three steps
# a side keep the SVG small (page weight).
WEIGHT_STEPS = 3
WEIGHT_CLASSES = {-3: "f", -2: "e", -1: "d", 0: "", 1: "a", 2: "b", 3: "c"}
# The ASCII weight maps are laid out this many classes to a line of blocks, and the SVG maps this many to a row.
WEIGHT_BLOCKS_PER_LINE = 5
# A sample image's grey levels besides blank: few levels keep the SVG to a handful of paths (page weight).
PIXEL_LEVELS = 3
# Height of the band above each weight map that holds its class name (SVG units: one unit per pixel).
LABEL_BAND = 2


@dataclass(frozen=True)
class ShareMap:
    """A confusion matrix normalized over rows ('true') or columns ('pred')."""

    title: str
    caption: str
    classes: tuple[str, ...]
    rows: tuple[tuple[str, tuple[HeatCell, ...]], ...]


@dataclass(frozen=True)
class TunedThreshold:
    """The threshold tuned on validation rows, and the default rule, both measured on test rows."""

    threshold: float
    validation_score: float
    n_validation: int
    rows: tuple[ThresholdRow, ...]
    svg: svg.SvgChart


@dataclass(frozen=True)
class BinCell:
    """Recall of one class within one bin (None: no rows of the class there), its support and shade."""

    recall: float | None
    support: int
    level: int


@dataclass(frozen=True)
class FeatureView:
    """Recall per class per quantile bin of one property of the test rows."""

    property: str
    bins: tuple[str, ...]
    counts: tuple[int, ...]
    rows: tuple[tuple[str, tuple[BinCell, ...]], ...]


@dataclass(frozen=True)
class SampleView:
    """One explored test row: labels, probability and its image (or a few values).

    An image is `side` x `side` pixels: SVG path data per grey level ("p1", "p2", then "" for
    the darkest; darker = more ink) and its pixel values as text, one line per pixel row (the image's text equivalent).
    """

    test_row: int
    actual: str
    predicted: str
    probability: float
    side: int
    paths: tuple[tuple[str, str], ...]
    pixel_rows: tuple[str, ...]
    values: str


@dataclass(frozen=True)
class SampleGroup:
    """TP, FP or FN rows of the explored class."""

    outcome: str
    title: str
    samples: tuple[SampleView, ...]


@dataclass(frozen=True)
class WeightEpoch:
    """Every class's weight maps at one snapshot epoch: one SVG of all maps, and the terminal's ASCII block.

    The SVG is `width` x `height` units, one per pixel: a background square per map, path data per
    diverging shade class (WEIGHT_CLASSES) and each map's class name at (x, y).
    """

    epoch: int
    ascii_lines: tuple[str, ...]
    width: int
    height: int
    backgrounds: str
    paths: tuple[tuple[str, str], ...]
    labels: tuple[tuple[int, int, str], ...]


@dataclass(frozen=True)
class SnapshotRow:
    """A snapshot's ROC AUC, accuracy and binary confusion counts."""

    epoch: int
    roc_auc: float
    accuracy: float
    counts: tuple[int, ...]


@dataclass(frozen=True)
class ReportRow:
    """One row of scikit-learn's classification report (a class, or an average)."""

    name: str
    precision: float | None
    recall: float | None
    f1: float
    support: int


@dataclass(frozen=True)
class Catalogue:
    """The optional evaluation sections a lesson asked for."""

    report: tuple[ReportRow, ...]
    normalized: tuple[ShareMap, ...]
    tuned: TunedThreshold | None
    by_feature: FeatureView | None
    explored_class: str
    sample_groups: tuple[SampleGroup, ...]
    weights: tuple[WeightEpoch, ...]
    snapshots: tuple[SnapshotRow, ...]
    # Which rows the snapshots were logged on (the trace's `validation` description).
    validation: str = ""
    # The explored rows' image width in pixels (0: the features are not a square image).
    image_side: int = 0
    # Issue 16: the reliability diagram and the thresholds priced by cost (tracegen.html.calibration_views).
    reliability: ReliabilityView | None = None
    costs: CostView | None = None
    # A [compare] lesson's runs side by side (tracegen.html.compared); None for a one-run lesson.
    compared: ComparedView | None = None
    # Accuracy beside the imbalance-robust scores, and the PR curve's two areas (tracegen.html.metric_tables).
    robust_metrics: ScoreTable | None = None
    pr_areas: ScoreTable | None = None


def share_maps(trace: Trace) -> tuple[ShareMap, ...]:
    """Return the row- and column-normalized confusion matrices (small class counts only)."""
    ev = trace.evaluation
    if not ev.confusion_matrix_normalized or len(ev.classes) > MAX_NORMALIZED_CLASSES:
        return ()
    titles = {"true": ("Row-normalized (normalize=\"true\")",
                       "Each row sums to 1: the diagonal is each class's recall."),
              "pred": ("Column-normalized (normalize=\"pred\")",
                       "Each column sums to 1: the diagonal is each class's precision.")}
    maps = []
    for how, (title, caption) in titles.items():
        matrix = ev.confusion_matrix_normalized[how]
        rows = tuple((name, tuple(HeatCell(share, shade_level(share), i == j) for j, share in enumerate(row)))
                     for i, (name, row) in enumerate(zip(ev.classes, matrix)))
        maps.append(ShareMap(title=title, caption=caption, classes=ev.classes, rows=rows))
    return tuple(maps)


def tuned_threshold_view(trace: Trace) -> TunedThreshold | None:
    """Return the tuned-versus-default table and precision, recall and F1 against the threshold."""
    ev = trace.evaluation
    if ev.task != "binary" or ev.threshold_choice is None:
        return None
    choice = ev.threshold_choice
    rows = (ThresholdRow.from_metrics("default: y_score >= 0.5", choice.default),
            ThresholdRow.from_metrics(f"tuned: y_score >= {choice.threshold:.4f}", choice.test))
    curve = ev.pr_curve
    points = sorted(((m.threshold, m.f1) for m in ev.at_thresholds if m.threshold is not None),
                    key=lambda point: point[0])
    drawing = svg.unit_curves(
        "threshold-svg",
        [("precision", "train", curve.thresholds, curve.precision[:-1]),
         ("recall", "val", curve.thresholds, curve.recall[:-1]),
         ("F1", "curve", [threshold for threshold, _ in points], [f1 for _, f1 in points])],
        step=False, chance="horizontal", chance_level=ev.prevalence,
        title="Precision, recall and F1 against the threshold (test rows)", x_label="threshold", y_label="score",
        description="Precision and recall at every threshold of the PR curve, F1 at the thresholds in the table; "
                    "the dashed line is the prevalence.")
    return TunedThreshold(threshold=choice.threshold, validation_score=choice.validation_score,
                          n_validation=len(choice.validation_y_true), rows=rows, svg=drawing)


def feature_view(trace: Trace) -> FeatureView | None:
    """Return recall per class per bin, shaded by recall."""
    bins = trace.evaluation.by_feature
    if bins is None:
        return None
    labels = tuple(f"{bins.edges[b]:.3g} – {bins.edges[b + 1]:.3g}" for b in range(len(bins.counts)))
    rows = tuple((name, tuple(BinCell(r, n, 0 if r is None else shade_level(r)) for r, n in zip(rates, support)))
                 for name, rates, support in zip(trace.evaluation.classes, bins.recall, bins.support))
    return FeatureView(property=bins.property, bins=labels, counts=bins.counts, rows=rows)


def sample_groups(trace: Trace) -> tuple[SampleGroup, ...]:
    """Return the explored rows grouped TP, FP, FN, each drawn as an image when the features are one."""
    explorer = trace.evaluation.samples
    if explorer is None:
        return ()
    ev = trace.evaluation
    side = image_side(trace.data.n_features)
    groups = []
    for outcome, title in OUTCOME_TITLES.items():
        rows = [s for s in explorer.samples if s.outcome == outcome]
        high = max((max(s.values) for s in rows), default=1.0)
        views = tuple(SampleView(s.test_row, ev.classes[s.actual], ev.classes[s.predicted], s.probability,
                                 side or 0, *(_image(s.values, side, high) if side else ((), ())),
                                 "" if side else fmt_values(s.values, limit=6)) for s in rows)
        groups.append(SampleGroup(outcome=outcome, title=title, samples=views))
    return tuple(groups)


def _image(values: tuple[float, ...], side: int, high: float) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """Return an image's SVG paths per grey level (shared scale `high` within its group) and its values as text."""
    runs = level_runs([ink_level(v, high, PIXEL_LEVELS) for v in values], side)
    rows = tuple(" ".join(f"{v:g}" for v in values[r * side:(r + 1) * side]) for r in range(side))
    # The darkest level is the paths' default shade, so it needs no class.
    return tuple((f"p{level}" if level < PIXEL_LEVELS else "", d) for level, d in runs.items()), rows


def shows_weights(trace: Trace) -> bool:
    """Return True when the page draws weight maps: square-image features and exactly two weight snapshots.

    Two snapshots (snapshots = [early, late]) is how a lesson asks for the early-versus-late
    comparison. Ten 8x8 maps are heavy for the page budget, so lessons that also explore samples
    or bins leave them to the terminal view (`tracegen run`), which always draws them.
    """
    ev = trace.evaluation
    return (image_side(trace.data.n_features) is not None and len([s for s in trace.snapshots if s.coef]) == 2
            and ev.samples is None and ev.by_feature is None)


def weight_level(weight: float, scale: float) -> int:
    """Return a weight's diverging shade level: its sign, and its size in WEIGHT_STEPS steps of `scale`, rounded up."""
    level = min(WEIGHT_STEPS, math.ceil(abs(weight) / scale * WEIGHT_STEPS))
    return -level if weight < 0 else level


def weight_epochs(trace: Trace) -> tuple[WeightEpoch, ...]:
    """Return the weight maps at the first and last snapshot: one SVG of every class's map and ASCII, for each."""
    side = image_side(trace.data.n_features)
    if side is None or not shows_weights(trace):
        return ()
    epochs = []
    for snap in weight_snapshots(trace):
        weights = class_weights(trace, snap)
        # One character per pixel: the terminal doubles each for its tall cells; a page's text version need not.
        blocks = [[f"class {name}", *(row[::2] for row in positive_image(values, side))] for name, values in weights]
        ascii_lines = [line for start in range(0, len(blocks), WEIGHT_BLOCKS_PER_LINE)
                       for line in side_by_side(blocks[start:start + WEIGHT_BLOCKS_PER_LINE])]
        paths: dict[int, str] = {}
        backgrounds, labels = [], []
        for index, (name, values) in enumerate(weights):
            row, col = divmod(index, WEIGHT_BLOCKS_PER_LINE)
            left, top = col * (side + 1), row * (side + 1 + LABEL_BAND) + LABEL_BAND
            # Sign kept, magnitude scaled to this map's largest |weight|.
            scale = max(abs(v) for v in values) or 1.0
            for level, d in level_runs([weight_level(v, scale) for v in values], side, left, top).items():
                paths[level] = paths.get(level, "") + d
            backgrounds.append(f"M{left} {top - 0.5:g}h{side}v{side}h-{side}z")
            labels.append((left, top - 1, name))
        rows = math.ceil(len(weights) / WEIGHT_BLOCKS_PER_LINE)
        epochs.append(WeightEpoch(
            epoch=snap.epoch, ascii_lines=tuple(ascii_lines),
            width=min(len(weights), WEIGHT_BLOCKS_PER_LINE) * (side + 1) - 1,
            height=rows * (side + 1 + LABEL_BAND) - 1, backgrounds="".join(backgrounds),
            paths=tuple((WEIGHT_CLASSES[level], d) for level, d in sorted(paths.items())), labels=tuple(labels)))
    return tuple(epochs)


def snapshot_rows(trace: Trace) -> tuple[SnapshotRow, ...]:
    """Return binary snapshots with their confusion counts (tn, fp, fn, tp)."""
    if trace.evaluation.task != "binary":
        return ()
    return tuple(SnapshotRow(s.epoch, s.roc_auc, s.accuracy, tuple(v for row in s.confusion_matrix for v in row))
                 for s in trace.snapshots)


def _report_row(name: str, entry: Mapping[str, Any]) -> ReportRow:
    return ReportRow(name, entry["precision"], entry["recall"], entry["f1-score"], int(entry["support"]))


def report_rows(trace: Trace) -> tuple[ReportRow, ...]:
    """Return the classification report as rows, for small multiclass lessons and evaluation-only traces.

    The accuracy row has no precision or recall: scikit-learn reports one number, shown as its F1.
    """
    ev = trace.evaluation
    small_multiclass = ev.task == "multiclass" and len(ev.classes) <= MAX_NORMALIZED_CLASSES
    if not (small_multiclass or trace.prediction is None):
        return ()
    report = ev.classification_report
    rows = [_report_row(name, report[name]) for name in ev.classes if name in report]
    if "accuracy" in report:
        rows.append(ReportRow("accuracy", None, None, report["accuracy"], len(ev.y_true)))
    rows += [_report_row(name, report[name]) for name in ("micro avg", "macro avg", "weighted avg") if name in report]
    return tuple(rows)


def catalogue_view(trace: Trace) -> Catalogue:
    """Return the optional sections for the evaluations this lesson asked for."""
    explorer = trace.evaluation.samples
    return Catalogue(report=report_rows(trace), normalized=share_maps(trace), tuned=tuned_threshold_view(trace),
                     by_feature=feature_view(trace),
                     explored_class=trace.evaluation.classes[explorer.class_index] if explorer else "",
                     sample_groups=sample_groups(trace), weights=weight_epochs(trace),
                     snapshots=snapshot_rows(trace), validation=trace.validation,
                     image_side=(image_side(trace.data.n_features) or 0) if explorer else 0,
                     reliability=reliability_view(trace), costs=cost_view(trace),
                     compared=compared_view(trace), robust_metrics=robust_metrics_table(trace),
                     pr_areas=pr_areas_table(trace))
