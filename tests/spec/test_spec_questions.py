"""Shape checks of hand-written [[quiz.questions]] tables: each malformed table names question and field."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.quiz.quiz_helpers import numeric_table, spec_with_quiz
from tracegen import expression_syntax, quiz
from tracegen.errors import SpecError
from tracegen.spec import questions
from tracegen.spec.questions import check_hand_written


@pytest.mark.parametrize("table, field, message", [
    (numeric_table(answer=0.76), "answer", "literal 0.76"),
    (numeric_table(answer="0.76"), "answer", "is a literal"),
    (numeric_table(answer="evaluation.average_precision +"), "answer", "cannot parse"),
    (numeric_table(kind="essay"), "kind", "expected one of: single, multiple, numeric"),
    (numeric_table(id="9lives"), "id", "expected letters"),
    (numeric_table(id="test_rows"), "id", "generator's name"),
    (numeric_table(decimals=-1), "decimals", "0..10"),
    (numeric_table(hint="x"), "hint", "unknown key"),
    (numeric_table(options=[{"value": "evaluation.accuracy", "feedback": "f"}]), "options[0].misconception",
     "names the misconception"),
    ({"kind": "single", "prompt": "?", "explanation": "e",
      "options": [{"text": "a", "correct": True, "feedback": "f"},
                  {"text": "b", "correct": True, "feedback": "f"}]}, "options", "exactly one correct"),
    ({"kind": "single", "prompt": "?", "explanation": "e",
      "options": [{"text": "a", "correct": True, "feedback": "f"},
                  {"text": "a", "correct": False, "feedback": "f", "misconception": "m"}]},
     "options[1].text", "repeats an earlier option"),
    ({"kind": "multiple", "prompt": "?", "explanation": "e",
      "options": [{"text": "a", "correct": True, "feedback": "f", "misconception": "m"},
                  {"text": "b", "correct": False, "feedback": "f", "misconception": "m"}]},
     "options[0].misconception", "a right option models no misconception"),
])
def test_malformed_hand_written_question_is_a_spec_error(table, field, message):
    """Each malformed [[quiz.questions]] table is rejected, naming the question and field."""
    spec = spec_with_quiz({"questions": [table]})
    with pytest.raises(SpecError, match=re.escape(f"quiz.questions[0].{field}: ") + f".*{re.escape(message)}"):
        quiz.check_quiz(spec)


@pytest.mark.parametrize("option, field, message", [
    ({"text": "b", "correct": "yes", "feedback": "f", "misconception": "m"}, "options[1].correct", "true or false"),
    ({"text": " ", "correct": False, "feedback": "f", "misconception": "m"}, "options[1].text", "missing"),
    ({"text": "b", "correct": False, "feedback": "", "misconception": "m"}, "options[1].feedback", "carries feedback"),
    ({"text": "b", "correct": False, "feedback": "f", "misconception": "m", "value": "x"}, "options[1].value",
     "unknown key"),
])
def test_malformed_choice_option_names_the_option(option, field, message):
    """A bad option is reported with its index and key."""
    table = {"kind": "single", "prompt": "?", "explanation": "e",
             "options": [{"text": "a", "correct": True, "feedback": "f"}, option]}
    with pytest.raises(SpecError, match=re.escape(f"lesson.md: quiz.questions[0].{field}: ") + f".*{message}"):
        check_hand_written(Path("lesson.md"), [table], reserved_ids=())


def test_ids_are_unique_and_not_reserved():
    """Two questions may not share an id, and none may take a reserved (generator) name."""
    table = numeric_table(id="gap")
    with pytest.raises(SpecError, match=r"quiz\.questions\[1\]\.id: id 'gap' is used twice"):
        check_hand_written(Path("l.md"), [table, table], reserved_ids=())
    with pytest.raises(SpecError, match=r"quiz\.questions\[0\]\.id: id 'gap' is a generator's name"):
        check_hand_written(Path("l.md"), [table], reserved_ids={"gap"})
    unnamed = {key: value for key, value in numeric_table().items() if key != "id"}  # id "question-3"
    check_hand_written(Path("l.md"), [table, numeric_table(id="other"), unnamed], reserved_ids={"question-2"})
    with pytest.raises(SpecError, match=r"quiz\.questions\[2\]\.id: id 'question-3' is a generator's name"):
        check_hand_written(Path("l.md"), [table, numeric_table(id="other"), unnamed], reserved_ids={"question-3"})


def test_the_checks_import_nothing_of_the_quiz():
    """Input checks sit below the quiz in the import order: they may use tracegen.errors and the
    expression parser only, and the parser imports nothing of tracegen."""
    def imported(module):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        found = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        return {m for m in found if m.startswith("tracegen")}

    assert imported(questions) <= {"tracegen.errors", "tracegen.expression_syntax"}
    assert imported(expression_syntax) == set()
