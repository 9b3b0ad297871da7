"""Bring your own predictions: an evaluation-only Trace from a user's predictions CSV.

No model is trained here, so the trace has no split, epochs, snapshots or traced prediction;
its stages are `load` and `evaluate`, and every metric comes from pipeline/evaluate.py as for
a lesson.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np

from tracegen.trace import SCHEMA_VERSION, DataInfo, Example, StageRecord, Trace

LESSON = "predictions"
THRESHOLDS = (0.3, 0.5, 0.7)
TOP_K = (1, 2, 3)
RULE = "the class with the highest probability (binary: score > 0.5)"


def file_fingerprint(path: Path) -> str:
    """Return the sha256 of the file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def load_record(predictions, path: Path) -> StageRecord:
    """Return the record of reading the predictions file."""
    n, k = predictions.proba.shape
    binary = k == 2
    scores = predictions.proba[0, 1:] if binary else predictions.proba[0]
    shape = (n,) if binary else (n, k)
    return StageRecord(
        name="load",
        operation=f"Read {path.name}: {n} rows, labels y_true and "
                  + ("one score column (the probability of the positive class)" if binary
                     else f"{k} probability columns, one per class"),
        input_shape={"raw": predictions.raw_shape},
        output_shape={"y_true": (n,), "y_score": shape},
        example_in=Example(description="file row 1", values=tuple(scores.tolist()),
                           label=predictions.classes[predictions.y_true[0]]),
        example_out=Example(description="row 0: y_true and y_score", values=tuple(scores.tolist()),
                            label=f"true {predictions.classes[predictions.y_true[0]]}"),
    )


def run_predictions(path: str | Path) -> Trace:
    """Evaluate a predictions CSV (see data.load_predictions) and return its evaluation-only trace."""
    from importlib.metadata import version

    from tracegen.pipeline import evaluate, stages
    from tracegen.pipeline.data import load_predictions

    path = Path(path)
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    predictions = load_predictions(path)
    fingerprint = file_fingerprint(path)
    timings["load"] = time.perf_counter() - clock
    clock = time.perf_counter()
    proba = predictions.proba
    # argmax keeps the first class on a tie, so a binary score of exactly 0.5 is negative.
    y_pred = np.argmax(proba, axis=1)
    evaluation = evaluate.evaluate(predictions.y_true, proba, y_pred, predictions.classes, THRESHOLDS, TOP_K)
    timings["evaluate"] = time.perf_counter() - clock
    versions = {name: version(name) for name in ("tracegen", "numpy", "scikit-learn")}
    n = len(predictions.y_true)
    return Trace(
        schema=SCHEMA_VERSION,
        lesson=LESSON,
        seed=0,
        hash=hashlib.sha256(f"{fingerprint}|{sorted(versions.items())}".encode()).hexdigest(),
        spec={"predictions": path.name, "rule": RULE, "thresholds": THRESHOLDS},
        versions=versions,
        data=DataInfo(source=predictions.source, fingerprint=fingerprint, n_samples=n,
                      n_features=proba.shape[1] if proba.shape[1] > 2 else 1, feature_names=(),
                      classes=predictions.classes),
        stages=(load_record(predictions, path), stages.evaluate_record(evaluation, n)),
        epochs=(),
        validation="",
        snapshots=(),
        prediction=None,
        evaluation=evaluation,
        timings=timings,
    )
