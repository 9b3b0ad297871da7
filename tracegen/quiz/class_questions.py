"""Generators about classes: micro-averaged F1, top-k accuracy, the confusion matrix, bins and samples.

The multiclass ones read the report, the confusion matrix and top-k scores; the catalogue ones
(issue 6) read the normalized matrices, the per-bin recall and the sample explorer a lesson run
records.
"""

from __future__ import annotations

from tracegen.quiz.build import (
    Wrong,
    WrongValue,
    asked,
    choice_question,
    fmt,
    numeric_question,
    rng_for,
)
from tracegen.quiz.question import Question
from tracegen.quiz.tables import bin_rows, carrying, matrix_rows, sample_rows, top_k_rows
from tracegen.quiz.words import MIN_CONFUSED, margin_text
from tracegen.trace import Trace

# ---------------------------------------------------------------- multiclass


def micro_f1(trace: Trace) -> tuple[Question, ...]:
    """Which report entry micro-averaged F1 equals (accuracy); distractors: macro and weighted F1."""
    ev = trace.evaluation
    if ev.task != "multiclass" or ev.f1_micro is None or "macro avg" not in ev.classification_report:
        return ()
    n = len(ev.y_true)
    correct = sum(ev.confusion_matrix[i][i] for i in range(len(ev.classes)))
    macro, weighted = ev.classification_report["macro avg"], ev.classification_report["weighted avg"]
    # Option texts carry no numbers: on balanced data macro and weighted F1 can display like the
    # accuracy, and an option must never look like the right one.
    prompt = (f"scikit-learn's classification report for this {len(ev.classes)}-class run has no 'micro avg' "
              f"row. Micro-averaged F1 pools every test row's decision before computing F1. On these {n} "
              f"test rows, which entry of the report does it always equal?")
    right = [("accuracy", f"Right: micro F1 = {correct}/{n} = {fmt(ev.f1_micro, 4)}, exactly the accuracy.")]
    wrong: list[Wrong] = [
        ("macro avg f1-score", "micro and macro averaging taken to be the same",
         f"Macro F1 is the plain mean of the per-class F1 scores, {fmt(macro['f1-score'], 4)} here; micro "
         f"F1 pools the counts of all classes first. They are close only when classes behave alike."),
        ("weighted avg f1-score", "support-weighted averaging taken for micro averaging",
         f"Weighted F1 averages the per-class F1 by class size, {fmt(weighted['f1-score'], 4)} here; micro "
         f"F1 pools the counts of all classes."),
        ("macro avg precision", "macro precision taken for micro F1",
         f"Macro precision, {fmt(macro['precision'], 4)} here, is a mean of per-class precisions; micro "
         f"averaging pools the counts instead."),
    ]
    explanation = (f"Micro averaging pools every row: each wrong prediction is one false positive (for the "
                   f"predicted class) and one false negative (for the true class), so micro precision = micro "
                   f"recall = micro F1 = correct / all = {correct}/{n} = {fmt(ev.f1_micro, 4)}, the accuracy. "
                   f"That is why scikit-learn's report prints this row as 'accuracy'.")
    return asked(choice_question("micro_f1", prompt, right, wrong, explanation))


def top_k_accuracy(trace: Trace) -> tuple[Question, ...]:
    """Top-k accuracy; distractors: top-1 accuracy, the top-k error, the chance level k/n_classes."""
    ev = trace.evaluation
    options = [top for top in ev.top_k if top.k >= 2]
    if ev.task != "multiclass" or not options:
        return ()
    top = rng_for(trace, "top_k_accuracy").choice(options)
    n, n_classes = len(ev.y_true), len(ev.classes)
    prompt = (f"For each of the {n} test rows the model ranks the {n_classes} classes by probability. In what "
              f"fraction of rows is the true class among the {top.k} highest-ranked classes (top-{top.k} "
              f"accuracy)? Give 3 decimals.")
    wrong: list[WrongValue] = [
        (ev.accuracy, "only the single most probable class counted",
         f"{fmt(ev.accuracy, 3)} is plain accuracy, top-1. Top-{top.k} also counts rows whose true class is "
         f"among the next {top.k - 1} most probable classes."),
        (1 - top.accuracy, "the top-k error taken for the top-k accuracy",
         f"{fmt(1 - top.accuracy, 3)} is the share of rows whose true class is not in the top {top.k}."),
        (top.k / n_classes, "the chance level taken for the model's score",
         f"{top.k}/{n_classes} is what a random ranking would score; this model scores "
         f"{margin_text(top.accuracy, top.k / n_classes, 3)} it."),
    ]
    wrong += [(other.accuracy, f"top-{other.k} read instead of top-{top.k}",
               f"{fmt(other.accuracy, 3)} is the top-{other.k} accuracy.")
              for other in options if other.k != top.k]
    explanation = (f"top_k_accuracy_score(y_true, y_score, k={top.k}) = {fmt(top.accuracy, 4)}: in "
                   f"{round(top.accuracy * n)} of {n} rows the true class is among the {top.k} highest "
                   f"probabilities. Top-1 is plain accuracy, {fmt(ev.accuracy, 4)}; each extra guess can only "
                   f"add rows.")
    return carrying(numeric_question("top_k_accuracy", prompt, top.accuracy, 3, wrong, explanation),
                    "the top-k accuracy table", top_k_rows(trace))


# ---------------------------------------------------------------- the catalogue (issue 6)


def normalized_diagonal(trace: Trace) -> tuple[Question, ...]:
    """A class's row-normalized diagonal cell (its recall); distractors: column-normalized (precision), count share."""
    ev = trace.evaluation
    rows, cols = ev.confusion_matrix_normalized.get("true"), ev.confusion_matrix_normalized.get("pred")
    if not rows or not cols:
        return ()
    index = rng_for(trace, "normalized_diagonal").randrange(len(ev.classes))
    name, count, total = ev.classes[index], ev.confusion_matrix[index][index], sum(ev.confusion_matrix[index])
    n = len(ev.y_true)
    prompt = (f"In the row-normalized confusion matrix (normalize=\"true\"), what is the diagonal cell of class "
              f"{name}? Its row holds {total} test rows, {count} of them predicted as {name}. Give 3 decimals.")
    wrong: list[WrongValue] = [
        (cols[index][index], "row and column normalization swapped",
         f"{fmt(cols[index][index], 3)} is the column-normalized diagonal: precision, the share of rows "
         f"predicted as {name} that really are {name}."),
        (count / n, "divided by every test row instead of the class's row",
         f"{fmt(count / n, 3)} divides by all {n} test rows; normalize=\"true\" divides by the row total."),
        (ev.accuracy, "the accuracy taken for one class's cell",
         f"{fmt(ev.accuracy, 3)} is the accuracy over every class, not this class's recall."),
    ]
    explanation = (f"normalize=\"true\" divides each row by its true-class total: {count}/{total} = "
                   f"{fmt(rows[index][index], 4)}, which is the recall of class {name}. The column-normalized "
                   f"diagonal, {fmt(cols[index][index], 4)}, is its precision.")
    return asked(numeric_question("normalized_diagonal", prompt, rows[index][index], 3, wrong, explanation))


def confused_pairs(trace: Trace) -> tuple[Question, ...]:
    """Which class pairs are confused in both directions (multiple select); distractors: one-way and clean pairs."""
    ev = trace.evaluation
    m, names = ev.confusion_matrix, ev.classes
    if ev.task != "multiclass":
        return ()
    pairs = [(a, b) for a in range(len(names)) for b in range(a + 1, len(names))]
    # A direction counts as confused from MIN_CONFUSED rows on (review E27: 1/1 is not 13/13); a
    # pair with 1 to MIN_CONFUSED - 1 rows in some direction is neither clearly confused nor clean,
    # so it is never offered.
    both = [(a, b) for a, b in pairs if min(m[a][b], m[b][a]) >= MIN_CONFUSED]
    one_way = [(a, b) for a, b in pairs if min(m[a][b], m[b][a]) == 0 and max(m[a][b], m[b][a]) >= MIN_CONFUSED]
    clean = [(a, b) for a, b in pairs if not m[a][b] and not m[b][a]]
    rng = rng_for(trace, "confused_pairs")
    pick = [rng.sample(group, min(k, len(group))) for group, k in ((both, 2), (one_way, 2), (clean, 1))]
    if not pick[0] or len(pick[1]) + len(pick[2]) < 2:
        return ()

    def text(a: int, b: int) -> str:
        return f"{names[a]} and {names[b]}"

    def counts(a: int, b: int) -> str:
        return (f"{m[a][b]} row(s) of {names[a]} were predicted {names[b]}, and {m[b][a]} row(s) of {names[b]} "
                f"were predicted {names[a]}")

    right = [(text(a, b), f"Right: {counts(a, b)}.") for a, b in pick[0]]
    wrong: list[Wrong] = [(text(a, b), "a one-directional confusion taken as mutual", f"Only one way: {counts(a, b)}.")
                          for a, b in pick[1]]
    wrong += [(text(a, b), "any two classes assumed to be confused", f"Never confused: {counts(a, b)}.")
              for a, b in pick[2]]
    prompt = (f"Off the diagonal of this run's {len(names)}x{len(names)} confusion matrix, which pairs of classes "
              f"are confused in both directions, at least {MIN_CONFUSED} test rows each way (each class's rows "
              f"predicted as the other)? Select all that apply.")
    unclear = len(pairs) - len(both) - len(one_way) - len(clean)
    explanation = (f"Read cell [a][b] (true a, predicted b) and cell [b][a]. Of the {len(pairs)} pairs: "
                   f"{len(both)} confused at least {MIN_CONFUSED} rows each way, {len(one_way)} at least "
                   f"{MIN_CONFUSED} rows one way and never the other, {len(clean)} never confused, and {unclear} "
                   f"with 1 to {MIN_CONFUSED - 1} rows in some direction, too few to call a confusion (none of "
                   f"those is offered).")
    return carrying(choice_question("confused_pairs", prompt, right, wrong, explanation, kind="multiple"),
                    "the confusion matrix", matrix_rows(trace))


def clear_worst(rates: tuple[float | None, ...], support: tuple[int, ...]) -> int | None:
    """Return the bin whose recall is lowest by more than one row's worth, else None.

    One row's worth (review E8: 15/16 against 16/17 is no finding): the bin stays strictly lowest
    if one more of its rows had been found, and if any other bin had found one row fewer.
    """
    shown = [(r, b) for b, r in enumerate(rates) if r is not None and support[b]]
    if len(shown) < 3:
        return None
    worst_recall, worst = min(shown)
    found = round(worst_recall * support[worst])
    for r, b in shown:
        if b != worst:
            other_found = round(r * support[b])
            if (found + 1) / support[worst] >= r or worst_recall >= (other_found - 1) / support[b]:
                return None
    return worst


def worst_bin(trace: Trace) -> tuple[Question, ...]:
    """Which property bin has the clearly lowest recall for one class; distractors: the other bins."""
    bins = trace.evaluation.by_feature
    if bins is None:
        return ()
    ev = trace.evaluation
    clear = {c: clear_worst(rates, bins.support[c]) for c, rates in enumerate(bins.recall)}
    candidates = [c for c, worst in clear.items() if worst is not None]
    if not candidates:
        return ()
    c = rng_for(trace, "worst_bin").choice(candidates)
    rates, support, worst = bins.recall[c], bins.support[c], clear[c]
    assert worst is not None

    def label(b: int) -> str:
        return f"bin {b + 1}: {bins.edges[b]:.3g} to {bins.edges[b + 1]:.3g}"

    def found(b: int) -> str:
        return f"{round((rates[b] or 0.0) * support[b])}/{support[b]}"

    right = [(label(worst), f"Right: recall {found(worst)} = {fmt(rates[worst] or 0.0, 3)} on the rows of class "
                            f"{ev.classes[c]} in this bin.")]
    wrong: list[Wrong] = [(label(b), "a bin with higher recall taken for the lowest",
                           f"Recall here is {found(b)} = {fmt(r, 3)}, above the lowest bin's "
                           f"{found(worst)} = {fmt(rates[worst] or 0.0, 3)}.")
                          for b, r in enumerate(rates) if r is not None and b != worst]
    prompt = (f"Test rows are split into {len(bins.counts)} quantile bins of '{bins.property}'. In which bin does "
              f"the model find the fewest rows of class {ev.classes[c]} (lowest recall: the smallest share of that "
              f"class's rows in the bin)?")
    explanation = (f"Recall of class {ev.classes[c]} per bin: "
                   + ", ".join("-" if r is None else f"{found(b)} = {fmt(r, 3)}" for b, r in enumerate(rates))
                   + f". Bin {worst + 1} stays lowest even if one more of its rows had been found, or one fewer in "
                     f"any other bin: the gap is more than one row's worth.")
    return carrying(choice_question("worst_bin", prompt, right, wrong, explanation), "the recall-by-bin table",
                    bin_rows(trace, c))


def confident_mistake(trace: Trace) -> tuple[Question, ...]:
    """The probability of the most confident false positive in the sample explorer; distractors: other rows."""
    explorer = trace.evaluation.samples
    if explorer is None:
        return ()
    fps = [s for s in explorer.samples if s.outcome == "FP"]
    tps = [s for s in explorer.samples if s.outcome == "TP"]
    if not fps:
        return ()
    ev = trace.evaluation
    name = ev.classes[explorer.class_index]
    top = fps[0]
    prompt = (f"Among test rows that are not class {name} but were predicted {name} (false positives), what is "
              f"the highest probability the model gave class {name}? Give 3 decimals.")
    wrong: list[WrongValue] = [(1 - top.probability, "the probability of 'not the class' read instead",
                                f"{fmt(1 - top.probability, 3)} is 1 minus the answer.")]
    if tps:
        wrong.append((tps[0].probability, "a true positive taken for a mistake",
                      f"{fmt(tps[0].probability, 3)} belongs to the most confident correct call (a TP)."))
    if len(fps) > 1:
        wrong.append((fps[-1].probability, "the least confident mistake read instead",
                      f"{fmt(fps[-1].probability, 3)} is the last false positive shown, the least confident."))
    explanation = (f"Test row {top.test_row} is class {ev.classes[top.actual]} but got P({name}) = "
                   f"{fmt(top.probability, 4)}: the most confident false positive, shown first.")
    return carrying(numeric_question("confident_mistake", prompt, top.probability, 3, wrong, explanation),
                    "the sample explorer", sample_rows(trace))
