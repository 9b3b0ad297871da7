"""banks.py: `export --variants K` question banks, one GIFT category and one QTI section per question."""

from __future__ import annotations

import pytest

from tests import quiz_oracles as oracles
from tests.conftest import ROOT
from tests.test_export import CP, QTI, check_gift_question, check_qti_item, open_package, parse_gift
from tracegen import banks
from tracegen.cli import main
from tracegen.site.pages import site_questions

SEEDS = (3, 4, 5)


@pytest.fixture(scope="module")
def variants():
    """precision-recall at three seeds: (seed, trace, the questions its page shows)."""
    result = []
    for seed in SEEDS:
        spec, trace = oracles.lesson_trace("precision-recall", seed)
        result.append((seed, trace, site_questions(spec, trace)))
    return result


def test_questions_are_grouped_per_id_with_one_variant_per_seed(variants):
    bank = banks.question_banks([(seed, questions) for seed, _, questions in variants])
    ids = list(dict.fromkeys(q.id for _, _, questions in variants for q in questions))
    assert [qid for qid, _ in bank] == ids
    for qid, questions in bank:
        seeds = [seed for seed, _, qs in variants if any(q.id == qid for q in qs)]
        assert [q.id for q in questions] == [f"{qid}-seed{seed}" for seed in seeds]


def test_gift_bank_parses_and_every_variant_has_its_own_right_answer(variants):
    bank = banks.question_banks([(seed, questions) for seed, _, questions in variants])
    parsed = parse_gift(banks.to_gift_bank(bank, "precision-recall", list(SEEDS), "Precision-recall curves"))
    assert len(parsed) == sum(len(questions) for _, questions in bank)
    by_seed = {seed: (trace, {q.id: q for q in questions}) for seed, trace, questions in variants}
    checked = set()
    for item in parsed:
        qid, _, seed = item["title"].rpartition("-seed")
        assert item["category"] == f"tracegen/precision-recall/{qid}"
        trace, questions = by_seed[int(seed)]
        if qid in oracles.ORACLES:  # generated: its answer recomputed from the variant's own trace
            check_gift_question({**item, "title": qid}, questions[qid], trace)
            checked.add(qid)
    assert len(checked) >= 5
    answers = {int(i["title"].rpartition("-seed")[2]): i["answers"][0]["value"]
               for i in parsed if i["title"].startswith("f1_at_threshold-seed")}
    assert len(set(answers.values())) > 1  # the variants really differ


def test_qti_bank_picks_one_variant_per_section(variants):
    bank = banks.question_banks([(seed, questions) for seed, _, questions in variants])
    files = open_package(banks.to_qti_bank_zip(bank, "precision-recall", list(SEEDS), "Precision-recall curves"))
    sections = list(files["assessment.xml"].iter(f"{QTI}assessmentSection"))
    assert len(sections) == len(bank)
    by_seed = {seed: (trace, {q.id: q for q in questions}) for seed, trace, questions in variants}
    for section, (qid, questions) in zip(sections, bank):
        assert section.find(f"{QTI}selection").get("select") == "1"
        refs = [ref.get("href") for ref in section.iter(f"{QTI}assessmentItemRef")]
        assert refs == [f"items/{q.id}.xml" for q in questions]
        for question in questions:
            if qid in oracles.ORACLES:
                trace, originals = by_seed[int(question.id.rpartition("-seed")[2])]
                item = files[f"items/{question.id}.xml"]
                assert item.get("identifier") == question.id
                item.set("identifier", qid)  # the oracles know questions by their lesson id
                check_qti_item(item, originals[qid], trace)
    manifest_items = [r for r in files["imsmanifest.xml"].iter(f"{CP}resource")
                      if r.get("type") == "imsqti_item_xmlv2p1"]
    assert len(manifest_items) == sum(len(questions) for _, questions in bank)


def test_cli_export_variants_default_name_and_byte_identical(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["--lessons", str(ROOT / "lessons"), "export", "roc-curve", "--format", "gift", "--seed", "3",
            "--variants", "2"]
    assert main(args) == 0
    out = capsys.readouterr().out
    path = tmp_path / "roc-curve-seeds3-5.gift"
    assert out.startswith(f"wrote {path.name}:") and "x 3 variants" in out
    first = path.read_bytes()
    assert main(args) == 0
    assert path.read_bytes() == first
    assert {item["category"].rpartition("/")[0] for item in parse_gift(first.decode())} == {"tracegen/roc-curve"}
