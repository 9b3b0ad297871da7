"""observations.py: what the losses did since the epoch before, in words."""

from __future__ import annotations

from tracegen.observations import epoch_observations
from tracegen.trace import EpochRecord


def epochs_from(losses: list[tuple[float, float]]) -> tuple[EpochRecord, ...]:
    """Return epoch records with the given (train, val) losses and dummy accuracies."""
    return tuple(EpochRecord(epoch=i + 1, train_loss=t, train_accuracy=0.5, val_loss=v, val_accuracy=0.5)
                 for i, (t, v) in enumerate(losses))


def test_observation_overfitting_starts_then_continues():
    """Val loss rising while train loss falls is named, with both percentages from the numbers."""
    notes = epoch_observations(epochs_from([(1.0, 1.0), (0.8, 0.5), (0.7, 0.52), (0.6, 0.55)]))
    assert notes[0][0].startswith("first pass")
    assert notes[1] == ("both losses fell (train 20.0%, val 50.0%): still learning", "good")
    assert notes[2] == ("val loss up 4.0% while train loss fell 12.5%: overfitting starts", "warn")
    assert notes[3][0].startswith("val loss up 5.8% again while train loss fell 14.3%: still overfitting")


def test_observation_flat_and_rising():
    """Changes under 1% read as levelled off; both rising is flagged."""
    notes = epoch_observations(epochs_from([(0.5, 0.6), (0.499, 0.5995), (0.6, 0.7)]))
    assert notes[1][0].startswith("both losses moved under 1%")
    assert notes[2] == ("both losses rose (train 20.2%, val 16.8%): the steps may be too large", "warn")

