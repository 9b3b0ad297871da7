"""Trace -> the text `tracegen run` prints: data flow, training, prediction, evaluation, catalogue views."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from tracegen.charts.ascii import loss_chart, pr_chart
from tracegen.charts.images import (
    class_weights,
    image_side,
    positive_image,
    shade_image,
    side_by_side,
    weight_snapshots,
)
from tracegen.formats import fmt_example, fmt_shape, fmt_values
from tracegen.terminal.text import WIDTH, wrap
from tracegen.trace import Trace

# Width of the stage label column of the data flow ("3. normalize").
STAGE_LABEL = 14


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int],
          align: str | None = None) -> list[str]:
    """Return a plain-text table; cells wider than their column wrap onto more lines."""
    align = align or "l" * len(headers)

    def cell_lines(row: Sequence[str]) -> list[str]:
        wrapped = [textwrap.wrap(str(cell), width) or [""] for cell, width in zip(row, widths)]
        height = max(len(w) for w in wrapped)
        out = []
        for i in range(height):
            cells = []
            for lines, width, a in zip(wrapped, widths, align):
                text = lines[i] if i < len(lines) else ""
                cells.append(text.rjust(width) if a == "r" else text.ljust(width))
            out.append("  ".join(cells).rstrip())
        return out

    lines = cell_lines(headers)
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.extend(cell_lines(row))
    return lines


def heading(text: str) -> list[str]:
    """Return a section heading underlined with '=', after a blank line."""
    return ["", text, "=" * len(text)]


def data_flow(trace: Trace) -> list[str]:
    """Return each stage (shapes in and out, operation, one real row before and after) and the scaler statistics.

    One block per stage rather than a five-column table: the operation and the example row are
    too long for columns within 80.
    """
    lines = heading(f"Data Flow - {len(trace.stages)} stages")
    for number, stage in enumerate(trace.stages, start=1):
        label = f"{number}. {stage.name}".ljust(STAGE_LABEL)
        indent = " " * STAGE_LABEL
        lines += wrap(f"{fmt_shape(stage.input_shape)} -> {fmt_shape(stage.output_shape)}", label, indent)
        fitted = f". Fitted on {stage.fitted_on}." if stage.fitted_on else ""
        lines += wrap(stage.operation + fitted, indent)
        lines += wrap(fmt_example(stage.example_in), indent + "row in:  ", indent + " " * 9)
        lines += wrap(fmt_example(stage.example_out), indent + "row out: ", indent + " " * 9)
    normalize = next((s for s in trace.stages if s.name == "normalize"), None)
    if normalize is not None and normalize.fitted_params:
        lines.append("")
        lines.append(f"Scaler statistics (fitted on {normalize.fitted_on}):")
        for name, values in normalize.fitted_params.items():
            lines.append(f"  {name:<5} {fmt_values(values, limit=6, digits=3)}")
    return lines


def training(trace: Trace) -> list[str]:
    """Return the loss chart, the epoch table and the snapshot lines."""
    chart = loss_chart(trace)
    lines = heading("Training Trace - epoch by epoch")
    lines.append(f"Validation rows: {trace.validation}")
    lines.append("")
    lines += list(chart.lines)
    lines.append("")
    rows = [(str(e.epoch), f"{e.train_loss:.4f}", f"{e.train_accuracy:.4f}", f"{e.val_loss:.4f}",
             f"{e.val_accuracy:.4f}") for e in trace.epochs]
    lines += table(("epoch", "train loss", "train acc", "val loss", "val acc"), rows, (5, 10, 9, 8, 7), "rrrrr")
    if trace.snapshots:
        lines.append("")
        lines.append("Snapshots (logged at the end of chosen epochs, on the validation rows):")
        for s in trace.snapshots:
            matrix = " ".join("[" + " ".join(str(c) for c in row) + "]" for row in s.confusion_matrix) \
                if len(s.confusion_matrix) <= 3 else f"{len(s.confusion_matrix)}x{len(s.confusion_matrix)} matrix"
            lines += wrap(f"ROC AUC {s.roc_auc:.4f}, accuracy {s.accuracy:.4f}, confusion {matrix}",
                          f"  epoch {s.epoch:>3}: ", " " * 13)
    return lines


def prediction(trace: Trace) -> list[str]:
    """Return the traced test row from raw values to its predicted label."""
    p = trace.prediction
    assert p is not None  # render() asks for this section only when the trace holds a traced row
    classes = trace.evaluation.classes
    lines = heading(f"Prediction Trace - test row {p.test_row}, actual class {p.actual}")
    lines.append(f"  1 raw          {fmt_values(p.raw, limit=6)}")
    lines.append(f"  2 normalized   {fmt_values(p.normalized, limit=6)}")
    if p.score:
        lines += wrap(f"{fmt_values(p.score, limit=6, digits=4)} (decision_function)", "  3 score        ")
    else:
        lines.append("  3 score        (a neural network has no decision_function)")
    if len(classes) == 2:
        lines.append(f"  4 probability  P({classes[1]}) = {p.probability[1]:.4f}")
    else:
        best = sorted(range(len(classes)), key=lambda i: -p.probability[i])[:3]
        lines += wrap(", ".join(f"P({classes[i]}) = {p.probability[i]:.4f}" for i in best) + " (top 3)",
                      "  4 probability  ")
    verdict = "correct" if p.predicted == p.actual else "wrong"
    lines += wrap(f"{p.rule} -> predicted {p.predicted} ({verdict})", "  5 label        ")
    return lines


def confusion(matrix: Sequence[Sequence[int]], classes: Sequence[str]) -> list[str]:
    """Return a confusion matrix with class names as row and column labels."""
    width = max(6, *(len(c) for c in classes)) + 1
    lines = ["rows = true class, columns = predicted class"]
    lines.append(" " * width + "".join(c[:width - 1].rjust(width) for c in classes))
    for name, row in zip(classes, matrix):
        lines.append(name[:width - 1].rjust(width) + "".join(str(v).rjust(width) for v in row))
    return lines


def evaluation(trace: Trace) -> list[str]:
    """Return the test-row evaluation (PR chart and thresholds, or per-class scores) and the catalogue views."""
    ev = trace.evaluation
    lines = heading(f"Evaluation - {len(ev.y_true)} test rows")
    if ev.task == "binary":
        curve, prevalence = ev.pr_curve, ev.prevalence
        # Optional in the record only because multiclass runs share it; a binary run always has both.
        assert curve is not None and prevalence is not None
        chart = pr_chart(curve, prevalence)
        lines.append(chart.title)
        lines += list(chart.lines)
        lines.append("")
        lines += wrap(f"Average precision (AP) {ev.average_precision:.4f}  vs chance level (prevalence of "
                      f"class {ev.classes[1]}) {prevalence:.4f}")
        lines.append(f"ROC AUC {ev.roc_auc:.4f}  vs chance level 0.5")
        lines += wrap(f"PR curve: {len(curve.thresholds)} thresholds, {len(curve.precision)} points "
                      f"(the last, P=1 R=0, is a sentinel with no threshold)")
        lines.append("")
        lines.append(f"Confusion matrix at the model's own rule (accuracy {ev.accuracy:.4f}):")
        lines += confusion(ev.confusion_matrix, ev.classes)
        if ev.at_thresholds:
            lines.append("")
            rows = [(m.rule, " ".join(str(v) for row in m.confusion_matrix for v in row), f"{m.precision:.4f}",
                     f"{m.recall:.4f}", f"{m.f1:.4f}", f"{m.accuracy:.4f}") for m in ev.at_thresholds]
            lines += table(("rule", "tn fp fn tp", "precision", "recall", "f1", "accuracy"), rows,
                           (16, 15, 9, 6, 6, 8), "lrrrrr")
    else:
        rows = [(c.class_name, f"{c.roc_auc:.4f}", f"{c.average_precision:.4f}", f"{c.prevalence:.4f}",
                 f"{ev.classification_report[c.class_name]['precision']:.4f}",
                 f"{ev.classification_report[c.class_name]['recall']:.4f}") for c in ev.per_class]
        lines += table(("class", "ROC AUC", "AP", "prevalence", "precision", "recall"), rows,
                       (10, 7, 6, 10, 9, 6), "lrrrrr")
        lines.append("")
        lines.append(f"ROC AUC one-vs-rest: micro {ev.roc_auc_micro:.4f}, macro {ev.roc_auc_macro:.4f}")
        lines += wrap(f"Accuracy {ev.accuracy:.4f}" + "".join(f", top-{t.k} accuracy {t.accuracy:.4f}"
                                                      for t in ev.top_k))
        lines.append("")
        lines += confusion(ev.confusion_matrix, ev.classes)
    return lines + catalogue(trace)


def render(trace: Trace, title: str) -> str:
    """Return the whole trace as terminal text."""
    lines = wrap(f"{title}  (lesson {trace.lesson}, seed {trace.seed}, trace {trace.hash[:12]})")
    # An evaluation-only trace (--predictions) has no training run and no traced row.
    sections = [data_flow, evaluation]
    if trace.epochs:
        sections.insert(1, training)
    if trace.prediction is not None:
        sections.insert(-1, prediction)
    for section in sections:
        lines += section(trace)
    return "\n".join(lines) + "\n"


def provenance(trace: Trace) -> str:
    """Return the provenance block: versions, fingerprint and the run's wall times."""
    lines = heading("Provenance")
    lines.append(f"  seed {trace.seed}")
    lines.append(f"  trace hash {trace.hash}")
    lines += wrap(f"data {trace.data.fingerprint}", "  ")
    lines += wrap(", ".join(f"{name} {v}" for name, v in trace.versions.items()), "  ")
    if trace.timings:
        lines += wrap(", ".join(f"{name} {seconds * 1000:.1f} ms" for name, seconds in trace.timings.items()),
                      "  wall time: ", "    ")
    return "\n".join(lines) + "\n"


# --- catalogue views (issue 6): tuned threshold, bins, samples, weights (images from charts.images) -----

def threshold_choice(trace: Trace) -> list[str]:
    """Return the default and the F1-tuned threshold's test metrics (empty unless the lesson tuned one)."""
    choice = trace.evaluation.threshold_choice
    if choice is None:
        return []
    lines = ["", *wrap(f"Threshold tuned for F1 on {len(choice.validation_y_true)} validation rows: "
                       f"{choice.threshold:.4f} (validation F1 {choice.validation_score:.4f}); applied to the test "
                       "rows:")]
    rows = [(label, " ".join(str(v) for row in m.confusion_matrix for v in row), f"{m.precision:.4f}",
             f"{m.recall:.4f}", f"{m.f1:.4f}", f"{m.accuracy:.4f}")
            for label, m in (("default 0.5", choice.default), (f"tuned {choice.threshold:.4f}", choice.test))]
    return lines + table(("rule", "tn fp fn tp", "precision", "recall", "f1", "accuracy"), rows,
                         (16, 15, 9, 6, 6, 8), "lrrrrr")


def feature_bins(trace: Trace) -> list[str]:
    """Return recall per class in quantile bins of a feature (empty unless the lesson asked for bins)."""
    bins = trace.evaluation.by_feature
    if bins is None:
        return []
    n = len(bins.counts)
    lines = ["", *wrap(f"Recall per class in {n} quantile bins of {bins.property} (rows per bin: "
                       f"{', '.join(str(c) for c in bins.counts)}):")]
    headers = ("class", *(f"{bins.edges[b]:.3g}-{bins.edges[b + 1]:.3g}" for b in range(n)))
    rows = [(name, *("-" if r is None else f"{r:.3f}" for r in rates))
            for name, rates in zip(trace.evaluation.classes, bins.recall)]
    return lines + table(headers, rows, (8, *(max(11, len(h)) for h in headers[1:])), "l" + "r" * n)


def samples(trace: Trace) -> list[str]:
    """Return the TP, FP and FN samples of one class, as images when the features are square pixels."""
    explorer = trace.evaluation.samples
    if explorer is None:
        return []
    ev = trace.evaluation
    name = ev.classes[explorer.class_index]
    lines = ["", *wrap(f"Sample explorer for class {name}: TP, FP, FN, most confident first")]
    side = image_side(len(explorer.samples[0].values)) if explorer.samples else None
    for outcome in ("TP", "FP", "FN"):
        group = [s for s in explorer.samples if s.outcome == outcome]
        lines.append(f"{outcome} ({len(group)} shown)")
        if not group:
            continue
        if side is None:
            lines += [line for s in group for line in wrap(
                f"test row {s.test_row}: true {ev.classes[s.actual]}, predicted {ev.classes[s.predicted]}, "
                f"P({name}) {s.probability:.3f}, values {fmt_values(s.values)}", "  ", "    ")]
            continue
        low, high = 0.0, max(max(s.values) for s in group)
        blocks = [[f"row {s.test_row}", f"true {ev.classes[s.actual]} pred {ev.classes[s.predicted]}",
                   f"P({name})={s.probability:.3f}", *shade_image(s.values, side, low, high)] for s in group]
        lines += side_by_side_rows(blocks)
    return lines


def weight_maps(trace: Trace) -> list[str]:
    """Return each class's linear weights as an image at the first and last snapshot (pixel features only)."""
    side = image_side(trace.data.n_features)
    shots = weight_snapshots(trace)
    if not shots or side is None:
        return []
    lines = ["", *wrap(f"Weights per class as {side}x{side} maps: darker = larger positive weight (ink there "
                       "raises the class's score); blank = zero or negative")]
    for snap in shots:
        lines.append(f"epoch {snap.epoch}:")
        lines += side_by_side_rows([[f"class {name}", *positive_image(values, side)]
                                    for name, values in class_weights(trace, snap)])
    return lines


def side_by_side_rows(blocks: Sequence[Sequence[str]], gap: int = 3) -> list[str]:
    """Return text blocks side by side, as many to a row as fit within WIDTH, rows apart by a blank line."""
    block_width = max(len(line) for block in blocks for line in block)
    per_row = max(1, (WIDTH + gap) // (block_width + gap))
    lines: list[str] = []
    for start in range(0, len(blocks), per_row):
        lines += ([""] if start else []) + side_by_side(blocks[start:start + per_row], gap)
    return lines


def catalogue(trace: Trace) -> list[str]:
    """Return the optional views a lesson asked for (empty when it asked for none)."""
    return threshold_choice(trace) + feature_bins(trace) + samples(trace) + weight_maps(trace)
