"""Words on lesson pages hold at every seed (issue 14): every lesson's page, built for seeds 0-19.

Each page is rendered as `tracegen build --reproducible` renders it. The checks read the page
text; the checks of particular sentences recompute their numbers from the trace (y_true, y_pred,
the epoch records) with plain arithmetic or scikit-learn, never from the page.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, precision_score, recall_score

from tests.conftest import LESSONS
from tracegen import pipeline
from tracegen.html.env import TEMPLATES_DIR, make_environment
from tracegen.html.prose import insight_html, plain_text
from tracegen.quiz import make_questions
from tracegen.site import assets, pages
from tracegen.spec import load_lesson

SEEDS = range(20)
NAMES = sorted(p.stem for p in LESSONS.glob("*.md"))
FORBIDDEN = {
    "an internal seed name": re.compile(r"seed 00"),
    "an internal stand-in": re.compile(r"stand[- ]in", re.IGNORECASE),
    "a float printed as a count": re.compile(r"\b\d+\.0+ (?:test |train |validation )?rows"),
    "a negative number described as above": re.compile(r"-\d[\d.]*%? (?:is )?above"),
}


@pytest.fixture(scope="module")
def runs():
    """Every lesson run at seeds 0-19: (name, seed) -> (spec, trace, questions)."""
    out = {}
    for name in NAMES:
        spec = load_lesson(LESSONS / f"{name}.md")
        for seed in SEEDS:
            trace = pipeline.run(spec, seed=seed)
            out[name, seed] = (spec, trace, make_questions(spec, trace))
    return out


def page_text(spec, trace, questions) -> str:
    """Return the visible text of the lesson's reproducible page for `trace`, whitespace collapsed."""
    maker = pages.PageMaker(make_environment(TEMPLATES_DIR), assets.build_info(reproducible=True),
                            pages.page_asset_bytes(assets.site_frame(TEMPLATES_DIR)))
    files = pages.lesson_pages(spec, [(trace, tuple(questions))], maker)
    html = files[f"{spec.name}/index.html"].decode("utf-8")
    return re.sub(r"\s+", " ", plain_text(html))


def prose(spec, trace) -> str:
    return re.sub(r"\s+", " ", plain_text(insight_html(spec, trace)))


@pytest.mark.parametrize("name", NAMES)
def test_no_page_text_leaks_internal_words_or_misprints_numbers(runs, name):
    """No "seed 00", "stand-in", float count or negative number "above" on the page, at any seed 0-19."""
    found = []
    for seed in SEEDS:
        text = page_text(*runs[name, seed])
        found += [(seed, what, m.group(0)) for what, pattern in FORBIDDEN.items() for m in pattern.finditer(text)]
    assert not found, found


@pytest.mark.parametrize("name", NAMES)
def test_lessons_with_epoch_tables_hold_out_validation_rows(runs, name):
    """Every lesson reads its epoch table on a validation split, not on the test rows."""
    for seed in (0, 19):
        spec, trace, _ = runs[name, seed]
        counts = trace.split_counts()
        assert spec.split.validation_size > 0 and counts["validation"] > 0, name
        assert counts["train"] + counts["validation"] + counts["test"] == counts["all"]


def _word(a: float, b: float, up: str, down: str, same: str) -> str:
    return same if np.isclose(a, b, rtol=1e-9, atol=1e-12) else up if b > a else down


def test_training_curves_states_the_directions_the_epochs_show(runs):
    """E1/E14: the best epoch is the argmin of validation loss, and AUC and loss directions are the snapshots'."""
    for seed in SEEDS:
        spec, trace, _ = runs["training-curves", seed]
        text = prose(spec, trace)
        val = [e.val_loss for e in trace.epochs]
        best = int(np.argmin(val))
        assert best < len(val) - 1, seed  # the overfit-signs key ("stop near the minimum") needs a rise after it
        assert f"Validation loss was lowest at epoch {best + 1} ({val[best]:.3f})" in text, seed
        early, late = trace.snapshots[1], trace.snapshots[-1]
        auc_word = _word(early.roc_auc, late.roc_auc, "rose", "fell", "did not change")
        loss_word = _word(val[early.epoch - 1], val[late.epoch - 1], "rose", "fell", "did not change")
        assert f"validation ROC AUC {auc_word} from {early.roc_auc:.3f} to {late.roc_auc:.3f}" in text, seed
        assert f"validation loss {loss_word} from {val[early.epoch - 1]:.3f}" in text, seed
        over_confident = "The ranking of the validation rows improved while their loss grew" in text
        assert over_confident == (auc_word == "rose" and loss_word == "rose"), seed
        assert "did not buy a better validation ranking" not in text


def test_imbalanced_data_compares_accuracy_with_the_baseline_from_the_predictions(runs):
    """E5: "above/equal to/below" the baseline and "never predicts a positive" follow y_true and y_pred."""
    for seed in SEEDS:
        spec, trace, _ = runs["imbalanced-data", seed]
        ev = trace.evaluation
        y_true, y_pred = np.array(ev.y_true), np.array(ev.y_pred)
        accuracy, baseline = np.mean(y_true == y_pred), np.mean(y_true == 0)
        word = _word(baseline, accuracy, "above", "below", "equal to")
        text = prose(spec, trace)
        assert f"Accuracy is {accuracy:.4f}, {word} the {baseline:.4f}" in text, seed
        assert ("never predicts a positive" in text) == (not np.any(y_pred == 1)), seed
        assert "barely" not in text and "only" not in text


def test_confusion_matrix_example_class_has_recall_unlike_precision(runs):
    """E2: at the default seed the worked class's recall and precision differ; at every seed the word is right."""
    spec = load_lesson(LESSONS / "confusion-matrix.md")
    default = pipeline.run(spec)
    ev = default.evaluation
    recall = recall_score(ev.y_true, ev.y_pred, labels=[1], average=None)[0]
    precision = precision_score(ev.y_true, ev.y_pred, labels=[1], average=None)[0]
    assert abs(recall - precision) > 0.01
    for seed in SEEDS:
        spec, trace, _ = runs["confusion-matrix", seed]
        ev = trace.evaluation
        matrix = confusion_matrix(ev.y_true, ev.y_pred)
        recall, precision = matrix[1, 1] / matrix[1].sum(), matrix[1, 1] / matrix[:, 1].sum()
        assert f"recall is {_word(precision, recall, 'above', 'below', 'equal to')} precision" in prose(spec, trace)


def test_performance_by_feature_states_the_support_it_rests_on(runs):
    """E18: the cell sizes on the page are class 8's smallest and largest bin counts, not one cell's."""
    for seed in SEEDS:
        spec, trace, _ = runs["performance-by-feature", seed]
        ev = trace.evaluation
        values, y_true = np.array(ev.by_feature.values), np.array(ev.y_true)
        edges = ev.by_feature.edges
        bins = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
        eights = [int(np.sum((bins == b) & (y_true == 8))) for b in range(len(edges) - 1)]
        assert f"cells hold between {min(eights)} and {max(eights)} test rows" in prose(spec, trace), seed


def test_sample_explorer_names_its_first_mistake(runs):
    """The prose's "first mistake shown" is the first sample that is not a true positive."""
    for seed in SEEDS:
        samples = runs["sample-explorer", seed][1].evaluation.samples.samples
        assert [s.outcome for s in samples].index("FP" if "FP" in [s.outcome for s in samples] else "FN") == 4
