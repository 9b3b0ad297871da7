"""Trace + lesson -> the typed context of a lesson page or a predictions page.

Templates only present. Everything they show is computed here and in the sibling modules
(evaluation, catalogue, quiz, prose) from the trace and passed in as frozen records, section
numbers included: SECTIONS is the one list they come from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tracegen.charts import svg
from tracegen.charts.ascii import loss_chart
from tracegen.formats import fmt_example, fmt_values
from tracegen.html.blocks import BodyPart, PlacedBlock, folded, page_blocks, place_blocks, reference_blocks
from tracegen.html.catalogue import Catalogue, catalogue_view
from tracegen.html.env import fmt_num, fmt_shape
from tracegen.html.evaluation import EvaluationView, evaluation_view
from tracegen.html.explorer import ExplorerView, explorer_view, with_dots
from tracegen.html.prose import body_chunks
from tracegen.html.quiz import QuizView, quiz_view
from tracegen.observations import epoch_observations
from tracegen.quiz.question import Question
from tracegen.spec import LessonSpec
from tracegen.spec.directives import Directive, find_directives
from tracegen.trace import Trace

# Every section in page order, with the kinds of page that show it. A page numbers the sections
# it shows 1, 2, 3, ... in this order; the templates print those numbers and never type one.
# A lesson page opens with the author's explanation and its quiz; the full trace follows for reference.
SECTIONS = (
    ("insight", "Explanation", ("lesson",)),
    ("evaluation", "Evaluation", ("predictions",)),
    ("quiz", "Quiz", ("lesson", "predictions")),
    ("reference", "Reference: the full trace", ("lesson",)),
    ("provenance", "Provenance", ("lesson", "predictions")),
)
STAGE_TITLES = {
    "load": "Data loading",
    "split": "Train/test split",
    "normalize": "Feature normalization",
    "select": "Feature selection",
    "train": "Model training",
    "predict": "Prediction on the test rows",
    "evaluate": "Evaluation",
}
NORMALIZATION_NOTES = {
    "standard": "(value − train mean) / train std, per feature",
    "minmax": "(value − train min) / (train max − train min), per feature",
    "none": "no normalization: the raw values pass through",
}
# The traced row's feature table lists at most this many features (trace.json has them all).
MAX_FEATURE_ROWS = 10


@dataclass(frozen=True)
class Section:
    """One section of a page: its anchor id, its title in the table of contents, its step number."""

    id: str
    title: str
    number: int


def page_sections(page: str) -> tuple[Section, ...]:
    """Return the sections a kind of page ('lesson' or 'predictions') shows, numbered from 1."""
    shown = [(section_id, title) for section_id, title, pages in SECTIONS if page in pages]
    return tuple(Section(section_id, title, number) for number, (section_id, title) in enumerate(shown, start=1))


LESSON_SECTIONS = page_sections("lesson")
PREDICTIONS_SECTIONS = page_sections("predictions")


# --- page records -----------------------------------------------------------------------

@dataclass(frozen=True)
class PageLink:
    """A link from the current page: text, relative href, and whether it is this page."""

    label: str
    href: str
    current: bool = False


@dataclass(frozen=True)
class PathNav:
    """The links to the lessons before and after this one on the site's path (None at either end)."""

    previous: PageLink | None = None
    next: PageLink | None = None


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


@dataclass(frozen=True)
class PageHeading:
    """What the page's hero says about it: name, title, topic and one-line description."""

    name: str
    title: str
    topic: str
    description: str
    goals: tuple[str, ...] = ()


@dataclass(frozen=True)
class PageContext:
    """What every trace page shows; its fields are the template's variables."""

    root: str
    title: str
    lesson: PageHeading
    facts: tuple[str, ...]
    sections: tuple[Section, ...]
    # Section id -> its step number on this page, for the section headings.
    step: Mapping[str, int]
    data_flow: tuple[StageRow, ...]
    evaluation: EvaluationView
    catalogue: Catalogue
    quiz: QuizView
    provenance: Provenance
    trace_href: str
    # The trace's blocks in page order (tracegen.html.blocks): a lesson's reference part, or the
    # whole of a predictions page's evaluation.
    reference: tuple[PlacedBlock, ...]


@dataclass(frozen=True)
class LessonContext(PageContext):
    """Everything lesson.html shows: the author's body with the blocks it places, then the rest for reference."""

    variants: tuple[PageLink, ...]
    path: PathNav
    training: Training
    prediction: Prediction
    body: tuple[BodyPart, ...]
    # Whether the reference part folds what the body does not place (it does once the body places any).
    folds: bool
    # The threshold explorer of a binary lesson (its dot is on the evaluation's PR and ROC charts); else None.
    explorer: ExplorerView | None = None


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


def training_view(trace: Trace) -> Training:
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
    return Training(ascii_lines=loss_chart(trace).lines, svg=chart, rows=rows,
                    validation=trace.validation, snapshots=trace.snapshots)


def prediction_view(trace: Trace) -> Prediction:
    """Return one real test row followed from raw values to a label."""
    p = trace.prediction
    if p is None:
        raise ValueError(f"trace of {trace.lesson!r} has no traced row (an evaluation-only trace)")
    classes = trace.evaluation.classes
    binary = len(classes) == 2
    n = len(p.raw)
    layers = [
        Layer(1, "Raw input", fmt_values(p.raw, limit=6), f"{n} feature values as loaded"),
        Layer(2, "Normalized", fmt_values(p.normalized, limit=6),
              NORMALIZATION_NOTES.get(str(trace.spec["normalization"]), "")),
    ]
    select = trace.spec.get("select")
    read = f" on the {select['k']} features the select stage kept" if select else ""
    if not p.score:
        layers.append(Layer(3, "Score", "—", "a neural network has no decision_function"))
    elif binary:
        layers.append(Layer(3, "Score", fmt_num(p.score[0]), f"decision_function{read}: weights · features "
                            "+ intercept"))
    else:
        layers.append(Layer(3, "Score", fmt_values(p.score, limit=4),
                            f"decision_function{read}: one score per class ({len(classes)} classes)"))
    if binary:
        layers.append(Layer(4, "Probability", f"P({classes[1]}) = {fmt_num(p.probability[1])}",
                            "sigmoid of the score" if p.score else "predict_proba: the network's logistic output"))
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


def provenance_view(trace: Trace, build: BuildInfo) -> Provenance:
    """Return seed, fingerprint, versions and hash; wall times only for a non-reproducible build."""
    timings = () if build.reproducible else tuple((name, seconds * 1000) for name, seconds in trace.timings.items())
    return Provenance(seed=trace.seed, hash=trace.hash, fingerprint=trace.data.fingerprint, source=trace.data.source,
                      versions=tuple(trace.versions.items()), timings=timings,
                      built_at=None if build.reproducible else build.built_at)


# --- page contexts ----------------------------------------------------------------------

def lesson_context(spec: LessonSpec, trace: Trace, questions: Sequence[Question], *, root: str,
                   variants: Sequence[PageLink], build: BuildInfo, max_table_rows: int | None = None,
                   path: PathNav = PathNav(), chunks: Sequence[str | Directive] | None = None) -> LessonContext:
    """Return everything lesson.html shows, computed from the trace.

    Curve data tables show every point unless `max_table_rows` is given; then they are
    thinned (first and last point kept) and the page says so. `chunks` is the body as
    prose.body_chunks returns it for this trace (computed here when not given), so that a page
    rendered at several table lengths converts its Markdown once.
    """
    split = trace.stage("split").output_shape
    facts = (
        f"{trace.data.n_samples} rows",
        f"{split['test'][0]} test rows",
        f"{trace.data.n_features} features",
        f"{len(trace.evaluation.classes)} classes",
        f"{len(trace.epochs)} epochs",
        f"seed {trace.seed}",
    )
    flow, training, prediction = data_flow(trace), training_view(trace), prediction_view(trace)
    placed = {(d.kind, d.name) for d in find_directives(spec.path, spec.body, spec.body_line)}
    evaluation = evaluation_view(trace, max_table_rows, compact=folded(placed, ("figure", "roc_curve")))
    explorer = explorer_view(trace, max_table_rows)
    if explorer:
        evaluation = with_dots(evaluation, explorer)
    catalogue = catalogue_view(trace)
    blocks = page_blocks(data_flow=flow, training=training, prediction=prediction, evaluation=evaluation,
                         catalogue=catalogue, placed=frozenset(placed))
    # The body's prose is the only Markup on the page, converted and cleaned in prose.py.
    body, reference = place_blocks(spec, body_chunks(spec, trace) if chunks is None else chunks, blocks)
    return LessonContext(
        root=root, title=spec.title,
        lesson=PageHeading(name=spec.name, title=spec.title, topic=spec.topic, description=spec.description,
                           goals=spec.goals),
        facts=facts, sections=LESSON_SECTIONS, step={s.id: s.number for s in LESSON_SECTIONS},
        variants=tuple(variants), path=path, data_flow=flow, training=training, prediction=prediction,
        evaluation=evaluation, catalogue=catalogue, quiz=quiz_view(questions, trace), body=body,
        reference=reference, folds=any(placed.folded for placed in reference),
        provenance=provenance_view(trace, build), trace_href="trace.json", explorer=explorer,
    )


def predictions_context(trace: Trace, questions: Sequence[Question], *, build: BuildInfo,
                        max_table_rows: int | None = None) -> PageContext:
    """Return what predictions.html shows: the evaluation half of a lesson for the user's own predictions."""
    ev = trace.evaluation
    name = str(trace.spec.get("predictions", "predictions.csv"))
    title = f"Your predictions: {name}"
    facts = (f"{len(ev.y_true)} rows", f"{len(ev.classes)} classes", f"rule: {trace.spec.get('rule', '')}")
    flow, evaluation, catalogue = data_flow(trace), evaluation_view(trace, max_table_rows), catalogue_view(trace)
    blocks = page_blocks(data_flow=flow, training=None, prediction=None, evaluation=evaluation, catalogue=catalogue)
    return PageContext(
        root="", title=title,
        lesson=PageHeading(name=trace.lesson, title=title, topic="Bring your own predictions",
                           description=f"The evaluation half of a lesson, computed by scikit-learn from {name}."),
        facts=facts, sections=PREDICTIONS_SECTIONS, step={s.id: s.number for s in PREDICTIONS_SECTIONS},
        data_flow=flow, evaluation=evaluation, catalogue=catalogue, quiz=quiz_view(questions, trace),
        reference=reference_blocks(blocks), provenance=provenance_view(trace, build), trace_href="trace.json",
    )
