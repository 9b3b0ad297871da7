"""The threshold explorer's view and markup: what the page shows at each position is scikit-learn's
confusion_matrix(y_true, y_score >= t), recomputed here from the trace, for the t the page prints."""

from __future__ import annotations

import bisect
import math
import re
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, strategies as st
from sklearn.metrics import confusion_matrix, f1_score, precision_score, recall_score

from tracegen.charts import svg
from tracegen.html.env import TEMPLATES_DIR, make_environment, render_page
from tracegen.html.explorer import explorer_view, split_label, with_dots
from tracegen.html.lesson import BuildInfo, lesson_context
from tracegen.quiz import make_questions


def counts_at(trace, t: float) -> tuple[int, int, int, int]:
    """Return (TP, FP, TN, FN) of y_score >= t, from sklearn on the trace's arrays."""
    ev = trace.evaluation
    (tn, fp), (fn, tp) = confusion_matrix(ev.y_true, np.array(ev.y_score) >= t, labels=[False, True])
    return int(tp), int(fp), int(tn), int(fn)


@pytest.mark.parametrize("max_rows", [None, 30, 12])
def test_every_row_is_sklearns_at_the_printed_threshold(binary_trace, max_rows):
    """Each row's counts equal confusion_matrix at the printed t itself (so the short label is exact)."""
    view = explorer_view(binary_trace, max_rows)
    ev = binary_trace.evaluation
    y_true, y_score = np.array(ev.y_true), np.array(ev.y_score)
    for row in view.rows:
        t = float(row.threshold)
        assert (row.tp, row.fp, row.tn, row.fn) == counts_at(binary_trace, t), row.threshold
        called = y_score >= t
        assert row.precision == pytest.approx(precision_score(y_true, called, zero_division=0))
        assert row.recall == pytest.approx(recall_score(y_true, called, zero_division=0))
        assert row.f1 == pytest.approx(f1_score(y_true, called, zero_division=0))
    thresholds = [float(r.threshold) for r in view.rows]
    assert thresholds == sorted(thresholds) and len(set(thresholds)) == len(thresholds)


def test_rows_are_thinned_like_the_curve_tables_and_keep_the_models_rule(binary_trace):
    """All thresholds without a limit; with one at most limit + 1 rows, the first and last kept, starting
    at the model's own rule: its confusion matrix is the evaluation's."""
    ev = binary_trace.evaluation
    assert len(explorer_view(binary_trace).rows) == len(set(ev.y_score))
    for limit in (60, 30, 12):
        view = explorer_view(binary_trace, limit)
        assert limit <= len(view.rows) <= limit + 1 and view.last == len(view.rows) - 1
        start = view.rows[view.start]
        (tn, fp), (fn, tp) = ev.confusion_matrix
        assert (start.tp, start.fp, start.tn, start.fn) == (tp, fp, tn, fn)
        table = ev.threshold_table
        exact = table.thresholds[bisect.bisect_left(table.thresholds, float(start.threshold))]
        assert exact == min(t for t in table.thresholds if t > 0.5) and float(start.threshold) >= 0.5
        assert "the model's own rule" in view.start_note
        assert f"{len(view.rows)} of the {len(set(ev.y_score))} distinct test scores" in view.coverage


def test_points_use_the_charts_scale(binary_trace):
    """Each row's dots are where the PR chart draws (recall, precision) and the ROC chart (FPR, recall)."""
    view = explorer_view(binary_trace, 30)
    table = binary_trace.evaluation.threshold_table
    for row in view.rows:
        i = bisect.bisect_left(table.thresholds, float(row.threshold))  # the recorded score the label stands for
        assert row.pr_at == svg.unit_point(table.recall[i], table.precision[i])
        assert row.roc_at == svg.unit_point(table.fpr[i], table.recall[i])
        assert row.marks == " ".join(f"{v:g}" for v in (*row.pr_at, *row.roc_at))
    x_axis_start, y_axis_start = svg.unit_point(0.0, 0.0)
    assert (x_axis_start, y_axis_start) == (svg.MARGIN_LEFT, svg.HEIGHT - svg.MARGIN_BOTTOM)


def test_multiclass_has_no_explorer(multiclass_trace):
    assert explorer_view(multiclass_trace) is None


@given(st.lists(st.floats(0, 1), min_size=2, max_size=30, unique=True))
def test_split_label_is_the_shortest_decimal_between_neighbours(scores):
    """The label t satisfies below < t <= score, and no shorter decimal (2 places at least) does."""
    scores = sorted(scores)
    for below, score in zip([-math.inf, *scores], scores):
        label = split_label(below, score)
        assert below < float(label) <= score
        places = len(label.split(".")[1]) if "." in label else 0
        if places > 2:
            shorter = Decimal(label).quantize(Decimal(1).scaleb(-(places - 1)), rounding="ROUND_FLOOR")
            assert float(shorter) <= below


@pytest.fixture(scope="module")
def page(binary_spec, binary_trace):
    context = lesson_context(binary_spec, binary_trace, make_questions(binary_spec, binary_trace), root="../",
                             variants=(), build=BuildInfo(reproducible=True), max_table_rows=30)
    return context, render_page(make_environment(TEMPLATES_DIR), "lesson.html", context)


def test_page_has_the_table_slider_output_dots_and_script(page, binary_trace):
    """The no-script table holds every row (data-m points), the slider spans them, the dots sit at the start."""
    context, html = page
    view = context.explorer
    body = html[html.index('<tbody id="ex-rows">'):]
    body = body[:body.index("</tbody>")]
    rows = re.findall(r'<tr data-m="([^"]+)"><th>([^<]+)<td>(\d+)<td>(\d+)<td>(\d+)<td>(\d+)<td>([\d.]+)<td>([\d.]+)'
                      r'<td>([\d.]+)', body)
    assert len(rows) == len(view.rows)
    for _marks, t, tp, fp, tn, fn, *_scores in rows:
        assert (int(tp), int(fp), int(tn), int(fn)) == counts_at(binary_trace, float(t))
    slider = re.search(r'<input type="range" id="ex-t" max="(\d+)" value="(\d+)">', html)
    assert slider and int(slider[1]) == len(rows) - 1 and int(slider[2]) == view.start
    start = view.rows[view.start]
    output = re.search(r'<output id="ex-out" for="ex-t" aria-live="polite">(.*?)</output>', html)[1]
    assert re.findall(r"<b>([^<]+)</b>", output) == list(rows[view.start][1:])
    pr_x, pr_y = start.pr_at
    assert f'<circle id="pr-svg-dot" class="dot" cx="{pr_x:g}" cy="{pr_y:g}" r="5"/>' in html
    assert '<circle id="roc-svg-dot" class="dot"' in html
    assert '<label for="ex-t">' in html and '<div id="ex-ui" hidden>' in html
    assert html.count('static/explorer.js" defer></script>') == 1
    assert 'class="table-scroll tall"' in body or 'class="table-scroll tall"' in html


def test_with_dots_places_only_the_pr_and_roc_dots(page):
    context, _ = page
    charts = {c.curve_id: c.svg.dot for c in with_dots(context.evaluation, context.explorer).curves}
    start = context.explorer.rows[context.explorer.start]
    assert charts == {"pr": start.pr_at, "roc": start.roc_at}


def test_multiclass_page_has_no_explorer(multiclass_spec, multiclass_trace):
    context = lesson_context(multiclass_spec, multiclass_trace, (), root="../", variants=(),
                             build=BuildInfo(reproducible=True), max_table_rows=12)
    html = render_page(make_environment(TEMPLATES_DIR), "lesson.html", context)
    assert context.explorer is None and "explorer.js" not in html and "ex-rows" not in html and "-dot" not in html
