"""The precision-recall lesson's pipeline as a bare scikit-learn script, with no tracegen.

It is the benchmark baseline, and the tests use it as an independent oracle: the trace
must hold exactly the numbers this script prints. PIPELINE mirrors
lessons/precision-recall.md (a test checks that they agree).
"""

import sys

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    classification_report,
    confusion_matrix,
    log_loss,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

PIPELINE = {
    "data": {"n_samples": 1000, "n_features": 10, "n_informative": 5, "n_redundant": 2,
             "weights": [0.7], "flip_y": 0.05, "class_sep": 0.8},
    "test_size": 0.2,
    "validation_size": 0.25,
    "alpha": 0.001,
    "epochs": 12,
    "seed": 4,
}


def run(seed=PIPELINE["seed"]):
    """Return the pipeline's numbers as a dict of arrays and scalars."""
    X, y = make_classification(random_state=seed, **PIPELINE["data"])
    train, test = train_test_split(np.arange(len(y)), test_size=PIPELINE["test_size"], random_state=seed,
                                   stratify=y)
    # Per-epoch validation rows are carved from the training rows; the test rows wait for the end.
    train, validation = train_test_split(train, test_size=PIPELINE["validation_size"], random_state=seed,
                                         stratify=y[train])
    scaler = StandardScaler().fit(X[train])
    X = scaler.transform(X)
    model = SGDClassifier(loss="log_loss", alpha=PIPELINE["alpha"], random_state=seed)
    epochs = []
    for _ in range(PIPELINE["epochs"]):
        model.partial_fit(X[train], y[train], classes=[0, 1])
        row = []
        for rows in (train, validation):
            proba = model.predict_proba(X[rows])
            row += [log_loss(y[rows], proba, labels=[0, 1]), accuracy_score(y[rows], model.predict(X[rows]))]
        epochs.append(row)
    y_score = model.predict_proba(X[test])[:, 1]
    y_pred = model.predict(X[test])
    precision, recall, thresholds = precision_recall_curve(y[test], y_score)
    fpr, tpr, roc_thresholds = roc_curve(y[test], y_score)
    return {
        "scaler_mean": scaler.mean_, "epochs": np.array(epochs), "y_true": y[test], "y_score": y_score,
        "precision": precision, "recall": recall, "thresholds": thresholds,
        "average_precision": average_precision_score(y[test], y_score),
        "fpr": fpr, "tpr": tpr, "roc_thresholds": roc_thresholds, "roc_auc": roc_auc_score(y[test], y_score),
        "confusion_matrix": confusion_matrix(y[test], y_pred),
        "report": classification_report(y[test], y_pred, output_dict=True, zero_division=0),
    }


def main():
    result = run(int(sys.argv[1]) if len(sys.argv) > 1 else PIPELINE["seed"])
    np.set_printoptions(precision=4, threshold=12)
    print("epoch  train_loss  train_acc  val_loss  val_acc")
    for epoch, row in enumerate(result["epochs"], start=1):
        print(f"{epoch:5d}  " + "  ".join(f"{v:.4f}" for v in row))
    print("precision", result["precision"])
    print("recall", result["recall"])
    print(f"AP {result['average_precision']:.4f}  ROC AUC {result['roc_auc']:.4f}  "
          f"prevalence {result['y_true'].mean():.4f}")
    print("confusion matrix", result["confusion_matrix"].tolist())


if __name__ == "__main__":
    main()
