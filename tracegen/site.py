"""Lessons -> a static site you can study offline: run, render every page in memory, then write.

The build has two phases. First every lesson (and every seeded variant) is run and every
file of the site is rendered into memory, so any error (a bad expression, a broken template)
stops the build before anything is written. Then the files are written into a temporary
folder next to the output and swapped in with renames, so the previous site stays whole
until the new one is complete.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import glob
import hashlib
import json
import os
import posixpath
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Only light modules at import time: a rebuild with nothing changed must not pay for jinja2,
# markdown, numpy or scikit-learn, so render, quiz and the pipeline stages are imported where used.
from tracegen import cache, pipeline
from tracegen.errors import OutputError, TracegenError
from tracegen.question import Question
from tracegen.spec import LessonSpec
from tracegen.trace import Trace

if TYPE_CHECKING:
    from concurrent.futures import Future

    from jinja2 import Environment

    from tracegen import render
    from tracegen.progress import Progress

SEARCH_INDEX = "search-index.js"
STATIC = "static"
# Written into every site, so a later build knows it may replace the folder.
MARKER = ".tracegen-site"
MARKER_TEXT = "Built by `tracegen build`; the next build replaces this folder.\n"
# Files a previous output folder may hold that the build carries over unchanged
# (site/README.md is committed to git).
KEEP = ("README.md",)
# What a lesson page loads besides its HTML, for its page weight. search-index.js is not among
# them: site.js loads it the first time the search box is used, so that the index can grow with
# the number of lessons without weighing down every page.
PAGE_ASSETS = (f"{STATIC}/site.css", f"{STATIC}/site.js", f"{STATIC}/quiz.js")
MAX_SEED = 2**32 - 1
# A lesson page's HTML + CSS + JS must stay within 80 KB (without gzip, without trace.json).
PAGE_BUDGET = 80 * 1024
# Curve-table lengths tried in turn until the page fits (None = every point); the last is used regardless.
TABLE_ROW_LIMITS = (None, 120, 60, 30, 20)
# Same folder as render.TEMPLATES_DIR (a test checks), named here so that deciding whether the site is
# up to date needs no jinja2.
DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Bump when the way the site is assembled changes in a way the source digest cannot see.
SITE_FORMAT = "1"
# Libraries whose output ends up in the site's bytes, besides those in the trace hash.
RENDER_LIBRARIES = ("jinja2", "markdown", "markupsafe")


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


@dataclass(frozen=True)
class SiteReport:
    """What a build wrote: its files and each lesson page's weight (HTML + CSS + JS, bytes)."""

    out: Path
    files: tuple[str, ...]
    page_weights: dict[str, int]
    search_index_bytes: int
    # How the build went: traces needed, how many came from the cache, whether the site on disk
    # was already current (nothing rendered or written), and wall seconds. Never part of the site.
    runs: int = 0
    from_cache: int = 0
    unchanged: bool = False
    seconds: float = 0.0

    @property
    def over_budget(self) -> tuple[str, ...]:
        """Return the lesson pages heavier than PAGE_BUDGET."""
        return tuple(page for page, weight in self.page_weights.items() if weight > PAGE_BUDGET)


@dataclass(frozen=True)
class PlannedRun:
    """One trace the site needs: lesson `lesson` (an index into the specs) at one seed, named by its hash."""

    lesson: int
    number: int
    seed: int
    key: str
    label: str


def plan_runs(specs: Sequence[LessonSpec], seed: int | None, variants: int) -> list[PlannedRun]:
    """Return every run the site needs, lesson by lesson: the base seed, then base seed + k for k = 1..variants."""
    runs = []
    for index, spec in enumerate(specs):
        base = spec.split.seed if seed is None else seed
        if base + variants > MAX_SEED:
            raise TracegenError("--variants", "", f"seed {base} + {variants} variants exceeds {MAX_SEED}; "
                                "use a smaller --seed or fewer --variants")
        for number in range(variants + 1):
            label = spec.name if number == 0 else f"{spec.name} v{number}"
            runs.append(PlannedRun(index, number, base + number, pipeline.trace_hash(spec, base + number), label))
    return runs


def run_json(spec: LessonSpec, seed: int) -> tuple[str | None, tuple[Any, ...] | None]:
    """Run one lesson in a worker; return (trace JSON with timings, None) or (None, the error's parts).

    Every trace reaches the site through JSON, as it does from the cache, so a page never depends
    on where its trace came from (JSON sorts dict keys). A TracegenError does not survive pickling
    (its args are the one-line text, not its fields), so the worker sends the class and fields and
    the parent raises it again.
    """
    try:
        return pipeline.run(spec, seed=seed).to_json(include_timings=True), None
    except TracegenError as exc:
        return None, (type(exc), exc.file, exc.field, exc.message, exc.line)


def _from_worker(future: Future) -> tuple[Trace, str]:
    text, error = future.result()
    if error is not None:
        kind, *fields = error
        raise kind(*fields)
    return Trace.from_json(text), text


def _worker_context() -> Any:
    import multiprocessing

    # fork starts a worker in milliseconds and shares what the parent already imported; elsewhere
    # (macOS, Windows) fork is unsafe or missing, so the platform default is used.
    return multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None


def _prepare_worker() -> None:
    """Get a worker ready to run lessons: the pipeline and the scikit-learn modules every lesson uses
    imported, and BLAS on one thread.

    Imports create hundreds of thousands of objects and no garbage, so the cyclic garbage
    collector only slows them down (by a fifth): it is paused meanwhile, and what was imported is
    then frozen out of later collections. BLAS and OpenMP keep to one thread: the workers already
    use every core, and OpenBLAS threads that spin-wait for a core held by another worker made a
    two-job build of the catalogue a third slower. The numbers do not change (a test compares a
    worker's trace with one run in-process on multi-threaded BLAS).
    """
    # Ctrl-C reaches every process of the terminal's group. The build process reports it in one
    # line and shuts the pool down; a worker ignores it, so it prints no traceback of whatever it
    # was importing or running. (Ending at once instead could cut off a result being sent and
    # leave the pool's reader waiting for the rest of it forever.)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with _garbage_collector_paused():
        from sklearn import datasets, linear_model, model_selection, preprocessing  # noqa: F401
        from threadpoolctl import threadpool_limits

        from tracegen.pipeline import data, evaluate, stages, train  # noqa: F401
    gc.freeze()
    threadpool_limits(limits=1)


@contextlib.contextmanager
def _garbage_collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (for imports and template compiling, which make no garbage)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def start_workers(count: int) -> Any:
    """Return a pool of `count` worker processes, already starting up (importing scikit-learn)."""
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=count, mp_context=_worker_context(), initializer=_prepare_worker)
    for _ in range(count):  # the pool starts its processes on submission; these no-ops start them now
        pool.submit(int)
    return pool


def gather_traces(specs: Sequence[LessonSpec], runs: Sequence[PlannedRun], *, cache_dir: Path | None,
                  jobs: int, progress: Progress | None = None, prepare: Callable[[], Any] = lambda: None,
                  ) -> tuple[Any, Iterator[tuple[int, Trace, bool]]]:
    """Start the runs; return what `prepare()` returned and an iterator of (plan position, trace, came from
    cache) that yields every planned run's trace as it becomes available.

    Hits come from `cache_dir`. Misses run in `jobs` worker processes (even for one job), which
    import scikit-learn while this process calls `prepare` (the build compiles its templates),
    so the two overlap. Hits are yielded first, then runs as they finish, so the caller can render
    one lesson while others still run; it places traces by plan position, so the order in which
    workers finish never shows. Closing the iterator early stops the workers without waiting.
    """
    hits, missing = {}, []
    for position, run in enumerate(runs):
        trace = cache.load_trace(cache_dir, run.key, specs[run.lesson].name) if cache_dir is not None else None
        if trace is None:
            missing.append(position)
        else:
            hits[position] = trace
    pool = start_workers(min(jobs, len(missing))) if missing else None
    try:
        prepared = prepare()
    except BaseException:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        raise
    return prepared, _arrivals(pool, specs, runs, hits, missing, cache_dir, progress)


def _arrivals(pool: Any, specs: Sequence[LessonSpec], runs: Sequence[PlannedRun], hits: dict[int, Trace],
              missing: Sequence[int], cache_dir: Path | None, progress: Progress | None):
    done = 0

    def finish(position: int, trace: Trace, cached: bool) -> tuple[int, Trace, bool]:
        nonlocal done
        done += 1
        if progress is not None and len(runs) > 1:  # one trace needs no progress, only the summary
            progress.step(done, len(runs), runs[position].label, "cache" if cached else "ran")
        return position, trace, cached

    try:
        for position, trace in hits.items():
            yield finish(position, trace, True)
        if pool is None:
            return
        for position, trace, text in _collect(pool, specs, runs, missing):
            if cache_dir is not None:
                cache.store_text(cache_dir, trace.hash, text)
            yield finish(position, trace, False)
    except BaseException:
        if pool is not None:
            # Do not wait for workers still importing or running: the error is reported now.
            pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


def _collect(pool: Any, specs: Sequence[LessonSpec], runs: Sequence[PlannedRun], missing: Sequence[int]):
    """Submit every missing run to `pool`; yield (plan position, trace, its JSON) as each finishes."""
    from concurrent.futures import FIRST_COMPLETED, wait

    # Longest first (epochs stand in for the cost), so that no worker is left with a long lesson
    # at the end while the others idle; where each result lands does not depend on this order.
    order = sorted(missing, key=lambda p: -specs[runs[p].lesson].epochs)
    futures = {pool.submit(run_json, specs[runs[p].lesson], runs[p].seed): p for p in order}
    pending = set(futures)
    while pending:
        finished, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in sorted(finished, key=futures.__getitem__):
            yield (futures[future], *_from_worker(future))


def assemble_lesson(spec: LessonSpec, runs: Sequence[PlannedRun], traces: Sequence[Trace]) -> LessonBuild:
    """Return one lesson with its variants (its runs and their traces, in plan order) and their quiz questions."""
    from tracegen.quiz import make_questions

    return LessonBuild(spec=spec, variants=tuple(
        Variant(number=run.number, seed=trace.seed, trace=trace, questions=make_questions(spec, trace))
        for run, trace in zip(runs, traces)))


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


# Most catalogue pages fit with curve tables of 60 or 30 rows, so the search starts there.
FIRST_TABLE_LIMIT = TABLE_ROW_LIMITS.index(60)


def lesson_pages(lesson: LessonBuild, env: Environment, build: render.BuildInfo,
                 asset_bytes: int) -> dict[str, bytes]:
    """Return the page and trace.json of every variant of one lesson.

    Curve tables show every point if the page stays within PAGE_BUDGET; otherwise they are
    thinned step by step (the page says so and links trace.json for the full arrays). Each
    variant's search starts where the previous one's ended, since retakes differ only in numbers.
    """
    from tracegen import render

    files: dict[str, bytes] = {}
    name = lesson.spec.name
    limit = FIRST_TABLE_LIMIT
    for variant in lesson.variants:
        here = variant.directory(name)
        links = [render.PageLink(v.label, _relative(here, v.directory(name)), v is variant, v.seed)
                 for v in lesson.variants]

        def render_at(max_rows: int | None) -> bytes:
            context = render.lesson_context(lesson.spec, variant.trace, variant.questions,
                                            root="../" * here.count("/"), variants=links, build=build,
                                            max_table_rows=max_rows)
            return render.render_page(env, "lesson.html", context).encode()

        limit, files[here + "index.html"] = fitting_page(render_at, asset_bytes, limit)
        files[here + "trace.json"] = variant.trace.to_json().encode()
    return files


def _progress_entry(lesson: LessonBuild, variant: Variant) -> dict[str, Any]:
    from tracegen import render

    return {
        "key": render.storage_key(variant.trace),
        "title": lesson.spec.title if variant.number == 0 else f"{lesson.spec.title} ({variant.label})",
        "total": len(variant.questions),
        "questions": [{"id": q.id, "kind": q.kind, "n_options": len(q.options)} for q in variant.questions],
        "progress_id": f"progress-{lesson.spec.name}-{variant.number}",
        "base": variant.number == 0,
    }


def index_page(lessons: Sequence[LessonBuild], env: Environment) -> bytes:
    """Return the index: every lesson with its topic, description and progress slots."""
    from tracegen import render

    entries, progress = [], []
    for lesson in lessons:
        base = lesson.variants[0]
        trace = base.trace
        facts = (f"{len(trace.evaluation.classes)} classes", f"{len(trace.evaluation.y_true)} test rows",
                 f"{len(trace.epochs)} epochs")
        entry_progress = [_progress_entry(lesson, v) for v in lesson.variants]
        progress.extend(entry_progress)
        entries.append({
            "title": lesson.spec.title, "topic": lesson.spec.topic, "description": lesson.spec.description,
            "href": base.directory(lesson.spec.name) + "index.html", "facts": facts,
            "total": len(base.questions), "progress_id": entry_progress[0]["progress_id"],
            "variants": [{"label": v.label, "href": v.directory(lesson.spec.name) + "index.html",
                          "progress_id": p["progress_id"], "total": p["total"]}
                         for v, p in zip(lesson.variants[1:], entry_progress[1:])],
        })
    context = {"root": "", "lessons": entries, "progress": progress,
               "total_questions": sum(len(lesson.variants[0].questions) for lesson in lessons)}
    return render.render_page(env, "index.html", context).encode()


def search_index(lessons: Sequence[LessonBuild]) -> bytes:
    """Return search-index.js: every lesson's text, as a script (not fetched JSON) so search works on file://."""
    from tracegen import render

    entries = []
    for lesson in lessons:
        spec, trace = lesson.spec, lesson.variants[0].trace
        entries.append({
            "title": spec.title, "topic": spec.topic, "description": spec.description,
            "href": f"{spec.name}/index.html",
            "text": " ".join((render.plain_text(render.insight_html(spec, trace)), trace.data.source,
                              " ".join(title for _, title in render.SECTIONS))),
        })
    data = json.dumps(entries, ensure_ascii=False, sort_keys=True, indent=0)
    return f"/* Generated by tracegen build: the lessons' text for client-side search. */\n" \
           f"window.TRACEGEN_SEARCH = {data};\n".encode()


def compact_css(text: str) -> str:
    """Return CSS without comments, indentation and line breaks (rules and strings unchanged)."""
    parts = re.split(r'("[^"]*")', re.sub(r"/\*.*?\*/", "", text, flags=re.S))
    for index in range(0, len(parts), 2):  # even parts are outside quoted strings
        part = re.sub(r"\s+", " ", parts[index])
        part = re.sub(r"\s*([{};,])\s*", r"\1", part)
        # Outside strings, a colon followed by whitespace only occurs in declarations ("color: red").
        parts[index] = re.sub(r":\s+", ":", part)
    return "".join(parts).strip() + "\n"


def compact_js(text: str) -> str:
    """Return JS without comment lines, indentation and blank lines (statements unchanged).

    Conservative on purpose: only whole-line comments and leading whitespace go, which
    cannot change what the code does, since site.js has no multi-line strings.
    """
    text = re.sub(r"^\s*/\*.*?\*/[ \t]*\n", "", text, flags=re.S | re.M)
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//")) + "\n"


COMPACTORS = {".css": compact_css, ".js": compact_js}


def static_files(templates_dir: Path) -> dict[str, bytes]:
    """Return every file under templates/static/, keyed by its path in the site (CSS and JS compacted)."""
    folder = templates_dir / STATIC
    if not folder.is_dir():
        return {}
    files = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        compact = COMPACTORS.get(path.suffix)
        data = compact(path.read_text(encoding="utf-8")).encode() if compact else path.read_bytes()
        files[f"{STATIC}/{path.relative_to(folder).as_posix()}"] = data
    return files


def page_asset_bytes(files: dict[str, bytes]) -> int:
    """Return the bytes of the CSS and JS every lesson page loads (part of its page weight)."""
    return sum(len(files.get(path, b"")) for path in PAGE_ASSETS)


def page_weights(files: dict[str, bytes], lessons: Sequence[LessonBuild]) -> dict[str, int]:
    """Return the bytes of each lesson page plus the CSS and JS it loads (trace.json not counted)."""
    assets = page_asset_bytes(files)
    return {variant.directory(lesson.spec.name) + "index.html":
            len(files[variant.directory(lesson.spec.name) + "index.html"]) + assets
            for lesson in lessons for variant in lesson.variants}


def build_info(reproducible: bool) -> render.BuildInfo:
    """Return what provenance shows about this build: its UTC timestamp, unless reproducible."""
    from tracegen import render

    return render.BuildInfo(reproducible=reproducible, built_at=None if reproducible else
                            datetime.now(UTC).isoformat(timespec="seconds"))


def site_frame(templates_dir: Path) -> dict[str, bytes]:
    """Return the files every site holds besides its pages: the marker and the static files."""
    return {MARKER: MARKER_TEXT.encode(), **static_files(templates_dir)}


def render_lessons(specs: Sequence[LessonSpec], runs: Sequence[PlannedRun],
                   arrivals: Iterator[tuple[int, Trace, bool]], env: Environment, build: render.BuildInfo,
                   files: dict[str, bytes]) -> tuple[list[LessonBuild], int]:
    """Render each lesson's pages into `files` as soon as all its traces have arrived; return the lessons
    (in spec order) and how many traces were run rather than loaded from the cache.

    Rendering while the workers still run keeps the cores busy; pages depend only on their own
    lesson's traces, so the order of arrival never shows.
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
            files.update(lesson_pages(lesson, env, build, assets))
            lessons[index] = lesson
    return [lesson for lesson in lessons if lesson is not None], ran


def check_output(out: Path) -> None:
    """Refuse an output path that is a file, or a folder holding something other than a tracegen site."""
    if out.exists() and not out.is_dir():
        raise OutputError(out, "output", "is a file, not a folder; give a folder for the site")
    if out.is_dir():
        try:
            entries = {child.name for child in out.iterdir()}
        except OSError as exc:
            raise OutputError(out, "output", f"cannot read the folder: {exc.strerror}") from None
        if entries and MARKER not in entries and not entries <= set(KEEP):
            raise OutputError(out, "output", "the folder exists and was not built by tracegen; refusing to "
                              "replace it (give a new or empty folder)")


def write_site(files: dict[str, bytes], out: Path) -> None:
    """Write `files` into a temporary folder next to `out`, then swap it in place of `out`."""
    check_output(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(out)
        # The pid in the name tells a later build whether the folder's writer is still alive.
        temp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.build-{os.getpid()}-"))
    except OSError as exc:
        raise OutputError(out, "output", f"cannot write next to it: {exc.strerror}") from None
    try:
        with _sigterm_as_exit():
            for relative, data in files.items():
                path = temp / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            for name in KEEP:
                if (out / name).is_file() and name not in files:
                    shutil.copy2(out / name, temp / name)
            # mkdtemp creates the folder private (0700); a site is as readable as any other folder.
            os.chmod(temp, 0o755)
            # A SIGTERM between the swap's two renames would leave no site at `out`: hold it until after.
            with _signals_held():
                _swap(temp, out)
    except OSError as exc:
        shutil.rmtree(temp, ignore_errors=True)
        raise OutputError(out, "output", f"cannot write: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


STALE = re.compile(r"\.(?:build|old)-(?:(\d+)-)?")


def remove_stale_temporaries(out: Path) -> None:
    """Remove the temporary folders a killed build left next to `out` (their writer is gone).

    If a build was killed between the swap's two renames, `out` is missing and the previous
    site is still whole inside its `.old-` folder: it is moved back first.
    """
    prefix = f".{out.name}."
    for folder in sorted(out.parent.glob(f"{glob.escape(prefix)}*")):
        match = STALE.match(folder.name, len(prefix) - 1)
        if not folder.is_dir() or match is None or _alive(match.group(1)):
            continue
        previous = folder / out.name
        if ".old-" in folder.name and not out.exists() and (previous / MARKER).is_file():
            os.rename(previous, out)
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: str | None) -> bool:
    if pid is None or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else
    return True


@contextlib.contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """Turn SIGTERM into SystemExit while the site is written, so the temporary folder is removed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGTERM and SIGINT until the block ends (they are delivered right after it)."""
    held = {signal.SIGTERM, signal.SIGINT}
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _swap(new: Path, out: Path) -> None:
    """Replace `out` by `new` with two renames; if the second fails, the old site is moved back."""
    if not out.exists():
        os.rename(new, out)
        return
    holder = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-{os.getpid()}-"))
    old = holder / out.name
    os.rename(out, old)
    try:
        os.rename(new, out)
    except OSError:
        os.rename(old, out)
        shutil.rmtree(holder, ignore_errors=True)
        raise
    shutil.rmtree(holder, ignore_errors=True)


def compiled_environment(templates_dir: Path) -> Environment:
    """Return the Jinja environment with every template compiled (importing jinja2 and markdown)."""
    with _garbage_collector_paused():
        from tracegen import render

        env = render.make_environment(templates_dir)
        render.check_templates(env)
    return env


def _digest_files(digest: Any, folder: Path, pattern: str) -> None:
    for path in sorted(folder.rglob(pattern)):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())


def site_key(specs: Sequence[LessonSpec], seed: int | None, variants: int, templates_dir: Path,
             reproducible: bool) -> str:
    """Return a hash of everything the site's bytes depend on: lessons, data, templates, code, versions, options.

    It covers a superset of every trace hash (whole specs instead of their pipeline part, CSV
    bytes instead of fingerprints, all of tracegen's source instead of its version), so it can
    be computed without the trace hashes, whose data fingerprints import numpy.
    """
    digest = hashlib.sha256(f"tracegen site {SITE_FORMAT}\0reproducible={reproducible}\0"
                            f"seed={seed}\0variants={variants}\0".encode())
    _digest_files(digest, Path(__file__).resolve().parent, "*.py")
    _digest_files(digest, templates_dir, "*")
    for name, number in sorted(pipeline.library_versions().items()):
        digest.update(f"{name}={number}\0".encode())
    for name in RENDER_LIBRARIES:
        digest.update(f"{name}={version(name)}\0".encode())
    for spec in specs:
        digest.update(repr(spec).encode() + b"\0")
        data = spec.data_path() if spec.dataset.source == "csv" else None
        # A missing CSV cannot be up to date; the pipeline reports it in one line.
        digest.update(hashlib.sha256(data.read_bytes()).digest() if data is not None and data.is_file() else b"-")
    return digest.hexdigest()


def manifest_path(cache_dir: Path, out: Path) -> Path:
    """Return where the cache records what was last built into `out`."""
    return cache_dir / "sites" / f"{hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:24]}.json"


def _tree_digests(out: Path) -> dict[str, str]:
    """Return the sha256 of every file under `out` except the carried-over KEEP files."""
    found = {}
    for folder, _, names in os.walk(out):
        for name in names:
            path = Path(folder, name)
            relative = path.relative_to(out).as_posix()
            if relative not in KEEP:
                found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def unchanged_site(cache_dir: Path, out: Path, key: str) -> SiteReport | None:
    """Return the last build's report when `out` still holds exactly what `key` would build, else None."""
    try:
        manifest = json.loads(manifest_path(cache_dir, out).read_text(encoding="utf-8"))
        if manifest["key"] != key or not out.is_dir() or _tree_digests(out) != manifest["files"]:
            return None
        return SiteReport(out=out, files=tuple(sorted(manifest["files"])), page_weights=manifest["page_weights"],
                          search_index_bytes=manifest["search_index_bytes"], unchanged=True)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store_manifest(cache_dir: Path, key: str, files: dict[str, bytes], report: SiteReport) -> None:
    """Record what was built into report.out; a cache that cannot be written is skipped, never fatal."""
    manifest = {"key": key, "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
                "page_weights": report.page_weights, "search_index_bytes": report.search_index_bytes}
    path = manifest_path(cache_dir, report.out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(manifest, stream, sort_keys=True)
        os.replace(temp, path)
    except OSError:
        pass


def build_site(specs: Sequence[LessonSpec], out: Path, *, seed: int | None = None, variants: int = 0,
               reproducible: bool = False, templates_dir: Path | None = None, cache_dir: Path | None = None,
               jobs: int = 1, progress: Progress | None = None) -> SiteReport:
    """Run (or load from `cache_dir`) every lesson, render the whole site in memory, then swap it in at `out`.

    With a cache, a site whose every input is unchanged and whose files are intact is left as it is.
    """
    started = time.perf_counter()
    templates_dir = DEFAULT_TEMPLATES if templates_dir is None else templates_dir
    names = [spec.name for spec in specs]
    duplicate = next((name for name in names if names.count(name) > 1), None)
    if duplicate is not None:
        raise TracegenError(duplicate, "lesson", "two lessons share this name; each needs its own folder")
    # Fail before the slow part (running every lesson); write_site checks the output again.
    check_output(out)
    key = site_key(specs, seed, variants, templates_dir, reproducible) if cache_dir is not None else None
    if cache_dir is not None and key is not None:
        report = unchanged_site(cache_dir, out, key)
        if report is not None:
            count = len(specs) * (variants + 1)
            return dataclasses.replace(report, runs=count, from_cache=count, seconds=time.perf_counter() - started)
    runs = plan_runs(specs, seed, variants)
    # Every template is compiled before any lesson runs (a broken one fails fast), while the workers start.
    env, arrivals = gather_traces(specs, runs, cache_dir=cache_dir, jobs=jobs, progress=progress,
                                  prepare=lambda: compiled_environment(templates_dir))
    build = build_info(reproducible)
    files = site_frame(templates_dir)
    with contextlib.closing(arrivals):  # an error while rendering stops the workers at once
        lessons, ran = render_lessons(specs, runs, arrivals, env, build, files)
    files[SEARCH_INDEX] = search_index(lessons)
    files["index.html"] = index_page(lessons, env)
    files = dict(sorted(files.items()))
    write_site(files, out)
    report = SiteReport(out=out, files=tuple(files), page_weights=page_weights(files, lessons),
                        search_index_bytes=len(files[SEARCH_INDEX]), runs=len(runs), from_cache=len(runs) - ran,
                        seconds=time.perf_counter() - started)
    if cache_dir is not None and key is not None:
        store_manifest(cache_dir, key, files, report)
    return report


def build_predictions(path: Path, out: Path, *, reproducible: bool = False, templates_dir: Path | None = None) -> int:
    """tracegen build --predictions: one page with the evaluation half of a lesson for the user's predictions.

    The site holds index.html (the page), trace.json and the static files; it is written like a
    lesson site (atomic swap). Curve tables are thinned until the page fits PAGE_BUDGET.
    """
    from tracegen import quiz, render
    from tracegen.pipeline.predictions import run_predictions

    templates_dir = DEFAULT_TEMPLATES if templates_dir is None else templates_dir
    check_output(out)
    trace = run_predictions(path)
    questions = quiz.prediction_questions(trace)
    env = render.make_environment(templates_dir)
    build = build_info(reproducible)
    files = site_frame(templates_dir)
    files[SEARCH_INDEX] = search_index(())
    assets = page_asset_bytes(files)

    def render_at(max_rows: int | None) -> bytes:
        context = render.predictions_context(trace, questions, build=build, max_table_rows=max_rows)
        return render.render_page(env, "predictions.html", context).encode()

    _, page = fitting_page(render_at, assets, FIRST_TABLE_LIMIT)
    files["index.html"] = page
    files["trace.json"] = trace.to_json().encode()
    write_site(files, out)
    print(f"built {out}/: predictions page for {path.name} ({len(trace.evaluation.y_true)} rows, "
          f"{len(questions)} questions), {(len(page) + assets) / 1024:.1f} KB (HTML + CSS + JS)")
    return 0
