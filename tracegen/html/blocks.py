"""The blocks of a trace page, and where each goes: placed in the lesson's body, or in the reference part.

A block is one figure or table of the trace (the loss chart, the PR curve, the epoch table...),
named as a lesson's directives name it (tracegen.spec.directives). Each is drawn by its own
partial, the same in the body and in the reference part, and appears once on a page: where the
body places it, or else in the reference part, folded in a <details> when the body placed
others (the loss chart stays open: every page that trains shows it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from tracegen.errors import SpecError
from tracegen.spec import LessonSpec
from tracegen.spec.directives import Directive

# Every block in reference-part order: (kind, name) -> (partial, what a trace needs to have the block).
BLOCKS: dict[tuple[str, str], tuple[str, str]] = {
    ("table", "data_flow"): ("_data_flow.html", "a recorded pipeline"),
    ("figure", "loss_chart"): ("_loss_chart.html", "a trained model (an evaluation-only trace has no epochs)"),
    ("table", "epochs"): ("_epochs.html", "a trained model (an evaluation-only trace has no epochs)"),
    ("figure", "prediction"): ("_prediction.html", "a traced test row (an evaluation-only trace has none)"),
    ("table", "metrics"): ("_metrics.html", "an evaluation"),
    ("figure", "pr_curve"): ("_curve.html", "a precision-recall curve"),
    ("figure", "roc_curve"): ("_curve.html", "a ROC curve"),
    ("table", "per_class"): ("_per_class.html", "a multiclass task"),
    ("figure", "confusion_matrix"): ("_confusion.html", "an evaluation"),
    ("table", "thresholds"): ("_thresholds.html", "a binary task"),
    ("explorer", "threshold"): ("_explorer.html", "a binary task"),
    ("table", "report"): ("_report.html", "a multiclass task of at most 4 classes"),
    ("table", "normalized_confusion"): ("_normalized.html", "at most 4 classes"),
    ("figure", "tuned_threshold"): ("_tuned.html", "a binary task with evaluation.tune_threshold"),
    ("table", "by_feature"): ("_by_feature.html", "evaluation.by_feature"),
    ("figure", "samples"): ("_samples.html", "evaluation.explore_class"),
    ("figure", "weights"): ("_weights.html", "image features and evaluation.snapshots = [early, late], "
                                             "without explore_class or by_feature"),
    ("table", "snapshots"): ("_snapshots.html", "a binary task with evaluation.snapshots"),
    ("figure", "reliability"): ("_reliability.html", "a binary task with evaluation.calibration"),
    ("table", "cost_thresholds"): ("_cost_thresholds.html", "a binary task with evaluation.costs"),
    ("table", "compared_runs"): ("_compared.html", "a [compare] table of runs"),
    ("table", "robust_metrics"): ("_robust_metrics.html", "an evaluation"),
    ("table", "pr_areas"): ("_pr_areas.html", "a binary task"),
}
# Shown only where a lesson's body places them: folded into every other page they would cost it page weight.
PLACED_ONLY = frozenset({("table", "robust_metrics"), ("table", "pr_areas")})
# Stays open in the reference part when the body does not place it.
NEVER_FOLDED = frozenset({("figure", "loss_chart")})


@dataclass(frozen=True)
class Block:
    """One figure or table of the page: its directive name, its title, its partial and what that partial shows."""

    kind: str
    name: str
    title: str
    template: str
    # The record the partial draws when it is one of several of its kind (a curve); else None.
    item: Any = None

    @property
    def element_id(self) -> str:
        """Return the block's anchor, the same wherever it is placed: figure-pr-curve, table-epochs..."""
        return f"{self.kind}-{self.name.replace('_', '-')}"

    @property
    def directive(self) -> str:
        """Return the directive that places it."""
        return f"[[ {self.kind} {self.name} ]]"


@dataclass(frozen=True)
class PlacedBlock:
    """A block where it is shown, open or folded in a <details>."""

    block: Block
    folded: bool = False


@dataclass(frozen=True)
class BodyPart:
    """One part of the lesson body: a run of the author's prose (sanitized HTML), or a placed block."""

    html: Markup | None = None
    placed: PlacedBlock | None = None


def page_blocks(*, data_flow: Sequence[Any], training: Any, prediction: Any, evaluation: Any,
                catalogue: Any, placed: frozenset[tuple[str, str]] = frozenset()) -> dict[tuple[str, str], Block]:
    """Return the blocks this page's trace has, in reference-part order, with their titles.

    A PLACED_ONLY block is left out unless `placed` (the body's directives) names it.

    `training` and `prediction` are None for an evaluation-only trace. The records are those
    of tracegen.html.lesson, .evaluation and .catalogue; only what decides a title is read here.
    """
    curves = {curve.curve_id: curve for curve in evaluation.curves}
    cat = catalogue
    titles: dict[tuple[str, str], str | None] = {
        ("table", "data_flow"): f"Data flow: {len(data_flow)} stages",
        ("figure", "loss_chart"): None if training is None else "Training trace: log loss per epoch",
        ("table", "epochs"): None if training is None else f"Epoch table: {len(training.rows)} epochs",
        ("figure", "prediction"): None if prediction is None else
        f"Prediction trace: test row {prediction.test_row}",
        ("table", "metrics"): f"Evaluation: {evaluation.n_test} test rows",
        ("figure", "pr_curve"): curves["pr"].title if "pr" in curves else None,
        ("figure", "roc_curve"): curves["roc"].title if "roc" in curves else None,
        ("table", "per_class"): "Per class: ranking beside decisions" if evaluation.classes else None,
        ("figure", "confusion_matrix"): "Confusion matrix",
        ("table", "thresholds"): "Moving the threshold" if evaluation.thresholds else None,
        ("explorer", "threshold"): "Threshold explorer" if evaluation.task == "binary" else None,
        ("table", "report"): "Classification report" if cat.report else None,
        ("table", "normalized_confusion"): "Normalized confusion matrices" if cat.normalized else None,
        ("figure", "tuned_threshold"): "Threshold tuned on validation, applied to test" if cat.tuned else None,
        ("table", "by_feature"): f"Recall by {cat.by_feature.property}" if cat.by_feature else None,
        ("figure", "samples"): f"Sample explorer: class {cat.explored_class}" if cat.sample_groups else None,
        ("figure", "weights"): "Weights as heat maps" if cat.weights else None,
        ("table", "snapshots"): "Snapshots at chosen epochs: confusion counts" if cat.snapshots else None,
        ("figure", "reliability"): "Reliability diagram: raw against calibrated" if cat.reliability else None,
        ("table", "cost_thresholds"): "Thresholds priced by cost" if cat.costs else None,
        ("table", "compared_runs"): f"Compared runs: {len(cat.compared.rows)} values of {cat.compared.setting}"
        if cat.compared else None,
        ("table", "robust_metrics"): "Accuracy beside balanced accuracy, MCC and kappa" if cat.robust_metrics else None,
        ("table", "pr_areas"): "Two areas under one precision-recall curve" if cat.pr_areas else None,
    }
    titles.update({key: None for key in PLACED_ONLY - placed})
    items = {("figure", "pr_curve"): curves.get("pr"), ("figure", "roc_curve"): curves.get("roc"),
             ("table", "robust_metrics"): cat.robust_metrics, ("table", "pr_areas"): cat.pr_areas}
    return {key: Block(key[0], key[1], title, BLOCKS[key][0], items.get(key))
            for key, title in titles.items() if title is not None}


def place_blocks(spec: LessonSpec, chunks: Sequence[str | Directive], blocks: dict[tuple[str, str], Block],
                 ) -> tuple[tuple[BodyPart, ...], tuple[PlacedBlock, ...]]:
    """Return the lesson body (prose and the blocks it places) and the reference part (every other block).

    A directive naming a block this trace does not have is a SpecError naming the lesson and its line.
    """
    body: list[BodyPart] = []
    placed: set[tuple[str, str]] = set()
    for chunk in chunks:
        if isinstance(chunk, str):
            body.append(BodyPart(html=Markup(chunk)))  # sanitized in prose.py
            continue
        key = (chunk.kind, chunk.name)
        if key not in blocks:
            raise SpecError(spec.path, "directive", f"{chunk.text}: this lesson's trace has no such block; "
                            f"it needs {BLOCKS[key][1]}", line=chunk.line)
        placed.add(key)
        body.append(BodyPart(placed=PlacedBlock(blocks[key])))
    return tuple(body), reference_blocks(blocks, placed)


def folded(placed: set[tuple[str, str]] | frozenset[Any], key: tuple[str, str]) -> bool:
    """Return whether a block the body did not place is folded in the reference part.

    Once the body places any block, the others are reference material, folded; the loss chart never is.
    """
    return bool(placed) and key not in placed and key not in NEVER_FOLDED


def reference_blocks(blocks: dict[tuple[str, str], Block], placed: set[tuple[str, str]] | frozenset[Any] = frozenset(),
                     ) -> tuple[PlacedBlock, ...]:
    """Return the blocks not placed in the body, each folded or open as `folded` decides."""
    return tuple(PlacedBlock(block, folded=folded(placed, key))
                 for key, block in blocks.items() if key not in placed)

