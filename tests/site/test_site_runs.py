"""Site runs: the run plan, cache hits before workers, errors from workers, and the worker pool."""

from __future__ import annotations

import signal

import pytest

from tests.conftest import write_tiny_lesson
from tracegen import cache, pipeline
from tracegen.errors import DataError, SpecError, TracegenError
from tracegen.site import runs
from tracegen.spec import load_lesson
from tracegen.trace import Trace


def test_plan_has_the_base_seed_then_one_run_per_variant(binary_spec, multiclass_spec):
    """Lesson by lesson: the base seed (the lesson's or --seed), then seed + k, each named by its trace hash."""
    plan = runs.plan_runs([binary_spec, multiclass_spec], None, 2)
    assert [(r.lesson, r.number, r.seed - binary_spec.split.seed) for r in plan[:3]] == [(0, 0, 0), (0, 1, 1),
                                                                                         (0, 2, 2)]
    assert [r.label for r in plan[3:]] == [multiclass_spec.name, f"{multiclass_spec.name} v1",
                                           f"{multiclass_spec.name} v2"]
    assert all(r.key == pipeline.trace_hash([binary_spec, multiclass_spec][r.lesson], r.seed) for r in plan)
    assert {r.seed for r in runs.plan_runs([binary_spec], 40, 1)} == {40, 41}


def test_plan_refuses_seeds_past_the_largest(binary_spec):
    """A seed plus variants beyond 2**32 - 1 is one error naming --variants."""
    with pytest.raises(TracegenError, match=r"--variants: seed 4294967290 \+ 9 variants exceeds 4294967295"):
        runs.plan_runs([binary_spec], runs.MAX_SEED - 5, 9)
    assert len(runs.plan_runs([binary_spec], runs.MAX_SEED - 5, 5)) == 6


def test_plan_refuses_more_variants_than_the_bound(binary_spec):
    """--variants MAX_VARIANTS plans one run per variant; one more is refused before anything runs."""
    assert len(runs.plan_runs([binary_spec], 0, runs.MAX_VARIANTS)) == runs.MAX_VARIANTS + 1
    with pytest.raises(TracegenError, match=f"expected at most {runs.MAX_VARIANTS} retakes per lesson"):
        runs.plan_runs([binary_spec], 0, runs.MAX_VARIANTS + 1)


def test_run_json_sends_an_error_as_its_class_and_fields(binary_spec, monkeypatch):
    """A lesson error inside a worker comes back as parts the parent raises again as the same error."""
    def fail(spec, seed):
        raise DataError("data.csv", "b", "non-numeric value 'oops'", line=32)

    monkeypatch.setattr(pipeline, "run", fail)
    texts, error = runs.run_json(binary_spec, (1,))
    assert texts == [] and error == (DataError, "data.csv", "b", "non-numeric value 'oops'", 32)
    with pytest.raises(DataError) as raised:
        runs.worker_texts((texts, error))
    assert raised.value.one_line() == "data.csv:32: b: non-numeric value 'oops'"


def test_run_json_tries_seeds_until_the_claims_hold(tmp_path):
    """The worker runs each seed in turn and stops at the first whose run makes the claims true (or at the
    last seed), sending every run it made so that the cache holds the replaced ones as well."""
    spec = load_lesson(write_tiny_lesson(tmp_path, 'claims = ["seed > 5"]', name="tiny"))
    texts = runs.worker_texts(runs.run_json(spec, (4, 5, 6, 7)))
    assert [Trace.from_json(text).seed for text in texts] == [4, 5, 6]
    assert Trace.from_json(texts[-1]).to_json() == pipeline.run(spec, seed=6).to_json()
    assert [Trace.from_json(text).seed for text in runs.worker_texts(runs.run_json(spec, (1, 2)))] == [1, 2]


def test_a_retakes_replacement_seeds_are_its_own(binary_spec):
    """The base run has only its seed; retake k tries base + k, then base + k + j * SEED_STRIDE: no two
    variants of a plan share a seed, and a variant's seeds do not depend on how many variants there are."""
    plan = runs.plan_runs([binary_spec], 10, runs.MAX_VARIANTS)
    assert plan[0].seeds == (10,)
    assert plan[3].seeds == tuple(13 + j * runs.SEED_STRIDE for j in range(runs.REPLACEMENTS + 1))
    every = [seed for run in plan for seed in run.seeds]
    assert len(every) == len(set(every))
    assert runs.plan_runs([binary_spec], 10, 5)[3].seeds == plan[3].seeds
    # Near the largest seed, only the replacements that exist are tried.
    assert runs.plan_runs([binary_spec], runs.MAX_SEED - 2, 1)[1].seeds == (runs.MAX_SEED - 1,)


class Steps:
    """A progress stand-in that records its steps."""

    def __init__(self):
        self.steps = []

    def step(self, done, total, label, source):
        """Record one step."""
        self.steps.append((done, total, label, source))


def test_all_hits_start_no_worker(tmp_path, binary_spec, binary_trace, monkeypatch):
    """When every run is in the cache, no worker starts; `prepare` still runs and each hit is a step."""
    cache.store_trace(tmp_path, binary_trace)
    plan = runs.plan_runs([binary_spec, binary_spec], None, 0)
    monkeypatch.setattr(runs, "start_workers", lambda count: pytest.fail("a worker started"))
    progress = Steps()
    prepared, arrivals = runs.gather_traces([binary_spec, binary_spec], plan, cache_dir=tmp_path, jobs=2,
                                            progress=progress, prepare=lambda: "environment")
    assert prepared == "environment"
    assert [(position, trace.hash, cached) for position, trace, cached in arrivals] == [
        (0, binary_trace.hash, True), (1, binary_trace.hash, True)]
    assert progress.steps == [(1, 2, binary_spec.name, "cache"), (2, 2, binary_spec.name, "cache")]


def test_a_miss_runs_in_a_worker_and_is_stored(tmp_path):
    """A miss runs in a worker; its trace is the in-process run's and lands in the cache under its hash."""
    spec = load_lesson(write_tiny_lesson(tmp_path, name="tiny"))
    plan = runs.plan_runs([spec], None, 0)
    _, arrivals = runs.gather_traces([spec], plan, cache_dir=tmp_path / "cache", jobs=1)
    [(position, trace, cached)] = list(arrivals)
    assert position == 0 and not cached
    assert trace.to_json() == pipeline.run(spec).to_json()
    assert cache.load_trace(tmp_path / "cache", plan[0].key, spec.name).to_json() == trace.to_json()


def test_failing_prepare_stops_the_workers(tmp_path):
    """If `prepare` fails (a broken template), the error surfaces and the pool is shut down, not awaited."""
    spec = load_lesson(write_tiny_lesson(tmp_path, name="tiny"))

    def broken():
        raise SpecError("templates/_quiz.html", "template", "unexpected '}'", line=4)

    with pytest.raises(SpecError, match="unexpected"):
        runs.gather_traces([spec], runs.plan_runs([spec], None, 0), cache_dir=None, jobs=1, prepare=broken)


def blas_threads() -> list[int]:
    """Return the thread count of every BLAS and OpenMP library loaded in this process."""
    from threadpoolctl import threadpool_info

    return [pool["num_threads"] for pool in threadpool_info()]


def test_workers_keep_blas_to_one_thread_and_the_same_numbers(tmp_path):
    """A worker runs BLAS on one thread and ignores Ctrl-C (the build reports it and stops the pool, so
    no worker prints a traceback of its import); its trace is byte-identical to one run here."""
    spec = load_lesson(write_tiny_lesson(tmp_path, name="alpha"))
    pool = runs.start_workers(1)
    try:
        assert pool.submit(signal.getsignal, signal.SIGINT).result() == signal.SIG_IGN
        threads = pool.submit(blas_threads).result()
        [text] = runs.worker_texts(pool.submit(runs.run_json, spec, (spec.split.seed,)).result())
    finally:
        pool.shutdown()
    assert threads and set(threads) == {1}
    # Wall times differ run to run; everything else is the same text.
    assert Trace.from_json(text).to_json() == pipeline.run(spec).to_json()


def test_a_worker_and_this_process_record_the_same_digits_trace():
    """BLAS on one thread everywhere: heat-maps at seed 5 summed its losses differently on two threads,
    so `tracegen run` and a build worker used to disagree in the last bit of two train losses."""
    from tests import quiz_oracles as oracles

    spec, _ = oracles.lesson_trace("heat-maps", 5, epochs=None)
    here = pipeline.run(spec, seed=5).to_json(include_timings=False)
    pool = runs.start_workers(1)
    try:
        [text] = runs.worker_texts(pool.submit(runs.run_json, spec, (5,)).result())
    finally:
        pool.shutdown()
    assert Trace.from_json(text).to_json() == here


def test_each_lessons_traces_arrive_in_plan_order_with_hits_read_as_reached(tmp_path, monkeypatch):
    """Hits and misses mixed within lessons, a discarded entry among them and a window of one run per
    worker: every lesson's traces still arrive in plan order, each the run's own, the discarded one run again."""
    specs = [load_lesson(write_tiny_lesson(tmp_path, name=name)) for name in ("alpha", "beta")]
    plan = runs.plan_runs(specs, None, 4)
    stored = {0, 2, 3, 6, 9}  # alpha v0, v2, v3; beta v1 and v4 (v4's entry is broken below)
    for position in stored:
        cache.store_trace(tmp_path / "cache", pipeline.run(specs[plan[position].lesson], seed=plan[position].seed))
    cache.cached_path(tmp_path / "cache", plan[9].key).write_text("not an entry", encoding="utf-8")
    monkeypatch.setattr(runs, "IN_FLIGHT_PER_WORKER", 1)
    _, arrivals = runs.gather_traces(specs, plan, cache_dir=tmp_path / "cache", jobs=2)
    arrived = [(position, trace, cached) for position, trace, cached in arrivals]
    for lesson in (0, 1):
        assert [p for p, _, _ in arrived if plan[p].lesson == lesson] == [p for p, r in enumerate(plan)
                                                                          if r.lesson == lesson]
    # The two tiny lessons share a pipeline, so their runs at one seed share a cache entry.
    kept = {plan[p].key for p in stored - {9}}
    assert {p for p, _, cached in arrived if cached} == {p for p, run in enumerate(plan) if run.key in kept}
    assert all(trace.seed == plan[p].seed and trace.hash == plan[p].key for p, trace, _ in arrived)


def test_a_stored_retake_that_makes_a_claim_false_is_followed_to_its_replacement(tmp_path):
    """v2's first seed (4) is stored but makes `seed != 4` false: the build runs v2 at its replacement seed
    (with the other misses); a later build reads both of v2's entries and runs nothing."""
    spec = load_lesson(write_tiny_lesson(tmp_path, 'claims = ["seed != 4"]', name="tiny"))
    plan = runs.plan_runs([spec], None, 3)
    cache.store_trace(tmp_path / "cache", pipeline.run(spec, seed=4))
    for expected_ran in ({0, 1, 2, 3}, set()):
        _, arrivals = runs.gather_traces([spec], plan, cache_dir=tmp_path / "cache", jobs=1)
        arrived = list(arrivals)
        assert [trace.seed for _, trace, _ in arrived] == [2, 3, 4 + runs.SEED_STRIDE, 5]
        assert {position for position, _, cached in arrived if not cached} == expected_ran
