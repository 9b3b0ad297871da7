"""The [select] table: keep the k features that best separate the classes, fitted on chosen rows.

    [select]
    k = 20              # features kept (scikit-learn's SelectKBest with the ANOVA F-test)
    fit_on = "train"    # "train": the train rows only; "all": every row, validation and test included

"all" is the mistake a leakage lesson shows: the features are chosen with the test rows' labels,
so the test score no longer measures rows the pipeline has not seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracegen.spec.checks import Checker

FIT_ON = ("train", "all")


@dataclass(frozen=True)
class SelectSpec:
    """How many features the select stage keeps, and which rows (and labels) choose them."""

    k: int
    fit_on: str = "train"


def select_fields(check: Checker, data: dict[str, Any]) -> SelectSpec | None:
    """Check the [select] table; return the SelectSpec, None without one (every feature is kept)."""
    if "select" not in data:
        return None
    table = check.table(data, "select")
    check.known_keys(table, {"k", "fit_on"}, "select")
    k = check.typed(table, "k", int, "select", required=True)
    if k < 1:
        check.fail("select.k", f"expected a positive number of features to keep, got {k}")
    fit_on = check.typed(table, "fit_on", str, "select", default="train")
    check.choice("select.fit_on", fit_on, FIT_ON)
    return SelectSpec(k=k, fit_on=fit_on)
