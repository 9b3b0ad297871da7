"""tracegen.spec.checks: every mistake in a front-matter table is named by file and dotted field."""

from __future__ import annotations

import pytest

from tests.conftest import write_lesson
from tracegen.errors import SpecError
from tracegen.spec import checks, load_lesson

MINIMAL = 'epochs = 3\n[dataset]\nsource = "iris"\n'


@pytest.mark.parametrize("front, field, message", [
    ("colour = 1\n" + MINIMAL, "colour", "unknown key"),
    (MINIMAL.replace('source = "iris"', 'source = "iris"\nrows = 3'), "dataset.rows", "unknown key"),
    (MINIMAL + "[split]\nfraction = 0.2\n", "split.fraction", "unknown key"),
    (MINIMAL + "[model]\nkind = 'mlp'\neta0 = 0.1\n", "model.eta0", "unknown key"),
    (MINIMAL + "[evaluation]\ncurves = true\n", "evaluation.curves", "unknown key"),
    ('epochs = "3"\n[dataset]\nsource = "iris"\n', "epochs", "expected an integer"),
    ('epochs = true\n[dataset]\nsource = "iris"\n', "epochs", "expected an integer"),
    ('epochs = 100000\n[dataset]\nsource = "iris"\n', "epochs", "expected an integer in 1..5000"),
    ("epochs = 3\n", "dataset", "missing"),
    ('epochs = 3\ndataset = "iris"\n', "dataset", "expected a [dataset] table"),
    (MINIMAL + "[split]\ntest_size = 1\n", "split.test_size", "expected a fraction in (0, 1), got 1.0"),
    (MINIMAL + "[split]\nvalidation_size = -0.1\n", "split.validation_size", "expected a fraction"),
    (MINIMAL + "[split]\nstratify = 'yes'\n", "split.stratify", "expected true or false"),
    ("normalization = 'zscore'\n" + MINIMAL, "normalization", "unknown value 'zscore'"),
    (MINIMAL + "[model]\nkind = 'mlp'\nhidden_layer_sizes = [0]\n", "model.hidden_layer_sizes", "1..10000"),
    (MINIMAL + "[model]\nalpha = -1.0\n", "model.alpha", "positive"),
    (MINIMAL + "[model]\nlearning_rate = 'constant'\n", "model.eta0", "needs an initial rate"),
    (MINIMAL + "[evaluation]\nthresholds = [1.5]\n", "evaluation.thresholds", "in [0, 1]"),
    (MINIMAL + "[evaluation]\nsnapshots = [4]\n", "evaluation.snapshots", "epochs in 1..3"),
    ('epochs = 3\n[dataset]\nsource = "make_classification"\nn_samples = 0\n', "dataset.n_samples", "4..1000000"),
    ('epochs = 3\n[dataset]\nsource = "make_classification"\nn_samples = 10000000000\n', "dataset.n_samples",
     "4..1000000"),
    ('epochs = 3\n[dataset]\nsource = "make_classification"\nweights = ["a"]\n', "dataset.weights", "proportions"),
    (MINIMAL + "[split]\nseed = 99999999999\n", "split.seed", "expected an integer in 0..4294967295"),
    (MINIMAL + "[model]\nkind = 'mlp'\nhidden_layer_sizes = [100000000]\n", "model.hidden_layer_sizes", "1..10000"),
    (MINIMAL + "[evaluation]\ntask = 'regression'\n", "evaluation.task", "unknown value"),
    (MINIMAL + "[evaluation]\ntune_threshold = 'f1'\n", "evaluation.tune_threshold", "needs a validation split"),
    (MINIMAL + "[split]\nvalidation_size = 0.2\n[evaluation]\ntune_threshold = 'auc'\n",
     "evaluation.tune_threshold", "unknown value 'auc'"),
    (MINIMAL + "[evaluation]\nbins = 1\n", "evaluation.bins", "2..20"),
    (MINIMAL + "[evaluation]\nexplore_count = 0\n", "evaluation.explore_count", "1..50"),
    ('epochs = 3\n[dataset]\nsource = "csv"\npath = "a.csv"\n', "dataset.target", "missing"),
])
def test_bad_front_matter_names_the_field(tmp_path, front, field, message):
    """Each mistake raises SpecError naming the file and the dotted field."""
    path = write_lesson(tmp_path, front)
    with pytest.raises(SpecError) as error:
        load_lesson(path)
    assert error.value.file == str(path) and error.value.field == field
    assert message in error.value.message


@pytest.mark.parametrize("stem", ["a\nb", "tab\there", "bell\x07", "del\x7f", "nbsp\u00a0x", "back\\slash",
                                  "x.", "-dash", "ａｂ", "٣"])
def test_a_lesson_name_that_is_no_slug_is_refused(tmp_path, stem):
    """Control characters, non-ASCII letters and digits, a backslash, a dot or a leading '-': refused by name."""
    path = write_lesson(tmp_path, 'epochs = 1\n[dataset]\nsource = "iris"\n', name=stem)
    with pytest.raises(SpecError, match="lesson: the file name must be letters, digits"):
        load_lesson(path)


def test_every_top_level_name_of_a_site_is_refused_as_a_lesson_name(tmp_path):
    """No lesson folder can land on a file or folder the site writes at its top (from a real build)."""
    from tracegen.cli import main

    lesson = write_lesson(tmp_path, 'epochs = 1\n[dataset]\nsource = "iris"\n', name="good-name_2")
    assert main(["build", str(lesson), "--out", str(tmp_path / "site"), "--no-cache", "--reproducible"]) == 0
    tops = {p.name for p in (tmp_path / "site").iterdir()} - {"good-name_2"}
    assert {"index.html", "static"} <= tops
    for name in sorted(tops):
        for spelling in (name, name.upper()):
            with pytest.raises(SpecError, match="lesson: "):
                load_lesson(write_lesson(tmp_path, 'epochs = 1\n[dataset]\nsource = "iris"\n', name=spelling))


@pytest.mark.parametrize(("hidden", "n_features", "n_classes"), [((5,), 4, 2), ((7, 3), 6, 3), ((2, 4, 3), 3, 5)])
def test_mlp_weights_counts_what_scikit_learn_allocates(hidden, n_features, n_classes):
    """The model-size bound counts exactly MLPClassifier's weights and biases (one output unit for two classes)."""
    import numpy as np
    from sklearn.neural_network import MLPClassifier

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, n_features)), np.arange(30) % n_classes
    model = MLPClassifier(hidden_layer_sizes=hidden, max_iter=1, random_state=0)
    model.partial_fit(X, y, classes=np.arange(n_classes))
    allocated = sum(w.size for w in model.coefs_) + sum(b.size for b in model.intercepts_)
    outputs = 1 if n_classes == 2 else n_classes
    assert checks.mlp_weights([n_features, *hidden, outputs]) == allocated


def test_data_set_bound_is_inclusive(tmp_path):
    """Rows of exactly MAX_DATA_BYTES are a lesson's to load; one feature more is refused, naming n_samples."""
    n_features = 100
    n_samples = checks.MAX_DATA_BYTES // checks.data_bytes(1, n_features)
    front = (f'epochs = 1\n[dataset]\nsource = "make_classification"\nn_samples = {n_samples}\n'
             f'n_features = {n_features}\n')
    load_lesson(write_lesson(tmp_path, front))
    over = front.replace(f"n_samples = {n_samples}", f"n_samples = {n_samples + 1}")
    with pytest.raises(SpecError, match="over the 512 MB a lesson may load") as raised:
        load_lesson(write_lesson(tmp_path, over))
    assert raised.value.field == "dataset.n_samples"


def test_hidden_layer_bounds_are_inclusive(tmp_path):
    """MAX_HIDDEN_LAYERS layers are accepted, one more refused; so are weights at and past MAX_MODEL_WEIGHTS."""
    def lesson(sizes):
        return write_lesson(tmp_path, f'{MINIMAL}[model]\nkind = "mlp"\nhidden_layer_sizes = {sizes}\n')

    load_lesson(lesson([1] * checks.MAX_HIDDEN_LAYERS))
    with pytest.raises(SpecError, match=f"expected at most {checks.MAX_HIDDEN_LAYERS} layers"):
        load_lesson(lesson([1] * (checks.MAX_HIDDEN_LAYERS + 1)))
    # (a + 1) * b weights between two hidden layers of a and b units
    fitting = checks.MAX_MODEL_WEIGHTS // (checks.MAX_HIDDEN_UNITS + 1)
    load_lesson(lesson([checks.MAX_HIDDEN_UNITS, fitting]))
    with pytest.raises(SpecError, match="weights, over the 10000000 a lesson may train"):
        load_lesson(lesson([checks.MAX_HIDDEN_UNITS, fitting + 1]))
