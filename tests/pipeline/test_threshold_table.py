"""evaluation.threshold_table: every count and score equals scikit-learn's, recomputed here threshold by threshold."""

from __future__ import annotations

import json
import timeit

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, f1_score, precision_score, recall_score, roc_curve

from tests.conftest import LESSONS
from tracegen import cache
from tracegen.cli import main
from tracegen.pipeline import threshold_table as tt
from tracegen.trace import Trace


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """The precision-recall lesson, built as `tracegen build` writes it."""
    out = tmp_path_factory.mktemp("threshold-table") / "site"
    assert main(["--lessons", str(LESSONS), "build", "precision-recall", "--out", str(out), "--reproducible",
                 "--no-cache"]) == 0
    return out


def assert_matches_sklearn(y_true, y_score, table) -> None:
    """Each recorded threshold's counts are confusion_matrix(y_true, y_score >= t), its scores sklearn's."""
    y_true, y_score = np.asarray(y_true), np.asarray(y_score)
    negatives = int(np.sum(y_true == 0))
    for i, t in enumerate(table.thresholds):
        called = (y_score >= t).astype(int)
        (tn, fp), (fn, tp) = confusion_matrix(y_true, called, labels=[0, 1])
        assert (table.tn[i], table.fp[i], table.fn[i], table.tp[i]) == (tn, fp, fn, tp), t
        assert table.precision[i] == pytest.approx(precision_score(y_true, called, zero_division=0), abs=1e-12)
        assert table.recall[i] == pytest.approx(recall_score(y_true, called, zero_division=0), abs=1e-12)
        assert table.f1[i] == pytest.approx(f1_score(y_true, called, zero_division=0), abs=1e-12)
        assert table.fpr[i] == pytest.approx(fp / negatives, abs=1e-12)


def test_every_distinct_test_score_of_a_lesson_with_sklearns_counts(binary_trace):
    """precision-recall has 200 test rows: every distinct score is a threshold, increasing, as the PR curve's."""
    ev = binary_trace.evaluation
    table = ev.threshold_table
    assert table.thresholds == tuple(np.unique(ev.y_score).tolist()) == ev.pr_curve.thresholds
    assert table.distinct_scores == len(set(ev.y_score))
    assert_matches_sklearn(ev.y_true, ev.y_score, table)
    # The curves' own points at each threshold are the table's precision and recall.
    assert table.precision == pytest.approx(ev.pr_curve.precision[:-1]) and table.recall == pytest.approx(
        ev.pr_curve.recall[:-1])


def test_counts_equal_sklearn_in_the_trace_json_of_a_built_site(built_site):
    """The same check on trace.json as a build writes it, read as plain JSON (not through our Trace)."""
    ev = json.loads((built_site / "precision-recall" / "trace.json").read_text(encoding="utf-8"))["evaluation"]
    table = ev["threshold_table"]
    y_true, y_score = np.array(ev["y_true"]), np.array(ev["y_score"])
    for i, t in enumerate(table["thresholds"]):
        (tn, fp), (fn, tp) = confusion_matrix(y_true, y_score >= t, labels=[False, True])
        assert [table[k][i] for k in ("tn", "fp", "fn", "tp")] == [tn, fp, fn, tp]
        assert table["f1"][i] == pytest.approx(f1_score(y_true, y_score >= t, zero_division=0), abs=1e-12)


def test_multiclass_has_none(multiclass_trace):
    assert multiclass_trace.evaluation.threshold_table is None
    assert json.loads(multiclass_trace.to_json())["evaluation"]["threshold_table"] is None


@pytest.mark.parametrize("n", [2, 3, 7, 60])
def test_small_and_tied_scores(n):
    """Few rows, and scores with ties (rounded): still sklearn's numbers at each distinct score."""
    rng = np.random.default_rng(n)
    y_true = np.r_[0, 1, rng.integers(0, 2, n - 2)]
    y_score = rng.random(n).round(1)
    table = tt.threshold_table(y_true, y_score)
    assert table.thresholds == tuple(np.unique(y_score).tolist())
    assert_matches_sklearn(y_true, y_score, table)


def test_one_distinct_score():
    """A single threshold (one column would read as binary labels to sklearn) is still one row of counts."""
    table = tt.threshold_table(np.array([0, 1, 1, 0]), np.full(4, 0.3))
    assert table.thresholds == (0.3,) and (table.tn, table.fp, table.fn, table.tp) == ((0,), (2,), (0,), (2,))
    assert table.precision == (0.5,) and table.recall == (1.0,)


def test_many_scores_are_subsampled_by_rank_keeping_the_models_rule():
    """Over the limit: evenly spaced ranks, lowest and highest kept, plus the lowest score above 0.5."""
    rng = np.random.default_rng(0)
    y_true, y_score = rng.integers(0, 2, 1000), rng.random(1000)
    table = tt.threshold_table(y_true, y_score)
    distinct = np.unique(y_score)
    assert table.distinct_scores == 1000 and tt.MAX_THRESHOLDS <= len(table.thresholds) <= tt.MAX_THRESHOLDS + 1
    assert table.thresholds[0] == distinct[0] and table.thresholds[-1] == distinct[-1]
    assert distinct[distinct > 0.5].min() in table.thresholds
    assert list(table.thresholds) == sorted(set(table.thresholds))
    assert_matches_sklearn(y_true, y_score, table)
    assert tt.threshold_table(y_true, y_score) == table  # deterministic


def test_rows_times_thresholds_stay_bounded():
    """A predictions file of 100,000 rows records at most MAX_CELLS / rows thresholds, in well under a second."""
    assert tt.threshold_limit(200) == tt.MAX_THRESHOLDS and tt.threshold_limit(100_000) == 10
    assert tt.threshold_limit(10**9) == 2
    rng = np.random.default_rng(1)
    y_true, y_score = rng.integers(0, 2, 100_000), rng.random(100_000)
    seconds = min(timeit.repeat(lambda: tt.threshold_table(y_true, y_score), number=1, repeat=2))
    table = tt.threshold_table(y_true, y_score)
    assert len(table.thresholds) <= 11 and seconds < 2.0
    for i in (0, len(table.thresholds) // 2, -1):
        called = y_score >= table.thresholds[i]
        assert confusion_matrix(y_true, called).ravel().tolist() == [table.tn[i], table.fp[i], table.fn[i], table.tp[i]]


def test_fpr_is_roc_curves(binary_trace):
    """The ROC curve's points (drop_intermediate drops some) are among the table's (fpr, recall) pairs."""
    ev = binary_trace.evaluation
    table = ev.threshold_table
    fpr, tpr, thresholds = roc_curve(ev.y_true, ev.y_score)
    pairs = dict(zip(table.thresholds, zip(table.fpr, table.recall)))
    for f, t, threshold in zip(fpr[1:], tpr[1:], thresholds[1:]):
        assert pairs[threshold] == pytest.approx((f, t))


def test_round_trips_and_the_cache_checks_it(binary_trace, tmp_path, capsys):
    """The table survives JSON and the cache; a cached trace whose table has a wrong type is discarded."""
    again = Trace.from_json(binary_trace.to_json())
    assert again == binary_trace and again.evaluation.threshold_table == binary_trace.evaluation.threshold_table
    cache.store_trace(tmp_path, binary_trace)
    assert cache.load_trace(tmp_path, binary_trace.hash, binary_trace.lesson) == binary_trace
    data = json.loads(binary_trace.to_json())
    data["evaluation"]["threshold_table"]["tp"][0] = "many"
    cache.store_text(tmp_path, binary_trace.hash, json.dumps(data))
    assert cache.load_trace(tmp_path, binary_trace.hash, binary_trace.lesson) is None
    assert "threshold_table" in capsys.readouterr().err
    with pytest.raises((TypeError, ValueError)):
        data["evaluation"]["threshold_table"] = {"thresholds": [0.5]}
        Trace.from_dict(data)


def test_cost_per_lesson_is_small(binary_trace):
    """The table of a 200-row lesson takes milliseconds (issue 18 compares lesson compute with bare sklearn)."""
    ev = binary_trace.evaluation
    y_true, y_score = np.array(ev.y_true), np.array(ev.y_score)
    seconds = min(timeit.repeat(lambda: tt.threshold_table(y_true, y_score), number=3, repeat=3)) / 3
    assert seconds < 0.1


def test_the_cache_runs_again_a_binary_trace_without_the_table(binary_trace, multiclass_trace, tmp_path, capsys):
    """tracegen's version is in the trace hash, its code is not: a binary trace cached before the table was
    recorded would load and give a page without the explorer, so it is discarded (a multiclass one is kept)."""
    import dataclasses

    stale = dataclasses.replace(binary_trace,
                                evaluation=dataclasses.replace(binary_trace.evaluation, threshold_table=None))
    cache.store_trace(tmp_path, stale)
    assert cache.load_trace(tmp_path, stale.hash, stale.lesson) is None
    assert "written before evaluation.threshold_table" in capsys.readouterr().err
    cache.store_trace(tmp_path, multiclass_trace)
    assert cache.load_trace(tmp_path, multiclass_trace.hash, multiclass_trace.lesson) == multiclass_trace
