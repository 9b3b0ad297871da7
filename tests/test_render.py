"""render.py and svg.py: filters, Markdown safety, observations, heat maps, curve tables, template errors."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from jinja2 import DictLoader
from sklearn.metrics import confusion_matrix, precision_recall_curve, roc_curve

from tests.conftest import LESSONS
from tracegen import render, svg
from tracegen.errors import SpecError, TracegenError
from tracegen.question import Option, Question, default_tolerance
from tracegen.spec import load_lesson
from tracegen.trace import EpochRecord


def dict_env(templates: dict[str, str]):
    """Return the real environment settings over in-memory templates."""
    env = render.make_environment()
    env.loader = DictLoader(templates)
    return env


def epochs_from(losses: list[tuple[float, float]]) -> tuple[EpochRecord, ...]:
    """Return epoch records with the given (train, val) losses and dummy accuracies."""
    return tuple(EpochRecord(epoch=i + 1, train_loss=t, train_accuracy=0.5, val_loss=v, val_accuracy=0.5)
                 for i, (t, v) in enumerate(losses))


def lesson_with_body(tmp_path, body: str, allow_html: bool = False):
    """Write the precision-recall lesson's front matter with a new body; return the loaded spec."""
    front = (LESSONS / "precision-recall.md").read_text(encoding="utf-8").split("+++")[1]
    if allow_html:
        front = "\nallow_html = true" + front
    path = tmp_path / "lesson.md"
    path.write_text(f"+++{front}+++\n{body}", encoding="utf-8")
    return load_lesson(path)


# --- filters and environment ------------------------------------------------------------

def test_filters_format_as_documented():
    """Each filter renders as its docstring says, through a real template."""
    env = dict_env({"t.html": "{{ 0.76071|fmt_num(3) }} {{ 0.305|fmt_pct }} {{ x|fmt_num }} {{ h|fmt_hash }}"})
    out = env.get_template("t.html").render(x=float("inf"), h="839396676457df09")
    assert out == "0.761 30.5% ∞ 839396676457"


def test_fmt_shape_keeps_each_shape_whole():
    """Dimensions are joined by no-break spaces, so "800 × 10" never wraps inside."""
    assert render.fmt_shape({"train": (800, 10), "y": (5,)}) == "train 800\u00a0×\u00a010, y 5"


def test_autoescape_and_strict_undefined(tmp_path):
    """Template variables are escaped, and a missing variable is a TracegenError naming template and line."""
    (tmp_path / "t.html").write_text("{{ title }}", encoding="utf-8")
    (tmp_path / "missing.html").write_text("ok\n{{ nope }}\n", encoding="utf-8")
    env = render.make_environment(tmp_path)
    assert render.render_page(env, "t.html", {"title": "<b>&</b>"}) == "&lt;b&gt;&amp;&lt;/b&gt;"
    with pytest.raises(TracegenError) as caught:
        render.render_page(env, "missing.html", {})
    assert caught.value.one_line() == f"{tmp_path / 'missing.html'}:2: template: 'nope' is undefined"


def test_template_syntax_error_names_file_and_line(tmp_path):
    """A template that does not compile is reported with its path and line."""
    (tmp_path / "broken.html").write_text("line one\n{% if %}\n", encoding="utf-8")
    env = render.make_environment(tmp_path)
    with pytest.raises(TracegenError) as caught:
        render.render_page(env, "broken.html", {})
    assert caught.value.one_line().startswith(f"{tmp_path / 'broken.html'}:2: template: ")


def test_dedent_keeps_pre_blocks_and_line_count():
    """Template indentation goes, except inside <pre>, and line numbers are unchanged."""
    source = "  <div>\n    <pre>a\n  b\n</pre>\n    <p>x</p>\n"
    out = render.dedent_html(source)
    assert out == "<div>\n<pre>a\n  b\n</pre>\n<p>x</p>\n"
    assert out.count("\n") == source.count("\n")


# --- Markdown and expressions -------------------------------------------------------------

def test_markdown_escapes_raw_html_by_default():
    """Raw HTML in lesson Markdown is shown as text unless the lesson allows HTML."""
    text = "Hi <script>alert(1)</script> <b>bold</b>\n\n<div>block</div>\n"
    safe = render.render_markdown(text)
    assert "<script>" not in safe and "<b>" not in safe and "<div>" not in safe
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in safe and "&lt;div&gt;block&lt;/div&gt;" in safe
    allowed = render.render_markdown(text, allow_html=True)
    assert "<b>bold</b>" in allowed and "<div>block</div>" in allowed


def test_markdown_extensions_and_heading_ids():
    """Tables, fenced code, attr_list and toc work; lesson headings sit below the page's sections."""
    text = "# Why it works {.lead}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nx = '<a>'\n```\n"
    html = render.render_markdown(text)
    assert '<h3 class="lead" id="insight-why-it-works">Why it works</h3>' in html
    assert "<table>" in html and "<td>2</td>" in html
    assert '<code class="language-python">x = \'&lt;a&gt;\'' in html


def test_lesson_text_is_never_a_jinja_template(tmp_path, binary_trace):
    """Jinja syntax in a lesson body is shown literally: only [[ ]] expressions are evaluated."""
    spec = lesson_with_body(tmp_path, "{{ 7 * 7 }} {% if true %}x{% endif %} [[ n_test ]]\n")
    html = render.insight_html(spec, binary_trace)
    assert "{{ 7 * 7 }}" in html and "{% if true %}" in html and "49" not in html
    assert str(binary_trace.stage("split").output_shape["test"][0]) in html


def test_missing_trace_field_names_file_and_absolute_line(tmp_path, binary_trace):
    """A bad expression is a SpecError at the file's own line number, not the body's."""
    spec = lesson_with_body(tmp_path, "First line.\n\nAP is [[ evaluation.no_such_field | .3f ]].\n")
    file_lines = spec.path.read_text(encoding="utf-8").splitlines()
    expected = next(i for i, line in enumerate(file_lines, start=1) if "no_such_field" in line)
    with pytest.raises(SpecError) as caught:
        render.insight_html(spec, binary_trace)
    assert caught.value.one_line().startswith(f"{spec.path}:{expected}: expression: no field 'no_such_field'")


def test_external_link_in_lesson_is_an_error(tmp_path, binary_trace):
    """A lesson may not link outside the site: the page must make zero external requests."""
    spec = lesson_with_body(tmp_path, "Intro.\n\nSee [the docs](https://example.com/x).\n")
    with pytest.raises(SpecError, match=r"lesson\.md:\d+: link: links to an external URL") as caught:
        render.insight_html(spec, binary_trace)
    assert caught.value.line == spec.body_line + 2


def test_allowed_html_is_kept(tmp_path, binary_trace):
    """With allow_html = true, the lesson's own HTML reaches the page."""
    spec = lesson_with_body(tmp_path, "<aside>Note [[ n_train ]]</aside>\n", allow_html=True)
    html = render.insight_html(spec, binary_trace)
    assert f"<aside>Note {binary_trace.stage('split').output_shape['train'][0]}</aside>" in html


# --- observations ---------------------------------------------------------------------------

def test_observation_overfitting_starts_then_continues():
    """Val loss rising while train loss falls is named, with both percentages from the numbers."""
    notes = render.epoch_observations(epochs_from([(1.0, 1.0), (0.8, 0.5), (0.7, 0.52), (0.6, 0.55)]))
    assert notes[0][0].startswith("first pass")
    assert notes[1] == ("both losses fell (train 20.0%, val 50.0%): still learning", "good")
    assert notes[2] == ("val loss up 4.0% while train loss fell 12.5%: overfitting starts", "warn")
    assert notes[3][0].startswith("val loss up 5.8% again while train loss fell 14.3%: still overfitting")


def test_observation_flat_and_rising():
    """Changes under 1% read as levelled off; both rising is flagged."""
    notes = render.epoch_observations(epochs_from([(0.5, 0.6), (0.499, 0.5995), (0.6, 0.7)]))
    assert notes[1][0].startswith("both losses moved under 1%")
    assert notes[2] == ("both losses rose (train 20.2%, val 16.8%): the steps may be too large", "warn")


def test_every_epoch_row_gets_an_observation(binary_trace):
    """The training view has one observation per recorded epoch, with the trace's own losses."""
    view = render.training(binary_trace)
    assert [row.epoch for row in view.rows] == [e.epoch for e in binary_trace.epochs]
    assert [row.val_loss for row in view.rows] == [e.val_loss for e in binary_trace.epochs]
    assert all(row.observation for row in view.rows)


# --- heat map and curves ------------------------------------------------------------------

@pytest.mark.parametrize("trace_name", ["binary_trace", "multiclass_trace"])
def test_heat_map_matches_scikit_learn(trace_name, request):
    """Counts and row shares equal confusion_matrix and its normalize='true' form."""
    trace = request.getfixturevalue(trace_name)
    ev = trace.evaluation
    view = render.evaluation(trace).confusion
    labels = np.arange(len(ev.classes))
    counts = confusion_matrix(ev.y_true, ev.y_pred, labels=labels)
    shares = confusion_matrix(ev.y_true, ev.y_pred, labels=labels, normalize="true")
    assert [[c.count for c in row.cells] for row in view.rows] == counts.tolist()
    np.testing.assert_allclose([[c.share for c in row.cells] for row in view.rows], shares)
    for row in view.rows:
        for cell in row.cells:
            assert (cell.level == 0) == (cell.count == 0)
            assert 0 <= cell.level <= render.HEAT_LEVELS
    assert [row.cells[i].diagonal for i, row in enumerate(view.rows)] == [True] * len(view.rows)


def test_binary_curve_tables_pair_points_with_thresholds(binary_trace):
    """The PR table pairs each threshold with precision[:-1], recall[:-1]; the sentinel has none."""
    ev = binary_trace.evaluation
    precision, recall, thresholds = precision_recall_curve(ev.y_true, ev.y_score)
    pr, roc = render.evaluation(binary_trace).curves
    assert pr.total_rows == len(precision) and not pr.thinned
    assert [row[0] for row in pr.rows[:-1]] == pytest.approx(thresholds.tolist())
    assert [row[1] for row in pr.rows] == pytest.approx(precision.tolist())
    assert pr.rows[-1] == ("sentinel", 1.0, 0.0)
    fpr, tpr, _ = roc_curve(ev.y_true, ev.y_score)
    assert [row[1] for row in roc.rows] == pytest.approx(fpr.tolist())
    assert [row[2] for row in roc.rows] == pytest.approx(tpr.tolist())
    assert (pr.area, pr.chance, roc.area, roc.chance) == (ev.average_precision, ev.prevalence, ev.roc_auc, 0.5)


def test_thinned_curve_table_keeps_endpoints(binary_trace):
    """A thinned table keeps the first and last points and says it is thinned."""
    pr = render.evaluation(binary_trace, max_table_rows=12).curves[0]
    curve = binary_trace.evaluation.pr_curve
    assert pr.thinned and len(pr.rows) <= 12 and pr.total_rows == len(curve.precision)
    assert pr.rows[0][1] == curve.precision[0] and pr.rows[-1] == ("sentinel", 1.0, 0.0)


def test_multiclass_view_reads_per_class_scores(multiclass_trace):
    """Per-class rows carry the trace's AUC and AP beside the report's precision and recall."""
    ev = multiclass_trace.evaluation
    view = render.evaluation(multiclass_trace)
    assert [r.roc_auc for r in view.classes] == [c.roc_auc for c in ev.per_class]
    assert [r.precision for r in view.classes] == [ev.classification_report[c]["precision"] for c in ev.classes]
    hardest = min(ev.per_class, key=lambda c: c.average_precision)
    assert [r.class_name for r in view.classes if r.hardest] == [hardest.class_name]
    assert view.curves[0].area == hardest.average_precision
    assert [m.value for m in view.metrics][:2] == [ev.roc_auc_macro, ev.roc_auc_micro]


# --- SVG geometry ---------------------------------------------------------------------------

def test_thin_indices_keeps_endpoints():
    """Thinning never exceeds the limit and always keeps the first and last index."""
    for count in (1, 2, 5, 201, 451):
        kept = svg.thin_indices(count, 30)
        assert kept[0] == 0 and kept[-1] == count - 1 and len(kept) <= 30
        assert list(kept) == sorted(set(kept))


def test_step_path_is_steps_post_with_turning_points():
    """Each point steps across to the next x, then vertically; straight vertical runs collapse."""
    assert svg.step_path([(10, 5), (10, 4), (10, 3), (10, 4), (8, 4), (8, 2), (6, 2)]) == "M10,5V3V4H8V2H6"


def test_unit_curve_maps_data_to_plot_box():
    """(0, 0) lands at the bottom-left corner of the plot box and (1, 1) at the top right."""
    chart = svg.unit_curve("c", [0.0, 0.0, 1.0], [0.0, 1.0, 1.0], step=False, chance="diagonal",
                           chance_level=0.5, title="t", x_label="x", y_label="y", description="d")
    left, top, width, height = chart.frame
    curve = chart.series[-1].path
    assert curve == f"M{left},{top + height}L{left},{top}L{left + width},{top}"


def test_nice_ticks_cover_the_range():
    """Ticks are round numbers inside the range."""
    assert svg.nice_ticks(0.3371, 1.0569) == (0.4, 0.6, 0.8, 1.0)
    assert svg.nice_ticks(1, 12, count=6) == (2.5, 5.0, 7.5, 10.0)


# --- quiz view ------------------------------------------------------------------------------

def test_quiz_data_holds_right_answers_but_no_duplicate_text(binary_trace):
    """The JSON says which options are right and holds numeric answers; texts stay in the forms."""
    questions = (
        Question(id="pick", kind="single", prompt="Pick", explanation="Because",
                 generator="test", options=(Option("a", False, "no: a"), Option("b", True, "yes: b"))),
        Question(id="num", kind="numeric", prompt="How many?", explanation="Count", generator="test",
                 options=(Option("200", False, "that is train", value=800.0),), answer=200.0, decimals=0),
    )
    view = render.quiz(questions, binary_trace)
    assert view.storage_key == f"tracegen:{binary_trace.lesson}:{binary_trace.hash}"
    single, numeric = view.data["questions"]
    assert single == {"id": "pick", "kind": "single", "n_options": 2, "correct": [1]}
    assert numeric["answer"] == 200.0 and numeric["tolerance"] == default_tolerance(0) and numeric["shown"] == "200"
    assert numeric["wrong"] == [{"value": 800.0, "feedback": "that is train"}]
    assert "yes: b" not in json.dumps(view.data)
    assert [o.feedback for o in view.questions[0].options] == ["no: a", "yes: b"]
    assert view.questions[1].answer_hint == "a whole number"


def test_page_context_numbers_come_from_the_trace(binary_spec, binary_trace):
    """The page's headline numbers are the trace's, unchanged."""
    context = render.lesson_context(binary_spec, binary_trace, (), root="../", variants=(),
                                    build=render.BuildInfo(reproducible=True))
    ev = binary_trace.evaluation
    assert [m.value for m in context["evaluation"].metrics] == [ev.average_precision, ev.roc_auc, ev.accuracy]
    assert context["provenance"].hash == binary_trace.hash and context["provenance"].timings == ()
    assert re.search(rf"{len(ev.y_true)} test rows", " ".join(context["facts"]))
