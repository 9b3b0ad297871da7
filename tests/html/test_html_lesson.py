"""html/lesson.py: the typed page contexts, their sections, and section numbers from one list."""

from __future__ import annotations

import re

import pytest

from tests import quiz_oracles as oracles
from tracegen.html import env as html_env, lesson
from tracegen.pipeline.predictions import run_predictions
from tracegen.quiz import prediction_questions

STEP = re.compile(r'<h2 id="([\w-]+)-h"><span class="step" aria-hidden="true">(\d+)</span>')


def headings(page: str) -> list[tuple[str, int]]:
    """Return each section heading's (section id, step number) in page order."""
    return [(section_id, int(number)) for section_id, number in STEP.findall(page)]


@pytest.fixture(scope="module")
def predictions_trace(tmp_path_factory):
    """An evaluation-only trace of a small binary predictions file."""
    path = tmp_path_factory.mktemp("predictions") / "scores.csv"
    rows = [(i % 2, (i % 2) * 0.5 + (i % 7) / 20) for i in range(60)]
    path.write_text("y_true,score\n" + "".join(f"{y},{s:.3f}\n" for y, s in rows), encoding="utf-8")
    return run_predictions(path)


def test_every_epoch_row_gets_an_observation(binary_trace):
    """The training view has one observation per recorded epoch, with the trace's own losses."""
    view = lesson.training_view(binary_trace)
    assert [row.epoch for row in view.rows] == [e.epoch for e in binary_trace.epochs]
    assert [row.val_loss for row in view.rows] == [e.val_loss for e in binary_trace.epochs]
    assert all(row.observation for row in view.rows)



def test_page_context_numbers_come_from_the_trace(binary_spec, binary_trace):
    """The page's headline numbers are the trace's, unchanged."""
    context = lesson.lesson_context(binary_spec, binary_trace, (), root="../", variants=(),
                                    build=lesson.BuildInfo(reproducible=True))
    ev = binary_trace.evaluation
    assert [m.value for m in context.evaluation.metrics] == [ev.average_precision, ev.roc_auc, ev.accuracy]
    assert context.provenance.hash == binary_trace.hash and context.provenance.timings == ()
    assert re.search(rf"{len(ev.y_true)} test rows", " ".join(context.facts))



@pytest.mark.parametrize("page", ["lesson", "predictions"])
def test_each_kind_of_page_numbers_its_sections_from_one(page):
    """The sections a page shows are numbered 1, 2, 3, ... in SECTIONS order."""
    sections = lesson.page_sections(page)
    assert [s.number for s in sections] == list(range(1, len(sections) + 1))
    assert [s.id for s in sections] == [section_id for section_id, _, pages in lesson.SECTIONS if page in pages]


def test_lesson_page_headings_are_numbered_consecutively(binary_spec, binary_trace):
    """A lesson page's section headings read 1 to 4, in the order of its table of contents."""
    context = lesson.lesson_context(binary_spec, binary_trace, (), root="../", variants=(),
                                    build=lesson.BuildInfo(reproducible=True))
    page = html_env.render_page(html_env.make_environment(), "lesson.html", context)
    assert headings(page) == [(s.id, s.number) for s in lesson.LESSON_SECTIONS]
    assert [number for _, number in headings(page)] == list(range(1, 5))


def test_predictions_page_headings_are_numbered_consecutively(predictions_trace):
    """A predictions page shows three sections and numbers them 1, 2, 3 (not 2, 3, 5)."""
    context = lesson.predictions_context(predictions_trace, prediction_questions(predictions_trace),
                                         build=lesson.BuildInfo(reproducible=True))
    page = html_env.render_page(html_env.make_environment(), "predictions.html", context)
    assert headings(page) == [("evaluation", 1), ("quiz", 2), ("provenance", 3)]
    toc = re.findall(r'<li><a href="#([\w-]+)">', page)
    assert toc == [section_id for section_id, _ in headings(page)]


def test_a_lesson_without_a_traced_row_cannot_build_a_prediction_section(predictions_trace):
    """An evaluation-only trace has no Prediction Trace section to show."""
    with pytest.raises(ValueError, match="no traced row"):
        lesson.prediction_view(predictions_trace)


def test_a_network_without_decision_function_is_not_said_to_have_a_score():
    """E22: an MLP has no decision_function, so its probability cannot be 'the sigmoid of the score'."""
    _, trace = oracles.lesson_trace("training-curves")
    assert trace.prediction is not None and trace.prediction.score == ()
    notes = {layer.name: layer.note for layer in lesson.prediction_view(trace).layers}
    assert "score" not in notes["Probability"]
    assert "decision_function" in notes["Score"]


@pytest.mark.parametrize(("nav", "links"), [
    (lesson.PathNav(), []),
    (lesson.PathNav(next=lesson.PageLink("Next <b>one</b>", "../b/index.html")),
     [("../b/index.html", "next", "Next: Next &lt;b&gt;one&lt;/b&gt; →")]),
    (lesson.PathNav(lesson.PageLink("A & B", "../a/index.html"), lesson.PageLink("C", "../c/index.html")),
     [("../a/index.html", "prev", "← Previous: A &amp; B"), ("../c/index.html", "next", "Next: C →")]),
])
def test_path_links_near_the_top_and_at_the_end(binary_spec, binary_trace, nav, links):
    """Previous/next links, titles escaped, before the first section and after the last; none off the path."""
    context = lesson.lesson_context(binary_spec, binary_trace, (), root="../", variants=(),
                                    build=lesson.BuildInfo(reproducible=True), path=nav)
    page = html_env.render_page(html_env.make_environment(), "lesson.html", context)
    found = re.findall(r'<a href="([^"]+)" rel="(prev|next)">([^<]*)</a>', page)
    assert found == links * 2
    if links:
        navs = [m.start() for m in re.finditer('<nav class="path-nav"', page)]
        assert navs[0] < page.index('<section id="insight"') and navs[1] > page.index('<section id="provenance"')
