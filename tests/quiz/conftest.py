"""Fixtures of the quiz tests: every lesson's questions over many seeds."""

from __future__ import annotations

import pytest

from tests import quiz_oracles as oracles
from tracegen import quiz

CASES = [(name, seed) for name in oracles.LESSON_NAMES for seed in oracles.SEEDS]


@pytest.fixture(scope="session")
def quizzes():
    """Every lesson's questions at 20 seeds (reduced epochs), keyed by (lesson, seed), with the trace."""
    result = {}
    for name, seed in CASES:
        spec, trace = oracles.lesson_trace(name, seed)
        result[name, seed] = (trace, quiz.make_questions(spec, trace))
    return result
