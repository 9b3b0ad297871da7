"""Lesson file -> LessonSpec: TOML front matter between ``+++`` lines, then Markdown.

Everything a run needs is checked here, at the boundary, so the pipeline can assume
valid input. Unknown keys are rejected by name. The per-table checks live in
`tracegen.spec.checks`; this module holds the frozen records and reads the file.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracegen.errors import SpecError
from tracegen.files import parse_toml, read_text, toml_error_at, undecodable_line
from tracegen.spec.checks import (  # noqa: F401  (the check bounds are part of tracegen.spec's names)
    BUILTIN_DATASETS,
    CONTROL_CHARACTER,
    DATASET_SOURCES,
    MAKE_CLASSIFICATION_PARAMS,
    MAKE_CLASSIFICATION_RANGES,
    MAX_EPOCHS,
    MAX_HIDDEN_UNITS,
    MAX_SEED,
    MODEL_PARAMS,
    NORMALIZATIONS,
    SGD_LEARNING_RATES,
    TASKS,
    TYPE_NAMES,
    Checker,
    claims_field,
    dataset_fields,
    evaluation_fields,
    goals_field,
    lesson_name,
    model_fields,
    prerequisites_field,
    quiz_fields,
    split_fields,
)
from tracegen.spec.compare import CompareSpec, compare_fields
from tracegen.spec.directives import find_directives
from tracegen.spec.select import SelectSpec, select_fields

FRONT_MATTER_FENCE = "+++"
# Spec fields that do not decide the numbers of a run, so pipeline_dict (and with it the trace
# hash, the cache key) leaves them out. Every other field, including any added later, is in.
NOT_IN_PIPELINE = frozenset({
    # Where the lesson file is and what it is called: the same spec elsewhere gives the same run.
    "name", "path",
    # Prose and page options: they change the page, not the trace.
    "title", "topic", "description", "goals", "allow_html", "body", "body_line",
    # Questions are made, and claims checked, from a finished trace, after the run.
    "quiz", "claims",
    # Where the lesson sits in the site's path: the index and the previous/next links, not the run.
    "prerequisites",
    # The seed is hashed on its own (trace_hash's "seed"), since --seed and variants override it.
    "split.seed",
})
# Fields added after traces were cached, left out of pipeline_dict at their default value, so a lesson
# that does not use them keeps its trace hash (and its cache entries and golden pages).
OMITTED_AT_DEFAULT: dict[str, Any] = {"compare": None, "evaluation.bootstrap": 0, "evaluation.calibration": None,
                                      "evaluation.costs": None, "select": None}


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
    # calibration = { method, n_bins, strategy } (tracegen.spec.evaluation_checks fills the defaults).
    calibration: dict[str, Any] | None = None
    # costs = { fp, fn }: what one false positive and one false negative cost.
    costs: dict[str, float] | None = None
    # Resamples of the test rows for a bootstrap interval of AUC and AP (binary); 0: none.
    bootstrap: int = 0


@dataclass(frozen=True)
class QuizSpec:
    """Question generators by name, plus hand-written questions (checked by tracegen.spec.questions)."""

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
    # Expressions over the trace that must be true for every run a build or `tracegen run` makes.
    claims: tuple[str, ...] = ()
    # Names of the lessons to take before this one; the site orders its path by them (tracegen.site.path).
    prerequisites: tuple[str, ...] = ()
    # What the reader will learn, listed under the page's title ("In this lesson you will...").
    goals: tuple[str, ...] = ()
    # The [compare] runs: the same pipeline with one setting changed per run; None for a one-run lesson.
    compare: CompareSpec | None = None
    # The [select] stage after normalize: keep k features; None keeps them all.
    select: SelectSpec | None = None

    def pipeline_dict(self) -> dict[str, Any]:
        """Return the part of the spec that decides the run (it goes into the trace hash).

        Derived from the dataclass fields, so a new field is hashed unless NOT_IN_PIPELINE names it.
        """
        plain = _plain_fields(self, "")
        for path, default in OMITTED_AT_DEFAULT.items():
            table, _, key = path.rpartition(".")
            holder = plain[table] if table else plain
            if holder[key] == default:
                del holder[key]
        return plain

    def data_path(self) -> Path | None:
        """Return the CSV path resolved against the lesson file's folder."""
        if self.dataset.path is None:
            return None
        path = self.path.parent / self.dataset.path
        try:
            return path.resolve()
        except RuntimeError:  # a symbolic-link loop: opening it gives the one-line error
            return path.absolute()


TOP_LEVEL_KEYS = {
    "title", "topic", "description", "dataset", "split", "normalization", "model",
    "epochs", "evaluation", "quiz", "allow_html", "claims", "prerequisites", "goals",
    "compare", "select",
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


def load_lesson(path: str | Path) -> LessonSpec:
    """Read and validate one lesson file."""
    path = Path(path)
    try:
        # utf-8-sig: a byte-order mark (as some editors save) is not text before the opening fence.
        text = read_text(path, encoding="utf-8-sig")
    except FileNotFoundError:
        raise SpecError(path, "lesson", "file not found") from None
    except UnicodeDecodeError:
        line, detail = undecodable_line(path)
        raise SpecError(path, "lesson", f"not UTF-8 text ({detail}); save the lesson as UTF-8", line=line) from None
    except OSError as exc:
        raise SpecError(path, "lesson", f"cannot read: {exc.strerror}") from None
    front, body, body_line = split_front_matter(text, path)
    try:
        data = parse_toml(front)
    except tomllib.TOMLDecodeError as exc:
        # tomllib counts lines from the start of the front matter, which is file line 2.
        message, line = toml_error_at(exc, first_line=2)
        raise SpecError(path, "front matter", f"malformed TOML: {message}", line=line) from None
    except ValueError as exc:  # tomllib's int() refuses a number of thousands of digits with a plain ValueError
        raise SpecError(path, "front matter", f"malformed TOML: {str(exc).split(';')[0]}") from None
    return parse_lesson(data, path, body, body_line)


def parse_lesson(data: dict[str, Any], path: Path, body: str = "", body_line: int = 1) -> LessonSpec:
    """Validate a front-matter mapping and return the LessonSpec."""
    check = Checker(path)
    check.known_keys(data, TOP_LEVEL_KEYS, "")
    epochs = check.typed(data, "epochs", int, "", required=True)
    if epochs <= 0 or epochs > MAX_EPOCHS:
        check.fail("epochs", f"expected an integer in 1..{MAX_EPOCHS}, got {epochs}")
    normalization = check.typed(data, "normalization", str, "", default="standard")
    check.choice("normalization", normalization, NORMALIZATIONS)
    split = SplitSpec(**split_fields(check, check.table(data, "split")))
    model = ModelSpec(**model_fields(check, check.table(data, "model")))
    select = select_fields(check, data)
    # Checked now, so a misplaced block fails before any run; the page reads them again from the body.
    find_directives(path, body, body_line)
    return LessonSpec(
        name=lesson_name(path),
        path=path,
        title=check.one_line(data, "title", default=path.stem.replace("-", " ").capitalize()),
        topic=check.one_line(data, "topic", default=""),
        description=check.one_line(data, "description", default=""),
        dataset=DatasetSpec(**dataset_fields(check, check.table(data, "dataset", required=True))),
        split=split,
        normalization=normalization,
        model=model,
        epochs=epochs,
        evaluation=EvaluationSpec(**evaluation_fields(check, check.table(data, "evaluation"), epochs,
                                                      split.validation_size)),
        quiz=QuizSpec(**quiz_fields(check, check.table(data, "quiz"))),
        allow_html=check.typed(data, "allow_html", bool, "", default=False),
        body=body,
        body_line=body_line,
        claims=claims_field(check, data),
        prerequisites=prerequisites_field(check, data, path.stem),
        goals=goals_field(check, data),
        compare=compare_fields(check, data, model.kind, lambda other: parse_lesson(other, path)),
        select=select,
    )


def _plain_fields(record: Any, prefix: str) -> dict[str, Any]:
    """Return `record`'s fields as JSON-like data (tuples become lists), minus NOT_IN_PIPELINE."""
    plain = {}
    for f in dataclasses.fields(record):
        path = prefix + f.name
        if path in NOT_IN_PIPELINE:
            continue
        plain[f.name] = _plain_value(getattr(record, f.name), path + ".")
    return plain


def _plain_value(value: Any, prefix: str) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain_fields(value, prefix)
    if isinstance(value, (list, tuple)):
        return [_plain_value(item, prefix) for item in value]
    if isinstance(value, dict):
        return {key: _plain_value(item, prefix) for key, item in value.items()}
    return value
