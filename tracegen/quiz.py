"""Quiz engine: questions computed from a trace, with distractors that model misconceptions.

Each generator is a small function of the trace that returns zero or more Questions; they are
collected in the plain-dict registry GENERATORS. Every right answer is a number the trace holds
(computed by scikit-learn in pipeline/evaluate.py). Wrong options come only from misconception
formulas (precision and recall swapped, F1 as the arithmetic mean, 0.5 as the PR chance level,
...); the trivial arithmetic that builds them is the misconception, not a metric.

A wrong option that shows the same text as the right one after display rounding (or lies inside
a numeric answer's tolerance) is dropped; a question left with too few wrong options is dropped
for that trace. Any choice a generator makes (an epoch, a threshold, a class, option order) comes
from a random.Random seeded with the trace hash, so questions are a pure function of the trace.

Hand-written questions come from ``[[quiz.questions]]`` tables in the lesson front matter:

    [[quiz.questions]]
    id = "ap-gap"                   # optional: letters, digits, _ and -; default "question-<n>"
    kind = "numeric"                # "single", "multiple" or "numeric"
    prompt = "How far is AP above the chance level?"
    explanation = "AP [[ evaluation.average_precision | .3f ]] - prevalence ..."
    answer = "evaluation.average_precision - evaluation.prevalence"   # numeric: an expression
    decimals = 3                    # numeric: displayed decimals (default 2)
    tolerance = 0.001               # numeric, optional: default half a unit of the last decimal

    [[quiz.questions.options]]      # single/multiple: the options; numeric: modelled wrong values
    text = "..."                    # single/multiple (numeric uses value = "<expression>")
    correct = false                 # single/multiple
    feedback = "..."
    misconception = "..."           # required on every wrong option

Text fields may use ``[[ expression | format ]]`` like the lesson prose. A numeric answer is
always an expression over the trace, never a literal.
"""

from __future__ import annotations

import ast
import dataclasses
import math
import random
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from typing import Any

from tracegen.errors import SpecError
from tracegen.expressions import ExpressionError, evaluate_expression, substitute
from tracegen.question import KINDS, Option, Question, default_tolerance
from tracegen.spec import LessonSpec
from tracegen.trace import ThresholdMetrics, Trace

MIN_WRONG = {"single": 2, "multiple": 2, "numeric": 1}
ID_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
SCALERS = {"standard": ("StandardScaler", "mean and standard deviation"),
           "minmax": ("MinMaxScaler", "minimum and maximum")}

Generator = Callable[[Trace], tuple[Question, ...]]
Wrong = tuple[str, str, str]          # (option text, misconception, feedback)
WrongValue = tuple[float, str, str]   # (value, misconception, feedback)


# ---------------------------------------------------------------- building blocks


def fmt(value: float, decimals: int) -> str:
    """Return `value` shown to `decimals` places, as every question displays numbers."""
    return f"{value:.{decimals}f}"


def rng_for(trace: Trace, name: str) -> random.Random:
    """Return a random generator seeded by the trace hash and a name (never global state)."""
    return random.Random(f"{trace.hash}:{name}")


def choice_question(qid: str, prompt: str, right: Iterable[tuple[str, str]], wrong: Iterable[Wrong],
                    explanation: str, kind: str = "single") -> Question | None:
    """Return a single- or multiple-choice question, or None if too few distinct wrong options.

    `right` holds (text, feedback) pairs. A wrong option whose text repeats an earlier option's
    text is dropped: it would show the same thing twice (or a right answer as wrong).
    """
    options = [Option(text=text, correct=True, feedback=feedback) for text, feedback in right]
    seen = {option.text for option in options}
    for text, misconception, feedback in wrong:
        if text not in seen:
            seen.add(text)
            options.append(Option(text=text, correct=False, feedback=feedback, misconception=misconception))
    n_right = sum(option.correct for option in options)
    if len(options) - n_right < MIN_WRONG[kind] or (kind == "single" and n_right != 1) or n_right == 0:
        return None
    return Question(id=qid, kind=kind, prompt=prompt, options=tuple(options), explanation=explanation,
                    generator=qid)


def numeric_question(qid: str, prompt: str, answer: float, decimals: int, wrong: Iterable[WrongValue],
                     explanation: str, tolerance: float | None = None,
                     min_wrong: int = MIN_WRONG["numeric"]) -> Question | None:
    """Return a numeric question, or None if the answer is not finite or too few wrong values remain.

    A modelled wrong value is dropped when it is not finite, when it displays like the answer or
    an earlier wrong value, or when it falls inside the answer's tolerance (it would be graded right).
    """
    if not _finite(answer):
        return None
    tolerance = default_tolerance(decimals) if tolerance is None else tolerance
    seen = {fmt(answer, decimals)}
    options = []
    for value, misconception, feedback in wrong:
        text = fmt(value, decimals) if _finite(value) else ""
        if not text or text in seen or abs(value - answer) <= tolerance:
            continue
        seen.add(text)
        options.append(Option(text=text, correct=False, feedback=feedback, misconception=misconception,
                              value=float(value)))
    if len(options) < min_wrong:
        return None
    return Question(id=qid, kind="numeric", prompt=prompt, options=tuple(options), explanation=explanation,
                    generator=qid, answer=float(answer), tolerance=tolerance, decimals=decimals)


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _one(question: Question | None) -> tuple[Question, ...]:
    return () if question is None else (question,)


def shuffled(question: Question, trace: Trace) -> Question:
    """Return the question with choice options in an order seeded by the trace hash and its id."""
    if question.kind == "numeric":
        return question
    options = list(question.options)
    rng_for(trace, f"order:{question.id}").shuffle(options)
    return dataclasses.replace(question, options=tuple(options))


# ---------------------------------------------------------------- trace readers


def has_stages(trace: Trace, *names: str) -> bool:
    """Return True when the trace recorded every named stage."""
    recorded = {record.name for record in trace.stages}
    return all(name in recorded for name in names)


def split_counts(trace: Trace) -> dict[str, int]:
    """Return row counts: all, train, validation and test."""
    shapes = trace.stage("split").output_shape
    return {"all": trace.data.n_samples, "train": shapes["train"][0],
            "validation": shapes.get("validation", (0,))[0], "test": shapes["test"][0]}


def val_rows(trace: Trace) -> str:
    """Return which rows the per-epoch validation columns were measured on."""
    counts = split_counts(trace)
    if counts["validation"]:
        return f"the {counts['validation']} validation rows"
    return f"the {counts['test']} test rows, standing in for a validation split"


def positive_name(trace: Trace) -> str:
    """Return the positive class name of a binary trace."""
    ev = trace.evaluation
    return ev.classes[ev.pos_label if ev.pos_label is not None else 1]


def cells(m: ThresholdMetrics) -> tuple[int, int, int, int]:
    """Return (tn, fp, fn, tp) of a binary confusion matrix."""
    (tn, fp), (fn, tp) = m.confusion_matrix
    return tn, fp, fn, tp


def usable_thresholds(trace: Trace) -> list[ThresholdMetrics]:
    """Return the recorded thresholds where precision and recall are both defined."""
    usable = []
    for m in trace.evaluation.at_thresholds:
        tn, fp, fn, tp = cells(m)
        if tp + fp > 0 and tp + fn > 0:
            usable.append(m)
    return usable


def matrix_text(m: ThresholdMetrics) -> str:
    """Return the confusion matrix at one threshold in words."""
    tn, fp, fn, tp = cells(m)
    return f"TN = {tn}, FP = {fp}, FN = {fn}, TP = {tp}"


def class_supports(trace: Trace) -> list[tuple[str, int]]:
    """Return (class name, number of test rows) for every class, from the classification report."""
    report = trace.evaluation.classification_report
    return [(name, int(report[name]["support"])) for name in trace.evaluation.classes]


def epoch_of(values: list[float], best: Callable[[Iterable[float]], float]) -> int:
    """Return the first 1-based epoch whose value is best(values)."""
    return values.index(best(values)) + 1


# ---------------------------------------------------------------- generators: data and stages


def test_rows(trace: Trace) -> tuple[Question, ...]:
    """Rows in the test split; distractors: every row, the train rows (and validation rows)."""
    if not has_stages(trace, "split"):
        return ()
    counts = split_counts(trace)
    split = trace.spec["split"]
    n_all, n_train, n_val, n_test = counts["all"], counts["train"], counts["validation"], counts["test"]
    prompt = f"The lesson loads {n_all} rows and splits them with test_size = {split['test_size']:g}"
    if n_val:
        prompt += (f", then carves validation_size = {split['validation_size']:g} of the remaining rows "
                   f"off for validation")
    prompt += ". How many rows are in the test split?"
    wrong: list[WrongValue] = [
        (n_all, "counting every row, before the split",
         f"{n_all} is every row the lesson loaded. The test split is the share test_size of them."),
        (n_train, "the train split taken for the test split",
         f"{n_train} are the train rows the model learns from, the other side of the split."),
    ]
    if n_val:
        wrong += [
            (n_val, "the validation split taken for the test split",
             f"{n_val} are the validation rows, carved from the training side after the test rows were "
             f"held out."),
            (n_train + n_val, "the rows left for training before the validation split",
             f"{n_train + n_val} rows stay on the training side of the first split; the test split is "
             f"the other side."),
        ]
    explanation = (f"The split stage records test {n_test}x{trace.data.n_features}: train_test_split with "
                   f"test_size = {split['test_size']:g} sends {split['test_size']:g} of the {n_all} rows "
                   f"(rounded up) to the test split, {n_test} rows, and keeps {n_all - n_test} for training")
    if n_val:
        explanation += f", of which {n_val} are then carved off for validation, leaving {n_train} train rows"
    return _one(numeric_question("test_rows", prompt, n_test, 0, wrong, explanation + "."))


def stage_shape(trace: Trace) -> tuple[Question, ...]:
    """Shape of predict_proba's output; distractors: predict's shape, transposed, the input's shape."""
    if not has_stages(trace, "predict"):
        return ()
    record = trace.stage("predict")
    n_rows, n_features = record.input_shape["test"]
    _, n_classes = record.output_shape["proba"]
    prompt = (f"The predict stage receives the normalized test matrix of shape ({n_rows}, {n_features}) "
              f"and calls predict_proba. What is the shape of the array it returns?")
    right = [(f"({n_rows}, {n_classes})",
              f"Right: one row per test row and one column per class ({n_classes} classes).")]
    wrong: list[Wrong] = [
        (f"({n_rows},)", "predict_proba confused with predict",
         f"That is the shape of predict's output, one label per row. predict_proba gives a probability "
         f"for every class: {n_classes} columns."),
        (f"({n_classes}, {n_rows})", "rows and columns swapped",
         "scikit-learn arrays are (n_samples, ...): the test rows come first, one row each."),
        (f"({n_rows}, {n_features})", "the output shape taken to be the input shape",
         "That is the input: one column per feature. predict_proba returns one column per class, "
         "not per feature."),
    ]
    if n_classes == 2:
        wrong.append((f"({n_rows}, 1)", "a binary classifier returns a single probability",
                      "Even for two classes predict_proba returns both columns, P(class 0) and P(class 1), "
                      "and each row sums to 1."))
    explanation = (f"stage('predict'): input test {n_rows}x{n_features}, output proba "
                   f"{n_rows}x{n_classes} and y_pred {n_rows}. Each row of proba holds the {n_classes} class "
                   f"probabilities of one test row and sums to 1.")
    return _one(choice_question("stage_shape", prompt, right, wrong, explanation))


def scaler_fit_rows(trace: Trace) -> tuple[Question, ...]:
    """Which rows the scaler was fitted on (leakage); skipped when nothing was normalized."""
    if not has_stages(trace, "split", "normalize"):
        return ()
    record = trace.stage("normalize")
    method = trace.spec.get("normalization")
    if record.fitted_on is None or method not in SCALERS:
        return ()
    scaler, statistics = SCALERS[method]
    counts = split_counts(trace)
    prompt = (f"The normalize stage uses a {scaler}. Which rows was its {statistics} of each feature "
              f"computed from?")
    right = [(f"Only the {record.fitted_on}",
              "Right: the statistics come from the training rows alone, and every other row is transformed "
              "with them, so nothing about held-out rows reaches the model.")]
    wrong: list[Wrong] = [
        (f"All {counts['all']} rows, before the split", "fitting the scaler before splitting (test leakage)",
         f"That leaks the test rows into training: their values would shape the {statistics}, so the test "
         f"score would no longer be an honest estimate. This run fitted on the {record.fitted_on} only."),
        (f"The {counts['test']} test rows", "fitting the scaler on the evaluation rows",
         "Test rows are only transformed, with statistics learned from training; fitting on them uses "
         "exactly the information the test is meant to hide."),
        ("Each split separately, with its own statistics", "refitting the scaler on every split",
         "Refitting on each split puts test rows on a different scale from the one the model was trained "
         "on, and still uses test statistics."),
    ]
    if counts["validation"]:
        wrong.append((f"The {counts['train']} train and {counts['validation']} validation rows together",
                      "fitting on validation rows too",
                      "The validation rows were carved off before fitting and stay unseen, like the test rows, "
                      "so they can judge the epochs honestly."))
    explanation = f"stage('normalize').fitted_on = '{record.fitted_on}'. {record.operation}."
    return _one(choice_question("scaler_fit_rows", prompt, right, wrong, explanation))


# ---------------------------------------------------------------- generators: training


def loss_at_epoch(trace: Trace) -> tuple[Question, ...]:
    """Validation loss at epoch k; distractors: train loss, the neighbouring epoch, val accuracy."""
    epochs = trace.epochs
    if len(epochs) < 2 or not has_stages(trace, "split"):
        return ()
    k = rng_for(trace, "loss_at_epoch").randint(1, len(epochs))
    row = epochs[k - 1]
    # "Counting epochs from 0" reads the next row; at the last epoch, reading the row above is the slip.
    other = epochs[k] if k < len(epochs) else epochs[k - 2]
    prompt = (f"Read the epoch table. What is the validation loss (val loss, log loss on {val_rows(trace)}) "
              f"at epoch {k}? Give 4 decimals.")
    wrong: list[WrongValue] = [
        (row.train_loss, "the train loss column read instead of the val loss",
         f"{fmt(row.train_loss, 4)} is the train loss at epoch {k}, measured on the rows the model learns "
         f"from; val loss is measured on held-out rows."),
        (other.val_loss, "off by one epoch",
         f"{fmt(other.val_loss, 4)} is the val loss at epoch {other.epoch}. The table's first row is epoch 1, "
         f"so epoch {k} is row {k}."),
        (row.val_accuracy, "the accuracy column read instead of the loss",
         f"{fmt(row.val_accuracy, 4)} is the validation accuracy at epoch {k}, a share of rows; the loss is "
         f"the mean of -log(probability given to the true class)."),
    ]
    explanation = (f"Epoch {k}: train loss {fmt(row.train_loss, 4)}, val loss {fmt(row.val_loss, 4)}, "
                   f"val accuracy {fmt(row.val_accuracy, 4)}. After epoch {k}'s pass over the training rows, "
                   f"the val loss is log_loss on {val_rows(trace)}.")
    return _one(numeric_question("loss_at_epoch", prompt, row.val_loss, 4, wrong, explanation))


def best_val_epoch(trace: Trace) -> tuple[Question, ...]:
    """Epoch with the lowest validation loss; distractors: last epoch, train minimum, best accuracy."""
    epochs = trace.epochs
    if len(epochs) < 2:
        return ()
    val = [e.val_loss for e in epochs]
    best = epoch_of(val, min)
    last = len(epochs)
    train_best = epoch_of([e.train_loss for e in epochs], min)
    acc_best = epoch_of([e.val_accuracy for e in epochs], max)
    prompt = f"Over the {last} epochs, at which epoch is the validation loss lowest?"
    wrong: list[WrongValue] = [
        (last, "assuming the loss keeps falling until training stops",
         f"At epoch {last} the val loss is {fmt(val[-1], 4)}, above its minimum {fmt(val[best - 1], 4)} "
         f"at epoch {best}."),
        (train_best, "the train loss column read instead of the val loss",
         f"Epoch {train_best} has the lowest train loss. Train loss measures fit to the training rows, not "
         f"how well the model does on rows it has not seen."),
        (acc_best, "the best-accuracy epoch taken as the lowest-loss epoch",
         f"Validation accuracy peaks at epoch {acc_best}. Accuracy and loss need not agree: log loss also "
         f"scores how confident each prediction is."),
        (best - 1, "epochs counted from 0",
         f"The table's first row is epoch 1: the lowest val loss, {fmt(val[best - 1], 4)}, is in row "
         f"{best}, epoch {best}."),
    ]
    explanation = (f"The val loss column's minimum is {fmt(val[best - 1], 4)} at epoch {best} "
                   f"(epoch 1: {fmt(val[0], 4)}, epoch {last}: {fmt(val[-1], 4)}).")
    return _one(numeric_question("best_val_epoch", prompt, best, 0, wrong, explanation))


def overfitting(trace: Trace) -> tuple[Question, ...]:
    """Whether and when overfitting begins, by the early-stopping rule on the validation loss."""
    epochs = trace.epochs
    if len(epochs) < 3 or not has_stages(trace, "split"):
        return ()
    last = len(epochs)
    val = [e.val_loss for e in epochs]
    train = [e.train_loss for e in epochs]
    best = epoch_of(val, min)
    onset = None if best == last else best + 1
    gap = next((e.epoch for e in epochs if e.train_loss < e.val_loss), None)
    dip = next((e.epoch for prev, e in zip(epochs, epochs[1:]) if e.val_accuracy < prev.val_accuracy), None)
    prompt = (f"Read the training and validation losses over the {last} epochs. Does the model start to "
              f"overfit, and if so from which epoch?")
    if onset is None:
        right = [(f"No: validation loss is lowest at the last epoch, {last}, so it has not started rising",
                  f"Right: val loss falls to {fmt(val[-1], 4)} at epoch {last}; overfitting shows as val loss "
                  f"rising while train loss keeps falling.")]
    else:
        right = [(f"Yes, from epoch {onset}: validation loss is lowest at epoch {best} and never gets back "
                  f"below that",
                  f"Right: val loss bottoms out at {fmt(val[best - 1], 4)} at epoch {best} and ends at "
                  f"{fmt(val[-1], 4)}, while train loss goes from {fmt(train[best - 1], 4)} to "
                  f"{fmt(train[-1], 4)}.")]
    wrong: list[Wrong] = []
    if gap is not None and gap != onset:
        wrong.append((f"Yes, from epoch {gap}: that is where training loss first drops below validation loss",
                      "a gap between train and validation loss alone taken as overfitting",
                      "A gap is normal: the model is scored on rows it learned from. Overfitting shows when "
                      "validation loss starts rising while training loss keeps falling."))
    if dip is not None and dip != onset:
        wrong.append((f"Yes, from epoch {dip}: that is where validation accuracy first drops",
                      "one dip in validation accuracy taken as overfitting",
                      f"Accuracy on {val_rows(trace)} moves in whole-row steps and dips by chance; the "
                      f"validation loss is the steadier signal."))
    if onset is not None:
        wrong.append(("No: as long as training loss falls, the model is still improving",
                      "judging progress by training loss alone",
                      f"Training loss only measures fit to the training rows. Validation loss is lowest at "
                      f"epoch {best} ({fmt(val[best - 1], 4)}) and higher afterwards."))
    elif val[-2] - val[-1] < val[0] - val[1]:
        wrong.append((f"Yes: validation loss falls more slowly by epoch {last} than at the start, and that "
                      f"slowing is overfitting",
                      "a flattening loss curve taken as overfitting",
                      "Slower improvement is a plateau, not overfitting: validation loss is still falling at "
                      f"the last epoch ({fmt(val[-2], 4)} -> {fmt(val[-1], 4)})."))
    explanation = (f"Val loss: epoch 1 {fmt(val[0], 4)}, lowest {fmt(val[best - 1], 4)} at epoch {best}, "
                   f"epoch {last} {fmt(val[-1], 4)}; train loss {fmt(train[0], 4)} -> {fmt(train[-1], 4)}. "
                   f"By the early-stopping rule overfitting begins after the epoch with the lowest "
                   f"validation loss: ")
    explanation += ("here that is the last epoch, so not yet." if onset is None
                    else f"epoch {best}, so from epoch {onset}.")
    return _one(choice_question("overfitting", prompt, right, wrong, explanation))


# ---------------------------------------------------------------- generators: binary thresholds


def _threshold_prompt(trace: Trace, m: ThresholdMetrics, what: str) -> str:
    return (f"At threshold {m.threshold:g} (a test row counts as class '{positive_name(trace)}' when "
            f"y_score >= {m.threshold:g}) the confusion matrix is {matrix_text(m)}. What is the {what}? "
            f"Give 3 decimals.")


def _accuracy_wrong(m: ThresholdMetrics) -> WrongValue:
    tn, fp, fn, tp = cells(m)
    return (m.accuracy, "accuracy taken for it",
            f"{fmt(m.accuracy, 3)} is the accuracy, (TP + TN) / all = ({tp} + {tn}) / {tn + fp + fn + tp}: "
            f"it counts the correct negatives too.")


def _pick_threshold(trace: Trace, name: str) -> ThresholdMetrics | None:
    usable = usable_thresholds(trace)
    return rng_for(trace, name).choice(usable) if usable else None


def precision_at_threshold(trace: Trace) -> tuple[Question, ...]:
    """Precision from the confusion matrix; distractors: recall (swap), accuracy, negative precision."""
    m = _pick_threshold(trace, "precision_at_threshold")
    if m is None:
        return ()
    tn, fp, fn, tp = cells(m)
    wrong: list[WrongValue] = [
        (m.recall, "precision and recall swapped",
         f"{fmt(m.recall, 3)} is the recall, TP / (TP + FN) = {tp} / {tp + fn}. Precision divides by the rows "
         f"called positive, TP + FP."),
        _accuracy_wrong(m),
    ]
    if tn + fn:
        wrong.append((tn / (tn + fn), "the precision of the negative class",
                      f"{fmt(tn / (tn + fn), 3)} is TN / (TN + FN), how often a 'negative' call is right. "
                      f"Precision is about the positive calls."))
    explanation = (f"precision = TP / (TP + FP) = {tp} / ({tp} + {fp}) = {fmt(m.precision, 4)}: of the "
                   f"{tp + fp} rows called positive, {tp} really are.")
    return _one(numeric_question("precision_at_threshold", _threshold_prompt(trace, m, "precision"),
                                 m.precision, 3, wrong, explanation))


def recall_at_threshold(trace: Trace) -> tuple[Question, ...]:
    """Recall from the confusion matrix; distractors: precision (swap), accuracy, specificity."""
    m = _pick_threshold(trace, "recall_at_threshold")
    if m is None:
        return ()
    tn, fp, fn, tp = cells(m)
    wrong: list[WrongValue] = [
        (m.precision, "precision and recall swapped",
         f"{fmt(m.precision, 3)} is the precision, TP / (TP + FP) = {tp} / {tp + fp}. Recall divides by the "
         f"rows that really are positive, TP + FN."),
        _accuracy_wrong(m),
    ]
    if tn + fp:
        wrong.append((tn / (tn + fp), "the recall of the negative class (specificity)",
                      f"{fmt(tn / (tn + fp), 3)} is TN / (TN + FP), the share of negative rows called negative. "
                      f"Recall is the share of positive rows found."))
    explanation = (f"recall = TP / (TP + FN) = {tp} / ({tp} + {fn}) = {fmt(m.recall, 4)}: of the {tp + fn} "
                   f"positive rows, {tp} are found.")
    return _one(numeric_question("recall_at_threshold", _threshold_prompt(trace, m, "recall"),
                                 m.recall, 3, wrong, explanation))


def f1_at_threshold(trace: Trace) -> tuple[Question, ...]:
    """F1 from the confusion matrix; distractors: arithmetic mean of P and R, accuracy."""
    m = _pick_threshold(trace, "f1_at_threshold")
    if m is None:
        return ()
    tn, fp, fn, tp = cells(m)
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
    return _one(numeric_question("f1_at_threshold", _threshold_prompt(trace, m, "F1 score"),
                                 m.f1, 3, wrong, explanation))


def curve_point(trace: Trace, threshold: float) -> tuple[float, float, float] | None:
    """Return (threshold, precision, recall) of the PR-curve point for `y_score >= threshold`.

    The curve's thresholds increase; rows scoring at least `threshold` are exactly those at or above
    the first curve threshold >= it, so that point's precision and recall are the ones at `threshold`.
    """
    curve = trace.evaluation.pr_curve
    index = len(curve.thresholds) if curve is None else bisect_left(curve.thresholds, threshold)
    if curve is None or index >= len(curve.thresholds):
        return None
    return curve.thresholds[index], curve.precision[index], curve.recall[index]


def direction(before: float, after: float) -> str:
    """Return 'rises', 'falls' or 'stays the same'."""
    return "rises" if after > before else "falls" if after < before else "stays the same"


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
    return _one(choice_question("threshold_trend", prompt, right, wrong, explanation))


def pr_curve_point(trace: Trace) -> tuple[Question, ...]:
    """What one point on the PR curve represents; distractors: swap, accuracy, one row's confidence."""
    candidates = []
    for m in usable_thresholds(trace):
        shown = {fmt(m.precision, 2), fmt(m.recall, 2), fmt(m.accuracy, 2)}
        if len(shown) == 3 and 0 < m.recall < 1 and 0 < m.precision < 1:
            candidates.append(m)
    if not candidates:
        return ()
    m = rng_for(trace, "pr_curve_point").choice(candidates)
    tn, fp, fn, tp = cells(m)
    t, p, r = f"{m.threshold:g}", fmt(m.precision, 2), fmt(m.recall, 2)
    prompt = (f"One point on this run's precision-recall curve sits at recall {r}, precision {p}; it is the "
              f"point for threshold {t}. What does that point represent?")
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
                   f"such point per distinct score ({len(trace.evaluation.pr_curve.thresholds)} thresholds), "
                   f"plus scikit-learn's sentinel at recall 0, precision 1, which has no threshold.")
    return _one(choice_question("pr_curve_point", prompt, right, wrong, explanation))


# ---------------------------------------------------------------- generators: scores and baselines


def ap_chance_level(trace: Trace) -> tuple[Question, ...]:
    """The PR curve's chance level is the prevalence; distractors: 0.5, the negative share, the odds."""
    ev = trace.evaluation
    n = len(ev.y_true)
    if ev.task == "binary":
        name, prevalence, ap = positive_name(trace), ev.prevalence, ev.average_precision
        subject = f"This model's average precision (AP) is {fmt(ap, 3)}"
        chance_of_class = None
    else:
        curves = rng_for(trace, "ap_chance_level").choice(ev.per_class)
        name, prevalence, ap = curves.class_name, curves.prevalence, curves.average_precision
        subject = f"For class '{name}' against the rest, the one-vs-rest average precision (AP) is {fmt(ap, 3)}"
        chance_of_class = 1 / len(ev.classes)
    positives = round(prevalence * n)
    prompt = (f"{subject}, and {positives} of the {n} test rows are class '{name}'. What AP would a model "
              f"that scores rows at random get: the precision-recall curve's chance level?")
    right = [(fmt(prevalence, 3),
              f"Right: a random ranking has precision equal to the share of positives at every threshold, "
              f"so its AP is about the prevalence, {positives}/{n}.")]
    wrong: list[Wrong] = [
        ("0.500", "0.5 taken as the PR chance level, as it is for ROC AUC",
         f"0.5 is ROC AUC's chance level. On a PR curve a random model's precision is the share of positives, "
         f"{fmt(prevalence, 3)} here."),
        (fmt(1 - prevalence, 3), "the share of the other class taken as the chance level",
         f"{fmt(1 - prevalence, 3)} is the share of rows that are not '{name}'. Precision counts how many "
         f"positive calls are right, so a random model's precision is the share of '{name}' rows."),
        (fmt(positives / (n - positives), 3), "the ratio of positives to negatives (odds) taken as the share",
         f"{positives}/{n - positives} is the odds of a positive row; the chance level is the share "
         f"{positives}/{n}."),
    ]
    if chance_of_class is not None:
        wrong.append((fmt(chance_of_class, 3), "one over the number of classes taken as the chance level",
                      f"1/{len(ev.classes)} is a uniform guess over classes; one-vs-rest PR's chance level is "
                      f"this class's actual share of rows, {positives}/{n}."))
    explanation = (f"Chance level = prevalence = {positives}/{n} = {fmt(prevalence, 4)}. AP {fmt(ap, 4)} is "
                   f"{fmt(ap - prevalence, 4)} above it; comparing AP with 0.5 instead would misjudge the "
                   f"model whenever the classes are not balanced.")
    return _one(choice_question("ap_chance_level", prompt, right, wrong, explanation))


def _auc_and_recall(trace: Trace) -> tuple[str, float, str, float]:
    """Return (AUC name, AUC, recall name, recall) for the task."""
    ev = trace.evaluation
    if ev.task == "binary":
        recall = ev.classification_report[positive_name(trace)]["recall"]
        return "ROC AUC", ev.roc_auc, "recall at the model's own rule (probability > 0.5)", recall
    return ("macro one-vs-rest ROC AUC", ev.roc_auc_macro,
            "macro-averaged recall at the model's own rule (the most probable class)",
            ev.classification_report["macro avg"]["recall"])


def roc_auc_meaning(trace: Trace) -> tuple[Question, ...]:
    """What ROC AUC measures; distractors: accuracy, recall, the area under the PR curve."""
    ev = trace.evaluation
    auc_name, auc, recall_name, recall = _auc_and_recall(trace)
    prompt = f"This run's {auc_name} is {fmt(auc, 3)}. What does that number measure?"
    if ev.task == "binary":
        right_text = ("The probability that a randomly chosen positive row gets a higher score than a randomly "
                      "chosen negative row: how well the scores rank, over every threshold at once")
        pr_feedback = (f"The PR curve is summarised by average precision, {fmt(ev.average_precision, 3)} "
                       f"here; ROC plots true positive rate against false positive rate.")
    else:
        right_text = ("For each class, the probability that a random row of that class scores higher for it than "
                      "a random row of the other classes, averaged over the classes: ranking quality over "
                      "every threshold")
        pr_feedback = ("The PR curves are summarised by average precision per class; ROC plots true positive "
                       "rate against false positive rate.")
    right = [(right_text, "Right: AUC scores the ranking and does not depend on any one threshold.")]
    wrong: list[Wrong] = [
        ("The fraction of test rows classified correctly at the model's threshold", "AUC taken for accuracy",
         f"That is accuracy, {fmt(ev.accuracy, 3)} here. AUC does not fix a threshold."),
        ("The fraction of positive rows the model finds at its threshold", "AUC taken for recall",
         f"That is recall; the {recall_name} is {fmt(recall, 3)}."),
        ("The area under the precision-recall curve", "ROC AUC confused with the PR curve's area",
         pr_feedback),
    ]
    explanation = (f"{auc_name} = {fmt(auc, 4)}, chance level 0.5. It equals the probability that a random "
                   f"positive outscores a random negative, computed from the ranking of all {len(ev.y_true)} "
                   f"test scores without choosing a threshold; accuracy there is {fmt(ev.accuracy, 4)}.")
    return _one(choice_question("roc_auc_meaning", prompt, right, wrong, explanation))


def auc_vs_recall(trace: Trace) -> tuple[Question, ...]:
    """Why ROC AUC can be high while recall is low (multiple select)."""
    ev = trace.evaluation
    auc_name, auc, recall_name, recall = _auc_and_recall(trace)
    if auc > recall:
        prompt = (f"In this run the {auc_name} is {fmt(auc, 3)}, yet the {recall_name} is only "
                  f"{fmt(recall, 3)}. Which statements explain how both can be true? Select all that apply.")
    else:
        prompt = (f"In this run the {auc_name} is {fmt(auc, 3)} and the {recall_name} is {fmt(recall, 3)}. "
                  f"Which statements about AUC and recall are true? Select all that apply.")
    right = [("AUC scores how well positives are ranked above negatives over every threshold; recall is "
              "measured at one threshold",
              "Right: a good ranking can still be cut at a threshold that misses many positives.")]
    usable = sorted(usable_thresholds(trace), key=lambda m: m.threshold)
    if ev.task == "binary" and len(usable) >= 2 and usable[0].recall != usable[-1].recall:
        low, high = usable[0], usable[-1]
        right.append((f"Moving the threshold from {low.threshold:g} to {high.threshold:g} changes recall from "
                      f"{fmt(low.recall, 3)} to {fmt(high.recall, 3)} but leaves AUC at {fmt(auc, 3)}",
                      "Right: the threshold moves recall; the ranking, and so AUC, stays the same."))
    else:
        right.append(("Changing the threshold changes recall but leaves AUC unchanged",
                      "Right: the threshold moves recall; the ranking, and so AUC, stays the same."))
    if ev.task == "multiclass":
        right.append(("Each one-vs-rest AUC pools the other classes as negatives, and that large, mostly easy "
                      "'rest' pool lifts AUC",
                      f"Right: with {len(ev.classes)} classes each 'rest' pool holds most of the rows, and most "
                      f"of them are easy to rank below the class."))
    wrong: list[Wrong] = [
        ("A high AUC means most positive rows are found at the model's threshold", "AUC read as recall",
         f"AUC says nothing about any one threshold: the {recall_name} is {fmt(recall, 3)}."),
        ("AUC is computed at threshold 0.5, like the model's predictions", "AUC tied to the default threshold",
         "AUC sweeps every threshold; 0.5 is only where the model's own predict cuts."),
        ("AUC counts correct negatives, so a majority of easy negatives makes it equal to accuracy",
         "AUC taken for accuracy",
         f"AUC is a ranking probability, not a share of correct calls: accuracy here is "
         f"{fmt(ev.accuracy, 3)}."),
    ]
    explanation = (f"{auc_name} {fmt(auc, 4)} scores the whole ranking of test scores; the {recall_name} is "
                   f"{fmt(recall, 4)}, one cut through that ranking. Recall can be low at a cut that is too "
                   f"strict even when positives are mostly ranked above negatives.")
    return _one(choice_question("auc_vs_recall", prompt, right, wrong, explanation, kind="multiple"))


def majority_baseline(trace: Trace) -> tuple[Question, ...]:
    """Accuracy of always predicting the majority class (the accuracy paradox)."""
    ev = trace.evaluation
    if ev.majority_class is None or ev.majority_accuracy is None:
        return ()
    n = len(ev.y_true)
    supports = class_supports(trace)
    majority = ev.classes[ev.majority_class]
    count = dict(supports)[majority]
    listed = ", ".join(f"'{name}': {support}" for name, support in supports)
    prompt = (f"The {n} test rows hold these classes ({listed}), and the model's accuracy is "
              f"{fmt(ev.accuracy, 3)}. What accuracy would a 'model' get that always predicts the most common "
              f"class? Give 3 decimals.")
    k = len(ev.classes)
    wrong: list[WrongValue] = [
        (1 / k, "a constant guess taken to score like a random guess",
         f"1/{k} is what guessing uniformly at random would average. Always predicting '{majority}' is right "
         f"on every '{majority}' row: {count} of {n}."),
        (1 - ev.majority_accuracy, "the constant model's error rate taken for its accuracy",
         f"{fmt(1 - ev.majority_accuracy, 3)} is the share of rows it gets wrong, the rows of the other "
         f"classes."),
    ]
    margin = ev.accuracy - ev.majority_accuracy
    explanation = (f"Always predicting '{majority}' is right exactly on the {count} rows of that class: "
                   f"{count}/{n} = {fmt(ev.majority_accuracy, 4)}. The model's accuracy {fmt(ev.accuracy, 4)} "
                   f"is {fmt(margin, 4)} above this baseline: judge accuracy against the baseline, not against "
                   f"0 (the accuracy paradox).")
    return _one(numeric_question("majority_baseline", prompt, ev.majority_accuracy, 3, wrong, explanation))


# ---------------------------------------------------------------- generators: multiclass


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
    return _one(choice_question("micro_f1", prompt, right, wrong, explanation))


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
         f"{top.k}/{n_classes} is what a random ranking would score; this model ranks far better."),
    ]
    wrong += [(other.accuracy, f"top-{other.k} read instead of top-{top.k}",
               f"{fmt(other.accuracy, 3)} is the top-{other.k} accuracy.")
              for other in options if other.k != top.k]
    explanation = (f"top_k_accuracy_score(y_true, y_score, k={top.k}) = {fmt(top.accuracy, 4)}: in "
                   f"{round(top.accuracy * n)} of {n} rows the true class is among the {top.k} highest "
                   f"probabilities. Top-1 is plain accuracy, {fmt(ev.accuracy, 4)}; each extra guess can only "
                   f"add rows.")
    return _one(numeric_question("top_k_accuracy", prompt, top.accuracy, 3, wrong, explanation))


# ---------------------------------------------------------------- catalogue generators (issue 6)


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
    return _one(numeric_question("normalized_diagonal", prompt, rows[index][index], 3, wrong, explanation))


def confused_pairs(trace: Trace) -> tuple[Question, ...]:
    """Which class pairs are confused in both directions (multiple select); distractors: one-way and clean pairs."""
    ev = trace.evaluation
    m, names = ev.confusion_matrix, ev.classes
    if ev.task != "multiclass":
        return ()
    pairs = [(a, b) for a in range(len(names)) for b in range(a + 1, len(names))]
    both = [(a, b) for a, b in pairs if m[a][b] and m[b][a]]
    one_way = [(a, b) for a, b in pairs if bool(m[a][b]) != bool(m[b][a])]
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
              f"are confused in both directions (each class's rows sometimes predicted as the other)? "
              f"Select all that apply.")
    explanation = (f"Read cell [a][b] (true a, predicted b) and cell [b][a]. Of the {len(pairs)} pairs, "
                   f"{len(both)} are confused both ways, {len(one_way)} only one way and {len(clean)} never.")
    return _one(choice_question("confused_pairs", prompt, right, wrong, explanation, kind="multiple"))


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
    return _one(numeric_question("tuned_threshold", prompt, choice.test.f1, 3, wrong, explanation))


def worst_bin(trace: Trace) -> tuple[Question, ...]:
    """Which property bin has the lowest recall for one class; distractors: the other bins."""
    bins = trace.evaluation.by_feature
    if bins is None:
        return ()
    ev = trace.evaluation
    candidates = [c for c, rates in enumerate(bins.recall)
                  if len({r for r in rates if r is not None}) > 1 and sum(r is not None for r in rates) >= 3]
    if not candidates:
        return ()
    c = rng_for(trace, "worst_bin").choice(candidates)
    rates = bins.recall[c]
    worst = min((r, b) for b, r in enumerate(rates) if r is not None)[1]

    def label(b: int) -> str:
        return f"bin {b + 1}: {bins.edges[b]:.3g} to {bins.edges[b + 1]:.3g}"

    right = [(label(worst), f"Right: recall {fmt(rates[worst], 3)} on {bins.support[c][worst]} rows of class "
                            f"{ev.classes[c]}.")]
    wrong: list[Wrong] = [(label(b), "the overall recall assumed to hold in every bin",
                           f"Recall here is {fmt(r, 3)} on {bins.support[c][b]} rows.")
                          for b, r in enumerate(rates) if r is not None and b != worst and r != rates[worst]]
    prompt = (f"Test rows are split into {len(bins.counts)} quantile bins of '{bins.property}'. In which bin does "
              f"the model find the fewest rows of class {ev.classes[c]} (lowest recall)?")
    explanation = (f"Recall of class {ev.classes[c]} per bin: "
                   + ", ".join("-" if r is None else fmt(r, 3) for r in rates)
                   + ". That bin is where more labelled rows of this class would help most.")
    return _one(choice_question("worst_bin", prompt, right, wrong, explanation))


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
    return _one(numeric_question("confident_mistake", prompt, top.probability, 3, wrong, explanation))


# ---------------------------------------------------------------- registry

GENERATORS: dict[str, Generator] = {
    "test_rows": test_rows,
    "stage_shape": stage_shape,
    "scaler_fit_rows": scaler_fit_rows,
    "loss_at_epoch": loss_at_epoch,
    "best_val_epoch": best_val_epoch,
    "overfitting": overfitting,
    "precision_at_threshold": precision_at_threshold,
    "recall_at_threshold": recall_at_threshold,
    "f1_at_threshold": f1_at_threshold,
    "threshold_trend": threshold_trend,
    "pr_curve_point": pr_curve_point,
    "ap_chance_level": ap_chance_level,
    "roc_auc_meaning": roc_auc_meaning,
    "auc_vs_recall": auc_vs_recall,
    "majority_baseline": majority_baseline,
    "micro_f1": micro_f1,
    "top_k_accuracy": top_k_accuracy,
    "normalized_diagonal": normalized_diagonal,
    "confused_pairs": confused_pairs,
    "tuned_threshold": tuned_threshold,
    "worst_bin": worst_bin,
    "confident_mistake": confident_mistake,
}

BOTH = ("binary", "multiclass")
TASKS: dict[str, tuple[str, ...]] = {name: BOTH for name in GENERATORS} | {
    "precision_at_threshold": ("binary",), "recall_at_threshold": ("binary",), "f1_at_threshold": ("binary",),
    "threshold_trend": ("binary",), "pr_curve_point": ("binary",),
    "micro_f1": ("multiclass",), "top_k_accuracy": ("multiclass",),
    "confused_pairs": ("multiclass",), "tuned_threshold": ("binary",),
}


def task_of(spec: LessonSpec) -> str | None:
    """Return 'binary' or 'multiclass' when the spec alone decides it, else None."""
    declared = getattr(spec.evaluation, "task", "auto")
    if declared in ("binary", "multiclass"):
        return declared
    if spec.dataset.source == "make_classification":
        return "binary" if spec.dataset.params.get("n_classes", 2) == 2 else "multiclass"
    if spec.dataset.source in ("digits", "iris", "wine"):
        return "multiclass"
    if spec.dataset.source == "breast_cancer":
        return "binary"
    return None


def generator_names(spec: LessonSpec, task: str | None = None) -> tuple[str, ...]:
    """Return the lesson's generators (default: every one for its task), checking each name."""
    task = task or task_of(spec)
    if not spec.quiz.generators:
        return tuple(name for name in GENERATORS if task is None or task in TASKS[name])
    seen = set()
    for index, name in enumerate(spec.quiz.generators):
        where = f"quiz.generators[{index}]"
        if name not in GENERATORS:
            raise SpecError(spec.path, "quiz.generators",
                            f"unknown generator '{name}'; expected one of: {', '.join(GENERATORS)}")
        if name in seen:
            raise SpecError(spec.path, where, f"generator '{name}' is listed twice")
        if task is not None and task not in TASKS[name]:
            raise SpecError(spec.path, where, f"generator '{name}' applies to {' and '.join(TASKS[name])} "
                                              f"lessons; this lesson is {task}")
        if name == "scaler_fit_rows" and spec.normalization == "none":
            raise SpecError(spec.path, where, "generator 'scaler_fit_rows' needs a scaler, but this lesson has "
                                              "normalization = \"none\"")
        seen.add(name)
    return spec.quiz.generators


# ---------------------------------------------------------------- hand-written questions

COMMON_KEYS = {"id", "kind", "prompt", "explanation", "options"}
NUMERIC_KEYS = COMMON_KEYS | {"answer", "decimals", "tolerance"}
CHOICE_OPTION_KEYS = {"text", "correct", "feedback", "misconception"}
NUMERIC_OPTION_KEYS = {"value", "feedback", "misconception"}


def check_hand_written(spec: LessonSpec) -> None:
    """Check the shape of every [[quiz.questions]] table (everything that needs no trace)."""
    ids = set()
    for index, table in enumerate(spec.quiz.questions):
        qid = _check_table(spec, index, table)
        if qid in ids:
            raise SpecError(spec.path, f"quiz.questions[{index}].id", f"id '{qid}' is used twice")
        if qid in GENERATORS:
            raise SpecError(spec.path, f"quiz.questions[{index}].id",
                            f"id '{qid}' is a generator's name; choose another")
        ids.add(qid)


def _check_table(spec: LessonSpec, index: int, table: dict[str, Any]) -> str:
    where = f"quiz.questions[{index}]"

    def fail(field: str, message: str) -> None:
        raise SpecError(spec.path, f"{where}.{field}" if field else where, message)

    kind = table.get("kind")
    if kind not in KINDS:
        fail("kind", f"expected one of: {', '.join(KINDS)}, got {kind!r}")
    allowed = NUMERIC_KEYS if kind == "numeric" else COMMON_KEYS
    for key in table:
        if key not in allowed:
            fail(key, f"unknown key for a {kind} question; expected one of: {', '.join(sorted(allowed))}")
    qid = table.get("id", f"question-{index + 1}")
    if not isinstance(qid, str) or not ID_PATTERN.match(qid):
        fail("id", f"expected letters, digits, '_' and '-' (starting with a letter or '_'), got {qid!r}")
    for key in ("prompt", "explanation"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            fail(key, "missing; expected a non-empty string")
    options = table.get("options", [])
    if not isinstance(options, list) or not all(isinstance(o, dict) for o in options):
        fail("options", "expected [[quiz.questions.options]] tables")
    if kind == "numeric":
        _check_numeric_table(table, fail)
    elif len(options) < 2:
        fail("options", f"a {kind} question needs at least 2 options, got {len(options)}")
    option_keys = NUMERIC_OPTION_KEYS if kind == "numeric" else CHOICE_OPTION_KEYS
    texts = set()
    for number, option in enumerate(options):
        field = f"options[{number}]"
        for key in option:
            if key not in option_keys:
                fail(f"{field}.{key}", f"unknown key; expected one of: {', '.join(sorted(option_keys))}")
        if not isinstance(option.get("feedback"), str) or not option["feedback"].strip():
            fail(f"{field}.feedback", "missing; every option carries feedback")
        if kind == "numeric":
            _check_expression_field(option.get("value"), lambda m: fail(f"{field}.value", m))
            correct = False
        else:
            if not isinstance(option.get("text"), str) or not option["text"].strip():
                fail(f"{field}.text", "missing; expected a non-empty string")
            if option["text"] in texts:
                fail(f"{field}.text", f"repeats an earlier option: {option['text']!r}")
            texts.add(option["text"])
            correct = option.get("correct")
            if not isinstance(correct, bool):
                fail(f"{field}.correct", f"expected true or false, got {correct!r}")
        if correct and "misconception" in option:
            fail(f"{field}.misconception", "a right option models no misconception; remove the key")
        if not correct and (not isinstance(option.get("misconception"), str) or not option["misconception"]):
            fail(f"{field}.misconception", "missing; a wrong option names the misconception it models")
    if kind != "numeric":
        n_right = sum(option["correct"] for option in options)
        if kind == "single" and n_right != 1:
            fail("options", f"a single-choice question needs exactly one correct option, got {n_right}")
        if n_right == 0 or n_right == len(options):
            fail("options", f"a {kind} question needs right and wrong options, got {n_right} right "
                            f"of {len(options)}")
    return qid


def _check_numeric_table(table: dict[str, Any], fail: Callable[[str, str], None]) -> None:
    _check_expression_field(table.get("answer"), lambda m: fail("answer", m))
    decimals = table.get("decimals", 2)
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 10:
        fail("decimals", f"expected an integer in 0..10, got {decimals!r}")
    tolerance = table.get("tolerance", 0.0)
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not 0 <= tolerance < math.inf:
        fail("tolerance", f"expected a finite number >= 0, got {tolerance!r}")


def _check_expression_field(value: Any, fail: Callable[[str], None]) -> None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        fail(f"got the literal {value!r}; write an expression over the trace in quotes, such as "
             f"\"evaluation.average_precision\": answers are never typed by hand")
    if not isinstance(value, str) or not value.strip():
        fail("missing; expected an expression over the trace in quotes, such as \"evaluation.roc_auc\"")
    try:
        tree = ast.parse(value.strip(), mode="eval")
    except SyntaxError:
        fail(f"cannot parse expression {value.strip()!r}")
    if not any(isinstance(node, ast.Name) for node in ast.walk(tree)):
        fail(f"{value.strip()!r} is a literal; write an expression that reads the trace, such as "
             f"\"evaluation.average_precision\"")


def hand_written(spec: LessonSpec, trace: Trace) -> tuple[Question, ...]:
    """Return the lesson's hand-written questions with every expression evaluated on `trace`."""
    check_hand_written(spec)
    return tuple(_hand_written_one(spec, index, table, trace) for index, table in enumerate(spec.quiz.questions))


def _hand_written_one(spec: LessonSpec, index: int, table: dict[str, Any], trace: Trace) -> Question:
    where = f"quiz.questions[{index}]"

    def text(field: str, value: str) -> str:
        try:
            return substitute(value, trace, escape=False)
        except ExpressionError as exc:
            raise SpecError(spec.path, f"{where}.{field}", str(exc)) from None

    def number(field: str, expression: str) -> float:
        try:
            value = evaluate_expression(expression, trace)
        except ExpressionError as exc:
            raise SpecError(spec.path, f"{where}.{field}", str(exc)) from None
        if not _finite(value):
            raise SpecError(spec.path, f"{where}.{field}",
                            f"{expression!r} gives {value!r} on this run; expected a finite number")
        return float(value)

    qid = table.get("id", f"question-{index + 1}")
    prompt, explanation = text("prompt", table["prompt"]), text("explanation", table["explanation"])
    options = table.get("options", [])
    if table["kind"] == "numeric":
        decimals = table.get("decimals", 2)
        tolerance = float(table["tolerance"]) if "tolerance" in table else None
        wrong = [(number(f"options[{i}].value", o["value"]), o["misconception"],
                  text(f"options[{i}].feedback", o["feedback"])) for i, o in enumerate(options)]
        question = numeric_question(qid, prompt, number("answer", table["answer"]), decimals, wrong,
                                    explanation, tolerance=tolerance, min_wrong=0)
        assert question is not None  # the answer was checked finite above
    else:
        built = [Option(text=text(f"options[{i}].text", o["text"]), correct=o["correct"],
                        feedback=text(f"options[{i}].feedback", o["feedback"]),
                        misconception=o.get("misconception")) for i, o in enumerate(options)]
        texts = [option.text for option in built]
        if len(set(texts)) != len(texts):
            duplicate = next(t for t in texts if texts.count(t) > 1)
            raise SpecError(spec.path, f"{where}.options",
                            f"two options show the same text on this run: {duplicate!r}")
        question = Question(id=qid, kind=table["kind"], prompt=prompt, options=tuple(built),
                            explanation=explanation, generator=qid)
    return dataclasses.replace(question, generator="hand-written")


# ---------------------------------------------------------------- entry point


def check_quiz(spec: LessonSpec) -> None:
    """Check the lesson's quiz table before anything runs: generator names and question shapes."""
    generator_names(spec)
    check_hand_written(spec)


def make_questions(spec: LessonSpec, trace: Trace) -> tuple[Question, ...]:
    """Return the lesson's questions for one trace: generated, then hand-written, options in seeded order."""
    names = generator_names(spec, trace.evaluation.task)
    questions = [question for name in names for question in GENERATORS[name](trace)]
    questions += hand_written(spec, trace)
    return tuple(shuffled(question, trace) for question in questions)


# Generators that need only an evaluation, for `tracegen build --predictions` (no split, epochs or model).
PREDICTION_GENERATORS = ("precision_at_threshold", "recall_at_threshold", "f1_at_threshold", "threshold_trend",
                         "pr_curve_point", "ap_chance_level", "roc_auc_meaning", "auc_vs_recall", "majority_baseline",
                         "micro_f1", "top_k_accuracy", "normalized_diagonal", "confused_pairs")


def prediction_questions(trace: Trace) -> tuple[Question, ...]:
    """Return the generated questions for an evaluation-only trace, options in seeded order."""
    names = [name for name in PREDICTION_GENERATORS if trace.evaluation.task in TASKS[name]]
    return tuple(shuffled(question, trace) for name in names for question in GENERATORS[name](trace))
