"""docs/authoring.md: its worked lesson builds and checks clean, and it names every key, generator and
expression name the code accepts, so the guide cannot silently fall behind the code."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tracegen import spec as lesson_spec, trace as trace_records
from tracegen.cli import main
from tracegen.expressions import FUNCTIONS, evaluate_expression, namespace, substitute
from tracegen.quiz import GENERATORS
from tracegen.spec import questions as question_tables
from tracegen.spec.select import FIT_ON
from tracegen.trace import Trace

GUIDE = ROOT / "docs" / "authoring.md"
EXAMPLE = ROOT / "docs" / "examples" / "worked-lesson.md"
WORKED_HEADING = "A worked lesson"


def guide_sections() -> dict[str, str]:
    """Return the guide's text per `## ` heading (subsections included), keyed by the heading line."""
    sections: dict[str, str] = {}
    heading = ""
    for line in GUIDE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            heading = line[3:]
        sections[heading] = sections.get(heading, "") + line + "\n"
    return sections


def section(title_part: str) -> str:
    """Return the one `## ` section whose heading contains `title_part`."""
    found = [text for heading, text in guide_sections().items() if title_part in heading]
    assert len(found) == 1, f"expected one '## ' heading containing {title_part!r}, found {len(found)}"
    return found[0]


def undocumented(names, text: str) -> list[str]:
    """Return the names that never appear in `text` as inline code of their own (`name` or `"name"`)."""
    return sorted(name for name in names if f"`{name}`" not in text and f'`"{name}"`' not in text)


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    """Build the worked lesson once into a fresh folder; return the site folder."""
    out = tmp_path_factory.mktemp("site")
    assert main(["build", str(EXAMPLE), "--out", str(out), "--no-cache", "--jobs", "1", "-q"]) == 0
    return out


def test_worked_lesson_builds(built_site):
    trace = Trace.from_json((built_site / EXAMPLE.stem / "trace.json").read_text(encoding="utf-8"))
    assert trace.evaluation.task == "binary"
    assert trace.split_counts()["validation"] > 0
    assert (built_site / EXAMPLE.stem / "index.html").is_file()


def test_worked_lesson_checks_clean_at_seeds_0_to_9(capsys):
    code = main(["check", str(EXAMPLE), "--seeds", "0-9", "--no-cache", "--jobs", "2", "-q"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert out.strip().endswith("no findings")


def test_worked_lesson_has_each_part_the_guide_teaches():
    text = EXAMPLE.read_text(encoding="utf-8")
    spec = lesson_spec.load_lesson(EXAMPLE)
    assert spec.split.validation_size > 0 and spec.claims
    assert len(spec.quiz.generators) == 2
    assert sorted(q["kind"] for q in spec.quiz.questions) == ["multiple", "numeric"]
    assert "pick(" in spec.body and "[[" in spec.body
    assert text.startswith("+++\n")


def test_guide_shows_the_worked_lesson_as_it_is_in_the_example_file():
    example = EXAMPLE.read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:toml|markdown)\n(.*?)```", section(WORKED_HEADING), flags=re.S)
    assert len(blocks) >= 5
    for block in blocks:
        assert block in example, f"this block of the guide is not in {EXAMPLE.name}:\n{block}"


def accepted_keys(monkeypatch) -> dict[str, set[str]]:
    """Return, per table ("" for the top level), every key the checker accepts: its allowed-key sets,
    recorded while it reads a lesson with each dataset source and each model kind."""
    accepted: dict[str, set[str]] = {}
    known_keys = lesson_spec.Checker.known_keys

    def recording(self, table, allowed, prefix):
        accepted.setdefault(prefix, set()).update(allowed)
        return known_keys(self, table, allowed, prefix)

    monkeypatch.setattr(lesson_spec.Checker, "known_keys", recording)
    for source in lesson_spec.DATASET_SOURCES:
        dataset = {"source": source, **({"path": "rows.csv", "target": "label"} if source == "csv" else {})}
        for kind in lesson_spec.MODEL_PARAMS:
            lesson_spec.parse_lesson({"epochs": 1, "dataset": dataset, "model": {"kind": kind}, "select": {"k": 1}},
                                     Path("x.md"))
    return accepted


@pytest.mark.parametrize(("table", "heading"), [
    ("", "Top-level keys"), ("dataset", "`[dataset]`"), ("split", "`[split]`"), ("model", "`[model]`"),
    ("evaluation", "`[evaluation]`"), ("quiz", "`[quiz]`"), ("select", "`[select]`"),
])
def test_guide_names_every_key_the_checker_accepts(monkeypatch, table, heading):
    keys = accepted_keys(monkeypatch)
    assert set(keys) == {"", "dataset", "split", "model", "evaluation", "quiz", "select"}  # every table is checked
    assert undocumented(keys[table], section(heading)) == []


def test_guide_names_every_value_a_choice_key_accepts():
    assert undocumented(lesson_spec.NORMALIZATIONS, section("Top-level keys")) == []
    assert undocumented(lesson_spec.DATASET_SOURCES, section("`[dataset]`")) == []
    assert undocumented({*lesson_spec.MODEL_PARAMS, *lesson_spec.SGD_LEARNING_RATES}, section("`[model]`")) == []
    assert undocumented(lesson_spec.TASKS, section("`[evaluation]`")) == []
    assert undocumented(FIT_ON, section("`[select]`")) == []


def test_guide_gives_the_replacement_seeds_the_build_uses():
    """The claims section states the stride and the number of replacement seeds a retake tries."""
    from tracegen.site import runs

    text = " ".join(section("Claims").split())
    stride = runs.SEED_STRIDE
    assert f"seed + k + {stride}, then + 2 × {stride}, up to {runs.REPLACEMENTS} replacements" in text


def test_guide_names_every_generator():
    assert undocumented(GENERATORS, section("`[quiz]`")) == []


def test_guide_names_every_question_key_kind_and_option_key():
    text = section("`[[quiz.questions]]`")
    keys = (question_tables.NUMERIC_KEYS | question_tables.COMMON_KEYS | question_tables.CHOICE_OPTION_KEYS
            | question_tables.NUMERIC_OPTION_KEYS | set(question_tables.KINDS))
    assert undocumented(keys, text) == []


def test_guide_names_every_expression_name_and_function(built_site):
    text = section("Expressions")
    trace = Trace.from_json((built_site / EXAMPLE.stem / "trace.json").read_text(encoding="utf-8"))
    assert undocumented(namespace(trace), text) == []
    missing = sorted(name for name in FUNCTIONS if f"`{name}(" not in text)
    assert missing == []


def test_guide_names_every_field_of_every_trace_record():
    text = section("Expressions")
    records = [value for value in vars(trace_records).values() if isinstance(value, type)
               and dataclasses.is_dataclass(value)
               and value.__module__ in (trace_records.__name__, "tracegen.evaluation_records",
                                        "tracegen.compare_records")]
    assert trace_records.BinaryEvaluation in records and trace_records.FeatureBins in records
    fields = {name for record in records for name in (f.name for f in dataclasses.fields(record))}
    assert undocumented(fields, text) == []


def test_guide_expression_examples_evaluate_on_the_worked_lesson(built_site):
    trace = Trace.from_json((built_site / EXAMPLE.stem / "trace.json").read_text(encoding="utf-8"))
    text = section("Expressions")
    functions = text[text.index("### Functions"):text.index("### Formats")]
    examples = [re.findall(r"`([^`]+)`", line.rsplit(" | ", 1)[-1]) for line in functions.splitlines()
                if line.startswith("| `")]
    codes = [code for row in examples for code in row]
    assert sorted(name for name in FUNCTIONS if not any(f"{name}(" in code for code in codes)) == []
    for code in codes:
        evaluate_expression(code, trace)  # raises ExpressionError on a wrong example
    for block in re.findall(r"```markdown\n(.*?)```", text, flags=re.S):
        assert "[[" not in substitute(block, trace)


def test_every_toml_example_in_the_guide_parses():
    blocks = re.findall(r"```toml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 10
    for block in blocks:
        tomllib.loads(block)  # raises TOMLDecodeError on a broken example
