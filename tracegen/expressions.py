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

Every expression is cheap whatever a lesson writes: its text and nesting are bounded
(tracegen.expression_syntax), each operation checks its operands' types and the size of what it
makes, a format's width and precision are bounded, and only plain data (numbers, texts,
true/false and lists of them) is printed, never a record or an object (tracegen.expression_values).
Anything else is an ExpressionError, which the callers report as one line naming the lesson.
"""

from __future__ import annotations

import ast
import dataclasses
import html
from typing import Any

from tracegen.errors import SpecError
from tracegen.expression_syntax import ExpressionError, expression_spans, parse_expression, quoted
from tracegen.expression_values import (
    FUNCTIONS,
    MAX_INTEGER,
    MAX_SIZE,
    Named,
    compare,  # noqa: F401  (quiz.words uses the word rule through the language module)
    describe,
    format_value,
    is_number,
)
from tracegen.spec import LessonSpec
from tracegen.trace import Trace, json_fields

_BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
           ast.Div: lambda a, b: a / b}
_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
           ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_COMPARE = {ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b,
            ast.GtE: lambda a, b: a >= b, ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b}
_EQUALITY = (ast.Eq, ast.NotEq)


def namespace(trace: Trace) -> dict[str, Any]:
    """Return the names an expression can use."""
    names = {f.name: getattr(trace, f.name) for f in dataclasses.fields(trace) if f.name != "timings"}
    names["stage"] = Named({record.name: record for record in trace.stages})
    counts = trace.split_counts()
    names.update(n_rows=counts["all"], n_train=counts["train"], n_validation=counts["validation"],
                 n_test=counts["test"])
    return names


def evaluate_expression(text: str, trace: Trace) -> Any:
    """Return the value of one expression over `trace`."""
    return _eval(parse_expression(text), namespace(trace), text.strip())


def _eval(node: ast.AST, names: dict[str, Any], text: str) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)):
        return _made(node.value, text)
    if isinstance(node, ast.Name):
        if node.id not in names:
            raise ExpressionError(f"unknown name '{node.id}' in {quoted(text)}; "
                                  f"available: {', '.join(sorted(names))}")
        return names[node.id]
    if isinstance(node, ast.Attribute):
        return _field(_eval(node.value, names, text), node.attr, text)
    if isinstance(node, ast.Subscript):
        return _index(_eval(node.value, names, text), _eval(node.slice, names, text), text)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left, names, text), _eval(node.right, names, text)
        return _made(_arithmetic(type(node.op), left, right, text), text)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _eval(node.operand, names, text)
        if not is_number(value):
            raise ExpressionError(f"cannot compute {quoted(text)}: bad operand type for unary -: "
                                  f"'{type(value).__name__}'")
        return _made(-value, text)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not _eval(node.operand, names, text)
    if isinstance(node, ast.BoolOp):
        values = (bool(_eval(value, names, text)) for value in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        left, right = _eval(node.left, names, text), _eval(node.comparators[0], names, text)
        return _comparison(type(node.ops[0]), left, right, text)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
            and not node.keywords):
        args = [_eval(arg, names, text) for arg in node.args]
        try:
            return _made(FUNCTIONS[node.func.id](*args), text)
        # The word functions' own ExpressionError and the builtins' errors alike name the expression.
        except (ExpressionError, TypeError, ValueError, IndexError, OverflowError) as exc:
            raise ExpressionError(f"cannot compute {quoted(text)}: {exc}") from None
    raise ExpressionError(f"unsupported syntax in {quoted(text)}; use fields, [index], + - * /, comparisons, "
                          f"and/or/not and {', '.join(FUNCTIONS)}")


def _arithmetic(op: type[ast.operator], left: Any, right: Any, text: str) -> Any:
    """Return `left op right` for numbers, joined texts or lists, or repeated ones; nothing else."""
    sequences = (str, tuple, list)
    if is_number(left) and is_number(right):
        size = 0
    elif op is ast.Add and type(left) is type(right) and isinstance(left, sequences):
        size = len(left) + len(right)
    elif op is ast.Mult and isinstance(left, sequences) and isinstance(right, int):
        size = len(left) * max(right, 0)
    elif op is ast.Mult and isinstance(right, sequences) and isinstance(left, int):
        size = len(right) * max(left, 0)
    else:
        raise ExpressionError(f"cannot compute {quoted(text)}: unsupported operand type(s) for {_SYMBOL[op]}: "
                              f"'{type(left).__name__}' and '{type(right).__name__}'")
    if size > MAX_SIZE:
        raise ExpressionError(f"cannot compute {quoted(text)}: it would make {size} characters or items; "
                              f"the limit is {MAX_SIZE}")
    try:
        return _BINARY[op](left, right)
    except (ZeroDivisionError, OverflowError) as exc:
        raise ExpressionError(f"cannot compute {quoted(text)}: {exc}") from None


def _comparison(op: type[ast.cmpop], left: Any, right: Any, text: str) -> bool:
    """Return `left op right`: equality between any values, order between two numbers or two texts."""
    ordered = (is_number(left) and is_number(right)) or (isinstance(left, str) and isinstance(right, str))
    if op not in _EQUALITY and not ordered:
        raise ExpressionError(f"cannot compute {quoted(text)}: '{_SYMBOL[op]}' not supported between "
                              f"{describe(left)} and {describe(right)}")
    return bool(_COMPARE[op](left, right))


def _made(value: Any, text: str) -> Any:
    """Return a value an operation made, refused when it is a number or a size past the limits."""
    if isinstance(value, int) and abs(value) > MAX_INTEGER:
        raise ExpressionError(f"cannot compute {quoted(text)}: it makes a whole number larger than 10**18")
    if isinstance(value, (str, tuple, list)) and len(value) > MAX_SIZE:
        raise ExpressionError(f"cannot compute {quoted(text)}: it makes {len(value)} characters or items; "
                              f"the limit is {MAX_SIZE}")
    return value


def _field(value: Any, name: str, text: str) -> Any:
    if isinstance(value, Named):
        if name in value.items:
            return value.items[name]
        raise ExpressionError(f"no stage '{name}' in {quoted(text)}; stages: {', '.join(value.items)}")
    # json_fields, not dataclasses.fields: an evaluation also answers the other task's keys (None or ()).
    if name in (json_fields(value.__class__) or ()):
        return getattr(value, name)
    if isinstance(value, dict) and name in value:
        return value[name]
    raise ExpressionError(f"no field '{name}' in {quoted(text)}")


def _index(value: Any, key: Any, text: str) -> Any:
    try:
        return value[key]
    except (KeyError, IndexError, TypeError):
        raise ExpressionError(f"no item [{describe(key)}] in {quoted(text)}") from None


def substitute(text: str, trace: Trace, escape: bool = True) -> str:
    """Replace every ``[[ expr | spec ]]`` in `text`; raise ExpressionError with a `.line` (1-based)."""
    pieces, done = [], 0
    for start, end, inside in expression_spans(text):
        expression, _, spec = inside.partition("|")
        try:
            value = format_value(evaluate_expression(expression, trace), spec.strip(), expression)
        except ExpressionError as exc:
            exc.line = text.count("\n", 0, start) + 1
            raise
        pieces += [text[done:start], html.escape(value) if escape else value]
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


def substitute_lesson(spec: LessonSpec, trace: Trace, escape: bool = True, body: str | None = None) -> str:
    """Return the lesson body (or `body`, the same lines edited) with its expressions filled from `trace`.

    Each value is escaped for HTML when `escape`.
    A bad expression is a SpecError naming the lesson file and the line in that file. The page
    (tracegen.html.prose) and the notebook export (tracegen.ipynb) both read the prose through here.
    """
    try:
        return substitute(spec.body if body is None else body, trace, escape=escape)
    except ExpressionError as exc:
        line = spec.body_line + getattr(exc, "line", 1) - 1
        raise SpecError(spec.path, "expression", str(exc), line=line) from None
