"""Lessons that compare runs ([compare]) and the bootstrap interval (evaluation.bootstrap).

Every number is checked against scikit-learn computed here, from a plain scikit-learn pipeline or
from a trace's raw arrays (y_true, y_score), never against numbers copied from tracegen's output.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from tests.conftest import LESSONS, write_tiny_lesson
from tracegen import pipeline
from tracegen.cli import main
from tracegen.errors import SpecError
from tracegen.spec import load_lesson
from tracegen.trace import Trace

COMPARE_SEEDS = '[compare]\nsetting = "split.seed"\nvalues = [0, 1, 2]\n'


@pytest.fixture(scope="module")
def uncertainty():
    """The metric-uncertainty lesson (twenty split seeds, a bootstrap) and its run."""
    spec = load_lesson(LESSONS / "metric-uncertainty.md")
    return spec, pipeline.run(spec)


def plain_sklearn_run(spec, seed: int):
    """Return (y_test, positive-class probabilities, predictions) of the lesson's pipeline written in plain
    scikit-learn: the rows drawn, split twice, scaled on the train rows, one partial_fit per epoch."""
    X, y = make_classification(random_state=seed, **spec.dataset.params)
    train, test = train_test_split(np.arange(len(y)), test_size=spec.split.test_size, random_state=seed, stratify=y)
    train, _ = train_test_split(train, test_size=spec.split.validation_size, random_state=seed, stratify=y[train])
    scaler = StandardScaler().fit(X[train])
    model = SGDClassifier(loss="log_loss", random_state=seed, **spec.model.params)
    for _ in range(spec.epochs):
        model.partial_fit(scaler.transform(X[train]), y[train], classes=[0, 1])
    X_test = scaler.transform(X[test])
    return y[test], model.predict_proba(X_test)[:, 1], model.predict(X_test)


def test_twenty_compared_seeds_are_scikit_learn_runs(uncertainty):
    """Each compared run's AUC, AP and accuracy are those of the same pipeline in plain scikit-learn at its seed."""
    spec, trace = uncertainty
    assert [run.seed for run in trace.compared] == list(range(20))
    assert [run.label for run in trace.compared] == [f"seed {s}" for s in range(20)]
    for run in trace.compared:
        y_test, score, y_pred = plain_sklearn_run(spec, run.seed)
        assert run.n_test == len(y_test)
        assert run.roc_auc == pytest.approx(roc_auc_score(y_test, score), abs=1e-12)
        assert run.average_precision == pytest.approx(average_precision_score(y_test, score), abs=1e-12)
        assert run.accuracy == pytest.approx(accuracy_score(y_test, y_pred), abs=1e-12)
    assert len({round(run.roc_auc, 6) for run in trace.compared}) > 10  # the seeds really differ


def test_a_compared_run_matches_the_full_run_at_its_seed(uncertainty):
    """The lean compared run (no per-epoch scores) gives the numbers of the full run, read from its raw arrays."""
    spec, trace = uncertainty
    one_run = dataclasses.replace(spec, compare=None, evaluation=dataclasses.replace(spec.evaluation, bootstrap=0))
    for run in (trace.compared[0], trace.compared[13]):
        full = pipeline.run(one_run, seed=run.seed).evaluation
        assert run.roc_auc == roc_auc_score(full.y_true, full.y_score)
        assert run.average_precision == average_precision_score(full.y_true, full.y_score)
        assert run.accuracy == accuracy_score(full.y_true, full.y_pred)


def test_bootstrap_is_recomputed_with_the_same_seed(uncertainty):
    """The interval is the 2.5th and 97.5th percentile of sklearn's AUC and AP on default_rng(seed) resamples."""
    spec, trace = uncertainty
    ev = trace.evaluation
    boot = ev.bootstrap
    assert (boot.resamples, boot.seed, boot.level) == (spec.evaluation.bootstrap, trace.seed, 0.95)
    y_true, y_score = np.array(ev.y_true), np.array(ev.y_score)
    draws = np.random.default_rng(trace.seed).integers(0, len(y_true), size=(boot.resamples, len(y_true)))
    kept = [rows for rows in draws if len(set(y_true[rows])) == 2]
    aucs = [roc_auc_score(y_true[rows], y_score[rows]) for rows in kept]
    aps = [average_precision_score(y_true[rows], y_score[rows]) for rows in kept]
    assert boot.skipped == boot.resamples - len(kept)
    # Bit for bit: the trace scores all resamples in one multilabel call, this test one call per resample.
    assert (boot.roc_auc_low, boot.roc_auc_high) == tuple(np.percentile(aucs, [2.5, 97.5]))
    assert (boot.average_precision_low, boot.average_precision_high) == tuple(np.percentile(aps, [2.5, 97.5]))
    assert boot.roc_auc_low < ev.roc_auc < boot.roc_auc_high


def test_compared_runs_round_trip_and_are_hashed(tmp_path, uncertainty):
    """trace.compared survives JSON; changing a compared value changes the trace hash; a one-run lesson's hash
    has no compare key, so its cached traces stay valid."""
    spec, trace = uncertainty
    again = Trace.from_json(trace.to_json())
    assert again == trace and again.compared == trace.compared
    assert len(json.loads(trace.to_json())["compared"]) == 20
    fewer = load_lesson(write_tiny_lesson(tmp_path, tables=COMPARE_SEEDS, name="a"))
    other = load_lesson(write_tiny_lesson(tmp_path, tables=COMPARE_SEEDS.replace("2]", "3]"), name="b"))
    plain = load_lesson(write_tiny_lesson(tmp_path, name="c"))
    hashes = {pipeline.trace_hash(s, 2) for s in (fewer, other, plain)}
    assert len(hashes) == 3
    assert "compare" not in plain.pipeline_dict() and "bootstrap" not in plain.pipeline_dict()["evaluation"]


def test_a_model_setting_keeps_the_run_seed_and_multiclass_has_no_ap(tmp_path):
    """A compared model setting runs at the trace's own seed (a retake compares its own split); on iris the
    summary is the macro one-vs-rest AUC, and AP is None."""
    lesson = write_tiny_lesson(tmp_path, tables='[compare]\nsetting = "model.alpha"\nvalues = [0.0001, 0.1]\n')
    spec = load_lesson(lesson)
    trace = pipeline.run(spec, seed=7)
    assert [(run.seed, run.value) for run in trace.compared] == [(7, "0.0001"), (7, "0.1")]
    for run, alpha in zip(trace.compared, (0.0001, 0.1)):
        params = {**spec.model.params, "alpha": alpha}
        full = pipeline.run(dataclasses.replace(spec, compare=None, model=dataclasses.replace(spec.model,
                                                                                            params=params)), seed=7)
        assert run.roc_auc == roc_auc_score(full.evaluation.y_true, full.evaluation.y_score)
    iris = tmp_path / "iris.md"
    iris.write_text('+++\nepochs = 3\n[dataset]\nsource = "iris"\n[compare]\nsetting = "normalization"\n'
                    'values = ["standard", "minmax"]\n+++\nBody.\n', encoding="utf-8")
    trace = pipeline.run(load_lesson(iris))
    assert all(run.average_precision is None for run in trace.compared)
    first = pipeline.run(dataclasses.replace(load_lesson(iris), compare=None)).evaluation
    assert trace.compared[0].roc_auc == roc_auc_score(first.y_true, np.array(first.y_score), multi_class="ovr")


def test_variants_build_twice_second_from_cache(tmp_path, capsys):
    """--variants 2 builds three pages with their compared runs; the second build takes all three from the
    cache and writes the same bytes."""
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    write_tiny_lesson(lessons, tables=COMPARE_SEEDS + '[evaluation]\nbootstrap = 100\n',
                      body="Body.\n\n[[ table compared_runs ]]\n")
    sites = []
    for build in ("first", "second"):
        out = tmp_path / build
        argv = ["--lessons", str(lessons), "build", "--out", str(out), "--reproducible", "--variants", "2",
                "--cache-dir", str(tmp_path / "cache")]
        assert main(argv) == 0
        sites.append(out)
    err = capsys.readouterr().err
    assert "3 run, 0 from cache" in err.replace("runs", "run") and "0 run, 3 from cache" in err.replace("runs", "run")
    for page in ("lesson/index.html", "lesson/v1/index.html", "lesson/v2/index.html", "lesson/v2/trace.json"):
        assert (sites[0] / page).read_bytes() == (sites[1] / page).read_bytes()
    variant = Trace.from_json((sites[1] / "lesson/v2/trace.json").read_text(encoding="utf-8"))
    assert variant.seed == 4 and [run.seed for run in variant.compared] == [0, 1, 2]
    assert variant.evaluation.bootstrap is not None and variant.evaluation.bootstrap.seed == 4
    html = (sites[1] / "lesson/v2/index.html").read_text(encoding="utf-8")
    assert 'id="table-compared-runs"' in html and "split.seed = 2" in html


def test_compare_checks_each_value_as_the_lesson_would(tmp_path):
    """A compared value meets the check the lesson's own value meets, in one line naming the value."""
    lesson = write_tiny_lesson(tmp_path, tables='[compare]\nsetting = "split.test_size"\nvalues = [0.2, 1.5]\n')
    with pytest.raises(SpecError) as caught:
        load_lesson(lesson)
    assert caught.value.field == "compare.values[1]" and "split.test_size = 1.5" in caught.value.message
    assert "\n" not in caught.value.one_line()


def test_the_page_marks_this_run_and_draws_every_run(uncertainty):
    """The compared-runs block has one table row and one strip tick per run, and marks the lesson's own seed."""
    from tracegen.html.compared import compared_view

    _, trace = uncertainty
    view = compared_view(trace)
    assert view is not None and [row.own for row in view.rows].count(True) == 1
    assert next(row.run.seed for row in view.rows if row.own) == trace.seed
    runs = next(series for series in view.chart.series if series.name == "runs")
    assert runs.path.count("M") == 2 * len(trace.compared)  # an AUC and an AP tick per run
    assert view.has_own and "the longer tick is this lesson's own run" in view.chart.description


def test_a_run_outside_the_compared_values_is_not_said_to_be_marked(uncertainty):
    """At --seed 23 the lesson's own run is none of the twenty compared seeds (0-19): nothing is marked as it,
    and the chart's text and legend say so instead of pointing at a longer tick that is not there."""
    from tracegen.html.compared import compared_view

    spec, _ = uncertainty
    view = compared_view(pipeline.run(spec, seed=23))
    assert view is not None and not view.has_own and not any(row.own for row in view.rows)
    assert "longer tick" not in view.chart.description
    assert "this lesson's own run (split.seed = 23) is not among them" in view.chart.description
