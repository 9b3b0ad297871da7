"""The typed JSON decoder: declared types are enforced, lists become tuples, only ValueError or TypeError come out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tracegen import typed_json


@dataclass(frozen=True)
class Point:
    """A record with one field of each kind the trace uses."""

    count: int
    name: str
    score: float
    scores: tuple[float, ...]
    tags: dict[str, int]
    extra: Any = None
    note: str | None = None


GOOD = {"count": 3, "name": "a", "score": 1, "scores": [0.5, 2, "inf", "-inf"], "tags": {"x": 1}, "extra": [[1]]}


def test_good_data_is_built_with_tuples_and_floats():
    """Lists become tuples, ints in float fields become floats, the three non-finite strings become floats."""
    point = typed_json.build(Point, GOOD)
    assert point == Point(3, "a", 1.0, (0.5, 2.0, float("inf"), float("-inf")), {"x": 1}, ((1,),))
    assert type(point.score) is float and all(type(s) is float for s in point.scores)


@pytest.mark.parametrize(("field", "value"), [
    ("count", True), ("count", 1.5), ("count", "3"), ("count", None), ("name", 3), ("score", "1.5"),
    ("score", "Infinity"), ("score", 10**400), ("score", False), ("scores", "ab"), ("scores", [1, "x"]),
    ("scores", [10**400]), ("scores", {}), ("tags", []), ("tags", {"x": "1"}), ("note", 3)])
def test_a_value_of_another_type_is_refused_naming_its_field(field, value):
    """bool is not an int, numeric strings are not numbers, a string is not a list, and the error names the field."""
    with pytest.raises((TypeError, ValueError), match=f"^{field}: "):
        typed_json.build(Point, {**GOOD, field: value})


def test_not_an_object_or_a_missing_field_is_refused():
    """The record must come from an object holding every required field."""
    for data in ([], None, "x"):
        with pytest.raises(TypeError, match="expected an object"):
            typed_json.build(Point, data)
    with pytest.raises(TypeError, match="count"):
        typed_json.build(Point, {key: value for key, value in GOOD.items() if key != "count"})
