"""Words computed from trace comparisons, so no qualitative word in a question can be false for a run.

Each function turns numbers the trace holds into a word or phrase (above / below / equal, low,
close to chance, ...) by a rule declared here; the generators never type such a word themselves.
The thresholds are teaching conventions, stated once so tests and prose can cite them.
"""

from __future__ import annotations

import re

from tracegen.expressions import compare
from tracegen.quiz.question import fmt

# Recall below this is called low ("only 0.62"), and only when AUC exceeds it by AUC_RECALL_GAP.
LOW_RECALL = 0.8
AUC_RECALL_GAP = 0.1
# An AUC at least this high is called a good ranking; within CHANCE_BAND of 0.5 it is close to chance.
GOOD_AUC = 0.8
CHANCE_BAND = 0.1
# A modelled wrong chance level closer than this to the right one is too close to tell apart:
# the spread of a random ranking's AP is wider than this (review E16).
CHANCE_GAP = 0.01
# A pair of classes is confused in a direction when at least this many test rows go that way.
MIN_CONFUSED = 3


# Words that state opposite directions. Two right options that differ only by one of these (or by a
# "not") say opposite things, so a question cannot mark both right.
OPPOSITES = (("above", "below"), ("rose", "fell"), ("rises", "falls"), ("higher", "lower"),
             ("more", "fewer"), ("increases", "decreases"), ("improves", "worsens"), ("better", "worse"),
             ("larger", "smaller"), ("raises", "lowers"))
NEGATIONS = frozenset({"not", "never", "no"})
_DIRECTION = {word: f"<{pair[0]}>" for pair in OPPOSITES for word in pair}


def contradict(a: str, b: str) -> bool:
    """Return True when two statements differ only by opposite direction words or by a negation."""
    words_a, words_b = re.findall(r"[\w.'-]+", a.lower()), re.findall(r"[\w.'-]+", b.lower())
    if words_a == words_b:
        return False
    directions_a, directions_b = ([_DIRECTION.get(w, w) for w in words] for words in (words_a, words_b))
    if directions_a == directions_b:
        return True
    return [w for w in words_a if w not in NEGATIONS] == [w for w in words_b if w not in NEGATIONS]


def margin_text(value: float, reference: float, decimals: int) -> str:
    """Return e.g. '0.0750 below' or 'equal to': the shown gap between two numbers and its direction."""
    word = compare(value, reference, decimals)
    # The gap between the numbers as shown, which is what a learner subtracts.
    gap = abs(float(fmt(value, decimals)) - float(fmt(reference, decimals)))
    return word if word == "equal to" else f"{fmt(gap, decimals)} {word}"


def direction(before: float, after: float) -> str:
    """Return 'rises', 'falls' or 'stays the same': how a value goes from `before` to `after`."""
    return "rises" if after > before else "falls" if after < before else "stays the same"


def recall_is_low(auc: float, recall: float) -> bool:
    """Return True when 'AUC is x, yet recall is only y' is fair.

    Recall must be below LOW_RECALL and at least AUC_RECALL_GAP under AUC, and AUC must be above
    chance by more than CHANCE_BAND (a near-chance AUC is nothing to contrast recall with).
    """
    return recall < LOW_RECALL and auc - recall >= AUC_RECALL_GAP and auc >= 0.5 + CHANCE_BAND


def near_chance(auc: float) -> bool:
    """Return True when an AUC lies within CHANCE_BAND of the chance level 0.5."""
    return abs(auc - 0.5) < CHANCE_BAND


def never_predicted(classes: tuple[str, ...], y_pred: tuple[int, ...]) -> tuple[str, ...]:
    """Return the classes the model predicts for no test row, in class order."""
    predicted = set(y_pred)
    return tuple(name for index, name in enumerate(classes) if index not in predicted)


def quoted(names: tuple[str, ...]) -> str:
    """Return class names as 'a', 'b' and 'c'."""
    items = [f"'{name}'" for name in names]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def rows(count: int) -> str:
    """Return '1 row' or 'n rows'."""
    return f"{count} row" if count == 1 else f"{count} rows"
