"""Records of a lesson that compares runs, and of a bootstrap interval (split out of tracegen.trace,
which re-exports them).

Field names here are part of the public JSON schema (docs/trace-schema.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ComparedRun:
    """One run of the lesson's pipeline with one setting changed ([compare]), summarised on its test rows.

    Every number is scikit-learn's on that run's own test rows; average_precision is None for a
    multiclass task, and roc_auc is then the macro one-vs-rest AUC.
    """
    label: str
    setting: str
    value: str
    seed: int
    n_test: int
    accuracy: float
    roc_auc: float
    average_precision: float | None


@dataclass(frozen=True)
class BootstrapInterval:
    """Percentile intervals of ROC AUC and AP over resamples of the test rows (evaluation.bootstrap).

    Each resample draws n_test row positions with replacement (numpy's default_rng(seed).integers);
    a resample holding one class only has no AUC and is skipped (counted in `skipped`).
    """
    resamples: int
    seed: int
    level: float
    skipped: int
    roc_auc_low: float
    roc_auc_high: float
    average_precision_low: float
    average_precision_high: float
