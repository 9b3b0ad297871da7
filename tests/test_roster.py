"""roster.py: each learner gets a retake of every lesson, and keeps it as the roster grows or is reordered."""

from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import write_tiny_lesson
from tracegen.cli import main
from tracegen.errors import UsageError
from tracegen.roster import Assignment, assign, assigned_table, learners_table, load_roster


def roster(tmp_path, text, name="roster.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rows(table):
    """Return the written table's rows by learner."""
    return {row["learner"]: row for row in csv.DictReader(io.StringIO(table.read_text(encoding="utf-8")))}


def test_new_learners_get_the_lowest_unused_retake_and_nobody_moves():
    first = assign([("ann", None), ("bob", None), ("cy", None)], {})
    assert first == [Assignment("ann", 1), Assignment("bob", 2), Assignment("cy", 3)]
    previous = {a.learner: a.variant for a in first}
    # The roster grew at the front and was reordered; bob left. Everyone keeps their retake.
    later = assign([("dee", None), ("cy", None), ("ann", None), ("eve", None)], previous)
    assert later == [Assignment("dee", 2), Assignment("cy", 3), Assignment("ann", 1), Assignment("eve", 4)]
    # A retake given in the roster wins over the previous table.
    assert assign([("ann", 7), ("bob", None)], previous) == [Assignment("ann", 7), Assignment("bob", 2)]


def test_one_retake_for_two_learners_is_refused():
    with pytest.raises(UsageError, match="retake 2 is given to both 'ann' and 'bob'"):
        assign([("ann", 2), ("bob", None)], {"bob": 2})


@pytest.mark.parametrize(("text", "message"), [
    ("name\nann\n", "the first line must name the columns, one of them 'learner'"),
    ("learner\n", "lists no learners"),
    ("learner\nann\nann\n", "roster.csv:3: learner: listed twice (first on line 2)"),
    ("learner,variant\nann,0\n", "roster.csv:2: variant: expected a retake number 1-2000, got '0'"),
    ("learner,variant\nann,٣\n", "roster.csv:2: variant: expected a retake number"),
    ("learner\n=HYPERLINK(1)\n", "roster.csv:2: learner: starts with '=', which a spreadsheet would run"),
    ("learner,email\nann,a@x\n,b@x\n", "roster.csv:3: learner: expected a name or id"),
])
def test_a_malformed_roster_is_one_line(tmp_path, text, message):
    with pytest.raises(UsageError) as error:
        load_roster(roster(tmp_path, text))
    assert message in error.value.one_line()


def test_the_table_lists_each_learners_page_of_every_lesson():
    table = learners_table([Assignment("ann", 2), Assignment("bo, jr", 1)], ["roc-curve", "tiny"])
    assert list(csv.reader(io.StringIO(table))) == [
        ["learner", "variant", "roc-curve", "tiny"],
        ["ann", "2", "roc-curve/v2/index.html", "tiny/v2/index.html"],
        ["bo, jr", "1", "roc-curve/v1/index.html", "tiny/v1/index.html"]]


def test_build_with_learners_writes_the_table_and_keeps_it_when_the_roster_grows(tmp_path, capsys):
    lesson = write_tiny_lesson(tmp_path, name="tiny")
    path = roster(tmp_path, "learner,email\nann,a@x\nbob,b@x\n")
    out = tmp_path / "site"
    args = ["build", str(lesson), "--out", str(out), "--learners", str(path), "--reproducible", "-q", "-j", "1"]
    assert main(args) == 0
    table = assigned_table(path)
    assert f"wrote {table}: 2 learner(s)" in capsys.readouterr().out
    first = rows(table)
    assert {name: row["variant"] for name, row in first.items()} == {"ann": "1", "bob": "2"}
    assert all((out / row["tiny"]).is_file() for row in first.values())
    # New learners at the top of the roster: ann and bob keep their pages, the newcomers get 3 and 4.
    path.write_text("learner,email\ncy,c@x\nann,a@x\ndee,d@x\nbob,b@x\n", encoding="utf-8")
    assert main(args) == 0
    second = rows(table)
    assert {name: row["variant"] for name, row in second.items()} == {"cy": "3", "ann": "1", "dee": "4", "bob": "2"}
    assert all((out / row["tiny"]).is_file() for row in second.values())
    assert (out / "tiny" / "v4" / "index.html").is_file() and not (out / "tiny" / "v5").exists()
