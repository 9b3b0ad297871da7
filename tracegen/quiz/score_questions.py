"""Generators about scores that summarise a whole run: AP's chance level, ROC AUC, the majority baseline.

They apply to both tasks (one-vs-rest and macro scores for multiclass runs) and need only the
evaluation, so they also run on an evaluation-only trace.
"""

from __future__ import annotations

from tracegen.quiz.build import (
    Wrong,
    WrongValue,
    asked,
    choice_question,
    class_count,
    class_supports,
    fmt,
    numeric_question,
    positive_name,
    recorded,
    rng_for,
    threshold_of,
    usable_thresholds,
)
from tracegen.quiz.question import Question
from tracegen.trace import Trace


def ap_chance_level(trace: Trace) -> tuple[Question, ...]:
    """The PR curve's chance level is the prevalence; distractors: 0.5, the negative share, the odds."""
    ev = trace.evaluation
    n = len(ev.y_true)
    if ev.task == "binary":
        name = positive_name(trace)
        prevalence, ap = recorded(ev.prevalence, "prevalence"), recorded(ev.average_precision, "average_precision")
        subject = f"This model's average precision (AP) is {fmt(ap, 3)}"
        chance_of_class = None
    else:
        curves = rng_for(trace, "ap_chance_level").choice(ev.per_class)
        name, prevalence, ap = curves.class_name, curves.prevalence, curves.average_precision
        subject = f"For class '{name}' against the rest, the one-vs-rest average precision (AP) is {fmt(ap, 3)}"
        chance_of_class = 1 / len(ev.classes)
    positives = class_count(trace, name)
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
    return asked(choice_question("ap_chance_level", prompt, right, wrong, explanation))


def _auc_and_recall(trace: Trace) -> tuple[str, float, str, float]:
    """Return (AUC name, AUC, recall name, recall) for the task."""
    ev = trace.evaluation
    if ev.task == "binary":
        recall = ev.classification_report[positive_name(trace)]["recall"]
        return "ROC AUC", recorded(ev.roc_auc, "roc_auc"), "recall at the model's own rule (probability > 0.5)", recall
    return ("macro one-vs-rest ROC AUC", recorded(ev.roc_auc_macro, "roc_auc_macro"),
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
        ap = recorded(ev.average_precision, "average_precision")
        pr_feedback = (f"The PR curve is summarised by average precision, {fmt(ap, 3)} "
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
    return asked(choice_question("roc_auc_meaning", prompt, right, wrong, explanation))


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
    usable = sorted(usable_thresholds(trace), key=threshold_of)
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
    return asked(choice_question("auc_vs_recall", prompt, right, wrong, explanation, kind="multiple"))


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
    return asked(numeric_question("majority_baseline", prompt, ev.majority_accuracy, 3, wrong, explanation))
