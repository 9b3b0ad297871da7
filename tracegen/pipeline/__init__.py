"""run(spec, seed=...) -> Trace: load -> split -> normalize -> [select] -> train -> predict -> evaluate.

The heavy modules (and scikit-learn) are imported inside `run`, so computing a trace
hash stays cheap.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import time
from importlib.metadata import version

from tracegen.errors import DataError
from tracegen.spec import LessonSpec
from tracegen.trace import SCHEMA_VERSION, DataInfo, Trace, frozen

# A lesson with a [select] table has a select stage after normalize.
STAGES = ("load", "split", "normalize", "train", "predict", "evaluate")


def library_versions() -> dict[str, str]:
    """Return the versions that decide the numbers of a run."""
    return dict(_installed_versions())


@functools.cache
def _installed_versions() -> tuple[tuple[str, str], ...]:
    # Each lookup scans the installed distributions; a build asks twice per run.
    return tuple((name, version(name)) for name in ("tracegen", "numpy", "scikit-learn"))


def trace_hash(spec: LessonSpec, seed: int, fingerprint: str | None = None) -> str:
    """Return the content hash over the spec, data fingerprint, seed and library versions."""
    from tracegen.pipeline.data import data_fingerprint

    identity = {
        "spec": spec.pipeline_dict(),
        "data": fingerprint or data_fingerprint(spec, seed),
        "seed": seed,
        "versions": library_versions(),
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def with_epochs(spec: LessonSpec, epochs: int) -> LessonSpec:
    """Return the spec trained for `epochs` instead, dropping snapshots past the end."""
    snapshots = tuple(e for e in spec.evaluation.snapshots if e <= epochs)
    return dataclasses.replace(spec, epochs=epochs,
                               evaluation=dataclasses.replace(spec.evaluation, snapshots=snapshots))


def run(spec: LessonSpec, *, seed: int | None = None) -> Trace:
    """Execute the lesson's pipeline and record every stage, with BLAS on one thread.

    A multi-threaded BLAS sums in an order that depends on the thread count, and on the digits
    lessons that moves the last bit of some losses: `tracegen run` on an 8-core laptop, a build
    worker (always one thread) and a 2-core CI box would record different traces for the same
    lesson and seed. One thread gives one trace everywhere, and on these small matrices it is
    also faster (a second OpenBLAS thread only spins).
    """
    # A limit applies only to the libraries already loaded, and the stages import scikit-learn's
    # estimators when they first run: import them (and the BLAS they load) first.
    from sklearn import datasets, linear_model, model_selection, neural_network, preprocessing  # noqa: F401
    from threadpoolctl import threadpool_limits

    from tracegen.pipeline import compare, data, evaluate, records, stages, train  # noqa: F401

    with threadpool_limits(limits=1):
        return _run(spec, spec.split.seed if seed is None else seed)


def _run(spec: LessonSpec, seed: int) -> Trace:
    from tracegen.pipeline import compare, data as data_stage, evaluate, records, stages, train

    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    fingerprint = data_stage.data_fingerprint(spec, seed)
    data = data_stage.load(spec, seed)
    data_stage.check_fits(data, spec)
    stage_records = [records.load_record(data)]
    lap("load")
    parts, record = stages.split(data, spec, seed)
    stage_records.append(record)
    lap("split")
    normalized, record = stages.normalize(data, parts, spec.normalization)
    stage_records.append(record)
    lap("normalize")
    X = normalized
    if spec.select is not None:
        X, record = stages.select(data, parts, normalized, spec.select)
        stage_records.append(record)
        lap("select")
    has_validation = len(parts.validation) > 0
    val_rows = parts.validation if has_validation else parts.test
    model = train.make_model(spec.model, seed)
    epochs, snapshots, record = train.train(model, spec, len(data.classes), X[parts.train], data.y[parts.train],
                                            X[val_rows], data.y[val_rows])
    stage_records.append(record)
    lap("train")
    proba, y_pred, record, prediction = stages.predict(model, X, data, parts,
                                                       normalized if spec.select is not None else None)
    stage_records.append(record)
    lap("predict")
    evaluation = evaluate.evaluate(data.y[parts.test], proba, y_pred, data.classes,
                                   spec.evaluation.thresholds, spec.evaluation.top_k)
    evaluation = dataclasses.replace(evaluation, **evaluate.evaluation_extras(spec, data, parts, X, model, proba,
                                                                              y_pred))
    if spec.evaluation.bootstrap:
        if evaluation.task != "binary":
            raise DataError(spec.path, "evaluation.bootstrap", "needs a binary task (an interval of ROC AUC and AP)")
        evaluation = dataclasses.replace(evaluation, bootstrap=compare.bootstrap_interval(
            data.y[parts.test], proba[:, 1], spec.evaluation.bootstrap, seed))
    stage_records.append(records.evaluate_record(evaluation, len(parts.test)))
    lap("evaluate")
    compared = compare.compared_runs(spec, seed, data)
    if compared:
        lap("compare")
    if has_validation:
        validation = f"validation split: {len(val_rows)} rows carved from the training rows"
    else:
        validation = (f"test rows: no validation split was asked for, so the {len(val_rows)} test rows "
                      f"stand in (they are then no longer an untouched holdout)")
    return Trace(
        schema=SCHEMA_VERSION,
        lesson=spec.name,
        seed=seed,
        hash=trace_hash(spec, seed, fingerprint),
        spec=frozen(spec.pipeline_dict()),
        versions=library_versions(),
        data=DataInfo(source=data.source, fingerprint=fingerprint, n_samples=int(data.X.shape[0]),
                      n_features=int(data.X.shape[1]), feature_names=data.feature_names, classes=data.classes),
        stages=tuple(stage_records),
        epochs=epochs,
        validation=validation,
        snapshots=snapshots,
        prediction=prediction,
        evaluation=evaluation,
        compared=compared,
        timings=timings,
    )
