"""pipeline/evaluate.py: every metric in a trace equals scikit-learn's, recomputed from y_true / y_score."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st
from sklearn.metrics import (
    confusion_matrix,
    f1_score,
    recall_score,
)

from benchmarks import bare_precision_recall
from tests.pipeline.evaluate_oracles import TOL, assert_same_array, check_binary, check_common, check_multiclass
from tracegen.pipeline.evaluate import evaluate


def test_binary_lesson_metrics_match_sklearn(binary_trace):
    """The precision-recall lesson's evaluation equals scikit-learn's."""
    ev = binary_trace.evaluation
    assert ev.task == "binary" and len(ev.y_true) == 200
    check_binary(ev)
    check_common(ev)


def test_multiclass_lesson_metrics_match_sklearn(multiclass_trace):
    """The multiclass-roc lesson's evaluation equals scikit-learn's."""
    ev = multiclass_trace.evaluation
    assert ev.task == "multiclass" and len(ev.classes) == 10
    assert [t.k for t in ev.top_k] == [1, 2, 3]
    check_multiclass(ev)
    check_common(ev)


def test_toy_case_by_hand():
    """y_true=[0, 1], y_score=[0.2, 0.8] gives AP 1 and the curve computable by hand."""
    proba = np.array([[0.8, 0.2], [0.2, 0.8]])
    ev = evaluate(np.array([0, 1]), proba, np.array([0, 1]), ("neg", "pos"), (0.5,), ())
    assert ev.pr_curve.precision == (0.5, 1.0, 1.0)
    assert ev.pr_curve.recall == (1.0, 1.0, 0.0)
    assert ev.pr_curve.thresholds == (0.2, 0.8)
    assert ev.average_precision == 1.0 and ev.roc_auc == 1.0
    assert ev.at_thresholds[0].confusion_matrix == ((1, 0), (0, 1))


scores = st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.5, 0.75, 0.9, 1.0]) | st.floats(0, 1)


@settings(max_examples=150, deadline=None)
@given(data=st.lists(st.tuples(st.integers(0, 1), scores), min_size=2, max_size=60),
       threshold=st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]))
def test_binary_property_matches_sklearn(data, threshold):
    """Random labels and scores, with ties, evaluate exactly as scikit-learn does."""
    y_true = np.array([label for label, _ in data])
    if len(set(y_true.tolist())) < 2:
        y_true[0], y_true[-1] = 0, 1
    y_score = np.array([score for _, score in data])
    proba = np.column_stack([1 - y_score, y_score])
    y_pred = (y_score > 0.5).astype(int)
    ev = evaluate(y_true, proba, y_pred, ("0", "1"), (threshold,), ())
    check_binary(ev)
    check_common(ev)


@settings(max_examples=100, deadline=None)
@given(data=st.lists(st.tuples(st.integers(0, 1), scores), min_size=1, max_size=60))
def test_tuned_threshold_is_metric_at_thresholds_argmax(data):
    """The tuned threshold is the highest of those with the best F1 in metric_at_thresholds(f1_score), exactly."""
    from sklearn.metrics import metric_at_thresholds

    from tracegen.pipeline.evaluate import tune_threshold

    y_val = np.array([label for label, _ in data])
    score_val = np.array([score for _, score in data])
    f1s, thresholds = metric_at_thresholds(y_val, score_val, f1_score, metric_params={"zero_division": 0})
    choice = tune_threshold(y_val, score_val, np.array([0, 1]), np.array([0.2, 0.8]))
    assert choice.threshold == thresholds[np.flatnonzero(f1s == f1s.max())[0]]
    assert choice.validation_score == f1s.max()


@settings(max_examples=60, deadline=None)
@given(n_classes=st.integers(3, 5), n_samples=st.integers(6, 40), data=st.data())
def test_multiclass_property_matches_sklearn(n_classes, n_samples, data):
    """Random probability matrices (ties included) evaluate exactly as scikit-learn does."""
    y_true = np.array(data.draw(st.lists(st.integers(0, n_classes - 1), min_size=n_samples, max_size=n_samples)))
    y_true[:n_classes] = np.arange(n_classes)  # every class present, as the split guarantees
    weights = np.array(data.draw(st.lists(st.lists(st.sampled_from([1, 1, 2, 3, 5]), min_size=n_classes,
                                                   max_size=n_classes), min_size=n_samples, max_size=n_samples)),
                       dtype=np.float64)
    proba = weights / weights.sum(axis=1, keepdims=True)
    y_pred = proba.argmax(axis=1)
    ev = evaluate(y_true, proba, y_pred, tuple(str(i) for i in range(n_classes)), (0.5,), (1, 2, 3))
    check_multiclass(ev)
    check_common(ev)


def test_trace_arrays_match_bare_script(binary_trace):
    """The precision-recall trace holds exactly what a bare scikit-learn script computes."""
    result = bare_precision_recall.run()
    ev = binary_trace.evaluation
    assert_same_array(ev.y_true, result["y_true"])
    assert_same_array(ev.y_score, result["y_score"])
    assert_same_array(ev.pr_curve.precision, result["precision"])
    assert abs(ev.average_precision - result["average_precision"]) <= TOL
    epochs = np.array([[e.train_loss, e.train_accuracy, e.val_loss, e.val_accuracy] for e in binary_trace.epochs])
    assert_same_array(epochs, result["epochs"])


def test_bare_script_mirrors_the_lesson(binary_spec):
    """The oracle script runs the same pipeline the lesson declares."""
    pipeline = bare_precision_recall.PIPELINE
    assert binary_spec.dataset.source == "make_classification"
    assert binary_spec.dataset.params == pipeline["data"]
    assert binary_spec.split.test_size == pipeline["test_size"] and binary_spec.split.stratify
    assert binary_spec.split.validation_size == pipeline["validation_size"]
    assert binary_spec.split.seed == pipeline["seed"] and binary_spec.epochs == pipeline["epochs"]
    assert binary_spec.model.kind == "logistic" and binary_spec.model.params == {"alpha": pipeline["alpha"]}
    assert binary_spec.normalization == "standard"


EXTRAS_LESSON = """
epochs = 6
[dataset]
source = "breast_cancer"
[split]
test_size = 0.3
validation_size = 0.3
seed = 1
[evaluation]
tune_threshold = "f1"
by_feature = "mean radius"
bins = 4
explore_class = "malignant"
explore_count = 3
snapshots = [2, 6]
"""


def test_normalized_confusion_matrices(binary_trace, multiclass_trace):
    """Row- and column-normalized matrices equal confusion_matrix(normalize=...)."""
    for trace in (binary_trace, multiclass_trace):
        ev = trace.evaluation
        for how in ("true", "pred"):
            expected = confusion_matrix(ev.y_true, ev.y_pred, labels=range(len(ev.classes)), normalize=how)
            assert_same_array(ev.confusion_matrix_normalized[how], expected)


def test_lesson_extras_match_sklearn(tmp_path):
    """Tuned threshold, per-bin recall, sample groups and coefficient snapshots, checked independently."""
    from sklearn.metrics import metric_at_thresholds

    from tests.conftest import write_lesson
    from tracegen import pipeline
    from tracegen.spec import load_lesson

    trace = pipeline.run(load_lesson(write_lesson(tmp_path, EXTRAS_LESSON)))
    ev = trace.evaluation
    y_true, y_score, y_pred = np.array(ev.y_true), np.array(ev.y_score), np.array(ev.y_pred)

    choice = ev.threshold_choice
    f1s, thresholds = metric_at_thresholds(np.array(choice.validation_y_true), np.array(choice.validation_y_score),
                                           f1_score, metric_params={"zero_division": 0})
    assert abs(choice.validation_score - f1s.max()) <= TOL
    assert choice.threshold in thresholds[f1s == f1s.max()]
    tuned = (y_score >= choice.threshold).astype(int)
    assert abs(choice.test.f1 - f1_score(y_true, tuned)) <= TOL
    assert abs(choice.default.f1 - f1_score(y_true, (y_score >= 0.5).astype(int))) <= TOL
    assert len(choice.validation_y_true) == trace.stage("split").output_shape["validation"][0]

    bins = ev.by_feature
    values = np.array(bins.values)
    assert bins.property == "mean radius" and len(values) == len(y_true)
    assert sum(bins.counts) == len(y_true)
    for c in range(2):
        for b in range(len(bins.edges) - 1):
            low, high = bins.edges[b], bins.edges[b + 1]
            in_bin = (values >= low) & ((values < high) if b < len(bins.edges) - 2 else (values <= high))
            mask = in_bin & (y_true == c)
            assert bins.support[c][b] == mask.sum()
            if mask.sum():
                assert abs(bins.recall[c][b] - recall_score(y_true[in_bin] == c, y_pred[in_bin] == c)) <= TOL
            else:
                assert bins.recall[c][b] is None

    explored = ev.samples
    assert ev.classes[explored.class_index] == "malignant"
    probability = np.array(ev.y_score) if explored.class_index == 1 else 1 - np.array(ev.y_score)
    by_group = {}
    for sample in explored.samples:
        by_group.setdefault(sample.outcome, []).append(sample)
        is_class = y_true[sample.test_row] == explored.class_index
        said = y_pred[sample.test_row] == explored.class_index
        assert sample.outcome == {(True, True): "TP", (False, True): "FP", (True, False): "FN"}[(is_class, said)]
        assert abs(sample.probability - probability[sample.test_row]) <= 1e-12
    assert by_group["TP"][0].probability >= by_group["TP"][-1].probability
    assert all(len(group) <= 3 for group in by_group.values())

    assert [s.epoch for s in trace.snapshots] == [2, 6]
    assert trace.snapshots[-1].coef == trace.stage("train").fitted_params
    assert trace.snapshots[0].coef != trace.snapshots[-1].coef


def test_feature_bins_left_empty_by_quantile_edges():
    """Two rows in four quantile bins leave the middle bins empty: zero support and no recall there."""
    from tracegen.pipeline.evaluate import feature_bins

    y_true, y_pred = np.array([0, 1]), np.array([0, 0])
    bins = feature_bins(np.array([0.0, 10.0]), y_true, y_pred, 2, 4, "x")
    assert bins.counts == (1, 0, 0, 1)
    assert bins.support == ((1, 0, 0, 0), (0, 0, 0, 1))
    assert bins.recall[0][0] == recall_score(y_true[:1] == 0, y_pred[:1] == 0)
    assert bins.recall[1][3] == recall_score(y_true[1:] == 1, y_pred[1:] == 1, zero_division=0)
    assert bins.recall[0][1:] == (None, None, None) and bins.recall[1][:3] == (None, None, None)
