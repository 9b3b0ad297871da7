"""LMS export: a strict GIFT parser checks every exported question; the QTI zip is checked by structure."""

from __future__ import annotations

import dataclasses
import io
import math
import xml.etree.ElementTree as ET
import zipfile

import pytest

from tests import quiz_oracles as oracles
from tests.conftest import ROOT
from tracegen import export, qti12, quiz
from tracegen.cli import main
from tracegen.errors import printable
from tracegen.quiz.question import Option, Question, answer_tolerance, shown_answer

QTI = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"
# Moodle's grade list: an imported weight must be one of these (its default 'error' matching).
MOODLE_PERCENTS = (100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667,
                   14.28571, 12.5, 11.11111, 10, 5, 0)
EXPORT_CASES = [(name, seed) for name in oracles.LESSON_NAMES for seed in (None, 1, 2)]

TRICKY = Question(
    id="tricky", kind="single", generator="hand-written",
    prompt="Is a = b {really}? Use ~, #, : and a \\ backslash\non two lines.",
    explanation="Because: {x} = #1 ~ 2.",
    options=(Option("a: {1} = #2", True, "Right ~ yes: it is."),
             Option("b ~ c", False, "No = never # ever.", misconception="m: one")))


def quiz_for(name, seed):
    """Return (trace, questions, title) for a lesson at a seed (None: the lesson's own, full length)."""
    spec, trace = oracles.lesson_trace(name, seed, None if seed is None else oracles.FAST_EPOCHS)
    return trace, quiz.make_questions(spec, trace), spec.title


# ---------------------------------------------------------------- a strict GIFT parser


class GiftSyntaxError(AssertionError):
    """The text breaks the GIFT grammar."""


def gift_tokens(text):
    """Return (special, char) pairs: special is True for an unescaped ~ = # { } : character."""
    tokens, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 == len(text) or text[i + 1] not in "~=#{}:\\n":
                raise GiftSyntaxError(f"bad escape at {text[i:i + 5]!r}")
            tokens.append((False, "\n" if text[i + 1] == "n" else text[i + 1]))
            i += 2
            continue
        tokens.append((char in "~=#{}:", char))
        i += 1
    return tokens


def literal(tokens):
    """Return the text of tokens that must hold no unescaped special character."""
    for special, char in tokens:
        if special:
            raise GiftSyntaxError(f"unescaped {char!r} in {''.join(c for _, c in tokens)!r}")
    return "".join(char for _, char in tokens)


def split_at(tokens, stops):
    """Split tokens at unescaped characters in `stops`; return [(stop char or None, part), ...]."""
    parts, current, mark = [], [], None
    for special, char in tokens:
        if special and char in stops:
            parts.append((mark, current))
            current, mark = [], char
        else:
            current.append((special, char))
    parts.append((mark, current))
    return parts


def parse_answer_block(tokens):
    """Parse the tokens between { and }; return (numeric, answers, general feedback)."""
    numeric = bool(tokens) and tokens[0] == (True, "#")
    body = tokens[1:] if numeric else tokens
    general = None
    for index in range(len(body) - 3):
        if all(body[index + k] == (True, "#") for k in range(4)):
            general, body = literal(body[index + 4:]).strip(), body[:index]
            break
    answers = []
    for mark, part in split_at(body, "=~"):
        if mark is None:
            if literal(part).strip():
                raise GiftSyntaxError(f"text before the first answer: {literal(part)!r}")
            continue
        pieces = split_at(part, "#")
        if len(pieces) > 2:
            raise GiftSyntaxError("more than one # feedback in an answer")
        text = literal(pieces[0][1]) if not numeric else "".join(c for _, c in pieces[0][1])
        feedback = literal(pieces[1][1]).strip() if len(pieces) == 2 else None
        weight = None
        if text.startswith("%"):
            weight_text, _, text = text[1:].partition("%")
            weight = float(weight_text)
        answer = {"mark": mark, "weight": weight, "text": text.strip(), "feedback": feedback}
        if numeric:
            value, colon, tolerance = answer["text"].partition(":")
            if not colon:
                raise GiftSyntaxError(f"numeric answer without ':tolerance': {answer['text']!r}")
            answer["value"], answer["tolerance"] = float(value), float(tolerance)
        answers.append(answer)
    if not answers:
        raise GiftSyntaxError("an answer block with no answers")
    return numeric, answers, general


def parse_gift(text):
    """Parse a GIFT file into question dicts; raise GiftSyntaxError on any grammar break."""
    questions, category = [], None
    blocks = [block for block in text.split("\n\n") if block.strip()]
    for block in blocks:
        lines = [line for line in block.split("\n") if not line.startswith("//")]
        if lines and lines[0].startswith("$CATEGORY:"):
            category = lines.pop(0)[len("$CATEGORY:"):].strip()
        source = "\n".join(lines).strip()
        if not source:
            continue
        tokens = gift_tokens(source)
        if tokens[:2] != [(True, ":"), (True, ":")]:
            raise GiftSyntaxError(f"question without ::title:: {source[:40]!r}")
        end = next(i for i in range(2, len(tokens) - 1) if tokens[i] == tokens[i + 1] == (True, ":"))
        title, rest = literal(tokens[2:end]), tokens[end + 2:]
        opening = rest.index((True, "{"))
        closing = len(rest) - 1 - rest[::-1].index((True, "}"))
        if literal(rest[closing + 1:]).strip():
            raise GiftSyntaxError("text after the answer block")
        stem = literal(rest[:opening]).strip()
        if not stem.startswith("[plain]"):
            raise GiftSyntaxError("question text without the [plain] format marker")
        numeric, answers, general = parse_answer_block(rest[opening + 1:closing])
        questions.append({"title": title, "text": stem[len("[plain]"):].strip(), "numeric": numeric,
                          "answers": answers, "general": general, "category": category})
    return questions


def test_gift_parser_rejects_broken_gift():
    """The test parser is strict: unescaped specials, bad escapes and missing tolerances fail."""
    for bad in ("::t::[plain]a = b {=x}", "::t::[plain]a {=x\\q}", "::t::[plain]a {#=3}",
                "[plain]no title {=x}", "::t::[plain]a {=x} trailing"):
        with pytest.raises((GiftSyntaxError, ValueError)):
            parse_gift(bad)


# ---------------------------------------------------------------- GIFT


def check_gift_question(parsed, question, trace):
    """Check one parsed GIFT question against its Question record and the oracle."""
    assert parsed["title"] == question.id and parsed["text"] == export.export_prompt(question)
    assert parsed["general"] == question.explanation
    answers = parsed["answers"]
    if question.kind == "numeric":
        assert parsed["numeric"]
        first, wrong = answers[0], answers[1:]
        assert first["mark"] == "=" and first["weight"] is None
        assert first["feedback"] == f"Right: {shown_answer(question)}."
        assert first["value"] == pytest.approx(float(oracles.expected(trace, question)), abs=1e-9)
        assert all(a["tolerance"] == pytest.approx(question.tolerance) for a in answers)
        assert [a["value"] for a in wrong] == pytest.approx([o.value for o in question.options], abs=1e-9)
        assert all(a["weight"] == 0 and a["mark"] == "=" for a in wrong)
        assert [a["feedback"] for a in wrong] == [o.feedback for o in question.options]
        return
    assert not parsed["numeric"]
    assert [a["text"] for a in answers] == [o.text for o in question.options]
    assert [a["feedback"] for a in answers] == [o.feedback for o in question.options]
    right = {a["text"] for a in answers if (a["mark"] == "=" or (a["weight"] or 0) > 0)}
    assert right == oracles.expected(trace, question)
    if question.kind == "single":
        assert [a["mark"] for a in answers].count("=") == 1 and all(a["weight"] is None for a in answers)
    else:
        weights = [a["weight"] for a in answers]
        assert all(a["mark"] == "~" for a in answers)
        assert sum(w for w in weights if w > 0) == pytest.approx(100, abs=1e-3)
        assert sum(w for w in weights if w < 0) == pytest.approx(-100, abs=1e-3)
        assert all(any(math.isclose(abs(w), p, abs_tol=1e-5) for p in MOODLE_PERCENTS) for w in weights)


@pytest.mark.parametrize("name, seed", EXPORT_CASES)
def test_gift_export_parses_for_every_question(name, seed):
    """Every exported question of every lesson passes the GIFT grammar and matches the trace."""
    trace, questions, title = quiz_for(name, seed)
    parsed = parse_gift(export.to_gift(questions, trace, title))
    assert len(parsed) == len(questions)
    assert parsed[0]["category"] == f"tracegen/{trace.lesson}/seed-{trace.seed}"
    for item, question in zip(parsed, questions):
        check_gift_question(item, question, trace)


def test_gift_escapes_every_special_character(binary_trace):
    """~ = # { } : and backslash are escaped, newlines become \\n, and all survive a round trip."""
    text = export.to_gift((TRICKY,), binary_trace, "t")
    assert "a = b" not in text and "a \\= b \\{really\\}? Use \\~, \\#, \\: and a \\\\ backslash\\non" in text
    (parsed,) = parse_gift(text)
    assert parsed["text"] == TRICKY.prompt and parsed["general"] == TRICKY.explanation
    assert [a["text"] for a in parsed["answers"]] == ["a: {1} = #2", "b ~ c"]
    assert [a["feedback"] for a in parsed["answers"]] == ["Right ~ yes: it is.", "No = never # ever."]


def test_gift_escapes_a_lone_cr_as_a_line_break(binary_trace):
    """A lone CR (or CRLF) is a line break like LF: written as \\n, never raw, so no line can start inside text."""
    question = dataclasses.replace(TRICKY, prompt="one\rtwo\r\nthree", explanation="a\rb")
    text = export.to_gift((question,), binary_trace, "t")
    assert "\r" not in text
    (parsed,) = parse_gift(text)
    assert parsed["text"] == "one\ntwo\nthree" and parsed["general"] == "a\nb"


@pytest.mark.parametrize("lesson", ["x\n::evil::[plain]Injected? {=yes ~no}\n", "cr\r$CATEGORY: elsewhere",
                                    "esc\x1b[2J"])
def test_gift_header_lines_stay_one_line(lesson, binary_trace):
    """A lesson (file) name or title with a line break cannot start a GIFT question or category of its own."""
    trace = dataclasses.replace(binary_trace, lesson=lesson)
    text = export.to_gift((TRICKY,), trace, f"Title {lesson}")
    assert "\r" not in text and "\x1b" not in text
    parsed = parse_gift(text)
    assert [q["title"] for q in parsed] == ["tricky"]
    assert parsed[0]["category"] == f"tracegen/{printable(lesson)}/seed-{trace.seed}"


def test_multiple_select_weights_use_moodle_grades():
    """Right options share 100% and wrong ones -100%, with weights from Moodle's grade list."""
    options = tuple(Option(str(i), i < 3, "f", None if i < 3 else "m") for i in range(7))
    question = Question(id="w", kind="multiple", prompt="?", options=options, explanation="e", generator="g")
    (parsed,) = parse_gift(export.gift_question(question))
    assert [a["weight"] for a in parsed["answers"]] == [33.33333] * 3 + [-25] * 4


def test_numeric_export_follows_the_one_rule_when_decimals_and_tolerance_are_unset(binary_trace):
    """Without decimals or tolerance, both formats show 2 decimals and accept half a unit, as every output does."""
    question = Question(id="n", kind="numeric", prompt="?", explanation="e", generator="g", answer=0.456,
                        options=(Option("0.30", False, "that is recall", "swap", value=0.3),))
    assert (shown_answer(question), answer_tolerance(question)) == ("0.46", 0.005)
    (parsed,) = parse_gift(export.gift_question(question))
    assert [(a["value"], a["tolerance"]) for a in parsed["answers"]] == [(0.456, 0.005), (0.3, 0.005)]
    assert parsed["answers"][0]["feedback"] == "Right: 0.46."
    root = open_package(export.to_qti_zip((question,), binary_trace, "t"))["items/n.xml"]
    assert {e.get("tolerance") for e in root.iter(f"{QTI}equal")} == {"0.005"}
    modal = {m.get("identifier"): "".join(m.itertext()).strip() for m in root.iter(f"{QTI}modalFeedback")}
    assert modal["RIGHT"] == "Right: 0.46." and modal["WRONG"] == "Not within 0.005 of the answer, 0.46."


# ---------------------------------------------------------------- QTI 2.1


def open_package(data):
    """Return {name: parsed XML root} for every file in a QTI zip."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: ET.fromstring(archive.read(name)) for name in archive.namelist()}


# The order of an assessmentItem's children in the QTI 2.1 schema.
ITEM_ORDER = ("responseDeclaration", "outcomeDeclaration", "itemBody", "responseProcessing", "modalFeedback")


def check_qti_item(root, question, trace):
    """Check one assessmentItem's structure, and that its correct response matches the trace."""
    assert root.tag == f"{QTI}assessmentItem" and root.get("identifier") == question.id
    assert root.get("title") and root.get("adaptive") == "false" and root.get("timeDependent") == "false"
    ranks = [ITEM_ORDER.index(child.tag.removeprefix(QTI)) for child in root]
    assert ranks == sorted(ranks), [child.tag for child in root]
    outcomes = {o.get("identifier") for o in root.iter(f"{QTI}outcomeDeclaration")}
    assert {"SCORE", "FEEDBACK", "SOLUTION"} <= outcomes
    for setter in root.iter(f"{QTI}setOutcomeValue"):
        assert setter.get("identifier") in outcomes
    response = root.find(f"{QTI}responseDeclaration")
    values = [v.text for v in response.find(f"{QTI}correctResponse")]
    modal = {m.get("identifier"): "".join(m.itertext()).strip() for m in root.iter(f"{QTI}modalFeedback")}
    assert modal["EXPLANATION"] == question.explanation
    if question.kind == "numeric":
        assert (response.get("cardinality"), response.get("baseType")) == ("single", "float")
        assert float(values[0]) == pytest.approx(float(oracles.expected(trace, question)), abs=1e-9)
        assert root.find(f".//{QTI}textEntryInteraction").get("responseIdentifier") == "RESPONSE"
        equals = list(root.iter(f"{QTI}equal"))
        assert len(equals) == 1 + len(question.options)
        assert all(float(e.get("tolerance")) == pytest.approx(question.tolerance) for e in equals)
        assert modal["RIGHT"] == f"Right: {shown_answer(question)}."
        assert [modal[f"M{i}"] for i in range(1, len(question.options) + 1)] == [o.feedback for o in question.options]
        return
    interaction = root.find(f".//{QTI}choiceInteraction")
    choices = {c.get("identifier"): c.text for c in interaction.findall(f"{QTI}simpleChoice")}
    assert list(choices.values()) == [o.text for o in question.options]
    assert interaction.find(f"{QTI}prompt").text == question.prompt
    assert {choices[v] for v in values} == oracles.expected(trace, question)
    assert [modal[c] for c in choices] == [o.feedback for o in question.options]
    if question.kind == "single":
        assert response.get("cardinality") == "single" and interaction.get("maxChoices") == "1"
    else:
        assert response.get("cardinality") == "multiple" and interaction.get("maxChoices") == "0"
        mapped = {e.get("mapKey"): float(e.get("mappedValue")) for e in response.iter(f"{QTI}mapEntry")}
        assert set(mapped) == set(choices)
        assert sum(mapped[v] for v in values) == pytest.approx(1)


@pytest.mark.parametrize("name, seed", EXPORT_CASES)
def test_qti_package_opens_and_items_match_the_trace(name, seed):
    """The zip holds a manifest, a test and one item per question; each correct response matches."""
    trace, questions, title = quiz_for(name, seed)
    files = open_package(export.to_qti_zip(questions, trace, title))
    assert set(files) == {"imsmanifest.xml", "assessment.xml"} | {f"items/{q.id}.xml" for q in questions}
    manifest = files["imsmanifest.xml"]
    assert manifest.tag == f"{CP}manifest"
    resources = manifest.find(f"{CP}resources").findall(f"{CP}resource")
    ids = {r.get("identifier") for r in resources}
    items = [r for r in resources if r.get("type") == "imsqti_item_xmlv2p1"]
    assert len(items) == len(questions) and all(r.get("href") in files for r in resources)
    assert all(d.get("identifierref") in ids for d in manifest.iter(f"{CP}dependency"))
    refs = [ref.get("href") for ref in files["assessment.xml"].iter(f"{QTI}assessmentItemRef")]
    assert refs == [f"items/{q.id}.xml" for q in questions]
    for question in questions:
        check_qti_item(files[f"items/{question.id}.xml"], question, trace)


def test_qti_escapes_markup_in_text(binary_trace):
    """Text with < & and braces survives as text, not markup."""
    question = Question(id="x", kind="single", prompt="Is 1 < 2 & {ok}?", explanation="<b>no</b>",
                        generator="g", options=(Option("a < b", True, "f&"), Option("c", False, "g", "m")))
    root = open_package(export.to_qti_zip((question,), binary_trace, "t"))["items/x.xml"]
    assert root.find(f".//{QTI}prompt").text == "Is 1 < 2 & {ok}?"


@pytest.mark.parametrize("bad", ["\x00", "\x08", "\x1b", "\ufffe", "\uffff", "\ud800"])
def test_qti_has_no_character_xml_cannot_hold(bad, binary_trace):
    """NUL, other C0 controls, U+FFFE/U+FFFF and lone surrogates anywhere (prompt, option, title) still parse."""
    question = dataclasses.replace(TRICKY, prompt=f"prompt{bad}end", explanation=f"why{bad}",
                                   options=(Option(f"a{bad}", True, f"f{bad}"), Option("b", False, "g", "m")))
    files = open_package(export.to_qti_zip((question,), binary_trace, f"title{bad}"))
    root = files["items/tricky.xml"]
    assert root.find(f".//{QTI}prompt").text == "prompt\ufffdend"
    assert root.get("title") == "prompt\ufffdend"
    assert files["assessment.xml"].get("title") == "title\ufffd"
    assert [c.text for c in root.iter(f"{QTI}simpleChoice")] == ["a\ufffd", "b"]


def test_xml_safe_keeps_every_character_xml_can_hold():
    """Tab, line breaks, the edges of each allowed range and astral characters are kept as they are."""
    text = "\t\n\r \ud7ff\ue000\ufffd\U00010000\U0010ffff é 数"
    assert export.xml_safe(text) == text


# ---------------------------------------------------------------- CLI


def test_cli_export_writes_gift_and_qti(tmp_path, capsys):
    """`tracegen export` writes each format to --out and says what it wrote."""
    lessons = str(ROOT / "lessons")
    gift, qti = tmp_path / "q.gift", tmp_path / "out" / "q.zip"
    assert main(["--lessons", lessons, "export", "precision-recall", "--format", "gift", "--out", str(gift)]) == 0
    assert main(["--lessons", lessons, "export", "precision-recall", "--format", "qti", "--out", str(qti)]) == 0
    out = capsys.readouterr().out
    assert f"wrote {gift}:" in out and f"wrote {qti}:" in out
    assert parse_gift(gift.read_text(encoding="utf-8"))
    assert "imsmanifest.xml" in open_package(qti.read_bytes())


def test_cli_export_default_name_and_byte_identical(tmp_path, monkeypatch, capsys):
    """Without --out the file is <lesson>-seed<N>.<ext> in the working folder; a rerun is byte-identical."""
    monkeypatch.chdir(tmp_path)
    args = ["--lessons", str(ROOT / "lessons"), "export", "multiclass-roc", "--format", "qti", "--seed", "7"]
    assert main(args) == 0
    first = (tmp_path / "multiclass-roc-seed7-qti.zip").read_bytes()
    assert main(args) == 0
    assert (tmp_path / "multiclass-roc-seed7-qti.zip").read_bytes() == first


@pytest.mark.parametrize("extra, message", [
    (["--format", "csv"], "invalid choice: 'csv'"),
    (["--format", "gift", "--out", "."], "is a directory"),
])
def test_cli_export_bad_input_is_one_line_exit_2(capsys, extra, message):
    """A bad format or an unwritable --out is one error line and exit 2."""
    code = main(["--lessons", str(ROOT / "lessons"), "export", "precision-recall", *extra])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("tracegen: error:") and message in lines[0]


# ---------------------------------------------------------------- questions read from a page table


TABLED = dataclasses.replace(TRICKY, id="tabled", needs_table="the epoch table",
                             table=("epoch  val loss", "    3  0.4{1}2", "    4  0.3:99"))
UNCARRIED = dataclasses.replace(TRICKY, id="uncarried", needs_table="the epoch table", table=())


def test_gift_carries_the_rows_of_the_table_a_question_needs(binary_trace):
    """Under the prompt: a line naming the table, then its rows, one per line, GIFT's specials escaped."""
    gift = export.to_gift((TABLED,), binary_trace, "T")
    (parsed,) = parse_gift(gift)
    lines = parsed["text"].split("\n")
    assert lines[:2] == TRICKY.prompt.split("\n")
    assert "the epoch table" in lines[3] and lines[4:] == list(TABLED.table)


def test_qti_items_carry_the_table_rows_preformatted(binary_trace):
    """QTI 2.1 and 1.2 items hold the rows: a <pre> in the item body, lines in the Canvas prompt."""
    files = open_package(export.to_qti_zip((TABLED,), binary_trace, "T"))
    pre = files["items/tabled.xml"].find(f".//{QTI}pre")
    assert pre is not None and pre.text.split("\n") == list(TABLED.table)
    with zipfile.ZipFile(io.BytesIO(qti12.to_qti12_zip((TABLED,), binary_trace, "T"))) as archive:
        xml = next(archive.read(name).decode() for name in archive.namelist() if name != "imsmanifest.xml")
    assert all(row in xml for row in TABLED.table)


def test_a_question_needing_a_table_it_does_not_carry_is_left_out_with_a_note(binary_trace):
    """Every export leaves it out; exportable names it, and the note says how many and which."""
    kept, left_out = export.exportable((TRICKY, UNCARRIED, TABLED))
    assert [q.id for q in kept] == ["tricky", "tabled"] and left_out == ("uncarried",)
    assert export.left_out_note(left_out) == "; left out 1 that need a page table they cannot carry: uncarried"
    assert export.left_out_note(()) == ""
    assert "uncarried" not in export.to_gift((TRICKY, UNCARRIED), binary_trace, "T")
    assert "items/uncarried.xml" not in open_package(export.to_qti_zip((TRICKY, UNCARRIED), binary_trace, "T"))
    with zipfile.ZipFile(io.BytesIO(qti12.to_qti12_zip((TRICKY, UNCARRIED), binary_trace, "T"))) as archive:
        assert all(b"uncarried" not in archive.read(name) for name in archive.namelist())


def test_lesson_exports_carry_every_table_question_they_hold():
    """In the training-curves lesson the epoch-table questions are exported with their rows."""
    trace, questions, title = quiz_for("training-curves", None)
    tabled = [q for q in questions if q.needs_table]
    assert {q.id for q in tabled} >= {"loss_at_epoch", "best_val_epoch", "overfitting"}
    parsed = {p["title"]: p for p in parse_gift(export.to_gift(questions, trace, title))}
    for question in tabled:
        assert parsed[question.id]["text"].endswith("\n".join(question.table))
