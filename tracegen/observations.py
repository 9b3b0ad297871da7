"""Epoch observations: what the losses did since the epoch before, in words, with a tone.

Format-neutral (plain strings), so the lesson page and the terminal can share the wording. The
overfitting rule (`overfitting_onset`) lives here too: the epoch table and the quiz both use it.
"""

from __future__ import annotations

from collections.abc import Sequence

from tracegen.trace import EpochRecord

# Relative loss change below which an epoch counts as "flat".
FLAT_CHANGE = 0.01


def lowest_val_epoch(val_losses: Sequence[float]) -> int:
    """Return the 1-based epoch at which validation loss reaches its minimum (the last one, on a tie)."""
    low = min(val_losses)
    return max(i for i, loss in enumerate(val_losses) if loss == low) + 1


def overfitting_onset(val_losses: Sequence[float]) -> int | None:
    """Return the 1-based epoch from which the model overfits, or None when it has not started.

    The rule (early stopping read in hindsight, with patience = the rest of training): overfitting
    starts at the first epoch after the validation-loss minimum, because from there on validation
    loss stays above that minimum until training ends. A rise that later comes back down to a new
    minimum is a noisy bump, not overfitting; a steady rise of any size after the minimum is. When
    the minimum is at the last epoch there is no onset: validation loss has not turned up.
    """
    if not val_losses:
        return None
    best = lowest_val_epoch(val_losses)
    return None if best == len(val_losses) else best + 1


def epoch_observations(epochs: Sequence[EpochRecord]) -> tuple[tuple[str, str], ...]:
    """Return (observation, tone) per epoch, read from how both losses moved since the last epoch.

    The tone is '', 'good' or 'warn'. "overfitting starts" marks exactly the epoch
    `overfitting_onset` returns; a validation rise before it is named a bump.
    """
    if not epochs:
        return ()
    val_losses = [e.val_loss for e in epochs]
    onset = overfitting_onset(val_losses)
    best = lowest_val_epoch(val_losses)
    first = epochs[0]
    gap = first.val_loss - first.train_loss
    side = "above" if gap >= 0 else "below"
    observations = [(f"first pass over the training rows: val loss sits {abs(gap):.3f} {side} train loss", "")]
    running_best = first.val_loss
    for index in range(1, len(epochs)):
        previous, epoch = epochs[index - 1], epochs[index]
        train, val = _change(previous.train_loss, epoch.train_loss), _change(previous.val_loss, epoch.val_loss)
        if onset is not None and epoch.epoch == onset:
            text, tone = _onset(train, val, best), "warn"
        elif onset is not None and epoch.epoch > onset and val > 0 and train < 0:
            text, tone = (f"val loss up {_percent(val)} again while train loss fell {_percent(train)}: "
                          f"still overfitting"), "warn"
        elif onset is not None and epoch.epoch > onset and val < -FLAT_CHANGE:
            moved = (f"both losses fell (train {_percent(train)}, val {_percent(val)})" if train < -FLAT_CHANGE
                     else f"{_moved('val loss', val)} while {_moved('train loss', train)}")
            text, tone = f"{moved}, val loss still above its epoch {best} low", ""
        elif val > FLAT_CHANGE and train < 0:
            text, tone = (f"val loss up {_percent(val)} while train loss fell {_percent(train)}: a bump, "
                          f"val loss comes back down to its lowest, {val_losses[best - 1]:.4f}, at epoch {best}"), ""
        else:
            text, tone = _observe(train, val)
        if epoch.val_loss < running_best:
            running_best = epoch.val_loss
            if index == len(epochs) - 1 and tone != "warn":
                text += "; lowest val loss of the run"
        observations.append((text, tone))
    return tuple(observations)


def _change(before: float, after: float) -> float:
    return (after - before) / before if before else 0.0


def _percent(change: float) -> str:
    size = abs(change) * 100
    return "<0.1%" if size < 0.05 else f"{size:.1f}%"


def _moved(name: str, change: float) -> str:
    """Return e.g. 'train loss fell 2.0%', the direction and size word read from the change."""
    if abs(change) <= FLAT_CHANGE:
        return f"{name} barely moved ({_percent(change)})"
    return f"{name} {'rose' if change > 0 else 'fell'} {_percent(change)}"


def _onset(train: float, val: float, best: int) -> str:
    """The onset epoch's note: val loss rose off its minimum and stays above it from here on."""
    return (f"val loss up {_percent(val)} while {_moved('train loss', train)}: overfitting starts "
            f"(val loss stays above its epoch {best} low to the end)")


def _observe(train: float, val: float) -> tuple[str, str]:
    t, v = _percent(train), _percent(val)
    if val > FLAT_CHANGE and train > 0:
        return f"both losses rose (train {t}, val {v}): the steps may be too large", "warn"
    if val > FLAT_CHANGE:
        return f"val loss rose {v} while {_moved('train loss', train)}", "warn"
    if abs(train) <= FLAT_CHANGE and abs(val) <= FLAT_CHANGE:
        return f"both losses moved under 1% (train {t}, val {v}): training has levelled off", ""
    if train < -FLAT_CHANGE and val < -FLAT_CHANGE:
        return f"both losses fell (train {t}, val {v}): still learning", "good"
    if train < -FLAT_CHANGE:
        return f"train loss fell {t} but val loss barely moved ({v}): gains stop reaching unseen rows", ""
    if val < -FLAT_CHANGE and train > FLAT_CHANGE:
        return f"val loss fell {v} while train loss rose {t}: a noisy step", ""
    if val < -FLAT_CHANGE:
        return f"val loss fell {v} while train loss barely moved ({t})", "good"
    return f"train loss rose {t} while {_moved('val loss', val)}: a noisy step", ""
