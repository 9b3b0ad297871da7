"""Expressions over a trace, as written in lesson prose and hand-written quiz answers.

Prose uses ``[[ evaluation.average_precision | .3f ]]``: a restricted expression, then an
optional Python format spec. This is deliberately not Jinja: lesson and data text must never
be evaluated as a template. Only field access, indexing, arithmetic, comparisons (joined by
``and``, ``or``, ``not``) and a few named functions are allowed, so an expression can read the
trace and nothing else.

Names available: every Trace field (``evaluation``, ``epochs``, ``data``, ``seed``, ...),
``stage`` (stages by name: ``stage.normalize.fitted_on``), and the row counts ``n_rows``,
``n_train``, ``n_validation`` and ``n_test``.

Functions: ``len``, ``min``, ``max``, ``abs``, ``round``, ``sum``, and a few that turn numbers into
the words prose uses, so that no direction or comparison word is typed by hand:

- ``compare(a, b)``: ``"above"``, ``"below"`` or ``"equal to"`` (a against b);
- ``change(a, b)``: ``"rose"``, ``"fell"`` or ``"did not change"`` (from a to b);
- ``pick(condition, if_true, if_false)``: one of two texts, for a sentence that holds only under a
  condition (``pick(recall == 0, "never predicts a positive", "finds some positives")``);
- ``lowest(records, "field")`` and ``highest(records, "field")``: the first record with the lowest
  or highest value of that field (``lowest(epochs, "val_loss").epoch``);
- ``column(matrix, j)``: column j of a matrix (``sum(column(evaluation.confusion_matrix, 1))``);
- ``fmt(value, spec)``: a value as text, for numbers inside a picked text (``fmt(epochs[-1].val_loss, ".3f")``).

Two numbers are "equal" when they agree to 1e-9 (relative) or 1e-12 (absolute).
"""

from __future__ import annotations

import ast
import dataclasses
import html
import math
import re
from collections.abc import Callable
from typing import Any

from tracegen.trace import Trace, json_fields

EXPRESSION = re.compile(r"\[\[(.+?)\]\]")


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def compare(a: float, b: float, decimals: int | None = None) -> str:
    """Return "above", "below" or "equal to": where `a` stands against `b`.

    With `decimals`, as the two numbers are shown: two values that print alike are "equal to",
    since "0.9690 is above 0.9690" reads false even when the digits past the fourth differ.
    """
    if decimals is not None:
        if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 12:
            raise TypeError(f"compare() takes the shown decimals as a whole number 0-12, got {decimals!r}")
        if f"{a:.{decimals}f}" == f"{b:.{decimals}f}":
            return "equal to"
    return "equal to" if _same(a, b) else "above" if a > b else "below"


def change(a: float, b: float) -> str:
    """Return "rose", "fell" or "did not change": how a value went from `a` to `b`."""
    return "did not change" if _same(a, b) else "rose" if b > a else "fell"


def pick(condition: Any, if_true: Any, if_false: Any) -> Any:
    """Return `if_true` when `condition` holds, else `if_false`."""
    if not isinstance(condition, bool):
        raise TypeError(f"pick() needs a comparison as its condition, got {condition!r}")
    return if_true if condition else if_false


def _by_field(records: Any, name: str, best: Callable[..., Any]) -> Any:
    if not records or not all(name in (json_fields(r.__class__) or ()) for r in records):
        raise ValueError(f"no field {name!r} in every record")
    return best(records, key=lambda record: getattr(record, name))


def lowest(records: Any, name: str) -> Any:
    """Return the first record with the lowest value of field `name`."""
    return _by_field(records, name, min)


def highest(records: Any, name: str) -> Any:
    """Return the first record with the highest value of field `name`."""
    return _by_field(records, name, max)


def column(matrix: Any, j: int) -> tuple[Any, ...]:
    """Return column `j` of a matrix given as rows."""
    return tuple(row[j] for row in matrix)


def fmt(value: Any, spec: str = "") -> str:
    """Return `value` formatted as ``[[ value | spec ]]`` would show it."""
    return format_value(value, spec)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len, "min": min, "max": max, "abs": abs, "round": round, "sum": sum,
    "compare": compare, "change": change, "pick": pick, "lowest": lowest, "highest": highest, "column": column,
    "fmt": fmt,
}
_BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
           ast.Div: lambda a, b: a / b}
_COMPARE = {ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b,
            ast.GtE: lambda a, b: a >= b, ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b}


class ExpressionError(Exception):
    """An expression names a missing field or uses syntax outside the allowed subset."""

    # Declared only: `substitute` sets the 1-based line of its text; other raisers leave it unset.
    line: int


class _Named:
    """Attribute access to records by name (``stage.split``)."""

    def __init__(self, items: dict[str, Any]):
        self.items = items


def namespace(trace: Trace) -> dict[str, Any]:
    """Return the names an expression can use."""
    names = {f.name: getattr(trace, f.name) for f in dataclasses.fields(trace) if f.name != "timings"}
    names["stage"] = _Named({record.name: record for record in trace.stages})
    counts = trace.split_counts()
    names.update(n_rows=counts["all"], n_train=counts["train"], n_validation=counts["validation"],
                 n_test=counts["test"])
    return names


def evaluate_expression(text: str, trace: Trace) -> Any:
    """Return the value of one expression over `trace`."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise ExpressionError(f"cannot parse expression {text.strip()!r}") from None
    return _eval(tree.body, namespace(trace), text.strip())


def _eval(node: ast.AST, names: dict[str, Any], text: str) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in names:
            raise ExpressionError(f"unknown name '{node.id}' in {text!r}; "
                                  f"available: {', '.join(sorted(names))}")
        return names[node.id]
    if isinstance(node, ast.Attribute):
        return _field(_eval(node.value, names, text), node.attr, text)
    if isinstance(node, ast.Subscript):
        return _index(_eval(node.value, names, text), _eval(node.slice, names, text), text)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left, names, text), _eval(node.right, names, text)
        try:
            return _BINARY[type(node.op)](left, right)
        except (TypeError, ZeroDivisionError) as exc:
            raise ExpressionError(f"cannot compute {text!r}: {exc}") from None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_eval(node.operand, names, text)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not _eval(node.operand, names, text)
    if isinstance(node, ast.BoolOp):
        values = (bool(_eval(value, names, text)) for value in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        return _COMPARE[type(node.ops[0])](_eval(node.left, names, text), _eval(node.comparators[0], names, text))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
            and not node.keywords):
        args = [_eval(arg, names, text) for arg in node.args]
        try:
            return FUNCTIONS[node.func.id](*args)
        except ExpressionError:
            raise
        except (TypeError, ValueError, IndexError) as exc:
            raise ExpressionError(f"cannot compute {text!r}: {exc}") from None
    raise ExpressionError(f"unsupported syntax in {text!r}; use fields, [index], + - * /, comparisons, and/or/not "
                          f"and {', '.join(FUNCTIONS)}")


def _field(value: Any, name: str, text: str) -> Any:
    if isinstance(value, _Named):
        if name in value.items:
            return value.items[name]
        raise ExpressionError(f"no stage '{name}' in {text!r}; stages: {', '.join(value.items)}")
    # json_fields, not dataclasses.fields: an evaluation also answers the other task's keys (None or ()).
    if name in (json_fields(value.__class__) or ()):
        return getattr(value, name)
    if isinstance(value, dict) and name in value:
        return value[name]
    raise ExpressionError(f"no field '{name}' in {text!r}")


def _index(value: Any, key: Any, text: str) -> Any:
    try:
        return value[key]
    except (KeyError, IndexError, TypeError):
        raise ExpressionError(f"no item [{key!r}] in {text!r}") from None


def format_value(value: Any, spec: str) -> str:
    """Return `value` formatted with a Python format spec (floats default to 3 decimals)."""
    if not spec and isinstance(value, float):
        spec = ".3f"
    try:
        return format(value, spec)
    except (TypeError, ValueError):
        raise ExpressionError(f"format '{spec}' does not apply to {value!r}") from None


def substitute(text: str, trace: Trace, escape: bool = True) -> str:
    """Replace every ``[[ expr | spec ]]`` in `text`; raise ExpressionError with a `.line` (1-based)."""
    def replace(match: re.Match[str]) -> str:
        expression, _, spec = match.group(1).partition("|")
        try:
            value = format_value(evaluate_expression(expression, trace), spec.strip())
        except ExpressionError as exc:
            exc.line = text.count("\n", 0, match.start()) + 1
            raise
        return html.escape(value) if escape else value

    return EXPRESSION.sub(replace, text)
