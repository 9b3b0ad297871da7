"""The multiclass ROC charts in a real browser: a legend entry lights its class's curve; no sideways scroll on a phone.

Fixtures come from tests/test_browser.py (Debian's chromium through Playwright, never `playwright install`).
"""

from __future__ import annotations

import os

import pytest

from tests.test_browser import base_url, browser, site_dir, visit  # noqa: F401 - pytest fixtures
from tracegen.trace import Trace

SHOTS = os.environ.get("TRACEGEN_SHOTS")  # a folder: also save screenshots there (for looking at, not asserted)

STYLE = """key => [...document.querySelectorAll('.class-curves .chart .series.' + key)].map(p => {
  const s = getComputedStyle(p); return [s.opacity, parseFloat(s.strokeWidth)]; })"""


def _classes(site_dir):  # noqa: F811 - the fixture's value
    trace = Trace.from_json((site_dir / "multiclass-roc" / "trace.json").read_text(encoding="utf-8"))
    return trace.evaluation.classes


def test_focusing_a_legend_entry_lights_that_class_and_dims_the_others(visit, site_dir):  # noqa: F811
    page = visit.open("file", "multiclass-roc/index.html")
    classes = _classes(site_dir)
    labels = page.locator(".class-curves .legend button").all_inner_texts()
    assert labels == [*classes, "micro average", "macro average"]
    for index in (8, 1):  # the class the Key insight names, and the one with the lowest AP
        key = f"k{index}"
        before = page.evaluate(STYLE, key)
        other_before = page.evaluate(STYLE, "k0")
        assert len(before) == 2  # drawn in the linear and the log-FPR chart
        page.locator(f'.class-curves .legend button[data-key="{key}"]').focus()
        lit, other = page.evaluate(STYLE, key), page.evaluate(STYLE, "k0")
        assert all(float(width) > float(b[1]) and opacity == "1" for (opacity, width), b in zip(lit, before))
        assert all(float(opacity) < float(b[0]) for (opacity, _), b in zip(other, other_before))
        page.locator("h1").first.click()  # focus leaves the legend: nothing stays lit
        assert page.evaluate(STYLE, key) == before
    assert visit.console_errors == []


def test_clicking_pins_a_curve_until_clicked_again(visit):  # noqa: F811
    page = visit.open("file", "multiclass-roc/index.html")
    button = page.locator('.class-curves .legend button[data-key="micro"]')
    button.click()
    page.locator("h1").first.click()
    assert button.get_attribute("aria-pressed") == "true"
    assert page.evaluate(STYLE, "micro")[0][0] == "1" and page.evaluate(STYLE, "k3")[0][0] != "1"
    button.click()
    page.locator("h1").first.click()
    assert button.get_attribute("aria-pressed") == "false"
    assert page.evaluate(STYLE, "k3")[0][0] == "1"


@pytest.mark.parametrize("width", [390, 1280])
def test_roc_charts_fit_without_sideways_scroll(visit, width):  # noqa: F811
    visit.page.set_viewport_size({"width": width, "height": 900})
    page = visit.open("file", "multiclass-roc/index.html")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box = page.locator(".class-curves").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    if SHOTS:
        page.locator(".class-curves").screenshot(path=os.path.join(SHOTS, f"multiclass-roc-{width}.png"))
