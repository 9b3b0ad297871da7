"""Command line: argparse over library functions. The only place that prints errors or exits.

A TracegenError becomes one line, ``tracegen: error: <file>: <field>: <message>``, and exit
code 2. Any other exception is a bug: it keeps its traceback (and --debug shows ours too).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tracegen.config import SiteConfig, load_config, ordered
from tracegen.errors import OutputError, SpecError, TracegenError, UsageError
from tracegen.files import not_replaceable, write_atomic
from tracegen.options import build_parser, lessons_folder, usable_cpus
from tracegen.streams import closed_streams_to_devnull, reader_gone, report

if TYPE_CHECKING:
    from tracegen.site import SiteReport
    from tracegen.spec import LessonSpec

def resolve_lesson(name: str, lessons_dir: Path) -> Path:
    """Return the lesson file for a name in `lessons_dir` or a path."""
    path = Path(name)
    if path.suffix == ".md" or path.exists():
        if not os.path.lexists(path):  # a FIFO, device or link loop is named by load_lesson, not "not found"
            raise SpecError(path, "lesson", "file not found")
        return path
    candidate = lessons_dir / f"{name}.md"
    if candidate.is_file():
        return candidate
    known = sorted(p.stem for p in lessons_dir.glob("*.md")) if lessons_dir.is_dir() else []
    hint = f"available: {', '.join(known)}" if known else f"no lessons found in {lessons_dir}"
    raise SpecError(lessons_dir, "lesson", f"no lesson named '{name}'; {hint}")


def write_output(path: Path, data: bytes | str) -> None:
    """Write a file the user named (text as UTF-8) atomically; a failure is one error line."""
    path = Path(path)
    refusal = not_replaceable(path)  # a directory, symbolic link, device or FIFO is never replaced
    if refusal is not None:
        raise OutputError(path, "output", f"{refusal}; give a file path")
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise OutputError(path, "output", f"cannot write: {exc.strerror}") from None


def cmd_run(args: argparse.Namespace) -> int:
    from tracegen import pipeline
    from tracegen.claims import require_claims
    from tracegen.spec import load_lesson
    from tracegen.terminal import run as terminal

    if args.predictions is not None:
        return run_predictions(args)
    if args.lesson is None:
        raise UsageError("tracegen run", "", "needs a LESSON, or --predictions FILE.csv")
    spec = load_lesson(resolve_lesson(args.lesson, args.lessons))
    if args.epochs is not None:
        spec = pipeline.with_epochs(spec, args.epochs)
    trace = pipeline.run(spec, seed=args.seed)
    require_claims(spec, trace)
    if args.json is not None:
        write_output(args.json, trace.to_json())
    text = terminal.render(trace, spec.title)
    if not args.reproducible:
        text += terminal.provenance(trace)
    sys.stdout.write(text)
    return 0


def run_predictions(args: argparse.Namespace) -> int:
    """tracegen run --predictions: evaluate a predictions CSV and print the evaluation half of a lesson."""
    from tracegen.pipeline.predictions import run_predictions as evaluate_file
    from tracegen.terminal import run as terminal

    if args.lesson is not None or args.seed is not None or args.epochs is not None:
        raise UsageError("tracegen run", "--predictions", "evaluates a file; it takes no LESSON, --seed or --epochs")
    trace = evaluate_file(args.predictions)
    if args.json is not None:
        write_output(args.json, trace.to_json())
    text = terminal.render(trace, f"Your predictions: {args.predictions.name}")
    if not args.reproducible:
        text += terminal.provenance(trace)
    sys.stdout.write(text)
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from tracegen import site
    from tracegen.progress import Progress
    from tracegen.site.write import restore_previous_site
    from tracegen.spec import load_lesson

    # First, so that a site a killed build left aside comes back even if this build fails early.
    restore_previous_site(args.out)
    if args.predictions is not None:
        if args.names:
            raise UsageError("tracegen build", "--predictions",
                             "builds one page from the file; name no lessons with it")
        if args.seed is not None or args.variants:
            raise UsageError("tracegen build", "--predictions", "builds one page from the file; it takes no "
                             "--seed or --variants (nothing is trained)")
        made = site.build_predictions(args.predictions, args.out, reproducible=args.reproducible,
                                      template_overrides=args.templates)
        print(f"built {made.out}/: predictions page for {made.source.name} ({made.rows} rows, "
              f"{made.questions} questions), {made.page_weight / 1024:.1f} KB (HTML + CSS + JS)")
        return 0
    if args.scheduler is not None and args.executor != "dask":
        raise UsageError("tracegen build", "--scheduler", "names a Dask scheduler; use it with --executor dask")
    scheduler = (args.scheduler or "local") if args.executor == "dask" else None
    paths = lesson_paths(args.names, args.lessons)
    if not args.names:
        paths = ordered(paths, args.config.order, args.config.source)
    specs = [load_lesson(path) for path in paths]
    # Building some lessons: prerequisites may name the other lessons of the lessons folder or of a named
    # file's own folder (skipped on this site's path); a name found nowhere is an error.
    folders = {args.lessons, *(path.parent for path in paths)} if args.names else set()
    elsewhere = {p.stem for folder in folders if folder.is_dir() for p in folder.glob("*.md")}
    assignments = None
    if args.learners is not None:
        from tracegen import roster

        assignments = roster.assign(roster.load_roster(args.learners), roster.previous_assignments(args.learners))
        args.variants = max(args.variants, *(a.variant for a in assignments))
    progress = Progress(None if args.quiet else sys.stderr)
    try:
        report = site.build_site(specs, args.out, seed=args.seed, variants=args.variants,
                                 reproducible=args.reproducible, template_overrides=args.templates,
                                 cache_dir=None if args.no_cache else args.cache_dir, jobs=args.jobs,
                                 progress=progress, scheduler=scheduler, site_title=args.config.title,
                                 elsewhere=elsewhere)
    except BaseException:
        progress.abandon()  # so an error line does not land on a half-drawn progress line
        raise
    progress.summary(build_summary(report, len(specs)))
    source = "" if args.names else f" from {args.lessons}"
    print(f"built {args.out}/: {len(specs)} lesson(s){source}, {len(report.page_weights)} lesson page(s), "
          f"{len(report.files)} files")
    if report.replaced:  # their pages show another seed than seed + k, which a teacher may wonder about
        print(f"  {report.replaced} retake(s) at a replacement seed: a claim was false at seed + k")
    for line in report.weight_lines():
        print(f"  {line}")
    if assignments is not None:
        from tracegen import roster

        table = roster.assigned_table(args.learners)
        write_output(table, roster.learners_table(assignments, [spec.name for spec in specs]))
        print(f"wrote {table}: {len(assignments)} learner(s), each with their own retake of every lesson")
    return 0


def lesson_paths(names: Sequence[str], lessons_dir: Path) -> list[Path]:
    """Return the named lessons' files, or every lesson file in `lessons_dir` when none is named."""
    if names:
        return [resolve_lesson(name, lessons_dir) for name in names]
    # Hidden files (editor lock files, macOS `._` files, `..md`) are skipped, as the shell's `*` skips them.
    paths = sorted(p for p in lessons_dir.glob("*.md") if not p.name.startswith(".")) if lessons_dir.is_dir() else []
    if not paths:
        raise SpecError(lessons_dir, "lesson", "no lesson files (*.md) found; name a lesson file")
    return paths


def cmd_check(args: argparse.Namespace) -> int:
    """tracegen check: one line per false claim and per question that cannot teach; exit 2 on any."""
    from tracegen import quiz
    from tracegen.claims import check_lessons
    from tracegen.progress import Progress
    from tracegen.spec import load_lesson
    from tracegen.terminal.text import wrap

    specs = [load_lesson(path) for path in lesson_paths(args.names, args.lessons)]
    for spec in specs:
        quiz.check_quiz(spec)  # a bad [quiz] table is one error line before anything runs
    progress = Progress(None if args.quiet else sys.stderr)
    try:
        results = check_lessons(specs, args.seeds, jobs=args.jobs,
                                cache_dir=None if args.no_cache else args.cache_dir, progress=progress)
    except BaseException:
        progress.abandon()
        raise
    progress.summary(f"checked {len(results)} run(s) in {progress.elapsed():.1f} s")
    findings = [line for lines in results for line in lines]
    for line in findings:  # one finding per paragraph, wrapped to fit an 80-column terminal
        print("\n".join(wrap(line, indent="    ")))
    seeds = "each lesson's seed" if args.seeds is None else (
        f"seed {args.seeds[0]}" if len(args.seeds) == 1 else f"seeds {args.seeds[0]}-{args.seeds[-1]}")
    failing = len({spec.name for spec, lines in zip(_per_run(specs, args.seeds), results) if lines})
    verdict = (f"{len(findings)} finding(s) in {failing} lesson(s)" if findings else "no findings")
    print(f"checked {len(specs)} lesson(s) at {seeds} ({len(results)} runs): {verdict}")
    return 2 if findings else 0


def _per_run(specs: Sequence[LessonSpec], seeds: range | None) -> list[LessonSpec]:
    """Return the lesson of each run check_lessons makes, in its order."""
    return [spec for spec in specs for _ in (seeds if seeds is not None else [spec.split.seed])]


def build_summary(report: SiteReport, lessons: int) -> str:
    """Return the one-line build summary: lessons, traces run and loaded from the cache, wall time."""
    state = "site unchanged, nothing written" if report.unchanged else f"wrote {report.out}/"
    return (f"{lessons} lesson(s), {report.runs} trace(s): {report.runs - report.from_cache} run, "
            f"{report.from_cache} from cache; {state} in {report.seconds:.2f} s")


def _lesson_questions(args: argparse.Namespace):
    """Load, check and run a lesson; return (spec, trace, questions)."""
    from tracegen import pipeline, quiz
    from tracegen.claims import require_claims
    from tracegen.site.pages import site_questions
    from tracegen.spec import load_lesson

    spec = load_lesson(resolve_lesson(args.lesson, args.lessons))
    quiz.check_quiz(spec)  # fail on a bad [quiz] table before the pipeline runs
    trace = pipeline.run(spec, seed=args.seed)
    require_claims(spec, trace)
    # The questions the lesson page shows on this trace: those that cannot teach are dropped.
    return spec, trace, site_questions(spec, trace)


def cmd_quiz(args: argparse.Namespace) -> int:
    from tracegen.terminal import quiz as quiz_terminal
    from tracegen.terminal.text import wrap

    spec, trace, questions = _lesson_questions(args)
    answers = quiz_terminal.load_answers(args.answers, questions) if args.answers is not None else None
    sys.stdout.write("\n".join(wrap(f"{spec.title}: {len(questions)} questions (lesson {trace.lesson}, "
                                     f"seed {trace.seed}, trace {trace.hash[:12]})")) + "\n\n")
    score, total = quiz_terminal.run_quiz(questions, sys.stdin, sys.stdout, answers)
    # Graded from a file, the exit code carries the verdict (an autograder reads it); asked live, it does not.
    return 1 if answers is not None and score * 100 < args.fail_under * total else 0


def cmd_export(args: argparse.Namespace) -> int:
    from tracegen import export
    from tracegen.qti12 import to_qti12_zip

    if args.variants is not None:
        if args.format in ("qti12", "ipynb"):
            raise UsageError("tracegen export", "--variants", "question banks are written as gift or qti")
        return _export_bank(args)
    if args.format == "ipynb":
        return _export_notebook(args)
    spec, trace, questions = _lesson_questions(args)
    writers: dict[str, tuple[str, Callable[..., bytes | str]]] = {
        "gift": (".gift", export.to_gift), "qti": ("-qti.zip", export.to_qti_zip),
        "qti12": ("-qti12.zip", to_qti12_zip)}
    suffix, writer = writers[args.format]
    out = args.out or Path(f"{trace.lesson}-seed{trace.seed}{suffix}")
    write_output(out, writer(questions, trace, spec.title))
    kept, left_out = export.exportable(questions)
    print(f"wrote {out}: {len(kept)} questions ({args.format}, lesson {trace.lesson}, seed {trace.seed})"
          + export.left_out_note(left_out))
    return 0


def _export_notebook(args: argparse.Namespace) -> int:
    """tracegen export --format ipynb: a notebook whose plain scikit-learn code reproduces the lesson's run."""
    from tracegen import pipeline
    from tracegen.claims import require_claims
    from tracegen.ipynb import to_notebook
    from tracegen.spec import load_lesson

    spec = load_lesson(resolve_lesson(args.lesson, args.lessons))
    trace = pipeline.run(spec, seed=args.seed)
    require_claims(spec, trace)
    out = args.out or Path(f"{trace.lesson}-seed{trace.seed}.ipynb")
    write_output(out, to_notebook(spec, trace))
    print(f"wrote {out}: notebook reproducing lesson {trace.lesson} at seed {trace.seed} (plain scikit-learn)")
    return 0


def _export_bank(args: argparse.Namespace) -> int:
    """tracegen export --variants K: every variant's questions (as their pages show them), grouped per question."""
    from tracegen import banks, export, site
    from tracegen.progress import Progress
    from tracegen.spec import load_lesson

    spec = load_lesson(resolve_lesson(args.lesson, args.lessons))
    progress = Progress(sys.stderr)
    try:
        variants = site.variant_questions(spec, args.seed, args.variants, jobs=usable_cpus(), progress=progress)
    except BaseException:
        progress.abandon()
        raise
    progress.summary(f"ran {len(variants)} variant(s) in {progress.elapsed():.1f} s")
    bank, seeds = banks.question_banks(variants), [seed for seed, _ in variants]
    left_out = [qid for _, questions in variants for qid in export.exportable(questions)[1]]
    name = f"{spec.name}-seeds{seeds[0]}-{seeds[-1]}"
    out = args.out or Path(name + (".gift" if args.format == "gift" else "-qti.zip"))
    write_output(out, banks.to_gift_bank(bank, spec.name, seeds, spec.title) if args.format == "gift"
                 else banks.to_qti_bank_zip(bank, spec.name, seeds, spec.title))
    print(f"wrote {out}: {len(bank)} questions x {len(seeds)} variants "
          f"({sum(len(q) for _, q in bank)} in all; {args.format}, lesson {spec.name})"
          + export.left_out_note(left_out))
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    """tracegen new DIR: a starter course that `cd DIR && tracegen build` builds at once."""
    from tracegen.resources import STARTER

    folder: Path = args.folder
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise OutputError(folder, "new", "exists and is not an empty folder; give a new folder for the course")
    lessons = [path for path in sorted(STARTER.glob("*.md")) if path.name != "README.md"]
    files = {Path("lessons") / path.name: path.read_text(encoding="utf-8") for path in lessons}
    files[Path("README.md")] = (STARTER / "README.md").read_text(encoding="utf-8")
    files[Path(".gitignore")] = "# Built by tracegen: rebuilt from the lessons at any time.\nsite/\n.tracegen-cache/\n"
    names = ", ".join(json.dumps(path.stem) for path in lessons)
    files[Path("tracegen.toml")] = ("# The course's settings (see tracegen's README); the command line wins.\n"
                                    f'title = "My course"\nlessons = "lessons"\norder = [{names}]\nout = "site"\n')
    for relative, text in files.items():
        write_output(folder / relative, text)
    print(f"wrote {folder}/: {len(lessons)} lessons in lessons/, tracegen.toml, README.md, .gitignore")
    print(f"next: cd {folder} && tracegen build, then open site/index.html")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """tracegen serve: build as `build` does, serve on 127.0.0.1, rebuild on each change; Ctrl-C stops."""
    from tracegen.config import CONFIG_FILE
    from tracegen.resources import template_folders
    from tracegen.serve import Course, serve

    def prepare() -> Course:
        # The settings are read again each time, so an edit to tracegen.toml takes effect at once.
        settled = with_settings(args.given, load_config(Path.cwd()))
        watched = (settled.lessons, *template_folders(settled.templates), Path(CONFIG_FILE), Path("pyproject.toml"))
        return Course(out=settled.out, watched=watched, ignored=(settled.out, settled.cache_dir),
                      build=lambda: (cmd_build(settled), sys.stdout.flush()))

    return serve(prepare, port=args.port, say=lambda line: print(line, flush=True),
                 error=lambda exc: report(f"tracegen: error: {exc.one_line()}", 2))


def with_settings(args: argparse.Namespace, config: SiteConfig) -> argparse.Namespace:
    """Return the parsed command line with the course settings filled in where it says nothing."""
    settled = argparse.Namespace(**vars(args))
    settled.given, settled.config = args, config
    settled.lessons = lessons_folder(args.lessons or config.lessons)
    if args.command in ("build", "serve"):
        settled.out = args.out or config.out or Path("site")
        settled.templates = args.templates or config.templates
    return settled


COMMANDS = {"new": cmd_new, "run": cmd_run, "build": cmd_build, "quiz": cmd_quiz, "check": cmd_check,
            "export": cmd_export, "serve": cmd_serve}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    closed_streams_to_devnull()
    try:
        args = with_settings(build_parser().parse_args(argv), load_config(Path.cwd()))
        code = COMMANDS[args.command](args)
    except TracegenError as exc:
        if debug:
            raise
        return report(f"tracegen: error: {exc.one_line()}", 2)
    except KeyboardInterrupt:
        return report("tracegen: interrupted", 130)
    except BrokenPipeError:
        return reader_gone()
    try:
        sys.stdout.flush()  # so a reader that went away is found here, not in the flush at exit
    except OSError:  # EPIPE: the reader went away; EBADF: the descriptor was closed
        return reader_gone()
    return code
