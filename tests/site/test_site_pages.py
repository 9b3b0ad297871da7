"""Lesson pages: variants and their folders, the page-budget search, rendering as traces arrive, weights."""

from __future__ import annotations

import dataclasses
import gc
import itertools
import weakref

import pytest
from hypothesis import given, settings, strategies as st

from tracegen.html.env import TEMPLATES_DIR
from tracegen.site import assets, compiled_environment, pages
from tracegen.site.report import PAGE_BUDGET
from tracegen.site.runs import PlannedRun
from tracegen.site.variants import QuizSlot, Variant
from tracegen.trace import Trace

LIMITS = pages.TABLE_ROW_LIMITS


@pytest.fixture(scope="module")
def env():
    """The real templates, compiled once for this module."""
    return compiled_environment(TEMPLATES_DIR)


def test_variant_folders_and_labels():
    """The base run is the lesson's folder and 'Original'; retake k is v<k>/ under it."""
    base, retake = Variant(number=0, seed=1), Variant(number=2, seed=3)
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


def maker_for(env, frame=None, **fields):
    """A PageMaker over the real templates and static files (or `frame`'s), reproducible."""
    frame = assets.site_frame(TEMPLATES_DIR) if frame is None else frame
    return pages.PageMaker(env, assets.build_info(True), pages.page_asset_bytes(frame),
                           len(frame.get(pages.EXPLORER_ASSET, b"")), **fields)


def copies(trace, count):
    """Return `count` traces equal to `trace` but distinct objects (as runs arriving from workers are)."""
    return [Trace.from_json(trace.to_json()) for _ in range(count)]


def test_rendered_variants_keep_their_run_seed_quiz_and_weight(env, binary_spec, binary_trace):
    """Each run becomes a variant with its number, the seed its trace was run at (a retake's replacement seed
    when the planned one made a claim false), its trace's quiz slots and its page weight."""
    from tracegen.quiz import make_questions

    runs = [PlannedRun(0, n, binary_trace.seed + n, f"k{n}", f"pr v{n}") for n in range(2)]
    files: dict[str, bytes] = {}
    maker = maker_for(env)
    base, retake = copies(binary_trace, 2)
    retake = dataclasses.replace(retake, seed=binary_trace.seed + 2001)
    rendered = pages.render_lessons([binary_spec], runs, iter([(0, base, False), (1, retake, False)]), maker,
                                    files.__setitem__)
    [lesson] = rendered.lessons
    assert lesson.spec is binary_spec and lesson.base == binary_trace
    assert [(v.number, v.seed) for v in lesson.variants] == [(0, binary_trace.seed), (1, binary_trace.seed + 2001)]
    questions = pages.site_questions(binary_spec, binary_trace)
    assert questions == make_questions(binary_spec, binary_trace)
    assert lesson.variants[1].quiz == tuple(QuizSlot(q.id, q.kind, len(q.options)) for q in questions)
    name = binary_spec.name
    assert rendered.page_weights == {page: len(files[page]) + maker.loaded_bytes(binary_trace)
                                     for page in (f"{name}/index.html", f"{name}/v1/index.html")}
    assert rendered.ran == 2


def test_render_lessons_in_spec_order_whatever_the_arrival_order(env, binary_spec, binary_trace,
                                                                  multiclass_spec, multiclass_trace):
    """Traces arriving in any order give the same files and lessons in spec order; cached ones are not counted."""
    specs = [binary_spec, multiclass_spec]
    runs = [PlannedRun(0, 0, binary_trace.seed, binary_trace.hash, "a"),
            PlannedRun(1, 0, multiclass_trace.seed, multiclass_trace.hash, "b")]
    arrivals = [(0, binary_trace, True), (1, multiclass_trace, False)]
    results = []
    for order in (arrivals, arrivals[::-1]):
        files: dict[str, bytes] = {}
        rendered = pages.render_lessons(specs, runs, iter(order), maker_for(env), files.__setitem__)
        results.append(files)
        assert [lesson.spec.name for lesson in rendered.lessons] == [binary_spec.name, multiclass_spec.name]
        assert rendered.ran == 1
        assert all(weight <= PAGE_BUDGET for weight in rendered.page_weights.values())
    assert results[0] == results[1]
    for spec, trace in ((binary_spec, binary_trace), (multiclass_spec, multiclass_trace)):
        assert results[0][f"{spec.name}/trace.json"] == trace.to_json().encode()


def test_retake_traces_are_let_go_once_their_pages_are_written(env, binary_spec, binary_trace):
    """Each variant's files are written before the next trace arrives, and once render_lessons returns no
    retake's trace is referenced any more (the base run's stays, for the search index)."""
    count = 4
    runs = [PlannedRun(0, n, binary_trace.seed + n, f"k{n}", f"pr v{n}") for n in range(count)]
    written: dict[str, bytes] = {}
    alive: list[weakref.ref] = []

    def arrivals():
        for number in range(count):
            if number:  # the previous variant's page is on disk before this run is asked for
                assert Variant(number - 1, 0).directory(binary_spec.name) + "index.html" in written
            [trace] = copies(binary_trace, 1)
            alive.append(weakref.ref(trace))
            yield number, trace, False
            del trace

    rendered = pages.render_lessons([binary_spec], runs, arrivals(), maker_for(env), written.__setitem__)
    gc.collect()
    assert alive[0]() is rendered.lessons[0].base
    assert [ref() for ref in alive[1:]] == [None] * (count - 1)


def test_render_lessons_refuses_a_lesson_out_of_plan_order(env, binary_spec, binary_trace):
    """A lesson's retakes must arrive in plan order (each page's search starts where the previous ended)."""
    runs = [PlannedRun(0, n, binary_trace.seed + n, f"k{n}", f"pr v{n}") for n in range(2)]
    with pytest.raises(RuntimeError, match="before v0"):
        pages.render_lessons([binary_spec], runs, iter([(1, binary_trace, False)]), maker_for(env), dict().__setitem__)


def test_lesson_pages_link_every_variant(env, binary_spec, binary_trace):
    """Each variant's page links the others relative to its own folder and marks itself current."""
    files = pages.lesson_pages(binary_spec, [(trace, ()) for trace in copies(binary_trace, 2)], maker_for(env))
    name = binary_spec.name
    assert set(files) == {f"{name}/index.html", f"{name}/trace.json", f"{name}/v1/index.html", f"{name}/v1/trace.json"}
    assert 'href="v1/index.html"' in files[f"{name}/index.html"].decode()
    assert 'href="../index.html"' in files[f"{name}/v1/index.html"].decode()


def test_page_weights_add_the_assets_to_each_page(env):
    """A page loads the CSS and JS of PAGE_ASSETS; other files (index.css, trace.json) do not count."""
    frame = {"static/site.css": b"c" * 3, "static/site.js": b"j" * 4, "static/quiz.js": b"q" * 5,
             "static/index.css": b"i" * 1000, "a/trace.json": b"x" * 99}
    assert pages.page_asset_bytes(frame) == 12


def test_explorer_script_weighs_only_on_the_pages_that_load_it(binary_spec, binary_trace, multiclass_spec,
                                                              multiclass_trace, env):
    """explorer.js counts on a binary page (it has a threshold explorer), not on a multiclass one; the
    page-budget search counts it too: more script, shorter tables."""
    frame = {"static/site.css": b"c" * 3, "static/site.js": b"j" * 4, "static/quiz.js": b"q" * 5,
             pages.EXPLORER_ASSET: b"e" * 7}
    assert pages.has_explorer(binary_trace) and not pages.has_explorer(multiclass_trace)
    maker = maker_for(env, frame)
    assert (maker.loaded_bytes(binary_trace), maker.loaded_bytes(multiclass_trace)) == (19, 12)
    page = f"{binary_spec.name}/index.html"
    light = pages.lesson_pages(binary_spec, [(binary_trace, ())], maker_for(env, {}))[page]
    heavy = pages.lesson_pages(binary_spec, [(binary_trace, ())],
                               maker_for(env, {pages.EXPLORER_ASSET: b"e" * (PAGE_BUDGET - len(light) + 1)}))[page]
    assert len(heavy) < len(light)
