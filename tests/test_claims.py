"""Declared claims: the `claims` list is shape-checked with the lesson, and a claim that is false for a
run stops `tracegen run` and `tracegen build` (every variant) with one line, leaving the site as it was."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.conftest import write_tiny_lesson
from tracegen.cli import main
from tracegen.errors import SpecError
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
    """With --variants 2 the retakes run at seeds 3 and 4: `seed < 4` fails on the second retake."""
    out = tmp_path / "site"
    path = lesson(tmp_path, 'claims = ["seed < 4"]')
    code, _, err = cli(capsys, "build", str(path), "--out", str(out), "--variants", "1", "--no-cache", "-q",
                       "-j", "1")
    assert code == 0, err
    code, _, err = cli(capsys, "build", str(path), "--out", str(out), "--variants", "2", "--no-cache", "-q",
                       "-j", "1")
    assert code == 2
    assert err == f"tracegen: error: {path}: seed 4: claim 'seed < 4' is false\n"
    assert not (out / "lesson" / "v2").exists()
