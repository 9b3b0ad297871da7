"""pipeline/train.py: labels read off the probabilities equal predict, and the epochs equal a bare scikit-learn loop."""

from __future__ import annotations

import dataclasses
from unittest import mock

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from tests.conftest import LESSONS
from tracegen.pipeline import train
from tracegen.spec import load_lesson

SEEDS = range(20)


def model_of(kind: str, seed: int):
    """Return an unfitted model like the lessons' (a large step size, so that probabilities saturate often)."""
    if kind == "sgd":
        return SGDClassifier(loss="log_loss", alpha=0.0001, random_state=seed)
    return MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.05, batch_size=32, random_state=seed)


def rows(n_classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    X, y = make_classification(n_samples=300, n_features=8, n_informative=5, n_classes=n_classes,
                               n_clusters_per_class=1, class_sep=2.0, random_state=seed)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("kind", ["sgd", "mlp"])
@pytest.mark.parametrize("n_classes", [2, 4])
def test_labels_equal_predict_over_many_seeds(kind, n_classes):
    """Every epoch of 20 seeds: the labels equal model.predict exactly, mostly without asking the model."""
    calls = derived = 0
    for seed in SEEDS:
        X, y = rows(n_classes, seed)
        model = model_of(kind, seed)
        for _ in range(6):
            model.partial_fit(X, y, classes=np.arange(n_classes))
            expected = model.predict(X)
            with mock.patch.object(model, "predict", wraps=model.predict) as predict:
                labels = train.predicted_labels(model, X, model.predict_proba(X))
            assert labels.dtype == expected.dtype
            np.testing.assert_array_equal(labels, expected)
            calls += 1
            derived += predict.call_count == 0
    # The shortcut must be what ran in most epochs, or this test would only check predict against itself.
    assert derived > calls // 2


def fitted_sgd(n_classes: int) -> SGDClassifier:
    X, y = rows(n_classes, 0)
    return SGDClassifier(loss="log_loss", random_state=0).partial_fit(X, y, classes=np.arange(n_classes))


def test_tiny_positive_score_asks_the_model():
    """A binary score in (0, 1e-16) is positive for predict but rounds to probability 0.5: argmax would say 0."""
    model = fitted_sgd(2)
    model.coef_[:] = 0.0
    model.intercept_[:] = 1e-17
    X = rows(2, 0)[0][:5]
    proba = model.predict_proba(X)
    assert (proba.argmax(axis=1) == 0).all() and (model.predict(X) == 1).all()
    np.testing.assert_array_equal(train.predicted_labels(model, X, proba), model.predict(X))


def test_saturated_probabilities_ask_the_model():
    """Scores 40 and 41 both give expit 1.0: the tie goes to the model, which picks the larger score."""
    model = fitted_sgd(3)
    model.coef_[:] = 0.0
    model.intercept_[:] = [40.0, 41.0, -5.0]
    X = rows(3, 0)[0][:5]
    proba = model.predict_proba(X)
    assert (proba.argmax(axis=1) == 0).all() and (model.predict(X) == 1).all()
    np.testing.assert_array_equal(train.predicted_labels(model, X, proba), model.predict(X))


def test_non_finite_probabilities_ask_the_model():
    """A NaN probability is never argmax-ed: the model's own predict answers."""
    model = fitted_sgd(2)
    X = rows(2, 0)[0][:4]
    proba = model.predict_proba(X)
    proba[1, 0] = np.nan
    with mock.patch.object(model, "predict", return_value=np.array([7, 7, 7, 7])) as predict:
        assert train.predicted_labels(model, X, proba).tolist() == [7, 7, 7, 7]
    predict.assert_called_once()


def bare_epochs(model, epochs, X_train, y_train, X_val, y_val):
    """The per-epoch loop as a bare scikit-learn script writes it: default settings, nine calls per epoch."""
    labels = np.arange(len(np.unique(y_train)))
    result = []
    for _ in range(epochs):
        model.partial_fit(X_train, y_train, classes=labels)
        row = []
        for X, y in ((X_train, y_train), (X_val, y_val)):
            row += [log_loss(y, model.predict_proba(X), labels=labels), accuracy_score(y, model.predict(X))]
        result.append(row)
    return result


@pytest.mark.parametrize("lesson", ["heat-maps", "training-curves", "decision-threshold"])
@pytest.mark.parametrize("seed", range(3))
def test_epochs_equal_a_bare_loop(lesson, seed):
    """train() logs exactly the numbers of the bare loop, on digits (10 classes, 64 features), an MLP and a
    binary SGD, at several seeds."""
    spec = load_lesson(LESSONS / f"{lesson}.md")
    spec = dataclasses.replace(spec, epochs=6, evaluation=dataclasses.replace(spec.evaluation, snapshots=(6,)))
    if spec.dataset.source == "digits":
        X, y = load_digits(return_X_y=True)
    else:
        X, y = make_classification(random_state=seed, **spec.dataset.params)
    X = StandardScaler().fit_transform(X)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)
    n_classes = len(np.unique(y))
    epochs, snapshots, _ = train.train(train.make_model(spec.model, seed), spec, n_classes,
                                       X_train, y_train, X_val, y_val)
    expected = bare_epochs(train.make_model(spec.model, seed), spec.epochs, X_train, y_train, X_val, y_val)
    assert [[e.train_loss, e.train_accuracy, e.val_loss, e.val_accuracy] for e in epochs] == expected
    assert snapshots[-1].accuracy == expected[-1][3]
