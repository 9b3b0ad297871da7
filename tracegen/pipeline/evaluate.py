"""Evaluate stage: with multiclass_curves (the averaged curves), threshold_table (counts per threshold) and
robust_metrics (balanced accuracy, MCC, kappa; the PR trapezoid area), the only modules that import sklearn.metrics.

Every number here comes from a scikit-learn function, stored exactly as returned
(converted once to Python floats and ints). Charts, quizzes and templates read these
records; none of them recomputes a metric.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    auc,
    average_precision_score,
    classification_report,
    confusion_matrix,
    f1_score,
    log_loss,
    precision_recall_curve,
    precision_recall_fscore_support,
    recall_score,
    roc_auc_score,
    roc_curve,
    top_k_accuracy_score,
)

from tracegen.errors import DataError
from tracegen.pipeline.multiclass_curves import averaged_curves
from tracegen.pipeline.robust_metrics import pr_area_fields, robust_fields
from tracegen.pipeline.threshold_table import threshold_table
from tracegen.trace import (
    BinaryEvaluation,
    ClassCurves,
    Evaluation,
    FeatureBins,
    MulticlassEvaluation,
    PRCurve,
    ROCCurve,
    Sample,
    SampleExplorer,
    Snapshot,
    ThresholdChoice,
    ThresholdMetrics,
    TopK,
)

if TYPE_CHECKING:
    from tracegen.pipeline.data import Dataset
    from tracegen.pipeline.stages import Parts
    from tracegen.spec import LessonSpec

def loss_and_accuracy(y_true: np.ndarray, truth: np.ndarray, proba: np.ndarray, y_pred: np.ndarray,
                      ) -> tuple[float, float]:
    """Return (log loss, accuracy) for one set of rows.

    Parameters
    ----------
    y_true : ndarray of shape (n_samples,)
    truth : ndarray of shape (n_samples, n_classes)
        y_true as a 0/1 indicator matrix, one column per class. log_loss reads the same numbers from it
        as from y_true with labels=range(n_classes), without encoding y_true again in every call
        (most of log_loss's time when the train loop passes the same rows each epoch).
    proba : ndarray of shape (n_samples, n_classes)
    y_pred : ndarray of shape (n_samples,)
    """
    return float(log_loss(truth, proba)), float(accuracy_score(y_true, y_pred))


def snapshot(epoch: int, y_true: np.ndarray, proba: np.ndarray, y_pred: np.ndarray) -> Snapshot:
    """Return ROC AUC (OvR macro for multiclass), accuracy and confusion matrix at one epoch."""
    n_classes = proba.shape[1]
    return Snapshot(epoch=epoch, roc_auc=_roc_auc(y_true, proba), accuracy=float(accuracy_score(y_true, y_pred)),
                    confusion_matrix=_matrix(confusion_matrix(y_true, y_pred, labels=np.arange(n_classes))))


def _roc_auc(y_true: np.ndarray, proba: np.ndarray, average: str = "macro") -> float:
    if proba.shape[1] == 2:
        return float(roc_auc_score(y_true, proba[:, 1]))
    return float(roc_auc_score(y_true, proba, multi_class="ovr", average=average,
                               labels=np.arange(proba.shape[1])))


def evaluate(y_true: np.ndarray, proba: np.ndarray, y_pred: np.ndarray, classes: tuple[str, ...],
             thresholds: tuple[float, ...], top_k: tuple[int, ...]) -> Evaluation:
    """Return the evaluation of test predictions.

    Parameters
    ----------
    y_true : ndarray of shape (n_samples,)
        Class indices into `classes`.
    proba : ndarray of shape (n_samples, n_classes)
        predict_proba output.
    y_pred : ndarray of shape (n_samples,)
        The model's own predictions (its decision rule).
    """
    labels = np.arange(len(classes))
    common: dict[str, Any] = dict(
        classes=classes,
        y_true=tuple(y_true.tolist()),
        y_pred=tuple(y_pred.tolist()),
        accuracy=float(accuracy_score(y_true, y_pred)),
        confusion_matrix=_matrix(confusion_matrix(y_true, y_pred, labels=labels)),
        classification_report=_report(y_true, y_pred, classes),
        **_baselines(y_true, y_pred, labels),
        confusion_matrix_normalized={
            how: tuple(tuple(row) for row in confusion_matrix(y_true, y_pred, labels=labels, normalize=how).tolist())
            for how in ("true", "pred")},
    )
    common.update(robust_fields(y_true, y_pred, common["majority_class"], labels))
    if len(classes) == 2:
        y_score = proba[:, 1]
        pr_curve, average_precision, roc, roc_auc = _curves(y_true, y_score, pos_label=1)
        return BinaryEvaluation(
            y_score=tuple(y_score.tolist()), pos_label=1,
            prevalence=float(np.mean(y_true == 1)),
            pr_curve=pr_curve, average_precision=average_precision, roc_curve=roc, roc_auc=roc_auc,
            at_thresholds=tuple(at_threshold(y_true, y_score, t) for t in thresholds),
            threshold_table=threshold_table(y_true, y_score),
            **pr_area_fields(y_true, pr_curve),
            **common,
        )
    per_class = []
    for index, name in enumerate(classes):
        is_class = (y_true == index).astype(np.int64)
        pr_curve, average_precision, roc, roc_auc = _curves(is_class, proba[:, index], pos_label=1)
        per_class.append(ClassCurves(class_name=name, prevalence=float(np.mean(is_class)), pr_curve=pr_curve,
                                     average_precision=average_precision, roc_curve=roc, roc_auc=roc_auc))
    return MulticlassEvaluation(
        y_score=tuple(tuple(row) for row in proba.tolist()),
        per_class=tuple(per_class),
        roc_auc_micro=_roc_auc(y_true, proba, average="micro"),
        roc_auc_macro=_roc_auc(y_true, proba, average="macro"),
        averaged_curves=averaged_curves(y_true, proba, [c.roc_curve for c in per_class]),
        # k >= n_classes is trivially 1.0 (scikit-learn warns), so it is not recorded.
        top_k=tuple(TopK(k=k, accuracy=float(top_k_accuracy_score(y_true, proba, k=k, labels=labels)))
                    for k in top_k if k < len(classes)),
        **common,
    )


def _baselines(y_true: np.ndarray, y_pred: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """Return the majority-class baseline and micro-averaged F1.

    The majority class is the most frequent class among these rows (lowest index on ties);
    its accuracy is what always predicting it scores (the accuracy-paradox baseline).
    """
    majority = int(np.bincount(y_true, minlength=len(labels)).argmax())
    return dict(
        majority_class=majority,
        majority_accuracy=float(accuracy_score(y_true, np.full_like(y_true, majority))),
        f1_micro=float(f1_score(y_true, y_pred, labels=labels, average="micro", zero_division=0)),
    )


def _curves(y_true: np.ndarray, y_score: np.ndarray, pos_label: int) -> tuple[PRCurve, float, ROCCurve, float]:
    precision, recall, pr_thresholds = precision_recall_curve(y_true, y_score, pos_label=pos_label)
    fpr, tpr, roc_thresholds = roc_curve(y_true, y_score, pos_label=pos_label)
    return (
        PRCurve(precision=tuple(precision.tolist()), recall=tuple(recall.tolist()),
                thresholds=tuple(pr_thresholds.tolist()), sentinel_index=len(precision) - 1),
        float(average_precision_score(y_true, y_score, pos_label=pos_label)),
        ROCCurve(fpr=tuple(fpr.tolist()), tpr=tuple(tpr.tolist()), thresholds=tuple(roc_thresholds.tolist())),
        # roc_auc_score computes exactly auc(*roc_curve(...)[:2]) for binary labels; the curve is already here,
        # and computing it a second time was a fifth of a multiclass lesson's evaluation.
        float(auc(fpr, tpr)),
    )


def at_threshold(y_true: np.ndarray, y_score: np.ndarray, threshold: float) -> ThresholdMetrics:
    """Return the binary confusion matrix and scores when `y_score >= threshold` is positive.

    `>=` is the convention of scikit-learn's curves; the model's own predict is strict.
    """
    y_pred = (y_score >= threshold).astype(np.int64)
    # One call for all three scores: precision_score, recall_score and f1_score each call it anyway,
    # and on a large predictions file each call's input checks cost more than the counting.
    precision, recall, f1, _ = precision_recall_fscore_support(y_true, y_pred, average="binary", zero_division=0)
    return ThresholdMetrics(
        threshold=float(threshold), rule=f"y_score >= {threshold:g}",
        confusion_matrix=_matrix(confusion_matrix(y_true, y_pred, labels=[0, 1])),
        precision=float(precision), recall=float(recall), f1=float(f1),
        accuracy=float(accuracy_score(y_true, y_pred)),
    )


def _report(y_true: np.ndarray, y_pred: np.ndarray, classes: tuple[str, ...]) -> dict[str, Any]:
    report = classification_report(y_true, y_pred, labels=np.arange(len(classes)), target_names=list(classes),
                                   output_dict=True, zero_division=0)
    return _python_numbers(report)


def _python_numbers(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _python_numbers(v) for k, v in value.items()}
    if isinstance(value, (int, np.integer)):
        return int(value)
    return float(value)


def _matrix(matrix: np.ndarray) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(row) for row in matrix.tolist())


def tune_threshold(y_val: np.ndarray, score_val: np.ndarray, y_test: np.ndarray, score_test: np.ndarray,
                   ) -> ThresholdChoice:
    """Pick the threshold with the best F1 on validation rows, then measure it on test rows.

    The test rows play no part in the choice: tuning on them would report an optimistic score.
    Among equally good thresholds the highest is kept.

    The candidates are the distinct validation scores, highest first, as metric_at_thresholds lists
    them. It calls f1_score once per threshold, which took half a second for 400 rows; here each
    threshold's predictions are one column of a multilabel indicator matrix, so a single f1_score
    call with average=None returns the same F1 for every threshold (a test checks they are equal).
    """
    thresholds = np.unique(score_val)[::-1]
    predicted = (score_val[:, None] >= thresholds[None, :]).astype(np.int64)
    actual = np.repeat(y_val[:, None], len(thresholds), axis=1)
    # One column would read as binary labels rather than multilabel: score a lone candidate directly.
    scores = f1_score(actual, predicted, average=None, zero_division=0) if len(thresholds) > 1 else \
        np.array([f1_score(y_val, predicted[:, 0], zero_division=0)])
    best = int(np.argmax(scores))
    threshold = float(thresholds[best])
    return ThresholdChoice(metric="f1", threshold=threshold, validation_score=float(scores[best]),
                           validation_y_true=tuple(y_val.tolist()), validation_y_score=tuple(score_val.tolist()),
                           test=at_threshold(y_test, score_test, threshold),
                           default=at_threshold(y_test, score_test, 0.5))


def feature_bins(values: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray, n_classes: int, n_bins: int,
                 name: str) -> FeatureBins:
    """Return recall per class in quantile bins of `values` (one number per test row).

    Parameters
    ----------
    values : ndarray of shape (n_samples,)
        The property binned on, e.g. a feature or the mean of the raw features.
    """
    # Repeated quantiles (discrete data) would make empty bins, so duplicate edges collapse.
    edges = np.unique(np.quantile(values, np.linspace(0, 1, n_bins + 1)))
    bins = np.clip(np.searchsorted(edges[1:-1], values, side="right"), 0, len(edges) - 2)
    labels = np.arange(n_classes)
    # Per bin here; transposed to per class below.
    support: list[list[int]] = []
    recall: list[list[float | None]] = []
    for b in range(len(edges) - 1):
        in_bin = bins == b
        counts = np.bincount(y_true[in_bin], minlength=n_classes)
        support.append(counts.tolist())
        if not in_bin.any():  # interpolated quantile edges can leave a bin empty
            recall.append([None] * n_classes)
            continue
        # One call scores every class of the bin; a class absent from the bin has no recall (None).
        rates = recall_score(y_true[in_bin], y_pred[in_bin], labels=labels, average=None, zero_division=0)
        recall.append([float(r) if n else None for r, n in zip(rates, counts)])
    return FeatureBins(property=name, values=tuple(values.tolist()), edges=tuple(edges.tolist()),
                       counts=tuple(np.bincount(bins, minlength=len(edges) - 1).tolist()),
                       support=tuple(zip(*support)), recall=tuple(zip(*recall)))


def explore_samples(raw: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray,
                    class_index: int, per_group: int) -> SampleExplorer:
    """Group test rows as TP, FP and FN for one class, most confident first within each group.

    For FN "most confident" means the lowest probability given to the true class: the worst misses.
    """
    p = proba[:, class_index]
    is_class, said_class = y_true == class_index, y_pred == class_index
    groups = (("TP", is_class & said_class, -p), ("FP", ~is_class & said_class, -p),
              ("FN", is_class & ~said_class, p))
    samples = []
    for outcome, mask, key in groups:
        rows = np.flatnonzero(mask)
        for row in rows[np.argsort(key[rows], kind="stable")][:per_group]:
            samples.append(Sample(test_row=int(row), outcome=outcome, actual=int(y_true[row]),
                                  predicted=int(y_pred[row]), probability=float(p[row]),
                                  values=tuple(raw[row].tolist())))
    return SampleExplorer(class_index=class_index, samples=tuple(samples))


def evaluation_extras(spec: LessonSpec, data: Dataset, parts: Parts, X: np.ndarray, model: Any, proba: np.ndarray,
                      y_pred: np.ndarray) -> dict[str, Any]:
    """Return the optional evaluations a lesson asks for, as evaluation field values.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Every row, normalized; `parts` says which are validation and test rows.
    proba, y_pred : ndarray of shape (n_test, n_classes) and (n_test,)
        The model's output on the test rows.
    """
    options = spec.evaluation
    y_test = data.y[parts.test]
    extras: dict[str, Any] = {}
    if options.tune_threshold:
        val_scores = model.predict_proba(X[parts.validation])[:, 1]
        extras["threshold_choice"] = tune_threshold(data.y[parts.validation], val_scores, y_test, proba[:, 1])
    if (options.calibration or options.costs) and len(data.classes) != 2:
        raise DataError(spec.path, "evaluation.calibration" if options.calibration else "evaluation.costs",
                        f"needs a binary task; this data set has {len(data.classes)} classes")
    if options.costs:
        # Imported here: cost_threshold prices its thresholds with this module's at_threshold.
        from tracegen.pipeline.cost_threshold import cost_thresholds

        extras["cost_thresholds"] = cost_thresholds(data.y[parts.validation], val_scores, y_test, proba[:, 1],
                                                    options.costs, extras["threshold_choice"].threshold)
    if options.calibration:
        from tracegen.pipeline.calibration import calibrate

        extras["calibration"] = calibrate(model, X[parts.validation], data.y[parts.validation], X[parts.test],
                                          y_test, proba[:, 1], options.calibration)
    if options.by_feature:
        raw = data.X[parts.test]
        if options.by_feature == "mean":
            values, name = raw.mean(axis=1), "mean of the raw feature values"
        else:
            values, name = raw[:, data.feature_names.index(options.by_feature)], options.by_feature
        if values.min() == values.max():  # one value leaves nothing to bin: no edges, no bins
            raise DataError(spec.path, "evaluation.by_feature", f"{name} is {values[0]:g} in every test row; "
                            "bin by a feature whose values differ")
        extras["by_feature"] = feature_bins(values, y_test, y_pred, len(data.classes), options.bins, name)
    if options.explore_class is not None:
        extras["samples"] = explore_samples(data.X[parts.test], y_test, y_pred, proba,
                                            data.classes.index(options.explore_class), options.explore_count)
    return extras
