"""formats.py: the plain-text formats of shapes, value rows and example rows."""

from __future__ import annotations

from tracegen.formats import fmt_example, fmt_shape, fmt_values
from tracegen.trace import Example


def test_fmt_shape_joins_dimensions_with_x():
    """Each named shape reads 'name RxC', in the order given."""
    assert fmt_shape({"train": (800, 10), "test": (200,)}) == "train 800x10, test 200"
    assert fmt_shape({}) == ""


def test_fmt_values_elides_the_middle_of_long_rows():
    """Rows longer than `limit` keep the first limit-1 values and the last, with '...' between."""
    assert fmt_values([1, 2.5, -3]) == "[1.00, 2.50, -3.00]"
    assert fmt_values([1, 2, 3, 4]) == "[1.00, 2.00, 3.00, 4.00]"
    assert fmt_values([1, 2, 3, 4, 5]) == "[1.00, 2.00, 3.00, ..., 5.00]"
    long_row = fmt_values([0.12345, 1, 2, 3, 4, 5, 6], limit=6, digits=3)
    assert long_row == "[0.123, 1.000, 2.000, 3.000, 4.000, ..., 6.000]"


def test_fmt_example_adds_the_label_in_brackets():
    """An example shows its values, then its label; either may be missing."""
    assert fmt_example(Example("raw", (0.5, -1.0), "dog")) == "[0.50, -1.00] (dog)"
    assert fmt_example(Example("raw", (0.5,))) == "[0.50]"
    assert fmt_example(Example("labels only", (), "cat")) == "(cat)"
