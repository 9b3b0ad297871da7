"""Epoch observations: what the losses did since the epoch before, in words, with a tone.

Format-neutral (plain strings), so the lesson page and the terminal can share the wording.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from tracegen.trace import EpochRecord

# Relative loss change below which an epoch counts as "flat".
FLAT_CHANGE = 0.01


def epoch_observations(epochs: Sequence[EpochRecord]) -> tuple[tuple[str, str], ...]:
    """Return (observation, tone) per epoch, read from how both losses moved since the last epoch.

    The tone is '', 'good' or 'warn'.
    """
    observations: list[tuple[str, str]] = []
    overfitting = False
    best_val = math.inf
    for index, epoch in enumerate(epochs):
        if index == 0:
            gap = epoch.val_loss - epoch.train_loss
            side = "above" if gap >= 0 else "below"
            observations.append((f"first pass over the training rows: val loss sits {abs(gap):.3f} {side} "
                                 f"train loss", ""))
            best_val = epoch.val_loss
            continue
        previous = epochs[index - 1]
        train, val = _change(previous.train_loss, epoch.train_loss), _change(previous.val_loss, epoch.val_loss)
        text, tone = _observe(train, val, overfitting)
        if val > FLAT_CHANGE and train < 0:
            overfitting = True
        elif val < -FLAT_CHANGE:
            overfitting = False
        if epoch.val_loss < best_val:
            best_val = epoch.val_loss
            if index == len(epochs) - 1 and tone != "warn":
                text += "; lowest val loss of the run"
        observations.append((text, tone))
    return tuple(observations)


def _change(before: float, after: float) -> float:
    return (after - before) / before if before else 0.0


def _percent(change: float) -> str:
    size = abs(change) * 100
    return "<0.1%" if size < 0.05 else f"{size:.1f}%"


def _observe(train: float, val: float, overfitting: bool) -> tuple[str, str]:
    t, v = _percent(train), _percent(val)
    if val > FLAT_CHANGE and train < 0:
        if overfitting:
            return f"val loss up {v} again while train loss fell {t}: still overfitting", "warn"
        return f"val loss up {v} while train loss fell {t}: overfitting starts", "warn"
    if val > FLAT_CHANGE:
        return f"both losses rose (train {t}, val {v}): the steps may be too large", "warn"
    if abs(train) <= FLAT_CHANGE and abs(val) <= FLAT_CHANGE:
        return f"both losses moved under 1% (train {t}, val {v}): training has levelled off", ""
    if train < -FLAT_CHANGE and val < -FLAT_CHANGE:
        return f"both losses fell (train {t}, val {v}): still learning", "good"
    if train < -FLAT_CHANGE:
        return f"train loss fell {t} but val loss barely moved ({v}): gains stop reaching unseen rows", ""
    if val < -FLAT_CHANGE:
        return f"val loss fell {v} while train loss barely moved ({t})", "good"
    return f"train loss rose {t} while val loss did not: a noisy step", ""
