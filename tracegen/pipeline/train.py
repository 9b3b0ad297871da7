"""Train stage: one partial_fit call per epoch, each a full pass over the training rows."""

from __future__ import annotations

import dataclasses

import numpy as np

from tracegen.pipeline import evaluate
from tracegen.spec import ModelSpec
from tracegen.trace import EpochRecord, Snapshot, StageRecord
from tracegen.pipeline.stages import row_example


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
    sizes = spec.params.get("hidden_layer_sizes", [100])
    return f"MLPClassifier with hidden layers {tuple(sizes)}"


def train(model, spec: ModelSpec, epochs: int, snapshot_epochs: tuple[int, ...], n_classes: int,
          X_train: np.ndarray, y_train: np.ndarray, X_val: np.ndarray, y_val: np.ndarray,
          ) -> tuple[tuple[EpochRecord, ...], tuple[Snapshot, ...], StageRecord]:
    """Fit one epoch at a time and log losses, accuracies and chosen snapshots."""
    classes = np.arange(n_classes)
    records, snapshots = [], []
    for epoch in range(1, epochs + 1):
        model.partial_fit(X_train, y_train, classes=classes)
        train_loss, train_accuracy = evaluate.loss_and_accuracy(
            y_train, model.predict_proba(X_train), model.predict(X_train))
        val_proba, val_pred = model.predict_proba(X_val), model.predict(X_val)
        val_loss, val_accuracy = evaluate.loss_and_accuracy(y_val, val_proba, val_pred)
        records.append(EpochRecord(epoch=epoch, train_loss=train_loss, train_accuracy=train_accuracy,
                                   val_loss=val_loss, val_accuracy=val_accuracy))
        if epoch in snapshot_epochs:
            snapshots.append(dataclasses.replace(evaluate.snapshot(epoch, y_val, val_proba, val_pred),
                                                 coef=_weights(model)))
    record = StageRecord(
        name="train",
        operation=f"Train a {describe(spec)} for {epochs} epochs; each epoch is one partial_fit pass over "
                  f"all {len(y_train)} train rows",
        input_shape={"train": X_train.shape},
        output_shape=_weight_shapes(model),
        example_in=row_example("train row 0, normalized", X_train[0]),
        example_out=row_example("train row 0, probability per class after training",
                                model.predict_proba(X_train[:1])[0]),
        fitted_on=f"{len(y_train)} train rows, {epochs} epochs",
        fitted_params=_weights(model),
    )
    return tuple(records), tuple(snapshots), record


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
