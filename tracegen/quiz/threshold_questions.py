"""Generators about a binary model's threshold: the confusion matrix at a threshold, the PR curve, tuning.

Every number is read from the trace's `at_thresholds` rows, its precision-recall curve or its
tuned threshold; these generators apply to binary runs only.
"""

from __future__ import annotations

from bisect import bisect_left
from decimal import ROUND_DOWN, Decimal

from tracegen.pipeline.rates import negative_predictive_value, specificity
from tracegen.quiz.build import (
    Wrong,
    WrongValue,
    asked,
    choice_question,
    confusion_cells,
    fmt,
    matrix_text,
    numeric_question,
    positive_name,
    recorded,
    rng_for,
    threshold_of,
    usable_thresholds,
)
from tracegen.quiz.question import Question
from tracegen.quiz.tables import carrying, curve_rows
from tracegen.quiz.words import direction
from tracegen.trace import ThresholdMetrics, Trace

# How precision and recall are computed, as the feedback states them.
FORMULAS = {"precision": "TP / (TP + FP)", "recall": "TP / (TP + FN)"}


# ---------------------------------------------------------------- the confusion matrix at one threshold


def _threshold_prompt(trace: Trace, m: ThresholdMetrics, what: str) -> str:
    return (f"At threshold {m.threshold:g} (a test row counts as class '{positive_name(trace)}' when "
            f"y_score >= {m.threshold:g}) the confusion matrix is {matrix_text(m)}. What is the {what}? "
            f"Give 3 decimals.")


def _accuracy_wrong(m: ThresholdMetrics) -> WrongValue:
    tn, fp, fn, tp = confusion_cells(m)
    return (m.accuracy, "accuracy taken for it",
            f"{fmt(m.accuracy, 3)} is the accuracy, (TP + TN) / all = ({tp} + {tn}) / {tn + fp + fn + tp}: "
            f"it counts the correct negatives too.")


def _pick_threshold(trace: Trace, name: str) -> ThresholdMetrics | None:
    usable = usable_thresholds(trace)
    return rng_for(trace, name).choice(usable) if usable else None


def _negative_class_wrong(rate: str, m: ThresholdMetrics) -> WrongValue | None:
    """Return the same rate computed for the negative class, or None when it is undefined (0 / 0)."""
    tn, fp, fn, _ = confusion_cells(m)
    if rate == "precision":
        if not tn + fn:
            return None
        value = negative_predictive_value(tn, fn)
        return (value, "the precision of the negative class",
                f"{fmt(value, 3)} is TN / (TN + FN), how often a 'negative' call is right. "
                f"Precision is about the positive calls.")
    if not tn + fp:
        return None
    value = specificity(tn, fp)
    return (value, "the recall of the negative class (specificity)",
            f"{fmt(value, 3)} is TN / (TN + FP), the share of negative rows called negative. "
            f"Recall is the share of positive rows found.")


def rate_at_threshold(trace: Trace, rate: str) -> tuple[Question, ...]:
    """Precision or recall (`rate`) from the confusion matrix at one threshold; the two mirror each other.

    Distractors: the other rate (precision and recall swapped), accuracy, and the same rate of the
    negative class (negative predictive value for precision, specificity for recall).
    """
    qid = f"{rate}_at_threshold"
    m = _pick_threshold(trace, qid)
    if m is None:
        return ()
    _, fp, fn, tp = confusion_cells(m)
    # Precision divides TP by the rows called positive, TP + FP; recall by the positive rows, TP + FN.
    if rate == "precision":
        answer, own_miss, other, other_value, other_miss = m.precision, fp, "recall", m.recall, fn
        divides_by = "the rows called positive, TP + FP"
        share = f"of the {tp + fp} rows called positive, {tp} really are"
    else:
        answer, own_miss, other, other_value, other_miss = m.recall, fn, "precision", m.precision, fp
        divides_by = "the rows that really are positive, TP + FN"
        share = f"of the {tp + fn} positive rows, {tp} are found"
    wrong: list[WrongValue] = [
        (other_value, "precision and recall swapped",
         f"{fmt(other_value, 3)} is the {other}, {FORMULAS[other]} = {tp} / {tp + other_miss}. "
         f"{rate.capitalize()} divides by {divides_by}."),
        _accuracy_wrong(m),
    ]
    negative = _negative_class_wrong(rate, m)
    if negative is not None:
        wrong.append(negative)
    explanation = f"{rate} = {FORMULAS[rate]} = {tp} / ({tp} + {own_miss}) = {fmt(answer, 4)}: {share}."
    return asked(numeric_question(qid, _threshold_prompt(trace, m, rate), answer, 3, wrong, explanation))


def precision_at_threshold(trace: Trace) -> tuple[Question, ...]:
    """Precision from the confusion matrix; distractors: recall (swap), accuracy, negative precision."""
    return rate_at_threshold(trace, "precision")


def recall_at_threshold(trace: Trace) -> tuple[Question, ...]:
    """Recall from the confusion matrix; distractors: precision (swap), accuracy, specificity."""
    return rate_at_threshold(trace, "recall")


def f1_at_threshold(trace: Trace) -> tuple[Question, ...]:
    """F1 from the confusion matrix; distractors: arithmetic mean of P and R, accuracy."""
    m = _pick_threshold(trace, "f1_at_threshold")
    if m is None:
        return ()
    tn, fp, fn, tp = confusion_cells(m)
    mean = (m.precision + m.recall) / 2
    wrong: list[WrongValue] = [
        (mean, "F1 taken as the arithmetic mean of precision and recall",
         f"{fmt(mean, 3)} is (P + R) / 2. F1 is the harmonic mean, 2PR / (P + R), which is pulled towards "
         f"the smaller of the two."),
        _accuracy_wrong(m),
    ]
    explanation = (f"P = {tp} / {tp + fp} = {fmt(m.precision, 4)}, R = {tp} / {tp + fn} = {fmt(m.recall, 4)}; "
                   f"F1 = 2PR / (P + R) = 2TP / (2TP + FP + FN) = {2 * tp} / {2 * tp + fp + fn} = "
                   f"{fmt(m.f1, 4)}.")
    return asked(numeric_question("f1_at_threshold", _threshold_prompt(trace, m, "F1 score"),
                                  m.f1, 3, wrong, explanation))


# ---------------------------------------------------------------- the precision-recall curve


def curve_point(trace: Trace, threshold: float) -> tuple[float, float, float] | None:
    """Return (threshold, precision, recall) of the PR-curve point for `y_score >= threshold`.

    The curve's thresholds increase; rows scoring at least `threshold` are exactly those at or above
    the first curve threshold >= it, so that point's precision and recall are the ones at `threshold`.
    """
    curve = trace.evaluation.pr_curve
    if curve is None:
        return None
    index = bisect_left(curve.thresholds, threshold)
    if index >= len(curve.thresholds):
        return None
    return curve.thresholds[index], curve.precision[index], curve.recall[index]


def threshold_trend(trace: Trace) -> tuple[Question, ...]:
    """What precision and recall do as the threshold rises, read from this run's PR curve."""
    ev = trace.evaluation
    if ev.pr_curve is None:
        return ()
    recorded = sorted(m.threshold for m in ev.at_thresholds if m.threshold is not None)
    low, high = (recorded[0], recorded[-1]) if len(recorded) >= 2 else (0.3, 0.7)
    start, end = curve_point(trace, low), curve_point(trace, high)
    if start is None or end is None or start[0] == end[0]:
        return ()
    curve = ev.pr_curve
    first, stop = bisect_left(curve.thresholds, low), bisect_left(curve.thresholds, high)
    steps = [(curve.thresholds[i], curve.thresholds[i + 1], curve.precision[i], curve.precision[i + 1])
             for i in range(first, stop)]
    rises = sum(after > before for _, _, before, after in steps)
    falls = sum(after < before for _, _, before, after in steps)
    p_dir, r_dir = direction(start[1], end[1]), direction(start[2], end[2])
    prompt = (f"The threshold rises from {low:g} to {high:g} (a row counts as positive when y_score >= t). "
              f"Read this run's precision-recall curve: what happens to precision and recall?")
    wavering = rises and falls
    if wavering:
        prompt += (f" Note: in this run precision does not move in one direction at every step: between "
                   f"these thresholds it rises at {rises} steps of the curve and falls at {falls}, so compare "
                   f"the two ends.")
    right_text = f"Precision {p_dir} and recall {r_dir}"
    ends = (f"precision {fmt(start[1], 3)} -> {fmt(end[1], 3)}, recall {fmt(start[2], 3)} -> "
            f"{fmt(end[2], 3)}")
    right = [(right_text, f"Right: {ends}.")]
    misconceptions = {
        ("rises", "falls"): ("assuming precision always rises with the threshold",
                             f"Usually, but not in this run: {ends}. Precision is not monotonic in the "
                             f"threshold."),
        ("falls", "rises"): ("the direction of the threshold reversed",
                             "That is what lowering the threshold does: more rows are called positive, so "
                             "more positives are found."),
        ("rises", "rises"): ("a stricter threshold improving every metric",
                             "A higher threshold calls fewer rows positive, so it cannot find more positive "
                             "rows: recall never rises."),
        ("falls", "falls"): ("a stricter threshold making every metric worse",
                             f"Recall cannot rise, but precision usually does: the rows dropped are mostly "
                             f"low-scoring negatives. Here {ends}."),
    }
    wrong = [(f"Precision {p} and recall {r}", misconception, feedback)
             for (p, r), (misconception, feedback) in misconceptions.items()]
    explanation = (f"Read from the PR curve: at y_score >= {low:g}, precision {fmt(start[1], 4)} and recall "
                   f"{fmt(start[2], 4)}; at y_score >= {high:g}, precision {fmt(end[1], 4)} and recall "
                   f"{fmt(end[2], 4)}. Raising the threshold removes rows from the positive calls: recall can "
                   f"only fall or stay, precision follows the share of true positives among the rows left.")
    if wavering:
        t0, t1, p0, p1 = max(steps, key=lambda step: step[2] - step[3])
        explanation += (f" Precision is not monotonic here: its largest drop is from {fmt(p0, 4)} at threshold "
                        f"{t0:.6g} to {fmt(p1, 4)} at {t1:.6g}.")
    return carrying(choice_question("threshold_trend", prompt, right, wrong, explanation),
                    "the precision-recall curve", curve_rows(((low, start[1], start[2]), (high, end[1], end[2]))))


def point_threshold(trace: Trace, threshold: float) -> tuple[str, str]:
    """Return (shown threshold, sentence) naming the PR-curve point of the rule `y_score >= threshold`.

    The curve's thresholds are the distinct test scores (review E25: it has no point at 0.7 unless
    a row scores exactly 0.7). The point is the first one at or above `threshold`; its threshold is
    shown rounded down to 4 decimals, which stays at or above `threshold`, so `y_score >= shown`
    selects the same rows.
    """
    point = curve_point(trace, threshold)
    if point is None or point[0] == threshold:
        return f"{threshold:g}", f"It is the point for threshold {threshold:g}."
    shown = float(Decimal(point[0]).quantize(Decimal("0.0001"), rounding=ROUND_DOWN))
    if shown < threshold:
        shown = point[0]
    return f"{shown:g}", (f"The curve has no point at threshold {threshold:g}; this is its first point with "
                          f"threshold >= {threshold:g}: the point for threshold {shown:g} (the lowest test score "
                          f">= {threshold:g}, rounded down to 4 decimals).")


def pr_curve_point(trace: Trace) -> tuple[Question, ...]:
    """What one point on the PR curve represents; distractors: swap, accuracy, one row's confidence."""
    candidates = []
    for m in usable_thresholds(trace):
        shown = {fmt(m.precision, 2), fmt(m.recall, 2), fmt(m.accuracy, 2)}
        if len(shown) == 3 and 0 < m.recall < 1 and 0 < m.precision < 1:
            candidates.append(m)
    if not candidates:
        return ()
    curve = recorded(trace.evaluation.pr_curve, "pr_curve")
    m = rng_for(trace, "pr_curve_point").choice(candidates)
    tn, fp, fn, tp = confusion_cells(m)
    p, r = fmt(m.precision, 2), fmt(m.recall, 2)
    t, where = point_threshold(trace, threshold_of(m))
    prompt = (f"One point on this run's precision-recall curve sits at recall {r}, precision {p}. {where} What "
              f"does that point represent?")
    right = [(f"Of the test rows with y_score >= {t}, a fraction {p} are truly positive, and they include "
              f"{r} of all positive rows", f"Right: the {tp} true positives are {tp} of the {tp + fp} "
                                           f"positive calls and {tp} of the {tp + fn} positive rows.")]
    wrong: list[Wrong] = [
        (f"Of the positive rows, a fraction {p} score >= {t}, and {r} of the rows scoring >= {t} are truly "
         f"positive", "precision and recall swapped",
         "Precision divides by the rows called positive (TP + FP); recall divides by the rows that are "
         "positive (TP + FN)."),
        (f"At threshold {t}, a fraction {p} of all test rows are classified correctly",
         "precision read as accuracy",
         f"That would be accuracy, {fmt(m.accuracy, 2)} at this threshold. Precision only looks at the rows "
         f"called positive."),
        (f"A single test row scored {t}, which the model is {p} sure is positive",
         "a curve point read as one row's confidence",
         "Each point summarises every row at or above one threshold; it is not one row, and precision is "
         "not a probability the model gives a row."),
    ]
    explanation = (f"At y_score >= {t}: TP = {tp}, FP = {fp}, FN = {fn}. Precision = {tp} / {tp + fp} = "
                   f"{fmt(m.precision, 4)}; recall = {tp} / {tp + fn} = {fmt(m.recall, 4)}. The curve has one "
                   f"such point per distinct score ({len(curve.thresholds)} thresholds), "
                   f"plus scikit-learn's sentinel at recall 0, precision 1, which has no threshold.")
    return asked(choice_question("pr_curve_point", prompt, right, wrong, explanation))


# ---------------------------------------------------------------- a threshold tuned on validation rows


def tuned_threshold(trace: Trace) -> tuple[Question, ...]:
    """Test F1 at the threshold tuned on validation; distractors: the validation F1, the default rule's F1."""
    choice = trace.evaluation.threshold_choice
    if choice is None:
        return ()
    prompt = (f"The threshold {choice.threshold:.4f} maximised F1 on the {len(choice.validation_y_true)} "
              f"validation rows. Applied unchanged to the {len(trace.evaluation.y_true)} test rows, what F1 does "
              f"it score there? Give 3 decimals.")
    wrong: list[WrongValue] = [
        (choice.validation_score, "the validation score reported as the test score",
         f"{fmt(choice.validation_score, 3)} is the F1 on the validation rows the threshold was tuned on: an "
         f"optimistic number, since the choice was fitted to them."),
        (choice.default.f1, "the default rule's F1 read instead",
         f"{fmt(choice.default.f1, 3)} is the test F1 at the default threshold 0.5."),
        (choice.test.accuracy, "accuracy taken for F1",
         f"{fmt(choice.test.accuracy, 3)} is the test accuracy at the tuned threshold."),
    ]
    explanation = (f"On the test rows, y_score >= {choice.threshold:.4f} gives precision "
                   f"{fmt(choice.test.precision, 4)} and recall {fmt(choice.test.recall, 4)}, so F1 "
                   f"{fmt(choice.test.f1, 4)} (validation F1 was {fmt(choice.validation_score, 4)}; the default "
                   f"rule scores {fmt(choice.default.f1, 4)} on test).")
    return asked(numeric_question("tuned_threshold", prompt, choice.test.f1, 3, wrong, explanation))
