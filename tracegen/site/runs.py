"""Every trace a site needs: plan the runs, load hits from the cache, run misses in worker processes.

Every trace reaches the site through JSON, from a worker or from the cache alike, so a page
never depends on where its trace came from.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import itertools
import signal
import sys
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
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
    """One trace the site needs: lesson `lesson` (an index into the specs) at its first seed, named by
    that seed's hash; a retake whose run makes a claim false is run again at its replacement seeds."""

    lesson: int
    number: int
    seed: int
    key: str
    label: str

    @property
    def seeds(self) -> tuple[int, ...]:
        """Return the seeds tried in turn until the lesson's claims hold: the base run has only its own."""
        if self.number == 0:
            return (self.seed,)
        return tuple(seed for seed in range(self.seed, self.seed + REPLACEMENTS * SEED_STRIDE + 1, SEED_STRIDE)
                     if seed <= MAX_SEED)


# Retakes per lesson: one per learner of a large course (a roster of up to this many); each is a
# full pipeline run and page, so the bound keeps a mistyped K from starting a days-long build.
MAX_VARIANTS = 2000
# A retake at base + k whose run makes a claim false (its words would be wrong) is run again at
# base + k + j * SEED_STRIDE for j = 1..REPLACEMENTS, the first whose claims hold being used. The
# stride is past every retake, so two variants never share a seed, and a variant's seed depends
# only on the lesson, the base seed and its number: a roster that grows keeps every learner's numbers.
# (Claims fail at a few percent of seeds in the catalogue; eight misses in a row means a claim is wrong.)
REPLACEMENTS = 8
SEED_STRIDE = MAX_VARIANTS + 1


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


def run_json(spec: LessonSpec, seeds: Sequence[int]) -> tuple[list[str], tuple[Any, ...] | None]:
    """Run one lesson in a worker at each of `seeds` in turn until a run makes its claims true (or none is
    left); return (the trace JSON with timings of every run made, None) or ([], the error's parts).

    Every trace reaches the site through JSON, as it does from the cache, so a page never depends
    on where its trace came from (JSON sorts dict keys). A TracegenError does not survive pickling
    (its args are the one-line text, not its fields), so the worker sends the class and fields and
    the parent raises it again.
    """
    from tracegen.claims import false_claims

    texts = []
    try:
        for seed in seeds:
            trace = pipeline.run(spec, seed=seed)
            texts.append(trace.to_json(include_timings=True))
            if not false_claims(spec, trace):
                break
    except TracegenError as exc:
        return [], (type(exc), exc.file, exc.field, exc.message, exc.line)
    return texts, None


def worker_texts(result: tuple[list[str], tuple[Any, ...] | None]) -> list[str]:
    """Return the trace JSON texts of what run_json returned, or raise the error it sent."""
    texts, error = result
    if error is not None:
        kind, *fields = error
        raise kind(*fields)
    return texts


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
    # A forked worker inherits the build's SIGTERM handler (which removes the site's temporary folder);
    # a worker ends on SIGTERM as any process does.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _end_with_the_build()
    with garbage_collector_paused():
        from sklearn import datasets, linear_model, model_selection, preprocessing  # noqa: F401
        from threadpoolctl import threadpool_limits

        from tracegen.pipeline import data, evaluate, stages, train  # noqa: F401
    gc.freeze()
    threadpool_limits(limits=1)


# prctl(2) option: the signal the kernel sends this process when its parent ends.
PR_SET_PDEATHSIG = 1


def _end_with_the_build() -> None:
    """Have the kernel kill this worker when the build process ends, even killed outright (Linux only).

    The build writes its pages while workers still run; a build killed then (SIGKILL) would
    otherwise leave its workers waiting for work forever, holding the terminal's pipes open.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


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


# Runs in flight (submitted, or finished and waiting for an earlier run of their lesson) per worker:
# enough that a worker never waits for its next run, few enough that the traces held at once stay
# a handful whatever the number of variants (each is a few hundred KB of JSON and more as objects).
IN_FLIGHT_PER_WORKER = 4


def gather_traces(specs: Sequence[LessonSpec], runs: Sequence[PlannedRun], *, cache_dir: Path | None,
                  jobs: int, progress: Progress | None = None, prepare: Callable[[], Any] = lambda: None,
                  scheduler: str | None = None) -> tuple[Any, Generator[Arrival, None, None]]:
    """Start the runs; return what `prepare()` returned and an iterator of (plan position, trace, came from
    cache) that yields every planned run's trace, each lesson's in plan order (lessons interleave).

    Hits come from `cache_dir`: here each entry is only looked for, and it is read when its lesson
    reaches it, so the traces held at any time are a few, not the whole cache. An entry discarded
    then (cache.read_entry) runs like any miss. Misses run in `jobs` worker processes (even for one
    job), which import scikit-learn while this process calls `prepare` (the build compiles its
    templates), so the two overlap; with a Dask `scheduler` they run on that cluster instead.
    The caller renders one lesson's pages while other runs go on; it places traces by plan
    position, so the order in which workers finish never shows. Closing the iterator early stops
    the workers without waiting.
    """
    stored = {position for position, run in enumerate(runs)
              if cache_dir is not None and cache.has_entry(cache_dir, run.key)}
    missing = [position for position in range(len(runs)) if position not in stored]
    pool = start_workers(min(jobs, len(missing)), scheduler) if missing else None
    try:
        prepared = prepare()
    except BaseException:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        raise
    return prepared, _Arrivals(pool, specs, runs, stored, missing, cache_dir, jobs, scheduler, progress).each()


class _Arrivals:
    """The traces of one build's runs as they become available, each lesson's in plan order.

    A trace that arrives before an earlier run of its lesson waits in `ran` (or `read`, read ahead
    from the cache); the runs in flight and those waiting are bounded together (the window), so
    memory does not grow with the number of runs. Misses are submitted longest lesson first and,
    within a lesson, in plan order, so a lesson's traces mostly arrive in the order they are needed.
    """

    def __init__(self, pool: Any, specs: Sequence[LessonSpec], runs: Sequence[PlannedRun], stored: set[int],
                 missing: Sequence[int], cache_dir: Path | None, jobs: int, scheduler: str | None,
                 progress: Progress | None) -> None:
        self.pool, self.specs, self.runs, self.stored = pool, specs, runs, stored
        self.cache_dir, self.jobs, self.scheduler, self.progress = cache_dir, jobs, scheduler, progress
        # Longest first (epochs stand in for the cost), so that no worker is left with a long lesson
        # at the end while the others idle; where each result lands does not depend on this order.
        self.waiting = collections.deque(sorted(missing, key=lambda p: -specs[runs[p].lesson].epochs))
        self.lessons: list[collections.deque[int]] = [collections.deque() for _ in specs]
        for position, run in enumerate(runs):
            self.lessons[run.lesson].append(position)
        self.running: dict[Future, int] = {}
        self.ran: dict[int, Trace] = {}
        self.read: dict[int, Trace] = {}
        self.window = IN_FLIGHT_PER_WORKER * max(1, jobs, getattr(pool, "slots", 0))
        self.done = 0

    def each(self) -> Generator[Arrival, None, None]:
        try:
            self._top_up()
            while any(self.lessons):
                # Runs that finish while the caller renders may belong to a lesson this sweep has passed,
                # so it waits for a run only after a sweep that had nothing to hand on.
                handed = 0
                for queue in self.lessons:
                    for arrival in self._ready(queue):
                        handed += 1
                        yield arrival
                if not handed and any(self.lessons):
                    from concurrent.futures import FIRST_COMPLETED, wait

                    if not self.running:
                        raise RuntimeError("a lesson waits for a run that was never submitted")
                    self._harvest(wait(self.running, return_when=FIRST_COMPLETED)[0])
        except BaseException:
            if self.pool is not None:
                # Do not wait for workers still importing or running: the error is reported now.
                self.pool.shutdown(wait=False, cancel_futures=True)
            raise
        if self.pool is not None:
            self.pool.shutdown()

    def _ready(self, queue: collections.deque[int]) -> Iterator[Arrival]:
        """Yield the lesson's next traces while they are at hand; then, if its next run is running, read its
        next cache entries ahead, so that one found discarded starts running now rather than when reached."""
        while queue:
            head = queue[0]
            if head in self.stored:
                self._read(head)
            if head in self.ran:
                trace, cached = self.ran.pop(head), False
            elif head in self.read:
                trace, cached = self.read.pop(head), True
            else:
                break
            queue.popleft()
            yield self._finish(head, trace, cached)
            # While the caller renders, finished runs make room for the next ones.
            self._harvest([future for future in self.running if future.done()])
        for position in itertools.islice(queue, 1, self.window):
            if len(self.read) >= self.window:
                break
            if position in self.stored:
                self._read(position)

    def _read(self, position: int) -> None:
        """Read a stored trace into `read`, following a retake's replacement seeds as a run would: the first
        stored trace whose claims hold, or the last seed's. A missing or discarded entry is submitted at once,
        with the seeds left (its lesson waits for it)."""
        from tracegen.claims import false_claims

        run = self.runs[position]
        spec = self.specs[run.lesson]
        self.stored.discard(position)
        assert self.cache_dir is not None  # only a build with a cache has stored entries
        seeds = run.seeds
        for tried, seed in enumerate(seeds):
            key = run.key if tried == 0 else pipeline.trace_hash(spec, seed)
            trace = cache.load_trace(self.cache_dir, key, spec.name)  # None when missing or discarded
            if trace is None:
                self._submit(position, seeds[tried:])
                return
            if tried == len(seeds) - 1 or not false_claims(spec, trace):
                self.read[position] = trace
                return

    def _submit(self, position: int, seeds: Sequence[int] | None = None) -> None:
        if self.pool is None:  # every run was a stored entry until one was discarded
            self.pool = start_workers(max(1, min(self.jobs, sum(map(len, self.lessons)))), self.scheduler)
        run = self.runs[position]
        future = self.pool.submit(run_json, self.specs[run.lesson], run.seeds if seeds is None else tuple(seeds))
        self.running[future] = position

    def _top_up(self) -> None:
        while self.waiting and len(self.running) + len(self.ran) < self.window:
            self._submit(self.waiting.popleft())

    def _harvest(self, finished: Iterable[Future]) -> None:
        """Take the traces of finished runs (storing them in the cache), then submit more."""
        for future in sorted(finished, key=self.running.__getitem__):
            position = self.running.pop(future)  # the future (and the JSON it holds) is let go
            texts = worker_texts(future.result())
            trace = Trace.from_json(texts[-1])
            if self.cache_dir is not None:
                cache.store_text(self.cache_dir, trace.hash, texts[-1])
                for replaced in texts[:-1]:  # stored too, so that a rebuild follows the same seeds from the cache
                    cache.store_text(self.cache_dir, Trace.from_json(replaced).hash, replaced)
            self.ran[position] = trace
        self._top_up()
        if self.pool is not None and not (self.waiting or self.running or self.stored):
            # No run is left (nor any entry that could yet be discarded): the workers end now, before
            # the last pages are written, so that no worker outlives a build killed while it writes.
            self.pool.shutdown()
            self.pool = None

    def _finish(self, position: int, trace: Trace, cached: bool) -> Arrival:
        self.done += 1
        if self.progress is not None and len(self.runs) > 1:  # one trace needs no progress, only the summary
            self.progress.step(self.done, len(self.runs), self.runs[position].label, "cache" if cached else "ran")
        return position, trace, cached
