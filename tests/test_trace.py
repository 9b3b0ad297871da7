"""Trace JSON: exact round trip, JSON-safe infinity, the public field names."""

from __future__ import annotations

import json

import numpy as np

from tracegen.trace import SCHEMA_VERSION, Trace


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
