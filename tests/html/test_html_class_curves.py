"""html/class_curves.py and the multiclass ROC block: every class named and drawn, words true to the trace.

Expected numbers are recomputed here with scikit-learn from the trace's y_true and probabilities.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

from tracegen.html import env as html_env, evaluation, lesson
from tracegen.html.class_curves import CROWDED_AUC, class_roc
from tracegen.pipeline.evaluate import evaluate


def _arrays(ev):
    return np.array(ev.y_true), np.array(ev.y_score)


@pytest.fixture(scope="module")
def page(multiclass_spec, multiclass_trace):
    context = lesson.lesson_context(multiclass_spec, multiclass_trace, (), root="../", variants=(),
                                    build=lesson.BuildInfo(reproducible=True), max_table_rows=12)
    return html_env.render_page(html_env.make_environment(), "lesson.html", context)


def _roc_block(page: str) -> str:
    start = page.index('id="figure-roc-curve"')
    return page[start:page.index('id="', page.index("</details>", start))]


def test_every_class_has_a_labelled_legend_entry_and_curves_in_both_charts(multiclass_trace, page):
    classes = multiclass_trace.evaluation.classes
    block = _roc_block(page)
    buttons = re.findall(r'<button type="button" data-key="([^"]+)"[^>]*>.*?</svg>([^<]+)</button>', block)
    assert buttons == [*((f"k{i}", name) for i, name in enumerate(classes)),
                       ("micro", "micro average"), ("macro", "macro average")]
    charts = re.findall(r'<svg class="chart".*?</svg>', block, re.S)
    assert len(charts) == 2  # linear and log-FPR
    for chart in charts:
        drawn = re.findall(r'<path class="series [^"]*\b(k\d+|micro|macro)"', chart)
        assert drawn == [key for key, _ in buttons]
    # Colour and dash come in ten styles; the digits' ten classes each get their own.
    styles = [re.search(r"\bc\d\b", css).group() for css in re.findall(r'class="series (cls [^"]*)"', charts[0])]
    assert len(set(styles)) == len(classes) == 10


def test_page_names_the_class_whose_curve_it_draws(multiclass_trace, page):
    """The PR curve, its title, the intro and the table's tag name the class with the lowest AP (sklearn's)."""
    ev = multiclass_trace.evaluation
    y, proba = _arrays(ev)
    ap = [average_precision_score(y == k, proba[:, k]) for k in range(len(ev.classes))]
    lowest = ev.classes[int(np.argmin(ap))]
    view = evaluation.evaluation_view(multiclass_trace)
    pr, roc = view.curves
    assert pr.title == f"Precision-recall curve, class {lowest} vs rest"
    assert pr.area == pytest.approx(min(ap))
    assert f"Class {lowest} has the lowest average precision" in view.curves_intro
    assert roc.title == f"ROC curves, one vs rest: all {len(ev.classes)} classes, micro and macro averages"
    # Its title heads the block: an <h3> when open, the <summary> once the lesson places other blocks and it folds.
    assert re.search(rf"Precision-recall curve, class {lowest} vs rest</(h3|summary)>", page)
    assert re.search(rf"<th>{lowest} <span class=\"tag\">lowest AP</span>", page)
    # The one class the curves' words single out is that one (the ROC charts draw and name every class),
    # wherever the lesson places the ROC figure, the metrics and the PR curve.
    named: set[str] = set()
    for block in ('id="figure-roc-curve"', 'id="table-metrics"', 'id="figure-pr-curve"'):
        start = page.index(block)
        end = min(at for at in (page.find('id="figure-', start + 1), page.find('id="table-', start + 1), len(page))
                  if at > 0)
        named |= set(re.findall(r"[Cc]lass (\d+)\b", page[start:end]))
    assert named == {lowest}


def test_notes_say_which_macro_number_is_which(multiclass_trace):
    ev = multiclass_trace.evaluation
    y, proba = _arrays(ev)
    macro = roc_auc_score(y, proba, multi_class="ovr", average="macro")
    micro = roc_auc_score(y, proba, multi_class="ovr", average="micro")
    area = ev.averaged_curves.macro_roc_curve.area
    notes = class_roc(ev).notes
    assert f"micro ROC AUC, {micro:.4f}" in notes[0]
    assert f"The area under that drawn curve is {area:.4f}, {'above' if area > macro else 'below'} " \
           f"scikit-learn's macro ROC AUC {macro:.4f}" in notes[0]
    assert evaluation.evaluation_view(multiclass_trace).curves[1].area == pytest.approx(macro)


def test_data_table_lists_every_curve_point(multiclass_trace):
    ev = multiclass_trace.evaluation
    y, proba = _arrays(ev)
    roc = class_roc(ev)
    for k, name in enumerate(ev.classes):
        fpr, tpr, thresholds = roc_curve(y == k, proba[:, k])
        rows = [row for row in roc.rows if row[0] == name]
        assert [row[2] for row in rows] == pytest.approx(fpr.tolist())
        assert [row[3] for row in rows] == pytest.approx(tpr.tolist())
    assert roc.total_rows == len(roc.rows)
    thinned = class_roc(ev, max_rows=30)
    assert len(thinned.rows) < thinned.total_rows == roc.total_rows
    for label in (*ev.classes, "micro average", "macro average"):  # each curve keeps its first and last point
        mine = [row for row in thinned.rows if row[0] == label]
        full = [row for row in roc.rows if row[0] == label]
        assert len(mine) >= 2 and mine[0] == full[0] and mine[-1] == full[-1]


def test_log_fpr_chart_only_when_every_auc_crowds_the_corner(multiclass_trace):
    ev = multiclass_trace.evaluation
    y, proba = _arrays(ev)
    assert min(roc_auc_score(y == k, proba[:, k]) for k in range(10)) >= CROWDED_AUC
    corner = class_roc(ev).corner
    assert corner is not None and [t.label for t in corner.x_ticks] == ["0.001", "0.01", "0.1", "1"]
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 90)
    proba = rng.dirichlet(np.ones(3), 90)  # scores unrelated to the classes: AUCs near 0.5
    weak = evaluate(y, proba, proba.argmax(axis=1), ("a", "b", "c"), (), ())
    assert min(roc_auc_score(y == k, proba[:, k]) for k in range(3)) < CROWDED_AUC
    weak_view = class_roc(weak)
    assert weak_view.corner is None and len(weak_view.notes) == 1


def test_binary_roc_block_has_no_legend_or_log_chart(binary_trace):
    roc = evaluation.evaluation_view(binary_trace).curves[1]
    assert roc.legend == () and roc.corner is None and roc.notes == ()
    assert roc.title == "ROC curve"
