"""html/evaluation.py: the confusion heat map and curve tables against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, precision_recall_curve, roc_curve

from tracegen.html import evaluation


@pytest.mark.parametrize("trace_name", ["binary_trace", "multiclass_trace"])
def test_heat_map_matches_scikit_learn(trace_name, request):
    """Counts and row shares equal confusion_matrix and its normalize='true' form."""
    trace = request.getfixturevalue(trace_name)
    ev = trace.evaluation
    view = evaluation.evaluation_view(trace).confusion
    labels = np.arange(len(ev.classes))
    counts = confusion_matrix(ev.y_true, ev.y_pred, labels=labels)
    shares = confusion_matrix(ev.y_true, ev.y_pred, labels=labels, normalize="true")
    assert [[c.count for c in row.cells] for row in view.rows] == counts.tolist()
    np.testing.assert_allclose([[c.share for c in row.cells] for row in view.rows], shares)
    for row in view.rows:
        for cell in row.cells:
            assert (cell.level == 0) == (cell.count == 0)
            assert 0 <= cell.level <= evaluation.HEAT_LEVELS
    assert [row.cells[i].diagonal for i, row in enumerate(view.rows)] == [True] * len(view.rows)


def test_binary_curve_tables_pair_points_with_thresholds(binary_trace):
    """The PR table pairs each threshold with precision[:-1], recall[:-1]; the sentinel has none."""
    ev = binary_trace.evaluation
    precision, recall, thresholds = precision_recall_curve(ev.y_true, ev.y_score)
    pr, roc = evaluation.evaluation_view(binary_trace).curves
    assert pr.total_rows == len(precision) and not pr.thinned
    assert [row[0] for row in pr.rows[:-1]] == pytest.approx(thresholds.tolist())
    assert [row[1] for row in pr.rows] == pytest.approx(precision.tolist())
    assert pr.rows[-1] == ("sentinel", 1.0, 0.0)
    fpr, tpr, _ = roc_curve(ev.y_true, ev.y_score)
    assert [row[1] for row in roc.rows] == pytest.approx(fpr.tolist())
    assert [row[2] for row in roc.rows] == pytest.approx(tpr.tolist())
    assert (pr.area, pr.chance, roc.area, roc.chance) == (ev.average_precision, ev.prevalence, ev.roc_auc, 0.5)


def test_thinned_curve_table_keeps_endpoints(binary_trace):
    """A thinned table keeps the first and last points and says it is thinned."""
    pr = evaluation.evaluation_view(binary_trace, max_table_rows=12).curves[0]
    curve = binary_trace.evaluation.pr_curve
    assert pr.thinned and len(pr.rows) <= 12 and pr.total_rows == len(curve.precision)
    assert pr.rows[0][1] == curve.precision[0] and pr.rows[-1] == ("sentinel", 1.0, 0.0)


def test_multiclass_view_reads_per_class_scores(multiclass_trace):
    """Per-class rows carry the trace's AUC and AP beside the report's precision and recall."""
    ev = multiclass_trace.evaluation
    view = evaluation.evaluation_view(multiclass_trace)
    assert [r.roc_auc for r in view.classes] == [c.roc_auc for c in ev.per_class]
    assert [r.precision for r in view.classes] == [ev.classification_report[c]["precision"] for c in ev.classes]
    hardest = min(ev.per_class, key=lambda c: c.average_precision)
    assert [r.class_name for r in view.classes if r.hardest] == [hardest.class_name]
    assert view.curves[0].area == hardest.average_precision
    assert [m.value for m in view.metrics][:2] == [ev.roc_auc_macro, ev.roc_auc_micro]
