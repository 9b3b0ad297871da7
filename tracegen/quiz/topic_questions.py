"""Generators that make the learner work with shown numbers: compute, compare, or predict a change.

Each prompt states the numbers it needs (so nothing is copied from a table), and the answer is
a number the trace holds, computed by scikit-learn: F1 from a class's precision and recall, the
rows predicted as a class from its recall, precision and support, a column-normalized cell from
a column's counts, the ROC curve's false positive rate from a confusion matrix, and what raising
the threshold does to recall and the false positives (the directions read from the trace's own
threshold rows, worded by quiz.words).
"""

from __future__ import annotations

from tracegen.pipeline.rates import specificity
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
    rng_for,
    threshold_of,
    usable_thresholds,
)
from tracegen.quiz.question import Question
from tracegen.quiz.words import direction, rows
from tracegen.trace import Trace

# Precision and recall are shown to 4 decimals; F1 worked out from them can differ from the exact
# one by a unit of the third decimal after rounding, so grading accepts +-0.001.
F1_TOLERANCE = 0.001


def _report_class(trace: Trace, name: str) -> str | None:
    """Return a class whose precision and recall are both above 0 (positive class for binary), or None."""
    ev = trace.evaluation
    candidates = [positive_name(trace)] if ev.task == "binary" else list(ev.classes)
    usable = [c for c in candidates
              if ev.classification_report[c]["precision"] > 0 and ev.classification_report[c]["recall"] > 0]
    return rng_for(trace, name).choice(usable) if usable else None


def f1_from_rates(trace: Trace) -> tuple[Question, ...]:
    """A class's F1 from its shown precision and recall; distractors: arithmetic mean, product, the larger."""
    name = _report_class(trace, "f1_from_rates")
    if name is None:
        return ()
    row = trace.evaluation.classification_report[name]
    p, r, f1 = row["precision"], row["recall"], row["f1-score"]
    prompt = (f"The classification report gives class '{name}' precision {fmt(p, 4)} and recall {fmt(r, 4)}. "
              f"What is its F1 score? Give 3 decimals.")
    wrong: list[WrongValue] = [
        ((p + r) / 2, "F1 taken as the arithmetic mean of precision and recall",
         f"{fmt((p + r) / 2, 3)} is (P + R) / 2. F1 is the harmonic mean, 2PR / (P + R), pulled towards the "
         f"smaller of the two."),
        (p * r, "F1 taken as precision times recall",
         f"{fmt(p * r, 3)} is P x R; F1 divides 2PR by P + R."),
        (max(p, r), "the better of the two rates taken for F1",
         f"{fmt(max(p, r), 3)} is the larger rate; F1 is never above the larger and lies nearer the smaller."),
    ]
    explanation = (f"F1 = 2PR / (P + R) = 2 x {fmt(p, 4)} x {fmt(r, 4)} / ({fmt(p, 4)} + {fmt(r, 4)}) = "
                   f"{fmt(f1, 4)}, the report's f1-score for class '{name}'.")
    return asked(numeric_question("f1_from_rates", prompt, f1, 3, wrong, explanation, tolerance=F1_TOLERANCE))


def predicted_count(trace: Trace) -> tuple[Question, ...]:
    """Rows predicted as a class, from its support, recall and precision; distractors: support, TP, FN."""
    name = _report_class(trace, "predicted_count")
    if name is None:
        return ()
    ev = trace.evaluation
    index = ev.classes.index(name)
    row = ev.classification_report[name]
    support = int(row["support"])
    tp = ev.confusion_matrix[index][index]
    predicted = sum(counts[index] for counts in ev.confusion_matrix)
    prompt = (f"Class '{name}' has {support} test rows; the report gives its recall {fmt(row['recall'], 4)} and "
              f"precision {fmt(row['precision'], 4)}. How many test rows did the model predict as '{name}'? "
              f"Give a whole number.")
    wrong: list[WrongValue] = [
        (support, "the class's own rows taken for the rows predicted as it",
         f"{support} is the support, the rows that really are '{name}'. The rows predicted as '{name}' include "
         f"false positives and leave out the misses."),
        (tp, "only the correct predictions counted",
         f"{tp} = recall x support are the rows predicted '{name}' correctly; precision says they are only a "
         f"share {fmt(row['precision'], 4)} of all rows predicted '{name}'."),
        (support - tp, "the misses counted instead",
         f"{support - tp} rows of class '{name}' were predicted as something else (false negatives)."),
    ]
    explanation = (f"True positives = recall x support = {fmt(row['recall'], 4)} x {support} = {tp}. Precision = "
                   f"TP / predicted, so predicted = {tp} / {fmt(row['precision'], 4)} = {predicted}: the column "
                   f"'{name}' of the confusion matrix sums to {predicted}.")
    return asked(numeric_question("predicted_count", prompt, predicted, 0, wrong, explanation))


def column_share(trace: Trace) -> tuple[Question, ...]:
    """An off-diagonal cell of the column-normalized matrix from its column's counts; distractors: row-normalized."""
    ev = trace.evaluation
    m, names = ev.confusion_matrix, ev.classes
    rows_n, cols_n = ev.confusion_matrix_normalized.get("true"), ev.confusion_matrix_normalized.get("pred")
    if not rows_n or not cols_n:
        return ()
    cells = [(a, b) for a in range(len(names)) for b in range(len(names)) if a != b and m[a][b] > 0]
    if not cells:
        return ()
    a, b = rng_for(trace, "column_share").choice(cells)
    column = sum(counts[b] for counts in m)
    n = len(ev.y_true)
    prompt = (f"The model predicted '{names[b]}' for {column} test rows, and {m[a][b]} of them are really "
              f"'{names[a]}'. In the column-normalized confusion matrix (normalize=\"pred\"), what is the cell in "
              f"row '{names[a]}', column '{names[b]}'? Give 3 decimals.")
    wrong: list[WrongValue] = [
        (rows_n[a][b], "row and column normalization swapped",
         f"{fmt(rows_n[a][b], 3)} divides by the {sum(m[a])} rows that are really '{names[a]}' (normalize=\"true\"); "
         f"normalize=\"pred\" divides by the column, the rows predicted '{names[b]}'."),
        (m[a][b] / n, "divided by every test row",
         f"{fmt(m[a][b] / n, 3)} divides by all {n} test rows; each column of normalize=\"pred\" sums to 1."),
        (cols_n[b][a], "the cell across the diagonal read instead",
         f"{fmt(cols_n[b][a], 3)} is row '{names[b]}', column '{names[a]}': rows of '{names[b]}' predicted "
         f"'{names[a]}'."),
    ]
    explanation = (f"normalize=\"pred\" divides each column by its predicted total: {m[a][b]} / {column} = "
                   f"{fmt(cols_n[a][b], 4)}. That share of the '{names[b]}' predictions are '{names[a]}' rows, "
                   f"so class '{names[b]}' has precision {fmt(cols_n[b][b], 4)}, its column's diagonal.")
    return asked(numeric_question("column_share", prompt, cols_n[a][b], 3, wrong, explanation))


def fpr_at_threshold(trace: Trace) -> tuple[Question, ...]:
    """The ROC curve's x coordinate from the confusion matrix at a threshold; distractors: specificity, precision."""
    usable = [m for m in usable_thresholds(trace) if confusion_cells(m)[0] + confusion_cells(m)[1] > 0]
    if not usable:
        return ()
    m = rng_for(trace, "fpr_at_threshold").choice(usable)
    tn, fp, fn, tp = confusion_cells(m)
    fpr = 1 - specificity(tn, fp)
    t = threshold_of(m)
    prompt = (f"At threshold {t:g} (a test row counts as class '{positive_name(trace)}' when y_score >= {t:g}) the "
              f"confusion matrix is {matrix_text(m)}. What is the false positive rate, the x coordinate of this "
              f"threshold's point on the ROC curve? Give 3 decimals.")
    wrong: list[WrongValue] = [
        (specificity(tn, fp), "specificity taken for the false positive rate",
         f"{fmt(specificity(tn, fp), 3)} is TN / (TN + FP), the negatives called negative; the FPR is the share "
         f"called positive, FP / (FP + TN)."),
        (m.recall, "the true positive rate (the y coordinate) read instead",
         f"{fmt(m.recall, 3)} is TP / (TP + FN), the true positive rate: the point's y coordinate."),
        (1 - m.precision, "false positives divided by the positive calls",
         f"{fmt(1 - m.precision, 3)} is FP / (FP + TP), the share of positive calls that are wrong; the FPR "
         f"divides by the negative rows, FP + TN."),
    ]
    explanation = (f"FPR = FP / (FP + TN) = {fp} / ({fp} + {tn}) = {fmt(fpr, 4)}; the point's y coordinate is the "
                   f"recall, {tp} / ({tp} + {fn}) = {fmt(m.recall, 4)}.")
    return asked(numeric_question("fpr_at_threshold", prompt, fpr, 3, wrong, explanation))


# (recall word, false-positive word) pairs a learner might predict, with the mistake each models.
SHIFT_MISTAKES = (
    (("rises", "rises"), "a stricter threshold taken to call more rows positive",
     "Raising the threshold can only take rows out of the positive calls: neither TP nor FP can grow."),
    (("rises", "falls"), "a stricter threshold taken to find more positives",
     "Recall is TP / (TP + FN); a stricter threshold can turn true positives into misses, never the reverse."),
    (("stays the same", "stays the same"), "rows between the two thresholds ignored",
     "Every row scoring from the old threshold up to just below the new one changes from a positive call to "
     "a negative one."),
    (("falls", "rises"), "the positive and the negative rows mixed up",
     "A stricter threshold removes calls: the false-positive count can only fall or stay."),
)


def threshold_shift(trace: Trace) -> tuple[Question, ...]:
    """Predict what raising the threshold does to recall and the false positives, from the rows it moves."""
    ordered = sorted(usable_thresholds(trace), key=threshold_of)
    pairs = [(lo, hi) for lo, hi in zip(ordered, ordered[1:])
             if sum(confusion_cells(lo)[1::2]) > sum(confusion_cells(hi)[1::2])]
    if not pairs:
        return ()
    lo, hi = rng_for(trace, "threshold_shift").choice(pairs)
    _, fp_lo, _, tp_lo = confusion_cells(lo)
    _, fp_hi, _, tp_hi = confusion_cells(hi)
    moved, positives = (tp_lo + fp_lo) - (tp_hi + fp_hi), tp_lo - tp_hi
    t_lo, t_hi = threshold_of(lo), threshold_of(hi)
    name = positive_name(trace)
    prompt = (f"At threshold {t_lo:g} (a row counts as class '{name}' when y_score >= t) the confusion matrix is "
              f"{matrix_text(lo)}. {rows(moved).capitalize()} score from {t_lo:g} up to just below {t_hi:g}, and "
              f"{positives} of them are class '{name}'. If the threshold is raised from {t_lo:g} to {t_hi:g}, what "
              f"happens to recall and to the false-positive count?")
    r_word, f_word = direction(lo.recall, hi.recall), direction(fp_lo, fp_hi)

    def text(recall: str, false_positives: str) -> str:
        return f"Recall {recall} and the false-positive count {false_positives}"

    right = [(text(r_word, f_word), f"Right: {positives} true positives become misses and {moved - positives} false "
                                    f"positives become true negatives.")]
    wrong: list[Wrong] = [(text(*words), misconception, feedback) for words, misconception, feedback in SHIFT_MISTAKES]
    explanation = (f"At {t_hi:g} the matrix is {matrix_text(hi)}: recall {fmt(lo.recall, 4)} -> {fmt(hi.recall, 4)}, "
                   f"FP {fp_lo} -> {fp_hi}, precision {fmt(lo.precision, 4)} -> {fmt(hi.precision, 4)}. The {moved} "
                   f"rows in between are no longer called '{name}'.")
    return asked(choice_question("threshold_shift", prompt, right, wrong, explanation))
