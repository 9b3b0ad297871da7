"""html/blocks.py: a lesson page's body first, its placed blocks where the directives stand, the rest for reference."""

from __future__ import annotations

import dataclasses
import re

import pytest

from tracegen.errors import SpecError
from tracegen.html import blocks, env as html_env, lesson
from tracegen.spec import load_lesson
from tracegen.spec.directives import DIRECTIVE_NAMES


def page_of(spec, trace) -> str:
    """Render the lesson page of `spec` on `trace`."""
    context = lesson.lesson_context(spec, trace, (), root="../", variants=(),
                                    build=lesson.BuildInfo(reproducible=True))
    return html_env.render_page(html_env.make_environment(), "lesson.html", context)


def with_body(spec, tmp_path, body: str):
    """Return `spec` read again from a copy of its file whose body is `body` (so directives are checked)."""
    front = spec.path.read_text(encoding="utf-8").split("+++")[1]
    path = tmp_path / f"{spec.name}.md"
    path.write_text(f"+++{front}+++\n{body}", encoding="utf-8")
    return load_lesson(path)


def test_every_directive_name_is_a_page_block():
    """The names the spec accepts are exactly the blocks a page can draw, each with its own partial."""
    named = {(kind, name) for kind, names in DIRECTIVE_NAMES.items() for name in names}
    assert named == set(blocks.BLOCKS)
    assert len({ident for ident in (f"{k}-{n}" for k, n in named)}) == len(named)


@pytest.mark.parametrize("which", ["binary", "multiclass"])
def test_first_paragraph_comes_before_any_table_and_the_quiz(which, request):
    """The bar: the author's first paragraph precedes the first <table> and the quiz, directives or not."""
    spec, trace = request.getfixturevalue(f"{which}_spec"), request.getfixturevalue(f"{which}_trace")
    page = page_of(spec, trace)
    first = re.search(r'<div class="prose insight">\s*<p>', page)
    assert first is not None
    assert first.start() < page.index("<table") and first.start() < page.index('id="quiz"')


def test_placed_blocks_appear_once_where_the_directives_stand(binary_spec, binary_trace):
    """precision-recall places the PR curve and the thresholds table: each once, inside the body, in order."""
    page = page_of(binary_spec, binary_trace)
    body = page[page.index('id="insight"'):page.index('id="quiz"')]
    reference = page[page.index('id="reference"'):]
    for ident in ("figure-pr-curve", "table-thresholds"):
        assert page.count(f'id="{ident}"') == 1 and f'id="{ident}"' in body
    # The PR curve follows the paragraph defining precision and recall and precedes the next one.
    assert body.index("were found (recall).") < body.index('id="figure-pr-curve"') < body.index("This run has")
    assert body.index('id="figure-pr-curve"') < body.index('id="table-thresholds"')
    # Its numbers: the AP scikit-learn gave, printed in the placed block.
    assert f"Average precision (AP) {binary_trace.evaluation.average_precision:.4f}" in body
    assert "pr-svg" in body and "pr-svg" not in reference


def test_unplaced_blocks_are_folded_in_the_reference_part_and_the_loss_chart_stays_open(binary_spec, binary_trace):
    """Every other block is in the reference part, folded, except the loss chart pair (ASCII and SVG)."""
    page = page_of(binary_spec, binary_trace)
    reference = page[page.index('id="reference"'):page.index('id="provenance"')]
    for ident in ("table-data-flow", "table-epochs", "figure-prediction", "table-metrics", "figure-roc-curve",
                  "figure-confusion-matrix", "table-snapshots"):
        assert f'<details id="{ident}">' in reference and page.count(f'id="{ident}"') == 1, ident
    assert '<h3 id="figure-loss-chart">' in reference
    chart = reference[reference.index('id="figure-loss-chart"'):]
    assert '<pre class="ascii"' in chart[:3000] and '<svg class="chart"' in chart[:6000]


def test_a_body_without_directives_is_followed_by_the_open_reference(binary_spec, binary_trace, tmp_path):
    """No directive: explanation, quiz, then every block open (no <details> block) in reference order."""
    spec = with_body(binary_spec, tmp_path, "Only words here.\n\nAnd more words.\n")
    page = page_of(spec, binary_trace)
    ids = re.findall(r'<h3 id="((?:figure|table)-[\w-]+)">', page)
    order = [f"{kind}-{name.replace('_', '-')}" for kind, name in blocks.BLOCKS]
    assert ids == [ident for ident in order if ident in ids] and len(ids) >= 10
    assert page.index("Only words here.") < page.index('id="quiz"') < page.index('id="reference"')
    assert page.index('id="reference"') < page.index(f'id="{ids[0]}"')
    assert not re.search(r'<details id="(figure|table)-', page)


def test_goals_are_listed_under_the_title_escaped(binary_spec, binary_trace):
    """The goals come after the title and its one-line description, before the run's facts, as text."""
    spec = dataclasses.replace(binary_spec, goals=("read <b>curves</b>", "tell AP from accuracy"))
    page = page_of(spec, binary_trace)
    assert page.index("<h1>") < page.index('class="lede"') < page.index("In this lesson you will") \
        < page.index('class="facts"')
    assert "<li>read &lt;b&gt;curves&lt;/b&gt;</li><li>tell AP from accuracy</li>" in page


@pytest.mark.parametrize(("body", "message"), [
    ("Intro.\n\n[[ table per_class ]]\n", r"directive: \[\[ table per_class \]\]: .*needs a multiclass task"),
    ("Intro.\n\n[[ explorer threshold ]]\n", None),
])
def test_a_block_the_binary_trace_lacks_is_one_error(binary_spec, binary_trace, tmp_path, body, message):
    """per_class on a binary lesson is a SpecError with the line; the threshold explorer is accepted."""
    spec = with_body(binary_spec, tmp_path, body)
    if message is None:
        page_of(spec, binary_trace)
        return
    with pytest.raises(SpecError, match=message):
        page_of(spec, binary_trace)


@pytest.mark.parametrize("body", ["Intro.\n\n[[ table thresholds ]]\n", "Intro.\n\n[[ explorer threshold ]]\n"])
def test_binary_blocks_on_a_multiclass_trace_are_one_error(multiclass_spec, multiclass_trace, tmp_path, body):
    """The thresholds table and the threshold explorer need a binary task."""
    spec = with_body(multiclass_spec, tmp_path, body)
    with pytest.raises(SpecError, match=r"directive: .*needs a binary task"):
        page_of(spec, multiclass_trace)


@pytest.mark.parametrize(("body", "message", "line"), [
    ("A.\n\n[[ figure nope ]]\n", r"directive: .*unknown figure 'nope'", 3),
    ("A.\n\n[[ table roc_curve ]]\n", r"roc_curve is a figure, not a table", 3),
    ("[[ table epochs ]]\n\nA.\n\n[[ table epochs ]]\n", r"directive: .*placed twice \(first at line 6\)", 5),
    ("A.\n[[ table epochs ]]\n", r"directive: .*must be a paragraph of its own", 2),
    ("- a\n\n    [[ table epochs ]]\n", r"directive: .*must be a paragraph of its own", 3),
])
def test_bad_directives_fail_when_the_lesson_is_read(tmp_path, body, message, line):
    """Unknown, misfiled, repeated or misplaced directives are SpecErrors naming the lesson line, before any run."""
    path = tmp_path / "lesson.md"
    path.write_text(f"+++\nepochs = 1\n[dataset]\nsource = \"iris\"\n+++\n{body}", encoding="utf-8")
    with pytest.raises(SpecError, match=message) as caught:
        load_lesson(path)
    assert caught.value.line == 5 + line  # the body starts on line 6 of the file


def test_the_body_is_one_markdown_document_cut_at_its_directives(binary_spec, binary_trace, tmp_path):
    """Headings keep unique ids and reference links resolve across a directive; each prose run is balanced HTML."""
    from tracegen.html.prose import body_chunks

    body = "### Same\n\nSee [the docs][d].\n\n[[ figure pr_curve ]]\n\n### Same\n\n[d]: #figure-pr-curve\n"
    chunks = body_chunks(with_body(binary_spec, tmp_path, body), binary_trace)
    assert [type(c).__name__ for c in chunks] == ["str", "Directive", "str"]
    first, _, last = chunks
    assert 'id="insight-same"' in first and 'id="insight-same_1"' in last
    assert '<a href="#figure-pr-curve">the docs</a>' in first
    assert "tracegenblock" not in first + last
