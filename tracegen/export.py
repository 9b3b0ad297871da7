"""LMS export of computed questions: Moodle GIFT text and a QTI 2.1 content package (zip).

Both read finished Question records; nothing here computes a number. Numeric answers keep
their tolerance (GIFT ``{#value:tolerance}``, QTI ``<equal toleranceMode="absolute">``), every
option keeps its feedback, and a numeric question's modelled wrong values become 0%-credit
answers with their own feedback, so an LMS explains the misconception a typed value matches.
The answer is stated and its tolerance taken by the one rule in tracegen.quiz.question.

An export has no lesson page beside it: a question read from a page table (Question.needs_table)
carries the rows it needs under its prompt, and one that needs a table but carries no rows is left
out (`exportable`), which the command's summary line says.
"""

from __future__ import annotations

import io
import re
import textwrap
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from tracegen.errors import printable
from tracegen.quiz.question import Question, answer_tolerance, shown_answer
from tracegen.trace import Trace

GIFT_SPECIAL = "~=#{}:"
QTI_NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
QTI_XSD = "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
CP_XSD = "http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
# Characters outside XML 1.0's Char production.
XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
REPLACEMENT_CHARACTER = "\ufffd"
# Fixed timestamp so the same questions always give a byte-identical zip.
ZIP_DATE = (2000, 1, 1, 0, 0, 0)


def number(value: float) -> str:
    """Return a number in plain decimal notation (no exponent), as GIFT and QTI values need."""
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


@dataclass(frozen=True)
class NumericAnswer:
    """A numeric question's numbers as GIFT and QTI write them, and its answer as the question shows it."""

    answer: str
    tolerance: str
    wrong: tuple[str, ...]  # one per option: the modelled wrong values, in order
    shown: str


def numeric_answer(question: Question) -> NumericAnswer:
    """Return a numeric question's answer, tolerance and wrong values in plain decimal notation."""
    def plain(value: float | None) -> str:
        if value is None:
            raise ValueError(f"numeric question {question.id!r} lacks a value")
        return number(value)

    return NumericAnswer(answer=plain(question.answer), tolerance=plain(answer_tolerance(question)),
                         wrong=tuple(plain(option.value) for option in question.options),
                         shown=shown_answer(question))


def table_lead(question: Question) -> str:
    """Return the line that introduces the rows a table-needing question carries."""
    return f"The question is read from {question.needs_table} of the lesson page; the rows it needs:"


def export_prompt(question: Question) -> str:
    """Return the prompt as an export states it: with the rows of the table it needs, one per line."""
    if question.needs_table is None:
        return question.prompt
    return question.prompt + "\n\n" + table_lead(question) + "\n" + "\n".join(question.table)


def exportable(questions: Sequence[Question]) -> tuple[tuple[Question, ...], tuple[str, ...]]:
    """Return (the questions an export holds, the ids left out: those needing a table they do not carry)."""
    kept = tuple(q for q in questions if q.needs_table is None or q.table)
    return kept, tuple(q.id for q in questions if q not in kept)


def left_out_note(ids: Sequence[str]) -> str:
    """Return the summary line's note on questions left out of an export ('' when none were)."""
    if not ids:
        return ""
    return f"; left out {len(ids)} that need a page table they cannot carry: {', '.join(dict.fromkeys(ids))}"


def percent(share: float) -> str:
    """Return 100*share as a Moodle grade percentage (5 decimals, as Moodle lists 33.33333)."""
    return f"{100 * share:.5f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------- GIFT


def gift_escape(text: str) -> str:
    """Escape GIFT's special characters ~ = # { } : (and backslash, newline) with a backslash."""
    text = text.replace("\\", "\\\\")
    for char in GIFT_SPECIAL:
        text = text.replace(char, "\\" + char)
    # A lone CR is a line break too (Moodle splits lines on it), so every break becomes \n.
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def gift_line(text: str) -> str:
    """Return `text` for a GIFT comment or category line: control characters escaped, so it stays one line."""
    return printable(text)


def gift_question(question: Question) -> str:
    """Return one question in Moodle GIFT format."""
    lines = [f"// {gift_line(question.id)}: {question.kind}, from {question.generator}",
             f"::{gift_escape(question.id)}::[plain]{gift_escape(export_prompt(question))} {{"
             + ("#" if question.kind == "numeric" else "")]
    if question.kind == "numeric":
        values = numeric_answer(question)
        lines.append(f"\t={values.answer}:{values.tolerance}#{gift_escape(f'Right: {values.shown}.')}")
        for option, value in zip(question.options, values.wrong):
            lines.append(f"\t=%0%{value}:{values.tolerance}#{gift_escape(option.feedback)}")
    elif question.kind == "single":
        for option in question.options:
            mark = "=" if option.correct else "~"
            lines.append(f"\t{mark}{gift_escape(option.text)}#{gift_escape(option.feedback)}")
    else:
        n_right = len(question.correct_indices)
        n_wrong = len(question.options) - n_right
        # Right options share 100%; wrong ones share -100%, so choosing everything scores 0.
        for option in question.options:
            weight = percent(1 / n_right) if option.correct else "-" + percent(1 / n_wrong)
            lines.append(f"\t~%{weight}%{gift_escape(option.text)}#{gift_escape(option.feedback)}")
    lines.append(f"\t####{gift_escape(question.explanation)}")
    lines.append("}")
    return "\n".join(lines)


def to_gift(questions: tuple[Question, ...], trace: Trace, title: str) -> str:
    """Return every question as a Moodle GIFT file, in a category named after lesson and seed."""
    questions = exportable(questions)[0]
    lesson = gift_line(trace.lesson)  # a file name may hold a line break, which would start a GIFT line
    header = [f"// tracegen export: {gift_line(title)}",
              f"// lesson {lesson}, seed {trace.seed}, trace {trace.hash}",
              f"$CATEGORY: tracegen/{lesson}/seed-{trace.seed}", ""]
    return "\n".join(header) + "\n" + "\n\n".join(gift_question(q) for q in questions) + "\n"


# ---------------------------------------------------------------- QTI 2.1


def xml_element(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.rstrip("_"): v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _paragraphs(parent: ET.Element, text: str, tag: str = "p") -> None:
    for paragraph in text.split("\n\n"):
        xml_element(parent, tag, paragraph)


def _table(parent: ET.Element, question: Question) -> None:
    """Write the rows a table-needing question carries: a lead paragraph, then the rows preformatted."""
    if question.needs_table is not None:
        xml_element(parent, "p", table_lead(question))
        xml_element(parent, "pre", "\n".join(question.table))


def _set(parent: ET.Element, outcome: str, base_type: str, value: str) -> None:
    setter = xml_element(parent, "setOutcomeValue", identifier=outcome)
    xml_element(setter, "baseValue", value, baseType=base_type)


def _set_variable(parent: ET.Element, outcome: str, variable: str) -> None:
    setter = xml_element(parent, "setOutcomeValue", identifier=outcome)
    xml_element(setter, "variable", identifier=variable)


def choice_ids(question: Question) -> list[str]:
    """Return the QTI identifiers of the options: C1, C2, ..."""
    return [f"C{i}" for i in range(1, len(question.options) + 1)]


def qti_item(question: Question) -> ET.Element:
    """Return one question as a QTI 2.1 assessmentItem element."""
    item = ET.Element("assessmentItem", {
        **xml_namespaces(QTI_NS, QTI_XSD), "identifier": question.id,
        "title": textwrap.shorten(question.prompt, 80, placeholder="..."),
        "adaptive": "false", "timeDependent": "false"})
    numeric = question.kind == "numeric"
    cardinality = "multiple" if question.kind == "multiple" else "single"
    response = xml_element(item, "responseDeclaration", identifier="RESPONSE", cardinality=cardinality,
                   baseType="float" if numeric else "identifier")
    correct = xml_element(response, "correctResponse")
    ids = choice_ids(question)
    if numeric:
        xml_element(correct, "value", numeric_answer(question).answer)
    else:
        for index in question.correct_indices:
            xml_element(correct, "value", ids[index])
    if question.kind == "multiple":
        n_right = len(question.correct_indices)
        n_wrong = len(question.options) - n_right
        mapping = xml_element(response, "mapping", lowerBound="0", upperBound="1", defaultValue="0")
        for option, identifier in zip(question.options, ids):
            value = 1 / n_right if option.correct else -1 / n_wrong
            xml_element(mapping, "mapEntry", mapKey=identifier, mappedValue=number(value))
    for name in ("SCORE", "MAXSCORE"):
        declaration = xml_element(item, "outcomeDeclaration", identifier=name, cardinality="single", baseType="float")
        xml_element(xml_element(declaration, "defaultValue"), "value", "0" if name == "SCORE" else "1")
    xml_element(item, "outcomeDeclaration", identifier="FEEDBACK", cardinality=cardinality, baseType="identifier")
    xml_element(item, "outcomeDeclaration", identifier="SOLUTION", cardinality="single", baseType="identifier")
    body = xml_element(item, "itemBody")
    if numeric:
        _paragraphs(body, question.prompt)
        _table(body, question)
        entry = xml_element(body, "p", "Answer: ")
        xml_element(entry, "textEntryInteraction", responseIdentifier="RESPONSE", expectedLength="12")
    else:
        _table(body, question)
        interaction = xml_element(body, "choiceInteraction", responseIdentifier="RESPONSE", shuffle="false",
                          maxChoices="1" if question.kind == "single" else "0")
        xml_element(interaction, "prompt", question.prompt)
        for option, identifier in zip(question.options, ids):
            xml_element(interaction, "simpleChoice", option.text, identifier=identifier)
    _response_processing(item, question, ids)
    _modal_feedback(item, question, ids)
    return item


def _response_processing(item: ET.Element, question: Question, ids: list[str]) -> None:
    processing = xml_element(item, "responseProcessing")
    condition = xml_element(processing, "responseCondition")
    empty = xml_element(condition, "responseIf")
    xml_element(xml_element(empty, "isNull"), "variable", identifier="RESPONSE")
    _set(empty, "SCORE", "float", "0")
    if question.kind == "numeric":
        values = numeric_answer(question)
        right = xml_element(condition, "responseElseIf")
        equal = xml_element(right, "equal", toleranceMode="absolute", tolerance=values.tolerance)
        xml_element(equal, "variable", identifier="RESPONSE")
        xml_element(equal, "correct", identifier="RESPONSE")
        _set(right, "SCORE", "float", "1")
        _set(right, "FEEDBACK", "identifier", "RIGHT")
        for index, value in enumerate(values.wrong, start=1):
            wrong = xml_element(condition, "responseElseIf")
            equal = xml_element(wrong, "equal", toleranceMode="absolute", tolerance=values.tolerance)
            xml_element(equal, "variable", identifier="RESPONSE")
            xml_element(equal, "baseValue", value, baseType="float")
            _set(wrong, "SCORE", "float", "0")
            _set(wrong, "FEEDBACK", "identifier", f"M{index}")
        other = xml_element(condition, "responseElse")
        _set(other, "SCORE", "float", "0")
        _set(other, "FEEDBACK", "identifier", "WRONG")
    else:
        scored = xml_element(condition, "responseElse")
        if question.kind == "multiple":
            setter = xml_element(scored, "setOutcomeValue", identifier="SCORE")
            xml_element(setter, "mapResponse", identifier="RESPONSE")
        else:
            inner = xml_element(scored, "responseCondition")
            right = xml_element(inner, "responseIf")
            match = xml_element(right, "match")
            xml_element(match, "variable", identifier="RESPONSE")
            xml_element(match, "correct", identifier="RESPONSE")
            _set(right, "SCORE", "float", "1")
            _set(xml_element(inner, "responseElse"), "SCORE", "float", "0")
        _set_variable(scored, "FEEDBACK", "RESPONSE")
    _set(processing, "SOLUTION", "identifier", "EXPLANATION")


def _modal_feedback(item: ET.Element, question: Question, ids: list[str]) -> None:
    def modal(identifier: str, text: str, outcome: str = "FEEDBACK") -> None:
        feedback = xml_element(item, "modalFeedback", outcomeIdentifier=outcome, identifier=identifier, showHide="show")
        _paragraphs(feedback, text)

    if question.kind == "numeric":
        values = numeric_answer(question)
        modal("RIGHT", f"Right: {values.shown}.")
        for index, option in enumerate(question.options, start=1):
            modal(f"M{index}", option.feedback)
        modal("WRONG", f"Not within {values.tolerance} of the answer, {values.shown}.")
    else:
        for option, identifier in zip(question.options, ids):
            modal(identifier, option.feedback)
    modal("EXPLANATION", question.explanation, outcome="SOLUTION")


def xml_namespaces(namespace: str, schema: str) -> dict[str, str]:
    """Return a root element's namespace declarations and schema location, as plain attributes.

    Tags are built unqualified and the root declares the default namespace, so the document
    reads as the specification's examples do (ElementTree cannot mix a default namespace with
    unqualified attribute names otherwise).
    """
    return {"xmlns": namespace, "xmlns:xsi": XSI_NS, "xsi:schemaLocation": f"{namespace} {schema}"}


def xml_safe(text: str) -> str:
    """Return `text` with each character XML 1.0 cannot hold (NUL, U+FFFE, a lone surrogate...) as U+FFFD.

    ElementTree escapes markup but writes these as they are, and no parser reads the result;
    XML has no escape for them, not even a character reference.
    """
    return XML_INVALID.sub(REPLACEMENT_CHARACTER, text)


def xml_document(root: ET.Element) -> bytes:
    for element in root.iter():  # every text, tail and attribute value, whatever question field it holds
        element.text = None if element.text is None else xml_safe(element.text)
        element.tail = None if element.tail is None else xml_safe(element.tail)
        element.attrib = {name: xml_safe(value) for name, value in element.attrib.items()}
    ET.indent(root)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n").encode()


def ncname(text: str) -> str:
    """Return `text` as an XML NCName: letters, digits, '_', '-', '.', not starting with a digit."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", text)
    return cleaned if re.match(r"[A-Za-z_]", cleaned) else f"_{cleaned}"


def qti_test(questions: tuple[Question, ...], trace: Trace, title: str) -> ET.Element:
    """Return an assessmentTest with one section referencing every item, in order."""
    test = ET.Element("assessmentTest", {**xml_namespaces(QTI_NS, QTI_XSD),
                                         "identifier": ncname(f"test-{trace.lesson}-seed-{trace.seed}"),
                                         "title": title})
    part = xml_element(test, "testPart", identifier="part", navigationMode="nonlinear", submissionMode="individual")
    section = xml_element(part, "assessmentSection", identifier="questions", title=title, visible="true")
    for question in questions:
        xml_element(section, "assessmentItemRef", identifier=question.id, href=f"items/{question.id}.xml")
    return test


def qti_manifest(questions: tuple[Question, ...], trace: Trace) -> ET.Element:
    """Return the IMS content-package manifest listing the test and every item."""
    return package_manifest(questions, ncname(f"tracegen-{trace.lesson}-seed-{trace.seed}"))


def package_manifest(questions: Sequence[Question], identifier: str) -> ET.Element:
    """Return a manifest named `identifier` listing assessment.xml and items/<id>.xml per question."""
    manifest = ET.Element("manifest", {**xml_namespaces(CP_NS, CP_XSD), "identifier": identifier})
    metadata = xml_element(manifest, "metadata")
    xml_element(metadata, "schema", "QTIv2.1 Package")
    xml_element(metadata, "schemaversion", "1.0.0")
    xml_element(manifest, "organizations")
    resources = xml_element(manifest, "resources")
    test = xml_element(resources, "resource", identifier="RES-test", type="imsqti_test_xmlv2p1", href="assessment.xml")
    xml_element(test, "file", href="assessment.xml")
    for question in questions:
        xml_element(test, "dependency", identifierref=f"RES-{question.id}")
    for question in questions:
        href = f"items/{question.id}.xml"
        resource = xml_element(resources, "resource", identifier=f"RES-{question.id}", type="imsqti_item_xmlv2p1",
                       href=href)
        xml_element(resource, "file", href=href)
    return manifest


def to_qti_zip(questions: tuple[Question, ...], trace: Trace, title: str) -> bytes:
    """Return a QTI 2.1 content package: imsmanifest.xml, assessment.xml and one item per question."""
    questions = exportable(questions)[0]
    return qti_package(qti_manifest(questions, trace), qti_test(questions, trace, title), questions)


def qti_package(manifest: ET.Element, test: ET.Element, questions: Sequence[Question]) -> bytes:
    """Return the zip of a manifest, its test and items/<id>.xml per question (fixed dates: reproducible)."""
    files = {"imsmanifest.xml": xml_document(manifest), "assessment.xml": xml_document(test)}
    for question in questions:
        files[f"items/{question.id}.xml"] = xml_document(qti_item(question))
    return zip_files(files)


def zip_files(files: dict[str, bytes]) -> bytes:
    """Return a zip of `files` (name -> bytes) in their order, dated ZIP_DATE, so the same files give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()
