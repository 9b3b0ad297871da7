"""The rows a question reads from a table or figure of the lesson page, as plain text lines.

A generator whose question is answered from a page table (the epoch table, the confusion
matrix, the bins of a feature, ...) declares it here with `carrying`: the question names the
table (Question.needs_table) and holds the rows it needs (Question.table). The lesson page shows
the table itself; the terminal quiz and the LMS exports, which have no page, print these rows
under the prompt. Lines stay within TABLE_WIDTH columns so the terminal's 80 columns hold them
indented; a label too long for that is cut with an ellipsis (numbers are never cut).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from tracegen.quiz.question import Question, fmt
from tracegen.trace import Trace

TABLE_WIDTH = 76
LABEL_WIDTH = 12
MATRIX_CORNER = "true \\ predicted"


def carrying(question: Question | None, table: str, rows: Sequence[str]) -> tuple[Question, ...]:
    """Return a generator's result: the question declared as read from `table`, with its `rows`."""
    if question is None:
        return ()
    return (dataclasses.replace(question, needs_table=table, table=tuple(rows)),)


def label(text: str, width: int = LABEL_WIDTH) -> str:
    """Return a class or column name cut to `width` characters (with an ellipsis when cut)."""
    return text if len(text) <= width else text[:width - 3] + "..."


def epoch_rows(trace: Trace, epochs: Sequence[int] | None = None) -> tuple[str, ...]:
    """Return the epoch table (train loss, val loss, val accuracy), every epoch or the listed ones."""
    wanted = set(epochs) if epochs is not None else None
    lines = [f"{'epoch':>5}  {'train loss':>10}  {'val loss':>10}  {'val accuracy':>12}"]
    lines += [f"{e.epoch:>5}  {fmt(e.train_loss, 4):>10}  {fmt(e.val_loss, 4):>10}  {fmt(e.val_accuracy, 4):>12}"
              for e in trace.epochs if wanted is None or e.epoch in wanted]
    return tuple(lines)


def matrix_rows(trace: Trace) -> tuple[str, ...]:
    """Return the count confusion matrix: one line per true class, the predicted classes in columns."""
    ev = trace.evaluation
    names = [label(name, 6) for name in ev.classes]
    width = max(4, *(len(name) for name in names), *(len(str(c)) for row in ev.confusion_matrix for c in row))
    head = max(len(MATRIX_CORNER), *(len(name) + 5 for name in names))
    lines = [f"{MATRIX_CORNER:<{head}}" + "".join(f" {name:>{width}}" for name in names)]
    for name, row in zip(names, ev.confusion_matrix):
        lines.append(f"{'true ' + name:<{head}}" + "".join(f" {count:>{width}}" for count in row))
    if max(len(line) for line in lines) <= TABLE_WIDTH:
        return tuple(lines)
    # Too many classes for one line each: list every true class's row as "predicted: count" pairs.
    return tuple(f"true {name}: " + ", ".join(f"{label(other, 6)} {count}" for other, count in zip(ev.classes, row))
                 for name, row in zip(names, ev.confusion_matrix))


def curve_rows(points: Sequence[tuple[float, float, float]]) -> tuple[str, ...]:
    """Return (threshold, precision, recall) points of the precision-recall curve, one per line."""
    return tuple(f"y_score >= {t:.6g}: precision {fmt(p, 3)}, recall {fmt(r, 3)}" for t, p, r in points)


def bin_rows(trace: Trace, class_index: int) -> tuple[str, ...]:
    """Return one class's recall per bin of the by-feature table: edges, rows of the class, rows found."""
    bins = trace.evaluation.by_feature
    if bins is None:
        return ()
    rates, support = bins.recall[class_index], bins.support[class_index]
    lines = [f"class {label(trace.evaluation.classes[class_index])}, by {label(bins.property)}:"]
    for b, (rate, count) in enumerate(zip(rates, support)):
        found = "-" if rate is None else f"{round(rate * count)}/{count} found, recall {fmt(rate, 3)}"
        lines.append(f"bin {b + 1}: {bins.edges[b]:.3g} to {bins.edges[b + 1]:.3g}: {found}")
    return tuple(lines)


def sample_rows(trace: Trace) -> tuple[str, ...]:
    """Return the sample explorer's rows: outcome, test row, actual class and the probability of the class."""
    explorer = trace.evaluation.samples
    if explorer is None:
        return ()
    ev = trace.evaluation
    name = label(ev.classes[explorer.class_index])
    return tuple(f"{s.outcome} test row {s.test_row}: actual {label(ev.classes[s.actual])}, "
                 f"P({name}) = {fmt(s.probability, 3)}" for s in explorer.samples)


def top_k_rows(trace: Trace) -> tuple[str, ...]:
    """Return the top-k accuracy table, one k per line."""
    return tuple(f"top-{top.k} accuracy: {fmt(top.accuracy, 4)}" for top in trace.evaluation.top_k)
