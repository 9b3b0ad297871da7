"""Canvas export: a QTI 1.2 package, the version Canvas's quiz importer reads fully.

Canvas imports QTI 2.1 too, but turns numeric questions into exact-string blanks and drops most
feedback. In QTI 1.2 with Canvas's question types a numeric question keeps its tolerance, as the
range [answer - tolerance, answer + tolerance], and every option keeps its own feedback. The
explanation is the general feedback, shown after any answer. Numbers are written as in the GIFT
and QTI 2.1 exports, by the one rule in tracegen.quiz.question.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from tracegen.export import (
    export_prompt,
    exportable,
    ncname,
    number,
    numeric_answer,
    xml_document,
    xml_element,
    zip_files,
)
from tracegen.quiz.question import Question
from tracegen.trace import Trace

QTI12_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
# Canvas's names for the three kinds of question.
QUESTION_TYPES = {"single": "multiple_choice_question", "multiple": "multiple_answers_question",
                  "numeric": "numerical_question"}
RESPONSE = "response1"
# respcondition's `continue` (a Python keyword, so passed as a mapping): go on to the next condition or stop.
CONTINUE, STOP = {"continue": "Yes"}, {"continue": "No"}


def to_qti12_zip(questions: Sequence[Question], trace: Trace, title: str) -> bytes:
    """Return a Canvas-ready QTI 1.2 package: imsmanifest.xml and one assessment of every question."""
    questions = exportable(questions)[0]
    name = ncname(f"tracegen-{trace.lesson}-seed-{trace.seed}")
    root = ET.Element("questestinterop", {"xmlns": QTI12_NS})
    assessment = xml_element(root, "assessment", ident=name, title=title)
    section = xml_element(assessment, "section", ident="root_section")
    for question in questions:
        section.append(item(question))
    manifest = ET.Element("manifest", {"xmlns": CP_NS, "identifier": f"{name}-manifest"})
    xml_element(manifest, "organizations")
    resources = xml_element(manifest, "resources")
    resource = xml_element(resources, "resource", identifier=name, type="imsqti_xmlv1p2",
                           href=f"{name}/{name}.xml")
    xml_element(resource, "file", href=f"{name}/{name}.xml")
    return zip_files({"imsmanifest.xml": xml_document(manifest), f"{name}/{name}.xml": xml_document(root)})


def item(question: Question) -> ET.Element:
    """Return one question as a QTI 1.2 item, with per-answer and general feedback."""
    element = ET.Element("item", ident=ncname(question.id), title=question.id)
    fields = xml_element(xml_element(element, "itemmetadata"), "qtimetadata")
    for label, entry in (("question_type", QUESTION_TYPES[question.kind]), ("points_possible", "1")):
        field = xml_element(fields, "qtimetadatafield")
        xml_element(field, "fieldlabel", label)
        xml_element(field, "fieldentry", entry)
    presentation = xml_element(element, "presentation")
    _text(presentation, export_prompt(question))
    processing = ET.Element("resprocessing")
    outcomes = xml_element(processing, "outcomes")
    xml_element(outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    feedback: list[tuple[str, str]] = [("general_fb", question.explanation)]
    always = xml_element(processing, "respcondition", **CONTINUE)
    xml_element(xml_element(always, "conditionvar"), "other")
    xml_element(always, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
    if question.kind == "numeric":
        _numeric(question, presentation, processing, feedback)
    else:
        _choice(question, presentation, processing, feedback)
    element.append(processing)
    for ident, text in feedback:
        material = xml_element(xml_element(xml_element(element, "itemfeedback", ident=ident), "flow_mat"),
                               "material")
        xml_element(material, "mattext", text, texttype="text/plain")
    return element


def _text(parent: ET.Element, text: str) -> None:
    xml_element(xml_element(parent, "material"), "mattext", text, texttype="text/plain")


def _choice(question: Question, presentation: ET.Element, processing: ET.Element,
            feedback: list[tuple[str, str]]) -> None:
    cardinality = "Single" if question.kind == "single" else "Multiple"
    choices = xml_element(xml_element(presentation, "response_lid", ident=RESPONSE, rcardinality=cardinality),
                          "render_choice")
    idents = [f"answer{index}" for index in range(1, len(question.options) + 1)]
    for ident, option in zip(idents, question.options):
        _text(xml_element(choices, "response_label", ident=ident), option.text)
        chosen = xml_element(processing, "respcondition", **CONTINUE)
        xml_element(xml_element(chosen, "conditionvar"), "varequal", ident, respident=RESPONSE)
        xml_element(chosen, "displayfeedback", feedbacktype="Response", linkrefid=f"{ident}_fb")
        feedback.append((f"{ident}_fb", option.feedback))
    right = xml_element(processing, "respcondition", **STOP)
    condition = xml_element(right, "conditionvar")
    if question.kind == "single":
        xml_element(condition, "varequal", idents[question.correct_indices[0]], respident=RESPONSE)
    else:  # every right option chosen and no wrong one, as Canvas grades "multiple answers"
        both = xml_element(condition, "and")
        for index, ident in enumerate(idents):
            parent = both if index in question.correct_indices else xml_element(both, "not")
            xml_element(parent, "varequal", ident, respident=RESPONSE)
    xml_element(right, "setvar", "100", action="Set", varname="SCORE")


def _numeric(question: Question, presentation: ET.Element, processing: ET.Element,
             feedback: list[tuple[str, str]]) -> None:
    values = numeric_answer(question)
    xml_element(xml_element(presentation, "response_str", ident=RESPONSE, rcardinality="Single"), "render_fib",
                fibtype="Decimal")
    tolerance = float(values.tolerance)
    right = xml_element(processing, "respcondition", **STOP)
    _range(xml_element(right, "conditionvar"), float(values.answer), tolerance)
    xml_element(right, "setvar", "100", action="Set", varname="SCORE")
    xml_element(right, "displayfeedback", feedbacktype="Response", linkrefid="right_fb")
    feedback.append(("right_fb", f"Right: {values.shown}."))
    for index, (option, wrong) in enumerate(zip(question.options, values.wrong), start=1):
        matched = xml_element(processing, "respcondition", **CONTINUE)
        _range(xml_element(matched, "conditionvar"), float(wrong), tolerance)
        xml_element(matched, "displayfeedback", feedbacktype="Response", linkrefid=f"wrong{index}_fb")
        feedback.append((f"wrong{index}_fb", option.feedback))


def _range(condition: ET.Element, centre: float, tolerance: float) -> None:
    """Accept answers from centre - tolerance to centre + tolerance, as Canvas's numeric range answers do."""
    both = xml_element(condition, "and")
    xml_element(both, "vargte", number(centre - tolerance), respident=RESPONSE)
    xml_element(both, "varlte", number(centre + tolerance), respident=RESPONSE)
