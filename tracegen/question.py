"""Question records shared by the quiz engine, the site, the terminal quiz and LMS export.

A question is plain frozen data: everything needed to ask it, check an answer and explain
the result, with every number already read from the trace.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("single", "multiple", "numeric")


@dataclass(frozen=True)
class Option:
    """One answer option, or for numeric questions one modelled wrong value.

    `misconception` names the mistake a wrong option models (None for right options);
    `feedback` is shown when this option is chosen.
    """

    text: str
    correct: bool
    feedback: str
    misconception: str | None = None
    value: float | None = None


@dataclass(frozen=True)
class Question:
    """One computed or hand-written question.

    For kind "numeric", `answer` is the right value, `tolerance` the accepted absolute error
    (by default half a unit of the last displayed decimal: 2 dp accepts +-0.005) and
    `options` lists the misconception values with their feedback.
    """

    id: str
    kind: str
    prompt: str
    options: tuple[Option, ...]
    explanation: str
    generator: str
    answer: float | None = None
    tolerance: float | None = None
    decimals: int | None = None

    @property
    def correct_indices(self) -> tuple[int, ...]:
        """Return the indices of the right options (single and multiple choice)."""
        return tuple(i for i, option in enumerate(self.options) if option.correct)


def default_tolerance(decimals: int) -> float:
    """Return the tolerance implied by showing a value to `decimals` places (2 -> 0.005)."""
    return 0.5 * 10.0 ** (-decimals)
