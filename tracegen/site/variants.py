"""A lesson's variants: the pages planned for it, what the index keeps of each once it is rendered,
and which of them a page links.

A build renders a variant's pages as soon as its trace arrives and then lets the trace go: the
index, the retakes pages and the report need only a VariantSummary of each, so the build's
memory does not grow with --variants. Only the base run's trace is kept (the search index reads
its text), one per lesson.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from tracegen.spec import LessonSpec
    from tracegen.trace import Trace

# A page links every retake of its lesson up to this many. Beyond, it links the original, its
# neighbours and the lesson's retakes page, so a page's size does not grow with --variants.
LISTED_RETAKES = 12
RETAKES_PAGE = "retakes/"


@dataclass(frozen=True)
class Variant:
    """One page of a lesson, known from the plan before its run: the base run (number 0) or a seeded retake v1..vK."""

    number: int
    seed: int

    @property
    def label(self) -> str:
        """Return 'Original' or 'v1', 'v2', ..."""
        return "Original" if self.number == 0 else f"v{self.number}"

    def directory(self, lesson: str) -> str:
        """Return the page's folder relative to the site root, with a trailing slash."""
        return f"{lesson}/" if self.number == 0 else f"{lesson}/v{self.number}/"


@dataclass(frozen=True)
class QuizSlot:
    """What a progress slot records of one question on a page: its id, kind and number of options."""

    id: str
    kind: str
    n_options: int


@dataclass(frozen=True)
class VariantSummary(Variant):
    """A rendered variant as the index and its lesson's retakes page show it, without its trace or questions."""

    storage_key: str  # where the page's script saves its answers
    facts: tuple[str, ...]  # the card's one-line facts about the run
    quiz: tuple[QuizSlot, ...]  # the questions its page shows, in order


@dataclass(frozen=True)
class LessonBuild:
    """A built lesson: its base run's trace and every variant's summary, in number order."""

    spec: LessonSpec
    base: Trace
    variants: tuple[VariantSummary, ...]


AnyVariant = TypeVar("AnyVariant", bound=Variant)


def has_retakes_page(variants: Sequence[Variant]) -> bool:
    """Return True when a lesson has more retakes than a page lists, so they get a page of their own."""
    return len(variants) - 1 > LISTED_RETAKES


def listed_variants(variants: Sequence[AnyVariant], current: int | None = None) -> tuple[AnyVariant, ...]:
    """Return the variants (a lesson's, in number order) that a page links: all of them, or the original and
    the neighbours of variant number `current` (the index, `current` None: the first LISTED_RETAKES)."""
    if not has_retakes_page(variants):
        return tuple(variants)
    if current is None:
        return tuple(variants[:LISTED_RETAKES + 1])
    near = {0, current - 1, current, current + 1} & set(range(len(variants)))
    return tuple(variants[number] for number in sorted(near))
