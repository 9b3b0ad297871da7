"""Command line: argparse over library functions. The only place that prints errors or exits.

A TracegenError becomes one line, ``tracegen: error: <file>: <field>: <message>``, and exit
code 2. Any other exception is a bug: it keeps its traceback (and --debug shows ours too).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tracegen.errors import OutputError, SpecError, TracegenError, UsageError
from tracegen.files import not_replaceable, write_atomic

if TYPE_CHECKING:
    from tracegen.site import SiteReport
    from tracegen.spec import LessonSpec

DEFAULT_LESSONS = Path("lessons")


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump) that the caller turns into exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(self.prog, "", f"{message} (see '{self.prog} --help')")


def positive_int(text: str) -> int:
    """Parse an option that must be an integer > 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def seed_int(text: str) -> int:
    """Parse a seed: an integer in [0, 2**32 - 1], as scikit-learn's random_state accepts."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"expected an integer in [0, 2**32), got {value}")
    return value


def seed_range(text: str) -> range:
    """Parse --seeds: one seed (5) or an inclusive range (0-39)."""
    from tracegen.claims import parse_seeds

    try:
        return parse_seeds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tracegen", description="Run real classification pipelines and teach from the trace.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks, for bug reports")
    parser.add_argument("--lessons", type=Path, default=DEFAULT_LESSONS, metavar="DIR",
                        help="folder of lesson files (default: lessons)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    run = commands.add_parser("run", help="run a lesson's pipeline and print its trace")
    run.add_argument("lesson", metavar="LESSON", nargs="?",
                     help="a lesson name in lessons/ or a path to a lesson file (omit with --predictions)")
    run.add_argument("--predictions", type=Path, metavar="FILE.csv",
                     help="evaluate your own model's predictions instead of a lesson: a y_true column and "
                          "either one score column (binary) or one probability column per class")
    run.add_argument("--seed", type=seed_int, help="override the lesson's seed")
    run.add_argument("--epochs", type=positive_int, help="override the lesson's epoch count")
    run.add_argument("--json", type=Path, metavar="PATH", help="also write the trace as JSON")
    run.add_argument("--reproducible", action="store_true",
                     help="leave out the provenance block (run times), so output is byte-identical")
    run.set_defaults(handler=cmd_run)

    build = commands.add_parser("build", help="render lessons into a static site you can study offline")
    build.add_argument("names", nargs="*", metavar="LESSON",
                       help="lesson names in lessons/ or paths to lesson files (default: every lesson)")
    build.add_argument("--out", type=Path, default=Path("site"), metavar="DIR",
                       help="output folder, replaced as a whole when the build succeeds (default: site)")
    build.add_argument("--seed", type=seed_int, help="override every lesson's seed")
    build.add_argument("--variants", type=positive_int, default=0, metavar="K",
                       help="also build K retakes per lesson at seed + 1..K (new numbers, same text)")
    build.add_argument("--reproducible", action="store_true",
                       help="leave out wall times and the build timestamp, so the same lessons and seed give a "
                            "byte-identical site")
    build.add_argument("--templates", type=Path, metavar="DIR",
                       help="templates folder (default: tracegen's templates/)")
    build.add_argument("--cache-dir", type=Path, default=Path(".tracegen-cache"), metavar="DIR",
                       help="keep traces here, so only lessons whose inputs changed run again "
                            "(default: .tracegen-cache)")
    build.add_argument("--no-cache", action="store_true", help="run every lesson; read and write no cache")
    build.add_argument("--jobs", "-j", type=positive_int, default=usable_cpus(), metavar="N",
                       help="run lessons and variants in N worker processes (default: one per CPU, here "
                            "%(default)s; the same output for any N)")
    build.add_argument("--learners", type=Path, metavar="ROSTER.csv",
                       help="give each learner in the roster (a 'learner' column) a retake of every lesson; "
                            "writes ROSTER-variants.csv, and keeps each learner's retake on later builds")
    build.add_argument("--executor", choices=("processes", "dask"), default="processes",
                       help="where lesson runs execute: local worker processes (default), or a Dask cluster "
                            "(pip install 'tracegen[dask]'); pages are rendered here either way")
    build.add_argument("--scheduler", metavar="ADDRESS",
                       help="with --executor dask: the scheduler, e.g. tcp://10.0.0.5:8786 (default: start "
                            "--jobs workers on this machine)")
    build.add_argument("--quiet", "-q", action="store_true", help="no progress or summary on stderr")
    build.add_argument("--predictions", type=Path, metavar="FILE.csv",
                       help="build one page evaluating your own model's predictions instead of the lessons")
    build.set_defaults(handler=cmd_build)

    quiz = commands.add_parser("quiz", help="take a lesson's quiz in the terminal, with feedback and a score")
    quiz.add_argument("lesson", metavar="LESSON", help="a lesson name in lessons/ or a path to a lesson file")
    quiz.add_argument("--seed", type=seed_int, help="override the lesson's seed (a new variant, new numbers)")
    quiz.add_argument("--answers", type=Path, metavar="FILE",
                      help="grade the answers in this TOML file instead of asking (id = answer per line)")
    quiz.set_defaults(handler=cmd_quiz)

    check = commands.add_parser("check", help="run lessons for a range of seeds; report false claims and questions "
                                               "that cannot teach")
    check.add_argument("names", nargs="*", metavar="LESSON",
                       help="lesson names in lessons/ or paths to lesson files (default: every lesson)")
    check.add_argument("--seeds", type=seed_range, metavar="A-B",
                       help="check seeds A to B inclusive, or one seed (default: each lesson's own seed)")
    check.add_argument("--cache-dir", type=Path, default=Path(".tracegen-cache"), metavar="DIR",
                       help="reuse and keep traces here, as build does (default: .tracegen-cache)")
    check.add_argument("--no-cache", action="store_true", help="run every lesson; read and write no cache")
    check.add_argument("--jobs", "-j", type=positive_int, default=usable_cpus(), metavar="N",
                       help="run in N worker processes (default: one per CPU, here %(default)s)")
    check.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    check.set_defaults(handler=cmd_check)

    export = commands.add_parser("export", help="export a lesson's quiz for an LMS (Moodle GIFT or QTI 2.1)")
    export.add_argument("lesson", metavar="LESSON", help="a lesson name in lessons/ or a path to a lesson file")
    export.add_argument("--format", required=True, choices=("gift", "qti"),
                        help="gift: Moodle GIFT text; qti: QTI 2.1 content package (zip)")
    export.add_argument("--seed", type=seed_int, help="override the lesson's seed (a new variant, new numbers)")
    export.add_argument("--variants", type=positive_int, metavar="K",
                        help="a question bank: the questions of seed and seed + 1..K, one GIFT category (one "
                             "QTI section picking one at random) per question")
    export.add_argument("--out", type=Path, metavar="PATH",
                        help="output file (default: <lesson>-seed<N>.gift or <lesson>-seed<N>-qti.zip; "
                             "with --variants <lesson>-seeds<N>-<N+K>...)")
    export.set_defaults(handler=cmd_export)
    return parser


def resolve_lesson(name: str, lessons_dir: Path) -> Path:
    """Return the lesson file for a name in `lessons_dir` or a path."""
    path = Path(name)
    if path.suffix == ".md" or path.exists():
        if not path.is_file():
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
    from tracegen.spec import load_lesson

    if args.predictions is not None:
        if args.names:
            raise UsageError("tracegen build", "--predictions",
                             "builds one page from the file; name no lessons with it")
        made = site.build_predictions(args.predictions, args.out, reproducible=args.reproducible,
                                      templates_dir=args.templates)
        print(f"built {made.out}/: predictions page for {made.source.name} ({made.rows} rows, "
              f"{made.questions} questions), {made.page_weight / 1024:.1f} KB (HTML + CSS + JS)")
        return 0
    if args.scheduler is not None and args.executor != "dask":
        raise UsageError("tracegen build", "--scheduler", "names a Dask scheduler; use it with --executor dask")
    scheduler = (args.scheduler or "local") if args.executor == "dask" else None
    specs = [load_lesson(path) for path in lesson_paths(args.names, args.lessons)]
    assignments = None
    if args.learners is not None:
        from tracegen import roster

        assignments = roster.assign(roster.load_roster(args.learners), roster.previous_assignments(args.learners))
        args.variants = max(args.variants, *(a.variant for a in assignments))
    progress = Progress(None if args.quiet else sys.stderr)
    try:
        report = site.build_site(specs, args.out, seed=args.seed, variants=args.variants,
                                 reproducible=args.reproducible, templates_dir=args.templates,
                                 cache_dir=None if args.no_cache else args.cache_dir, jobs=args.jobs,
                                 progress=progress, scheduler=scheduler)
    except BaseException:
        progress.abandon()  # so an error line does not land on a half-drawn progress line
        raise
    progress.summary(build_summary(report, len(specs)))
    print(f"built {args.out}/: {len(specs)} lesson(s), {len(report.page_weights)} lesson page(s), "
          f"{len(report.files)} files")
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


def usable_cpus() -> int:
    """Return how many CPUs this process may run on (the default number of build workers)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


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
    quiz_terminal.run_quiz(questions, sys.stdin, sys.stdout, answers)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from tracegen import export

    if args.variants is not None:
        return _export_bank(args)
    spec, trace, questions = _lesson_questions(args)
    suffix = ".gift" if args.format == "gift" else "-qti.zip"
    out = args.out or Path(f"{trace.lesson}-seed{trace.seed}{suffix}")
    if args.format == "gift":
        write_output(out, export.to_gift(questions, trace, spec.title))
    else:
        write_output(out, export.to_qti_zip(questions, trace, spec.title))
    print(f"wrote {out}: {len(questions)} questions ({args.format}, lesson {trace.lesson}, seed {trace.seed})")
    return 0


def _export_bank(args: argparse.Namespace) -> int:
    """tracegen export --variants K: every variant's questions (as their pages show them), grouped per question."""
    from tracegen import banks, site
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
    name = f"{spec.name}-seeds{seeds[0]}-{seeds[-1]}"
    out = args.out or Path(name + (".gift" if args.format == "gift" else "-qti.zip"))
    write_output(out, banks.to_gift_bank(bank, spec.name, seeds, spec.title) if args.format == "gift"
                 else banks.to_qti_bank_zip(bank, spec.name, seeds, spec.title))
    print(f"wrote {out}: {len(bank)} questions x {len(seeds)} variants "
          f"({sum(len(q) for _, q in bank)} in all; {args.format}, lesson {spec.name})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except TracegenError as exc:
        if debug:
            raise
        print(f"tracegen: error: {exc.one_line()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tracegen: interrupted", file=sys.stderr)
        return 130
