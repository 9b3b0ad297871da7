"""Independent oracles for quiz answers, shared by the quiz and export tests.

`expected(trace, question)` recomputes a question's right answer from y_true / y_score (or the
recorded stages and epochs) with scikit-learn and numpy, reading only the parameters the
prompt states (a threshold, an epoch, a class, k). It returns the expected numeric answer, or
the set of texts the right options must show. It never reads the answer from our output.
"""

from __future__ import annotations

import functools
import re

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.metrics import (
    accuracy_score,
    auc,
    average_precision_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
    top_k_accuracy_score,
)

from tests.conftest import LESSONS
from tracegen import pipeline
from tracegen.quiz.question import Question
from tracegen.spec import load_lesson
from tracegen.trace import Trace

LESSON_NAMES = ("precision-recall", "multiclass-roc")
SEEDS = tuple(range(20))
FAST_EPOCHS = 6


@functools.cache
def lesson_trace(name: str, seed: int | None = None, epochs: int | None = FAST_EPOCHS):
    """Return (spec, trace) for a lesson at a seed, trained for `epochs` (None: the lesson's own)."""
    spec = load_lesson(LESSONS / f"{name}.md")
    if epochs is not None:
        spec = pipeline.with_epochs(spec, epochs)
    return spec, pipeline.run(spec, seed=seed)


def arrays(trace: Trace) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return y_true, y_score and y_pred as numpy arrays."""
    ev = trace.evaluation
    return np.array(ev.y_true), np.array(ev.y_score, dtype=np.float64), np.array(ev.y_pred)


def param(pattern: str, text: str) -> str:
    """Return the first group of `pattern` in a prompt (the test fails if the prompt lacks it)."""
    match = re.search(pattern, text)
    assert match, f"prompt does not state {pattern!r}: {text}"
    return match.group(1)


def threshold_of(question: Question) -> float:
    """Return the threshold a binary question states."""
    return float(param(r"threshold (\d+(?:\.\d+)?)", question.prompt))


def at(trace: Trace, threshold: float) -> np.ndarray:
    """Return predictions at `y_score >= threshold`, scikit-learn's curve convention."""
    _, y_score, _ = arrays(trace)
    return (y_score >= threshold).astype(int)


def direction(before: float, after: float) -> str:
    """Return the word the quiz uses for a change."""
    return "rises" if after > before else "falls" if after < before else "stays the same"


def test_rows(trace, question):
    y_true, _, _ = arrays(trace)
    assert trace.stage("split").output_shape["test"][0] == len(y_true)
    return float(len(y_true))


def stage_shape(trace, question):
    _, y_score, _ = arrays(trace)
    n_classes = len(trace.evaluation.classes)
    rows = y_score.shape[0]
    return {f"({rows}, {n_classes})"}


def scaler_fit_rows(trace, question):
    n_test = len(trace.evaluation.y_true)
    shapes = trace.stage("split").output_shape
    n_train = trace.data.n_samples - n_test - shapes.get("validation", (0,))[0]
    return {f"Only the {n_train} train rows"}


def loss_at_epoch(trace, question):
    k = int(param(r"at epoch (\d+)", question.prompt))
    return trace.epochs[k - 1].val_loss


def best_val_epoch(trace, question):
    return float(np.argmin([e.val_loss for e in trace.epochs]) + 1)


def overfitting(trace, question):
    val = np.array([e.val_loss for e in trace.epochs])
    best = int(np.argmin(val)) + 1
    if best == len(val):
        return {f"No: validation loss is lowest at the last epoch, {best}, so it has not started rising"}
    return {f"Yes, from epoch {best + 1}: validation loss is lowest at epoch {best} and never gets back below that"}


def precision_at_threshold(trace, question):
    y_true, _, _ = arrays(trace)
    return precision_score(y_true, at(trace, threshold_of(question)))


def recall_at_threshold(trace, question):
    y_true, _, _ = arrays(trace)
    return recall_score(y_true, at(trace, threshold_of(question)))


def f1_at_threshold(trace, question):
    y_true, _, _ = arrays(trace)
    return f1_score(y_true, at(trace, threshold_of(question)))


def trend_ends(question):
    """Return the (low, high) thresholds a trend question states."""
    match = re.search(r"rises from (\S+) to (\S+) \(", question.prompt)
    assert match, question.prompt
    return float(match.group(1)), float(match.group(2))


def threshold_trend(trace, question):
    y_true, _, _ = arrays(trace)
    low, high = trend_ends(question)
    p = [precision_score(y_true, at(trace, t)) for t in (low, high)]
    r = [recall_score(y_true, at(trace, t)) for t in (low, high)]
    return {f"Precision {direction(*p)} and recall {direction(*r)}"}


def pr_curve_point(trace, question):
    y_true, _, _ = arrays(trace)
    t = float(param(r"point for threshold (\d+(?:\.\d+)?)", question.prompt))
    p = precision_score(y_true, at(trace, t))
    r = recall_score(y_true, at(trace, t))
    return {f"Of the test rows with y_score >= {t:g}, a fraction {p:.2f} are truly positive, and they include "
            f"{r:.2f} of all positive rows"}


def ap_chance_level(trace, question):
    y_true, _, _ = arrays(trace)
    if trace.evaluation.task == "binary":
        is_positive = y_true == 1
    else:
        name = param(r"For class '([^']+)'", question.prompt)
        is_positive = y_true == trace.evaluation.classes.index(name)
    # A constant score ranks nothing: its AP is the chance level, the prevalence.
    chance = average_precision_score(is_positive, np.zeros(len(y_true)))
    return {f"{chance:.3f}"}


def auc_and_recall(trace):
    """Return the AUC and recall the AUC questions quote, recomputed."""
    y_true, y_score, y_pred = arrays(trace)
    if trace.evaluation.task == "binary":
        return roc_auc_score(y_true, y_score), recall_score(y_true, y_pred)
    labels = np.arange(len(trace.evaluation.classes))
    return (roc_auc_score(y_true, y_score, multi_class="ovr", average="macro", labels=labels),
            recall_score(y_true, y_pred, average="macro", labels=labels, zero_division=0))


def roc_auc_meaning(trace, question):
    auc, _ = auc_and_recall(trace)
    assert f"is {auc:.3f}." in question.prompt
    return {o.text for o in question.options if o.text.startswith(("The probability that", "For each class"))}


def auc_vs_recall(trace, question):
    auc, recall = auc_and_recall(trace)
    assert f"{auc:.3f}" in question.prompt and f"{recall:.3f}" in question.prompt
    if trace.evaluation.task == "binary":
        right = {"AUC scores how well positives are ranked above negatives over every threshold; recall is "
                 "measured at one threshold"}
    else:  # multiclass predict is argmax (E7); the rest pool's size does not lift AUC (E3)
        right = {"AUC scores how well each class's rows are ranked above the rest over every threshold; recall "
                 "is measured at one decision rule (the most probable class)",
                 "A one-vs-rest AUC does not depend on how many rows the 'rest' pool holds; the pool's size "
                 "lowers precision instead"}
    right |= {o.text for o in question.options if o.text.startswith(("Moving the threshold", "Changing the"))}
    return right


def majority_baseline(trace, question):
    y_true, _, _ = arrays(trace)
    features = np.zeros((len(y_true), 1))
    return DummyClassifier(strategy="most_frequent").fit(features, y_true).score(features, y_true)


def micro_f1(trace, question):
    y_true, _, y_pred = arrays(trace)
    micro = f1_score(y_true, y_pred, average="micro")
    assert abs(micro - accuracy_score(y_true, y_pred)) < 1e-12
    assert f"{micro:.4f}" in question.explanation
    return {"accuracy"}


def top_k_accuracy(trace, question):
    y_true, y_score, _ = arrays(trace)
    k = int(param(r"top-(\d+) accuracy", question.prompt))
    return top_k_accuracy_score(y_true, y_score, k=k, labels=np.arange(len(trace.evaluation.classes)))


def pr_sentinel(trace, question):
    return {"scikit-learn's sentinel at precision 1, recall 0, which anchors the curve; no threshold produces it"}


def pr_reading(trace, question):
    y_true, _, _ = arrays(trace)
    return {"Moving along the curve towards higher thresholds, recall can only fall or stay the same",
            f"A model that ranks the rows at random would get an AP of about {np.mean(y_true == 1):.3f} here, not 0.5"}


def ap_above_chance(trace, question):
    y_true, y_score, _ = arrays(trace)
    return average_precision_score(y_true, y_score) - np.mean(y_true == 1)


def gini(trace, question):
    y_true, y_score, _ = arrays(trace)
    labels = np.arange(len(trace.evaluation.classes))
    return 2 * roc_auc_score(y_true, y_score, multi_class="ovr", average="macro", labels=labels) - 1


# ---------------------------------------------------------------- catalogue generators (issue 6)


def class_index(trace: Trace, pattern: str, question: Question) -> int:
    """Return the index of the class a prompt names."""
    return trace.evaluation.classes.index(param(pattern, question.prompt))


def normalized_diagonal(trace, question):
    y_true, _, y_pred = arrays(trace)
    c = class_index(trace, r"diagonal cell of class (\S+)\?", question)
    labels = np.arange(len(trace.evaluation.classes))
    share = confusion_matrix(y_true, y_pred, labels=labels, normalize="true")[c, c]
    assert abs(share - recall_score(y_true == c, y_pred == c)) < 1e-12
    return share


def confused_pairs(trace, question):
    y_true, _, y_pred = arrays(trace)
    names = trace.evaluation.classes
    m = confusion_matrix(y_true, y_pred, labels=np.arange(len(names)))
    right = set()
    for option in question.options:
        a, b = (names.index(n) for n in option.text.split(" and "))
        if m[a, b] and m[b, a]:
            right.add(option.text)
    return right


def tuned_threshold(trace, question):
    choice = trace.evaluation.threshold_choice
    y_val, s_val = np.array(choice.validation_y_true), np.array(choice.validation_y_score)
    candidates = np.unique(s_val)
    scores = [f1_score(y_val, (s_val >= t).astype(int), zero_division=0) for t in candidates]
    best = max(scores)
    threshold = max(t for t, f in zip(candidates, scores) if f == best)
    assert f"{threshold:.4f}" in question.prompt
    y_true, y_score, _ = arrays(trace)
    return f1_score(y_true, (y_score >= threshold).astype(int), zero_division=0)


def worst_bin(trace, question):
    y_true, _, y_pred = arrays(trace)
    c = class_index(trace, r"fewest rows of class (\S+) \(", question)
    values = np.array(trace.evaluation.by_feature.values)
    n_bins = int(param(r"into (\d+) quantile bins", question.prompt))
    edges = np.unique(np.quantile(values, np.linspace(0, 1, n_bins + 1)))
    bins = np.clip(np.digitize(values, edges[1:-1]), 0, len(edges) - 2)
    recalls = {b: recall_score(y_true[(bins == b)] == c, y_pred[(bins == b)] == c)
               for b in range(len(edges) - 1) if np.any((bins == b) & (y_true == c))}
    worst = min(recalls, key=lambda b: (recalls[b], b))
    return {f"bin {worst + 1}: {edges[worst]:.3g} to {edges[worst + 1]:.3g}"}


def confident_mistake(trace, question):
    y_true, y_score, y_pred = arrays(trace)
    c = class_index(trace, r"but were predicted (\S+) \(false positives\)", question)
    mistakes = (y_true != c) & (y_pred == c)
    return float(y_score[mistakes, c].max())


# ---------------------------------------------------------------- topic generators (issue 15)


def named_class(trace: Trace, question: Question) -> int:
    """Return the index of the class a prompt names first in quotes."""
    return trace.evaluation.classes.index(param(r"[Cc]lass '([^']+)'", question.prompt))


def one_class(trace: Trace, question: Question) -> tuple[np.ndarray, np.ndarray]:
    """Return (is the class, predicted as the class) for the class a prompt names."""
    y_true, _, y_pred = arrays(trace)
    c = named_class(trace, question)
    return y_true == c, y_pred == c


def f1_from_rates(trace, question):
    is_class, called = one_class(trace, question)
    return f1_score(is_class, called)


def predicted_count(trace, question):
    _, called = one_class(trace, question)
    return float(np.sum(called))


def column_share(trace, question):
    y_true, _, y_pred = arrays(trace)
    names = trace.evaluation.classes
    b = names.index(param(r"predicted '([^']+)' for", question.prompt))
    a = names.index(param(r"are really '([^']+)'", question.prompt))
    return confusion_matrix(y_true, y_pred, labels=np.arange(len(names)), normalize="pred")[a, b]


def fpr_at_threshold(trace, question):
    y_true, _, _ = arrays(trace)
    # The false positive rate is 1 - the recall of the negative class (specificity).
    return 1 - recall_score(y_true, at(trace, threshold_of(question)), pos_label=0)


def threshold_shift(trace, question):
    y_true, _, _ = arrays(trace)
    match = re.search(r"raised from (\S+) to (\S+), what", question.prompt)
    assert match, question.prompt
    low, high = float(match.group(1)), float(match.group(2))
    recall = [recall_score(y_true, at(trace, t)) for t in (low, high)]
    false_positives = [confusion_matrix(y_true, at(trace, t), labels=[0, 1])[0, 1] for t in (low, high)]
    return {f"Recall {direction(*recall)} and the false-positive count {direction(*false_positives)}"}


# The catalogue lessons' hand-written questions (issue 15), recomputed from the predictions.


def misclassified_rows(trace, question):
    y_true, _, y_pred = arrays(trace)
    return float(np.sum(y_true != y_pred))


def accuracy_vs_macro_recall(trace, question):
    y_true, _, y_pred = arrays(trace)
    return accuracy_score(y_true, y_pred) - recall_score(y_true, y_pred, average="macro")


def macro_recall_from_diagonal(trace, question):
    y_true, _, y_pred = arrays(trace)
    return recall_score(y_true, y_pred, average="macro")


def auc_over_recall(trace, question):
    auc, recall = auc_and_recall(trace)
    return auc - recall


def youden_default(trace, question):
    y_true, _, _ = arrays(trace)
    predicted = at(trace, 0.5)
    return recall_score(y_true, predicted) - (1 - recall_score(y_true, predicted, pos_label=0))


def outside_top5(trace, question):
    y_true, y_score, _ = arrays(trace)
    labels = np.arange(len(trace.evaluation.classes))
    return float(len(y_true) - top_k_accuracy_score(y_true, y_score, k=5, labels=labels, normalize=False))


def wrong_rows_rescued(trace, question):
    y_true, y_score, _ = arrays(trace)
    labels = np.arange(len(trace.evaluation.classes))
    top1, top3 = (top_k_accuracy_score(y_true, y_score, k=k, labels=labels) for k in (1, 3))
    return (top3 - top1) / (1 - top1)


def val_loss_rise(trace, question):
    val = [e.val_loss for e in trace.epochs]
    return val[-1] - min(val)


def false_positives(trace, question):
    y_true, _, y_pred = arrays(trace)
    c = trace.evaluation.samples.class_index
    return float(np.sum((y_pred == c) & (y_true != c)))


def balanced_accuracy_from_counts(trace, question):
    y_true, _, y_pred = arrays(trace)
    return balanced_accuracy_score(y_true, y_pred)


def trapezoid_area(y_true, y_score) -> float:
    """Return auc(recall, precision) of scikit-learn's PR curve: the trapezoid area, not AP."""
    precision, recall, _ = precision_recall_curve(y_true, y_score)
    return float(auc(recall, precision))


def constant_score_trapezoid(trace, question):
    y_true, _, _ = arrays(trace)
    return trapezoid_area(y_true, np.full(len(y_true), 0.7))


def pr_area_order(trace, question):
    y_true, y_score, _ = arrays(trace)
    larger = "Average precision:" if average_precision_score(y_true, y_score) > trapezoid_area(y_true, y_score) \
        else "The trapezoid area:"
    return {o.text for o in question.options if o.text.startswith(larger)}


def accuracy_over_balanced(trace, question):
    y_true, _, y_pred = arrays(trace)
    return accuracy_score(y_true, y_pred) - balanced_accuracy_score(y_true, y_pred)


def area_gap(trace, question):
    y_true, y_score, _ = arrays(trace)
    return average_precision_score(y_true, y_score) - trapezoid_area(y_true, y_score)


def paper_pr_auc(trace, question):
    y_true, y_score, _ = arrays(trace)
    return {f"The trapezoid area, {trapezoid_area(y_true, y_score):.4f}"}


# Generators the two quiz-test lessons (LESSON_NAMES) do not list: the catalogue lessons ask them
# (tests/test_catalogue.py at the lessons' own seeds, tests/quiz/test_topic_questions.py at more seeds).
# best_val_epoch is asked only where validation loss turns up before the last epoch: training-curves.
def check_unlisted_generators(traces, asked):
    """Run every generator no lesson listed (so it is in no `asked` set) on each trace of its task; check it.

    A lesson may pick any generator, so one the built-in lessons do not list is still held to its
    oracle. Return the ids of the questions checked.
    """
    from tracegen import quiz

    checked = set()
    for name in set(quiz.GENERATORS) - set(asked):
        generator = quiz.GENERATORS[name]
        for trace in traces:
            if trace.evaluation.task in generator.tasks:
                for question in generator.make(trace):
                    check_answer(trace, question)
                    checked.add(question.id)
    return checked


CATALOGUE_GENERATORS = ("test_rows", "stage_shape", "scaler_fit_rows", "loss_at_epoch", "best_val_epoch",
                        "overfitting", "majority_baseline", "micro_f1", "top_k_accuracy", "normalized_diagonal",
                        "confused_pairs", "tuned_threshold", "worst_bin", "confident_mistake", "predicted_count",
                        "column_share", "fpr_at_threshold", "balanced_accuracy_from_counts", "pr_area_order",
                        "constant_score_trapezoid")


ORACLES = {
    "test_rows": test_rows, "stage_shape": stage_shape, "scaler_fit_rows": scaler_fit_rows,
    "loss_at_epoch": loss_at_epoch, "best_val_epoch": best_val_epoch, "overfitting": overfitting,
    "precision_at_threshold": precision_at_threshold, "recall_at_threshold": recall_at_threshold,
    "f1_at_threshold": f1_at_threshold, "threshold_trend": threshold_trend, "pr_curve_point": pr_curve_point,
    "ap_chance_level": ap_chance_level, "roc_auc_meaning": roc_auc_meaning, "auc_vs_recall": auc_vs_recall,
    "majority_baseline": majority_baseline, "micro_f1": micro_f1, "top_k_accuracy": top_k_accuracy,
    "normalized_diagonal": normalized_diagonal, "confused_pairs": confused_pairs,
    "tuned_threshold": tuned_threshold, "worst_bin": worst_bin, "confident_mistake": confident_mistake,
    "f1_from_rates": f1_from_rates, "predicted_count": predicted_count, "column_share": column_share,
    "fpr_at_threshold": fpr_at_threshold, "threshold_shift": threshold_shift,
    # The lessons' hand-written questions.
    "pr-sentinel": pr_sentinel, "ap-above-chance": ap_above_chance, "gini": gini, "pr-reading": pr_reading,
    "misclassified-rows": misclassified_rows, "accuracy-vs-macro-recall": accuracy_vs_macro_recall,
    "macro-recall-from-diagonal": macro_recall_from_diagonal, "auc-over-recall": auc_over_recall,
    "youden-default": youden_default, "outside-top5": outside_top5, "wrong-rows-rescued": wrong_rows_rescued,
    "val-loss-rise": val_loss_rise, "false-positives": false_positives,
    "balanced_accuracy_from_counts": balanced_accuracy_from_counts, "pr_area_order": pr_area_order,
    "constant_score_trapezoid": constant_score_trapezoid, "accuracy-over-balanced": accuracy_over_balanced,
    "area-gap": area_gap, "paper-pr-auc": paper_pr_auc,
}


def expected(trace: Trace, question: Question):
    """Return the independently recomputed right answer: a number or the set of right option texts."""
    return ORACLES[question.id](trace, question)


def check_answer(trace: Trace, question: Question) -> None:
    """Assert that the question's right answer equals the oracle's."""
    want = expected(trace, question)
    if question.kind == "numeric":
        assert abs(question.answer - float(want)) <= 1e-9, (question.id, question.answer, want)
    else:
        got = {question.options[i].text for i in question.correct_indices}
        assert got == want, (question.id, got, want)
