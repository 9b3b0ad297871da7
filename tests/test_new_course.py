"""`tracegen new DIR`: a starter course that builds at once, and refuses to write over anything."""

from __future__ import annotations

from tests.conftest import ROOT
from tracegen.cli import main
from tracegen.resources import STARTER


def test_new_writes_a_course_that_builds_and_checks(tmp_path, capsys, monkeypatch):
    course = tmp_path / "course"
    assert main(["new", str(course)]) == 0
    assert f"next: cd {course} && tracegen build" in capsys.readouterr().out
    lessons = sorted(p.name for p in (course / "lessons").iterdir())
    assert lessons == ["moving-the-threshold.md", "three-classes-of-wine.md"]
    assert (course / ".gitignore").read_text(encoding="utf-8").splitlines()[1:] == ["site/", ".tracegen-cache/"]
    assert 'order = ["moving-the-threshold", "three-classes-of-wine"]' in (course / "tracegen.toml").read_text(
        encoding="utf-8")
    monkeypatch.chdir(course)
    assert main(["build", "--reproducible", "-q", "-j", "1"]) == 0
    assert "My course</a>" in (course / "site" / "index.html").read_text(encoding="utf-8")
    assert {p.name for p in (course / "site").iterdir() if p.is_dir()} == {
        "moving-the-threshold", "three-classes-of-wine", "static"}
    assert main(["check", "--seeds", "0-4", "--no-cache", "-q", "-j", "1"]) == 0


def test_new_refuses_a_folder_that_holds_something(tmp_path, capsys):
    (tmp_path / "mine.txt").write_text("keep", encoding="utf-8")
    assert main(["new", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == (f"tracegen: error: {tmp_path}: new: exists and is not an empty folder; "
                                               "give a new folder for the course")
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]


def test_the_binary_starter_is_the_authoring_guides_worked_lesson():
    """One lesson, two places: the guide's worked example is what `new` hands out, less its opening comments."""
    starter = (STARTER / "moving-the-threshold.md").read_text(encoding="utf-8").splitlines()
    worked = (ROOT / "docs" / "examples" / "worked-lesson.md").read_text(encoding="utf-8").splitlines()
    assert [line for line in starter if not line.startswith("# ")] == worked
