"""The [compare] table: several runs of the lesson's pipeline that differ in one setting.

    [compare]
    setting = "split.seed"
    values = [0, 1, 2, 3]
    labels = ["seed 0", ...]     # optional, one per value

Each value is checked by reading the whole front matter again with the setting replaced, so a
compared value meets exactly the checks the lesson's own value does (a seed in range, a known
normalization...), and its error names the value.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tracegen.errors import SpecError
from tracegen.spec.checks import CONTROL_CHARACTER, MODEL_PARAMS, Checker

# Settings a lesson can vary: (table, key) in the front matter; the model's settings are its params.
TOP_SETTINGS = ("normalization", "epochs")
SPLIT_SETTINGS = ("split.seed", "split.test_size", "split.validation_size")
# The settings that draw other test rows; every other compared run is scored on the lesson's own test rows.
NEW_TEST_ROWS = ("split.seed", "split.test_size")
# Only a lesson with a [select] table: a compared run cannot add a stage the lesson does not have.
SELECT_SETTINGS = ("select.k", "select.fit_on")
# Every compared run is a full training run in the build's process: the bound keeps a page to seconds.
MAX_COMPARED_RUNS = 40


@dataclass(frozen=True)
class CompareSpec:
    """Which setting the compared runs vary, its value in each run (as the spec holds it) and their labels."""

    setting: str
    values: tuple[Any, ...]
    labels: tuple[str, ...]


def settings(model_kind: str, has_select: bool = False) -> tuple[str, ...]:
    """Return the settings a lesson with this model (and a [select] table or not) can compare."""
    return (*SPLIT_SETTINGS, *TOP_SETTINGS, *(f"model.{name}" for name in MODEL_PARAMS[model_kind]),
            *(SELECT_SETTINGS if has_select else ()))


def compare_fields(check: Checker, data: dict[str, Any], model_kind: str,
                   reparse: Callable[[dict[str, Any]], Any]) -> CompareSpec | None:
    """Check the [compare] table; return the CompareSpec, None without one.

    `reparse` reads a front-matter mapping (without [compare]) into a LessonSpec: each value is
    checked by it, and the value the compared run uses is the one that spec holds.
    """
    if "compare" not in data:
        return None
    table = check.table(data, "compare")
    check.known_keys(table, {"setting", "values", "labels"}, "compare")
    setting = check.typed(table, "setting", str, "compare", required=True)
    check.choice("compare.setting", setting, settings(model_kind, "select" in data))
    values = check.typed(table, "values", list, "compare", required=True)
    if not 2 <= len(values) <= MAX_COMPARED_RUNS:
        check.fail("compare.values", f"expected 2..{MAX_COMPARED_RUNS} values (each is a full run), got {len(values)}")
    base = {key: value for key, value in data.items() if key != "compare"}
    parsed = []
    for index, value in enumerate(values):
        try:
            parsed.append(setting_value(reparse(with_setting(base, setting, value)), setting))
        except SpecError as exc:
            check.fail(f"compare.values[{index}]", f"{setting} = {value!r}: {exc.message}")
    if len({repr(value) for value in parsed}) != len(parsed):
        check.fail("compare.values", "expected different values; a repeated value repeats a run")
    labels = check.typed(table, "labels", list, "compare", default=None)
    if labels is None:
        labels = [f"{setting} = {value}" for value in values]
    elif len(labels) != len(values):
        check.fail("compare.labels", f"expected one label per value ({len(values)}), got {len(labels)}")
    for index, label in enumerate(labels):
        if not isinstance(label, str) or not label.strip() or CONTROL_CHARACTER.search(label):
            check.fail(f"compare.labels[{index}]", f"expected one line of text, got {label!r}")
    if len(set(labels)) != len(labels):
        check.fail("compare.labels", "expected a different label for each run")
    return CompareSpec(setting=setting, values=tuple(parsed), labels=tuple(labels))


def with_setting(data: dict[str, Any], setting: str, value: Any) -> dict[str, Any]:
    """Return a copy of front-matter `data` with `setting` (dotted) set to `value`."""
    data = copy.deepcopy(data)
    table, _, key = setting.rpartition(".")
    (data.setdefault(table, {}) if table else data)[key] = value
    return data


def setting_value(spec: Any, setting: str) -> Any:
    """Return the value of `setting` in a LessonSpec."""
    table, _, key = setting.rpartition(".")
    if table == "model":
        return spec.model.params.get(key)
    return getattr(getattr(spec, table) if table else spec, key)


def apply_setting(spec: Any, setting: str, value: Any) -> Any:
    """Return the LessonSpec with `setting` replaced by `value` (a value compare_fields returned)."""
    table, _, key = setting.rpartition(".")
    if table == "model":
        params = {**spec.model.params, key: value}
        return dataclasses.replace(spec, model=dataclasses.replace(spec.model, params=params))
    if table:
        return dataclasses.replace(spec, **{table: dataclasses.replace(getattr(spec, table), **{key: value})})
    return dataclasses.replace(spec, **{key: value})
