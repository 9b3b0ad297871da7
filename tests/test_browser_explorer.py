"""The threshold explorer in Chromium: the keyboard moves the slider, and at every position the shown counts
are confusion_matrix(y_true, y_score >= t) computed here from trace.json; the dots move; without script
the table is there. Fixtures (the built site, the browser, a fresh context per test) are test_browser's."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, f1_score, precision_score, recall_score

from tests.conftest import LESSONS
from tests.test_browser import SCHEMES, base_url, browser, visit  # noqa: F401  (shared fixtures)
from tracegen.cli import main

PAGE = "precision-recall/index.html"
OUTPUT = "#ex-out b"


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory):
    """precision-recall built fresh (no cache) for this module; test_browser's base_url and visit serve it."""
    out = tmp_path_factory.mktemp("explorer") / "site"
    assert main(["--lessons", str(LESSONS), "build", "precision-recall", "--out", str(out), "--reproducible",
                 "--no-cache"]) == 0
    return out


def trace_arrays(site_dir):
    ev = json.loads((site_dir / "precision-recall" / "trace.json").read_text(encoding="utf-8"))["evaluation"]
    return np.array(ev["y_true"]), np.array(ev["y_score"])


def shown(page) -> list[str]:
    return page.locator(OUTPUT).all_inner_texts()


def assert_shown_is_sklearns(page, y_true, y_score) -> None:
    """The output's t, TP, FP, TN, FN, precision, recall and F1 are sklearn's at y_score >= t."""
    t, tp, fp, tn, fn, precision, recall, f1 = shown(page)
    called = y_score >= float(t)
    (e_tn, e_fp), (e_fn, e_tp) = confusion_matrix(y_true, called, labels=[False, True])
    assert (int(tp), int(fp), int(tn), int(fn)) == (e_tp, e_fp, e_tn, e_fn), t
    assert float(precision) == pytest.approx(precision_score(y_true, called, zero_division=0), abs=5e-4)
    assert float(recall) == pytest.approx(recall_score(y_true, called, zero_division=0), abs=5e-4)
    assert float(f1) == pytest.approx(f1_score(y_true, called, zero_division=0), abs=5e-4)


def dot(page, chart: str) -> tuple[str, str]:
    circle = page.locator(f"#{chart}-svg-dot")
    return circle.get_attribute("cx"), circle.get_attribute("cy")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_keyboard_moves_the_counts_and_the_dots(visit, site_dir, scheme):  # noqa: F811
    y_true, y_score = trace_arrays(site_dir)
    page = visit.open(scheme, PAGE)
    slider = page.locator("#ex-t")
    assert slider.is_visible() and page.get_by_label("Threshold t").count() == 1
    last = int(slider.get_attribute("max"))
    rows = page.locator("#ex-rows tr")
    assert rows.count() == last + 1 and last >= 10
    start = int(slider.input_value())
    assert_shown_is_sklearns(page, y_true, y_score)
    slider.focus()
    seen = {tuple(shown(page))}
    for key, expected in (("ArrowRight", start + 1), ("ArrowRight", start + 2), ("ArrowLeft", start + 1),
                          ("End", last), ("Home", 0), ("PageUp", None), ("ArrowRight", None)):
        before = (shown(page), dot(page, "pr"), dot(page, "roc"))
        page.keyboard.press(key)
        value = int(slider.input_value())
        if expected is not None:
            assert value == expected, key
        assert_shown_is_sklearns(page, y_true, y_score)
        now = (shown(page), dot(page, "pr"), dot(page, "roc"))
        assert now[0] != before[0] and (now[1] != before[1] or now[2] != before[2]), key
        # The dots are at the row's own points, the cells the row's own cells.
        row = rows.nth(value)
        assert " ".join((*now[1], *now[2])) == row.get_attribute("data-m")
        assert now[0] == [c.strip() for c in row.locator("th, td").all_text_contents()]
        assert slider.get_attribute("aria-valuetext") == f"t = {now[0][0]}"
        seen.add(tuple(now[0]))
    assert len(seen) >= 6
    # Every position, not only those the keys reached: set the value as a script would, fire input.
    for position in range(last + 1):
        slider.evaluate("(s, v) => { s.value = v; s.dispatchEvent(new Event('input')); }", position)
        assert_shown_is_sklearns(page, y_true, y_score)
    assert visit.console_errors == []


def test_without_script_the_table_is_there(browser, site_dir):  # noqa: F811
    """No script: the slider stays hidden and the table lists every threshold with sklearn's counts."""
    y_true, y_score = trace_arrays(site_dir)
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto((site_dir / PAGE).resolve().as_uri())
        assert not page.locator("#ex-t").is_visible()
        page.locator("#explorer summary").click()
        rows = page.locator("#ex-rows tr")
        assert rows.count() >= 10 and rows.first.is_visible()
        for cells in (rows.nth(i).locator("th, td").all_inner_texts() for i in range(rows.count())):
            called = y_score >= float(cells[0])
            (tn, fp), (fn, tp) = confusion_matrix(y_true, called, labels=[False, True])
            assert [int(c) for c in cells[1:5]] == [tp, fp, tn, fn]
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_explorer_fits_the_screen(browser, site_dir, tmp_path, width):  # noqa: F811
    """The explorer makes no sideways scroll at phone width (its table scrolls in its box); screenshots are taken."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto((site_dir / PAGE).resolve().as_uri())
        explorer = page.locator("#explorer")
        explorer.scroll_into_view_if_needed()
        # Nothing of the explorer reaches past the screen but inside its scroll box. (The whole page's
        # scrollWidth is not checked here: at 390 px the training section's snapshot table, outside any
        # scroll box, is wider, with or without the explorer.)
        wide = page.evaluate("""w => Array.from(document.querySelectorAll('#explorer, #explorer *, #pr-svg-dot'))
            .filter(e => !e.closest('.table-scroll') && e.getBoundingClientRect().right > w).length""", width)
        assert wide == 0
        explorer.screenshot(path=tmp_path / f"explorer-{width}.png")
        assert (tmp_path / f"explorer-{width}.png").read_bytes()[:4] == b"\x89PNG"
    finally:
        context.close()
