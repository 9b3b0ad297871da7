"""The site's front: the index page (every lesson, its facts and progress slots) and the search index."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tracegen.site.path import present_prerequisites
from tracegen.site.variants import (
    RETAKES_PAGE,
    LessonBuild,
    QuizSlot,
    Variant,
    VariantSummary,
    has_retakes_page,
    listed_variants,
)

if TYPE_CHECKING:
    from jinja2 import Environment

    from tracegen.quiz.question import Question
    from tracegen.trace import Trace

SEARCH_INDEX = "search-index.js"


def summarize(variant: Variant, trace: Trace, questions: Sequence[Question]) -> VariantSummary:
    """Return what the index and the retakes page show of a rendered variant, so its trace can be let go."""
    from tracegen.html.quiz import storage_key

    return VariantSummary(number=variant.number, seed=variant.seed, storage_key=storage_key(trace),
                          facts=_facts(trace), quiz=tuple(QuizSlot(q.id, q.kind, len(q.options)) for q in questions))


def _progress_entry(lesson: LessonBuild, variant: VariantSummary) -> dict[str, Any]:
    return {
        "key": variant.storage_key,
        "title": lesson.spec.title if variant.number == 0 else f"{lesson.spec.title} ({variant.label})",
        "total": len(variant.quiz),
        "questions": [{"id": q.id, "kind": q.kind, "n_options": q.n_options} for q in variant.quiz],
        "progress_id": f"progress-{lesson.spec.name}-{variant.number}",
        "base": variant.number == 0,
    }


INDEX_HEADING = "Learn model evaluation from real runs"
INDEX_LEDE = ("Each lesson runs a real scikit-learn pipeline and shows you every stage of it: the data, the "
              "training, one prediction, the curves and the confusion matrix. The quizzes ask about the numbers "
              "of that run.")


def _facts(trace: Trace) -> tuple[str, ...]:
    return (f"{len(trace.evaluation.classes)} classes", f"{len(trace.evaluation.y_true)} test rows",
            f"{len(trace.epochs)} epochs")


def index_context(lessons: Sequence[LessonBuild]) -> dict[str, Any]:
    """Return the index template's context: every lesson, numbered in path order (`lessons` come in it),
    with its topic, description, goals, prerequisites and progress slots.

    A lesson with more retakes than a page lists links its retakes page instead of every retake.
    """
    titles = {lesson.spec.name: lesson.spec.title for lesson in lessons}
    entries, progress = [], []
    for number, lesson in enumerate(lessons, start=1):
        base, retakes = lesson.variants[0], listed_variants(lesson.variants)[1:]
        entry_progress = [_progress_entry(lesson, v) for v in (base, *retakes)]
        progress.extend(entry_progress)
        entries.append({
            "number": number, "title": lesson.spec.title, "topic": lesson.spec.topic,
            "description": lesson.spec.description,
            "goals": lesson.spec.goals,
            "after": [{"title": titles[name], "href": f"{name}/index.html"}
                      for name in present_prerequisites(lesson.spec, titles)],
            "href": base.directory(lesson.spec.name) + "index.html", "facts": base.facts,
            "total": len(base.quiz), "progress_id": entry_progress[0]["progress_id"],
            "variants": [{"label": v.label, "href": v.directory(lesson.spec.name) + "index.html",
                          "progress_id": p["progress_id"], "total": p["total"]}
                         for v, p in zip(retakes, entry_progress[1:])],
            "all_retakes": ({"href": lesson.spec.name + "/" + RETAKES_PAGE + "index.html",
                             "count": len(lesson.variants) - 1} if has_retakes_page(lesson.variants) else None),
        })
    return {"root": "", "heading": INDEX_HEADING, "lede": INDEX_LEDE, "lessons": entries, "progress": progress,
            "total_questions": sum(len(lesson.variants[0].quiz) for lesson in lessons)}


def retakes_context(lesson: LessonBuild) -> dict[str, Any]:
    """Return the context of a lesson's retakes page: one card per variant, with its progress slot."""
    name, spec = lesson.spec.name, lesson.spec
    entries, progress = [], []
    for variant in lesson.variants:
        # Every retake counts towards this page's progress bar, as every lesson does on the index.
        entry_progress = {**_progress_entry(lesson, variant), "base": True}
        progress.append(entry_progress)
        entries.append({
            "number": None, "goals": (), "after": [],
            "title": f"{spec.title}: {variant.label}", "topic": f"seed {variant.seed}", "description": "",
            "href": "../../" + variant.directory(name) + "index.html", "facts": variant.facts,
            "total": len(variant.quiz), "progress_id": entry_progress["progress_id"], "variants": [],
            "all_retakes": None,
        })
    lede = (f"The same lesson with new numbers: {len(lesson.variants) - 1} retakes, each its own run at its own "
            "seed, with its own saved progress.")
    return {"root": "../../", "heading": f"{spec.title}: every retake", "lede": lede, "lessons": entries,
            "progress": progress, "total_questions": sum(len(v.quiz) for v in lesson.variants)}


def retakes_pages(lessons: Sequence[LessonBuild], env: Environment) -> dict[str, bytes]:
    """Return the retakes page of every lesson with more retakes than a page lists."""
    from tracegen.html.env import render_page

    return {lesson.spec.name + "/" + RETAKES_PAGE + "index.html":
            render_page(env, "index.html", retakes_context(lesson)).encode()
            for lesson in lessons if has_retakes_page(lesson.variants)}


def index_page(lessons: Sequence[LessonBuild], env: Environment) -> bytes:
    """Return the index: every lesson with its topic, description and progress slots."""
    from tracegen.html.env import render_page

    return render_page(env, "index.html", index_context(lessons)).encode()


def search_index(lessons: Sequence[LessonBuild]) -> bytes:
    """Return search-index.js: every lesson's text, as a script (not fetched JSON) so search works on file://."""
    from tracegen.html.lesson import LESSON_SECTIONS
    from tracegen.html.prose import insight_html, plain_text

    entries = []
    for lesson in lessons:
        spec, trace = lesson.spec, lesson.base
        entries.append({
            "title": spec.title, "topic": spec.topic, "description": spec.description,
            "href": f"{spec.name}/index.html",
            "text": " ".join((plain_text(insight_html(spec, trace)), trace.data.source,
                              " ".join(section.title for section in LESSON_SECTIONS))),
        })
    data = json.dumps(entries, ensure_ascii=False, sort_keys=True, indent=0)
    return f"/* Generated by tracegen build: the lessons' text for client-side search. */\n" \
           f"window.TRACEGEN_SEARCH = {data};\n".encode()
