"""Checks of the [evaluation] keys `calibration` and `costs` (issue 16), split out of tracegen.spec.checks.

Both choose something from the validation rows (the calibrator's fit, the cheapest threshold), so both
need `split.validation_size`: the test rows must stay untouched until they are scored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracegen.spec.checks import Checker

CALIBRATION_METHODS = ("sigmoid", "isotonic")
# calibration_curve's two binnings: equal-width bins over [0, 1], or bins of equal row counts.
CALIBRATION_STRATEGIES = ("uniform", "quantile")
CALIBRATION_DEFAULTS = {"method": "sigmoid", "n_bins": 10, "strategy": "uniform"}
# A cost is what one wrong call costs, in the lesson's own unit; a huge one only overflows the arithmetic.
MAX_COST = 1e9


def calibration_field(check: Checker, table: dict[str, Any], validation_size: float) -> dict[str, Any] | None:
    """Return `calibration = { method, n_bins, strategy }` with its defaults filled in, or None when absent."""
    calibration = check.typed(table, "calibration", dict, "evaluation")
    if calibration is None:
        return None
    prefix = "evaluation.calibration"
    check.known_keys(calibration, set(CALIBRATION_DEFAULTS), prefix)
    method = check.typed(calibration, "method", str, prefix, default=CALIBRATION_DEFAULTS["method"])
    check.choice(f"{prefix}.method", method, CALIBRATION_METHODS)
    strategy = check.typed(calibration, "strategy", str, prefix, default=CALIBRATION_DEFAULTS["strategy"])
    check.choice(f"{prefix}.strategy", strategy, CALIBRATION_STRATEGIES)
    n_bins = check.typed(calibration, "n_bins", int, prefix, default=CALIBRATION_DEFAULTS["n_bins"])
    if not 2 <= n_bins <= 20:
        check.fail(f"{prefix}.n_bins", f"expected an integer in 2..20, got {n_bins}")
    if not validation_size:
        check.fail(prefix, "needs a validation split to fit the calibrator on (fitting it on the test rows would "
                   "grade it on its own training rows): set split.validation_size, e.g. 0.25")
    return {"method": method, "n_bins": n_bins, "strategy": strategy}


def costs_field(check: Checker, table: dict[str, Any], tune: str | None) -> dict[str, float] | None:
    """Return `costs = { fp, fn }` as floats, or None when absent; it needs `tune_threshold = "f1"`.

    The cost-chosen threshold is compared with the F1-chosen one, which tune_threshold records.
    """
    costs = check.typed(table, "costs", dict, "evaluation")
    if costs is None:
        return None
    prefix = "evaluation.costs"
    check.known_keys(costs, {"fp", "fn"}, prefix)
    values = {}
    for key in ("fp", "fn"):
        if key not in costs:
            error = "false positive" if key == "fp" else "false negative"
            check.fail(f"{prefix}.{key}", f"missing; expected the cost of one {error}")
        value = check.number(costs, key, prefix)
        if not 0 < value <= MAX_COST:
            check.fail(f"{prefix}.{key}", f"expected a positive number up to {MAX_COST:g}, got {value:g}")
        values[key] = value
    if tune != "f1":
        check.fail(prefix, "needs tune_threshold = \"f1\": the cheapest threshold is compared with the F1-best one, "
                   "both chosen on the validation rows")
    return values
