"""Lessons -> a static site you can study offline: run, render every page in memory, then write.

The build has two phases. First every lesson (and every seeded variant) is run and every
file of the site is rendered into memory, so any error (a bad expression, a broken template)
stops the build before anything is written. Then the files are written into a temporary
folder next to the output and swapped in with renames, so the previous site stays whole
until the new one is complete.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from jinja2 import Environment

from tracegen import pipeline, render
from tracegen.errors import OutputError, TracegenError
from tracegen.question import Question
from tracegen.quiz import make_questions
from tracegen.spec import LessonSpec
from tracegen.trace import Trace

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

    @property
    def over_budget(self) -> tuple[str, ...]:
        """Return the lesson pages heavier than PAGE_BUDGET."""
        return tuple(page for page, weight in self.page_weights.items() if weight > PAGE_BUDGET)


def run_lesson(spec: LessonSpec, seed: int | None, variants: int) -> LessonBuild:
    """Run the lesson at its base seed and at base seed + k for k = 1..variants."""
    base = spec.split.seed if seed is None else seed
    if base + variants > MAX_SEED:
        raise TracegenError("--variants", "", f"seed {base} + {variants} variants exceeds {MAX_SEED}; "
                            "use a smaller --seed or fewer --variants")
    runs = []
    for number in range(variants + 1):
        trace = pipeline.run(spec, seed=base + number)
        runs.append(Variant(number=number, seed=trace.seed, trace=trace, questions=make_questions(spec, trace)))
    return LessonBuild(spec=spec, variants=tuple(runs))


def _relative(from_dir: str, to_dir: str) -> str:
    """Return the href from page folder `from_dir` to `to_dir`index.html (both relative to the root)."""
    return posixpath.relpath(to_dir + "index.html", from_dir)


def lesson_pages(lesson: LessonBuild, env: Environment, build: render.BuildInfo,
                 asset_bytes: int) -> dict[str, bytes]:
    """Return the page and trace.json of every variant of one lesson.

    Curve tables show every point if the page stays within PAGE_BUDGET; otherwise they are
    thinned step by step (the page says so and links trace.json for the full arrays).
    """
    files: dict[str, bytes] = {}
    name = lesson.spec.name
    for variant in lesson.variants:
        here = variant.directory(name)
        links = [render.PageLink(v.label, _relative(here, v.directory(name)), v is variant, v.seed)
                 for v in lesson.variants]
        for max_rows in TABLE_ROW_LIMITS:
            context = render.lesson_context(lesson.spec, variant.trace, variant.questions,
                                            root="../" * here.count("/"), variants=links, build=build,
                                            max_table_rows=max_rows)
            page = render.render_page(env, "lesson.html", context).encode()
            if len(page) + asset_bytes <= PAGE_BUDGET:
                break
        files[here + "index.html"] = page
        files[here + "trace.json"] = variant.trace.to_json().encode()
    return files


def _progress_entry(lesson: LessonBuild, variant: Variant) -> dict[str, Any]:
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


def page_weights(files: dict[str, bytes], lessons: Sequence[LessonBuild]) -> dict[str, int]:
    """Return the bytes of each lesson page plus the CSS and JS it loads (trace.json not counted)."""
    assets = sum(len(files.get(path, b"")) for path in PAGE_ASSETS)
    return {variant.directory(lesson.spec.name) + "index.html":
            len(files[variant.directory(lesson.spec.name) + "index.html"]) + assets
            for lesson in lessons for variant in lesson.variants}


def render_site(lessons: Sequence[LessonBuild], templates_dir: Path, build: render.BuildInfo) -> dict[str, bytes]:
    """Return every file of the site, rendered in memory."""
    env = render.make_environment(templates_dir)
    files: dict[str, bytes] = {MARKER: MARKER_TEXT.encode()}
    files.update(static_files(templates_dir))
    files[SEARCH_INDEX] = search_index(lessons)
    asset_bytes = sum(len(files.get(path, b"")) for path in PAGE_ASSETS)
    for lesson in lessons:
        files.update(lesson_pages(lesson, env, build, asset_bytes))
    files["index.html"] = index_page(lessons, env)
    return files


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
        temp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.build-"))
    except OSError as exc:
        raise OutputError(out, "output", f"cannot write next to it: {exc.strerror}") from None
    try:
        for relative, data in files.items():
            path = temp / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        for name in KEEP:
            if (out / name).is_file() and name not in files:
                shutil.copy2(out / name, temp / name)
        # mkdtemp creates the folder private (0700); a site is as readable as any other folder.
        os.chmod(temp, 0o755)
        _swap(temp, out)
    except OSError as exc:
        shutil.rmtree(temp, ignore_errors=True)
        raise OutputError(out, "output", f"cannot write: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def _swap(new: Path, out: Path) -> None:
    """Replace `out` by `new` with two renames; if the second fails, the old site is moved back."""
    if not out.exists():
        os.rename(new, out)
        return
    holder = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
    old = holder / out.name
    os.rename(out, old)
    try:
        os.rename(new, out)
    except OSError:
        os.rename(old, out)
        shutil.rmtree(holder, ignore_errors=True)
        raise
    shutil.rmtree(holder, ignore_errors=True)


def build_site(specs: Sequence[LessonSpec], out: Path, *, seed: int | None = None, variants: int = 0,
               reproducible: bool = False, templates_dir: Path = render.TEMPLATES_DIR) -> SiteReport:
    """Run every lesson, render the whole site in memory, then swap it in at `out`."""
    started = time.perf_counter()
    names = [spec.name for spec in specs]
    duplicate = next((name for name in names if names.count(name) > 1), None)
    if duplicate is not None:
        raise TracegenError(duplicate, "lesson", "two lessons share this name; each needs its own folder")
    # Fail before the slow part (running every lesson); write_site checks the output again.
    check_output(out)
    render.check_templates(render.make_environment(templates_dir))
    lessons = [run_lesson(spec, seed, variants) for spec in specs]
    build = render.BuildInfo(
        reproducible=reproducible,
        built_at=None if reproducible else datetime.now(timezone.utc).isoformat(timespec="seconds"),
        build_seconds=None if reproducible else time.perf_counter() - started,
    )
    files = render_site(lessons, templates_dir, build)
    write_site(files, out)
    return SiteReport(out=out, files=tuple(sorted(files)), page_weights=page_weights(files, lessons),
                      search_index_bytes=len(files[SEARCH_INDEX]))
