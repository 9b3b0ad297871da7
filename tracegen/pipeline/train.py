"""Train stage: one partial_fit call per epoch, each a full pass over the training rows."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import sklearn

from tracegen.errors import SpecError
from tracegen.pipeline import evaluate
from tracegen.pipeline.records import model_input, row_example
from tracegen.spec import LessonSpec, ModelSpec
from tracegen.spec.checks import DEFAULT_HIDDEN_LAYERS
from tracegen.trace import EpochRecord, Snapshot, StageRecord

# What to change in the lesson when a model's weights overflow while it trains (its step size).
STEP_SIZE = {"logistic": "model.eta0 (or a larger model.alpha)", "mlp": "model.learning_rate_init"}



def fit_epoch(model: Any, X_train: np.ndarray, y_train: np.ndarray, classes: np.ndarray, spec: LessonSpec,
              epoch: int, where: str = "", field: str = "model") -> None:
    """Make one partial_fit pass; weights that overflow are one SpecError line (`where` names the run)."""
    try:
        model.partial_fit(X_train, y_train, classes=classes)
    except ValueError as exc:
        # The rows are already scaled (scikit-learn's message suggests scaling), so the step size
        # is too large. Any other ValueError is a bug and keeps its traceback.
        if "non-finite" not in str(exc) and "overflow" not in str(exc):
            raise
        raise SpecError(spec.path, field, f"training diverged in epoch {epoch}{where}, the weights "
                        f"overflowed; use a smaller {STEP_SIZE[spec.model.kind]}") from None

def make_model(spec: ModelSpec, seed: int):
    """Return an unfitted classifier that supports partial_fit."""
    if spec.kind == "logistic":
        from sklearn.linear_model import SGDClassifier

        return SGDClassifier(loss="log_loss", random_state=seed, **spec.params)
    from sklearn.neural_network import MLPClassifier

    params = dict(spec.params)
    if "hidden_layer_sizes" in params:
        params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    return MLPClassifier(random_state=seed, **params)


def describe(spec: ModelSpec) -> str:
    """Return the model in words."""
    if spec.kind == "logistic":
        return "logistic (sigmoid) classifier, SGDClassifier(loss='log_loss')"
    sizes = spec.params.get("hidden_layer_sizes", DEFAULT_HIDDEN_LAYERS)
    return f"MLPClassifier with hidden layers {tuple(sizes)}"


def train(model, spec: LessonSpec, n_classes: int,
          X_train: np.ndarray, y_train: np.ndarray, X_val: np.ndarray, y_val: np.ndarray,
          ) -> tuple[tuple[EpochRecord, ...], tuple[Snapshot, ...], StageRecord]:
    """Fit one epoch at a time and log losses, accuracies and the lesson's snapshots."""
    classes = np.arange(n_classes)
    records, snapshots = [], []
    # The true classes as 0/1 indicator matrices, made once: see evaluate.loss_and_accuracy.
    train_truth, val_truth = ((y[:, None] == classes).astype(np.int64) for y in (y_train, y_val))
    # Too large a step size overflows the weights: scikit-learn then raises (reported in one line below)
    # or the probabilities saturate, which the loss chart shows; numpy's overflow warnings on the way
    # would only clutter the terminal.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, spec.epochs + 1):
            fit_epoch(model, X_train, y_train, classes, spec, epoch)
            _, _, train_loss, train_accuracy = _scored(model, X_train, y_train, train_truth)
            val_proba, val_pred, val_loss, val_accuracy = _scored(model, X_val, y_val, val_truth)
            records.append(EpochRecord(epoch=epoch, train_loss=train_loss, train_accuracy=train_accuracy,
                                       val_loss=val_loss, val_accuracy=val_accuracy))
            if epoch in spec.evaluation.snapshots:
                snapshots.append(dataclasses.replace(evaluate.snapshot(epoch, y_val, val_proba, val_pred),
                                                     coef=_weights(model)))
    record = StageRecord(
        name="train",
        operation=f"Train a {describe(spec.model)} for {spec.epochs} epochs; each epoch is one partial_fit pass "
                  f"over all {len(y_train)} train rows",
        input_shape={"train": X_train.shape},
        output_shape=_weight_shapes(model),
        example_in=row_example(f"train row 0, {model_input(spec.select is not None)}", X_train[0]),
        example_out=row_example("train row 0, probability per class after training",
                                model.predict_proba(X_train[:1])[0]),
        fitted_on=f"{len(y_train)} train rows, {spec.epochs} epochs",
        fitted_params=_weights(model),
    )
    return tuple(records), tuple(snapshots), record


def predicted_labels(model, X: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """Return model.predict(X), read off `proba` (model.predict_proba(X)) wherever that gives the same labels.

    SGDClassifier(loss="log_loss") predicts the class with the largest decision score (binary: score > 0) and
    its probabilities are expit of those scores (binary: [1 - p, p]; multiclass: divided by the row's sum);
    MLPClassifier predicts the largest output (binary: p > 0.5) of the very array predict_proba returns.
    Those maps never reorder two classes, so a row's strictly largest finite probability is the class
    predict picks. They can merge two classes: expit rounds scores above about 37 to 1.0, and a binary score
    in (0, 1e-16) to 0.5 (predict says positive, argmax negative). So any tie or non-finite value in
    `proba` means asking the model itself.
    """
    top = proba.argmax(axis=1)
    highest = proba[np.arange(len(proba)), top]
    if np.isfinite(proba).all() and np.count_nonzero(proba == highest[:, None]) == len(proba):
        return model.classes_.take(top)
    return model.predict(X)


def _scored(model, X: np.ndarray, y: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Return the probabilities and labels for rows X, and their log loss and accuracy against y (`truth`: y
    as an indicator matrix).

    X holds the same validated rows every epoch, so scikit-learn's parameter checks and finiteness
    check on X are skipped here (and only here); probabilities that are not finite (diverged weights)
    still meet scikit-learn's own check in log_loss.
    """
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
        proba = model.predict_proba(X)
        y_pred = predicted_labels(model, X, proba)
    with sklearn.config_context(assume_finite=bool(np.isfinite(proba).all()), skip_parameter_validation=True):
        loss, accuracy = evaluate.loss_and_accuracy(y, truth, proba, y_pred)
    return proba, y_pred, loss, accuracy


def _weight_shapes(model) -> dict[str, tuple[int, ...]]:
    if hasattr(model, "coef_"):
        return {"coef": model.coef_.shape, "intercept": model.intercept_.shape}
    return {f"layer {i + 1} weights": w.shape for i, w in enumerate(model.coefs_)}


def _weights(model) -> dict[str, tuple[float, ...]] | None:
    # A linear model's weights are small and worth showing (one row per class);
    # an MLP's are not, so only their shapes are recorded.
    if not hasattr(model, "coef_"):
        return None
    weights = {f"coef[{i}]": tuple(row) for i, row in enumerate(model.coef_.tolist())}
    weights["intercept"] = tuple(model.intercept_.tolist())
    return weights
