"""All errors tracegen reports to users are defined here.

The CLI catches ``TracegenError`` and prints ``tracegen: error: <file>: <field>: <message>``
with exit code 2. Any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import re

# C0 and C1 control characters and the Unicode line and paragraph separators: each would end the
# one error line or let text (a key, a file name, a prompt) send escape codes to the terminal.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """Return `text` with each control character written as Python writes it in a repr (\\n, \\x1b)."""
    return CONTROL.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), text)


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
        return printable(": ".join(parts))


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
