"""The sample explorer's digits and the heat-maps lesson's weight maps, drawn as inline SVG on the page.

Each SVG is read back pixel by pixel from its path data and compared with shades the test computes
itself from scikit-learn's digits (the explored rows) and from the trace's weights.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits

from tests.conftest import LESSONS
from tracegen.cli import main
from tracegen.trace import Trace

SIDE = 8
RUN = re.compile(r"M(\d+) (\d+)h(\d+)")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The two image lessons, built reproducibly."""
    out = tmp_path_factory.mktemp("images") / "site"
    assert main(["--lessons", str(LESSONS), "build", "sample-explorer", "heat-maps", "--out", str(out),
                 "--reproducible", "--quiet"]) == 0
    return out


def page_and_trace(site: Path, lesson: str) -> tuple[str, Trace]:
    html = (site / lesson / "index.html").read_text(encoding="utf-8")
    return html, Trace.from_json((site / lesson / "trace.json").read_text(encoding="utf-8"))


def painted(paths: list[tuple[str, str]], levels: dict[str, int]) -> dict[tuple[int, int], int]:
    """Return {(x, y): level} for every pixel the paths' runs cover; a pixel drawn twice is an error."""
    pixels: dict[tuple[int, int], int] = {}
    for css_class, d in paths:
        assert RUN.sub("", d) == "", d  # nothing but runs
        for x, y, n in RUN.findall(d):
            for col in range(int(x), int(x) + int(n)):
                assert (col, int(y)) not in pixels
                pixels[col, int(y)] = levels[css_class]
    return pixels


def test_explored_digits_are_svg_images_of_the_digits_rows(built):
    """Each explored row is an 8x8 SVG whose grey levels are its scikit-learn pixel values in three steps."""
    html, trace = page_and_trace(built, "sample-explorer")
    digits = load_digits().data
    samples = trace.evaluation.samples.samples
    classes = trace.evaluation.classes
    assert len(samples) >= 6
    for sample in samples:
        # The trace's values are one row of scikit-learn's digits, unchanged (raw 0..16 pixels).
        assert (digits == np.array(sample.values)).all(axis=1).any(), sample.test_row
        group = [s for s in samples if s.outcome == sample.outcome]
        high = max(max(s.values) for s in group)  # one scale for the images of a group
        want = {(i % SIDE, i // SIDE): min(3, math.ceil(v / high * 3)) for i, v in enumerate(sample.values) if v > 0}

        svg = re.search(rf'<svg class="px" viewBox="0 -\.5 8 8" role="img" aria-labelledby="r{sample.test_row}">'
                        r"(.*?)</svg>", html)
        assert svg, sample.test_row
        paths = re.findall(r'<path(?: class="(p\d)")? d="([^"]*)"/>', svg.group(1))
        assert painted(paths, {"p1": 1, "p2": 2, "": 3}) == want, sample.test_row

        # Its accessible name is the caption: row, true and predicted class.
        caption = f'<figcaption id="r{sample.test_row}">row {sample.test_row}: true {classes[sample.actual]}, ' \
                  f"predicted {classes[sample.predicted]}"
        assert caption in html
        # The text equivalent: every pixel value, row by row.
        values = "\n".join(" ".join(f"{v:g}" for v in sample.values[r * SIDE:(r + 1) * SIDE]) for r in range(SIDE))
        assert f"row {sample.test_row}\n{values}\n" in html
    assert "<pre class=\"ascii pixels\" aria-hidden" not in html  # the page no longer draws digits as ASCII


def test_weight_maps_are_svg_with_the_weights_sign_and_size(built):
    """Each class's map at each drawn epoch: blue for positive, red for negative, in thirds of its largest |weight|."""
    html, trace = page_and_trace(built, "heat-maps")
    letters = {"a": 1, "b": 2, "c": 3, "d": -1, "e": -2, "f": -3}
    shots = [s for s in trace.snapshots if s.coef]
    svgs = re.findall(r'<svg class="wmap" viewBox="0 -\.5 (\d+) (\d+)" role="img" aria-label="Weight maps of every '
                      r'class at epoch (\d+)[^"]*">(.*?)</svg>', html)
    assert [int(epoch) for *_, epoch, _ in svgs] == [shots[0].epoch, shots[-1].epoch]
    for (_, _, epoch, body), snap in zip(svgs, (shots[0], shots[-1])):
        pixels = painted(re.findall(r'<path class="([a-f])" d="([^"]*)"/>', body), letters)
        labels = re.findall(r'<text x="(\d+)" y="(\d+)">class ([^<]*)</text>', body)
        assert [name for *_, name in labels] == list(trace.evaluation.classes)
        for index, (x, y, _) in enumerate(labels):
            weights = snap.coef[f"coef[{index}]"]
            scale = max(abs(w) for w in weights)
            left, top = int(x), int(y) + 1  # each label sits one unit above its map
            for i, w in enumerate(weights):
                size = min(3, math.ceil(abs(w) / scale * 3))
                want = -size if w < 0 else size
                assert pixels.get((left + i % SIDE, top + i // SIDE), 0) == want, (epoch, index, i)
    # The terminal's ASCII maps stay on the page as text.
    assert "darker characters for larger weights, one per pixel" in html
