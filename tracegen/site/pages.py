"""Lesson pages: each run's trace becomes its variant's quiz and page, within the page budget, as it arrives."""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracegen.site.assets import STATIC
from tracegen.site.images import lesson_images
from tracegen.site.index import summarize
from tracegen.site.report import PAGE_BUDGET
from tracegen.site.runs import Arrival, PlannedRun
from tracegen.site.variants import (
    RETAKES_PAGE,
    LessonBuild,
    Variant,
    VariantSummary,
    has_retakes_page,
    listed_variants,
)
from tracegen.spec import LessonSpec
from tracegen.trace import Trace

if TYPE_CHECKING:
    from jinja2 import Environment

    from tracegen.html.lesson import BuildInfo, PageLink, PathNav
    from tracegen.quiz.question import Question
    from tracegen.spec.directives import Directive

# What a lesson page loads besides its HTML, for its page weight. search-index.js is not among
# them: site.js loads it the first time the search box is used, so that the index can grow with
# the number of lessons without weighing down every page.
PAGE_ASSETS = (f"{STATIC}/site.css", f"{STATIC}/site.js", f"{STATIC}/quiz.js")
# ... and what a page with a threshold explorer (a binary lesson's) loads besides.
EXPLORER_ASSET = f"{STATIC}/explorer.js"
# Curve-table lengths tried in turn until the page fits (None = every point); the last is used regardless.
TABLE_ROW_LIMITS = (None, 120, 60, 30, 20, 12)
# Most catalogue pages fit with curve tables of 60 or 30 rows, so the search starts there.
FIRST_TABLE_LIMIT = TABLE_ROW_LIMITS.index(60)


def checked_questions(spec: LessonSpec, trace: Trace, run: PlannedRun) -> tuple[Question, ...]:
    """Return the questions a variant's page shows, once its trace is checked to make the lesson's claims true.

    A retake's run came from the first of its seeds that makes them true (runs.PlannedRun.seeds); the
    base run, or a retake with no such seed, stops the build (ClaimError) before the site is swapped in.
    """
    from tracegen.claims import require_claims

    require_claims(spec, trace, run.seeds)
    return site_questions(spec, trace)


def site_questions(spec: LessonSpec, trace: Trace) -> tuple[Question, ...]:
    """Return the lesson's questions on one trace, less those that cannot teach on it (never shown broken)."""
    from tracegen.quiz import make_questions
    from tracegen.quiz.degenerate import teaching_questions

    return teaching_questions(make_questions(spec, trace), spec, trace)


def _relative(from_dir: str, to_dir: str) -> str:
    """Return the href from page folder `from_dir` to `to_dir`index.html (both relative to the root)."""
    return posixpath.relpath(to_dir + "index.html", from_dir)


def fitting_page(render_at: Callable[[int | None], bytes], asset_bytes: int, start: int) -> tuple[int, bytes]:
    """Return (index into TABLE_ROW_LIMITS, page) for the longest curve tables whose page fits PAGE_BUDGET.

    A page grows with its tables, so the search can start at any limit (`start`) and step to longer
    tables while they fit, or to shorter ones until one does: the same page as trying every limit
    from the longest, in about two renders instead of three or four. The shortest is used regardless.
    """
    def fits(page: bytes) -> bool:
        return len(page) + asset_bytes <= PAGE_BUDGET

    index, page = start, render_at(TABLE_ROW_LIMITS[start])
    if fits(page):
        while index > 0 and fits(longer := render_at(TABLE_ROW_LIMITS[index - 1])):
            index, page = index - 1, longer
    else:
        while index + 1 < len(TABLE_ROW_LIMITS) and not fits(page):
            index += 1
            page = render_at(TABLE_ROW_LIMITS[index])
    return index, page


def _lesson_page(env: Environment, build: BuildInfo, spec: LessonSpec, variant: Variant, trace: Trace,
                 questions: tuple[Question, ...], links: list[PageLink], nav: PathNav,
                 chunks: tuple[str | Directive, ...], max_rows: int | None) -> bytes:
    """Return one variant's page with curve tables of at most `max_rows` points (None: every point)."""
    from tracegen.html.env import render_page
    from tracegen.html.lesson import lesson_context

    context = lesson_context(spec, trace, questions, root="../" * variant.directory(spec.name).count("/"),
                             variants=links, build=build, max_table_rows=max_rows, path=nav, chunks=chunks)
    return render_page(env, "lesson.html", context).encode()


@dataclass(frozen=True)
class PageMaker:
    """What every lesson page of a build shares: the templates, the build info, the lessons' path (in path
    order) and the bytes of the CSS and JS a page loads (`explorer_bytes` only on a page with an explorer)."""

    env: Environment
    build: BuildInfo
    asset_bytes: int
    explorer_bytes: int = 0
    path: Sequence[LessonSpec] = ()

    def loaded_bytes(self, trace: Trace) -> int:
        """Return the CSS and JS bytes the page of `trace` loads, which count in its weight and its budget."""
        return self.asset_bytes + (self.explorer_bytes if has_explorer(trace) else 0)

    def variant_pages(self, spec: LessonSpec, variants: Sequence[Variant], variant: Variant, trace: Trace,
                      questions: tuple[Question, ...], start: int = FIRST_TABLE_LIMIT) -> tuple[int, dict[str, bytes]]:
        """Return (the TABLE_ROW_LIMITS index its page fits at, the page, trace.json and local images) of one
        of a lesson's `variants`, the page-budget search starting at limit index `start`.

        The page links the other variants (all, or its neighbours and the retakes page) and the lessons
        before and after this one on the path (none when the lesson is not on it). Curve tables show
        every point if the page stays within PAGE_BUDGET; otherwise they are thinned step by step (the
        page says so and links trace.json for the full arrays).
        """
        from tracegen.html.lesson import PageLink, PathNav
        from tracegen.html.prose import body_chunks, prose_html
        from tracegen.site.path import path_nav

        name = spec.name
        here = variant.directory(name)
        # A link names the variant, not its seed: a later retake's seed is known only once it has run (runs
        # replace a seed that makes a claim false), and a page is written as soon as its own run arrives.
        links = [PageLink(v.label, _relative(here, v.directory(name)), v.number == variant.number)
                 for v in listed_variants(variants, variant.number)]
        if has_retakes_page(variants):
            links.append(PageLink(f"all {len(variants) - 1} retakes", _relative(here, name + "/" + RETAKES_PAGE)))
        position = next((i for i, other in enumerate(self.path) if other.name == name), None)
        nav = PathNav() if position is None else path_nav(here, self.path, position)
        # The body's Markdown is converted once, whatever the number of table lengths the page is tried at.
        chunks = body_chunks(spec, trace)
        render_at = functools.partial(_lesson_page, self.env, self.build, spec, variant, trace, questions, links, nav,
                                      chunks)
        limit, page = fitting_page(render_at, self.loaded_bytes(trace), start)
        files = {here + "index.html": page, here + "trace.json": trace.to_json().encode()}
        # Beside each page, at the path its <img src> names (not counted in the page weight, as trace.json is not).
        files.update({here + path: data for path, data in lesson_images(spec, prose_html(chunks)).items()})
        return limit, files


class LessonPages:
    """One lesson's pages, rendered variant by variant in number order as their traces arrive.

    Each variant's page-budget search starts where the previous one's ended, since retakes differ
    only in numbers (so the order is fixed: the pages never depend on the order runs finish in).
    Of a rendered variant only its summary and page weight are kept; of the traces only the base's.
    `variants` are the planned ones, read for their numbers (the links): a retake's seed is its
    trace's, which may be a replacement of the planned seed.
    """

    def __init__(self, spec: LessonSpec, variants: Sequence[Variant], maker: PageMaker) -> None:
        self.spec, self.variants, self.maker = spec, tuple(variants), maker
        self.page_weights: dict[str, int] = {}
        self._limit = FIRST_TABLE_LIMIT
        self._summaries: list[VariantSummary] = []
        self._base: Trace | None = None

    @property
    def rendered(self) -> int:
        """Return how many variants are rendered (the number of the next one)."""
        return len(self._summaries)

    def add(self, trace: Trace, questions: tuple[Question, ...]) -> dict[str, bytes]:
        """Render the next variant from its trace and questions; return its files."""
        variant = Variant(self.rendered, trace.seed)  # a retake's seed may be a replacement of the planned one
        self._limit, files = self.maker.variant_pages(self.spec, self.variants, variant, trace, questions,
                                                      self._limit)
        page = variant.directory(self.spec.name) + "index.html"
        self.page_weights[page] = len(files[page]) + self.maker.loaded_bytes(trace)
        self._summaries.append(summarize(variant, trace, questions))
        if variant.number == 0:
            self._base = trace
        return files

    def built(self) -> LessonBuild | None:
        """Return the lesson as the index needs it, or None while some variant is not rendered."""
        if self._base is None or self.rendered < len(self.variants):
            return None
        return LessonBuild(spec=self.spec, base=self._base, variants=tuple(self._summaries))


def lesson_pages(spec: LessonSpec, traces: Sequence[tuple[Trace, tuple[Question, ...]]],
                 maker: PageMaker) -> dict[str, bytes]:
    """Return every file of one lesson's variants from their (trace, questions), the base run first.

    The pages a build writes, all in memory: for a lesson page on its own (the golden pages, tests).
    """
    lesson = LessonPages(spec, [Variant(number, trace.seed) for number, (trace, _) in enumerate(traces)], maker)
    files: dict[str, bytes] = {}
    for trace, questions in traces:
        files.update(lesson.add(trace, questions))
    return files


def has_explorer(trace: Trace) -> bool:
    """Return True when the trace's page shows a threshold explorer (and loads its script): a binary table."""
    return trace.evaluation.threshold_table is not None


@dataclass(frozen=True)
class RenderedLessons:
    """What rendering leaves for the rest of the build: the lessons in spec order, each lesson page's weight
    (HTML + CSS + JS), how many traces were run rather than loaded from the cache, and how many retakes
    are the run at a replacement seed (their own made a claim false)."""

    lessons: list[LessonBuild]
    page_weights: dict[str, int]
    ran: int
    replaced: int = 0


def render_lessons(specs: Sequence[LessonSpec], runs: Sequence[PlannedRun], arrivals: Iterator[Arrival],
                   maker: PageMaker, write: Callable[[str, bytes], None]) -> RenderedLessons:
    """Render each variant's pages as soon as its trace arrives and hand every file to `write` at once.

    `arrivals` brings each lesson's traces in plan order (runs.gather_traces does); lessons may
    interleave. Rendering while the workers still run keeps the cores busy; pages depend only on
    their own lesson's runs (and the titles of their neighbours on the path), so the order in
    which lessons arrive never shows. No trace is kept once its pages are written but a base run's.
    """
    planned: list[list[Variant]] = [[] for _ in specs]
    for run in runs:
        planned[run.lesson].append(Variant(run.number, run.seed))
    lessons = [LessonPages(spec, variants, maker) for spec, variants in zip(specs, planned)]
    ran = replaced = 0
    for position, trace, cached in arrivals:
        run = runs[position]
        ran += not cached
        replaced += trace.seed != run.seed
        lesson = lessons[run.lesson]
        if run.number != lesson.rendered:
            raise RuntimeError(f"{run.label} arrived before v{lesson.rendered} of its lesson")
        for relative, data in lesson.add(trace, checked_questions(lesson.spec, trace, run)).items():
            write(relative, data)
    built = [lesson.built() for lesson in lessons]
    weights = {page: weight for lesson in lessons for page, weight in lesson.page_weights.items()}
    return RenderedLessons(lessons=[lesson for lesson in built if lesson is not None], page_weights=weights, ran=ran,
                           replaced=replaced)


def page_asset_bytes(files: dict[str, bytes]) -> int:
    """Return the bytes of the CSS and JS every lesson page loads (part of its page weight)."""
    return sum(len(files.get(path, b"")) for path in PAGE_ASSETS)
