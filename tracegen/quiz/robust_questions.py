"""Generators about single numbers that an imbalanced run or a PR curve's area can mislead with.

balanced_accuracy_from_counts asks for balanced accuracy worked from the confusion matrix's rows
(the answer is balanced_accuracy_score's, recorded in evaluation.robust_scores); its wrong options
model the mean of the precisions, accuracy and the rare class's recall alone. constant_score_trapezoid
asks what auc(recall, precision) gives a score that is the same for every row (recorded in
evaluation.constant_score_pr, scikit-learn's), against AP's prevalence and ROC's 0.5.
"""

from __future__ import annotations

from tracegen.quiz.build import (
    Wrong,
    WrongValue,
    asked,
    choice_question,
    class_count,
    fmt,
    numeric_question,
    positive_name,
    recorded,
)
from tracegen.quiz.question import Question
from tracegen.trace import Trace


def balanced_accuracy_from_counts(trace: Trace) -> tuple[Question, ...]:
    """Balanced accuracy from each class's rows and rows right; distractors: mean precision, accuracy, min recall."""
    ev = trace.evaluation
    scores = ev.robust_scores
    if scores is None:  # a trace written before it was recorded (a checked-in or exported trace)
        return ()
    matrix = ev.confusion_matrix
    supports = [sum(row) for row in matrix]
    predicted = [sum(row[j] for row in matrix) for j in range(len(matrix))]
    if 0 in supports:  # a class without test rows has no recall to average
        return ()
    counts = "; ".join(f"class '{name}': {matrix[i][i]} of its {supports[i]} rows predicted '{name}'"
                       for i, name in enumerate(ev.classes))
    prompt = (f"On the {len(ev.y_true)} test rows, {counts}. What is the model's balanced accuracy? "
              f"Give 3 decimals.")
    recalls = [matrix[i][i] / supports[i] for i in range(len(matrix))]
    wrong: list[WrongValue] = [(ev.accuracy, "balanced accuracy taken for accuracy",
                                f"{fmt(ev.accuracy, 3)} is accuracy: all rows right over all rows, so the "
                                f"largest class decides it. Balanced accuracy averages each class's recall.")]
    if all(predicted):
        mean_precision = sum(matrix[j][j] / predicted[j] for j in range(len(matrix))) / len(matrix)
        wrong.append((mean_precision, "balanced accuracy taken as the mean of the precisions",
                      f"{fmt(mean_precision, 3)} averages precision (right calls over calls of each class). "
                      f"Balanced accuracy averages recall: right rows over each class's own rows."))
    wrong.append((min(recalls), "balanced accuracy taken as the weakest class's recall",
                  f"{fmt(min(recalls), 3)} is the lowest class recall alone; balanced accuracy is the mean of "
                  f"all {len(matrix)} recalls."))
    terms = " + ".join(f"{matrix[i][i]}/{supports[i]}" for i in range(len(matrix)))
    explanation = (f"Balanced accuracy is the mean of the classes' recalls: ({terms}) / {len(matrix)} = "
                   f"{fmt(scores.balanced_accuracy, 4)} (balanced_accuracy_score), against accuracy "
                   f"{fmt(ev.accuracy, 4)}. Each class weighs the same, however many rows it has.")
    return asked(numeric_question("balanced_accuracy_from_counts", prompt, scores.balanced_accuracy, 3, wrong,
                                  explanation, tolerance=0.001))


def constant_score_trapezoid(trace: Trace) -> tuple[Question, ...]:
    """A constant score's trapezoid PR area; distractors: the prevalence (its AP), 0.5, the negative share."""
    ev = trace.evaluation
    constant = ev.constant_score_pr
    if constant is None:  # a trace written before it was recorded
        return ()
    name = positive_name(trace)
    n, positives = len(ev.y_true), class_count(trace, name)
    prompt = (f"{positives} of the {n} test rows are class '{name}'. A 'model' gives every row the same score. "
              f"Its precision-recall curve is one point at recall 1, precision {positives}/{n}, plus scikit-learn's "
              f"sentinel at recall 0, precision 1. What does auc(recall, precision), the trapezoid area, give it? "
              f"Give 3 decimals.")
    wrong: list[WrongValue] = [
        (constant.average_precision, "the trapezoid area taken to equal average precision",
         f"{fmt(constant.average_precision, 3)} is the constant score's average precision, the prevalence: "
         f"AP takes the precision at the one real point. The trapezoid draws a straight line to the sentinel."),
        (0.5, "a constant score taken to get 0.5 under the PR curve, as under ROC",
         "0.5 is a constant score's ROC AUC. Under the PR curve the straight line runs from precision "
         f"{positives}/{n} up to 1."),
        (1 - constant.average_precision, "the share of the other class taken for the area",
         f"{fmt(1 - constant.average_precision, 3)} is the share of rows that are not '{name}'."),
    ]
    explanation = (f"One trapezoid from (recall 1, precision {fmt(constant.average_precision, 4)}) to the sentinel "
                   f"(0, 1): (1 + {fmt(constant.average_precision, 4)}) / 2 = {fmt(constant.trapezoid_area, 4)}, "
                   f"above 0.5 for a score that ranks nothing (scikit-learn issue #6065). Its average precision "
                   f"is the prevalence, {fmt(constant.average_precision, 4)}.")
    return asked(numeric_question("constant_score_trapezoid", prompt, constant.trapezoid_area, 3, wrong,
                                  explanation, tolerance=0.001))


def pr_area_order(trace: Trace) -> tuple[Question, ...]:
    """Which PR area is larger on this run, and why; the reason offered as right is the one that fits the order."""
    ev = trace.evaluation
    ap, trapezoid = recorded(ev.average_precision, "average_precision"), ev.pr_curve_trapezoid_area
    if trapezoid is None or fmt(ap, 4) == fmt(trapezoid, 4):  # not recorded (an older trace), or no visible gap
        return ()
    prompt = ("This run's precision-recall curve is summed two ways: average_precision_score (steps) and "
              "auc(recall, precision) (straight lines between the points). Which is larger here, and why?")
    step_larger = ("Average precision: where recall grows, a positive row joins the calls and lifts precision, so "
                   "a step's precision at its higher-recall end is its highest; the straight line averages it with "
                   "the lower end")
    line_larger = ("The trapezoid area: where tied scores add positives and negatives at once, precision falls "
                   "across the step, and the straight line keeps the higher start that no threshold reaches")
    right_text, wrong_text = (step_larger, line_larger) if ap > trapezoid else (line_larger, step_larger)
    right = [(right_text, f"Right: AP {fmt(ap, 4)}, trapezoid {fmt(trapezoid, 4)}.")]
    wrong: list[Wrong] = [
        (wrong_text, "the order of the two areas taken from a rule of thumb rather than from this run's curve",
         f"Not on this run: AP is {fmt(ap, 4)} and the trapezoid area {fmt(trapezoid, 4)}."),
        ("Neither: they are the same number, the area under the PR curve, rounded differently",
         "AP taken to be the trapezoid area under another name",
         "They sum different shapes: AP multiplies each step's recall gain by the precision at its end; the "
         "trapezoid averages the precisions at both ends."),
        ("The one closer to the ROC AUC, because both are areas under a curve of the same scores",
         "PR areas taken to approximate ROC AUC",
         f"ROC AUC ({fmt(recorded(ev.roc_auc, 'roc_auc'), 4)}) is the area under another curve, TPR against FPR; "
         "it says nothing about which PR sum is larger."),
    ]
    explanation = (f"AP = sum of (R_n - R_n-1) x P_n = {fmt(ap, 4)}; auc(recall, precision) = {fmt(trapezoid, 4)}. "
                   "A 'PR AUC' from one tool and average precision from another can differ for this reason alone "
                   "(scikit-learn issues #29051, #13074).")
    return asked(choice_question("pr_area_order", prompt, right, wrong, explanation))
