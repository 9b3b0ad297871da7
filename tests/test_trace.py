"""Trace JSON: exact round trip, JSON-safe infinity, the public field names."""

from __future__ import annotations

import contextlib
import dataclasses
import json

import numpy as np
import pytest

from tracegen.trace import (
    SCHEMA_VERSION,
    BinaryEvaluation,
    Evaluation,
    FeatureBins,
    MulticlassEvaluation,
    Trace,
    json_fields,
)

INF, NAN = float("inf"), float("nan")
# Non-finite values, the sign of zero, the smallest subnormal, the largest float and a
# value whose shortest repr has 17 digits: all must come back bit for bit.
AWKWARD = (INF, -INF, NAN, -0.0, 5e-324, 1.7976931348623157e308, 0.1 + 0.2)


def exact(value):
    """Return `value` with floats as float.hex (exact, nan == nan) and every type named."""
    if isinstance(value, float):
        return ("float", value.hex())
    if dataclasses.is_dataclass(value):
        return (type(value).__name__, {f.name: exact(getattr(value, f.name)) for f in dataclasses.fields(value)})
    if isinstance(value, dict):
        return ("dict", {key: exact(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [exact(item) for item in value])
    return (type(value).__name__, value)


def awkward_trace(trace):
    """`trace` with non-finite and extreme floats in float fields and classes named like them."""
    ev = trace.evaluation
    stages = (dataclasses.replace(trace.stages[0], fitted_params={"mean": AWKWARD}),) + trace.stages[1:]
    evaluation = dataclasses.replace(
        ev, classes=("inf", "nan"), accuracy=-INF, prevalence=NAN,
        roc_curve=dataclasses.replace(ev.roc_curve, thresholds=AWKWARD),
        confusion_matrix_normalized={"true": ((INF, NAN), (-0.0, 1.0))},
        by_feature=FeatureBins(property="inf", values=AWKWARD, edges=(-INF, 0.0, INF), counts=(3, 4),
                               support=((1, 2), (3, 4)), recall=((None, INF), (NAN, 0.5))))
    data = dataclasses.replace(trace.data, classes=("inf", "nan"), feature_names=("größe", "-inf"))
    return dataclasses.replace(trace, stages=stages, evaluation=evaluation, data=data,
                               prediction=dataclasses.replace(trace.prediction, score=AWKWARD),
                               timings={"train": INF, "load": 0.25})


def sorted_object(pairs):
    """json.loads object hook that checks the keys were written sorted."""
    keys = [key for key, _ in pairs]
    assert keys == sorted(keys)
    return dict(pairs)


def reject_constant(name):
    raise ValueError(f"non-standard JSON constant {name}")


def test_round_trip_is_exact(binary_trace, multiclass_trace):
    """from_json(to_json(t)) == t, and serializing again gives the same bytes."""
    for trace in (binary_trace, multiclass_trace):
        text = trace.to_json()
        again = Trace.from_json(text)
        assert again == trace
        assert again.to_json() == text


def test_float64_preserved_bit_for_bit(binary_trace):
    """Scores survive JSON with every bit of their float64 value."""
    again = Trace.from_json(binary_trace.to_json())
    original = np.array(binary_trace.evaluation.y_score, dtype=np.float64)
    restored = np.array(again.evaluation.y_score, dtype=np.float64)
    assert original.tobytes() == restored.tobytes()


def test_infinite_threshold_is_json_safe(binary_trace):
    """roc_curve's thresholds[0] = inf is written as a string and read back as inf."""
    text = binary_trace.to_json()
    json.loads(text, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
    data = json.loads(text)
    assert data["evaluation"]["roc_curve"]["thresholds"][0] == "inf"
    assert Trace.from_json(text).evaluation.roc_curve.thresholds[0] == float("inf")


def test_public_json_names(binary_trace, multiclass_trace):
    """The JSON names promised in the schema are present."""
    data = json.loads(binary_trace.to_json())
    assert {"schema", "lesson", "seed", "hash", "stages", "epochs", "evaluation"} <= data.keys()
    assert data["schema"] == SCHEMA_VERSION
    for stage in data["stages"]:
        assert {"name", "input_shape", "output_shape"} <= stage.keys()
    assert [s["name"] for s in data["stages"]] == ["load", "split", "normalize", "train", "predict", "evaluate"]
    for epoch in data["epochs"]:
        assert set(epoch) == {"epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy"}
    ev = data["evaluation"]
    assert {"y_true", "y_score", "classes", "confusion_matrix", "pr_curve", "average_precision",
            "roc_curve", "roc_auc"} <= ev.keys()
    assert set(ev["pr_curve"]) >= {"precision", "recall", "thresholds"}
    assert set(ev["roc_curve"]) == {"fpr", "tpr", "thresholds"}
    multi = json.loads(multiclass_trace.to_json())["evaluation"]
    assert np.array(multi["y_score"]).shape == (len(multi["y_true"]), len(multi["classes"]))


def test_timings_kept_out_of_json(binary_trace):
    """Wall times are recorded but only serialized when asked for."""
    assert set(binary_trace.timings) == {"load", "split", "normalize", "train", "predict", "evaluate"}
    assert "timings" not in json.loads(binary_trace.to_json())
    assert "timings" in json.loads(binary_trace.to_json(include_timings=True))


def test_class_named_inf_stays_a_string(binary_trace):
    """Infinity is decoded by field type, so a class called "inf" is not turned into a float."""
    data = json.loads(binary_trace.to_json())
    data["evaluation"]["classes"] = ["inf", "nan"]
    assert Trace.from_dict(data).evaluation.classes == ("inf", "nan")


def test_awkward_floats_and_names_round_trip_exactly(binary_trace):
    """inf, -inf, nan, -0.0 and extreme floats in float fields come back bit for bit; classes named
    "inf" and "nan" stay strings; non-ASCII text is written as is; every list comes back a tuple."""
    trace = awkward_trace(binary_trace)
    text = trace.to_json(include_timings=True)
    data = json.loads(text, parse_constant=reject_constant)
    assert data["evaluation"]["roc_curve"]["thresholds"][:4] == ["inf", "-inf", "nan", -0.0]
    assert data["evaluation"]["classes"] == data["data"]["classes"] == ["inf", "nan"]
    assert data["evaluation"]["by_feature"]["recall"] == [[None, "inf"], ["nan", 0.5]]
    assert '"größe"' in text
    again = Trace.from_json(text)
    assert exact(again) == exact(trace)
    assert again.to_json(include_timings=True) == text


def test_json_is_valid_sorted_and_deterministic(binary_trace, multiclass_trace):
    """to_json is standard JSON with sorted keys, equal to to_dict, and a fixed point of the round trip."""
    for trace in (binary_trace, multiclass_trace, awkward_trace(binary_trace)):
        for timings in (False, True):
            text = trace.to_json(include_timings=timings)
            assert text.endswith("}\n") and text == trace.to_json(include_timings=timings)
            data = json.loads(text, parse_constant=reject_constant, object_pairs_hook=sorted_object)
            assert data == trace.to_dict(include_timings=timings)
            assert Trace.from_json(text).to_json(include_timings=timings) == text


def test_json_layout_is_readable(binary_trace):
    """One top-level key per line, and each stage and epoch a complete JSON object on its own line."""
    text = binary_trace.to_json()
    data = json.loads(text)
    lines = text.splitlines()
    assert [line.split('"')[1] for line in lines if line.startswith(' "')] == sorted(data)
    for key, first in (("stages", '{"example_in"'), ("epochs", '{"epoch"')):
        records = [json.loads(line.strip().rstrip(",")) for line in lines if line.strip().startswith(first)]
        assert records == data[key]


# Schema 1's evaluation keys: both tasks write all of them, the other task's as null or [].
EVALUATION_KEYS = {
    "task", "classes", "y_true", "y_score", "y_pred", "accuracy", "confusion_matrix", "classification_report",
    "pos_label", "prevalence", "pr_curve", "average_precision", "roc_curve", "roc_auc", "at_thresholds",
    "per_class", "roc_auc_micro", "roc_auc_macro", "top_k", "majority_class", "majority_accuracy", "f1_micro",
    "confusion_matrix_normalized", "threshold_choice", "by_feature", "samples", "averaged_curves", "bootstrap",
    "threshold_table", "robust_scores", "majority_robust_scores", "pr_curve_trapezoid_area", "constant_score_pr",
    # Issue 16: null unless the lesson asks for calibration or costs.
    "calibration", "cost_thresholds",
}
BINARY_ONLY = {"pos_label", "prevalence", "pr_curve", "average_precision", "roc_curve", "roc_auc", "at_thresholds",
               "threshold_choice", "threshold_table", "calibration", "cost_thresholds",
               "bootstrap", "pr_curve_trapezoid_area", "constant_score_pr"}
MULTICLASS_ONLY = {"per_class", "roc_auc_micro", "roc_auc_macro", "top_k", "averaged_curves"}


def test_each_task_has_its_own_record(binary_trace, multiclass_trace):
    """A binary run gives a BinaryEvaluation, a multiclass run a MulticlassEvaluation, and JSON reads back the same."""
    binary, multiclass = binary_trace.evaluation, multiclass_trace.evaluation
    assert type(binary) is BinaryEvaluation and binary.task == "binary"
    assert type(multiclass) is MulticlassEvaluation and multiclass.task == "multiclass"
    for trace in (binary_trace, multiclass_trace):
        assert isinstance(trace.evaluation, Evaluation)
        assert type(Trace.from_json(trace.to_json()).evaluation) is type(trace.evaluation)


def test_records_hold_only_their_task_fields():
    """The dataclass fields say which values a task records; the other task's keys are class-level placeholders."""
    binary = {f.name for f in dataclasses.fields(BinaryEvaluation)}
    multiclass = {f.name for f in dataclasses.fields(MulticlassEvaluation)}
    assert binary & MULTICLASS_ONLY == set() and BINARY_ONLY.issubset(binary)
    assert multiclass & BINARY_ONLY == set() and MULTICLASS_ONLY.issubset(multiclass)
    assert binary | multiclass == EVALUATION_KEYS
    for record, others in ((BinaryEvaluation, MULTICLASS_ONLY), (MulticlassEvaluation, BINARY_ONLY)):
        assert set(json_fields(record)) == EVALUATION_KEYS
        assert {name: getattr(record, name) for name in others} == {
            name: () if name in ("per_class", "top_k", "at_thresholds") else None for name in others}


def test_json_keeps_every_evaluation_key_for_both_tasks(binary_trace, multiclass_trace):
    """Both tasks' JSON has schema 1's 29 evaluation keys; the other task's are null or [] as before."""
    for trace, others in ((binary_trace, MULTICLASS_ONLY), (multiclass_trace, BINARY_ONLY)):
        ev = json.loads(trace.to_json())["evaluation"]
        assert set(ev) == EVALUATION_KEYS
        assert {key: ev[key] for key in others} == {
            key: [] if key in ("per_class", "top_k", "at_thresholds") else None for key in others}


def test_task_blind_reads_still_work(multiclass_trace):
    """Code that reads a binary-only field without checking the task gets None or (), as with the wide record."""
    ev = multiclass_trace.evaluation
    assert ev.pr_curve is None and ev.average_precision is None and ev.at_thresholds == ()
    assert ev.threshold_choice is None and ev.threshold_table is None


def test_split_counts(binary_spec, binary_trace, multiclass_trace):
    """split_counts reads the split stage's shapes: all rows, train, validation and test."""
    import math

    n = binary_spec.dataset.params["n_samples"]
    n_test = math.ceil(binary_spec.split.test_size * n)  # train_test_split rounds the held-out part up
    n_validation = math.ceil(binary_spec.split.validation_size * (n - n_test))
    counts = binary_trace.split_counts()
    assert counts == {"all": n, "train": n - n_test - n_validation, "validation": n_validation, "test": n_test}
    counts = multiclass_trace.split_counts()
    shapes = multiclass_trace.stage("split").output_shape
    assert counts["validation"] == shapes["validation"][0] > 0
    assert counts["train"] + counts["validation"] + counts["test"] == counts["all"]


def leaf_paths(data, path=()):
    """Yield the path of every object key and of the first item of every list in JSON data."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*path, key)
            yield from leaf_paths(value, (*path, key))
    elif isinstance(data, list) and data:
        yield (*path, 0)
        yield from leaf_paths(data[0], (*path, 0))


def replaced(data, path, value):
    """Return a copy of JSON data with the value at `path` replaced (only the containers on the path are copied)."""
    if not path:
        return value
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[path[0]] = replaced(data[path[0]], path[1:], value)
    return copy


def test_from_json_refuses_what_is_not_a_trace_with_value_or_type_errors():
    """A list, null, an empty object, deep nesting or another schema is a ValueError or TypeError, nothing else."""
    for text in ("[]", "null", "{}", "3", '"trace"', "[" * 100_000 + "]" * 100_000, '{"schema": true}',
                 '{"schema": "1"}', '{"schema": 2}', '{"schema": 1}', "{" * 5):
        with pytest.raises((ValueError, TypeError)):
            Trace.from_json(text)


def test_every_field_of_the_wrong_type_is_refused(binary_trace, multiclass_trace):
    """Any value of a trace replaced by one of another type loads or fails with ValueError or TypeError only;
    a string in place of a number is always refused (outside the free-form spec and classification report)."""
    for trace in (binary_trace, multiclass_trace):
        data = trace.to_dict()
        for path in leaf_paths(data):
            for value in ("x", [], {}, None, True, 10**400, [[[]]]):
                with contextlib.suppress(ValueError, TypeError):  # anything else fails the test
                    Trace.from_dict(replaced(data, path, value))
            original = data
            for step in path:
                original = original[step]
            free_form = path[0] == "spec" or "classification_report" in path
            if isinstance(original, (int, float)) and not isinstance(original, bool) and not free_form:
                with pytest.raises((ValueError, TypeError)):
                    Trace.from_dict(replaced(data, path, "x"))
