"""The select stage ([select]) and the leakage lesson that compares it fitted on the train rows and on all rows.

Every kept feature and every score is checked against the same pipeline written here in plain
scikit-learn (make_classification, train_test_split twice, StandardScaler, SelectKBest, SGDClassifier
one partial_fit per epoch), never against numbers copied from tracegen's output.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from tests.conftest import LESSONS, write_tiny_lesson
from tracegen import pipeline
from tracegen.spec import load_lesson


@pytest.fixture(scope="module")
def leakage():
    """The leakage lesson and its run at its own seed."""
    spec = load_lesson(LESSONS / "leakage.md")
    return spec, pipeline.run(spec)


def plain_pipeline(spec, seed: int, fit_on: str):
    """Return (kept feature indices, y_test, positive-class probabilities, predictions, model, X_test)."""
    X, y = make_classification(random_state=seed, **spec.dataset.params)
    rows = np.arange(len(y))
    train, test = train_test_split(rows, test_size=spec.split.test_size, random_state=seed, stratify=y)
    train, _ = train_test_split(train, test_size=spec.split.validation_size, random_state=seed, stratify=y[train])
    X_scaled = StandardScaler().fit(X[train]).transform(X)
    chosen = train if fit_on == "train" else rows
    kept = SelectKBest(f_classif, k=spec.select.k).fit(X_scaled[chosen], y[chosen]).get_support(indices=True)
    model = SGDClassifier(loss="log_loss", random_state=seed, **spec.model.params)
    for _ in range(spec.epochs):
        model.partial_fit(X_scaled[train][:, kept], y[train], classes=[0, 1])
    X_test = X_scaled[test][:, kept]
    return kept, y[test], model.predict_proba(X_test)[:, 1], model.predict(X_test), model, X_scaled[test]


def test_the_select_stage_keeps_the_features_sklearn_picks_on_the_train_rows(leakage):
    spec, trace = leakage
    kept, *_ = plain_pipeline(spec, trace.seed, "train")
    stage = trace.stage("select")
    assert [s.name for s in trace.stages] == ["load", "split", "normalize", "select", "train", "predict", "evaluate"]
    assert stage.fitted_params is not None and stage.fitted_params["kept"] == tuple(float(i) for i in kept)
    train_rows = trace.split_counts()["train"]
    assert stage.fitted_on == f"{train_rows} train rows"
    assert stage.input_shape["test"] == (trace.split_counts()["test"], spec.dataset.params["n_features"])
    assert stage.output_shape == {name: (count, spec.select.k) for name, count in trace.split_counts().items()
                                  if name != "all" and count}
    assert trace.stage("train").input_shape == {"train": (train_rows, spec.select.k)}


def test_the_lesson_run_and_both_compared_runs_are_plain_sklearn_runs(leakage):
    spec, trace = leakage
    y_test, score, y_pred, *_ = plain_pipeline(spec, trace.seed, "train")[1:]
    assert trace.evaluation.roc_auc == roc_auc_score(y_test, score)
    assert [(run.label, run.value) for run in trace.compared] == [
        ("features chosen on the train rows (honest)", "train"), ("features chosen on all rows (leaked)", "all")]
    for run in trace.compared:
        _, y_test, score, y_pred, _, _ = plain_pipeline(spec, trace.seed, run.value)
        assert run.seed == trace.seed and run.n_test == len(y_test)
        assert run.roc_auc == pytest.approx(roc_auc_score(y_test, score), abs=1e-12)
        assert run.average_precision == pytest.approx(average_precision_score(y_test, score), abs=1e-12)
        assert run.accuracy == pytest.approx(accuracy_score(y_test, y_pred), abs=1e-12)


@pytest.mark.parametrize("seed", [0, 7, 23])
def test_the_leaked_selection_reads_the_test_rows_and_scores_higher(leakage, seed):
    """What the lesson teaches, at several seeds: the leaked run keeps other features and its test AUC is higher."""
    spec, _ = leakage
    honest, *_ = plain_pipeline(spec, seed, "train")
    leaked, *_ = plain_pipeline(spec, seed, "all")
    assert set(honest) != set(leaked)
    trace = pipeline.run(spec, seed=seed)
    assert trace.compared[1].roc_auc > trace.compared[0].roc_auc
    leaked_spec = dataclasses.replace(spec, compare=None, select=dataclasses.replace(spec.select, fit_on="all"))
    leaked_trace = pipeline.run(leaked_spec, seed=seed)
    assert leaked_trace.stage("select").fitted_on.startswith(f"all {trace.data.n_samples} rows")
    assert leaked_trace.stage("select").fitted_params["kept"] == tuple(float(i) for i in leaked)


def test_the_traced_row_shows_every_normalized_feature_and_the_score_of_the_kept_ones(leakage):
    spec, trace = leakage
    kept, _, _, _, model, X_test = plain_pipeline(spec, trace.seed, "train")
    p = trace.prediction
    assert p is not None and len(p.normalized) == spec.dataset.params["n_features"]
    assert p.normalized == tuple(X_test[p.test_row].tolist())
    # approx: the pipeline runs BLAS on one thread (tracegen.pipeline.run), which may round the last bit apart.
    assert p.score == pytest.approx(model.decision_function(X_test[p.test_row:p.test_row + 1, kept]), rel=1e-12)


def test_k_can_be_compared_and_a_lesson_without_select_keeps_its_hash(tmp_path):
    lesson = write_tiny_lesson(tmp_path, tables='[select]\nk = 1\n[compare]\nsetting = "select.k"\nvalues = [1, 3]\n')
    trace = pipeline.run(load_lesson(lesson))
    assert [run.value for run in trace.compared] == ["1", "3"]
    assert trace.stage("train").input_shape["train"][1] == 1
    plain = load_lesson(write_tiny_lesson(tmp_path, name="plain"))
    assert "select" not in plain.pipeline_dict()
    assert "select" not in [s.name for s in pipeline.run(plain).stages]
    every = load_lesson(write_tiny_lesson(tmp_path, tables="[select]\nk = 3\n", name="every"))
    assert pipeline.trace_hash(every, 2) != pipeline.trace_hash(plain, 2)
