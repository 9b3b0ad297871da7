"""tracegen.spec.checks: every mistake in a front-matter table is named by file and dotted field."""

from __future__ import annotations

import pytest

from tests.conftest import write_lesson
from tracegen.errors import SpecError
from tracegen.spec import load_lesson

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
