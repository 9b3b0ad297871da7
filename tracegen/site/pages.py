"""Lesson pages: a lesson's runs become its variants and quiz, then pages that fit the page budget."""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracegen.site.assets import STATIC
from tracegen.site.images import lesson_images
from tracegen.site.report import PAGE_BUDGET
from tracegen.site.runs import Arrival, PlannedRun
from tracegen.spec import LessonSpec
from tracegen.trace import Trace

if TYPE_CHECKING:
    from jinja2 import Environment

    from tracegen.html.lesson import BuildInfo, PageLink, PathNav
    from tracegen.quiz.question import Question

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
# A page links every retake of its lesson up to this many. Beyond, it links the original, its
# neighbours and the lesson's retakes page, so a page's size does not grow with --variants.
LISTED_RETAKES = 12
RETAKES_PAGE = "retakes/"


@dataclass(frozen=True)
class Variant:
    """One built page of a lesson: the base run (number 0) or a seeded retake v1..vK."""

    number: int
    seed: int
    trace: Trace
    questions: tuple[Question, ...]

    @property
    def label(self) -> str:
        """Return 'Original' or 'v1', 'v2', ..."""
        return "Original" if self.number == 0 else f"v{self.number}"

    def directory(self, lesson: str) -> str:
        """Return the page's folder relative to the site root, with a trailing slash."""
        return f"{lesson}/" if self.number == 0 else f"{lesson}/v{self.number}/"


@dataclass(frozen=True)
class LessonBuild:
    """A lesson and all its runs."""

    spec: LessonSpec
    variants: tuple[Variant, ...]


def assemble_lesson(spec: LessonSpec, runs: Sequence[PlannedRun], traces: Sequence[Trace]) -> LessonBuild:
    """Return one lesson with its variants (its runs and their traces, in plan order) and their quiz questions.

    Every variant must make the lesson's claims true (else ClaimError, and nothing is written);
    its questions are those that can teach on its trace (tracegen.quiz.degenerate).
    """
    from tracegen.claims import require_claims

    for trace in traces:
        require_claims(spec, trace)
    return LessonBuild(spec=spec, variants=tuple(
        Variant(number=run.number, seed=trace.seed, trace=trace, questions=site_questions(spec, trace))
        for run, trace in zip(runs, traces)))


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


def _lesson_page(env: Environment, build: BuildInfo, spec: LessonSpec, variant: Variant,
                 links: list[PageLink], nav: PathNav, max_rows: int | None) -> bytes:
    """Return one variant's page with curve tables of at most `max_rows` points (None: every point)."""
    from tracegen.html.env import render_page
    from tracegen.html.lesson import lesson_context

    context = lesson_context(spec, variant.trace, variant.questions,
                                    root="../" * variant.directory(spec.name).count("/"), variants=links,
                                    build=build, max_table_rows=max_rows, path=nav)
    return render_page(env, "lesson.html", context).encode()


def lesson_pages(lesson: LessonBuild, env: Environment, build: BuildInfo,
                 asset_bytes: int, path: Sequence[LessonSpec] = (), explorer_bytes: int = 0) -> dict[str, bytes]:
    """Return the page, trace.json and local images of every variant of one lesson.

    Each page links the lessons before and after this one on the site's `path` (the lessons in
    path order; none when the lesson is not on it).

    Curve tables show every point if the page stays within PAGE_BUDGET; otherwise they are
    thinned step by step (the page says so and links trace.json for the full arrays). Each
    variant's search starts where the previous one's ended, since retakes differ only in numbers.
    A page with a threshold explorer also loads `explorer_bytes` of script.
    """
    from tracegen.html.lesson import PageLink, PathNav
    from tracegen.html.prose import insight_html
    from tracegen.site.path import path_nav

    files: dict[str, bytes] = {}
    name = lesson.spec.name
    position = next((i for i, spec in enumerate(path) if spec.name == name), None)
    limit = FIRST_TABLE_LIMIT
    for variant in lesson.variants:
        here = variant.directory(name)
        links = [PageLink(v.label, _relative(here, v.directory(name)), v is variant, v.seed)
                 for v in listed_variants(lesson, variant)]
        if has_retakes_page(lesson):
            retakes = _relative(here, name + "/" + RETAKES_PAGE)
            links.append(PageLink(f"all {len(lesson.variants) - 1} retakes", retakes))
        nav = PathNav() if position is None else path_nav(here, path, position)
        render_at = functools.partial(_lesson_page, env, build, lesson.spec, variant, links, nav)
        loaded = asset_bytes + (explorer_bytes if has_explorer(variant.trace) else 0)
        limit, files[here + "index.html"] = fitting_page(render_at, loaded, limit)
        files[here + "trace.json"] = variant.trace.to_json().encode()
        # Beside each page, at the path its <img src> names (not counted in the page weight, as trace.json is not).
        prose = insight_html(lesson.spec, variant.trace)
        files.update({here + path: data for path, data in lesson_images(lesson.spec, prose).items()})
    return files


def has_explorer(trace: Trace) -> bool:
    """Return True when the trace's page shows a threshold explorer (and loads its script): a binary table."""
    return trace.evaluation.threshold_table is not None


def has_retakes_page(lesson: LessonBuild) -> bool:
    """Return True when the lesson has more retakes than a page lists, so they get a page of their own."""
    return len(lesson.variants) - 1 > LISTED_RETAKES


def listed_variants(lesson: LessonBuild, current: Variant | None = None) -> tuple[Variant, ...]:
    """Return the variants a page of the lesson links: all of them, or the original and `current`'s neighbours."""
    if not has_retakes_page(lesson):
        return lesson.variants
    if current is None:
        return lesson.variants[:LISTED_RETAKES + 1]
    near = {0, current.number - 1, current.number, current.number + 1} & set(range(len(lesson.variants)))
    return tuple(lesson.variants[number] for number in sorted(near))


def render_lessons(specs: Sequence[LessonSpec], runs: Sequence[PlannedRun], arrivals: Iterator[Arrival],
                   env: Environment, build: BuildInfo, files: dict[str, bytes],
                   ) -> tuple[list[LessonBuild], int]:
    """Render each lesson's pages into `files` as soon as all its traces have arrived; return the lessons
    (in spec order) and how many traces were run rather than loaded from the cache.

    Rendering while the workers still run keeps the cores busy; pages depend only on their own
    lesson's traces (and the titles of their neighbours on the path, `specs` in path order), so
    the order of arrival never shows.
    """
    assets = page_asset_bytes(files)
    positions: list[list[int]] = [[] for _ in specs]
    for position, run in enumerate(runs):
        positions[run.lesson].append(position)
    arrived: dict[int, Trace] = {}
    lessons: list[LessonBuild | None] = [None] * len(specs)
    ran = 0
    for position, trace, cached in arrivals:
        ran += not cached
        arrived[position] = trace
        index = runs[position].lesson
        if all(p in arrived for p in positions[index]):
            lesson = assemble_lesson(specs[index], [runs[p] for p in positions[index]],
                                     [arrived.pop(p) for p in positions[index]])
            files.update(lesson_pages(lesson, env, build, assets, specs, len(files.get(EXPLORER_ASSET, b""))))
            lessons[index] = lesson
    return [lesson for lesson in lessons if lesson is not None], ran


def page_asset_bytes(files: dict[str, bytes]) -> int:
    """Return the bytes of the CSS and JS every lesson page loads (part of its page weight)."""
    return sum(len(files.get(path, b"")) for path in PAGE_ASSETS)


def page_weights(files: dict[str, bytes], lessons: Sequence[LessonBuild]) -> dict[str, int]:
    """Return the bytes of each lesson page plus the CSS and JS it loads (trace.json not counted)."""
    assets, explorer = page_asset_bytes(files), len(files.get(EXPLORER_ASSET, b""))
    return {variant.directory(lesson.spec.name) + "index.html":
            len(files[variant.directory(lesson.spec.name) + "index.html"]) + assets
            + (explorer if has_explorer(variant.trace) else 0)
            for lesson in lessons for variant in lesson.variants}
