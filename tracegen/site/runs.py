"""Every trace a site needs: plan the runs, load hits from the cache, run misses in worker processes.

Every trace reaches the site through JSON, from a worker or from the cache alike, so a page
never depends on where its trace came from.
"""

from __future__ import annotations

import contextlib
import gc
import signal
import sys
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Only light modules at import time: a rebuild with nothing changed must not pay for numpy or
# scikit-learn; the pipeline imports its stages when it runs.
from tracegen import cache, pipeline
from tracegen.errors import TracegenError
from tracegen.spec import LessonSpec
from tracegen.trace import Trace

if TYPE_CHECKING:
    from concurrent.futures import Future

    from tracegen.progress import Progress

MAX_SEED = 2**32 - 1
# What gather_traces yields for each planned run: (plan position, trace, came from the cache).
Arrival = tuple[int, Trace, bool]


@dataclass(frozen=True)
class PlannedRun:
    """One trace the site needs: lesson `lesson` (an index into the specs) at one seed, named by its hash."""

    lesson: int
    number: int
    seed: int
    key: str
    label: str


# Retakes per lesson: one per learner of a large course (a roster of up to this many); each is a
# full pipeline run and page, so the bound keeps a mistyped K from starting a days-long build.
MAX_VARIANTS = 2000


def plan_runs(specs: Sequence[LessonSpec], seed: int | None, variants: int) -> list[PlannedRun]:
    """Return every run the site needs, lesson by lesson: the base seed, then base seed + k for k = 1..variants."""
    if variants > MAX_VARIANTS:
        raise TracegenError("--variants", "", f"expected at most {MAX_VARIANTS} retakes per lesson, got {variants}; "
                            "each one is a full run and page")
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
    two-job build of the catalogue a third slower (pipeline.run pins one thread for each run as
    well, so a worker and this process record the same trace; this keeps idle workers quiet too).
    """
    # Ctrl-C reaches every process of the terminal's group. The build process reports it in one
    # line and shuts the pool down; a worker ignores it, so it prints no traceback of whatever it
    # was importing or running. (Ending at once instead could cut off a result being sent and
    # leave the pool's reader waiting for the rest of it forever.)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with garbage_collector_paused():
        from sklearn import datasets, linear_model, model_selection, preprocessing  # noqa: F401
        from threadpoolctl import threadpool_limits

        from tracegen.pipeline import data, evaluate, stages, train  # noqa: F401
    gc.freeze()
    threadpool_limits(limits=1)


@contextlib.contextmanager
def garbage_collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (for imports and template compiling, which make no garbage)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def start_workers(count: int, scheduler: str | None = None) -> Any:
    """Return a pool of `count` worker processes, already starting up (importing scikit-learn).

    With a Dask `scheduler` address (or "local"), the runs go to that cluster instead.
    """
    if scheduler is not None:
        from tracegen.site.dask_pool import start_dask_workers

        return start_dask_workers(count, scheduler)
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=count, mp_context=_worker_context(), initializer=_prepare_worker)
    for _ in range(count):  # the pool starts its processes on submission; these no-ops start them now
        pool.submit(int)
    return pool


def gather_traces(specs: Sequence[LessonSpec], runs: Sequence[PlannedRun], *, cache_dir: Path | None,
                  jobs: int, progress: Progress | None = None, prepare: Callable[[], Any] = lambda: None,
                  scheduler: str | None = None) -> tuple[Any, Generator[Arrival, None, None]]:
    """Start the runs; return what `prepare()` returned and an iterator of (plan position, trace, came from
    cache) that yields every planned run's trace as it becomes available.

    Hits come from `cache_dir`. Misses run in `jobs` worker processes (even for one job), which
    import scikit-learn while this process calls `prepare` (the build compiles its templates),
    so the two overlap; with a Dask `scheduler` they run on that cluster instead. Hits are
    yielded first, then runs as they finish, so the caller can render
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
    pool = start_workers(min(jobs, len(missing)), scheduler) if missing else None
    try:
        prepared = prepare()
    except BaseException:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        raise
    return prepared, _arrivals(pool, specs, runs, hits, missing, cache_dir, progress)


def _arrivals(pool: Any, specs: Sequence[LessonSpec], runs: Sequence[PlannedRun], hits: dict[int, Trace],
              missing: Sequence[int], cache_dir: Path | None, progress: Progress | None,
              ) -> Generator[Arrival, None, None]:
    done = 0

    def finish(position: int, trace: Trace, cached: bool) -> Arrival:
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


def _collect(pool: Any, specs: Sequence[LessonSpec], runs: Sequence[PlannedRun], missing: Sequence[int],
             ) -> Iterator[tuple[int, Trace, str]]:
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
