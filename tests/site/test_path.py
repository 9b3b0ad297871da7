"""The lessons' path: prerequisites first, ties in the given (course) order, bad prerequisites one error line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import TINY_DATA, write_lesson
from tracegen.cli import main
from tracegen.config import ordered
from tracegen.errors import SpecError
from tracegen.site.path import lesson_path, path_nav
from tracegen.spec import LessonSpec, parse_lesson


def spec(name: str, *prerequisites: str) -> LessonSpec:
    """Return a lesson named `name` with these prerequisites (never run: only its front matter matters)."""
    data = {"epochs": 1, "dataset": {"source": "iris"}, "title": name.upper(), "prerequisites": list(prerequisites)}
    return parse_lesson(data, Path(f"lessons/{name}.md"))


def names(specs) -> list[str]:
    return [s.name for s in specs]


def test_every_lesson_comes_after_its_prerequisites():
    """Given in the wrong order, the lessons are put after what they need, whatever the input order."""
    lessons = [spec("roc", "pr"), spec("threshold", "roc", "pr"), spec("pr", "matrix"), spec("matrix")]
    assert names(lesson_path(lessons)) == ["matrix", "pr", "roc", "threshold"]
    assert names(lesson_path(lessons[::-1])) == ["matrix", "pr", "roc", "threshold"]


def test_ties_keep_the_given_order():
    """Lessons free to come next come in the order given; without prerequisites the order is unchanged."""
    free = [spec("c"), spec("a"), spec("b")]
    assert names(lesson_path(free)) == ["c", "a", "b"]
    # b and c both wait only for a: they follow in the given order (c first), not by name.
    assert names(lesson_path([spec("c", "a"), spec("b", "a"), spec("a")])) == ["a", "c", "b"]
    # A lesson freed later is placed by its rank among the lessons free at that moment.
    assert names(lesson_path([spec("x", "z"), spec("y"), spec("z")])) == ["y", "z", "x"]


def test_the_course_order_breaks_ties(tmp_path):
    """The course's `order` setting (cli: config.ordered) decides between lessons the prerequisites leave free."""
    paths = [tmp_path / f"{name}.md" for name in ("alpha", "beta", "gamma", "delta")]
    given = ordered(paths, ("gamma", "beta"), None)
    assert [p.stem for p in given] == ["gamma", "beta", "alpha", "delta"]
    prerequisites = {"alpha": (), "beta": ("alpha",), "gamma": ("alpha",), "delta": ()}
    lessons = [spec(p.stem, *prerequisites[p.stem]) for p in given]
    assert names(lesson_path(lessons)) == ["alpha", "gamma", "beta", "delta"]


def test_prerequisites_left_out_of_a_partial_build_are_skipped():
    """A lesson of the folder that the build leaves out is no error, and the path is made of the lessons present."""
    lessons = [spec("roc", "pr"), spec("threshold", "roc")]
    assert names(lesson_path(lessons, elsewhere={"pr", "matrix"})) == ["roc", "threshold"]


@pytest.mark.parametrize(("lessons", "file", "message"), [
    ([spec("a", "nope")], "lessons/a.md", "no lesson named 'nope' in this build"),
    ([spec("a", "b"), spec("b", "a")], "lessons/a.md", "a cycle: a -> b -> a;"),
    ([spec("start"), spec("a", "start", "c"), spec("b", "a"), spec("c", "b")], "lessons/a.md",
     "a cycle: a -> c -> b -> a;"),
])
def test_unknown_lessons_and_cycles_are_one_error(lessons, file, message):
    """The error names the lesson file and the field, and the lessons involved."""
    with pytest.raises(SpecError) as caught:
        lesson_path(lessons)
    assert caught.value.file == file and caught.value.field == "prerequisites"
    assert message in caught.value.message


@pytest.mark.parametrize(("value", "message"), [
    ("matrix", "expected a list of lesson names"),
    (["me"], "names this lesson itself ('me')"),
    (["a", "a"], "names 'a' twice"),
    (["../a"], "expected lesson names"),
    ([3], "expected lesson names"),
])
def test_the_spec_checks_the_list(value, message):
    """The front matter's list itself: a list of lesson names, each once, never the lesson's own."""
    with pytest.raises(SpecError, match=re.escape(message)) as caught:
        parse_lesson({"epochs": 1, "dataset": {"source": "iris"}, "prerequisites": value}, Path("me.md"))
    assert caught.value.field == "prerequisites"


def test_prerequisites_do_not_change_the_run():
    """Where a lesson sits on the path is no part of its trace hash (its runs stay cached)."""
    assert spec("a", "b").pipeline_dict() == spec("a").pipeline_dict()


def test_path_nav_links_the_neighbours_originals():
    """From an original page and a retake page, previous/next lead to the neighbours' original pages."""
    path = [spec("a"), spec("b"), spec("c")]
    first, middle = path_nav("a/", path, 0), path_nav("b/v2/", path, 1)
    assert first.previous is None and (first.next.label, first.next.href) == ("B", "../b/index.html")
    assert (middle.previous.label, middle.previous.href) == ("A", "../../a/index.html")
    assert (middle.next.label, middle.next.href) == ("C", "../../c/index.html")
    assert path_nav("c/", path, 2).next is None


LINK = re.compile(r'<a href="([^"]+)" rel="(prev|next)">([^<]*)</a>')
WORDS = {"prev": "← Previous: {}", "next": "Next: {} →"}


def test_a_built_site_follows_the_path(tmp_path):
    """Index numbered in path order with 'After:' links; every page (retakes too) links its neighbours twice."""
    folder = tmp_path / "lessons"
    folder.mkdir()
    fronts = {"zeta": [], "alpha": ["zeta"], "mu": ["zeta"]}
    for name, needs in fronts.items():
        write_lesson(folder, f'title = "{name.title()}"\nprerequisites = {json.dumps(needs)}\nepochs = 2\n{TINY_DATA}',
                     name=name)
    out = tmp_path / "site"
    assert main(["--lessons", str(folder), "build", "--out", str(out), "--reproducible", "--no-cache",
                 "--quiet", "--variants", "1"]) == 0
    order = ["zeta", "alpha", "mu"]  # zeta first (both need it), then the free ones by file name
    index = (out / "index.html").read_text(encoding="utf-8")
    titles = re.findall(r'<h2><a href="([^"]+)/index.html">', index)
    assert titles == order
    assert re.findall(r'<p class="eyebrow">Lesson (\d+)', index) == ["1", "2", "3"]
    assert index.count('After: <a href="zeta/index.html">Zeta</a>') == 2
    for position, name in enumerate(order):
        for page in (out / name / "index.html", out / name / "v1" / "index.html"):
            links = LINK.findall(page.read_text(encoding="utf-8"))
            expected = []
            if position > 0:
                expected.append(("prev", order[position - 1]))
            if position < len(order) - 1:
                expected.append(("next", order[position + 1]))
            found = [(rel, (page.parent / href).resolve()) for href, rel, _ in links]
            # Near the top and at the end of the lesson: the same links twice.
            assert found == [(rel, (out / other / "index.html").resolve()) for rel, other in expected] * 2, page
            assert all(target.is_file() for _, target in found)
            assert [text for _, _, text in links] == [WORDS[rel].format(other.title()) for rel, other in expected] * 2


def test_a_bad_prerequisite_stops_the_build_before_anything_runs(tmp_path, capsys):
    """One error line naming the file and field, exit 2, and no site."""
    folder = tmp_path / "lessons"
    folder.mkdir()
    write_lesson(folder, f'prerequisites = ["b"]\nepochs = 2\n{TINY_DATA}', name="a")
    write_lesson(folder, f'prerequisites = ["a"]\nepochs = 2\n{TINY_DATA}', name="b")
    assert main(["--lessons", str(folder), "build", "--out", str(tmp_path / "site"), "--no-cache", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (f"tracegen: error: {folder / 'a.md'}: prerequisites: a cycle: a -> b -> a; "
                           "a lesson cannot come (directly or indirectly) before itself")
    assert not (tmp_path / "site").exists()


def test_building_one_lesson_of_a_folder_skips_its_prerequisites(tmp_path):
    """`tracegen build B` where B needs A of the same folder: built alone, with no previous/next links."""
    folder = tmp_path / "lessons"
    folder.mkdir()
    write_lesson(folder, f"epochs = 2\n{TINY_DATA}", name="a")
    write_lesson(folder, f'prerequisites = ["a"]\nepochs = 2\n{TINY_DATA}', name="b")
    out = tmp_path / "site"
    assert main(["--lessons", str(folder), "build", "b", "--out", str(out), "--no-cache", "--quiet"]) == 0
    assert not LINK.findall((out / "b" / "index.html").read_text(encoding="utf-8"))
    assert "After:" not in (out / "index.html").read_text(encoding="utf-8")


def test_a_lesson_named_by_path_may_need_lessons_beside_it(tmp_path, monkeypatch):
    """`tracegen build other/b.md` from elsewhere: a prerequisite beside b.md is skipped, not an error."""
    folder = tmp_path / "other"
    folder.mkdir()
    write_lesson(folder, f"epochs = 2\n{TINY_DATA}", name="a")
    lesson = write_lesson(folder, f'prerequisites = ["a"]\nepochs = 2\n{TINY_DATA}', name="b")
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    assert main(["build", str(lesson), "--out", "site", "--no-cache", "--quiet"]) == 0
    assert (tmp_path / "here" / "site" / "b" / "index.html").is_file()
