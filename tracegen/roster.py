"""A class roster: each learner gets a retake of every lesson of their own, stable as the roster grows.

The roster is a CSV with a `learner` column (a name, an e-mail or a student number) and, optionally,
a `variant` column. Learners keep the variant they were given before: the one in the roster's
`variant` column, else the one in the table tracegen wrote beside the roster last time
(`<roster>-variants.csv`). Everyone else gets the lowest unused variant, in roster order. So adding
learners, reordering the roster, or feeding the written table back never moves anyone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tracegen.errors import UsageError
from tracegen.site.runs import MAX_VARIANTS

LEARNER, VARIANT = "learner", "variant"
# Names and ids longer than this are not a roster (a wrong file): refuse rather than echo it back.
MAX_LEARNER = 200
# One retake each, and a lesson has at most MAX_VARIANTS retakes.
MAX_LEARNERS = MAX_VARIANTS
# A cell starting with one of these is a formula to a spreadsheet, and the teacher's table is opened in one.
FORMULA_START = "=+-@"


@dataclass(frozen=True)
class Assignment:
    """One learner and the retake number (1, 2, ...) they study."""

    learner: str
    variant: int


def assigned_table(roster: Path) -> Path:
    """Return where the learner -> variant table for `roster` is written (and read back next time)."""
    return roster.with_name(f"{roster.stem}-variants.csv")


def load_roster(path: Path) -> list[tuple[str, int | None]]:
    """Return (learner, variant or None) per row of a roster CSV; one error line for anything malformed."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(path, "learners", "is not UTF-8 text; save the roster as UTF-8 CSV") from None
    except OSError as exc:
        raise UsageError(path, "learners", f"cannot read the roster: {exc.strerror}") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or LEARNER not in [name.strip() for name in rows[0]]:
        raise UsageError(path, "learners", f"the first line must name the columns, one of them '{LEARNER}'")
    header = [name.strip() for name in rows[0]]
    column, variant_column = header.index(LEARNER), header.index(VARIANT) if VARIANT in header else None
    if len(rows) - 1 > MAX_LEARNERS:
        raise UsageError(path, "learners", f"{len(rows) - 1} learners; at most {MAX_LEARNERS}")
    result: list[tuple[str, int | None]] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        learner = row[column].strip() if column < len(row) else ""
        if not learner or len(learner) > MAX_LEARNER or not learner.isprintable():
            raise UsageError(f"{path}:{line}", LEARNER, f"expected a name or id of 1-{MAX_LEARNER} printable "
                             "characters")
        if learner[0] in FORMULA_START:
            raise UsageError(f"{path}:{line}", LEARNER, f"starts with {learner[0]!r}, which a spreadsheet "
                             "would run as a formula")
        if learner in seen:
            raise UsageError(f"{path}:{line}", LEARNER, f"listed twice (first on line {seen[learner]})")
        seen[learner] = line
        cell = row[variant_column].strip() if variant_column is not None and variant_column < len(row) else ""
        if cell and not (cell.isascii() and cell.isdigit() and 0 < int(cell) <= MAX_LEARNERS):
            raise UsageError(f"{path}:{line}", VARIANT, f"expected a retake number 1-{MAX_LEARNERS}, got {cell!r}")
        result.append((learner, int(cell) if cell else None))
    if not result:
        raise UsageError(path, "learners", "lists no learners")
    return result


def assign(rows: Sequence[tuple[str, int | None]], previous: dict[str, int]) -> list[Assignment]:
    """Return each learner's variant: their own, else their previous one, else the lowest unused one."""
    wanted = [(learner, variant if variant is not None else previous.get(learner)) for learner, variant in rows]
    taken: dict[int, str] = {}
    for learner, variant in wanted:
        if variant is not None:
            if variant in taken:
                raise UsageError("--learners", VARIANT, f"retake {variant} is given to both {taken[variant]!r} "
                                 f"and {learner!r}")
            taken[variant] = learner
    free = (number for number in range(1, len(wanted) + len(taken) + 2) if number not in taken)
    return [Assignment(learner, variant if variant is not None else next(free)) for learner, variant in wanted]


def previous_assignments(roster: Path) -> dict[str, int]:
    """Return the assignment tracegen wrote beside `roster` last time (empty when there is none)."""
    table = assigned_table(roster)
    if not table.is_file():
        return {}
    return {learner: variant for learner, variant in load_roster(table) if variant is not None}


def learners_table(assignments: Sequence[Assignment], lessons: Sequence[str]) -> str:
    """Return the teacher's CSV: learner, variant and, per lesson, the page's path within the site."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([LEARNER, VARIANT, *lessons])
    for a in assignments:
        writer.writerow([a.learner, a.variant, *(f"{lesson}/v{a.variant}/index.html" for lesson in lessons)])
    return buffer.getvalue()
