"""What a build hands back to its caller: the site written, its page weights and how the build went."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# A lesson page's HTML + CSS + JS must stay within 80 KB (without gzip, without trace.json).
PAGE_BUDGET = 80 * 1024
# A build with more lesson pages than this lists only the heaviest and those over the budget.
MAX_LISTED_PAGES = 40


@dataclass(frozen=True)
class SiteReport:
    """What a build wrote: its files and each lesson page's weight (HTML + CSS + JS, bytes)."""

    out: Path
    files: tuple[str, ...]
    page_weights: dict[str, int]
    search_index_bytes: int
    # How the build went: traces needed, how many came from the cache, how many retakes ran at a
    # replacement seed, whether the site on disk was already current (nothing rendered or written),
    # and wall seconds. Never part of the site.
    runs: int = 0
    from_cache: int = 0
    replaced: int = 0
    unchanged: bool = False
    seconds: float = 0.0

    @property
    def over_budget(self) -> tuple[str, ...]:
        """Return the lesson pages heavier than PAGE_BUDGET."""
        return tuple(page for page, weight in self.page_weights.items() if weight > PAGE_BUDGET)

    def weight_lines(self) -> list[str]:
        """Return the page weights as text: every page, or for a course of retakes the heaviest few
        and every page over the budget; then the search index."""
        weights = self.page_weights
        shown = weights if len(weights) <= MAX_LISTED_PAGES else {
            page: weights[page] for page in sorted(weights, key=lambda p: (-weights[p], p))[:5]} | {
            page: weights[page] for page in self.over_budget}
        lines = [] if len(shown) == len(weights) else [
            f"{len(weights)} lesson pages, {len(self.over_budget)} over the budget; the heaviest:"]
        for page, weight in shown.items():
            warning = f"  over the {PAGE_BUDGET // 1024} KB budget" if page in self.over_budget else ""
            lines.append(f"{page}  {weight / 1024:.1f} KB (HTML + CSS + JS){warning}")
        lines.append(f"search-index.js  {self.search_index_bytes / 1024:.1f} KB (loaded when the search box is "
                     "first used)")
        return lines


@dataclass(frozen=True)
class PredictionsReport:
    """What `tracegen build --predictions` wrote: one page evaluating the rows of `source`."""

    out: Path
    source: Path
    rows: int
    questions: int
    page_weight: int  # the page's HTML + CSS + JS, bytes
