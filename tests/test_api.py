"""api.py: tracegen from Python; every number checked against scikit-learn computed here."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, confusion_matrix, precision_recall_curve, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import tracegen
from tracegen import api
from tracegen.errors import DataError


def test_the_module_examples_run():
    assert doctest.testmod(api).failed == 0


@pytest.fixture(scope="module")
def cancer():
    data = load_breast_cancer(as_frame=True)
    return train_test_split(data.data, data.target, test_size=0.3, random_state=0, stratify=data.target)


def test_from_estimator_on_a_pipeline_fitted_on_a_dataframe(cancer):
    X_train, X_test, y_train, y_test = cancer
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X_train, y_train)
    trace = tracegen.from_estimator(model, X_test, y_test)
    score = model.predict_proba(X_test)[:, 1]
    ev = trace.evaluation
    assert ev.roc_auc == pytest.approx(roc_auc_score(y_test, score), abs=1e-12)
    assert ev.average_precision == pytest.approx(average_precision_score(y_test, score), abs=1e-12)
    precision, recall, thresholds = precision_recall_curve(y_test, score)
    assert ev.pr_curve.precision == pytest.approx(precision.tolist()) and ev.pr_curve.recall == pytest.approx(
        recall.tolist())
    assert ev.pr_curve.thresholds == pytest.approx(thresholds.tolist())
    assert np.array(ev.confusion_matrix).tolist() == confusion_matrix(y_test, model.predict(X_test)).tolist()
    assert trace.data.feature_names == tuple(X_test.columns)
    assert trace.data.source.startswith("Pipeline(StandardScaler, LogisticRegression)")


def test_from_estimator_on_a_multiclass_random_forest():
    X, y = load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, random_state=1, stratify=y)
    model = RandomForestClassifier(n_estimators=25, random_state=0).fit(X_train, y_train)
    trace = tracegen.from_estimator(model, X_test, y_test)
    proba = model.predict_proba(X_test)
    ev = trace.evaluation
    assert ev.roc_auc_macro == pytest.approx(roc_auc_score(y_test, proba, multi_class="ovr", average="macro"))
    for index, curves in enumerate(ev.per_class):
        assert curves.average_precision == pytest.approx(average_precision_score(y_test == index, proba[:, index]))
    assert np.array(ev.confusion_matrix).tolist() == confusion_matrix(y_test, model.predict(X_test)).tolist()


def test_from_predictions_with_string_labels_orders_them_as_scikit_learn_does():
    y_true = ["spam", "ham", "spam", "ham", "ham", "spam"]
    score = [0.9, 0.2, 0.4, 0.6, 0.1, 0.8]   # the probability of "spam", sorted second
    trace = tracegen.from_predictions(y_true, score)
    assert trace.evaluation.classes == ("ham", "spam")
    truth = [label == "spam" for label in y_true]
    assert trace.evaluation.roc_auc == pytest.approx(roc_auc_score(truth, score))
    assert trace.evaluation.average_precision == pytest.approx(average_precision_score(truth, score))


@pytest.mark.parametrize(("y_true", "y_score", "field"), [
    ([0, 1, 1], [0.2, 0.9], "y_score"),
    ([0, 1, 1], [0.2, 1.5, 0.3], "y_score"),
    ([0, 1, 1], [0.2, float("nan"), 0.3], "y_score"),
    ([1, 1, 1], [0.2, 0.5, 0.3], "labels"),
    ([0, 1, 2], [[0.5, 0.5, 0.1], [0.2, 0.4, 0.4], [0.1, 0.1, 0.8]], "y_score"),
])
def test_bad_predictions_are_one_line_errors(y_true, y_score, field):
    with pytest.raises(DataError) as error:
        tracegen.from_predictions(y_true, y_score)
    assert error.value.field == field and "\n" not in error.value.one_line()


def test_run_a_built_in_lesson_by_name_and_a_short_repr():
    trace = tracegen.run("precision-recall", seed=3, epochs=2)
    assert (trace.lesson, trace.seed, len(trace.epochs)) == ("precision-recall", 3, 2)
    text = repr(trace)
    assert len(text) < 200 and "precision-recall" in text and trace.hash[:12] in text
