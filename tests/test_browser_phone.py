"""Phones and paper, in Debian's chromium: no page scrolls sideways at 390 px, and a lesson prints on A4
in about a dozen pages.

Every kind of page is measured: each catalogue lesson and its retakes (--variants 2), the index, a
lesson's retakes page (more retakes than a page lists) and a predictions page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import LESSONS
from tests.test_browser import browser  # noqa: F401  (the shared chromium fixture: fails in CI, skips elsewhere)
from tests.test_catalogue import CATALOGUE
from tests.test_predictions import multiclass_csv
from tracegen.cli import main
from tracegen.site.variants import LISTED_RETAKES

PHONE = 390
DESKTOP = 1280
# Before the print stylesheet a lesson took 13-17 A4 pages (charts full width, the data-flow table
# cut off, a page per long table); with it they take 8-12. 14 leaves room for a little more content
# while still catching a print rule that stops working (a lost rule adds several pages at once).
MAX_PRINTED_PAGES = 14

# The elements sticking out past the viewport that are not inside a box that scrolls or clips:
# what makes a page scroll sideways, named so a failure says where to look.
OFFENDERS = """(width) => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.getBoundingClientRect().right <= width + 0.5) continue;
    let box = el.parentElement, contained = false;
    for (; box && box !== document.body; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== 'visible') { contained = true; break; }
    }
    if (!contained) out.push(el.tagName.toLowerCase() + '.' + (el.getAttribute('class') || ''));
  }
  return out.slice(0, 5);
}"""


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Path]:
    """The catalogue with two retakes per lesson, one lesson with its own retakes page, and a predictions page."""
    root = tmp_path_factory.mktemp("phone")
    built = {"catalogue": root / "catalogue", "retakes": root / "retakes", "predictions": root / "predictions"}
    assert main(["--lessons", str(LESSONS), "build", "--variants", "2", "--out", str(built["catalogue"]),
                 "--reproducible", "--quiet"]) == 0
    assert main(["--lessons", str(LESSONS), "build", "roc-curve", "--variants", str(LISTED_RETAKES + 1),
                 "--out", str(built["retakes"]), "--reproducible", "--quiet"]) == 0
    assert main(["build", "--predictions", str(multiclass_csv(root)), "--out", str(built["predictions"]),
                 "--reproducible", "--quiet"]) == 0
    assert (built["retakes"] / "roc-curve" / "retakes" / "index.html").is_file()
    return built


def every_page(sites: dict[str, Path]) -> list[Path]:
    """Return every HTML page of the built sites."""
    return [page for site in sites.values() for page in sorted(site.rglob("*.html"))]


def test_every_page_kind_is_measured(sites):
    """The pages measured include each lesson, its two retakes, the index, a retakes page and predictions."""
    names = {page.relative_to(site).as_posix() for site in sites.values() for page in site.rglob("*.html")}
    for lesson in CATALOGUE:
        assert {f"{lesson}/index.html", f"{lesson}/v1/index.html", f"{lesson}/v2/index.html"} <= names
    assert {"index.html", "roc-curve/retakes/index.html"} <= names


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_no_page_scrolls_sideways(browser, sites, width):  # noqa: F811
    """document.documentElement.scrollWidth <= the viewport on every page (at 1280 px, every page but the
    retakes, which share their lesson's layout); wide tables scroll in their own box."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    wide = {}
    for path in every_page(sites):
        if width == DESKTOP and re.search(r"/v\d+/", path.as_posix()):
            continue
        page.goto(path.resolve().as_uri())
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            wide[path.as_posix()] = (scroll_width, page.evaluate(OFFENDERS, width))
    context.close()
    assert wide == {}


def test_wide_tables_scroll_in_a_labelled_focusable_box(browser, sites):  # noqa: F811
    """At 390 px every table wider than its section sits in a region a keyboard user can focus and scroll."""
    context = browser.new_context(viewport={"width": PHONE, "height": 800})
    page = context.new_page()
    unboxed = {}
    for lesson in ("heat-maps", "confusion-matrix", "training-curves", "classification-report"):
        page.goto((sites["catalogue"] / lesson / "index.html").resolve().as_uri())
        unboxed[lesson] = page.evaluate("""() => Array.from(document.querySelectorAll('table'))
            .filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)
            .filter(t => { const box = t.closest('.table-scroll');
                           return !box || box.getAttribute('role') !== 'region' || !box.getAttribute('aria-label')
                                  || box.tabIndex !== 0; })
            .map(t => t.className)""")
    context.close()
    assert unboxed == {lesson: [] for lesson in unboxed}


def test_a_lesson_prints_on_a_dozen_a4_pages(browser, sites):  # noqa: F811
    """Every lesson prints (A4, print media, details opened) in at most MAX_PRINTED_PAGES pages, controls hidden."""
    context = browser.new_context()
    page = context.new_page()
    printed = {}
    for lesson in CATALOGUE:
        page.goto((sites["catalogue"] / lesson / "index.html").resolve().as_uri())
        pdf = page.pdf(format="A4")
        printed[lesson] = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    page.emulate_media(media="print")
    hidden = page.evaluate("""() => ['.site-header', '.toc', '.quiz-bar', '.question button']
        .map(s => getComputedStyle(document.querySelector(s)).display)""")
    context.close()
    assert all(1 <= pages <= MAX_PRINTED_PAGES for pages in printed.values()), printed
    assert hidden == ["none"] * 4


def test_the_explanation_comes_first_at_desktop_width(browser, sites):  # noqa: F811
    """At 1280 px, on every lesson page and retake, the author's first paragraph sits above the page's first
    data table and above the quiz, and the page links the previous and the next lesson on the path."""
    context = browser.new_context(viewport={"width": DESKTOP, "height": 800})
    page = context.new_page()
    found = {}
    for path in sorted(sites["catalogue"].rglob("*/index.html")):
        page.goto(path.resolve().as_uri())
        found[path.relative_to(sites["catalogue"]).as_posix()] = page.evaluate("""() => {
            const top = el => el ? el.getBoundingClientRect().top + window.scrollY : Infinity;
            const first = document.querySelector('#insight .prose p');
            return {first: !!first,
                    aboveTable: top(first) < top(document.querySelector('table')),
                    aboveQuiz: top(first) < top(document.querySelector('#quiz')),
                    links: Array.from(document.querySelectorAll('a[rel=prev], a[rel=next]')).map(a => a.rel)};
        }""")
    context.close()
    lessons = {name: seen for name, seen in found.items() if name.split("/")[0] in CATALOGUE}
    assert len(lessons) == 3 * len(CATALOGUE)
    assert all(seen["first"] and seen["aboveTable"] and seen["aboveQuiz"] for seen in lessons.values()), lessons
    # The path's ends link one way; every other lesson both ways.
    assert all(seen["links"] and set(seen["links"]) <= {"prev", "next"} for seen in lessons.values())
    assert sum(set(seen["links"]) == {"prev", "next"} for seen in lessons.values()) == 3 * (len(CATALOGUE) - 2)
