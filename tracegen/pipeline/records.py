"""StageRecord builders for the load and evaluate stages, and the one-row Example every stage shows."""

from __future__ import annotations

import numpy as np

from tracegen.pipeline.data import Dataset
from tracegen.trace import Evaluation, Example, StageRecord


def model_input(selected: bool) -> str:
    """Return what the rows the model reads have been through: normalized, and selected with a [select] stage."""
    return "normalized and selected" if selected else "normalized"


def row_example(description: str, values: np.ndarray, label: str | None = None) -> Example:
    """Return an Example holding one row's values as Python floats."""
    return Example(description=description, values=tuple(np.asarray(values, dtype=np.float64).tolist()),
                   label=label)


def load_record(data: Dataset) -> StageRecord:
    """Return the record of the load stage."""
    counts = np.bincount(data.y, minlength=len(data.classes))
    balance = ", ".join(f"{name}: {count}" for name, count in zip(data.classes, counts.tolist()))
    return StageRecord(
        name="load",
        operation=f"Load {data.source}: {data.X.shape[0]} rows, {data.X.shape[1]} features, "
                  f"{len(data.classes)} classes ({balance})",
        input_shape={"raw": data.raw_shape},
        output_shape={"X": data.X.shape, "y": data.y.shape},
        example_in=row_example("data row 0, features", data.X[0]),
        example_out=row_example("data row 0, features and class", data.X[0], data.classes[data.y[0]]),
    )


def evaluate_record(evaluation: Evaluation, n_test: int) -> StageRecord:
    """Return the record of the evaluate stage."""
    score: tuple[float, ...]
    if evaluation.task == "binary":
        outputs = {"pr_curve": (len(evaluation.pr_curve.precision),), "roc_curve": (len(evaluation.roc_curve.fpr),),
                   "confusion_matrix": (2, 2)}
        what = "PR curve, average precision, ROC curve and AUC, confusion matrices, classification report"
        score = (evaluation.y_score[0],)
    else:
        k = len(evaluation.classes)
        outputs = {"per_class_curves": (k,), "confusion_matrix": (k, k), "top_k": (len(evaluation.top_k),)}
        what = "one-vs-rest PR and ROC curves per class, micro and macro ROC AUC, confusion matrix, " \
               "classification report, top-k accuracy"
        score = evaluation.y_score[0]
    true_label = evaluation.classes[evaluation.y_true[0]]
    predicted = evaluation.classes[evaluation.y_pred[0]]
    return StageRecord(
        name="evaluate",
        operation=f"Compare y_score with y_true on the {n_test} test rows using scikit-learn: {what}",
        input_shape={"y_true": (n_test,), "y_score": (n_test,) if evaluation.task == "binary"
                     else (n_test, len(evaluation.classes))},
        output_shape=outputs,
        example_in=Example(description="test row 0, y_score", values=tuple(score), label=f"true {true_label}"),
        example_out=Example(description="test row 0 at the model's rule", values=(),
                            label=f"true {true_label}, predicted {predicted}: "
                                  f"{'correct' if true_label == predicted else 'wrong'}"),
    )
