"""pipeline/__init__.py, the runner: stages in order, no leakage, validation rows, snapshots, determinism, the hash."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_classification
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import train_test_split

from tests.conftest import write_lesson
from tracegen import pipeline
from tracegen.pipeline import STAGES
from tracegen.spec import load_lesson


def binary_rows(spec, seed):
    """Rebuild the lesson's data and split independently of tracegen (validation carved from train)."""
    X, y = make_classification(random_state=seed, **spec.dataset.params)
    train, test = train_test_split(np.arange(len(y)), test_size=spec.split.test_size, random_state=seed, stratify=y)
    if spec.split.validation_size:
        train, _ = train_test_split(train, test_size=spec.split.validation_size, random_state=seed, stratify=y[train])
    return X, y, train, test


@pytest.fixture(scope="module")
def no_validation_trace(binary_spec):
    """The precision-recall lesson without its validation split: the test rows stand in per epoch."""
    split = dataclasses.replace(binary_spec.split, validation_size=0.0)
    return pipeline.run(dataclasses.replace(binary_spec, split=split))


def test_stages_recorded_in_order(binary_spec, binary_trace):
    """Every stage is recorded with shapes, an operation and example rows."""
    assert tuple(s.name for s in binary_trace.stages) == STAGES
    for stage in binary_trace.stages:
        assert stage.input_shape and stage.output_shape and stage.operation
    split = binary_trace.stage("split")
    X, _, train, test = binary_rows(binary_spec, binary_trace.seed)
    n_validation = len(X) - len(train) - len(test)
    assert split.input_shape == {"X": X.shape}
    assert split.output_shape == {"train": (len(train), 10), "validation": (n_validation, 10), "test": (len(test), 10)}


def test_scaler_statistics_are_train_only(binary_spec, binary_trace):
    """The recorded mean and std equal the train rows' and differ from the full data's."""
    X, _, train, _ = binary_rows(binary_spec, binary_trace.seed)
    normalize = binary_trace.stage("normalize")
    mean, std = np.array(normalize.fitted_params["mean"]), np.array(normalize.fitted_params["std"])
    np.testing.assert_allclose(mean, X[train].mean(axis=0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(std, X[train].std(axis=0), rtol=1e-12)
    assert np.abs(mean - X.mean(axis=0)).max() > 1e-3
    assert np.abs(std - X.std(axis=0)).max() > 1e-3
    assert normalize.fitted_on == f"{len(train)} train rows"


def test_test_rows_use_train_statistics(binary_spec, binary_trace):
    """The traced test row is normalized with the train mean and std."""
    X, _, train, test = binary_rows(binary_spec, binary_trace.seed)
    p = binary_trace.prediction
    np.testing.assert_array_equal(p.raw, X[test[p.test_row]])
    expected = (X[test[p.test_row]] - X[train].mean(axis=0)) / X[train].std(axis=0)
    np.testing.assert_allclose(p.normalized, expected, rtol=0, atol=1e-9)


def test_validation_split_carved_from_train(multiclass_spec, multiclass_trace):
    """With validation_size, val rows come out of the train rows and the trace says so."""
    X, y = load_digits(return_X_y=True)
    rows = np.arange(len(y))
    train, test = train_test_split(rows, test_size=0.25, random_state=multiclass_trace.seed, stratify=y)
    train, val = train_test_split(train, test_size=0.2, random_state=multiclass_trace.seed, stratify=y[train])
    shapes = multiclass_trace.stage("split").output_shape
    assert shapes == {"train": (len(train), 64), "validation": (len(val), 64), "test": (len(test), 64)}
    assert multiclass_trace.validation.startswith("validation split")
    assert multiclass_trace.stage("normalize").fitted_on == f"{len(train)} train rows"


def test_without_validation_the_test_rows_stand_in(no_validation_trace):
    """With no validation split, val loss is measured on the test rows, and the trace says so."""
    trace = no_validation_trace
    assert trace.validation.startswith("test rows")
    assert abs(trace.epochs[-1].val_loss - log_loss(
        trace.evaluation.y_true, np.column_stack([1 - np.array(trace.evaluation.y_score),
                                                  trace.evaluation.y_score]))) < 1e-12


def test_snapshots_at_chosen_epochs(binary_spec, no_validation_trace):
    """Snapshots are logged at the lesson's epochs; without a validation split (snapshots are then taken
    on the test rows) the last one equals the final evaluation."""
    assert tuple(s.epoch for s in no_validation_trace.snapshots) == binary_spec.evaluation.snapshots
    last = no_validation_trace.snapshots[-1]
    ev = no_validation_trace.evaluation
    assert last.epoch == binary_spec.epochs
    assert abs(last.roc_auc - roc_auc_score(ev.y_true, ev.y_score)) <= 1e-12
    assert last.confusion_matrix == ev.confusion_matrix


def test_same_seed_same_bytes_other_seed_other_numbers(binary_spec, binary_trace):
    """The same lesson and seed give byte-identical JSON; another seed changes split and numbers."""
    assert pipeline.run(binary_spec).to_json() == binary_trace.to_json()
    other = pipeline.run(binary_spec, seed=binary_trace.seed + 1)
    assert other.hash != binary_trace.hash
    assert other.evaluation.y_score != binary_trace.evaluation.y_score
    assert other.stage("split").example_out != binary_trace.stage("split").example_out


def test_epoch_override_drops_late_snapshots(binary_spec):
    """--epochs trains for that many epochs and keeps only snapshots that still exist."""
    trace = pipeline.run(pipeline.with_epochs(binary_spec, 3))
    assert len(trace.epochs) == 3
    assert tuple(s.epoch for s in trace.snapshots) == (1,)


def test_mlp_on_builtin_dataset(tmp_path):
    """A small MLP trains epoch by epoch on wine with min-max scaling."""
    path = write_lesson(tmp_path, """
epochs = 4
normalization = "minmax"
[dataset]
source = "wine"
[model]
kind = "mlp"
hidden_layer_sizes = [8]
learning_rate_init = 0.01
""")
    trace = pipeline.run(load_lesson(path))
    assert len(trace.epochs) == 4 and trace.evaluation.task == "multiclass"
    assert trace.stage("train").output_shape == {"layer 1 weights": (13, 8), "layer 2 weights": (8, 3)}
    assert trace.prediction.score == ()
    normalize = trace.stage("normalize")
    assert set(normalize.fitted_params) == {"min", "max"}


def test_csv_dataset_with_string_labels(tmp_path):
    """A CSV with a text target loads, keeps its class names and column names."""
    rng = np.random.default_rng(0)
    lines = ["height,weight,kind"]
    for i in range(60):
        kind = "cat" if i % 2 else "dog"
        lines.append(f"{rng.normal(5 if kind == 'cat' else 7):.3f},{rng.normal(3):.3f},{kind}")
    (tmp_path / "pets.csv").write_text("\n".join(lines) + "\n")
    path = write_lesson(tmp_path, """
epochs = 3
[dataset]
source = "csv"
path = "pets.csv"
target = "kind"
[split]
test_size = 0.25
""")
    trace = pipeline.run(load_lesson(path))
    assert trace.data.classes == ("cat", "dog")
    assert trace.data.feature_names == ("height", "weight")
    assert trace.stage("load").input_shape == {"raw": (60, 3)}


def test_hash_covers_spec_and_seed(binary_spec):
    """Changing the pipeline or the seed changes the hash; prose does not."""
    base = pipeline.trace_hash(binary_spec, 4)
    assert pipeline.trace_hash(binary_spec, 5) != base
    assert pipeline.trace_hash(dataclasses.replace(binary_spec, epochs=3), 4) != base
    assert pipeline.trace_hash(dataclasses.replace(binary_spec, body="Other prose."), 4) == base


def test_binary_task_rejects_multiclass_data(tmp_path):
    """A lesson declaring a binary task fails clearly on three-class data."""
    import pytest

    from tracegen.errors import DataError

    path = write_lesson(tmp_path, 'epochs = 1\n[dataset]\nsource = "iris"\n[evaluation]\ntask = "binary"\n')
    with pytest.raises(DataError, match=r"the lesson is binary, but the data has 3 classes \(setosa"):
        pipeline.run(load_lesson(path))


def test_float_parameters_accept_integers(tmp_path):
    """class_sep = 1 is a number like 1.0, not a type error."""
    path = write_lesson(tmp_path, 'epochs = 1\n[dataset]\nsource = "make_classification"\nclass_sep = 1\n'
                                  'n_samples = 60\n')
    assert load_lesson(path).dataset.params["class_sep"] == 1


def test_options_that_do_not_fit_the_data(tmp_path):
    """by_feature, explore_class and tune_threshold are checked against the loaded data."""
    import pytest

    from tracegen.errors import DataError

    cases = [('by_feature = "petal size"', "no feature 'petal size'"),
             ('explore_class = "rose"', "no class 'rose'; classes are: setosa, versicolor, virginica"),
             ('tune_threshold = "f1"', "threshold tuning needs binary data")]
    for option, message in cases:
        path = write_lesson(tmp_path, 'epochs = 1\n[dataset]\nsource = "iris"\n[split]\nvalidation_size = 0.2\n'
                                      f'[evaluation]\n{option}\n')
        with pytest.raises(DataError, match=message):
            pipeline.run(load_lesson(path))


def test_a_new_spec_field_changes_the_hash(binary_spec):
    """A field added to a spec record changes the hash with no hand-kept list to update (the cache key)."""
    base = pipeline.trace_hash(binary_spec, 4)
    # A field no spec has yet (calibration now exists, with its own tests).
    Binned = dataclasses.make_dataclass("Binned", [("reliability_bins", str, dataclasses.field(default="none"))],
                                        bases=(type(binary_spec.evaluation),), frozen=True)
    values = {f.name: getattr(binary_spec.evaluation, f.name) for f in dataclasses.fields(binary_spec.evaluation)}
    hashes = {pipeline.trace_hash(dataclasses.replace(binary_spec, evaluation=Binned(**values, reliability_bins=how)),
                                  4)
              for how in ("none", "sigmoid", "isotonic")}
    assert len(hashes) == 3 and base not in hashes
    Extended = dataclasses.make_dataclass("Extended", [("warm_start", bool, dataclasses.field(default=False))],
                                          bases=(type(binary_spec),), frozen=True)
    values = {f.name: getattr(binary_spec, f.name) for f in dataclasses.fields(binary_spec)}
    hashes = {pipeline.trace_hash(Extended(**values, warm_start=flag), 4) for flag in (False, True)}
    assert len(hashes) == 2 and base not in hashes

