"""tracegen.spec: lesson files read, defaults filled, and the part of the spec that decides the run."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.conftest import write_lesson
from tracegen.errors import SpecError
from tracegen.spec import NOT_IN_PIPELINE, OMITTED_AT_DEFAULT, LessonSpec, QuizSpec, load_lesson

MINIMAL = 'epochs = 3\n[dataset]\nsource = "iris"\n'


def test_defaults(tmp_path):
    """A minimal lesson gets documented defaults and keeps its Markdown body."""
    spec = load_lesson(write_lesson(tmp_path, MINIMAL, body="# Hello\n"))
    assert spec.split.test_size == 0.2 and spec.split.stratify and spec.split.validation_size == 0
    assert spec.normalization == "standard" and spec.model.kind == "logistic"
    assert spec.evaluation.thresholds == (0.5,)
    assert spec.body == "# Hello\n" and spec.body_line == 6
    assert spec.name == "lesson" and spec.title == "Lesson"


def test_lessons_in_repo_load(binary_spec, multiclass_spec):
    """The shipped lessons are valid."""
    assert binary_spec.dataset.params["n_samples"] == 1000
    assert multiclass_spec.dataset.source == "digits"


@pytest.mark.parametrize("text, line", [("no front matter\n", 1), ("+++\nepochs = 3\n", 1),
                                        ("+++\nepochs = 3\n[dataset\n+++\n", 3)])
def test_broken_fences_and_toml(tmp_path, text, line):
    """Missing fences and TOML syntax errors point at a line."""
    path = tmp_path / "broken.md"
    path.write_text(text)
    with pytest.raises(SpecError) as error:
        load_lesson(path)
    assert error.value.field == "front matter" and error.value.line == line


def spec_fields(record, prefix=""):
    """Yield (dotted path, value) for every field of `record` and of the spec records inside it."""
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        yield prefix + f.name, value
        if dataclasses.is_dataclass(value):
            yield from spec_fields(value, f"{prefix}{f.name}.")


def excluded(path):
    """Return True when `path` or a record holding it is in NOT_IN_PIPELINE."""
    parts = path.split(".")
    return any(".".join(parts[:n]) in NOT_IN_PIPELINE for n in range(1, len(parts) + 1))


def reach(plain, path):
    """Return the value at a dotted path of pipeline_dict output."""
    for part in path.split("."):
        plain = plain[part]
    return plain


def changed(value):
    """Return a value of the same kind that differs from `value`."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, tuple):
        return (*value, 7)
    if isinstance(value, dict):
        return {**value, "extra": 1}
    if isinstance(value, Path):
        return value.with_name("elsewhere.md")
    assert value is None, value
    return "x"


def replaced(record, path, value):
    """Return `record` with the field at a dotted path replaced by `value`."""
    name, _, rest = path.partition(".")
    inner = replaced(getattr(record, name), rest, value) if rest else value
    return dataclasses.replace(record, **{name: inner})


def as_json(value):
    """Tuples as lists, as pipeline_dict writes them."""
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    return value


def test_every_spec_field_reaches_pipeline_dict(binary_spec, multiclass_spec, tmp_path):
    """Each field of LessonSpec and its sub-specs is in pipeline_dict unless NOT_IN_PIPELINE names it,
    and changing it changes pipeline_dict; excluded fields change nothing."""
    csv_spec = load_lesson(write_lesson(tmp_path, 'epochs = 2\n[dataset]\nsource = "csv"\npath = "d.csv"\n'
                                                  'target = "y"\n'))
    records = set()
    for spec in (binary_spec, multiclass_spec, csv_spec):
        plain = spec.pipeline_dict()
        for path, value in spec_fields(spec):
            if dataclasses.is_dataclass(value):
                records.add(type(value))
                continue
            other = replaced(spec, path, changed(value)).pipeline_dict()
            if excluded(path):
                assert other == plain, path
            elif path in OMITTED_AT_DEFAULT and value == OMITTED_AT_DEFAULT[path]:
                table, _, key = path.rpartition(".")
                assert key not in (reach(plain, table) if table else plain), path
                assert other != plain and reach(other, path) == as_json(changed(value)), path
            else:
                assert reach(plain, path) == as_json(value), path
                assert other != plain and reach(other, path) == as_json(changed(value)), path
    assert {r.__name__ for r in records} == {"DatasetSpec", "SplitSpec", "ModelSpec", "EvaluationSpec", "QuizSpec"}


def test_excluded_fields_are_real_fields(binary_spec):
    """NOT_IN_PIPELINE names only fields that exist, so a rename cannot silently start hashing prose."""
    paths = {path for path, _ in spec_fields(binary_spec)}
    assert NOT_IN_PIPELINE.issubset(paths)
    assert {"body", "title", "quiz", "split.seed"} <= NOT_IN_PIPELINE


def test_pipeline_dict_layout(binary_spec):
    """The derived dict has the layout the hand-written one had (so every trace hash is unchanged)."""
    plain = binary_spec.pipeline_dict()
    assert list(plain) == ["dataset", "split", "normalization", "model", "epochs", "evaluation"]
    assert list(plain["dataset"]) == ["source", "params", "path", "target"]
    assert list(plain["split"]) == ["test_size", "validation_size", "stratify"]
    assert list(plain["model"]) == ["kind", "params"]
    assert list(plain["evaluation"]) == ["task", "thresholds", "snapshots", "top_k", "tune_threshold",
                                         "by_feature", "bins", "explore_class", "explore_count"]
    assert plain["evaluation"]["thresholds"] == list(binary_spec.evaluation.thresholds)


def test_a_new_field_reaches_pipeline_dict(binary_spec):
    """A field added to a spec record (here by subclassing) is in pipeline_dict without any hand list."""
    Extended = dataclasses.make_dataclass("Extended", [("calibration", str, dataclasses.field(default="none"))],
                                          bases=(LessonSpec,), frozen=True)
    fields = {f.name: getattr(binary_spec, f.name) for f in dataclasses.fields(binary_spec)}
    assert Extended(**fields, calibration="sigmoid").pipeline_dict()["calibration"] == "sigmoid"
    # The quiz stays out: questions are made from the finished trace.
    assert isinstance(binary_spec.quiz, QuizSpec) and "quiz" not in binary_spec.pipeline_dict()
