"""The imbalance-metrics and ap-vs-trapezoid lessons: every number their tables and prose show equals
scikit-learn recomputed here from the trace's y_true, y_pred and y_score; the tables appear only where placed."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    auc,
    average_precision_score,
    balanced_accuracy_score,
    cohen_kappa_score,
    matthews_corrcoef,
    precision_recall_curve,
)

from tests.conftest import LESSONS
from tracegen.cli import main
from tracegen.html.env import fmt_num
from tracegen.html.prose import plain_text
from tracegen.trace import Trace

LESSONS_HERE = ("imbalance-metrics", "ap-vs-trapezoid", "imbalanced-data")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("metric-lessons")
    files = [str(LESSONS / f"{name}.md") for name in LESSONS_HERE]
    assert main(["build", *files, "--out", str(out), "--no-cache", "--reproducible", "-q"]) == 0
    return out


def page(site, name: str) -> tuple[str, Trace]:
    html = (site / name / "index.html").read_text(encoding="utf-8")
    trace = Trace.from_json((site / name / "trace.json").read_text(encoding="utf-8"))
    return html, trace


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", plain_text(html))


def table_text(html: str, anchor: str) -> str:
    """Return the visible text of the placed block whose heading has id `anchor`, up to the next heading."""
    start = html.index(f'id="{anchor}"')
    end = html.find("<h", start + 1)
    return visible(html[start:end])


def test_robust_metrics_table_shows_sklearns_numbers_beside_the_majority_baseline(site):
    html, trace = page(site, "imbalance-metrics")
    ev = trace.evaluation
    y_true, y_pred = np.array(ev.y_true), np.array(ev.y_pred)
    majority = np.full_like(y_true, np.bincount(y_true).argmax())
    text = table_text(html, "table-robust-metrics")
    rows = {"Accuracy": accuracy_score, "Balanced accuracy": balanced_accuracy_score, "MCC": matthews_corrcoef,
            "Cohen's kappa": cohen_kappa_score}
    for name, score in rows.items():
        want = f"{name} {fmt_num(score(y_true, y_pred), 3)} {fmt_num(score(y_true, majority), 3)}"
        assert want.replace("'", "&#39;") in text or want in text, (want, text)
    # The prose's words about them are this run's.
    prose = visible(html[:html.index('id="quiz"')])
    assert f"MCC {matthews_corrcoef(y_true, y_pred):.3f} and kappa {cohen_kappa_score(y_true, y_pred):.3f}" in prose
    assert f"Accuracy, {accuracy_score(y_true, y_pred):.3f}, is above the constant answer's " \
           f"{accuracy_score(y_true, majority):.3f}" in prose


def test_pr_areas_table_shows_ap_and_the_trapezoid_area(site):
    html, trace = page(site, "ap-vs-trapezoid")
    ev = trace.evaluation
    y_true, y_score = np.array(ev.y_true), np.array(ev.y_score)
    precision, recall, _ = precision_recall_curve(y_true, y_score)
    ap, trapezoid = average_precision_score(y_true, y_score), auc(recall, precision)
    text = table_text(html, "table-pr-areas")
    assert f"AP, step sum {fmt_num(ap, 4)}" in text and f"Trapezoid area {fmt_num(trapezoid, 4)}" in text
    prose = visible(html[:html.index('id="quiz"')])
    assert f"Average precision is {'above' if round(ap, 4) > round(trapezoid, 4) else 'below'} the trapezoid" in prose
    assert f"({np.mean(y_true == 1):.3f} here)" in prose
    # The constant score's areas are asked, not printed before the quiz.
    constant = np.full(len(y_true), 0.2)
    p, r, _ = precision_recall_curve(y_true, constant)
    assert not re.search(rf"(?<![\d.]){re.escape(fmt_num(auc(r, p), 3))}(?!\d)", prose)


def test_the_tables_appear_only_where_a_body_places_them(site):
    html, _ = page(site, "imbalanced-data")
    assert "table-robust-metrics" not in html and "table-pr-areas" not in html
    html, _ = page(site, "imbalance-metrics")
    assert "table-pr-areas" not in html


def test_each_page_asks_the_new_questions(site):
    for name, ids in (("imbalance-metrics", {"balanced_accuracy_from_counts", "mcc-zero", "pick-every-cell"}),
                      ("ap-vs-trapezoid", {"pr_area_order", "constant_score_trapezoid", "keras-pr",
                                           "tool-conventions", "area-gap", "paper-pr-auc"})):
        html, _ = page(site, name)
        data = html[html.index('id="quiz"'):]
        assert all(f'"{qid}"' in data or f"q-{qid}" in data for qid in ids), name
