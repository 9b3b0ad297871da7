"""The two golden pages: one lesson page and one predictions page, rendered from checked-in traces.

The pages are rendered from `*.trace.json` files kept here, not from a fresh run, so they are a
pure function of the trace, the templates and tracegen's code: a numpy or scikit-learn release
that moves a float cannot break them, while any change to what a page shows does.

After an intended change to the pages, refresh the golden files and review the diff:

    python -m tests.golden.pages --refresh
    git diff tests/golden/
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tracegen.html.env import TEMPLATES_DIR, make_environment
from tracegen.pipeline import run
from tracegen.pipeline.predictions import run_predictions
from tracegen.site import assets, pages, predictions_site
from tracegen.spec import load_lesson
from tracegen.trace import Trace

GOLDEN = Path(__file__).resolve().parent
LESSON = GOLDEN.parent.parent / "lessons" / "precision-recall.md"
PREDICTIONS_CSV = GOLDEN / "predictions.csv"
LESSON_TRACE = GOLDEN / "precision-recall.trace.json"
LESSON_PAGE = GOLDEN / "precision-recall.html"
PREDICTIONS_TRACE = GOLDEN / "predictions.trace.json"
PREDICTIONS_PAGE = GOLDEN / "predictions.html"


def lesson_page(trace: Trace) -> bytes:
    """Return the lesson's reproducible page for `trace`, as `tracegen build --reproducible` writes it."""
    spec = load_lesson(LESSON)
    frame = assets.site_frame(TEMPLATES_DIR)
    maker = pages.PageMaker(make_environment(TEMPLATES_DIR), assets.build_info(reproducible=True),
                            pages.page_asset_bytes(frame), explorer_bytes=len(frame[pages.EXPLORER_ASSET]))
    files = pages.lesson_pages(spec, [(trace, pages.site_questions(spec, trace))], maker)
    return files[f"{spec.name}/index.html"]


def predictions_page(trace: Trace) -> bytes:
    """Return the reproducible predictions page for `trace`, as `tracegen build --predictions` writes it."""
    files, _ = predictions_site(trace, TEMPLATES_DIR, reproducible=True)
    return files["index.html"]


def refresh() -> None:
    """Run the lesson and the predictions file again and rewrite every golden file."""
    # Pages are rendered from the JSON form, as a build renders them (its traces arrive as JSON from
    # the workers or the cache), where mappings come back in sorted key order.
    lesson_trace = Trace.from_json(run(load_lesson(LESSON)).to_json())
    predictions_trace = Trace.from_json(run_predictions(PREDICTIONS_CSV).to_json())
    LESSON_TRACE.write_text(lesson_trace.to_json(), encoding="utf-8")
    PREDICTIONS_TRACE.write_text(predictions_trace.to_json(), encoding="utf-8")
    LESSON_PAGE.write_bytes(lesson_page(lesson_trace))
    PREDICTIONS_PAGE.write_bytes(predictions_page(predictions_trace))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refresh", action="store_true", required=True, help="rewrite the golden files")
    parser.parse_args()
    refresh()
    print(f"rewrote {LESSON_PAGE.name}, {PREDICTIONS_PAGE.name} and their traces in {GOLDEN}")
