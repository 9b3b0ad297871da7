"""The reliability and cost-threshold blocks of the two issue-16 lessons: what they print is scikit-learn's,
recomputed here from the trace's raw arrays, and the chart has its table equivalent."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, confusion_matrix, log_loss

from tests.conftest import LESSONS
from tracegen.cli import main
from tracegen.html.env import fmt_num


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("issue16") / "site"
    assert main(["--lessons", str(LESSONS), "build", "calibration", "cost-threshold", "--out", str(out),
                 "--reproducible", "--no-cache"]) == 0
    return out


def block(page: str, element_id: str) -> str:
    start = page.index(f'id="{element_id}"')
    return page[start:page.index("</div>", page.index("</table>", start))]


def cells(html: str) -> list[list[str]]:
    return [re.findall(r"<t[hd]>(.*?)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", html)]


def test_reliability_block_prints_sklearns_bins_and_scores(site):
    page = (site / "calibration" / "index.html").read_text(encoding="utf-8")
    trace = json.loads((site / "calibration" / "trace.json").read_text(encoding="utf-8"))
    ev = trace["evaluation"]
    y_true = np.asarray(ev["y_true"])
    figure = page[page.index('id="figure-reliability"'):page.index('aria-label="Calibration scores"')]
    # The diagonal (perfect calibration) is drawn, with one marked series for each set of probabilities.
    assert 'class="series chance"' in figure and figure.count('marker-mid=') == 2
    rows = cells(figure[figure.index("<tbody>"):])
    expected = []
    probabilities = (("raw model", ev["y_score"]), ("calibrated (sigmoid)", ev["calibration"]["calibrated_y_score"]))
    for name, y_prob in probabilities:
        prob_true, prob_pred = calibration_curve(y_true, y_prob, n_bins=10, strategy="uniform")
        expected += [[name, fmt_num(p), fmt_num(o)] for p, o in zip(prob_pred, prob_true)]
    assert [row[:3] for row in rows] == expected
    assert sum(int(row[3]) for row in rows) == 2 * len(y_true)
    start = page.index('aria-label="Calibration scores"')
    scores = cells(page[start:page.index("</table>", start)])
    for row, y_prob in zip(scores[1:], (ev["y_score"], ev["calibration"]["calibrated_y_score"])):
        assert row[1:3] == [fmt_num(brier_score_loss(y_true, y_prob)), fmt_num(log_loss(y_true, y_prob))]


def test_cost_block_prints_counts_and_costs_recomputed_with_sklearn(site):
    page = (site / "cost-threshold" / "index.html").read_text(encoding="utf-8")
    trace = json.loads((site / "cost-threshold" / "trace.json").read_text(encoding="utf-8"))
    ev = trace["evaluation"]
    costs = ev["cost_thresholds"]
    rows = cells(block(page, "table-cost-thresholds"))[1:]
    assert [row[0] for row in rows] == ["default", "F1-best on validation", "cheapest on validation"]
    for row, key in zip(rows, ("default", "f1_best", "cheapest")):
        threshold = costs[key]["threshold"]
        called = (np.asarray(ev["y_score"]) >= threshold).astype(int)
        (tn, fp), (fn, tp) = confusion_matrix(ev["y_true"], called, labels=[0, 1])
        assert row[1:6] == [fmt_num(threshold), str(tn), str(fp), str(fn), str(tp)]
        assert float(row[7]) == 1 * fp + 5 * fn
