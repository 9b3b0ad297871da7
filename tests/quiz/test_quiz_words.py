"""Words in generated questions (issue 14): each qualitative word recomputed from the trace with scikit-learn.

Every test runs the generator itself over seeds 0-39 of the lessons it applies to and recomputes
the comparison behind each word (above / below, 'yet ... only', 'good ranking', argmax, the
curve's own threshold, ...) from y_true, y_score and y_pred.
"""

from __future__ import annotations

import dataclasses
import re
from decimal import ROUND_DOWN, Decimal

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    precision_recall_curve,
    precision_score,
    roc_auc_score,
)

from tests import quiz_oracles as oracles
from tracegen.expressions import compare
from tracegen.quiz import class_questions, score_questions, threshold_questions, words

SEEDS = range(40)
BINARY = ("precision-recall", "imbalanced-data", "roc-curve")
MULTICLASS = ("multiclass-roc", "classification-report", "performance-by-feature")


def traces(names, seeds=SEEDS):
    """Yield (lesson, seed, trace) for each lesson and seed (fast epochs, cached across tests)."""
    for name in names:
        for seed in seeds:
            yield name, seed, oracles.lesson_trace(name, seed)[1]


def one(generator, trace):
    """Return the generator's one question, or None when it declines to ask."""
    return next(iter(generator(trace)), None)


def shown_direction(value: float, reference: float, decimals: int) -> tuple[str, str]:
    """Return (word, gap) the way a careful reader states value against reference, both shown at `decimals`.

    The reader subtracts the printed numbers: 0.9790 against 0.6294 is 0.3496 apart, even where the
    unrounded gap would print as 0.3497.
    """
    shown_value, shown_reference = round(value, decimals), round(reference, decimals)
    if shown_value == shown_reference:
        return "equal to", ""
    return ("above" if shown_value > shown_reference else "below"), f"{abs(shown_value - shown_reference):.{decimals}f}"


# ---------------------------------------------------------------- words.py itself


def test_compared_and_margin_text_read_the_shown_numbers():
    """above / below / equal to come from the sign of the gap as shown, never from the template."""
    assert compare(0.615, 0.69, 4) == "below" and words.margin_text(0.615, 0.69, 4) == "0.0750 below"
    assert compare(0.70, 0.69, 4) == "above" and words.margin_text(0.70, 0.69, 4) == "0.0100 above"
    assert compare(0.69001, 0.69, 4) == "equal to" and words.margin_text(0.69, 0.69, 4) == "equal to"
    # Shown 0.6901 against 0.6900: the gap a learner subtracts, not the 0.000002 between the raw values.
    assert words.margin_text(0.690051, 0.690049, 4) == "0.0001 above"
    assert words.never_predicted(("a", "b", "c"), (0, 0, 2)) == ("b",)
    assert words.quoted(("a", "b", "c")) == "'a', 'b' and 'c'"


def test_recall_is_low_only_when_clearly_low_next_to_a_better_than_chance_auc():
    """'yet ... only' needs recall < 0.8, AUC at least 0.1 above it and AUC at least 0.6."""
    assert words.recall_is_low(0.759, 0.088)
    assert not words.recall_is_low(0.994, 0.967)   # review E15: 0.967 is not low
    assert not words.recall_is_low(0.75, 0.70)     # the gap is under 0.1
    assert not words.recall_is_low(0.551, 0.05)    # AUC near chance: nothing to contrast


# ---------------------------------------------------------------- E6: the majority baseline


def test_majority_baseline_says_above_below_or_equal_from_the_numbers():
    """E6: 'accuracy a is g above/below this baseline' matches accuracy against DummyClassifier's score."""
    below = 0
    for name, seed, trace in traces(BINARY + ("multiclass-roc",)):
        question = one(score_questions.majority_baseline, trace)
        assert question is not None, (name, seed)
        y_true, _, y_pred = oracles.arrays(trace)
        features = np.zeros((len(y_true), 1))
        baseline = DummyClassifier(strategy="most_frequent").fit(features, y_true).score(features, y_true)
        accuracy = float(np.mean(y_true == y_pred))
        word, gap = shown_direction(accuracy, baseline, 4)
        stated = f"accuracy {accuracy:.4f} is {gap + ' ' if gap else ''}{word} this baseline"
        assert stated in question.explanation, (name, seed, question.explanation)
        never = [c for c in range(len(trace.evaluation.classes)) if not np.any(y_pred == c)]
        assert ("never predicts" in question.explanation or "for every test row" in question.explanation) == \
            bool(never), (name, seed)
        below += word == "below"
    assert below  # some seeds do put the model under the baseline (review: seeds 11, 13, 15)


def test_majority_baseline_says_when_the_model_never_predicts_the_positive_class(binary_trace):
    """E6: a model that calls every row negative is named a constant model."""
    ev = binary_trace.evaluation
    constant = dataclasses.replace(binary_trace, evaluation=dataclasses.replace(ev, y_pred=(0,) * len(ev.y_pred)))
    (question,) = score_questions.majority_baseline(constant)
    assert f"predicts '{ev.classes[0]}' for every test row" in question.explanation


def test_ap_is_stated_above_or_below_its_chance_level():
    """The AP chance-level explanation compares average_precision_score with the prevalence by sign."""
    for name, seed, trace in traces(("precision-recall", "imbalanced-data"), range(0, 40, 2)):
        question = one(score_questions.ap_chance_level, trace)
        y_true, y_score, _ = oracles.arrays(trace)
        ap, prevalence = average_precision_score(y_true, y_score), float(np.mean(y_true == 1))
        word, gap = shown_direction(ap, prevalence, 4)
        assert f"is {gap + ' ' if gap else ''}{word} it;" in question.explanation, (name, seed)


# ---------------------------------------------------------------- E15, E6 note: 'yet ... only', 'good ranking'


def test_auc_vs_recall_says_yet_only_and_good_ranking_by_the_declared_rules():
    """E15: 'yet ... only' iff recall < 0.8 and AUC >= recall + 0.1 and AUC >= 0.6; 'good' iff AUC >= 0.8."""
    contrasted = 0
    for name, seed, trace in traces(BINARY + ("multiclass-roc",)):
        question = one(score_questions.auc_vs_recall, trace)
        auc, recall = oracles.auc_and_recall(trace)
        low = recall < 0.8 and auc - recall >= 0.1 and auc >= 0.6
        assert ("yet" in question.prompt) == ("only" in question.prompt) == low, (name, seed, auc, recall)
        feedback = " ".join(option.feedback for option in question.options)
        assert ("good ranking" in feedback) == (auc >= 0.8), (name, seed, auc)
        assert ("close to random" in question.explanation) == (abs(auc - 0.5) < 0.1), (name, seed, auc)
        contrasted += low
    assert contrasted  # imbalanced-data does have a low recall next to a better-than-chance AUC


# ---------------------------------------------------------------- E7, E26, E3: multiclass wording


def multiclass_questions():
    for name, seed, trace in traces(MULTICLASS, range(0, 40, 4)):
        yield name, seed, trace, one(score_questions.auc_vs_recall, trace)


def test_a_multiclass_predict_is_argmax_and_the_quiz_says_so():
    """E7: multiclass y_pred is argmax of y_score, so no text may say predict cuts at 0.5; binary does cut there."""
    for name, seed, trace, question in multiclass_questions():
        _, y_score, y_pred = oracles.arrays(trace)
        assert np.array_equal(y_pred, y_score.argmax(axis=1))
        texts = [question.prompt, question.explanation] + [o.text + " " + o.feedback for o in question.options]
        assert not any("where the model's own predict cuts" in text for text in texts), (name, seed)
        assert any("argmax" in o.feedback for o in question.options if not o.correct), (name, seed)
        assert all("one threshold" not in o.text for o in question.options if o.correct), (name, seed)
    for _, _, trace in traces(("precision-recall", "roc-curve"), range(3)):
        _, y_score, y_pred = oracles.arrays(trace)
        assert np.array_equal(y_pred, (y_score > 0.5).astype(int))  # the binary feedback's 0.5 cut


def test_the_rest_pools_size_does_not_lift_auc_and_the_quiz_says_so():
    """E3: duplicating a class's 'rest' rows leaves its OvR ROC AUC unchanged and lowers its precision."""
    for name, seed, trace, question in multiclass_questions():
        y_true, y_score, y_pred = oracles.arrays(trace)
        c = int(np.argmax(np.bincount(y_true)))
        rest = y_true != c
        doubled_true = np.concatenate([y_true == c, np.zeros(rest.sum(), bool)])
        doubled_score = np.concatenate([y_score[:, c], y_score[rest, c]])
        assert roc_auc_score(doubled_true, doubled_score) == pytest.approx(roc_auc_score(y_true == c, y_score[:, c]))
        doubled_pred = np.concatenate([y_pred == c, y_pred[rest] == c])
        if np.any(rest & (y_pred == c)):
            assert precision_score(doubled_true, doubled_pred) < precision_score(y_true == c, y_pred == c)
        right = [o.text for o in question.options if o.correct]
        assert not any("lifts AUC" in text for text in right), (name, seed)
        assert any("does not depend on how many rows the 'rest' pool holds" in text for text in right)
        lifted = [o for o in question.options if "lifts each one-vs-rest AUC" in o.text]
        assert lifted and not lifted[0].correct


def test_multiclass_roc_auc_meaning_is_the_mean_of_per_class_aucs():
    """E26: the explanation calls macro OvR AUC the mean of per-class AUCs, with their range from scikit-learn."""
    for _, seed, trace in traces(("multiclass-roc",), range(0, 40, 4)):
        question = one(score_questions.roc_auc_meaning, trace)
        y_true, y_score, _ = oracles.arrays(trace)
        classes = trace.evaluation.classes
        per_class = [roc_auc_score(y_true == c, y_score[:, c]) for c in range(len(classes))]
        macro = roc_auc_score(y_true, y_score, multi_class="ovr", average="macro")
        assert np.mean(per_class) == pytest.approx(macro)
        assert f"mean of the {len(classes)} per-class one-vs-rest AUCs" in question.explanation
        low, high = int(np.argmin(per_class)), int(np.argmax(per_class))
        assert f"from {per_class[low]:.4f} for class '{classes[low]}'" in question.explanation, (seed,)
        assert f"to {per_class[high]:.4f} for class '{classes[high]}'" in question.explanation, (seed,)
        assert "random positive outscores a random negative" not in question.explanation


# ---------------------------------------------------------------- E16: chance levels too close to the answer


def test_no_chance_level_distractor_lies_within_0_01_of_the_prevalence():
    """E16: at prevalence 0.034 the odds 34/966 = 0.035 is no distinct mistake; it is dropped."""
    dropped = 0
    for name, seed, trace in traces(("imbalanced-data", "precision-recall", "multiclass-roc"), range(0, 40, 2)):
        question = one(score_questions.ap_chance_level, trace)
        y_true, _, _ = oracles.arrays(trace)
        chance = float(oracles.expected(trace, question).pop())
        index = (1 if trace.evaluation.task == "binary"
                 else trace.evaluation.classes.index(oracles.param(r"For class '([^']+)'", question.prompt)))
        positives, n = int(np.sum(y_true == index)), len(y_true)
        for option in question.options:
            if not option.correct:
                assert abs(float(option.text) - chance) >= 0.01 - 0.0005, (name, seed, option.text, chance)
        odds = positives / (n - positives)
        has_odds = any(o.misconception and o.misconception.startswith("the ratio") for o in question.options)
        assert has_odds == (abs(odds - positives / n) >= 0.01), (name, seed)
        dropped += not has_odds
    assert dropped  # imbalanced-data's low prevalence drops the odds


# ---------------------------------------------------------------- E8: the worst bin


def bin_counts(trace, question_bins: int):
    """Return found[c][b], support[c][b] recomputed from y_true / y_pred and the property's quantiles."""
    y_true, _, y_pred = oracles.arrays(trace)
    values = np.array(trace.evaluation.by_feature.values)
    edges = np.unique(np.quantile(values, np.linspace(0, 1, question_bins + 1)))
    bins = np.clip(np.digitize(values, edges[1:-1]), 0, len(edges) - 2)
    n_classes, n_bins = len(trace.evaluation.classes), len(edges) - 1
    found = np.array([[np.sum((bins == b) & (y_true == c) & (y_pred == c)) for b in range(n_bins)]
                      for c in range(n_classes)])
    support = np.array([[np.sum((bins == b) & (y_true == c)) for b in range(n_bins)] for c in range(n_classes)])
    return found, support


def clearly_worst(found, support) -> bool:
    """Return True when one bin's recall is lowest by more than one row either way (at least 3 bins)."""
    shown = [b for b in range(len(support)) if support[b]]
    if len(shown) < 3:
        return False
    recall = {b: found[b] / support[b] for b in shown}
    worst = min(shown, key=lambda b: (recall[b], b))
    return all((found[worst] + 1) / support[worst] < recall[b] and recall[worst] < (found[b] - 1) / support[b]
               for b in shown if b != worst)


def test_worst_bin_is_asked_only_when_the_gap_is_more_than_one_row():
    """E8: 15/16 against 16/17 asks nothing; a question's bin is lowest by more than one row's worth."""
    asked = 0
    for _, seed, trace in traces(("performance-by-feature",)):
        question = one(class_questions.worst_bin, trace)
        n_bins = len(trace.evaluation.by_feature.counts)
        found, support = bin_counts(trace, n_bins)
        clear = [c for c in range(len(found)) if clearly_worst(found[c], support[c])]
        assert (question is not None) == bool(clear), (seed, clear)
        if question is not None:
            c = oracles.class_index(trace, r"fewest rows of class (\S+) \(", question)
            assert c in clear, (seed, c, clear)
            oracles.check_answer(trace, question)
            asked += 1
    assert asked


# ---------------------------------------------------------------- E27: confused pairs


def test_confused_pairs_count_three_rows_each_way():
    """E27: a right pair has >= 3 rows each way; a wrong one has 0 one way and >= 3 or 0 the other."""
    asked = 0
    for name, seed, trace in traces(("performance-by-feature", "classification-report", "sample-explorer")):
        question = one(class_questions.confused_pairs, trace)
        if question is None:
            continue
        y_true, _, y_pred = oracles.arrays(trace)
        names = trace.evaluation.classes
        m = confusion_matrix(y_true, y_pred, labels=np.arange(len(names)))
        for option in question.options:
            a, b = (names.index(n) for n in option.text.split(" and "))
            low, high = sorted((m[a, b], m[b, a]))
            if option.correct:
                assert low >= 3, (name, seed, option.text, low, high)
            else:
                assert low == 0 and (high >= 3 or high == 0), (name, seed, option.text, low, high)
        asked += 1
    assert asked


# ---------------------------------------------------------------- E25: the PR-curve point's threshold


def test_pr_curve_point_names_a_threshold_the_curve_has():
    """E25: the point named is the first curve threshold >= the rule's, shown rounded down to 4 decimals."""
    for name, seed, trace in traces(("precision-recall", "imbalanced-data")):
        question = one(threshold_questions.pr_curve_point, trace)
        if question is None:
            continue
        y_true, y_score, _ = oracles.arrays(trace)
        _, _, thresholds = precision_recall_curve(y_true, y_score)
        shown = float(oracles.param(r"point for threshold (\d+(?:\.\d+)?)", question.prompt))
        point = thresholds[thresholds >= shown].min()
        if point != shown:
            rule = float(oracles.param(r"first point with threshold >= (\d+(?:\.\d+)?)", question.prompt))
            assert thresholds[thresholds >= rule].min() == point, (name, seed)
            assert float(Decimal(point).quantize(Decimal("0.0001"), rounding=ROUND_DOWN)) == shown, (name, seed)
            assert not np.any((y_score >= rule) & (y_score < point))  # same rows as the rule
        oracles.check_answer(trace, question)
        assert re.search(r"\(the lowest test score >= \S+, rounded down to 4 decimals\)", question.prompt) or \
            point == shown


def test_contradict_finds_opposite_statements_and_nothing_else():
    assert words.contradict("Validation AUC rose", "validation AUC fell")
    assert words.contradict("Recall is above 0.9", "Recall is below 0.9")
    assert words.contradict("The pool's size does not change AUC", "The pool's size does change AUC")
    assert not words.contradict("Validation AUC rose", "Validation AUC rose")
    assert not words.contradict("Validation AUC rose", "Validation loss rose")
    assert not words.contradict("Precision rose", "Recall fell")
