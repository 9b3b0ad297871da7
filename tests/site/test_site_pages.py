"""Lesson pages: variants and their folders, the page-budget search, rendering as traces arrive, weights."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings, strategies as st

from tracegen.html.env import TEMPLATES_DIR
from tracegen.site import assets, compiled_environment, pages
from tracegen.site.report import PAGE_BUDGET
from tracegen.site.runs import PlannedRun

LIMITS = pages.TABLE_ROW_LIMITS


@pytest.fixture(scope="module")
def env():
    """The real templates, compiled once for this module."""
    return compiled_environment(TEMPLATES_DIR)


def test_variant_folders_and_labels(binary_trace):
    """The base run is the lesson's folder and 'Original'; retake k is v<k>/ under it."""
    base = pages.Variant(number=0, seed=1, trace=binary_trace, questions=())
    retake = pages.Variant(number=2, seed=3, trace=binary_trace, questions=())
    assert (base.directory("pr"), base.label) == ("pr/", "Original")
    assert (retake.directory("pr"), retake.label) == ("pr/v2/", "v2")
    assert pages._relative("pr/v2/", "pr/") == "../index.html"
    assert pages._relative("pr/", "pr/v2/") == "v2/index.html"


@settings(max_examples=300, deadline=None)
@given(growth=st.lists(st.integers(0, 3000), min_size=len(LIMITS) - 1, max_size=len(LIMITS) - 1),
       smallest=st.integers(PAGE_BUDGET - 8000, PAGE_BUDGET + 2000),
       start=st.integers(0, len(LIMITS) - 1))
def test_fitting_page_is_the_longest_tables_that_fit_from_any_start(growth, smallest, start):
    """Pages that grow with their tables: the search finds what trying every limit from the longest finds."""
    # Page sizes for the limits from the shortest tables (last) to the longest (first), never shrinking.
    sizes = dict(zip(reversed(LIMITS), itertools.accumulate(growth, initial=smallest)))
    rendered = []

    def render_at(max_rows):
        rendered.append(max_rows)
        return b"x" * sizes[max_rows]

    expected = next((i for i, rows in enumerate(LIMITS) if sizes[rows] <= PAGE_BUDGET), len(LIMITS) - 1)
    index, page = pages.fitting_page(render_at, 0, start)
    assert index == expected and page == render_at(LIMITS[expected])
    assert len(set(rendered)) == len(rendered) - 1  # no limit rendered twice by the search itself


def test_fitting_page_counts_the_assets():
    """The CSS and JS a page loads count against the budget: more asset bytes, shorter tables."""
    def render_at(max_rows):
        return b"x" * (PAGE_BUDGET - 1000 if max_rows is None else 100)

    assert pages.fitting_page(render_at, 0, 0)[0] == 0
    assert pages.fitting_page(render_at, 2000, 0)[0] == 1


def test_assemble_lesson_pairs_runs_with_traces_and_questions(binary_spec, binary_trace):
    """Each run becomes a variant with its number, its trace's seed and that trace's quiz."""
    from tracegen.quiz import make_questions

    runs = [PlannedRun(0, 0, binary_trace.seed, binary_trace.hash, "pr"),
            PlannedRun(0, 1, binary_trace.seed + 1, "other", "pr v1")]
    lesson = pages.assemble_lesson(binary_spec, runs, [binary_trace, binary_trace])
    assert lesson.spec is binary_spec
    assert [(v.number, v.seed) for v in lesson.variants] == [(0, binary_trace.seed), (1, binary_trace.seed)]
    assert lesson.variants[1].questions == make_questions(binary_spec, binary_trace)


def test_render_lessons_in_spec_order_whatever_the_arrival_order(env, binary_spec, binary_trace,
                                                                  multiclass_spec, multiclass_trace):
    """Traces arriving in any order give the same files and lessons in spec order; cached ones are not counted."""
    specs = [binary_spec, multiclass_spec]
    runs = [PlannedRun(0, 0, binary_trace.seed, binary_trace.hash, "a"),
            PlannedRun(1, 0, multiclass_trace.seed, multiclass_trace.hash, "b")]
    build = assets.build_info(True)
    arrivals = [(0, binary_trace, True), (1, multiclass_trace, False)]
    results = []
    for order in (arrivals, arrivals[::-1]):
        files = assets.site_frame(TEMPLATES_DIR)
        lessons, ran = pages.render_lessons(specs, runs, iter(order), env, build, files)
        results.append(files)
        assert [lesson.spec.name for lesson in lessons] == [binary_spec.name, multiclass_spec.name]
        assert ran == 1
    assert results[0] == results[1]
    for spec, trace in ((binary_spec, binary_trace), (multiclass_spec, multiclass_trace)):
        assert results[0][f"{spec.name}/trace.json"] == trace.to_json().encode()
        weight = len(results[0][f"{spec.name}/index.html"]) + pages.page_asset_bytes(results[0])
        assert weight <= PAGE_BUDGET


def test_lesson_pages_link_every_variant(env, binary_spec, binary_trace):
    """Each variant's page links the others relative to its own folder and marks itself current."""
    runs = [PlannedRun(0, n, binary_trace.seed + n, f"k{n}", f"pr v{n}") for n in range(2)]
    lesson = pages.assemble_lesson(binary_spec, runs, [binary_trace, binary_trace])
    files = pages.lesson_pages(lesson, env, assets.build_info(True), 0)
    name = binary_spec.name
    assert set(files) == {f"{name}/index.html", f"{name}/trace.json", f"{name}/v1/index.html", f"{name}/v1/trace.json"}
    assert 'href="v1/index.html"' in files[f"{name}/index.html"].decode()
    assert 'href="../index.html"' in files[f"{name}/v1/index.html"].decode()


def test_page_weights_add_the_assets_to_each_page(binary_spec, binary_trace):
    """A page's weight is its HTML plus the CSS and JS it loads; trace.json and other files do not count."""
    variants = tuple(pages.Variant(n, n, binary_trace, ()) for n in range(2))
    lesson = pages.LessonBuild(spec=binary_spec, variants=variants)
    name = binary_spec.name
    files = {f"{name}/index.html": b"x" * 10, f"{name}/v1/index.html": b"x" * 20, f"{name}/trace.json": b"x" * 99,
             "static/site.css": b"c" * 3, "static/site.js": b"j" * 4, "static/quiz.js": b"q" * 5,
             "static/index.css": b"i" * 1000}
    assert pages.page_asset_bytes(files) == 12
    assert pages.page_weights(files, [lesson]) == {f"{name}/index.html": 22, f"{name}/v1/index.html": 32}


def test_explorer_script_weighs_only_on_the_pages_that_load_it(binary_spec, binary_trace, multiclass_spec,
                                                              multiclass_trace, env):
    """explorer.js counts on a binary page (it has a threshold explorer), not on a multiclass one; the
    page-budget search counts it too: more script, shorter tables."""
    binary = pages.LessonBuild(spec=binary_spec, variants=(pages.Variant(0, 0, binary_trace, ()),))
    multiclass = pages.LessonBuild(spec=multiclass_spec, variants=(pages.Variant(0, 0, multiclass_trace, ()),))
    files = {f"{binary_spec.name}/index.html": b"x" * 10, f"{multiclass_spec.name}/index.html": b"x" * 20,
             "static/site.css": b"c" * 3, "static/site.js": b"j" * 4, "static/quiz.js": b"q" * 5,
             pages.EXPLORER_ASSET: b"e" * 7}
    assert pages.has_explorer(binary_trace) and not pages.has_explorer(multiclass_trace)
    assert pages.page_weights(files, [binary, multiclass]) == {f"{binary_spec.name}/index.html": 29,
                                                               f"{multiclass_spec.name}/index.html": 32}
    build = assets.build_info(True)
    light = pages.lesson_pages(binary, env, build, 0, explorer_bytes=0)[f"{binary_spec.name}/index.html"]
    heavy = pages.lesson_pages(binary, env, build, 0,
                               explorer_bytes=PAGE_BUDGET - len(light) + 1)[f"{binary_spec.name}/index.html"]
    assert len(heavy) < len(light)
