"""Trace + lesson -> page context and HTML: one Jinja environment, its filters, and Markdown.

Templates only present. Everything they show is computed here from the trace (observations,
row percentages, shading levels, thinned tables, SVG geometry) and passed in as frozen
records. Lesson prose binds to the trace through ``[[ expr | fmt ]]`` (tracegen.expressions),
never through Jinja: lesson and data text are data, not templates.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import markdown
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from jinja2.ext import Extension
from markupsafe import Markup

from tracegen import charts, sanitize, svg
from tracegen.errors import SpecError, TracegenError
from tracegen.expressions import ExpressionError, substitute
from tracegen.question import Question, default_tolerance
from tracegen.spec import LessonSpec
from tracegen.terminal import (
    class_weights,
    fmt_example,
    fmt_values,
    image_side,
    positive_image,
    shade_image,
    side_by_side,
    weight_snapshots,
)
from tracegen.trace import EpochRecord, PRCurve, ROCCurve, Trace

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
MARKDOWN_EXTENSIONS = ("tables", "fenced_code", "attr_list", "toc")
# Relative loss change below which an epoch counts as "flat".
FLAT_CHANGE = 0.01
HEAT_LEVELS = 8
TIMES = "\u00a0×\u00a0"
# The traced row's feature table lists at most this many features (trace.json has them all).
MAX_FEATURE_ROWS = 10
EXTERNAL_URL = re.compile(r"""(?:href|src)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
STAGE_TITLES = {
    "load": "Data loading",
    "split": "Train/test split",
    "normalize": "Feature normalization",
    "train": "Model training",
    "predict": "Prediction on the test rows",
    "evaluate": "Evaluation",
}
SECTIONS = (
    ("data-flow", "Data flow"),
    ("training", "Training trace"),
    ("prediction", "Prediction trace"),
    ("evaluation", "Evaluation"),
    ("quiz", "Quiz"),
    ("insight", "Key insight"),
    ("provenance", "Provenance"),
)


# --- filters: small pure functions, registered in FILTERS at the bottom ------------------

def fmt_num(value: float | None, digits: int = 4) -> str:
    """Format a number for a table: ``{{ 0.76071 | fmt_num(3) }}`` -> ``0.761``; inf -> ``∞``."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = float(value)
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if math.isnan(value):
        return "n/a"
    return f"{value:.{digits}f}"


def fmt_pct(value: float, digits: int = 1) -> str:
    """Format a fraction as a percentage: ``{{ 0.305 | fmt_pct }}`` -> ``30.5%``."""
    return f"{value * 100:.{digits}f}%"


def fmt_hash(value: str, length: int = 12) -> str:
    """Shorten a hash for display: ``{{ trace.hash | fmt_hash }}`` -> ``839396676457``."""
    return value[:length]


def fmt_shape(shapes: dict[str, Sequence[int]]) -> str:
    """Format named shapes: ``{{ {"train": (800, 10)} | fmt_shape }}`` -> ``train 800 × 10``."""
    # No-break spaces keep each "800 × 10" whole; lines may break after a part's name or a comma.
    return ", ".join(f"{name} {TIMES.join(str(n) for n in shape)}" for name, shape in shapes.items())


def fmt_kb(size: int) -> str:
    """Format a byte count: ``{{ 45123 | fmt_kb }}`` -> ``44.1 KB``."""
    return f"{size / 1024:.1f} KB"


FILTERS = {
    "fmt_num": fmt_num,
    "fmt_pct": fmt_pct,
    "fmt_hash": fmt_hash,
    "fmt_kb": fmt_kb,
    "fmt_shape": fmt_shape,
    "fmt_values": fmt_values,
}


def dedent_html(source: str) -> str:
    """Strip the indentation of every template line outside <pre> (indentation is for template readers).

    Line numbers stay the same, so template errors still point at the right line.
    """
    lines, in_pre = [], False
    for line in source.split("\n"):
        lines.append(line if in_pre else line.lstrip())
        opened, closed = line.rfind("<pre"), line.rfind("</pre>")
        if opened > closed:
            in_pre = True
        elif closed > opened:
            in_pre = False
    return "\n".join(lines)


class DedentExtension(Extension):
    """Jinja extension: page weight matters (80 KB per lesson page), template indentation does not."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return dedent_html(source)


def make_environment(templates_dir: Path = TEMPLATES_DIR) -> Environment:
    """Return the one Jinja environment: templates/ on disk, autoescape, strict undefined."""
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=[DedentExtension],
    )
    env.filters.update(FILTERS)
    # Compact, key-sorted JSON for the pages' data blocks (tojson still escapes <, >, & and ').
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}
    return env


def check_templates(env: Environment) -> None:
    """Compile every template now, so a broken one fails the build before any lesson runs."""
    for name in ("lesson.html", "index.html", *env.list_templates(extensions=["html"])):
        try:
            env.get_template(name)
        except TemplateError as exc:
            raise template_error(env, name, exc) from None


def render_page(env: Environment, template: str, context: dict[str, Any]) -> str:
    """Render one template; a broken template becomes a one-line TracegenError naming its file and line."""
    try:
        return env.get_template(template).render(**context)
    except TemplateError as exc:
        raise template_error(env, template, exc) from None


def template_error(env: Environment, template: str, exc: TemplateError) -> TracegenError:
    """Return the user-facing error for a template that fails to compile or render."""
    name = getattr(exc, "name", None) or template
    line = getattr(exc, "lineno", None)
    if line is None:
        name, line = _template_frame(exc, name)
    folder = Path(env.loader.searchpath[0]) if isinstance(env.loader, FileSystemLoader) else Path(".")
    message = getattr(exc, "message", None) or str(exc)
    return TracegenError(folder / name, "template", message.splitlines()[0], line=line)


def _template_frame(exc: BaseException, fallback: str) -> tuple[str, int | None]:
    # Jinja rewrites tracebacks so that template frames carry the template's file and line.
    found: tuple[str, int | None] = (fallback, None)
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".html"):
            found = (Path(filename).name, tb.tb_lineno)
        tb = tb.tb_next
    return found


# --- Markdown ---------------------------------------------------------------------------

def render_markdown(text: str, allow_html: bool = False) -> str:
    """Return lesson Markdown as HTML; raw HTML is escaped unless the lesson allows it."""
    md = markdown.Markdown(extensions=list(MARKDOWN_EXTENSIONS),
                           extension_configs={"toc": {"baselevel": 3, "slugify": _insight_slug}})
    if not allow_html:
        # Without these two, python-markdown passes <tags> through untouched; without them
        # the text is escaped like any other character data.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
    # Markdown's own links, images and {: attributes } could still carry javascript: or onclick=.
    sanitize.register(md)
    return md.convert(text)


def _insight_slug(value: str, separator: str) -> str:
    # Prefixed so lesson headings can never collide with the page's own section ids.
    words = re.sub(r"[^\w\s-]", "", value.lower()).split()
    return "insight" + separator + separator.join(words)


def insight_html(spec: LessonSpec, trace: Trace) -> str:
    """Return the lesson body with its expressions filled from the trace, as HTML.

    A bad expression is a SpecError naming the lesson file and the line in that file.
    """
    try:
        text = substitute(spec.body, trace, escape=not spec.allow_html)
    except ExpressionError as exc:
        line = spec.body_line + getattr(exc, "line", 1) - 1
        raise SpecError(spec.path, "expression", str(exc), line=line) from None
    html = render_markdown(text, spec.allow_html)
    external = EXTERNAL_URL.search(html)
    if external:
        raise SpecError(spec.path, "link", "links to an external URL; the site must work offline "
                        "with zero external requests, so write the address as `code` instead",
                        line=_line_of_url(spec, html[external.end():]))
    return html


def _line_of_url(spec: LessonSpec, after: str) -> int | None:
    host = re.match(r"[^\s\"'<>]+", after)
    if host is None:
        return None
    offset = spec.body.find(host.group(0))
    return None if offset < 0 else spec.body_line + spec.body.count("\n", 0, offset)


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """Return the text of an HTML fragment with whitespace collapsed (for the search index)."""
    parser = _TextOnly()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


# --- page records -----------------------------------------------------------------------

@dataclass(frozen=True)
class PageLink:
    """A link from the current page: text, relative href, and whether it is this page."""

    label: str
    href: str
    current: bool = False
    seed: int | None = None


@dataclass(frozen=True)
class BuildInfo:
    """Build facts shown in provenance only when the build is not --reproducible."""

    reproducible: bool
    built_at: str | None = None


@dataclass(frozen=True)
class StageRow:
    """One row of the Data Flow table."""

    number: int
    name: str
    title: str
    input_shape: str
    operation: str
    output_shape: str
    example_before: str
    example_after: str
    example_description: str


@dataclass(frozen=True)
class EpochRow:
    """One row of the epoch table with its generated observation; tone is '', 'good' or 'warn'."""

    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    observation: str
    tone: str


@dataclass(frozen=True)
class Training:
    """The Training Trace section."""

    ascii_lines: tuple[str, ...]
    svg: svg.SvgChart
    rows: tuple[EpochRow, ...]
    validation: str
    snapshots: tuple[Any, ...]


@dataclass(frozen=True)
class Layer:
    """One step of the Prediction Trace: what the row looks like after it."""

    number: int
    name: str
    value: str
    note: str


@dataclass(frozen=True)
class FeatureRow:
    """One feature of the traced row, before and after normalization."""

    name: str
    raw: float
    normalized: float


@dataclass(frozen=True)
class ClassScore:
    """The traced row's score and probability for one class."""

    class_name: str
    score: float | None
    probability: float
    predicted: bool


@dataclass(frozen=True)
class Prediction:
    """The Prediction Trace section."""

    test_row: int
    actual: str
    predicted: str
    correct: bool
    layers: tuple[Layer, ...]
    features: tuple[FeatureRow, ...]
    n_features: int
    class_scores: tuple[ClassScore, ...]


def heat_css_class(level: int, diagonal: bool) -> str:
    """Return a heat-map cell's classes: its shade (none when empty) and 'diag' on the diagonal."""
    return " ".join(name for name, wanted in ((f"heat-{level}", level > 0), ("diag", diagonal)) if wanted)


@dataclass(frozen=True)
class HeatCell:
    """One confusion-matrix cell: its count, its share of the true class's rows, a shade level."""

    count: int
    share: float
    level: int
    diagonal: bool

    @property
    def css_class(self) -> str:
        """Return the cell's classes: its shade (none for an empty cell) and 'diag' on the diagonal."""
        return heat_css_class(self.level, self.diagonal)


@dataclass(frozen=True)
class HeatRow:
    """One true class of a confusion matrix."""

    class_name: str
    cells: tuple[HeatCell, ...]
    total: int


@dataclass(frozen=True)
class HeatMap:
    """A confusion matrix as a shaded table."""

    caption: str
    classes: tuple[str, ...]
    rows: tuple[HeatRow, ...]


@dataclass(frozen=True)
class CurveView:
    """One curve: ASCII chart, SVG chart, its data table (maybe thinned), area and chance level."""

    curve_id: str
    title: str
    ascii_lines: tuple[str, ...]
    svg: svg.SvgChart
    headers: tuple[str, ...]
    rows: tuple[tuple[float | str | None, ...], ...]
    total_rows: int
    area_name: str
    area: float
    chance_name: str
    chance: float
    others_label: str = ""

    @property
    def thinned(self) -> bool:
        """Return True when the table shows fewer points than the curve has."""
        return len(self.rows) < self.total_rows


@dataclass(frozen=True)
class Metric:
    """A headline number with its comparison."""

    name: str
    value: float
    comparison: str


@dataclass(frozen=True)
class ThresholdRow:
    """The binary confusion counts and scores at one threshold."""

    rule: str
    tn: int
    fp: int
    fn: int
    tp: int
    precision: float
    recall: float
    f1: float
    accuracy: float


@dataclass(frozen=True)
class ClassRow:
    """Per-class ranking scores beside per-class precision and recall (multiclass)."""

    class_name: str
    prevalence: float
    roc_auc: float
    average_precision: float
    precision: float
    recall: float
    f1: float
    support: int
    hardest: bool


@dataclass(frozen=True)
class EvaluationView:
    """The Evaluation section, for either task."""

    task: str
    n_test: int
    metrics: tuple[Metric, ...]
    curves: tuple[CurveView, ...]
    curves_intro: str
    confusion: HeatMap
    thresholds: tuple[ThresholdRow, ...]
    classes: tuple[ClassRow, ...]


@dataclass(frozen=True)
class OptionView:
    """One answer option (an input inside its label), with the feedback shown when it is chosen."""

    index: int
    text: str
    feedback: str


@dataclass(frozen=True)
class QuestionView:
    """One quiz question as a form."""

    number: int
    form_id: str
    kind: str
    prompt: str
    options: tuple[OptionView, ...]
    answer_hint: str
    explanation: str


@dataclass(frozen=True)
class Quiz:
    """The Quiz section and the JSON the page's script checks answers with."""

    questions: tuple[QuestionView, ...]
    storage_key: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Provenance:
    """Where the numbers come from."""

    seed: int
    hash: str
    fingerprint: str
    source: str
    versions: tuple[tuple[str, str], ...]
    timings: tuple[tuple[str, float], ...]
    built_at: str | None


# --- sections ---------------------------------------------------------------------------

def data_flow(trace: Trace) -> tuple[StageRow, ...]:
    """Return one row per pipeline stage, with one real example row before and after."""
    rows = []
    for number, stage in enumerate(trace.stages, start=1):
        operation = stage.operation + (f". Fitted on {stage.fitted_on}." if stage.fitted_on else "")
        rows.append(StageRow(
            number=number, name=stage.name, title=STAGE_TITLES.get(stage.name, stage.name.capitalize()),
            input_shape=fmt_shape(stage.input_shape), operation=operation,
            output_shape=fmt_shape(stage.output_shape),
            example_before=fmt_example(stage.example_in), example_after=fmt_example(stage.example_out),
            example_description=f"{stage.example_in.description} → {stage.example_out.description}",
        ))
    return tuple(rows)


def _change(before: float, after: float) -> float:
    return (after - before) / before if before else 0.0


def epoch_observations(epochs: Sequence[EpochRecord]) -> tuple[tuple[str, str], ...]:
    """Return (observation, tone) per epoch, read from how both losses moved since the last epoch."""
    observations: list[tuple[str, str]] = []
    overfitting = False
    best_val = math.inf
    for index, epoch in enumerate(epochs):
        if index == 0:
            gap = epoch.val_loss - epoch.train_loss
            side = "above" if gap >= 0 else "below"
            observations.append((f"first pass over the training rows: val loss sits {abs(gap):.3f} {side} "
                                 f"train loss", ""))
            best_val = epoch.val_loss
            continue
        previous = epochs[index - 1]
        train, val = _change(previous.train_loss, epoch.train_loss), _change(previous.val_loss, epoch.val_loss)
        text, tone = _observe(train, val, overfitting)
        if val > FLAT_CHANGE and train < 0:
            overfitting = True
        elif val < -FLAT_CHANGE:
            overfitting = False
        if epoch.val_loss < best_val:
            best_val = epoch.val_loss
            if index == len(epochs) - 1 and tone != "warn":
                text += "; lowest val loss of the run"
        observations.append((text, tone))
    return tuple(observations)


def _percent(change: float) -> str:
    size = abs(change) * 100
    return "<0.1%" if size < 0.05 else f"{size:.1f}%"


def _observe(train: float, val: float, overfitting: bool) -> tuple[str, str]:
    t, v = _percent(train), _percent(val)
    if val > FLAT_CHANGE and train < 0:
        if overfitting:
            return f"val loss up {v} again while train loss fell {t}: still overfitting", "warn"
        return f"val loss up {v} while train loss fell {t}: overfitting starts", "warn"
    if val > FLAT_CHANGE:
        return f"both losses rose (train {t}, val {v}): the steps may be too large", "warn"
    if abs(train) <= FLAT_CHANGE and abs(val) <= FLAT_CHANGE:
        return f"both losses moved under 1% (train {t}, val {v}): training has levelled off", ""
    if train < -FLAT_CHANGE and val < -FLAT_CHANGE:
        return f"both losses fell (train {t}, val {v}): still learning", "good"
    if train < -FLAT_CHANGE:
        return f"train loss fell {t} but val loss barely moved ({v}): gains stop reaching unseen rows", ""
    if val < -FLAT_CHANGE:
        return f"val loss fell {v} while train loss barely moved ({t})", "good"
    return f"train loss rose {t} while val loss did not: a noisy step", ""


def training(trace: Trace) -> Training:
    """Return the loss chart (ASCII and SVG), the epoch table and its observations."""
    epochs = trace.epochs
    numbers = [e.epoch for e in epochs]
    chart = svg.epoch_lines("loss-chart", numbers,
                            {"train loss": [e.train_loss for e in epochs], "val loss": [e.val_loss for e in epochs]},
                            {"train loss": "train", "val loss": "val"}, title="Log loss per epoch",
                            y_label="log loss")
    rows = tuple(EpochRow(epoch=e.epoch, train_loss=e.train_loss, train_accuracy=e.train_accuracy,
                          val_loss=e.val_loss, val_accuracy=e.val_accuracy, observation=text, tone=tone)
                 for e, (text, tone) in zip(epochs, epoch_observations(epochs)))
    return Training(ascii_lines=charts.loss_chart(trace).lines, svg=chart, rows=rows,
                    validation=trace.validation, snapshots=trace.snapshots)


NORMALIZATION_NOTES = {
    "standard": "(value − train mean) / train std, per feature",
    "minmax": "(value − train min) / (train max − train min), per feature",
    "none": "no normalization: the raw values pass through",
}


def prediction(trace: Trace) -> Prediction:
    """Return one real test row followed from raw values to a label."""
    p = trace.prediction
    classes = trace.evaluation.classes
    binary = len(classes) == 2
    n = len(p.raw)
    layers = [
        Layer(1, "Raw input", fmt_values(p.raw, limit=6), f"{n} feature values as loaded"),
        Layer(2, "Normalized", fmt_values(p.normalized, limit=6),
              NORMALIZATION_NOTES.get(str(trace.spec["normalization"]), "")),
    ]
    if not p.score:
        layers.append(Layer(3, "Score", "—", "this model exposes no decision score"))
    elif binary:
        layers.append(Layer(3, "Score", fmt_num(p.score[0]), "decision_function: weights · features + intercept"))
    else:
        layers.append(Layer(3, "Score", fmt_values(p.score, limit=4), f"decision_function: one score per class "
                            f"({len(classes)} classes)"))
    if binary:
        layers.append(Layer(4, "Probability", f"P({classes[1]}) = {fmt_num(p.probability[1])}",
                            "sigmoid of the score"))
    else:
        best = sorted(range(len(classes)), key=lambda i: -p.probability[i])[:3]
        layers.append(Layer(4, "Probability", ", ".join(f"P({classes[i]}) = {fmt_num(p.probability[i])}"
                                                        for i in best), "the three most likely classes"))
    verdict = "correct" if p.predicted == p.actual else "wrong"
    layers.append(Layer(5, "Label", f"predicted {p.predicted}", f"{p.rule}; actual class {p.actual}: {verdict}"))
    names = trace.data.feature_names
    features = tuple(FeatureRow(names[i] if i < len(names) else f"x{i}", raw, norm)
                     for i, (raw, norm) in enumerate(zip(p.raw[:MAX_FEATURE_ROWS], p.normalized)))
    class_scores = () if binary else tuple(
        ClassScore(name, p.score[i] if p.score else None, p.probability[i], name == p.predicted)
        for i, name in enumerate(classes))
    return Prediction(test_row=p.test_row, actual=p.actual, predicted=p.predicted, correct=p.predicted == p.actual,
                      layers=tuple(layers), features=features, n_features=n, class_scores=class_scores)


def heat_map(matrix: Sequence[Sequence[int]], classes: Sequence[str], caption: str) -> HeatMap:
    """Return a confusion matrix with row shares (normalize='true') and shade levels 0..8."""
    rows = []
    for i, (name, counts) in enumerate(zip(classes, matrix)):
        total = sum(counts)
        cells = []
        for j, count in enumerate(counts):
            share = count / total if total else 0.0
            cells.append(HeatCell(count=count, share=share, level=int(math.ceil(share * HEAT_LEVELS)),
                                  diagonal=i == j))
        rows.append(HeatRow(class_name=name, cells=tuple(cells), total=total))
    return HeatMap(caption=caption, classes=tuple(classes), rows=tuple(rows))


def _table_rows(columns: Sequence[Sequence[Any]], max_rows: int | None) -> tuple[tuple[tuple[Any, ...], ...], int]:
    total = len(columns[0])
    keep = svg.thin_indices(total, max_rows) if max_rows else range(total)
    return tuple(tuple(column[i] for column in columns) for i in keep), total


def pr_view(curve_id: str, curve: PRCurve, prevalence: float, average_precision: float, title: str,
            max_rows: int | None = None) -> CurveView:
    """Return the PR curve: step-shaped ASCII and SVG, and a table pairing each point with its threshold."""
    chart = charts.pr_chart(curve, prevalence, title=title)
    drawing = svg.unit_curve(
        f"{curve_id}-svg", curve.recall, curve.precision, step=True, chance="horizontal", chance_level=prevalence,
        title=title, x_label="recall", y_label="precision",
        description=f"Step-shaped precision-recall curve with a chance line at precision {prevalence:.3f}; "
                    f"the table below lists the points.")
    # The sentinel point (P=1, R=0) has no threshold.
    thresholds: list[float | str] = [*curve.thresholds, "sentinel"]
    rows, total = _table_rows((thresholds, curve.precision, curve.recall), max_rows)
    return CurveView(curve_id=curve_id, title=title, ascii_lines=chart.lines, svg=drawing,
                     headers=("threshold", "precision", "recall"), rows=rows, total_rows=total,
                     area_name="Average precision (AP)", area=average_precision,
                     chance_name="chance level (prevalence)", chance=prevalence)


def roc_view(curve_id: str, curve: ROCCurve, roc_auc: float, title: str, max_rows: int | None = None,
             others: Sequence[tuple[str, ROCCurve]] = ()) -> CurveView:
    """Return the ROC curve as ASCII and SVG with its table; chance level is the diagonal, AUC 0.5.

    `others` are (name, curve) pairs drawn faintly behind it in the SVG (the other classes).
    """
    chart = charts.roc_chart(curve, title=title)
    description = "ROC curve with the diagonal chance line; the table below lists the points."
    if others:
        description = (f"{title} drawn bold over the one-vs-rest ROC curves of the {len(others)} other classes, "
                       f"with the diagonal chance line; the per-class table lists every AUC.")
    drawing = svg.unit_curves(
        f"{curve_id}-svg", [(name, "faint", o.fpr, o.tpr) for name, o in others] + [("curve", "curve", curve.fpr,
                                                                                      curve.tpr)],
        step=False, chance="diagonal", chance_level=0.5, title=title, x_label="false positive rate",
        y_label="true positive rate", description=description)
    rows, total = _table_rows((curve.thresholds, curve.fpr, curve.tpr), max_rows)
    return CurveView(curve_id=curve_id, title=title, ascii_lines=chart.lines, svg=drawing,
                     headers=("threshold", "false positive rate", "true positive rate"), rows=rows,
                     total_rows=total, area_name="ROC AUC", area=roc_auc, chance_name="chance level", chance=0.5,
                     others_label=f"the other {len(others)} classes" if others else "")


def evaluation(trace: Trace, max_table_rows: int | None = None) -> EvaluationView:
    """Return the Evaluation section; curve tables longer than `max_table_rows` are thinned."""
    ev = trace.evaluation
    matrix = heat_map(ev.confusion_matrix, ev.classes,
                      "Confusion matrix at the model's own rule: rows are the true class, columns the "
                      "predicted class; each cell shows its count and its share of the true class's rows")
    if ev.task == "binary":
        positive = ev.classes[ev.pos_label or 1]
        metrics = (Metric("Average precision", ev.average_precision, f"chance level {ev.prevalence:.3f} "
                          f"(the share of class {positive})"),
                   Metric("ROC AUC", ev.roc_auc, "chance level 0.5"),
                   Metric("Accuracy", ev.accuracy, "at the model's own rule"))
        curves = (pr_view("pr", ev.pr_curve, ev.prevalence, ev.average_precision, "Precision-recall curve",
                          max_table_rows),
                  roc_view("roc", ev.roc_curve, ev.roc_auc, "ROC curve", max_table_rows))
        thresholds = tuple(ThresholdRow(m.rule, *(v for row in m.confusion_matrix for v in row), m.precision,
                                        m.recall, m.f1, m.accuracy) for m in ev.at_thresholds)
        return EvaluationView(task="binary", n_test=len(ev.y_true), metrics=metrics, curves=curves,
                              curves_intro=f"Class {positive} is the positive class.", confusion=matrix,
                              thresholds=thresholds, classes=())
    hardest = min(ev.per_class, key=lambda c: (c.average_precision, c.class_name))
    report = ev.classification_report
    classes = tuple(ClassRow(class_name=c.class_name, prevalence=c.prevalence, roc_auc=c.roc_auc,
                             average_precision=c.average_precision, precision=report[c.class_name]["precision"],
                             recall=report[c.class_name]["recall"], f1=report[c.class_name]["f1-score"],
                             support=int(report[c.class_name]["support"]), hardest=c is hardest)
                    for c in ev.per_class)
    metrics = (Metric("Macro ROC AUC", ev.roc_auc_macro, "one-vs-rest, mean over classes; chance level 0.5"),
               Metric("Micro ROC AUC", ev.roc_auc_micro, "one-vs-rest, all rows pooled; chance level 0.5"),
               Metric("Accuracy", ev.accuracy, "at the model's own rule"),
               *(Metric(f"Top-{t.k} accuracy", t.accuracy, f"true class among the {t.k} most likely")
                 for t in ev.top_k if t.k > 1))
    name = hardest.class_name
    others = [(f"class {c.class_name}", c.roc_curve) for c in ev.per_class if c is not hardest]
    curves = (pr_view("pr", hardest.pr_curve, hardest.prevalence, hardest.average_precision,
                      f"Precision-recall curve, class {name} vs rest", max_table_rows),
              roc_view("roc", hardest.roc_curve, hardest.roc_auc, f"ROC curve, class {name} vs rest", max_table_rows,
                       others=others))
    return EvaluationView(
        task="multiclass", n_test=len(ev.y_true), metrics=metrics, curves=curves,
        curves_intro=(f"Class {name} has the lowest average precision, so its one-vs-rest curves are drawn "
                      f"in full; its ROC chart also shows the other classes' curves, faint."),
        confusion=matrix, thresholds=(), classes=classes)


def quiz(questions: Sequence[Question], trace: Trace) -> Quiz:
    """Return the quiz forms and the data the page's script checks and saves answers with.

    Option texts, feedback and explanations are in the forms only; the JSON holds what the
    script needs besides them (kinds, right options, numeric answers and tolerances), so no
    text is shipped twice.
    """
    views, data = [], []
    for number, q in enumerate(questions, start=1):
        form_id = f"q{number}"
        options = () if q.kind == "numeric" else tuple(
            OptionView(i, option.text, option.feedback) for i, option in enumerate(q.options))
        hint = ""
        if q.kind == "numeric" and q.decimals == 0:
            hint = "a whole number"
        elif q.kind == "numeric" and q.decimals is not None:
            hint = f"{q.decimals} decimal place{'s' if q.decimals != 1 else ''}"
        elif q.kind == "multiple":
            hint = "Choose every option that applies."
        views.append(QuestionView(number=number, form_id=form_id, kind=q.kind, prompt=q.prompt, options=options,
                                  answer_hint=hint, explanation=q.explanation))
        entry: dict[str, Any] = {"id": q.id, "kind": q.kind, "n_options": len(q.options)}
        if q.kind == "numeric":
            entry.update(answer=q.answer, tolerance=_tolerance(q), shown=_shown(q),
                         wrong=[{"value": o.value, "feedback": o.feedback} for o in q.options if o.value is not None])
        else:
            entry["correct"] = list(q.correct_indices)
        data.append(entry)
    key = storage_key(trace)
    return Quiz(questions=tuple(views), storage_key=key,
                data={"key": key, "lesson": trace.lesson, "hash": trace.hash, "questions": data})


def _shown(question: Question) -> str:
    """Return a numeric answer as the page states it once answered: to the question's decimals."""
    decimals = question.decimals if question.decimals is not None else 2
    return f"{question.answer:.{decimals}f}"


def _tolerance(question: Question) -> float:
    if question.tolerance is not None:
        return question.tolerance
    return default_tolerance(question.decimals if question.decimals is not None else 2)


def storage_key(trace: Trace) -> str:
    """Return the localStorage key of a page's answers: lesson + trace hash, so a new seed starts fresh."""
    return f"tracegen:{trace.lesson}:{trace.hash}"


def provenance(trace: Trace, build: BuildInfo) -> Provenance:
    """Return seed, fingerprint, versions and hash; wall times only for a non-reproducible build."""
    timings = () if build.reproducible else tuple((name, seconds * 1000) for name, seconds in trace.timings.items())
    return Provenance(seed=trace.seed, hash=trace.hash, fingerprint=trace.data.fingerprint, source=trace.data.source,
                      versions=tuple(trace.versions.items()), timings=timings,
                      built_at=None if build.reproducible else build.built_at)


def lesson_context(spec: LessonSpec, trace: Trace, questions: Sequence[Question], *, root: str,
                   variants: Sequence[PageLink], build: BuildInfo,
                   max_table_rows: int | None = None) -> dict[str, Any]:
    """Return everything lesson.html shows, computed from the trace.

    Curve data tables show every point unless `max_table_rows` is given; then they are
    thinned (first and last point kept) and the page says so.
    """
    ev = trace.evaluation
    split = trace.stage("split").output_shape
    facts = (
        f"{trace.data.n_samples} rows",
        f"{split['test'][0]} test rows",
        f"{trace.data.n_features} features",
        f"{len(ev.classes)} classes",
        f"{len(trace.epochs)} epochs",
        f"seed {trace.seed}",
    )
    return {
        "root": root,
        "title": spec.title,
        "lesson": {"name": spec.name, "title": spec.title, "topic": spec.topic, "description": spec.description},
        "facts": facts,
        "sections": SECTIONS,
        "variants": tuple(variants),
        "data_flow": data_flow(trace),
        "training": training(trace),
        "prediction": prediction(trace),
        "evaluation": evaluation(trace, max_table_rows),
        "catalogue": catalogue(trace),
        "quiz": quiz(questions, trace),
        "insight": Markup(insight_html(spec, trace)),
        "provenance": provenance(trace, build),
        "trace_href": "trace.json",
    }


# --- catalogue sections (issue 6) --------------------------------------------------------------
# Each is built only when the trace holds its evaluation; every number is read from the trace,
# this code only picks shades and labels.

# Normalized confusion matrices are shown in full only up to this many classes (page weight).
MAX_NORMALIZED_CLASSES = 4


@dataclass(frozen=True)
class ShareCell:
    """One cell of a normalized confusion matrix: its share and shade level."""

    share: float
    level: int
    diagonal: bool

    @property
    def css_class(self) -> str:
        """Return the cell's shade class and 'diag' on the diagonal."""
        return heat_css_class(self.level, self.diagonal)


@dataclass(frozen=True)
class ShareMap:
    """A confusion matrix normalized over rows ('true') or columns ('pred')."""

    title: str
    caption: str
    classes: tuple[str, ...]
    rows: tuple[tuple[str, tuple[ShareCell, ...]], ...]


@dataclass(frozen=True)
class TunedThreshold:
    """The threshold tuned on validation rows, and the default rule, both measured on test rows."""

    threshold: float
    validation_score: float
    n_validation: int
    rows: tuple[ThresholdRow, ...]
    svg: svg.SvgChart


@dataclass(frozen=True)
class BinCell:
    """Recall of one class within one bin (None: no rows of the class there), its support and shade."""

    recall: float | None
    support: int
    level: int


@dataclass(frozen=True)
class FeatureView:
    """Recall per class per quantile bin of one property of the test rows."""

    property: str
    bins: tuple[str, ...]
    counts: tuple[int, ...]
    rows: tuple[tuple[str, tuple[BinCell, ...]], ...]


@dataclass(frozen=True)
class SampleView:
    """One explored test row: labels, probability and its image (or a few values)."""

    test_row: int
    actual: str
    predicted: str
    probability: float
    ascii_lines: tuple[str, ...]
    values: str


@dataclass(frozen=True)
class SampleGroup:
    """TP, FP or FN rows of the explored class."""

    outcome: str
    title: str
    samples: tuple[SampleView, ...]


@dataclass(frozen=True)
class WeightMap:
    """One class's weights at one epoch as a grid of shade classes ('' for a zero weight)."""

    class_name: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class WeightEpoch:
    """Every class's weight maps at one snapshot epoch: one ASCII block, and grids for the last epoch."""

    epoch: int
    ascii_lines: tuple[str, ...]
    maps: tuple[WeightMap, ...]


@dataclass(frozen=True)
class SnapshotRow:
    """A snapshot's ROC AUC, accuracy and binary confusion counts."""

    epoch: int
    roc_auc: float
    accuracy: float
    counts: tuple[int, ...]


@dataclass(frozen=True)
class ReportRow:
    """One row of scikit-learn's classification report (a class, or an average)."""

    name: str
    precision: float | None
    recall: float | None
    f1: float
    support: int


@dataclass(frozen=True)
class Catalogue:
    """The optional evaluation sections a lesson asked for."""

    report: tuple[ReportRow, ...]
    normalized: tuple[ShareMap, ...]
    tuned: TunedThreshold | None
    by_feature: FeatureView | None
    explored_class: str
    sample_groups: tuple[SampleGroup, ...]
    weights: tuple[WeightEpoch, ...]
    snapshots: tuple[SnapshotRow, ...]
    snapshot_rows: str = ""


def share_maps(trace: Trace) -> tuple[ShareMap, ...]:
    """Return the row- and column-normalized confusion matrices (small class counts only)."""
    ev = trace.evaluation
    if not ev.confusion_matrix_normalized or len(ev.classes) > MAX_NORMALIZED_CLASSES:
        return ()
    titles = {"true": ("Row-normalized (normalize=\"true\")", "Each row sums to 1: the diagonal is each class's "
                       "recall."),
              "pred": ("Column-normalized (normalize=\"pred\")", "Each column sums to 1: the diagonal is each "
                       "class's precision.")}
    maps = []
    for how, (title, caption) in titles.items():
        matrix = ev.confusion_matrix_normalized[how]
        rows = tuple((name, tuple(ShareCell(v, int(math.ceil(v * HEAT_LEVELS)), i == j) for j, v in enumerate(row)))
                     for i, (name, row) in enumerate(zip(ev.classes, matrix)))
        maps.append(ShareMap(title=title, caption=caption, classes=ev.classes, rows=rows))
    return tuple(maps)


def tuned_threshold(trace: Trace) -> TunedThreshold | None:
    """Return the tuned-versus-default table and precision, recall and F1 against the threshold."""
    ev, choice = trace.evaluation, trace.evaluation.threshold_choice
    if choice is None:
        return None
    rows = tuple(ThresholdRow(label, *(v for row in m.confusion_matrix for v in row), m.precision, m.recall, m.f1,
                              m.accuracy)
                 for label, m in (("default: y_score >= 0.5", choice.default),
                                  (f"tuned: y_score >= {choice.threshold:.4f}", choice.test)))
    curve = ev.pr_curve
    points = sorted(ev.at_thresholds, key=lambda m: m.threshold)
    drawing = svg.unit_curves(
        "threshold-svg",
        [("precision", "train", curve.thresholds, curve.precision[:-1]),
         ("recall", "val", curve.thresholds, curve.recall[:-1]),
         ("F1", "curve", [m.threshold for m in points], [m.f1 for m in points])],
        step=False, chance="horizontal", chance_level=ev.prevalence, title="Precision, recall and F1 against "
        "the threshold (test rows)", x_label="threshold", y_label="score",
        description="Precision and recall at every threshold of the PR curve, F1 at the thresholds in the table; "
                    "the dashed line is the prevalence.")
    return TunedThreshold(threshold=choice.threshold, validation_score=choice.validation_score,
                          n_validation=len(choice.validation_y_true), rows=rows, svg=drawing)


def feature_view(trace: Trace) -> FeatureView | None:
    """Return recall per class per bin, shaded by recall."""
    bins = trace.evaluation.by_feature
    if bins is None:
        return None
    labels = tuple(f"{bins.edges[b]:.3g} – {bins.edges[b + 1]:.3g}" for b in range(len(bins.counts)))
    rows = tuple((name, tuple(BinCell(r, n, 0 if r is None else int(math.ceil(r * HEAT_LEVELS)))
                              for r, n in zip(rates, support)))
                 for name, rates, support in zip(trace.evaluation.classes, bins.recall, bins.support))
    return FeatureView(property=bins.property, bins=labels, counts=bins.counts, rows=rows)


OUTCOME_TITLES = {"TP": "True positives", "FP": "False positives", "FN": "False negatives"}


def sample_groups(trace: Trace) -> tuple[SampleGroup, ...]:
    """Return the explored rows grouped TP, FP, FN, each drawn as an image when the features are one."""
    explorer = trace.evaluation.samples
    if explorer is None:
        return ()
    ev = trace.evaluation
    side = image_side(trace.data.n_features)
    groups = []
    for outcome, title in OUTCOME_TITLES.items():
        rows = [s for s in explorer.samples if s.outcome == outcome]
        high = max((max(s.values) for s in rows), default=1.0)
        views = tuple(SampleView(s.test_row, ev.classes[s.actual], ev.classes[s.predicted], s.probability,
                                 tuple(shade_image(s.values, side, 0.0, high)) if side else (),
                                 "" if side else fmt_values(s.values, limit=6)) for s in rows)
        groups.append(SampleGroup(outcome=outcome, title=title, samples=views))
    return tuple(groups)


# Diverging shade classes for weights -4..4 (negative red, positive blue); one letter keeps the grid small.
WEIGHT_CLASSES = {-4: "h", -3: "g", -2: "f", -1: "e", 0: "", 1: "a", 2: "b", 3: "c", 4: "d"}


def shows_weights(trace: Trace) -> bool:
    """Return True when the page draws weight maps: square-image features and exactly two weight snapshots.

    Two snapshots (snapshots = [early, late]) is how a lesson asks for the early-versus-late
    comparison. Ten 8x8 maps are heavy for the page budget, so lessons that also explore samples
    or bins leave them to the terminal view (`tracegen run`), which always draws them.
    """
    ev = trace.evaluation
    return (image_side(trace.data.n_features) is not None and len([s for s in trace.snapshots if s.coef]) == 2
            and ev.samples is None and ev.by_feature is None)


def weight_epochs(trace: Trace) -> tuple[WeightEpoch, ...]:
    """Return the weight maps at the first and last snapshot: ASCII for both, grids for the last."""
    if not shows_weights(trace):
        return ()
    side = image_side(trace.data.n_features)
    shots = weight_snapshots(trace)
    epochs = []
    for index, snap in enumerate(shots):
        blocks = [[f"class {name}", *positive_image(values, side)] for name, values in class_weights(trace, snap)]
        ascii_lines = [line for start in range(0, len(blocks), 5) for line in side_by_side(blocks[start:start + 5])]
        maps = []
        if index == len(shots) - 1:
            for name, values in class_weights(trace, snap):
                # Sign kept, magnitude scaled to this map's largest |weight|.
                scale = max(abs(v) for v in values) or 1.0
                maps.append(WeightMap(name, tuple(WEIGHT_CLASSES[int(math.copysign(math.ceil(abs(v) / scale * 4), v))]
                                                  for v in values)))
        epochs.append(WeightEpoch(epoch=snap.epoch, ascii_lines=tuple(ascii_lines), maps=tuple(maps)))
    return tuple(epochs)


def snapshot_rows(trace: Trace) -> tuple[SnapshotRow, ...]:
    """Return binary snapshots with their confusion counts (tn, fp, fn, tp)."""
    if trace.evaluation.task != "binary":
        return ()
    return tuple(SnapshotRow(s.epoch, s.roc_auc, s.accuracy, tuple(v for row in s.confusion_matrix for v in row))
                 for s in trace.snapshots)


def report_rows(trace: Trace) -> tuple[ReportRow, ...]:
    """Return the classification report as rows, for small multiclass lessons and evaluation-only traces.

    The accuracy row has no precision or recall: scikit-learn reports one number, shown as its F1.
    """
    ev = trace.evaluation
    small_multiclass = ev.task == "multiclass" and len(ev.classes) <= MAX_NORMALIZED_CLASSES
    if not (small_multiclass or trace.prediction is None):
        return ()
    report, n = ev.classification_report, len(ev.y_true)
    rows = [ReportRow(name, report[name]["precision"], report[name]["recall"], report[name]["f1-score"],
                      int(report[name]["support"])) for name in ev.classes if name in report]
    if "accuracy" in report:
        rows.append(ReportRow("accuracy", None, None, report["accuracy"], n))
    rows += [ReportRow(name, report[name]["precision"], report[name]["recall"], report[name]["f1-score"],
                       int(report[name]["support"])) for name in ("micro avg", "macro avg", "weighted avg")
             if name in report]
    return tuple(rows)


def catalogue(trace: Trace) -> Catalogue:
    """Return the optional sections for the evaluations this lesson asked for."""
    explorer = trace.evaluation.samples
    return Catalogue(report=report_rows(trace), normalized=share_maps(trace), tuned=tuned_threshold(trace), by_feature=feature_view(trace),
                     explored_class=trace.evaluation.classes[explorer.class_index] if explorer else "",
                     sample_groups=sample_groups(trace), weights=weight_epochs(trace),
                     snapshots=snapshot_rows(trace), snapshot_rows=trace.validation)


# --- bring your own predictions (tracegen build --predictions) ------------------------------

PREDICTION_SECTIONS = (("data-flow", "Data flow"), ("evaluation", "Evaluation"), ("quiz", "Quiz"),
                       ("provenance", "Provenance"))


def predictions_context(trace: Trace, questions: Sequence[Question], *, build: BuildInfo,
                        max_table_rows: int | None = None) -> dict[str, Any]:
    """Return what predictions.html shows: the evaluation half of a lesson for the user's own predictions."""
    ev = trace.evaluation
    name = str(trace.spec.get("predictions", "predictions.csv"))
    facts = (f"{len(ev.y_true)} rows", f"{len(ev.classes)} classes", f"rule: {trace.spec.get('rule', '')}")
    return {
        "root": "",
        "title": f"Your predictions: {name}",
        "lesson": {"name": trace.lesson, "title": f"Your predictions: {name}", "topic": "Bring your own predictions",
                   "description": f"The evaluation half of a lesson, computed by scikit-learn from {name}."},
        "facts": facts,
        "sections": PREDICTION_SECTIONS,
        "data_flow": data_flow(trace),
        "evaluation": evaluation(trace, max_table_rows),
        "catalogue": catalogue(trace),
        "quiz": quiz(questions, trace),
        "provenance": provenance(trace, build),
        "trace_href": "trace.json",
    }
