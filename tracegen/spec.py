"""Lesson file -> LessonSpec: TOML front matter between ``+++`` lines, then Markdown.

Everything a run needs is checked here, at the boundary, so the pipeline can assume
valid input. Unknown keys are rejected by name.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracegen.errors import SpecError

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
NORMALIZATIONS = ("standard", "minmax", "none")
MODEL_PARAMS = {
    # SGDClassifier(loss="log_loss"): a logistic (sigmoid) classifier trained by SGD.
    "logistic": {"alpha": float, "learning_rate": str, "eta0": float},
    "mlp": {"hidden_layer_sizes": list, "alpha": float, "learning_rate_init": float,
            "batch_size": int},
}
SGD_LEARNING_RATES = ("optimal", "constant", "invscaling", "adaptive")
MAX_EPOCHS = 5000
FRONT_MATTER_FENCE = "+++"
# Line breaks and other C0/C1 control characters (tab included), for one-line text such as titles.
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")
TYPE_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false", list: "a list",
              dict: "a table"}


@dataclass(frozen=True)
class DatasetSpec:
    """Where the rows come from."""

    source: str
    params: dict[str, Any] = field(default_factory=dict)
    path: str | None = None
    target: str | None = None


@dataclass(frozen=True)
class SplitSpec:
    """How rows are divided; validation_size is a fraction of the training rows."""

    test_size: float = 0.2
    validation_size: float = 0.0
    stratify: bool = True
    seed: int = 0


@dataclass(frozen=True)
class ModelSpec:
    """Which classifier is trained, one full pass over the training rows per epoch."""

    kind: str = "logistic"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EvaluationSpec:
    """Evaluations beyond the defaults: extra thresholds, epoch snapshots, top-k."""

    task: str = "auto"
    thresholds: tuple[float, ...] = (0.5,)
    snapshots: tuple[int, ...] = ()
    top_k: tuple[int, ...] = (1, 3)
    tune_threshold: str | None = None
    by_feature: str | None = None
    bins: int = 4
    explore_class: str | None = None
    explore_count: int = 6


@dataclass(frozen=True)
class QuizSpec:
    """Question generators by name, plus hand-written questions (checked by quiz.py)."""

    generators: tuple[str, ...] = ()
    questions: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class LessonSpec:
    """One lesson: what to run, and the prose around it."""

    name: str
    path: Path
    title: str
    topic: str
    description: str
    dataset: DatasetSpec
    split: SplitSpec
    normalization: str
    model: ModelSpec
    epochs: int
    evaluation: EvaluationSpec
    quiz: QuizSpec
    allow_html: bool
    body: str
    body_line: int

    def pipeline_dict(self) -> dict[str, Any]:
        """Return the part of the spec that decides the run (it goes into the trace hash)."""
        return {
            "dataset": {"source": self.dataset.source, "params": self.dataset.params,
                        "path": self.dataset.path, "target": self.dataset.target},
            "split": {"test_size": self.split.test_size,
                      "validation_size": self.split.validation_size,
                      "stratify": self.split.stratify},
            "normalization": self.normalization,
            "model": {"kind": self.model.kind, "params": self.model.params},
            "epochs": self.epochs,
            "evaluation": {"task": self.evaluation.task, "thresholds": list(self.evaluation.thresholds),
                           "snapshots": list(self.evaluation.snapshots),
                           "top_k": list(self.evaluation.top_k),
                           "tune_threshold": self.evaluation.tune_threshold,
                           "by_feature": self.evaluation.by_feature, "bins": self.evaluation.bins,
                           "explore_class": self.evaluation.explore_class,
                           "explore_count": self.evaluation.explore_count},
        }

    def data_path(self) -> Path | None:
        """Return the CSV path resolved against the lesson file's folder."""
        if self.dataset.path is None:
            return None
        return (self.path.parent / self.dataset.path).resolve()


TOP_LEVEL_KEYS = {
    "title", "topic", "description", "dataset", "split", "normalization", "model",
    "epochs", "evaluation", "quiz", "allow_html",
}


def split_front_matter(text: str, path: Path) -> tuple[str, str, int]:
    """Return (front matter, body, line number where the body starts)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        raise SpecError(path, "front matter", f"the file must start with a '{FRONT_MATTER_FENCE}' line "
                        "opening a TOML front-matter block", line=1)
    for index in range(1, len(lines)):
        if lines[index].strip() == FRONT_MATTER_FENCE:
            return "".join(lines[1:index]), "".join(lines[index + 1:]), index + 2
    raise SpecError(path, "front matter", f"no closing '{FRONT_MATTER_FENCE}' line; "
                    "close the TOML block before the Markdown body", line=1)


def undecodable_line(path: Path) -> tuple[int | None, str]:
    """Return (line number, description) of the first bytes of `path` that are not UTF-8."""
    with open(path, "rb") as handle:
        # A newline byte never occurs inside a UTF-8 sequence, so each line decodes on its own.
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return number, f"byte 0x{raw[exc.start]:02x}, byte {exc.start + 1} of the line: {exc.reason}"
    return None, "a multi-byte character is cut off at the end of the file"


def load_lesson(path: str | Path) -> LessonSpec:
    """Read and validate one lesson file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(path, "lesson", "file not found") from None
    except UnicodeDecodeError:
        line, detail = undecodable_line(path)
        raise SpecError(path, "lesson", f"not UTF-8 text ({detail}); save the lesson as UTF-8", line=line) from None
    except OSError as exc:
        raise SpecError(path, "lesson", f"cannot read: {exc.strerror}") from None
    front, body, body_line = split_front_matter(text, path)
    try:
        data = tomllib.loads(front)
    except tomllib.TOMLDecodeError as exc:
        # tomllib counts lines from the start of the front matter, which is file line 2.
        where = re.search(r" \(at line (\d+), column (\d+)\)$", str(exc))
        if where is None:
            raise SpecError(path, "front matter", f"malformed TOML: {exc}") from None
        message = str(exc)[:where.start()]
        raise SpecError(path, "front matter", f"malformed TOML: {message} at column {where.group(2)}",
                        line=int(where.group(1)) + 1) from None
    return parse_lesson(data, path, body, body_line)


def parse_lesson(data: dict[str, Any], path: Path, body: str = "", body_line: int = 1) -> LessonSpec:
    """Validate a front-matter mapping and return the LessonSpec."""
    check = _Checker(path)
    check.known_keys(data, TOP_LEVEL_KEYS, "")
    epochs = check.typed(data, "epochs", int, "", required=True)
    if epochs <= 0 or epochs > MAX_EPOCHS:
        check.fail("epochs", f"expected an integer in 1..{MAX_EPOCHS}, got {epochs}")
    normalization = check.typed(data, "normalization", str, "", default="standard")
    check.choice("normalization", normalization, NORMALIZATIONS)
    split = _split(check, check.table(data, "split"))
    return LessonSpec(
        name=path.stem,
        path=path,
        title=check.one_line(data, "title", default=path.stem.replace("-", " ").capitalize()),
        topic=check.one_line(data, "topic", default=""),
        description=check.one_line(data, "description", default=""),
        dataset=_dataset(check, check.table(data, "dataset", required=True)),
        split=split,
        normalization=normalization,
        model=_model(check, check.table(data, "model")),
        epochs=epochs,
        evaluation=_evaluation(check, check.table(data, "evaluation"), epochs, split),
        quiz=_quiz(check, check.table(data, "quiz")),
        allow_html=check.typed(data, "allow_html", bool, "", default=False),
        body=body,
        body_line=body_line,
    )


def _dataset(check: _Checker, table: dict[str, Any]) -> DatasetSpec:
    check.known_keys(table, {"source", "path", "target", *MAKE_CLASSIFICATION_PARAMS}, "dataset")
    source = check.typed(table, "source", str, "dataset", required=True)
    check.choice("dataset.source", source, DATASET_SOURCES)
    if source == "csv":
        check.known_keys(table, {"source", "path", "target"}, "dataset")
        return DatasetSpec(source=source, path=check.typed(table, "path", str, "dataset", required=True),
                           target=check.typed(table, "target", str, "dataset", required=True))
    if source == "make_classification":
        params = {key: check.number(table, key, "dataset") if kind is float else check.typed(table, key, kind, "dataset")
                  for key, kind in MAKE_CLASSIFICATION_PARAMS.items() if key in table}
        for key, value in params.items():
            low, high = MAKE_CLASSIFICATION_RANGES.get(key, (None, None))
            if low is not None and not low <= value <= high:
                check.fail(f"dataset.{key}", f"expected a value in {low}..{high}, got {value}")
        weights = params.get("weights", [])
        if not all(isinstance(w, (int, float)) and not isinstance(w, bool) and 0 <= w <= 1 for w in weights):
            check.fail("dataset.weights", f"expected class proportions in [0, 1], got {weights!r}")
        return DatasetSpec(source=source, params=params)
    check.known_keys(table, {"source"}, "dataset")
    return DatasetSpec(source=source)


def _split(check: _Checker, table: dict[str, Any]) -> SplitSpec:
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
    return SplitSpec(test_size=test_size, validation_size=validation_size,
                     stratify=check.typed(table, "stratify", bool, "split", default=True), seed=seed)


def _model(check: _Checker, table: dict[str, Any]) -> ModelSpec:
    kind = check.typed(table, "kind", str, "model", default="logistic")
    check.choice("model.kind", kind, tuple(MODEL_PARAMS))
    allowed = MODEL_PARAMS[kind]
    check.known_keys(table, {"kind", *allowed}, "model")
    params = {}
    for key, expected in allowed.items():
        if key not in table:
            continue
        value = check.number(table, key, "model") if expected is float else check.typed(table, key, expected, "model")
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
    return ModelSpec(kind=kind, params=params)


def _evaluation(check: _Checker, table: dict[str, Any], epochs: int, split: SplitSpec) -> EvaluationSpec:
    check.known_keys(table, {"task", "thresholds", "snapshots", "top_k", "tune_threshold", "by_feature", "bins",
                             "explore_class", "explore_count"}, "evaluation")
    tune = check.typed(table, "tune_threshold", str, "evaluation")
    if tune is not None:
        check.choice("evaluation.tune_threshold", tune, ("f1",))
        if not split.validation_size:
            check.fail("evaluation.tune_threshold", "needs a validation split to tune on (the test rows must not "
                       "choose the threshold): set split.validation_size, e.g. 0.25")
    bins = check.typed(table, "bins", int, "evaluation", default=4)
    if not 2 <= bins <= 20:
        check.fail("evaluation.bins", f"expected an integer in 2..20, got {bins}")
    explore_count = check.typed(table, "explore_count", int, "evaluation", default=6)
    if not 1 <= explore_count <= 50:
        check.fail("evaluation.explore_count", f"expected an integer in 1..50, got {explore_count}")
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
    return EvaluationSpec(task=task, thresholds=tuple(sorted(set(thresholds))),
                          snapshots=tuple(sorted(set(snapshots))), top_k=tuple(sorted(set(top_k))),
                          tune_threshold=tune, by_feature=check.typed(table, "by_feature", str, "evaluation"),
                          bins=bins, explore_class=check.typed(table, "explore_class", str, "evaluation"),
                          explore_count=explore_count)


def _quiz(check: _Checker, table: dict[str, Any]) -> QuizSpec:
    check.known_keys(table, {"generators", "questions"}, "quiz")
    generators = check.typed(table, "generators", list, "quiz", default=[])
    if not all(isinstance(name, str) for name in generators):
        check.fail("quiz.generators", "expected a list of generator names")
    questions = check.typed(table, "questions", list, "quiz", default=[])
    if not all(isinstance(q, dict) for q in questions):
        check.fail("quiz.questions", "expected [[quiz.questions]] tables")
    return QuizSpec(generators=tuple(generators), questions=tuple(questions))


class _Checker:
    """Type and key checks that name the file and the dotted field on failure."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, field_name: str, message: str) -> None:
        raise SpecError(self.path, field_name, message)

    def known_keys(self, table: dict[str, Any], allowed: set[str], prefix: str) -> None:
        for key in table:
            if key not in allowed:
                name = f"{prefix}.{key}" if prefix else key
                self.fail(name, f"unknown key; expected one of: {', '.join(sorted(allowed))}")

    def table(self, data: dict[str, Any], key: str, required: bool = False) -> dict[str, Any]:
        if key not in data:
            if required:
                self.fail(key, f"missing; add a [{key}] table")
            return {}
        if not isinstance(data[key], dict):
            self.fail(key, f"expected a [{key}] table, got {type(data[key]).__name__}")
        return data[key]

    def typed(self, table: dict[str, Any], key: str, kind: type, prefix: str,
              required: bool = False, default: Any = None) -> Any:
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
        value = self.typed(table, key, str, "", default=default)
        # A line break or control character would end a GIFT comment line or make QTI XML invalid.
        bad = CONTROL_CHARACTER.search(value)
        if bad:
            self.fail(key, f"expected one line of text, got control character U+{ord(bad.group()):04X}; "
                      "write it on one line (longer text belongs in the Markdown body)")
        return value

    def number(self, table: dict[str, Any], key: str, prefix: str, default: float | None = None) -> float:
        name = f"{prefix}.{key}"
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(name, f"expected a number, got {type(value).__name__} {value!r}")
        if value != value or value in (float("inf"), float("-inf")):
            self.fail(name, f"expected a finite number, got {value}")
        return float(value)

    def number_list(self, table: dict[str, Any], key: str, prefix: str, default: list[Any]) -> list[float]:
        values = self.typed(table, key, list, prefix, default=default)
        return [self.number({key: v}, key, prefix) for v in values]

    def int_list(self, table: dict[str, Any], key: str, prefix: str, default: list[Any]) -> list[int]:
        values = self.typed(table, key, list, prefix, default=default)
        return [self.typed({key: v}, key, int, prefix) for v in values]

    def choice(self, name: str, value: str, allowed: tuple[str, ...]) -> None:
        if value not in allowed:
            self.fail(name, f"unknown value '{value}'; expected one of: {', '.join(allowed)}")
