"""observations.py: what the losses did since the epoch before, in words, and the overfitting rule."""

from __future__ import annotations

import pytest

from tests import quiz_oracles as oracles
from tracegen import quiz
from tracegen.observations import epoch_observations, overfitting_onset
from tracegen.trace import EpochRecord


def epochs_from(losses: list[tuple[float, float]]) -> tuple[EpochRecord, ...]:
    """Return epoch records with the given (train, val) losses and dummy accuracies."""
    return tuple(EpochRecord(epoch=i + 1, train_loss=t, train_accuracy=0.5, val_loss=v, val_accuracy=0.5)
                 for i, (t, v) in enumerate(losses))


def test_overfitting_rule_on_hand_made_losses():
    """A single noisy bump is not overfitting; a slow steady rise is, from the epoch after the minimum."""
    bump = [1.0, 0.9, 0.95, 0.85, 0.8]           # epoch 3 rises, epoch 5 is a new low
    slow = [1.0, 0.8, 0.7, 0.7021, 0.7042, 0.7063]  # lowest at 3, then +0.3% per epoch
    falling = [1.0, 0.9, 0.8, 0.7]
    assert overfitting_onset(bump) is None
    assert overfitting_onset(slow) == 4
    assert overfitting_onset(falling) is None
    assert overfitting_onset([0.5, 0.4, 0.6, 0.35, 0.36]) == 5  # the bump at 3 is not the onset


def test_observation_names_the_onset_and_a_bump():
    """'overfitting starts' sits at the rule's epoch, even for a rise under 1%; an earlier rise is a bump."""
    notes = epoch_observations(epochs_from([(1.0, 1.0), (0.8, 0.5), (0.7, 0.55), (0.6, 0.45),
                                            (0.5, 0.4518), (0.4, 0.46)]))
    assert notes[0][0].startswith("first pass")
    assert notes[1] == ("both losses fell (train 20.0%, val 50.0%): still learning", "good")
    assert notes[2] == ("val loss up 10.0% while train loss fell 12.5%: a bump, val loss comes back down to "
                        "its lowest, 0.4500, at epoch 4", "")
    assert notes[4] == ("val loss up 0.4% while train loss fell 16.7%: overfitting starts (val loss stays "
                        "above its epoch 4 low to the end)", "warn")
    assert notes[5] == ("val loss up 1.8% again while train loss fell 20.0%: still overfitting", "warn")
    assert sum("overfitting starts" in text for text, _ in notes) == 1


def test_observation_direction_words_follow_the_numbers():
    """A train loss that rose 6.9% while val loss fell is said to rise, never 'barely moved'."""
    notes = epoch_observations(epochs_from([(0.7758, 0.9), (0.8297, 0.84), (0.80, 0.80)]))
    assert notes[1] == ("val loss fell 6.7% while train loss rose 6.9%: a noisy step", "")
    assert "barely moved" not in notes[1][0]


def test_observation_flat_and_rising():
    """Changes under 1% read as levelled off; both rising before a new low is flagged."""
    notes = epoch_observations(epochs_from([(0.5, 0.6), (0.499, 0.5995), (0.6, 0.7), (0.4, 0.5)]))
    assert notes[1][0].startswith("both losses moved under 1%")
    assert notes[2] == ("both losses rose (train 20.2%, val 16.8%): the steps may be too large", "warn")


@pytest.mark.parametrize("name", ["training-curves", "heat-maps", "multiclass-roc", "roc-curve"])
def test_epoch_table_and_quiz_agree_on_the_onset(name):
    """Over several seeds the table's 'overfitting starts' epoch is the quiz's answer and argmin + 1."""
    for seed in (0, 3, 7, 21):
        spec, trace = oracles.lesson_trace(name, seed, epochs=None)
        val = [e.val_loss for e in trace.epochs]
        lowest = val.index(min(val)) + 1
        want = None if lowest == len(val) else lowest + 1
        starts = [e.epoch for e, (text, _) in zip(trace.epochs, epoch_observations(trace.epochs))
                  if "overfitting starts" in text]
        assert starts == ([] if want is None else [want])
        by_id = {q.id: q for q in quiz.make_questions(spec, trace)}
        if "overfitting" in by_id:
            (right,) = [o.text for o in by_id["overfitting"].options if o.correct]
            assert right.startswith("No:" if want is None else f"Yes, from epoch {want}:")
