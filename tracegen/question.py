"""Old home of the Question records; they live in tracegen.quiz.question now."""

from tracegen.quiz.question import KINDS, Option, Question, default_tolerance  # noqa: F401  # SHIM: removed at merge
