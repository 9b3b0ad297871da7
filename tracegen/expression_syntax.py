"""The syntax of ``[[ expression | format ]]``: where expressions are in a text, and each one parsed.

Both are bounded so that no text can make them slow: the scan is one pass, and an expression
is refused before evaluation when it is too long or too deeply nested (ast.parse itself raises
RecursionError or MemoryError on a few thousand nested operators). This module imports nothing
of tracegen, so the lesson checks can parse expressions without depending on traces.
"""

from __future__ import annotations

import ast

OPEN, CLOSE = "[[", "]]"
# Lessons' longest expression is about 900 characters and 16 syntax nodes deep; these leave room.
MAX_EXPRESSION_CHARS = 2000
MAX_DEPTH = 50


class ExpressionError(Exception):
    """An expression names a missing field, uses syntax outside the allowed subset or breaks a limit."""

    # Declared only: `substitute` sets the 1-based line of its text; other raisers leave it unset.
    line: int


def quoted(text: str) -> str:
    # An expression is echoed in its error whole when short, so the line stays readable when not.
    return repr(text) if len(text) <= 200 else repr(text[:200]) + "..."


def parse_expression(text: str) -> ast.expr:
    """Return the syntax tree of one expression; too long, too deep or unparsable is an ExpressionError."""
    text = text.strip()
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(f"expression {quoted(text)} is {len(text)} characters long; "
                              f"the limit is {MAX_EXPRESSION_CHARS}")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise ExpressionError(f"cannot parse expression {quoted(text)}") from None
    except (RecursionError, MemoryError):
        tree = None
    if tree is None or _depth(tree.body) > MAX_DEPTH:
        raise ExpressionError(f"expression {quoted(text)} is nested more than {MAX_DEPTH} deep") from None
    return tree.body


def _depth(root: ast.AST) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def expression_spans(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, inside) of every ``[[ ... ]]`` in `text`, in one pass.

    An expression sits on one line and closes at the first ``]]`` after at least one character
    (the matches of the pattern ``\\[\\[(.+?)\\]\\]``). A ``[[`` with no ``]]`` after it on its line
    means no later ``[[`` on that line closes either, so the scan moves to the next line: linear
    time, where the pattern retried every ``[[`` to the end of its line.
    """
    spans, position, line_end = [], 0, -1
    while (start := text.find(OPEN, position)) >= 0:
        if start > line_end:
            line_end = text.find("\n", start)
            line_end = len(text) if line_end < 0 else line_end
        close = text.find(CLOSE, start + len(OPEN) + 1, line_end)
        if close < 0:
            position = line_end
            continue
        spans.append((start, close + len(CLOSE), text[start + len(OPEN):close]))
        position = close + len(CLOSE)
    return spans
