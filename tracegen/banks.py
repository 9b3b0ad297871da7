"""Question banks for an LMS: every variant of a lesson's questions, grouped per question.

Moodle's "random question from category" and a QTI section with ``<selection select="1">``
each hand a learner one variant of a question, with that variant's own answer and feedback.
So the bank holds one category (one section) per question id, with one question per seed.
The questions are the ones a lesson page shows at each seed: one that cannot teach on a run
is left out of that run's variants, so its category can hold fewer.
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from tracegen.export import (
    QTI_NS,
    QTI_XSD,
    exportable,
    gift_question,
    ncname,
    package_manifest,
    qti_package,
    xml_element,
    xml_namespaces,
)
from tracegen.quiz.question import Question

# (question id, its variants in seed order, each renamed "<id>-seed<N>")
Bank = tuple[str, tuple[Question, ...]]


def question_banks(variants: Sequence[tuple[int, Sequence[Question]]]) -> list[Bank]:
    """Group the questions of each (seed, questions) variant by question id, in order of first appearance."""
    banks: dict[str, list[Question]] = {}
    for seed, questions in variants:
        for question in exportable(questions)[0]:
            banks.setdefault(question.id, []).append(dataclasses.replace(question, id=f"{question.id}-seed{seed}"))
    return [(qid, tuple(questions)) for qid, questions in banks.items()]


def to_gift_bank(banks: Sequence[Bank], lesson: str, seeds: Sequence[int], title: str) -> str:
    """Return the banks as one GIFT file: a category tracegen/<lesson>/<question id> per question."""
    header = [f"// tracegen question bank: {title}",
              f"// lesson {lesson}, seeds {seeds[0]}-{seeds[-1]} ({len(seeds)} variants)", ""]
    blocks = []
    for qid, questions in banks:
        category = f"$CATEGORY: tracegen/{lesson}/{qid}"
        blocks.append(category + "\n\n" + "\n\n".join(gift_question(q) for q in questions))
    return "\n".join(header) + "\n" + "\n\n".join(blocks) + "\n"


def to_qti_bank_zip(banks: Sequence[Bank], lesson: str, seeds: Sequence[int], title: str) -> bytes:
    """Return a QTI 2.1 package whose test has one section per question, each selecting one variant."""
    name = f"{lesson}-seeds-{seeds[0]}-{seeds[-1]}"
    test = ET.Element("assessmentTest", {**xml_namespaces(QTI_NS, QTI_XSD), "identifier": ncname(f"bank-{name}"),
                                         "title": title})
    part = xml_element(test, "testPart", identifier="part", navigationMode="nonlinear", submissionMode="individual")
    items: list[Question] = []
    for qid, questions in banks:
        section = xml_element(part, "assessmentSection", identifier=ncname(f"bank-{qid}"), title=qid, visible="true")
        xml_element(section, "selection", select="1")
        for question in questions:
            xml_element(section, "assessmentItemRef", identifier=question.id, href=f"items/{question.id}.xml")
        items += questions
    return qti_package(package_manifest(items, ncname(f"tracegen-{name}")), test, items)
