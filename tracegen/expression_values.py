"""What an expression computes with and shows: its functions, the limits on the values it makes, and printing.

tracegen.expressions evaluates the language; this module holds the values' side of it, so the
word functions, the size limits and the one rule for what may be printed live in one place.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from tracegen.expression_syntax import ExpressionError, quoted
from tracegen.trace import json_fields

# Whole numbers an operation makes stay below this size (trace counts and seeds are far smaller),
# so no product, sum or rounding can grow a number past what prints instantly.
MAX_INTEGER = 10**18
# Characters of a text, or items of a list, that an operation makes ("a" * n, a + b).
MAX_SIZE = 100_000
# Items of a list an expression prints (a matrix counts every cell).
MAX_PRINTED_ITEMS = 1000
# Width and precision in a format spec, and the digits of round(x, n).
MAX_FORMAT_NUMBER = 100


class Named:
    """Attribute access to records by name (``stage.split``)."""

    def __init__(self, items: dict[str, Any]):
        self.items = items


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def is_number(value: Any) -> bool:
    """Return True for an int or a float (True and False count, as in Python arithmetic)."""
    return isinstance(value, (int, float))


def _number_argument(function: str, value: Any) -> None:
    if not is_number(value) or isinstance(value, bool):
        raise ExpressionError(f"{function}() compares numbers, got {describe(value)}")


def compare(a: float, b: float, decimals: int | None = None) -> str:
    """Return "above", "below" or "equal to": where `a` stands against `b`.

    With `decimals`, as the two numbers are shown: two values that print alike are "equal to",
    since "0.9690 is above 0.9690" reads false even when the digits past the fourth differ.
    """
    _number_argument("compare", a)
    _number_argument("compare", b)
    if decimals is not None:
        if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 12:
            raise ExpressionError(f"compare() takes the shown decimals as a whole number 0-12, "
                                  f"got {describe(decimals)}")
        if f"{a:.{decimals}f}" == f"{b:.{decimals}f}":
            return "equal to"
    return "equal to" if _same(a, b) else "above" if a > b else "below"


def change(a: float, b: float) -> str:
    """Return "rose", "fell" or "did not change": how a value went from `a` to `b`."""
    _number_argument("change", a)
    _number_argument("change", b)
    return "did not change" if _same(a, b) else "rose" if b > a else "fell"


def pick(condition: Any, if_true: Any, if_false: Any) -> Any:
    """Return `if_true` when `condition` holds, else `if_false`."""
    if not isinstance(condition, bool):
        raise ExpressionError(f"pick() needs a comparison as its condition, got {describe(condition)}")
    return if_true if condition else if_false


def _by_field(records: Any, name: Any, best: Callable[..., Any]) -> Any:
    if not isinstance(name, str):
        raise ExpressionError(f"the field name must be a text in quotes, got {describe(name)}")
    if (not isinstance(records, (tuple, list)) or not records
            or not all(name in (json_fields(r.__class__) or ()) for r in records)):
        raise ExpressionError(f"no field {name!r} in every record")
    if not all(is_number(getattr(record, name)) for record in records):
        raise ExpressionError(f"field {name!r} is not a number in every record")
    return best(records, key=lambda record: getattr(record, name))


def lowest(records: Any, name: str) -> Any:
    """Return the first record with the lowest value of field `name`."""
    return _by_field(records, name, min)


def highest(records: Any, name: str) -> Any:
    """Return the first record with the highest value of field `name`."""
    return _by_field(records, name, max)


def column(matrix: Any, j: int) -> tuple[Any, ...]:
    """Return column `j` of a matrix given as rows."""
    if not isinstance(matrix, (tuple, list)) or not all(isinstance(row, (tuple, list)) for row in matrix):
        raise ExpressionError(f"column() needs a matrix given as rows, got {describe(matrix)}")
    if not isinstance(j, int) or isinstance(j, bool):
        raise ExpressionError(f"column() needs a whole-number column, got {describe(j)}")
    if not all(-len(row) <= j < len(row) for row in matrix):
        raise ExpressionError(f"no column {j} in every row")
    return tuple(row[j] for row in matrix)


def fmt(value: Any, spec: str = "") -> str:
    """Return `value` formatted as ``[[ value | spec ]]`` would show it."""
    if not isinstance(spec, str):
        raise ExpressionError(f"fmt() takes the format as a text in quotes, got {describe(spec)}")
    return format_value(value, spec)


def _round(value: Any, digits: Any = None) -> Any:
    # round(5, -10**18) would build 10**(10**18): the digits are bounded like a format's precision.
    if digits is not None and (not isinstance(digits, int) or abs(digits) > MAX_FORMAT_NUMBER):
        raise ExpressionError(f"round() takes at most {MAX_FORMAT_NUMBER} digits either way, got {describe(digits)}")
    return round(value) if digits is None else round(value, digits)


def _sum(values: Any) -> Any:
    # Only numbers: adding lists would copy them once per item.
    if not isinstance(values, (tuple, list)) or not all(is_number(v) for v in values):
        raise ExpressionError(f"sum() adds a list of numbers, got {describe(values)}")
    return sum(values)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len, "min": min, "max": max, "abs": abs, "round": _round, "sum": _sum,
    "compare": compare, "change": change, "pick": pick, "lowest": lowest, "highest": highest, "column": column,
    "fmt": fmt,
}


def describe(value: Any) -> str:
    """Return how an error names a value: itself when short plain data, else what kind of thing it is."""
    if isinstance(value, (bool, int, float)) or (isinstance(value, str) and len(value) <= 60):
        return repr(value) if not isinstance(value, int) or abs(value) <= MAX_INTEGER else "a very large number"
    if isinstance(value, str):
        return f"a text of {len(value)} characters"
    if isinstance(value, (tuple, list)):
        return repr(value) if len(value) <= 8 and printable(value, 8) else f"a list of {len(value)} items"
    if value is None:
        return "None (no value on this run)"
    if isinstance(value, Named):
        return "the stages by name"
    if isinstance(value, dict):
        return f"a table of {len(value)} named values"
    return f"a record ({type(value).__name__})"


def printable(value: Any, budget: int = MAX_PRINTED_ITEMS) -> bool:
    """Return whether `value` is plain data that prints the same in every run: numbers, texts, lists of them."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, (tuple, list)):
            budget -= len(item)
            if budget < 0:
                return False
            pending.extend(item)
        elif not isinstance(item, (bool, int, float, str)):
            return False
    return True


def _checked_spec(spec: str) -> None:
    # format(1, "1000000000") builds a gigabyte of spaces, and ".1000000000f" as many digits.
    for number in re.findall(r"\d+", spec):
        if len(number.lstrip("0")) > 3 or int(number) > MAX_FORMAT_NUMBER:
            raise ExpressionError(f"format {quoted(spec)} asks for a width or precision of {number[:20]}; "
                                  f"the limit is {MAX_FORMAT_NUMBER}")


def format_value(value: Any, spec: str, expression: str = "") -> str:
    """Return `value` formatted with a Python format spec (floats default to 3 decimals).

    Only plain data is printed: a record, a table or an object would show Python's view of it (or
    a memory address), so it is an ExpressionError, as is a format wider or more precise than the limit.
    `expression`, when given, is named in the error.
    """
    if not printable(value):
        source = f" (from {quoted(expression.strip())})" if expression.strip() else ""
        raise ExpressionError(f"cannot print {describe(value)}{source}; print a number, a text or a list of up to "
                              f"{MAX_PRINTED_ITEMS} of them, such as one field of a record")
    _checked_spec(spec)
    if not spec and isinstance(value, float):
        spec = ".3f"
    try:
        return format(value, spec)
    except (TypeError, ValueError, OverflowError):
        raise ExpressionError(f"format '{spec}' does not apply to {describe(value)}") from None


