"""The Trace: plain frozen records of one run, with an exact JSON round trip.

Field names here are the public JSON schema (docs/trace-schema.md). Arrays are tuples
of Python floats or ints. Non-finite floats are written as the strings "inf", "-inf" and
"nan", and decoded by type (tracegen.typed_json, which checks every field of what it reads),
so a class that happens to be named "inf" stays a string.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeAlias

from tracegen import typed_json

# Re-exported: tracegen.trace is the one import for every record of the schema.
from tracegen.compare_records import (
    BootstrapInterval as BootstrapInterval,
    ComparedRun as ComparedRun,
)
from tracegen.evaluation_records import (
    AveragedCurves as AveragedCurves,
    Calibration as Calibration,
    ClassCurves as ClassCurves,
    CostedRule as CostedRule,
    CostThresholds as CostThresholds,
    FeatureBins as FeatureBins,
    MeanROCCurve as MeanROCCurve,
    PRCurve as PRCurve,
    PRCurveAreas as PRCurveAreas,
    ReliabilityCurve as ReliabilityCurve,
    RobustScores as RobustScores,
    ROCCurve as ROCCurve,
    Sample as Sample,
    SampleExplorer as SampleExplorer,
    ThresholdChoice as ThresholdChoice,
    ThresholdMetrics as ThresholdMetrics,
    ThresholdTable as ThresholdTable,
    TopK as TopK,
)
from tracegen.typed_json import frozen as frozen  # re-exported: the pipeline freezes trace.spec

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Example:
    """One real row shown before or after a stage."""
    description: str
    values: tuple[float, ...]
    label: str | None = None


@dataclass(frozen=True)
class StageRecord:
    """What one runner stage did. Shapes are keyed by part: {"train": (800, 10), ...}."""
    name: str
    operation: str
    input_shape: dict[str, tuple[int, ...]]
    output_shape: dict[str, tuple[int, ...]]
    example_in: Example
    example_out: Example
    fitted_on: str | None = None
    fitted_params: dict[str, tuple[float, ...]] | None = None


@dataclass(frozen=True)
class EpochRecord:
    """Losses and accuracies after one full pass over the training rows."""
    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float


@dataclass(frozen=True)
class Snapshot:
    """Evaluation logged at the end of a chosen epoch, as a Keras callback would."""
    epoch: int
    roc_auc: float
    accuracy: float
    confusion_matrix: tuple[tuple[int, ...], ...]
    # A linear model's weights at this epoch ("coef[i]" per class, "intercept"); None for an MLP.
    coef: dict[str, tuple[float, ...]] | None = None


@dataclass(frozen=True)
class PredictionTrace:
    """One real test row followed from raw values to a label."""
    test_row: int
    raw: tuple[float, ...]
    normalized: tuple[float, ...]
    score: tuple[float, ...]
    probability: tuple[float, ...]
    rule: str
    predicted: str
    actual: str


@dataclass(frozen=True, kw_only=True)
class _Evaluation:
    """What both tasks compute on the test rows; y_true and y_pred are class indices into `classes`."""
    classes: tuple[str, ...]
    y_true: tuple[int, ...]
    y_pred: tuple[int, ...]
    accuracy: float
    confusion_matrix: tuple[tuple[int, ...], ...]
    classification_report: dict[str, Any]
    # Optional so that schema-1 traces written before these were recorded still load.
    majority_class: int | None = None
    majority_accuracy: float | None = None
    f1_micro: float | None = None
    # confusion_matrix(normalize="true") (recall on the diagonal) and normalize="pred" (precision).
    confusion_matrix_normalized: dict[str, tuple[tuple[float, ...], ...]] = field(default_factory=dict)
    by_feature: FeatureBins | None = None
    samples: SampleExplorer | None = None
    # The model's and the majority baseline's imbalance-robust scores; None in traces written before them.
    robust_scores: RobustScores | None = None
    majority_robust_scores: RobustScores | None = None


@dataclass(frozen=True, kw_only=True)
class BinaryEvaluation(_Evaluation):
    """A two-class evaluation; y_score is the positive-class score of each row."""
    task: Literal["binary"] = "binary"
    y_score: tuple[float, ...]
    pos_label: int
    prevalence: float
    pr_curve: PRCurve
    average_precision: float
    roc_curve: ROCCurve
    roc_auc: float
    at_thresholds: tuple[ThresholdMetrics, ...] = ()
    threshold_choice: ThresholdChoice | None = None
    # None in traces written before the threshold explorer.
    threshold_table: ThresholdTable | None = None
    # With evaluation.calibration / evaluation.costs (issue 16); None otherwise.
    calibration: Calibration | None = None
    cost_thresholds: CostThresholds | None = None
    # Set by evaluation.bootstrap (a number of resamples); None otherwise.
    bootstrap: BootstrapInterval | None = None
    # auc(recall, precision) of pr_curve, and a constant score's two PR areas; None in traces written before them.
    pr_curve_trapezoid_area: float | None = None
    constant_score_pr: PRCurveAreas | None = None
    # The multiclass-only keys, empty here: the JSON (see json_fields) and task-blind readers see one schema.
    per_class: ClassVar[tuple[()]] = ()
    roc_auc_micro: ClassVar[None] = None
    roc_auc_macro: ClassVar[None] = None
    top_k: ClassVar[tuple[()]] = ()
    averaged_curves: ClassVar[None] = None


@dataclass(frozen=True, kw_only=True)
class MulticlassEvaluation(_Evaluation):
    """An evaluation of three or more classes; y_score is the (n_samples, n_classes) probability matrix."""
    task: Literal["multiclass"] = "multiclass"
    y_score: tuple[tuple[float, ...], ...]
    per_class: tuple[ClassCurves, ...]
    roc_auc_micro: float
    roc_auc_macro: float
    top_k: tuple[TopK, ...] = ()
    # Optional so that schema-1 traces written before these were recorded still load.
    averaged_curves: AveragedCurves | None = None
    # The binary-only keys, empty here: the JSON (see json_fields) and task-blind readers see one schema.
    pos_label: ClassVar[None] = None
    prevalence: ClassVar[None] = None
    pr_curve: ClassVar[None] = None
    average_precision: ClassVar[None] = None
    roc_curve: ClassVar[None] = None
    roc_auc: ClassVar[None] = None
    at_thresholds: ClassVar[tuple[()]] = ()
    threshold_choice: ClassVar[None] = None
    threshold_table: ClassVar[None] = None
    calibration: ClassVar[None] = None
    cost_thresholds: ClassVar[None] = None
    bootstrap: ClassVar[None] = None
    pr_curve_trapezoid_area: ClassVar[None] = None
    constant_score_pr: ClassVar[None] = None


Evaluation: TypeAlias = BinaryEvaluation | MulticlassEvaluation  # `if ev.task == "binary":` narrows it


@dataclass(frozen=True)
class DataInfo:
    """What was loaded, and the fingerprint of its source."""
    source: str
    fingerprint: str
    n_samples: int
    n_features: int
    feature_names: tuple[str, ...]
    classes: tuple[str, ...]


# The HTML view of a trace in Jupyter. The trace layer does not import the HTML layer, so
# tracegen.html.notebook sets this when imported (tracegen.api imports it).
HTML_VIEW: Callable[[Trace], str] | None = None


@dataclass(frozen=True, repr=False)
class Trace:
    """One run of one lesson, everything a page, a terminal view or a quiz shows."""
    schema: int
    lesson: str
    seed: int
    hash: str
    spec: dict[str, Any]
    versions: dict[str, str]
    data: DataInfo
    stages: tuple[StageRecord, ...]
    epochs: tuple[EpochRecord, ...]
    validation: str
    snapshots: tuple[Snapshot, ...]
    # None for an evaluation-only trace (tracegen run --predictions): no model, no traced row.
    prediction: PredictionTrace | None
    evaluation: Evaluation
    # The lesson's [compare] runs, one per setting value, each summarised; () for a one-run lesson.
    compared: tuple[ComparedRun, ...] = ()
    # Wall times vary run to run, so they stay out of JSON unless asked for.
    timings: dict[str, float] = field(default_factory=dict, compare=False)

    def _repr_html_(self) -> str | None:
        """Return the notebook view (Jupyter calls this), once tracegen.html.notebook has set HTML_VIEW."""
        return HTML_VIEW(self) if HTML_VIEW is not None else None

    def __repr__(self) -> str:
        # The fields run to tens of thousands of characters (every score and curve point); a REPL
        # or notebook shows what the trace is, and trace.to_json() shows all of it.
        ev = self.evaluation
        return (f"Trace(lesson={self.lesson!r}, seed={self.seed}, task={ev.task!r}, classes={len(ev.classes)}, "
                f"test_rows={len(ev.y_true)}, epochs={len(self.epochs)}, hash={self.hash[:12]!r})")

    def stage(self, name: str) -> StageRecord:
        """Return the stage record called `name`."""
        for record in self.stages:
            if record.name == name:
                return record
        raise KeyError(name)

    def split_counts(self) -> dict[str, int]:
        """Return row counts: all, train, validation (0 without a validation split) and test."""
        shapes = self.stage("split").output_shape
        return {"all": self.data.n_samples, "train": shapes["train"][0],
                "validation": shapes.get("validation", (0,))[0], "test": shapes["test"][0]}

    def to_dict(self, include_timings: bool = False) -> dict[str, Any]:
        """Return the trace as JSON-ready data (non-finite floats as strings)."""
        data = _plain(self)
        if not include_timings:
            del data["timings"]
        return data

    def to_json(self, include_timings: bool = False) -> str:
        """Return the trace as deterministic JSON text."""
        return _layout(self.to_dict(include_timings)) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trace:
        """Rebuild a trace from `to_dict` output; ValueError or TypeError, naming the field, for anything else."""
        schema = data.get("schema") if isinstance(data, dict) else None
        if type(schema) is not int or schema != SCHEMA_VERSION:
            raise ValueError(f"unsupported trace schema; expected {SCHEMA_VERSION}")
        return typed_json.build(cls, data)

    @classmethod
    def from_json(cls, text: str) -> Trace:
        """Rebuild a trace from `to_json` output; ValueError or TypeError for text that is not one."""
        try:
            return cls.from_dict(json.loads(text))
        except RecursionError:  # nesting deeper than the decoders' recursion allows
            raise ValueError("trace JSON is nested too deeply") from None


# json's C encoder is only used without indent, so items are encoded compactly by it and
# _layout adds the line breaks that keep trace.json readable.
_compact = json.JSONEncoder(sort_keys=True, ensure_ascii=False, allow_nan=False).encode


def _layout(value: Any, indent: str = "") -> str:
    """Return JSON with one key per line for objects, one item per line for lists of lists or
    objects (stages, epochs, matrix rows), and everything else compact on one line."""
    inner = indent + " "
    if isinstance(value, dict) and value:
        lines = [f"{inner}{_compact(key)}: {_layout(value[key], inner)}" for key in sorted(value)]
        return "{\n" + ",\n".join(lines) + "\n" + indent + "}"
    if isinstance(value, list) and value and isinstance(value[0], (dict, list)):
        return "[\n" + ",\n".join(inner + _compact(item) for item in value) + "\n" + indent + "]"
    return _compact(value)


@functools.cache
def json_fields(cls: type) -> tuple[str, ...] | None:
    """Return a record type's JSON keys, None for any other type (looked up once per class): its fields,
    then its ClassVar placeholders, with which an evaluation writes the other task's keys as null or []."""
    if not dataclasses.is_dataclass(cls):
        return None
    placeholders = (name for name, kind in typing.get_type_hints(cls).items() if typing.get_origin(kind) is ClassVar)
    return tuple(f.name for f in dataclasses.fields(cls)) + tuple(placeholders)


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        # Fast path for arrays of finite numbers, the bulk of a trace; isfinite raises
        # TypeError on strings, None and nested tuples, OverflowError on huge ints.
        try:
            if all(map(math.isfinite, value)):
                return list(value)
        except (TypeError, OverflowError):
            pass
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    names = json_fields(value.__class__)
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    return value
