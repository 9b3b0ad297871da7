"""The lesson catalogue (issue 6): twelve lessons, each a real run checked against scikit-learn."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, recall_score, top_k_accuracy_score

from tests import quiz_oracles as oracles
from tests.conftest import LESSONS
from tests.pipeline.evaluate_oracles import TOL, assert_same_array, check_binary, check_common, check_multiclass
from tracegen import pipeline, quiz
from tracegen.charts.images import shade_image
from tracegen.cli import main
from tracegen.html.env import fmt_num
from tracegen.html.prose import plain_text
from tracegen.spec import load_lesson
from tracegen.terminal import run as terminal

CATALOGUE = ("precision-recall", "roc-curve", "confusion-matrix", "classification-report", "multiclass-roc",
             "decision-threshold", "imbalanced-data", "top-k-accuracy", "training-curves", "heat-maps",
             "performance-by-feature", "sample-explorer", "calibration", "cost-threshold",
             "metric-uncertainty", "imbalance-metrics", "ap-vs-trapezoid", "leakage")
PAGE_BUDGET = 80 * 1024


@pytest.fixture(scope="session")
def runs():
    """Every catalogue lesson run once at its own seed and epochs: name -> (spec, trace, questions)."""
    out = {}
    for name in CATALOGUE:
        spec = load_lesson(LESSONS / f"{name}.md")
        trace = pipeline.run(spec)
        out[name] = (spec, trace, quiz.make_questions(spec, trace))
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The whole catalogue built once, reproducibly."""
    out = tmp_path_factory.mktemp("catalogue") / "site"
    assert main(["--lessons", str(LESSONS), "build", "--out", str(out), "--reproducible"]) == 0
    return out


def page_text(site, name: str) -> str:
    """Return a built lesson page's visible text, whitespace collapsed."""
    html = (site / name / "index.html").read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", plain_text(html))


def test_the_catalogue_is_exactly_the_twelve_lessons():
    """lessons/ holds the twelve lessons the issue names, no more, no fewer."""
    assert sorted(p.stem for p in LESSONS.glob("*.md")) == sorted(CATALOGUE)


@pytest.mark.parametrize("name", CATALOGUE)
def test_lesson_has_enough_computed_questions(runs, name):
    """At least 5 questions, at least one numeric and one multiple-select, every one finite and well formed."""
    _, _, questions = runs[name]
    kinds = [q.kind for q in questions]
    assert len(questions) >= 5 and "numeric" in kinds and "multiple" in kinds, (name, kinds)
    for question in questions:
        if question.kind == "numeric":
            assert np.isfinite(question.answer)
        else:
            assert question.correct_indices


@pytest.mark.parametrize("name", CATALOGUE)
def test_lesson_metrics_match_scikit_learn(runs, name):
    """Every metric in the lesson's trace equals scikit-learn's, recomputed from y_true / y_score / y_pred."""
    _, trace, _ = runs[name]
    ev = trace.evaluation
    check_common(ev)
    check_binary(ev) if ev.task == "binary" else check_multiclass(ev)
    labels = np.arange(len(ev.classes))
    for how in ("true", "pred"):
        expected = confusion_matrix(ev.y_true, ev.y_pred, labels=labels, normalize=how)
        assert_same_array(ev.confusion_matrix_normalized[how], expected)


@pytest.mark.parametrize("name", CATALOGUE)
def test_generated_answers_match_the_oracles(runs, name):
    """Each generated question's right answer equals the independent oracle's."""
    _, trace, questions = runs[name]
    for question in questions:
        if question.id in oracles.ORACLES:
            oracles.check_answer(trace, question)


def test_every_catalogue_generator_is_exercised(runs):
    """Every generator that needs a catalogue evaluation is checked on the catalogue's runs: asked by a lesson,
    or (listed by none) run on them directly."""
    asked = {q.id for _, _, questions in runs.values() for q in questions}
    asked |= oracles.check_unlisted_generators([trace for _, trace, _ in runs.values()], asked)
    assert set(oracles.CATALOGUE_GENERATORS) <= asked


def test_roc_curve_starts_at_infinity(runs):
    """roc-curve: thresholds[0] is inf and the curve starts at (0, 0)."""
    roc = runs["roc-curve"][1].evaluation.roc_curve
    assert roc.thresholds[0] == np.inf and (roc.fpr[0], roc.tpr[0]) == (0.0, 0.0)


def test_imbalanced_data_shows_the_accuracy_paradox(runs):
    """imbalanced-data: prevalence 2-5%, accuracy within 1 point of always-negative, low positive recall."""
    ev = runs["imbalanced-data"][1].evaluation
    y_true, y_pred = np.array(ev.y_true), np.array(ev.y_pred)
    assert 0.02 <= np.mean(y_true == 1) <= 0.05
    assert abs(ev.accuracy - np.mean(y_true == 0)) < 0.01
    assert recall_score(y_true, y_pred) < 0.5


def test_training_curves_overfit(runs):
    """training-curves: validation loss bottoms early and climbs while train loss keeps falling."""
    trace = runs["training-curves"][1]
    val = [e.val_loss for e in trace.epochs]
    train = [e.train_loss for e in trace.epochs]
    best = int(np.argmin(val))
    assert best < len(val) // 2 and val[-1] > val[best] * 1.2
    assert train[-1] < train[best]
    assert [s.epoch for s in trace.snapshots] == [1, 5, 20, 40]


def test_decision_threshold_is_tuned_on_validation(runs):
    """decision-threshold: the tuned threshold differs from 0.5 and its test F1 is recomputed from the scores."""
    ev = runs["decision-threshold"][1].evaluation
    choice = ev.threshold_choice
    y_true, y_score = np.array(ev.y_true), np.array(ev.y_score)
    assert choice.threshold != 0.5
    assert choice.test.confusion_matrix == tuple(map(tuple, confusion_matrix(
        y_true, (y_score >= choice.threshold).astype(int), labels=[0, 1])))


def test_top_k_rises_with_k(runs):
    """top-k-accuracy: top-1, 2, 3, 5 recomputed with scikit-learn, rising with k."""
    ev = runs["top-k-accuracy"][1].evaluation
    y_true, proba = np.array(ev.y_true), np.array(ev.y_score)
    assert [t.k for t in ev.top_k] == [1, 2, 3, 5]
    for t in ev.top_k:
        assert abs(t.accuracy - top_k_accuracy_score(y_true, proba, k=t.k, labels=np.arange(8))) <= TOL
    assert ev.top_k[2].accuracy > ev.top_k[0].accuracy


def test_sample_explorer_lists_the_first_mistake_the_prose_names(runs):
    """sample-explorer: the fifth sample (the prose's first mistake) is a false positive of class 8."""
    ev = runs["sample-explorer"][1].evaluation
    assert ev.classes[ev.samples.class_index] == "8"
    assert ev.samples.samples[4].outcome == "FP"
    assert [s.outcome for s in ev.samples.samples] == sorted((s.outcome for s in ev.samples.samples),
                                                             key=["TP", "FP", "FN"].index)


def test_heat_maps_weights_change_between_epochs(runs):
    """heat-maps: 10 classes x 64 weights, different at the early and the late snapshot."""
    trace = runs["heat-maps"][1]
    early, late = trace.snapshots[0].coef, trace.snapshots[-1].coef
    assert len([k for k in late if k.startswith("coef[")]) == 10
    assert all(len(late[f"coef[{i}]"]) == 64 for i in range(10))
    assert early != late


def test_every_page_builds_within_budget_with_its_sections(site):
    """All twelve pages build within 80 KB and show their lesson-specific sections."""
    for name in CATALOGUE:
        html = site / name / "index.html"
        # Every stylesheet and script the page loads (binary pages also load explorer.js).
        loaded = re.findall(r'<(?:link rel="stylesheet" href|script src)="\.\./static/([^"]+)"', html.read_text())
        assert {"site.css", "site.js", "quiz.js"} <= set(loaded)
        weight = len(html.read_bytes()) + sum(len((site / "static" / f).read_bytes()) for f in loaded)
        assert weight <= PAGE_BUDGET, (name, weight)
        text = page_text(site, name)
        for section in ("Explanation", "Data flow", "Training trace", "Evaluation", "Reference: the full trace"):
            assert section in text, (name, section)
    wanted = {"confusion-matrix": "Normalized confusion matrices",
              "decision-threshold": "Threshold tuned on validation, applied to test",
              "performance-by-feature": "Recall by mean of the raw feature values",
              "sample-explorer": "Sample explorer: class 8",
              "heat-maps": "Weights as heat maps",
              "training-curves": "Snapshots at chosen epochs: confusion counts"}
    for name, heading in wanted.items():
        assert heading in page_text(site, name), name


# The teaching order the lessons' prerequisites give (ties by file name, as no course order is set).
CATALOGUE_PATH = ("confusion-matrix", "classification-report", "precision-recall", "roc-curve",
                  "decision-threshold", "cost-threshold", "imbalanced-data", "ap-vs-trapezoid", "imbalance-metrics",
                  "metric-uncertainty", "leakage", "multiclass-roc", "top-k-accuracy", "training-curves", "calibration",
                  "heat-maps", "sample-explorer", "performance-by-feature")
PATH_LINK = re.compile(r'<a href="([^"]+)" rel="(prev|next)">')


def test_the_index_and_every_page_follow_the_path(site):
    """The index lists the path in order, every lesson after its prerequisites; each page links its neighbours."""
    assert sorted(CATALOGUE_PATH) == sorted(CATALOGUE)
    for position, name in enumerate(CATALOGUE_PATH):
        needs = load_lesson(LESSONS / f"{name}.md").prerequisites
        assert bool(needs) == (position > 0), name  # one start, and every other lesson builds on another
        assert all(CATALOGUE_PATH.index(need) < position for need in needs), name
    index = (site / "index.html").read_text(encoding="utf-8")
    assert tuple(re.findall(r'<h2><a href="([^"/]+)/index.html">', index)) == CATALOGUE_PATH
    for position, name in enumerate(CATALOGUE_PATH):
        page = site / name / "index.html"
        neighbours = [("prev", CATALOGUE_PATH[position - 1])] if position else []
        if position + 1 < len(CATALOGUE_PATH):
            neighbours.append(("next", CATALOGUE_PATH[position + 1]))
        links = [(rel, (page.parent / href).resolve()) for href, rel in PATH_LINK.findall(page.read_text("utf-8"))]
        assert links == [(rel, (site / other / "index.html").resolve()) for rel, other in neighbours] * 2, name


def test_multiclass_roc_states_auc_beside_precision_and_recall(site, runs):
    """Seed 002: the page lists every class's AUC, precision and recall in one row, from the trace."""
    ev = runs["multiclass-roc"][1].evaluation
    text = page_text(site, "multiclass-roc").replace(" lowest AP", "")
    for c in ev.per_class:
        report = ev.classification_report[c.class_name]
        row = (f"{c.class_name} {fmt_num(c.prevalence, 3)} {fmt_num(c.roc_auc)} "
               f"{fmt_num(c.average_precision)} {fmt_num(report['precision'])} "
               f"{fmt_num(report['recall'])}")
        assert row in text, row


def test_terminal_draws_images_and_weight_maps(runs):
    """tracegen run's text draws the explored digits and the weight maps with the shade ramp."""
    text = terminal.render(runs["sample-explorer"][1], "Sample explorer")
    assert "Sample explorer for class 8" in text and "@@" in text
    text = terminal.render(runs["heat-maps"][1], "Heat maps")
    assert "Weights per class as 8x8 maps" in text and "epoch 1:" in text and "epoch 15:" in text


def test_shade_image_maps_low_to_light_and_high_to_dark():
    """The ramp's first character is the low end, the last the high end, each pixel drawn twice."""
    assert shade_image([0.0, 1.0, 0.5, 0.0], 2, 0.0, 1.0) == ["  @@", "++  "]
