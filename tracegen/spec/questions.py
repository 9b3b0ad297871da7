"""Shape checks of the lesson's hand-written ``[[quiz.questions]]`` tables: lesson-input validation.

Everything that can be checked without a trace is checked here, before anything runs: keys,
kinds, ids, texts, options and that numeric answers are expressions, never typed numbers.
Whether an expression evaluates is known only on a trace (tracegen.quiz.handwritten).

The tables, as written in the lesson front matter:

    [[quiz.questions]]
    id = "ap-gap"                   # optional: letters, digits, _ and -; default "question-<n>"
    kind = "numeric"                # "single", "multiple" or "numeric"
    prompt = "How far is AP above the chance level?"
    explanation = "AP [[ evaluation.average_precision | .3f ]] - prevalence ..."
    answer = "evaluation.average_precision - evaluation.prevalence"   # numeric: an expression
    decimals = 3                    # numeric: displayed decimals (default 2)
    tolerance = 0.001               # numeric, optional: default half a unit of the last decimal

    [[quiz.questions.options]]      # single/multiple: the options; numeric: modelled wrong values
    text = "..."                    # single/multiple (numeric uses value = "<expression>")
    correct = false                 # single/multiple
    feedback = "..."
    misconception = "..."           # required on every wrong option
"""

from __future__ import annotations

import ast
import functools
import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from tracegen.errors import SpecError
from tracegen.expression_syntax import ExpressionError, parse_expression

KINDS = ("single", "multiple", "numeric")
# Hand-written numeric questions show 2 decimals unless they say otherwise; a Question record
# built without `decimals` is shown the same way.
DEFAULT_DECIMALS = 2
ID_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
COMMON_KEYS = {"id", "kind", "prompt", "explanation", "options"}
NUMERIC_KEYS = COMMON_KEYS | {"answer", "decimals", "tolerance"}
CHOICE_OPTION_KEYS = {"text", "correct", "feedback", "misconception"}
NUMERIC_OPTION_KEYS = {"value", "feedback", "misconception"}


def question_id(index: int, table: Mapping[str, Any]) -> Any:
    """Return the id a hand-written question table gives (default "question-<n>", counting from 1)."""
    return table.get("id", f"question-{index + 1}")


def check_hand_written(path: Path, tables: Sequence[Mapping[str, Any]], reserved_ids: Collection[str]) -> None:
    """Check the shape of every [[quiz.questions]] table (everything that needs no trace).

    `reserved_ids` are the generators' names: a hand-written question may not take one as its id.
    """
    ids = set()
    for index, table in enumerate(tables):
        qid = _check_table(_Where(path, f"quiz.questions[{index}]"), index, table)
        if qid in ids:
            raise SpecError(path, f"quiz.questions[{index}].id", f"id '{qid}' is used twice")
        if qid in reserved_ids:
            raise SpecError(path, f"quiz.questions[{index}].id", f"id '{qid}' is a generator's name; choose another")
        ids.add(qid)


class _Where:
    """One question table's place in the lesson file, to report a field of it as a SpecError."""

    def __init__(self, path: Path, where: str):
        self.path, self.where = path, where

    def fail(self, field: str, message: str) -> NoReturn:
        raise SpecError(self.path, f"{self.where}.{field}" if field else self.where, message)


def _check_table(where: _Where, index: int, table: Mapping[str, Any]) -> str:
    fail = where.fail
    kind = table.get("kind")
    if kind not in KINDS:
        fail("kind", f"expected one of: {', '.join(KINDS)}, got {kind!r}")
    allowed = NUMERIC_KEYS if kind == "numeric" else COMMON_KEYS
    for key in table:
        if key not in allowed:
            fail(key, f"unknown key for a {kind} question; expected one of: {', '.join(sorted(allowed))}")
    qid = question_id(index, table)
    if not isinstance(qid, str) or not ID_PATTERN.match(qid):
        fail("id", f"expected letters, digits, '_' and '-' (starting with a letter or '_'), got {qid!r}")
    for key in ("prompt", "explanation"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            fail(key, "missing; expected a non-empty string")
    options = table.get("options", [])
    if not isinstance(options, list) or not all(isinstance(o, dict) for o in options):
        fail("options", "expected [[quiz.questions.options]] tables")
    if kind == "numeric":
        _check_numeric_table(table, fail)
    elif len(options) < 2:
        fail("options", f"a {kind} question needs at least 2 options, got {len(options)}")
    texts: set[str] = set()
    for number, option in enumerate(options):
        _check_option(where, f"options[{number}]", kind, option, texts)
    if kind != "numeric":
        n_right = sum(option["correct"] for option in options)
        if kind == "single" and n_right != 1:
            fail("options", f"a single-choice question needs exactly one correct option, got {n_right}")
        if n_right == 0 or n_right == len(options):
            fail("options", f"a {kind} question needs right and wrong options, got {n_right} right "
                            f"of {len(options)}")
    return qid


def _check_option(where: _Where, field: str, kind: str, option: Mapping[str, Any], texts: set[str]) -> None:
    """Check one option table; `texts` collects the choice texts seen so far, to reject repeats."""
    fail = where.fail
    option_keys = NUMERIC_OPTION_KEYS if kind == "numeric" else CHOICE_OPTION_KEYS
    for key in option:
        if key not in option_keys:
            fail(f"{field}.{key}", f"unknown key; expected one of: {', '.join(sorted(option_keys))}")
    if not isinstance(option.get("feedback"), str) or not option["feedback"].strip():
        fail(f"{field}.feedback", "missing; every option carries feedback")
    correct: object = False  # a numeric question's options are all modelled wrong values
    if kind == "numeric":
        _check_expression_field(option.get("value"), functools.partial(fail, f"{field}.value"))
    else:
        if not isinstance(option.get("text"), str) or not option["text"].strip():
            fail(f"{field}.text", "missing; expected a non-empty string")
        if option["text"] in texts:
            fail(f"{field}.text", f"repeats an earlier option: {option['text']!r}")
        texts.add(option["text"])
        correct = option.get("correct")
        if not isinstance(correct, bool):
            fail(f"{field}.correct", f"expected true or false, got {correct!r}")
    if correct and "misconception" in option:
        fail(f"{field}.misconception", "a right option models no misconception; remove the key")
    if not correct and (not isinstance(option.get("misconception"), str) or not option["misconception"]):
        fail(f"{field}.misconception", "missing; a wrong option names the misconception it models")


def _check_numeric_table(table: Mapping[str, Any], fail: Callable[[str, str], NoReturn]) -> None:
    _check_expression_field(table.get("answer"), functools.partial(fail, "answer"))
    decimals = table.get("decimals", DEFAULT_DECIMALS)
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 10:
        fail("decimals", f"expected an integer in 0..10, got {decimals!r}")
    tolerance = table.get("tolerance", 0.0)
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not 0 <= tolerance < math.inf:
        fail("tolerance", f"expected a finite number >= 0, got {tolerance!r}")


def _check_expression_field(value: Any, fail: Callable[[str], NoReturn]) -> None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        fail(f"got the literal {value!r}; write an expression over the trace in quotes, such as "
             f"\"evaluation.average_precision\": answers are never typed by hand")
    if not isinstance(value, str) or not value.strip():
        fail("missing; expected an expression over the trace in quotes, such as \"evaluation.roc_auc\"")
    try:
        tree = parse_expression(value)
    except ExpressionError as exc:
        fail(str(exc))
    if not any(isinstance(node, ast.Name) for node in ast.walk(tree)):
        fail(f"{value.strip()!r} is a literal; write an expression that reads the trace, such as "
             f"\"evaluation.average_precision\"")
