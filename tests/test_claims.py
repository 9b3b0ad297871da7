"""Declared claims: the `claims` list is shape-checked with the lesson, and a claim that is false for a
run stops `tracegen run` and `tracegen build` (every variant) with one line, leaving the site as it was."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.conftest import write_tiny_lesson
from tracegen import cache, pipeline
from tracegen.cli import main
from tracegen.errors import SpecError
from tracegen.site import runs as site_runs
from tracegen.spec import load_lesson


# 120 rows with test_size 0.2: 24 test rows and 96 training rows, by plain arithmetic.
def lesson(folder: Path, top: str, name: str = "lesson") -> Path:
    """Write a small lesson whose top-level keys (before any table) are `top`."""
    return write_tiny_lesson(folder, top, '[quiz]\ngenerators = ["test_rows"]\n', name=name)


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("top", "field"), [
    ('claims = "n_test == 24"', "claims"),
    ('claims = ["n_test == 24", 3]', "claims[1]"),
    ('claims = [""]', "claims[0]"),
    ('claims = ["n_test =="]', "claims[0]"),
    ('claims = ["n_test\\n== 24"]', "claims[0]"),
    ('claims = [["n_test == 24"]]', "claims[0]"),
])
def test_claims_shape_errors_name_the_field(top, field, tmp_path, capsys):
    """A non-list, a non-string, empty, unparseable or multi-line entry is one line naming `claims[i]`, exit 2."""
    path = lesson(tmp_path, top)
    with pytest.raises(SpecError) as error:
        load_lesson(path)
    assert error.value.field == field
    code, _, err = cli(capsys, "run", str(path))
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(f"tracegen: error: {path}: {field}: ")


def test_claims_are_read_and_do_not_change_the_trace_hash(tmp_path):
    """Claims are prose-like: the trace hash (the cache key) is the same with or without them."""
    from tracegen import pipeline

    with_claims = load_lesson(lesson(tmp_path, 'claims = [" n_test == 24 ", "seed < 5"]', name="a"))
    without = load_lesson(lesson(tmp_path, "", name="b"))
    assert with_claims.claims == ("n_test == 24", "seed < 5")
    assert without.claims == ()
    assert pipeline.trace_hash(with_claims, 3) == pipeline.trace_hash(without, 3)


def test_true_claim_runs_and_false_claim_is_one_line(tmp_path, capsys):
    """`seed < 5` holds at seed 2 and not at seed 7; the failure names lesson, seed and claim."""
    path = lesson(tmp_path, 'claims = ["n_test == 24", "seed < 5"]')
    code, out, _ = cli(capsys, "run", str(path), "--reproducible")
    assert code == 0 and out
    code, out, err = cli(capsys, "run", str(path), "--seed", "7")
    assert code == 2 and out == ""
    assert err == f"tracegen: error: {path}: seed 7: claim 'seed < 5' is false\n"


def test_claim_that_is_not_true_or_false_is_a_spec_error(tmp_path, capsys):
    """A claim must give a bool: `n_test` (24) is a count, reported on its field."""
    path = lesson(tmp_path, 'claims = ["n_test == 24", "n_test"]')
    code, _, err = cli(capsys, "run", str(path))
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith(f"tracegen: error: {path}: claims[1]: 'n_test' gives int 24 on this run")


def test_unknown_name_in_claim_is_a_spec_error(tmp_path, capsys):
    path = lesson(tmp_path, 'claims = ["evaluation.no_such_field > 0"]')
    code, _, err = cli(capsys, "run", str(path))
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith(f"tracegen: error: {path}: claims[0]: no field 'no_such_field'")


def test_false_claim_fails_build_and_leaves_the_site(tmp_path, capsys):
    """A true claim builds; the same lesson with a false claim fails with one line and the site stays whole."""
    out = tmp_path / "site"
    path = lesson(tmp_path, 'claims = ["n_test == 24"]')
    code, _, err = cli(capsys, "build", str(path), "--out", str(out), "--no-cache", "-q", "-j", "1")
    assert code == 0, err
    before = digests(out)
    assert "lesson/index.html" in before
    lesson(tmp_path, 'claims = ["n_test == 24", "n_train == 95"]')  # 96 training rows, not 95
    code, _, err = cli(capsys, "build", str(path), "--out", str(out), "--no-cache", "-q", "-j", "1")
    assert code == 2
    assert err == f"tracegen: error: {path}: seed 2: claim 'n_train == 95' is false\n"
    assert digests(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lesson.md", "site"]  # no temporary folder left


def test_every_variant_is_checked(tmp_path, capsys):
    """With --variants 2 the retakes run at seeds 3 and 4: `seed < 4` fails on the second retake and on
    every one of its replacement seeds (all larger), so the build stops naming them."""
    out = tmp_path / "site"
    path = lesson(tmp_path, 'claims = ["seed < 4"]')
    code, _, err = cli(capsys, "build", str(path), "--out", str(out), "--variants", "1", "--no-cache", "-q",
                       "-j", "1")
    assert code == 0, err
    code, _, err = cli(capsys, "build", str(path), "--out", str(out), "--variants", "2", "--no-cache", "-q",
                       "-j", "1")
    assert code == 2
    stride, last = site_runs.SEED_STRIDE, 4 + site_runs.REPLACEMENTS * site_runs.SEED_STRIDE
    assert err == (f"tracegen: error: {path}: seed 4: claim 'seed < 4' is false there and at all "
                   f"{site_runs.REPLACEMENTS} replacement seeds ({4 + stride} to {last}); "
                   "tracegen check --seeds shows where it holds\n")
    assert not (out / "lesson" / "v2").exists()


def test_a_retake_that_makes_a_claim_false_runs_at_its_replacement_seed(tmp_path, capsys):
    """`seed != 4` fails on v2 (seed 4): v2 is the run at 4 + SEED_STRIDE, its page and trace say so, the
    other variants keep their seeds, and a rebuild from the cache runs nothing and writes the same site."""
    path = lesson(tmp_path, 'claims = ["seed != 4"]')
    replacement = 4 + site_runs.SEED_STRIDE
    for out in ("site", "again"):
        code, printed, err = cli(capsys, "build", str(path), "--out", str(tmp_path / out), "--variants", "3",
                                 "--cache-dir", str(tmp_path / "cache"), "--reproducible", "-j", "1")
        assert code == 0, err
    seeds = [json.loads((tmp_path / "site" / "lesson" / folder / "trace.json").read_text())["seed"]
             for folder in ("", "v1", "v2", "v3")]
    assert seeds == [2, 3, replacement, 5]
    assert f"seed {replacement}" in (tmp_path / "site" / "lesson" / "v2" / "index.html").read_text()
    assert "4 trace(s): 0 run, 4 from cache" in err
    assert "  1 retake(s) at a replacement seed: a claim was false at seed + k\n" in printed
    assert digests(tmp_path / "site") == digests(tmp_path / "again")
    # The replaced run is in the cache too (the rebuild follows the same seeds without running it).
    assert cache.has_entry(tmp_path / "cache", pipeline.trace_hash(load_lesson(path), 4))


def test_the_base_run_is_never_replaced(tmp_path, capsys):
    """The lesson's own seed is what its author chose: a claim false there stops the build, retakes or not."""
    path = lesson(tmp_path, 'claims = ["seed != 2"]')
    code, _, err = cli(capsys, "build", str(path), "--out", str(tmp_path / "site"), "--variants", "2",
                       "--no-cache", "-q", "-j", "1")
    assert code == 2 and err == f"tracegen: error: {path}: seed 2: claim 'seed != 2' is false\n"
