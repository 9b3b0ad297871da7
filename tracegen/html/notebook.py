"""A trace in Jupyter: a compact, self-contained HTML view (key numbers, curves, confusion matrix).

The view carries its own small stylesheet and no script, link or image URL, so it shows the same
in a notebook, an exported notebook or a sanitizing viewer. Importing this module makes it the
HTML view of every Trace (Trace._repr_html_); tracegen.api imports it.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracegen import trace as trace_module
from tracegen.charts.svg import SvgChart
from tracegen.html.env import make_environment, render_page
from tracegen.html.evaluation import pr_view, roc_view
from tracegen.trace import Trace


@dataclass(frozen=True)
class NotebookView:
    """What the notebook view shows of one trace."""

    title: str
    numbers: tuple[tuple[str, str], ...]
    charts: tuple[SvgChart, ...]
    classes: tuple[str, ...]
    confusion_matrix: tuple[tuple[int, ...], ...]
    per_class: tuple[tuple[str, str, str, str], ...]


def notebook_view(trace: Trace) -> NotebookView:
    """Return the notebook view's numbers and charts, every one read from the trace."""
    ev = trace.evaluation
    numbers = [("test rows", str(len(ev.y_true))), ("accuracy", f"{ev.accuracy:.4f}")]
    charts: list[SvgChart] = []
    per_class: list[tuple[str, str, str, str]] = []
    if ev.task == "binary":
        assert ev.pr_curve is not None and ev.roc_curve is not None and ev.prevalence is not None
        numbers += [("ROC AUC", f"{ev.roc_auc:.4f}"), ("average precision", f"{ev.average_precision:.4f}"),
                    (f"prevalence of {ev.classes[1]}", f"{ev.prevalence:.4f}")]
        charts += [pr_view("nb-pr", ev.pr_curve, ev.prevalence, ev.average_precision, "Precision-recall curve").svg,
                   roc_view("nb-roc", ev.roc_curve, ev.roc_auc, "ROC curve").svg]
    else:
        numbers += [("ROC AUC, macro one-vs-rest", f"{ev.roc_auc_macro:.4f}"),
                    ("ROC AUC, micro one-vs-rest", f"{ev.roc_auc_micro:.4f}")]
        per_class = [(c.class_name, f"{c.prevalence:.3f}", f"{c.roc_auc:.4f}", f"{c.average_precision:.4f}")
                     for c in ev.per_class]
    title = f"{trace.lesson}, seed {trace.seed}" if trace.epochs else f"{trace.data.source}"
    return NotebookView(title=title, numbers=tuple(numbers), charts=tuple(charts), classes=ev.classes,
                        confusion_matrix=ev.confusion_matrix, per_class=tuple(per_class))


def trace_html(trace: Trace) -> str:
    """Return the trace's notebook view as one HTML fragment."""
    return render_page(make_environment(), "notebook.html", {"view": notebook_view(trace)})


trace_module.HTML_VIEW = trace_html
