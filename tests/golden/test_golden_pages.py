"""Golden pages: a lesson page and a predictions page, byte for byte (refresh: see pages.py)."""

from __future__ import annotations

import difflib

import pytest

from tests.golden import pages as golden
from tracegen.trace import Trace

REFRESH = "after an intended change run `python -m tests.golden.pages --refresh` and review `git diff tests/golden/`"


def assert_same_page(rendered: bytes, expected: bytes, name: str) -> None:
    if rendered != expected:
        diff = difflib.unified_diff(expected.decode().splitlines(), rendered.decode().splitlines(),
                                    f"golden/{name}", "rendered", lineterm="", n=1)
        pytest.fail(f"{name} differs from its golden copy; {REFRESH}\n" + "\n".join(list(diff)[:40]))


@pytest.mark.parametrize(("trace_file", "page_file", "render"), [
    (golden.LESSON_TRACE, golden.LESSON_PAGE, golden.lesson_page),
    (golden.PREDICTIONS_TRACE, golden.PREDICTIONS_PAGE, golden.predictions_page),
], ids=["lesson", "predictions"])
def test_page_is_byte_identical_to_its_golden_copy(trace_file, page_file, render):
    trace = Trace.from_json(trace_file.read_text(encoding="utf-8"))
    assert_same_page(render(trace), page_file.read_bytes(), page_file.name)


def test_golden_traces_round_trip():
    """The checked-in traces are what Trace writes, so a page difference is never a JSON difference."""
    for path in (golden.LESSON_TRACE, golden.PREDICTIONS_TRACE):
        text = path.read_text(encoding="utf-8")
        assert Trace.from_json(text).to_json() == text


def test_predictions_page_numbers_its_sections_in_order():
    """The predictions page shows four of the lesson sections, numbered 1..4 (not 1, 4, 5, 7)."""
    import re

    page = golden.PREDICTIONS_PAGE.read_text(encoding="utf-8")
    numbers = [int(n) for n in re.findall(r'<h2[^>]*><span class="step"[^>]*>(\d+)</span>', page)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 3
