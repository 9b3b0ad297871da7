"""Lessons -> a static site you can study offline: run, render each page as its run arrives, then swap it in.

Every lesson (and every seeded variant) is run, and each variant's files are rendered and
written into a temporary folder next to the output as soon as its trace arrives; its trace is
then let go, so memory stays flat in the number of variants. The index, search index and
retakes pages come last, from a small summary of each variant. Only then is the folder swapped
in with renames: any error (a bad expression, a broken template) removes the folder and leaves
the previous site whole.

    uptodate  is the site on disk already current? (nothing heavy imported to decide)
    path      the lessons' order: prerequisites first, then the order given
    runs      plan the runs; cache hits, then worker processes for the misses
    variants  a lesson's planned pages, the summary the index keeps of each, which a page links
    pages     each variant's quiz and pages within the page budget, rendered as its trace arrives
    images    the local images a lesson shows, checked and copied beside its pages
    index     the index page and the search index
    assets    the marker, static files and build info
    write     the temporary folder, written file by file, and the swap
    report    what a build hands back (SiteReport, PredictionsReport) and the page budget

Nothing here prints: build_site and build_predictions return a report for the CLI to show.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tracegen.errors import TracegenError
from tracegen.resources import TEMPLATES_DIR, template_folders
from tracegen.site import assets, index, pages, runs, uptodate, write
from tracegen.site.path import lesson_path
from tracegen.site.report import PAGE_BUDGET, PredictionsReport, SiteReport
from tracegen.spec import LessonSpec

if TYPE_CHECKING:
    from jinja2 import Environment

    from tracegen.progress import Progress
    from tracegen.quiz.question import Question
    from tracegen.trace import Trace

DEFAULT_TEMPLATES = TEMPLATES_DIR

__all__ = [
    "DEFAULT_TEMPLATES", "PAGE_BUDGET", "PredictionsReport", "SiteReport",
    "build_predictions", "build_site", "build_trace_page", "compiled_environment", "predictions_site",
]


def compiled_environment(template_overrides: Path | None = None, site_title: str | None = None) -> Environment:
    """Return the Jinja environment (overrides before tracegen's templates), every template compiled."""
    with runs.garbage_collector_paused():
        from tracegen.html.env import check_templates, make_environment

        env = make_environment(template_overrides)
        env.globals["site_title"] = site_title
        check_templates(env)
    return env


def build_site(specs: Sequence[LessonSpec], out: Path, *, seed: int | None = None, variants: int = 0,
               reproducible: bool = False, template_overrides: Path | None = None, cache_dir: Path | None = None,
               jobs: int = 1, progress: Progress | None = None, scheduler: str | None = None,
               site_title: str | None = None, elsewhere: Collection[str] = ()) -> SiteReport:
    """Run (or load from `cache_dir`) every lesson, render and write its pages as it arrives, then swap the
    site in at `out`.

    The index and the previous/next links follow the lessons' path (tracegen.site.path): their
    prerequisites first, else the order of `specs`. Prerequisites may name lessons left out of
    this build (`elsewhere`, for a build of some lessons of a folder); they are skipped.

    With a cache, a site whose every input is unchanged and whose files are intact is left as it is.
    With a Dask `scheduler` address ("local" for a cluster on this machine) the runs go there.
    `template_overrides` is a folder of templates and static files used instead of tracegen's of the same name.
    """
    started = time.perf_counter()
    template_folders(template_overrides)  # a missing overrides folder fails before anything else
    names = [spec.name for spec in specs]
    duplicate = next((name for name in names if names.count(name) > 1), None)
    if duplicate is not None:
        raise TracegenError(duplicate, "lesson", "two lessons share this name; each needs its own folder")
    specs = lesson_path(specs, elsewhere)
    # Fail before the slow part (running every lesson), with the previous site back in place if a killed
    # build left it aside; write_site checks the output again.
    write.prepare_output(out)
    key = (uptodate.site_key(specs, seed, variants, template_overrides, reproducible, site_title)
           if cache_dir is not None else None)
    if cache_dir is not None and key is not None:
        report = uptodate.unchanged_site(cache_dir, out, key)
        if report is not None:
            count = len(specs) * (variants + 1)
            return dataclasses.replace(report, runs=count, from_cache=count, seconds=time.perf_counter() - started)
    planned = runs.plan_runs(specs, seed, variants)
    # The temporary folder is made before any lesson runs (an output that cannot be written fails
    # fast) and each lesson's pages go there as soon as they are rendered: a build holds about one
    # page's trace at a time, whatever the number of variants. Leaving the block without commit()
    # removes the folder, so an error anywhere leaves the previous site as it was.
    with write.SiteWriter(out) as site:
        # Every template is compiled before any lesson runs (a broken one fails fast), while the workers start.
        env, arrivals = runs.gather_traces(specs, planned, cache_dir=cache_dir, jobs=jobs, progress=progress,
                                           prepare=lambda: compiled_environment(template_overrides, site_title),
                                           scheduler=scheduler)
        frame = assets.site_frame(template_overrides)
        maker = pages.PageMaker(env, assets.build_info(reproducible), pages.page_asset_bytes(frame),
                                len(frame.get(pages.EXPLORER_ASSET, b"")), specs)
        for relative, data in frame.items():
            site.add(relative, data)
        with contextlib.closing(arrivals):  # an error while rendering stops the workers at once
            rendered = pages.render_lessons(specs, planned, arrivals, maker, site.add)
        search = index.search_index(rendered.lessons)
        site.add(index.SEARCH_INDEX, search)
        site.add("index.html", index.index_page(rendered.lessons, env))
        for relative, data in index.retakes_pages(rendered.lessons, env).items():
            site.add(relative, data)
        site.commit()
    report = SiteReport(out=out, files=tuple(sorted(site.digests)), page_weights=rendered.page_weights,
                        search_index_bytes=len(search), runs=len(planned), from_cache=len(planned) - rendered.ran,
                        replaced=rendered.replaced, seconds=time.perf_counter() - started)
    if cache_dir is not None and key is not None:
        uptodate.store_manifest(cache_dir, key, site.digests, report)
    return report


def build_predictions(path: Path, out: Path, *, reproducible: bool = False,
                      template_overrides: Path | None = None) -> PredictionsReport:
    """tracegen build --predictions: one page with the evaluation half of a lesson for the user's predictions.

    The site holds index.html (the page), trace.json and the static files; it is written like a
    lesson site (atomic swap). Curve tables are thinned until the page fits PAGE_BUDGET.
    """
    from tracegen.pipeline.predictions import run_predictions

    template_folders(template_overrides)  # a missing overrides folder fails before anything else
    write.prepare_output(out)  # before reading the file: a bad output folder fails first
    return build_trace_page(run_predictions(path), out, reproducible=reproducible,
                            template_overrides=template_overrides, source=path)


def build_trace_page(trace: Trace, out: Path, *, reproducible: bool = False, template_overrides: Path | None = None,
                     source: Path | None = None) -> PredictionsReport:
    """Write the page of an evaluation-only trace (a predictions file's, or the Python API's) as a site at `out`.

    `source` is what the report names (default: the trace's own name for its predictions).
    """
    from tracegen.trace import Trace

    template_folders(template_overrides)
    write.prepare_output(out)
    # Rendered from the JSON form, as lesson pages are (their traces arrive as JSON from the workers or
    # the cache), so the page lists mappings in the order its trace.json holds them.
    trace = Trace.from_json(trace.to_json())
    files, questions = predictions_site(trace, template_overrides, reproducible)
    write.write_site(files, out)
    page_weight = len(files["index.html"]) + pages.page_asset_bytes(files)
    return PredictionsReport(out=out, source=source or Path(str(trace.spec.get("predictions", trace.lesson))),
                             rows=len(trace.evaluation.y_true), questions=questions, page_weight=page_weight)


def predictions_site(trace: Trace, template_overrides: Path | None,
                     reproducible: bool) -> tuple[dict[str, bytes], int]:
    """Return the files of a predictions site for `trace` (path -> bytes) and its number of questions."""
    from tracegen import quiz
    from tracegen.html.env import make_environment, render_page
    from tracegen.html.lesson import predictions_context

    questions = quiz.prediction_questions(trace)
    env = make_environment(template_overrides)
    build = assets.build_info(reproducible)
    files = assets.site_frame(template_overrides)
    files[index.SEARCH_INDEX] = index.search_index(())

    def render_at(max_rows: int | None) -> bytes:
        context = predictions_context(trace, questions, build=build, max_table_rows=max_rows)
        return render_page(env, "predictions.html", context).encode()

    _, files["index.html"] = pages.fitting_page(render_at, pages.page_asset_bytes(files), pages.FIRST_TABLE_LIMIT)
    files["trace.json"] = trace.to_json().encode()
    return files, len(questions)


def variant_questions(spec: LessonSpec, seed: int | None, variants: int, *, jobs: int = 1,
                      progress: Progress | None = None) -> list[tuple[int, tuple[Question, ...]]]:
    """Return (seed, the questions its page shows) for the lesson at its seed and seed + 1..variants.

    Every variant's claims are checked, as a build checks them (a retake whose run makes one false is
    run at its replacement seeds, so its seed may not be seed + k), and questions that cannot teach on
    a variant are left out of it, as its page leaves them out.
    """
    from tracegen import quiz

    quiz.check_quiz(spec)
    planned = runs.plan_runs([spec], seed, variants)
    _, arrivals = runs.gather_traces([spec], planned, cache_dir=None, jobs=jobs, progress=progress)
    return [(trace.seed, pages.checked_questions(spec, trace, planned[position])) for position, trace, _ in arrivals]
