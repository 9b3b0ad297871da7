"""The command line's grammar: every command and option, their types, and one-line usage errors.

Nothing here runs a command: each subcommand sets `command`, which tracegen.cli dispatches.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tracegen import __version__
from tracegen.ascii_numbers import parse_int
from tracegen.errors import UsageError

DEFAULT_LESSONS = Path("lessons")
TEMPLATES_HELP = ("template overrides: a folder searched before tracegen's templates, holding only the files you "
                  "change (e.g. _header.html, static/site.css) (default: the settings' templates)")


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump) that the caller turns into exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(self.prog, "", f"{message} (see '{self.prog} --help')")


def positive_int(text: str) -> int:
    """Parse an option that must be an integer > 0."""
    try:
        value = parse_int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def seed_int(text: str) -> int:
    """Parse a seed: an integer in [0, 2**32 - 1], as scikit-learn's random_state accepts."""
    try:
        value = parse_int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"expected an integer in [0, 2**32), got {value}")
    return value


def percent(text: str) -> float:
    """Parse a percentage from 0 to 100."""
    try:
        value = float(text) if text.isascii() else float("nan")
    except ValueError:
        value = float("nan")
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"expected a percentage from 0 to 100, got {text!r}")
    return value


def port_number(text: str) -> int:
    """Parse a TCP port: 0 (any free port) to 65535."""
    try:
        value = parse_int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {value}")
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
    parser.add_argument("--version", action="version", version=f"tracegen {__version__}")
    parser.add_argument("--lessons", type=Path, metavar="DIR",
                        help="folder of lesson files (default: ./lessons if there is one, else tracegen's "
                             "built-in lessons)")
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
    run.set_defaults(command="run")

    build = commands.add_parser("build", help="render lessons into a static site you can study offline")
    build.add_argument("names", nargs="*", metavar="LESSON",
                       help="lesson names in lessons/ or paths to lesson files (default: every lesson)")
    build.add_argument("--out", type=Path, metavar="DIR",
                       help="output folder, replaced as a whole when the build succeeds (default: the settings' "
                            "out, else site)")
    build.add_argument("--seed", type=seed_int, help="override every lesson's seed")
    build.add_argument("--variants", type=positive_int, default=0, metavar="K",
                       help="also build K retakes per lesson at seed + 1..K (new numbers, same text; "
                            "a seed whose run makes a claim false is replaced)")
    build.add_argument("--reproducible", action="store_true",
                       help="leave out wall times and the build timestamp, so the same lessons and seed give a "
                            "byte-identical site")
    build.add_argument("--templates", type=Path, metavar="DIR", help=TEMPLATES_HELP)
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
    build.set_defaults(command="build")

    serve = commands.add_parser("serve", help="build, serve the site on 127.0.0.1 and rebuild it (reloading the "
                                               "open page) when a lesson, template or setting changes")
    serve.add_argument("--port", type=port_number, default=8000, help="port to listen on (default: %(default)s; "
                                                                      "0: any free port)")
    serve.add_argument("--out", type=Path, metavar="DIR", help="output folder, as for build")
    serve.add_argument("--seed", type=seed_int, help="override every lesson's seed")
    serve.add_argument("--templates", type=Path, metavar="DIR", help=TEMPLATES_HELP)
    serve.add_argument("--cache-dir", type=Path, default=Path(".tracegen-cache"), metavar="DIR",
                       help="keep traces here, as build does (default: .tracegen-cache)")
    serve.add_argument("--jobs", "-j", type=positive_int, default=usable_cpus(), metavar="N",
                       help="run changed lessons in N worker processes (default: one per CPU)")
    # The rest of what `tracegen build` reads, at build's defaults: serve runs the very same build.
    serve.set_defaults(command="serve", names=[], variants=0, reproducible=False, no_cache=False, learners=None,
                       executor="processes", scheduler=None, quiet=False, predictions=None)

    new = commands.add_parser("new", help="start a course: two lessons (binary, multiclass), a README, a .gitignore")
    new.add_argument("folder", type=Path, metavar="DIR", help="a new or empty folder for the course")
    new.set_defaults(command="new")

    quiz = commands.add_parser("quiz", help="take a lesson's quiz in the terminal, with feedback and a score")
    quiz.add_argument("lesson", metavar="LESSON", help="a lesson name in lessons/ or a path to a lesson file")
    quiz.add_argument("--seed", type=seed_int, help="override the lesson's seed (a new variant, new numbers)")
    quiz.add_argument("--answers", type=Path, metavar="FILE",
                      help="grade the answers in this TOML file instead of asking (id = answer per line)")
    quiz.add_argument("--fail-under", type=percent, default=100.0, metavar="PERCENT",
                      help="with --answers: exit 1 when the score is below PERCENT of the questions "
                           "(default 100: anything short of full marks), so a grader can gate on it")
    quiz.set_defaults(command="quiz")

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
    check.set_defaults(command="check")

    export = commands.add_parser("export", help="export a lesson's quiz for an LMS (Moodle GIFT or QTI), or its "
                                                 "run as a Jupyter notebook")
    export.add_argument("lesson", metavar="LESSON", help="a lesson name in lessons/ or a path to a lesson file")
    export.add_argument("--format", required=True, choices=("gift", "qti", "qti12", "ipynb"),
                        help="gift: Moodle GIFT text; qti: QTI 2.1 content package (zip); qti12: QTI 1.2 "
                             "package for Canvas (numeric tolerance and per-answer feedback kept); ipynb: a "
                             "Jupyter notebook whose plain scikit-learn code reproduces the run")
    export.add_argument("--seed", type=seed_int, help="override the lesson's seed (a new variant, new numbers)")
    export.add_argument("--variants", type=positive_int, metavar="K",
                        help="a question bank: the questions of seed and seed + 1..K, one GIFT category (one "
                             "QTI section picking one at random) per question")
    export.add_argument("--out", type=Path, metavar="PATH",
                        help="output file (default: <lesson>-seed<N>.gift, -qti.zip, -qti12.zip or .ipynb; "
                             "with --variants <lesson>-seeds<N>-<N+K>...)")
    export.set_defaults(command="export")
    return parser


def usable_cpus() -> int:
    """Return how many CPUs this process may run on (the default number of build workers)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def lessons_folder(given: Path | None) -> Path:
    """Return the lessons folder: --lessons, else ./lessons when present, else the built-in catalogue."""
    from tracegen.resources import BUILT_IN_LESSONS

    if given is not None:
        return given
    return DEFAULT_LESSONS if DEFAULT_LESSONS.is_dir() else BUILT_IN_LESSONS
