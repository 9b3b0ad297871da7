"""The oracle for predictions mode: scikit-learn alone on a predictions CSV.

Usage: python benchmarks/bare_predictions.py FILE.csv

Parses the CSV (y_true, score) with the standard csv module, then calls precision_recall_curve,
roc_curve, confusion_matrix and classification_report on the same arrays, and prints a summary.
"""

from __future__ import annotations

import csv
import sys

import numpy as np
from sklearn.metrics import classification_report, confusion_matrix, precision_recall_curve, roc_curve


def main(path: str) -> None:
    """Parse the file and compute the four scikit-learn outputs."""
    with open(path, newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        labels, scores = [], []
        for label, score in rows:
            labels.append(float(label))
            scores.append(float(score))
    y_true, y_score = np.array(labels, dtype=np.int64), np.array(scores)
    precision, recall, _ = precision_recall_curve(y_true, y_score)
    fpr, tpr, _ = roc_curve(y_true, y_score)
    y_pred = (y_score > 0.5).astype(np.int64)
    matrix = confusion_matrix(y_true, y_pred)
    report = classification_report(y_true, y_pred)
    print(len(precision), len(fpr), matrix.tolist())
    print(report)


if __name__ == "__main__":
    main(sys.argv[1])
