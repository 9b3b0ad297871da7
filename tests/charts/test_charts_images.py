"""charts/images.py: shade-ramp images, their layout, and the weight snapshots they draw."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tracegen.charts.images import (
    SHADE_RAMP,
    class_weights,
    image_side,
    positive_image,
    shade_image,
    shade_level,
    side_by_side,
    weight_snapshots,
)
from tracegen.trace import Snapshot


def snapshot(epoch: int, coef: dict[str, tuple[float, ...]] | None) -> Snapshot:
    """Return a snapshot at `epoch` holding `coef` (None, as an MLP logs)."""
    return Snapshot(epoch=epoch, roc_auc=0.9, accuracy=0.8, confusion_matrix=((1, 0), (0, 1)), coef=coef)


@pytest.mark.parametrize("value, expected", [
    (0.0, 0), (0.099, 0), (0.1, 1), (0.55, 5), (0.95, 9), (1.0, 9), (-3.0, 0), (7.0, 9),
])
def test_shade_level_splits_the_range_into_equal_steps_and_clips(value, expected):
    """Ten equal steps over [0, 1]; the top value and anything outside are clipped to the ends."""
    assert shade_level(value, 0.0, 1.0) == expected


def test_shade_level_of_an_empty_range_is_the_lightest():
    """With high <= low there is no scale: every value gets level 0."""
    assert shade_level(5.0, 2.0, 2.0) == 0 and shade_level(5.0, 3.0, 2.0) == 0


def test_shade_image_draws_rows_of_doubled_pixels():
    """A side x side image has `side` lines, two characters per pixel, darker for larger values."""
    lines = shade_image([0.0, 0.25, 0.5, 1.0, 1.0, 0.5, 0.25, 0.0, 0, 0, 0, 0, 0, 0, 0, 0], 4, 0.0, 1.0)
    assert len(lines) == 4 and all(len(line) == 8 for line in lines)
    assert lines[0] == "  " + SHADE_RAMP[2] * 2 + SHADE_RAMP[5] * 2 + "@@"
    assert lines[1] == "@@" + SHADE_RAMP[5] * 2 + SHADE_RAMP[2] * 2 + "  "


@pytest.mark.parametrize("n_features, side", [(16, 4), (64, 8), (784, 28), (9, None), (10, None), (63, None)])
def test_image_side_only_for_square_images_of_at_least_4x4(n_features, side):
    """Square feature counts from 16 up are images; 3x3 and non-squares are not."""
    assert image_side(n_features) == side


def test_side_by_side_pads_each_block_to_its_widest_line():
    """Blocks sit next to each other with a gap; a shorter block leaves blank space, lines are right-stripped."""
    lines = side_by_side([["ab", "abcd"], ["x"], ["12", "34", "56"]], gap=2)
    assert lines == ["ab    x  12", "abcd     34", "         56"]


def test_positive_image_inks_only_positive_weights():
    """Negative and zero weights are blank; the largest positive weight is the darkest."""
    lines = positive_image([-2.0, 0.0, 1.0, 2.0] * 4, 4)
    assert lines == ["    " + SHADE_RAMP[5] * 2 + "@@"] * 4


def test_positive_image_of_no_positive_weight_is_blank():
    """All-negative weights draw a blank map instead of dividing by zero."""
    assert positive_image([-1.0] * 16, 4) == ["        "] * 4


def test_weight_snapshots_keep_the_first_and_last_with_weights():
    """Snapshots without weights are skipped; of the rest, the first and the last are drawn."""
    shots = [snapshot(1, None), snapshot(2, {"coef[0]": (1.0,)}), snapshot(5, {"coef[0]": (2.0,)}),
             snapshot(9, {"coef[0]": (3.0,)}), snapshot(10, None)]
    assert [s.epoch for s in weight_snapshots(SimpleNamespace(snapshots=shots))] == [2, 9]
    assert [s.epoch for s in weight_snapshots(SimpleNamespace(snapshots=shots[:2]))] == [2]
    assert weight_snapshots(SimpleNamespace(snapshots=[snapshot(1, None)])) == []


def test_class_weights_name_each_row_and_skip_the_intercept():
    """One coef row per class is named in order; a binary model's single row is the positive class's."""
    multi = SimpleNamespace(evaluation=SimpleNamespace(classes=("0", "1", "2")))
    snap = snapshot(3, {"coef[0]": (0.1,), "coef[1]": (0.2,), "coef[2]": (0.3,), "intercept": (9.0, 9.0, 9.0)})
    assert class_weights(multi, snap) == [("0", (0.1,)), ("1", (0.2,)), ("2", (0.3,))]
    binary = SimpleNamespace(evaluation=SimpleNamespace(classes=("cat", "dog")))
    assert class_weights(binary, snapshot(3, {"coef[0]": (0.5, -0.5), "intercept": (1.0,)})) == [("dog", (0.5, -0.5))]
