"""build_site and build_predictions: they return a report, print nothing, and refuse what cannot be built."""

from __future__ import annotations

import dataclasses
import re

import pytest

from tests.conftest import write_tiny_lesson
from tracegen import site
from tracegen.errors import TracegenError
from tracegen.html.env import TEMPLATES_DIR
from tracegen.site.report import PAGE_BUDGET, SiteReport
from tracegen.spec import load_lesson


def test_default_templates_are_tracegens_templates():
    """The site finds tracegen's templates folder without importing render."""
    assert site.DEFAULT_TEMPLATES == TEMPLATES_DIR


def test_over_budget_lists_the_pages_heavier_than_the_budget(tmp_path):
    """Only pages over PAGE_BUDGET bytes are over budget; a page exactly at it is not."""
    report = SiteReport(out=tmp_path, files=(), search_index_bytes=0,
                        page_weights={"a/index.html": PAGE_BUDGET, "b/index.html": PAGE_BUDGET + 1})
    assert report.over_budget == ("b/index.html",)


def test_build_site_reports_and_prints_nothing(tmp_path, capsys):
    """A build returns what it wrote (files, page weights, runs) and leaves all printing to the CLI."""
    spec = load_lesson(write_tiny_lesson(tmp_path, name="tiny"))
    out = tmp_path / "site"
    report = site.build_site([spec], out, reproducible=True, variants=1)
    assert capsys.readouterr() == ("", "")
    assert report.out == out and (report.runs, report.from_cache, report.unchanged) == (2, 0, False)
    assert set(report.files) == {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert set(report.page_weights) == {"tiny/index.html", "tiny/v1/index.html"}
    assert report.search_index_bytes == (out / "search-index.js").stat().st_size


def test_unchanged_site_is_reported_without_a_build(tmp_path, capsys):
    """With a cache, a second identical build reports the site unchanged and every run as cached."""
    spec = load_lesson(write_tiny_lesson(tmp_path, name="tiny"))
    out, cache = tmp_path / "site", tmp_path / "cache"
    first = site.build_site([spec], out, reproducible=True, cache_dir=cache)
    again = site.build_site([spec], out, reproducible=True, cache_dir=cache)
    assert capsys.readouterr() == ("", "")
    assert again.unchanged and (again.runs, again.from_cache) == (1, 1)
    assert dataclasses.replace(again, unchanged=False, seconds=0.0, runs=1, from_cache=0) == \
        dataclasses.replace(first, seconds=0.0)


def test_two_lessons_with_one_name_are_refused(tmp_path):
    """Two lessons named alike would share a folder: one error, before anything runs."""
    spec = load_lesson(write_tiny_lesson(tmp_path, name="tiny"))
    with pytest.raises(TracegenError, match="tiny: lesson: two lessons share this name"):
        site.build_site([spec, spec], tmp_path / "site")
    assert not (tmp_path / "site").exists()


def test_build_predictions_reports_and_prints_nothing(tmp_path, capsys):
    """The predictions page's report holds what the CLI prints: rows, questions and the page weight."""
    path = tmp_path / "scores.csv"
    path.write_text("y_true,score\n" + "".join(f"{i % 2},{(i % 10) / 10 + 0.05:.2f}\n" for i in range(60)),
                    encoding="utf-8")
    out = tmp_path / "site"
    report = site.build_predictions(path, out, reproducible=True)
    assert capsys.readouterr() == ("", "")
    assert (report.out, report.source, report.rows) == (out, path, 60)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert report.questions == len(re.findall(r"<legend>", page)) > 0
    assets = sum((out / "static" / name).stat().st_size for name in ("site.css", "site.js", "quiz.js"))
    assert report.page_weight == len(page.encode()) + assets
    assert (out / "trace.json").is_file()


def test_a_course_of_retakes_lists_the_heaviest_pages_and_every_page_over_budget(tmp_path):
    """Past MAX_LISTED_PAGES pages the summary names the five heaviest and each page over the budget."""
    from tracegen.site.report import MAX_LISTED_PAGES

    weights = {f"l/v{n}/index.html": 1000 + n for n in range(MAX_LISTED_PAGES + 10)}
    weights["l/v3/index.html"] = PAGE_BUDGET + 1
    lines = SiteReport(out=tmp_path, files=(), search_index_bytes=0, page_weights=weights).weight_lines()
    assert lines[0] == f"{len(weights)} lesson pages, 1 over the budget; the heaviest:"
    listed = [line.split()[0] for line in lines[1:-1]]
    heaviest = sorted(weights, key=lambda p: -weights[p])[:5]
    assert listed == heaviest and "l/v3/index.html" in listed
    assert lines[-1].startswith("search-index.js")
    few = SiteReport(out=tmp_path, files=(), search_index_bytes=0, page_weights={"a/index.html": 10})
    assert [line.split()[0] for line in few.weight_lines()] == ["a/index.html", "search-index.js"]
