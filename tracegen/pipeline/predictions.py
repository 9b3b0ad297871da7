"""Bring your own predictions: an evaluation-only Trace from a user's predictions CSV.

No model is trained here, so the trace has no split, epochs, snapshots or traced prediction;
its stages are `load` and `evaluate`, and every metric comes from pipeline/evaluate.py as for
a lesson.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tracegen.errors import DataError
from tracegen.files import sha256_file
from tracegen.pipeline.data import load_csv
from tracegen.trace import SCHEMA_VERSION, DataInfo, Example, StageRecord, Trace

LESSON = "predictions"
THRESHOLDS = (0.3, 0.5, 0.7)
TOP_K = (1, 2, 3)
RULE = "the class with the highest probability (binary: score > 0.5)"
PROBABILITY_SUM_TOLERANCE = 1e-6
# Metrics, matrix and page grow with the square of the classes: 100 take about 13 s and make a
# 280 KB page (2,000 took 194 s and 40 MB); more cannot be read as a lesson page anyway.
MAX_CLASSES = 100


@dataclass(frozen=True)
class Predictions:
    """A user's own model output: labels plus a positive-class score or one probability per class."""

    y_true: np.ndarray
    proba: np.ndarray
    classes: tuple[str, ...]
    source: str
    raw_shape: tuple[int, ...]


def load_predictions(path: Path) -> Predictions:
    """Read a predictions CSV: a `y_true` column and either `score` or one column per class.

    `score` is the probability of the positive class, the second label in sorted order
    (scikit-learn's classes_[1]). Probability columns are named after the labels they score.
    """
    data = load_csv(path, "y_true", lesson=path, path_field="predictions")
    if len(data.classes) > MAX_CLASSES:
        raise DataError(path, "y_true", f"{len(data.classes)} different labels, over the {MAX_CLASSES} classes a "
                        "predictions page can show; evaluate fewer classes (e.g. the most frequent ones)")
    columns = data.feature_names
    if columns == ("score",):
        if len(data.classes) != 2:
            raise DataError(path, "y_true", f"a single score column needs exactly 2 labels, found "
                            f"{len(data.classes)} ({', '.join(data.classes[:6])}); add one probability "
                            f"column per class instead")
        scores = data.X[:, 0]
        _check_unit_interval(path, "score", scores)
        return Predictions(y_true=data.y, proba=np.column_stack([1 - scores, scores]), classes=data.classes,
                           source=f"predictions {path.name} (positive class {data.classes[1]})",
                           raw_shape=data.raw_shape)
    if "score" in columns:
        raise DataError(path, "score", "use either one score column (binary) or one probability column "
                        "per class, not both", line=1)
    missing = [c for c in data.classes if c not in columns]
    extra = [c for c in columns if c not in data.classes]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"labels without a probability column: {', '.join(missing[:6])}")
        if extra:
            parts.append(f"columns matching no label in y_true: {', '.join(extra[:6])}")
        raise DataError(path, "columns", "; ".join(parts) + "; name one column per class, exactly as the "
                        "labels in y_true (or use a single score column for binary)", line=1)
    proba = data.X[:, [columns.index(c) for c in data.classes]]
    for name, column in zip(data.classes, proba.T):
        _check_unit_interval(path, name, column)
    sums = proba.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1) > PROBABILITY_SUM_TOLERANCE)
    if len(bad):
        raise DataError(path, "row", f"probabilities sum to {sums[bad[0]]:.9g}, not 1 (tolerance "
                        f"{PROBABILITY_SUM_TOLERANCE:g}); data row {bad[0] + 1} of {len(sums)}")
    return Predictions(y_true=data.y, proba=proba, classes=data.classes, source=f"predictions {path.name}",
                       raw_shape=data.raw_shape)


def _check_unit_interval(path: Path, column: str, values: np.ndarray) -> None:
    bad = np.flatnonzero((values < 0) | (values > 1))
    if len(bad):
        raise DataError(path, column, f"value {values[bad[0]]:g} in data row {bad[0] + 1} is outside [0, 1]; "
                        "scores must be probabilities")


def file_fingerprint(path: Path) -> str:
    """Return the sha256 of the file's bytes."""
    return "sha256:" + sha256_file(path)


def load_record(predictions: Predictions, name: str, first_row: str) -> StageRecord:
    """Return the record of reading the predictions (`name`: the file's or the arrays' name)."""
    n, k = predictions.proba.shape
    binary = k == 2
    scores = predictions.proba[0, 1:] if binary else predictions.proba[0]
    shape = (n,) if binary else (n, k)
    return StageRecord(
        name="load",
        operation=f"Read {name}: {n} rows, labels y_true and "
                  + ("one score column (the probability of the positive class)" if binary
                     else f"{k} probability columns, one per class"),
        input_shape={"raw": predictions.raw_shape},
        output_shape={"y_true": (n,), "y_score": shape},
        example_in=Example(description=first_row, values=tuple(scores.tolist()),
                           label=predictions.classes[predictions.y_true[0]]),
        example_out=Example(description="row 0: y_true and y_score", values=tuple(scores.tolist()),
                            label=f"true {predictions.classes[predictions.y_true[0]]}"),
    )


def run_predictions(path: str | Path) -> Trace:
    """Evaluate a predictions CSV (see load_predictions) and return its evaluation-only trace."""
    path = Path(path)
    clock = time.perf_counter()
    predictions = load_predictions(path)
    fingerprint = file_fingerprint(path)
    return evaluation_trace(predictions, path.name, fingerprint, load_seconds=time.perf_counter() - clock,
                            first_row="file row 1")


def evaluation_trace(predictions: Predictions, name: str, fingerprint: str, *, y_pred: np.ndarray | None = None,
                     load_seconds: float = 0.0, feature_names: tuple[str, ...] = (),
                     first_row: str = "row 0") -> Trace:
    """Return the evaluation-only trace of predictions read from `name` (a file, or arrays passed in Python).

    Without `y_pred`, labels follow the probabilities: argmax, which keeps the first class on a tie,
    so a binary score of exactly 0.5 is negative. A fitted model passes its own predict() instead.
    """
    from tracegen.pipeline import evaluate, library_versions, records

    timings = {"load": load_seconds}
    clock = time.perf_counter()
    proba = predictions.proba
    y_pred = np.argmax(proba, axis=1) if y_pred is None else y_pred
    evaluation = evaluate.evaluate(predictions.y_true, proba, y_pred, predictions.classes, THRESHOLDS, TOP_K)
    timings["evaluate"] = time.perf_counter() - clock
    versions = library_versions()
    n = len(predictions.y_true)
    return Trace(
        schema=SCHEMA_VERSION,
        lesson=LESSON,
        seed=0,
        hash=hashlib.sha256(f"{fingerprint}|{sorted(versions.items())}".encode()).hexdigest(),
        spec={"predictions": name, "rule": RULE, "thresholds": THRESHOLDS},
        versions=versions,
        data=DataInfo(source=predictions.source, fingerprint=fingerprint, n_samples=n,
                      n_features=proba.shape[1] if proba.shape[1] > 2 else 1, feature_names=feature_names,
                      classes=predictions.classes),
        stages=(load_record(predictions, name, first_row), records.evaluate_record(evaluation, n)),
        epochs=(),
        validation="",
        snapshots=(),
        prediction=None,
        evaluation=evaluation,
        timings=timings,
    )
