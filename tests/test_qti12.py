"""qti12.py: the Canvas package. No QTI 1.2 schema is obtainable offline, so this checks the structure
Canvas's importer reads (the layout of Canvas's own QTI 1.2 exports): a manifest naming one
imsqti_xmlv1p2 resource, and per item its question_type, choices, scoring condition, ranges and feedback."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

import pytest

from tests import quiz_oracles as oracles
from tracegen import qti12, quiz
from tracegen.quiz.question import answer_tolerance

NS = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"


def package(questions, trace):
    with zipfile.ZipFile(io.BytesIO(qti12.to_qti12_zip(questions, trace, "A title"))) as archive:
        assert archive.testzip() is None
        manifest = ET.fromstring(archive.read("imsmanifest.xml"))
        (resource,) = manifest.iter(f"{CP}resource")
        assert resource.get("type") == "imsqti_xmlv1p2"
        return ET.fromstring(archive.read(resource.get("href")))


@pytest.mark.parametrize("name", oracles.LESSON_NAMES)
def test_every_item_scores_the_right_answer_and_keeps_its_feedback(name):
    spec, trace = oracles.lesson_trace(name, 3)
    questions = quiz.make_questions(spec, trace)
    root = package(questions, trace)
    items = list(root.iter(f"{NS}item"))
    assert [i.get("title") for i in items] == [q.id for q in questions]
    for element, question in zip(items, questions):
        fields = {f.findtext(f"{NS}fieldlabel"): f.findtext(f"{NS}fieldentry")
                  for f in element.iter(f"{NS}qtimetadatafield")}
        assert fields["question_type"] == qti12.QUESTION_TYPES[question.kind]
        feedback = {f.get("ident"): f.findtext(f".//{NS}mattext") for f in element.iter(f"{NS}itemfeedback")}
        assert feedback["general_fb"] == question.explanation
        scoring = [c for c in element.iter(f"{NS}respcondition") if c.find(f"{NS}setvar") is not None]
        assert len(scoring) == 1 and scoring[0].findtext(f"{NS}setvar") == "100"
        if question.kind == "numeric":
            low = float(scoring[0].findtext(f".//{NS}vargte"))
            high = float(scoring[0].findtext(f".//{NS}varlte"))
            tolerance = answer_tolerance(question)
            assert low == pytest.approx(question.answer - tolerance)
            assert high == pytest.approx(question.answer + tolerance)
            if question.id in oracles.ORACLES:
                assert low <= float(oracles.expected(trace, question)) <= high
            assert [feedback[f"wrong{i}_fb"] for i in range(1, len(question.options) + 1)] == [
                o.feedback for o in question.options]
            continue
        labels = {label.get("ident"): label.findtext(f".//{NS}mattext")
                  for label in element.iter(f"{NS}response_label")}
        assert list(labels.values()) == [o.text for o in question.options]
        condition = scoring[0].find(f"{NS}conditionvar")
        wanted = {e.text for e in condition.iter(f"{NS}varequal")} - {e.text for n in condition.iter(f"{NS}not")
                                                                      for e in n.iter(f"{NS}varequal")}
        right = {labels[ident] for ident in wanted}
        assert right == {question.options[i].text for i in question.correct_indices}
        if question.id in oracles.ORACLES:
            assert right == oracles.expected(trace, question)
        assert [feedback[f"{ident}_fb"] for ident in labels] == [o.feedback for o in question.options]
