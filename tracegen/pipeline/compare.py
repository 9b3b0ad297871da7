"""The compared runs of a [compare] lesson, and the bootstrap interval of a test metric (evaluation.bootstrap).

A compared run is the lesson's pipeline with one setting changed, run in this process and kept
lean: it trains for the same epochs but logs no per-epoch losses or snapshots, and records only
the summary numbers of its test rows, each from scikit-learn. Like evaluate.py, this module
computes metrics only through sklearn.metrics.
"""

from __future__ import annotations

import numpy as np
import sklearn
from sklearn.metrics import accuracy_score, average_precision_score, roc_auc_score

from tracegen.pipeline import data as data_stage, stages, train
from tracegen.spec import LessonSpec
from tracegen.spec.compare import apply_setting
from tracegen.trace import BootstrapInterval, ComparedRun

# The interval a bootstrap records: the middle 95% of the resampled metrics.
BOOTSTRAP_LEVEL = 0.95


def compared_runs(spec: LessonSpec, seed: int, data: data_stage.Dataset) -> tuple[ComparedRun, ...]:
    """Return one summary per [compare] value; `data` is the lesson's own rows at `seed`.

    A compared seed (setting "split.seed") is the run's whole seed, as `tracegen run --seed` would use
    it (a make_classification lesson draws its rows anew); any other setting keeps the lesson's seed,
    so a retake (--variants) compares its own split.
    """
    compare = spec.compare
    if compare is None:
        return ()
    runs = []
    for label, value in zip(compare.labels, compare.values):
        run_spec = apply_setting(spec, compare.setting, value)
        run_seed = value if compare.setting == "split.seed" else seed
        run_data = data if run_seed == seed and not compare.setting.startswith("dataset.") else \
            data_stage.load(run_spec, run_seed)
        y_true, proba, y_pred = _lean_run(run_spec, run_seed, run_data)
        binary = proba.shape[1] == 2
        roc_auc = roc_auc_score(y_true, proba[:, 1]) if binary else \
            roc_auc_score(y_true, proba, multi_class="ovr", labels=np.arange(proba.shape[1]))
        runs.append(ComparedRun(
            label=label, setting=compare.setting, value=str(value), seed=int(run_seed), n_test=len(y_true),
            accuracy=float(accuracy_score(y_true, y_pred)), roc_auc=float(roc_auc),
            average_precision=float(average_precision_score(y_true, proba[:, 1])) if binary else None))
    return tuple(runs)


def _lean_run(spec: LessonSpec, seed: int, data: data_stage.Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split, normalize and train as pipeline.run does, without the per-epoch scores; return the test
    rows' classes, probabilities and the model's own predictions."""
    data_stage.check_fits(data, spec)
    parts, _ = stages.split(data, spec, seed)
    X, _ = stages.normalize(data, parts, spec.normalization)
    if spec.select is not None:
        X, _ = stages.select(data, parts, X, spec.select)
    model = train.make_model(spec.model, seed)
    classes = np.arange(len(data.classes))
    X_train, y_train = X[parts.train], data.y[parts.train]
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, spec.epochs + 1):
            train.fit_epoch(model, X_train, y_train, classes, spec, epoch, f" of the compared run at seed {seed}",
                            field="compare")
        X_test = X[parts.test]
        proba = model.predict_proba(X_test)
        return data.y[parts.test], proba, train.predicted_labels(model, X_test, proba)


def bootstrap_interval(y_true: np.ndarray, y_score: np.ndarray, resamples: int, seed: int) -> BootstrapInterval:
    """Return the percentile intervals of ROC AUC and AP over `resamples` resamples of the test rows.

    The row positions of every resample are drawn at once, numpy's default_rng(seed).integers(0, n,
    size=(resamples, n)), so a reader recomputes them in two lines. Each resample's metrics are
    scikit-learn's, all resamples in one call as the columns of a multilabel indicator (average=None
    scores each column with the same binary function as a call per resample, bit for bit, and checks
    the inputs once instead of once per resample: a third less CPU). Parameter checks are skipped:
    the arrays were checked once, by the evaluation.
    """
    n = len(y_true)
    draws = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    truths, scores = y_true[draws], y_score[draws]
    # A resample of one class only has no AUC: it is skipped.
    both = truths.min(axis=1) != truths.max(axis=1)
    truths, scores = truths[both].T, scores[both].T
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
        aucs = roc_auc_score(truths, scores, average=None)
        aps = average_precision_score(truths, scores, average=None)
    tail = 100 * (1 - BOOTSTRAP_LEVEL) / 2
    auc_low, auc_high = np.percentile(aucs, [tail, 100 - tail]).tolist()
    ap_low, ap_high = np.percentile(aps, [tail, 100 - tail]).tolist()
    return BootstrapInterval(resamples=resamples, seed=seed, level=BOOTSTRAP_LEVEL, skipped=resamples - int(both.sum()),
                             roc_auc_low=auc_low, roc_auc_high=auc_high,
                             average_precision_low=ap_low, average_precision_high=ap_high)
