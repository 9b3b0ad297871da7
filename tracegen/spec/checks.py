"""Per-table checks of a lesson's front matter, each naming the file and dotted field on failure.

Each `*_fields` function checks one table and returns the keyword values of its spec record
(built by `tracegen.spec.parse_lesson`), so this module needs nothing from the records.
Errors read "expected ..., got ...", as scikit-learn's do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from tracegen.errors import SpecError
from tracegen.expression_syntax import ExpressionError, parse_expression
from tracegen.spec.evaluation_checks import calibration_field, costs_field

BUILTIN_DATASETS = ("breast_cancer", "digits", "iris", "wine")
DATASET_SOURCES = (*BUILTIN_DATASETS, "make_classification", "csv")
MAKE_CLASSIFICATION_PARAMS = {
    "n_samples": int, "n_features": int, "n_informative": int, "n_redundant": int,
    "n_repeated": int, "n_classes": int, "n_clusters_per_class": int,
    "weights": list, "flip_y": float, "class_sep": float,
}
TASKS = ("auto", "binary", "multiclass")
# Bounds that keep a lesson run small enough for a laptop; make_classification checks the rest.
MAKE_CLASSIFICATION_RANGES = {
    "n_samples": (4, 1_000_000), "n_features": (1, 10_000), "n_informative": (1, 10_000),
    "n_redundant": (0, 10_000), "n_repeated": (0, 10_000), "n_classes": (2, 1_000),
    "n_clusters_per_class": (1, 100), "flip_y": (0.0, 1.0), "class_sep": (0.0, 100.0),
}
MAX_SEED = 2**32 - 1
MAX_HIDDEN_UNITS = 10_000
MAX_HIDDEN_LAYERS = 20
# MLPClassifier's own default, used when a lesson gives no hidden_layer_sizes.
DEFAULT_HIDDEN_LAYERS = (100,)
# Estimated memory, checked before anything is trained so a laptop gets one line, not a worker
# killed for memory: the rows as float64 (scaling and the split copy them a few times more), and
# an MLP's weights and biases (the optimizer keeps about three more copies of them).
MAX_DATA_BYTES = 512 * 2**20
MAX_MODEL_WEIGHTS = 10_000_000
NORMALIZATIONS = ("standard", "minmax", "none")
MODEL_PARAMS = {
    # SGDClassifier(loss="log_loss"): a logistic (sigmoid) classifier trained by SGD.
    "logistic": {"alpha": float, "learning_rate": str, "eta0": float},
    "mlp": {"hidden_layer_sizes": list, "alpha": float, "learning_rate_init": float,
            "batch_size": int},
}
SGD_LEARNING_RATES = ("optimal", "constant", "invscaling", "adaptive")
MAX_EPOCHS = 5000
# evaluation.bootstrap: fewer resamples than this give no stable 95% interval; more only cost build time.
MIN_BOOTSTRAP, MAX_BOOTSTRAP = 100, 5000
# A lesson's goals, listed under its title: a few, or the list stops being read.
MAX_GOALS = 6
# Line breaks and other C0/C1 control characters (tab included), for one-line text such as titles.
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")
TYPE_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false", list: "a list",
              dict: "a table"}


def dataset_fields(check: Checker, table: dict[str, Any]) -> dict[str, Any]:
    """Check the [dataset] table; return DatasetSpec's values."""
    check.known_keys(table, {"source", "path", "target", *MAKE_CLASSIFICATION_PARAMS}, "dataset")
    source = check.typed(table, "source", str, "dataset", required=True)
    check.choice("dataset.source", source, DATASET_SOURCES)
    if source == "csv":
        check.known_keys(table, {"source", "path", "target"}, "dataset")
        fields = dict(source=source, path=check.typed(table, "path", str, "dataset", required=True),
                      target=check.typed(table, "target", str, "dataset", required=True))
        for key in ("path", "target"):
            if not fields[key].strip():
                check.fail(f"dataset.{key}", f"expected {'a file path' if key == 'path' else 'a column name'}, "
                           f"got an empty string")
        return fields
    if source == "make_classification":
        params = {key: check.of_kind(table, key, kind, "dataset")
                  for key, kind in MAKE_CLASSIFICATION_PARAMS.items() if key in table}
        for key, value in params.items():
            low, high = MAKE_CLASSIFICATION_RANGES.get(key, (None, None))
            if low is not None and not low <= value <= high:
                check.fail(f"dataset.{key}", f"expected a value in {low}..{high}, got {value}")
        n_samples, n_features = params.get("n_samples", 100), params.get("n_features", 20)  # scikit-learn's defaults
        if data_bytes(n_samples, n_features) > MAX_DATA_BYTES:
            check.fail("dataset.n_samples", data_too_large(n_samples, n_features))
        weights = params.get("weights", [])
        if not all(isinstance(w, (int, float)) and not isinstance(w, bool) and 0 <= w <= 1 for w in weights):
            check.fail("dataset.weights", f"expected class proportions in [0, 1], got {weights!r}")
        return dict(source=source, params=params)
    check.known_keys(table, {"source"}, "dataset")
    return dict(source=source)


def split_fields(check: Checker, table: dict[str, Any]) -> dict[str, Any]:
    """Check the [split] table; return SplitSpec's values."""
    check.known_keys(table, {"test_size", "validation_size", "stratify", "seed"}, "split")
    test_size = check.number(table, "test_size", "split", default=0.2)
    if not 0 < test_size < 1:
        check.fail("split.test_size", f"expected a fraction in (0, 1), got {test_size}")
    validation_size = check.number(table, "validation_size", "split", default=0.0)
    if not 0 <= validation_size < 1:
        check.fail("split.validation_size",
                   f"expected a fraction of the training rows in [0, 1), got {validation_size}")
    seed = check.typed(table, "seed", int, "split", default=0)
    if not 0 <= seed <= MAX_SEED:
        check.fail("split.seed", f"expected an integer in 0..{MAX_SEED}, got {seed}")
    return dict(test_size=test_size, validation_size=validation_size,
                stratify=check.typed(table, "stratify", bool, "split", default=True), seed=seed)


def model_fields(check: Checker, table: dict[str, Any]) -> dict[str, Any]:
    """Check the [model] table; return ModelSpec's values."""
    kind = check.typed(table, "kind", str, "model", default="logistic")
    check.choice("model.kind", kind, tuple(MODEL_PARAMS))
    allowed = MODEL_PARAMS[kind]
    check.known_keys(table, {"kind", *allowed}, "model")
    params = {}
    for key, expected in allowed.items():
        if key not in table:
            continue
        value = check.of_kind(table, key, expected, "model")
        if expected in (int, float) and value <= 0:
            check.fail(f"model.{key}", f"expected a positive number, got {value}")
        params[key] = value
    if "learning_rate" in params:
        check.choice("model.learning_rate", params["learning_rate"], SGD_LEARNING_RATES)
    if params.get("learning_rate", "optimal") != "optimal" and "eta0" not in params:
        check.fail("model.eta0", f"learning_rate '{params['learning_rate']}' needs an initial rate eta0 > 0")
    if "hidden_layer_sizes" in params:
        sizes = params["hidden_layer_sizes"]
        if not sizes or not all(isinstance(s, int) and not isinstance(s, bool) and 0 < s <= MAX_HIDDEN_UNITS
                                for s in sizes):
            check.fail("model.hidden_layer_sizes",
                       f"expected a list of integers in 1..{MAX_HIDDEN_UNITS}, got {sizes!r}")
        if len(sizes) > MAX_HIDDEN_LAYERS:
            check.fail("model.hidden_layer_sizes", f"expected at most {MAX_HIDDEN_LAYERS} layers, got {len(sizes)}")
        # The weights between hidden layers alone; the data's features and classes are added in check_fits.
        if mlp_weights(sizes) > MAX_MODEL_WEIGHTS:
            check.fail("model.hidden_layer_sizes", model_too_large(sizes))
    return dict(kind=kind, params=params)


def data_bytes(n_samples: int, n_features: int) -> int:
    """Return the estimated memory of a data set's rows: one float64 per value."""
    return n_samples * n_features * 8


def data_too_large(n_samples: int, n_features: int) -> str:
    """Return the message for rows over MAX_DATA_BYTES."""
    return (f"{n_samples} samples x {n_features} features is {data_bytes(n_samples, n_features) / 2**20:.0f} MB "
            f"as float64, over the {MAX_DATA_BYTES // 2**20} MB a lesson may load; use fewer samples or features")


def mlp_weights(layer_sizes: Sequence[int]) -> int:
    """Return the weights and biases of an MLP whose layers have these sizes, in order."""
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(layer_sizes, layer_sizes[1:]))


def model_too_large(layer_sizes: Sequence[int]) -> str:
    """Return the message for an MLP over MAX_MODEL_WEIGHTS (layer_sizes from input to output)."""
    return (f"layers of {' -> '.join(map(str, layer_sizes))} units have {mlp_weights(layer_sizes)} weights, over the "
            f"{MAX_MODEL_WEIGHTS} a lesson may train; use fewer or smaller hidden layers")


def evaluation_fields(check: Checker, table: dict[str, Any], epochs: int, validation_size: float) -> dict[str, Any]:
    """Check the [evaluation] table against the epochs and split; return EvaluationSpec's values."""
    check.known_keys(table, {"task", "thresholds", "snapshots", "top_k", "tune_threshold", "by_feature", "bins",
                             "explore_class", "explore_count", "calibration", "costs",
                             "bootstrap"}, "evaluation")
    tune = check.typed(table, "tune_threshold", str, "evaluation")
    if tune is not None:
        check.choice("evaluation.tune_threshold", tune, ("f1",))
        if not validation_size:
            check.fail("evaluation.tune_threshold", "needs a validation split to tune on (the test rows must not "
                       "choose the threshold): set split.validation_size, e.g. 0.25")
    bins = check.typed(table, "bins", int, "evaluation", default=4)
    if not 2 <= bins <= 20:
        check.fail("evaluation.bins", f"expected an integer in 2..20, got {bins}")
    explore_count = check.typed(table, "explore_count", int, "evaluation", default=6)
    if not 1 <= explore_count <= 50:
        check.fail("evaluation.explore_count", f"expected an integer in 1..50, got {explore_count}")
    bootstrap = check.typed(table, "bootstrap", int, "evaluation", default=0)
    if bootstrap and not MIN_BOOTSTRAP <= bootstrap <= MAX_BOOTSTRAP:
        check.fail("evaluation.bootstrap", f"expected a number of resamples in {MIN_BOOTSTRAP}..{MAX_BOOTSTRAP} "
                   f"(0: none), got {bootstrap}")
    task = check.typed(table, "task", str, "evaluation", default="auto")
    check.choice("evaluation.task", task, TASKS)
    thresholds = tuple(check.number_list(table, "thresholds", "evaluation", default=[0.5]))
    for t in thresholds:
        if not 0 <= t <= 1:
            check.fail("evaluation.thresholds", f"expected probabilities in [0, 1], got {t}")
    snapshots = tuple(check.int_list(table, "snapshots", "evaluation", default=[]))
    for epoch in snapshots:
        if not 1 <= epoch <= epochs:
            check.fail("evaluation.snapshots", f"expected epochs in 1..{epochs}, got {epoch}")
    top_k = tuple(check.int_list(table, "top_k", "evaluation", default=[1, 3]))
    for k in top_k:
        if k < 1:
            check.fail("evaluation.top_k", f"expected positive integers, got {k}")
    return dict(task=task, thresholds=tuple(sorted(set(thresholds))),
                snapshots=tuple(sorted(set(snapshots))), top_k=tuple(sorted(set(top_k))),
                tune_threshold=tune, by_feature=check.typed(table, "by_feature", str, "evaluation"),
                bins=bins, explore_class=check.typed(table, "explore_class", str, "evaluation"),
                explore_count=explore_count, calibration=calibration_field(check, table, validation_size),
                costs=costs_field(check, table, tune), bootstrap=bootstrap)


def quiz_fields(check: Checker, table: dict[str, Any]) -> dict[str, Any]:
    """Check the [quiz] table's shape; return QuizSpec's values (questions: tracegen.spec.questions)."""
    check.known_keys(table, {"generators", "questions"}, "quiz")
    generators = check.typed(table, "generators", list, "quiz", default=[])
    if not all(isinstance(name, str) for name in generators):
        check.fail("quiz.generators", "expected a list of generator names")
    questions = check.typed(table, "questions", list, "quiz", default=[])
    if not all(isinstance(q, dict) for q in questions):
        check.fail("quiz.questions", "expected [[quiz.questions]] tables")
    return dict(generators=tuple(generators), questions=tuple(questions))


def claims_field(check: Checker, data: dict[str, Any]) -> tuple[str, ...]:
    """Check the top-level `claims` list: one-line expressions over the trace (evaluated after each run)."""
    claims = data.get("claims", [])
    if not isinstance(claims, list):
        check.fail("claims", f"expected a list of expressions in quotes, got {type(claims).__name__} {claims!r}")
    for index, claim in enumerate(claims):
        name = f"claims[{index}]"
        if not isinstance(claim, str) or not claim.strip():
            check.fail(name, f"expected an expression over the trace in quotes, such as "
                             f"\"evaluation.roc_auc > 0.5\", got {type(claim).__name__} {claim!r}")
        if CONTROL_CHARACTER.search(claim):
            check.fail(name, "expected one line; write the claim on one line")
        try:
            parse_expression(claim)
        except ExpressionError as exc:
            check.fail(name, str(exc))
    return tuple(claim.strip() for claim in claims)


def prerequisites_field(check: Checker, data: dict[str, Any], name: str) -> tuple[str, ...]:
    """Check the top-level `prerequisites` list: other lessons' names (the site checks that they exist)."""
    names = data.get("prerequisites", [])
    if not isinstance(names, list):
        check.fail("prerequisites", f"expected a list of lesson names, such as [\"confusion-matrix\"], "
                                    f"got {type(names).__name__} {names!r:.60}")
    for value in names:
        if not isinstance(value, str) or not LESSON_NAME.fullmatch(value):
            check.fail("prerequisites", f"expected lesson names (file names without .md), got {value!r:.60}")
        if value == name:
            check.fail("prerequisites", f"names this lesson itself ('{name}'); list the lessons to take before it")
    if len(set(names)) != len(names):
        twice = next(value for value in names if names.count(value) > 1)
        check.fail("prerequisites", f"names '{twice}' twice")
    return tuple(names)
def goals_field(check: Checker, data: dict[str, Any]) -> tuple[str, ...]:
    """Check the top-level `goals` list: at most MAX_GOALS one-line, non-empty strings (shown escaped)."""
    goals = data.get("goals", [])
    if not isinstance(goals, list):
        check.fail("goals", f"expected a list of one-line strings, got {type(goals).__name__} {goals!r}")
    if len(goals) > MAX_GOALS:
        check.fail("goals", f"expected at most {MAX_GOALS} goals, got {len(goals)}; keep the ones that matter most")
    for index, goal in enumerate(goals):
        check.one_line({f"goals[{index}]": goal}, f"goals[{index}]", default="")
        if not goal.strip():
            check.fail(f"goals[{index}]", "expected a goal such as \"read a PR curve\", got an empty string")
    return tuple(goal.strip() for goal in goals)


# A lesson's name (its file name without .md) is its folder and its link in the site, so it is a slug:
# never '.', '..', a path, a hidden name, or a character a URL must escape ('#', '%', '?', spaces).
LESSON_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
# Top-level names of a site without a dot (its files have one, which a lesson name cannot): static/ holds
# its CSS and JS, and index/ beside index.html would read as the index. Compared ignoring case, as
# macOS and Windows file systems do.
RESERVED_LESSON_NAMES = ("index", "static")


def lesson_name(path: Path) -> str:
    """Return the lesson's name, the file name without `.md`, once it is known to be a safe folder name."""
    name = path.stem
    if not LESSON_NAME.fullmatch(name):
        raise SpecError(path, "lesson", "the file name must be letters, digits, '-' and '_' before its .md, "
                        "starting with a letter or digit (it names the lesson's folder and link in the site)")
    if name.lower() in RESERVED_LESSON_NAMES:
        raise SpecError(path, "lesson", f"the name '{name}' is taken by the site's own files; rename the file")
    return name


class Checker:
    """Type and key checks that name the file and the dotted field on failure."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, field_name: str, message: str) -> NoReturn:
        """Raise the SpecError for `field_name` in this file."""
        raise SpecError(self.path, field_name, message)

    def known_keys(self, table: dict[str, Any], allowed: set[str], prefix: str) -> None:
        """Reject the first key of `table` that is not in `allowed`, naming the ones that are."""
        for key in table:
            if key not in allowed:
                name = f"{prefix}.{key}" if prefix else key
                self.fail(name, f"unknown key; expected one of: {', '.join(sorted(allowed))}")

    def table(self, data: dict[str, Any], key: str, required: bool = False) -> dict[str, Any]:
        """Return the [key] table of `data` ({} when absent and not required)."""
        if key not in data:
            if required:
                self.fail(key, f"missing; add a [{key}] table")
            return {}
        if not isinstance(data[key], dict):
            self.fail(key, f"expected a [{key}] table, got {type(data[key]).__name__}")
        return data[key]

    def typed(self, table: dict[str, Any], key: str, kind: type, prefix: str,
              required: bool = False, default: Any = None) -> Any:
        """Return table[key], which must be a `kind`; `default` when the key is absent (and not required)."""
        name = f"{prefix}.{key}" if prefix else key
        if key not in table:
            if required:
                self.fail(name, f"missing; expected {TYPE_NAMES[kind]}")
            return default
        value = table[key]
        # bool is a subclass of int, but `epochs = true` is a mistake, not 1 epoch.
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            self.fail(name, f"expected {TYPE_NAMES[kind]}, got {type(value).__name__} {value!r}")
        return value

    def one_line(self, table: dict[str, Any], key: str, default: str) -> str:
        """Return a top-level string that must fit on one line."""
        value = self.typed(table, key, str, "", default=default)
        # A line break or control character would end a GIFT comment line or make QTI XML invalid.
        bad = CONTROL_CHARACTER.search(value)
        if bad:
            self.fail(key, f"expected one line of text, got control character U+{ord(bad.group()):04X}; "
                      "write it on one line (longer text belongs in the Markdown body)")
        return value

    def number(self, table: dict[str, Any], key: str, prefix: str, default: float | None = None) -> float:
        """Return table[key] (or `default`) as a finite float; an integer is accepted."""
        name = f"{prefix}.{key}"
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(name, f"expected a number, got {type(value).__name__} {value!r}")
        if value != value or value in (float("inf"), float("-inf")):
            self.fail(name, f"expected a finite number, got {value}")
        return float(value)

    def of_kind(self, table: dict[str, Any], key: str, kind: type, prefix: str) -> Any:
        """Return table[key] checked as `kind`, through `number` for a float."""
        # A float field also takes an integer (`alpha = 1`) and must be finite; other kinds match exactly.
        return self.number(table, key, prefix) if kind is float else self.typed(table, key, kind, prefix)

    def number_list(self, table: dict[str, Any], key: str, prefix: str, default: list[Any]) -> list[float]:
        """Return a list of finite numbers."""
        values = self.typed(table, key, list, prefix, default=default)
        return [self.number({key: v}, key, prefix) for v in values]

    def int_list(self, table: dict[str, Any], key: str, prefix: str, default: list[Any]) -> list[int]:
        """Return a list of integers."""
        values = self.typed(table, key, list, prefix, default=default)
        return [self.typed({key: v}, key, int, prefix) for v in values]

    def choice(self, name: str, value: str, allowed: tuple[str, ...]) -> None:
        """Reject a `value` outside `allowed`, listing the allowed ones."""
        if value not in allowed:
            self.fail(name, f"unknown value '{value}'; expected one of: {', '.join(allowed)}")
