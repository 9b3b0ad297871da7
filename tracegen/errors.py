"""All errors tracegen reports to users are defined here.

The CLI catches ``TracegenError`` and prints ``tracegen: error: <file>: <field>: <message>``
with exit code 2. Any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations


class TracegenError(Exception):
    """A problem with user input: a lesson, a data file, an option or an output path."""

    def __init__(self, file: object, field: str, message: str, line: int | None = None):
        self.file = str(file)
        self.field = field
        self.message = message
        self.line = line
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """Return the error as the single line the CLI prints."""
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        parts = [where, self.field, self.message] if self.field else [where, self.message]
        return ": ".join(parts)


class SpecError(TracegenError):
    """The lesson file is malformed or declares something impossible."""


class DataError(TracegenError):
    """The data named by a lesson cannot be loaded or used."""


class OutputError(TracegenError):
    """The output path cannot be written."""


class UsageError(TracegenError):
    """A command-line option is missing or malformed."""


class AnswersError(TracegenError):
    """An answers file is malformed or does not fit the quiz."""
