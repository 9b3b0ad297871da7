"""Generators about the pipeline's steps: the split, the shapes stages pass on, the scaler, the epochs.

Each reads a stage record or the epoch table of a lesson run; none applies to an evaluation-only
trace, which has neither.
"""

from __future__ import annotations

from tracegen.observations import lowest_val_epoch, overfitting_onset
from tracegen.quiz.build import (
    Wrong,
    WrongValue,
    asked,
    choice_question,
    epoch_of,
    fmt,
    has_stages,
    numeric_question,
    rng_for,
    split_counts,
    val_rows,
)
from tracegen.quiz.question import Question
from tracegen.quiz.tables import carrying, epoch_rows
from tracegen.trace import Trace

# The scaler class each normalization uses, and the statistics it learns from the rows it is fitted on.
SCALERS = {"standard": ("StandardScaler", "mean and standard deviation"),
           "minmax": ("MinMaxScaler", "minimum and maximum")}


# ---------------------------------------------------------------- data and stages


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
    return asked(numeric_question("test_rows", prompt, n_test, 0, wrong, explanation + "."))


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
    return asked(choice_question("stage_shape", prompt, right, wrong, explanation))


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
    return asked(choice_question("scaler_fit_rows", prompt, right, wrong, explanation))


# ---------------------------------------------------------------- training


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
    # The rows around epoch k: the off-by-one slip needs its neighbours.
    return carrying(numeric_question("loss_at_epoch", prompt, row.val_loss, 4, wrong, explanation), "the epoch table",
                    epoch_rows(trace, range(k - 2, k + 3)))


def best_val_epoch(trace: Trace) -> tuple[Question, ...]:
    """Epoch with the lowest validation loss; distractors: last epoch, train minimum, best accuracy.

    Asked only when the minimum comes before the last epoch (`overfitting_onset` is not None): when
    the last epoch is lowest, the answer would be "the last one", the very misconception ("the loss
    keeps falling until training stops") the question is built to catch, so no question is asked.
    """
    epochs = trace.epochs
    val = [e.val_loss for e in epochs]
    if len(epochs) < 2 or overfitting_onset(val) is None:
        return ()
    best = lowest_val_epoch(val)
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
    return carrying(numeric_question("best_val_epoch", prompt, best, 0, wrong, explanation), "the epoch table",
                    epoch_rows(trace))


def overfitting(trace: Trace) -> tuple[Question, ...]:
    """Whether and when overfitting begins, by `overfitting_onset`, the rule the epoch table uses too."""
    epochs = trace.epochs
    if len(epochs) < 3 or not has_stages(trace, "split"):
        return ()
    last = len(epochs)
    val = [e.val_loss for e in epochs]
    train = [e.train_loss for e in epochs]
    onset = overfitting_onset(val)
    best = lowest_val_epoch(val)
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
    return carrying(choice_question("overfitting", prompt, right, wrong, explanation), "the epoch table",
                    epoch_rows(trace))
