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
from tracegen.quiz.words import (
    CHANCE_BAND,
    CHANCE_GAP,
    GOOD_AUC,
    LOW_RECALL,
    margin_text,
    near_chance,
    never_predicted,
    quoted,
    recall_is_low,
)
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
    levels: list[WrongValue] = [
        (0.5, "0.5 taken as the PR chance level, as it is for ROC AUC",
         f"0.5 is ROC AUC's chance level. On a PR curve a random model's precision is the share of positives, "
         f"{fmt(prevalence, 3)} here."),
        (1 - prevalence, "the share of the other class taken as the chance level",
         f"{fmt(1 - prevalence, 3)} is the share of rows that are not '{name}'. Precision counts how many "
         f"positive calls are right, so a random model's precision is the share of '{name}' rows."),
        (positives / (n - positives), "the ratio of positives to negatives (odds) taken as the share",
         f"{positives}/{n - positives} is the odds of a positive row; the chance level is the share "
         f"{positives}/{n}."),
    ]
    if chance_of_class is not None:
        levels.append((chance_of_class, "one over the number of classes taken as the chance level",
                       f"1/{len(ev.classes)} is a uniform guess over classes; one-vs-rest PR's chance level is "
                       f"this class's actual share of rows, {positives}/{n}."))
    # A wrong level within CHANCE_GAP of the prevalence is no clear mistake: a random ranking's AP
    # spreads wider than that (at low prevalence the odds are within a rounding step of the share).
    wrong: list[Wrong] = [(fmt(value, 3), misconception, feedback) for value, misconception, feedback in levels
                          if abs(value - prevalence) >= CHANCE_GAP]
    explanation = (f"Chance level = prevalence = {positives}/{n} = {fmt(prevalence, 4)}. AP {fmt(ap, 4)} is "
                   f"{margin_text(ap, prevalence, 4)} it; comparing AP with 0.5 instead would misjudge the "
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
    rule = "threshold" if ev.task == "binary" else "decision rule (the most probable class)"
    right = [(right_text, "Right: AUC scores the ranking and does not depend on any one threshold.")]
    wrong: list[Wrong] = [
        (f"The fraction of test rows classified correctly at the model's {rule}", "AUC taken for accuracy",
         f"That is accuracy, {fmt(ev.accuracy, 3)} here. AUC does not fix a threshold."),
        (f"The fraction of positive rows the model finds at its {rule}", "AUC taken for recall",
         f"That is recall; the {recall_name} is {fmt(recall, 3)}."),
        ("The area under the precision-recall curve", "ROC AUC confused with the PR curve's area",
         pr_feedback),
    ]
    n = len(ev.y_true)
    if ev.task == "binary":
        meaning = (f"It equals the probability that a random positive outscores a random negative, computed "
                   f"from the ranking of all {n} test scores without choosing a threshold; accuracy at the "
                   f"model's own threshold is {fmt(ev.accuracy, 4)}.")
    else:
        low = min(ev.per_class, key=lambda curves: curves.roc_auc)
        high = max(ev.per_class, key=lambda curves: curves.roc_auc)
        meaning = (f"It is the mean of the {len(ev.per_class)} per-class one-vs-rest AUCs (from "
                   f"{fmt(low.roc_auc, 4)} for class '{low.class_name}' to {fmt(high.roc_auc, 4)} for class "
                   f"'{high.class_name}'), each the probability that a random row of that class scores higher for "
                   f"it than a random other row; no threshold is chosen. Accuracy at the model's own rule (the "
                   f"most probable class) is {fmt(ev.accuracy, 4)}.")
    explanation = f"{auc_name} = {fmt(auc, 4)}, chance level 0.5. {meaning}"
    return asked(choice_question("roc_auc_meaning", prompt, right, wrong, explanation))


def _auc_vs_recall_prompt(auc_name: str, auc: float, recall_name: str, recall: float) -> str:
    """Say 'yet ... only' when recall_is_low says so, else state both numbers neutrally."""
    if recall_is_low(auc, recall):
        return (f"In this run the {auc_name} is {fmt(auc, 3)}, yet the {recall_name} is only {fmt(recall, 3)}. "
                f"Which statements explain how both can be true? Select all that apply.")
    return (f"In this run the {auc_name} is {fmt(auc, 3)} and the {recall_name} is {fmt(recall, 3)}. "
            f"Which statements about AUC and recall are true? Select all that apply.")


def _multiclass_pool(trace: Trace) -> tuple[list[tuple[str, str]], list[Wrong]]:
    """The 'rest' pool of one-vs-rest AUC: its size does not lift AUC (review E3), it lowers precision."""
    k = len(trace.evaluation.classes)
    right = [("A one-vs-rest AUC does not depend on how many rows the 'rest' pool holds; the pool's size lowers "
              "precision instead",
              f"Right: AUC uses the false positive rate, a share of the rest rows (the other {k - 1} classes), "
              f"so more rest rows ranked alike leave it unchanged; they do add false positives per positive "
              f"call, lowering precision.")]
    wrong: list[Wrong] = [
        ("The large 'rest' pool lifts each one-vs-rest AUC because it holds most of the rows",
         "the number of negatives taken to raise AUC",
         "ROC AUC does not depend on how many negatives there are, only on how they rank. A large pool lowers "
         "precision; it does not raise AUC."),
    ]
    return right, wrong


def auc_vs_recall(trace: Trace) -> tuple[Question, ...]:
    """Why ROC AUC and recall can differ (multiple select); 'yet ... only' and 'good' come from words.py."""
    ev = trace.evaluation
    auc_name, auc, recall_name, recall = _auc_and_recall(trace)
    binary = ev.task == "binary"
    cut = "one threshold" if binary else "one decision rule (the most probable class)"
    if auc >= GOOD_AUC:
        why = f"Right: a good ranking (AUC >= {GOOD_AUC:g}, as here) can still be cut where it misses positives."
    else:
        why = "Right: AUC judges the ranking as a whole; recall counts the positives one cut through it finds."
    ranked = "positives are ranked above negatives" if binary else "each class's rows are ranked above the rest"
    right = [(f"AUC scores how well {ranked} over every threshold; recall is measured at {cut}", why)]
    usable = sorted(usable_thresholds(trace), key=threshold_of)
    if binary and len(usable) >= 2 and usable[0].recall != usable[-1].recall:
        low, high = usable[0], usable[-1]
        right.append((f"Moving the threshold from {low.threshold:g} to {high.threshold:g} changes recall from "
                      f"{fmt(low.recall, 3)} to {fmt(high.recall, 3)} but leaves AUC at {fmt(auc, 3)}",
                      "Right: the threshold moves recall; the ranking, and so AUC, stays the same."))
    elif binary:
        right.append(("Changing the threshold changes recall but leaves AUC unchanged",
                      "Right: the threshold moves recall; the ranking, and so AUC, stays the same."))
    else:
        right.append(("Changing the rule that turns probabilities into classes can change recall but leaves AUC "
                      "unchanged", "Right: the rule decides recall; the scores' ranking, and so AUC, stays the "
                                   "same."))
    wrong: list[Wrong] = [
        (f"A high AUC means most positive rows are found at the model's {'threshold' if binary else 'rule'}",
         "AUC read as recall", f"AUC says nothing about any one cut: the {recall_name} is {fmt(recall, 3)}."),
        ("AUC counts correct negatives, so a majority of easy negatives makes it equal to accuracy",
         "AUC taken for accuracy",
         f"AUC is a ranking probability, not a share of correct calls: accuracy here is "
         f"{fmt(ev.accuracy, 3)}."),
    ]
    if binary:
        wrong.append(("AUC is computed at threshold 0.5, like the model's predictions",
                      "AUC tied to the default threshold",
                      "AUC sweeps every threshold; 0.5 is only where the model's own predict cuts."))
    else:
        wrong.append(("AUC is computed at threshold 0.5 on each class's probability, like the model's predictions",
                      "AUC tied to a default threshold",
                      "AUC sweeps every threshold. A multiclass model's predict applies no 0.5 cut either: it "
                      "takes the most probable class (argmax)."))
        pool_right, pool_wrong = _multiclass_pool(trace)
        right += pool_right
        wrong += pool_wrong
    explanation = (f"{auc_name} {fmt(auc, 4)} scores the whole ranking of test scores; the {recall_name} is "
                   f"{fmt(recall, 4)}, one cut through that ranking.")
    if binary and recall_is_low(auc, recall):
        positives = class_count(trace, positive_name(trace))
        missed = positives - round(recall * positives)
        explanation += (f" Recall is below {LOW_RECALL:g}: {missed} of the {positives} positive rows are not called "
                        f"positive at this cut, and some lower threshold would find more of them.")
    if near_chance(auc):
        explanation += (f" AUC is within {CHANCE_BAND:g} of the chance level 0.5: the ranking itself is close to "
                        f"random.")
    return asked(choice_question("auc_vs_recall", prompt=_auc_vs_recall_prompt(auc_name, auc, recall_name, recall),
                                 right=right, wrong=wrong, explanation=explanation, kind="multiple"))


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
    explanation = (f"Always predicting '{majority}' is right exactly on the {count} rows of that class: "
                   f"{count}/{n} = {fmt(ev.majority_accuracy, 4)}. The model's accuracy {fmt(ev.accuracy, 4)} "
                   f"is {margin_text(ev.accuracy, ev.majority_accuracy, 4)} this baseline: judge accuracy against "
                   f"the baseline, not against 0 (the accuracy paradox).")
    missing = never_predicted(ev.classes, ev.y_pred)
    if len(missing) == k - 1:
        explanation += (f" The model predicts '{ev.classes[ev.y_pred[0]]}' for every test row: it is a constant "
                        f"model itself.")
    elif ev.task == "binary" and positive_name(trace) in missing:
        explanation += f" The model never predicts the positive class '{positive_name(trace)}'."
    elif missing:
        explanation += f" The model never predicts class {quoted(missing)}."
    return asked(numeric_question("majority_baseline", prompt, ev.majority_accuracy, 3, wrong, explanation))
