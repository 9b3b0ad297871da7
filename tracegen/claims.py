"""Claims a lesson declares: expressions over the trace that must be true for every run it teaches from.

A lesson lists them in its front matter, in the ``[[ ]]`` expression language of its prose
(tracegen.expressions), before any table:

    claims = ["snapshots[1].roc_auc > snapshots[0].roc_auc"]

`tracegen run` and `tracegen build` (every variant) stop with one line naming the lesson, the
seed and the first false claim; `tracegen check` reports every false claim for a range of seeds.
The shapes were checked when the lesson was read (tracegen.spec.checks.claims_field).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tracegen.ascii_numbers import parse_int
from tracegen.errors import SpecError, TracegenError
from tracegen.expressions import ExpressionError, evaluate_expression
from tracegen.spec import LessonSpec
from tracegen.trace import Trace

if TYPE_CHECKING:
    from tracegen.progress import Progress


class ClaimError(TracegenError):
    """A claim the lesson declares is false for one run: ``<lesson>: seed <n>: claim '<claim>' is false``."""


def claim_holds(spec: LessonSpec, index: int, trace: Trace) -> bool:
    """Return whether claim `index` of the lesson is true on `trace`.

    A claim that names a missing field or does not give true or false is a SpecError on ``claims[i]``.
    """
    claim = spec.claims[index]
    try:
        value = evaluate_expression(claim, trace)
    except ExpressionError as exc:
        raise SpecError(spec.path, f"claims[{index}]", str(exc)) from None
    if not isinstance(value, bool):
        raise SpecError(spec.path, f"claims[{index}]", f"{claim!r} gives {type(value).__name__} {value!r} on "
                        "this run; expected a comparison that is true or false")
    return value


def false_claims(spec: LessonSpec, trace: Trace) -> list[str]:
    """Return the lesson's claims that are false on `trace`, in the order the lesson lists them."""
    return [claim for index, claim in enumerate(spec.claims) if not claim_holds(spec, index, trace)]


def claim_failure(spec: LessonSpec, trace: Trace, claim: str) -> ClaimError:
    """Return the error that reports one false claim of one run."""
    return ClaimError(spec.path, f"seed {trace.seed}", f"claim '{claim}' is false")


def require_claims(spec: LessonSpec, trace: Trace, tried: Sequence[int] = ()) -> None:
    """Raise ClaimError for the first claim of the lesson that is false on `trace`, the last run of a
    retake that `tried` these seeds (each run making a claim false) when there were more than one."""
    false = false_claims(spec, trace)
    if not false:
        return
    if len(tried) <= 1:
        raise claim_failure(spec, trace, false[0])
    raise ClaimError(spec.path, f"seed {tried[0]}", f"claim '{false[0]}' is false there and at all {len(tried) - 1} "
                     f"replacement seeds ({tried[1]} to {tried[-1]}); tracegen check --seeds shows where it holds")


# ---------------------------------------------------------------- tracegen check


def run_findings(spec: LessonSpec, trace: Trace) -> list[str]:
    """Return one line per false claim and per question that cannot teach on one run of the lesson."""
    from tracegen.quiz import make_questions
    from tracegen.quiz.degenerate import degenerate_questions

    where = f"{spec.path}: seed {trace.seed}"
    lines = [f"{where}: claim '{claim}' is false" for claim in false_claims(spec, trace)]
    questions = make_questions(spec, trace)
    lines += [f"{where}: question '{qid}': {why}" for qid, why in degenerate_questions(questions, spec, trace)]
    return lines


def check_lessons(specs: Sequence[LessonSpec], seeds: Sequence[int] | None, *, jobs: int = 1,
                  cache_dir: Path | None = None, progress: Progress | None = None) -> list[list[str]]:
    """Run every lesson at every seed (None: its own seed); return each run's finding lines, in
    lesson then seed order, whatever order the runs finish in.

    A run that fails (a lesson whose data or expressions break at that seed) is one finding, so
    one bad seed does not hide the others. Traces come from `cache_dir` when they are there, as
    in a build, and always through JSON, so a finding is about the trace a build would render.
    """
    from tracegen import cache, pipeline
    from tracegen.site import runs as site_runs

    plan = [(spec, seed) for spec in specs for seed in (seeds if seeds is not None else [spec.split.seed])]
    results: list[list[str] | None] = [None] * len(plan)
    done = 0

    def finish(position: int, trace: Trace | None, error: TracegenError | None, source: str) -> None:
        nonlocal done
        spec, seed = plan[position]
        try:
            if error is not None:
                raise error
            assert trace is not None
            results[position] = run_findings(spec, trace)
        except TracegenError as exc:
            field = f"{exc.field}: " if exc.field else ""
            results[position] = [f"{spec.path}: seed {seed}: {field}{exc.message}"]
        done += 1
        if progress is not None:
            progress.step(done, len(plan), f"{spec.name} seed {seed}", source)

    keys = [pipeline.trace_hash(spec, seed) for spec, seed in plan]
    missing = []
    for position, (spec, _) in enumerate(plan):
        trace = cache.load_trace(cache_dir, keys[position], spec.name) if cache_dir is not None else None
        if trace is None:
            missing.append(position)
        else:
            finish(position, trace, None, "cache")
    if missing:
        pool = site_runs.start_workers(min(jobs, len(missing)))
        try:
            futures = [(position, pool.submit(site_runs.run_json, plan[position][0], (plan[position][1],)))
                       for position in missing]
            for position, future in futures:
                try:
                    [text] = site_runs.worker_texts(future.result())
                except TracegenError as exc:
                    finish(position, None, exc, "ran")
                    continue
                if cache_dir is not None:
                    cache.store_text(cache_dir, keys[position], text)
                finish(position, Trace.from_json(text), None, "ran")
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    return [lines or [] for lines in results]


def parse_seeds(text: str) -> range:
    """Parse `--seeds`: one seed (``5``) or an inclusive range (``0-39``) of seeds in [0, 2**32)."""
    first, dash, last = text.strip().partition("-")
    try:
        low, high = parse_int(first), parse_int(last) if dash else parse_int(first)
    except ValueError:
        raise ValueError(f"expected a seed or a range such as 0-39, got {text!r}") from None
    if not 0 <= low <= high < 2**32:
        raise ValueError(f"expected seeds A-B with 0 <= A <= B < 2**32, got {text!r}")
    return range(low, high + 1)
