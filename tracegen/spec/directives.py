"""Block directives in a lesson body: ``[[ figure pr_curve ]]`` places one block of the trace there.

A directive is a paragraph of its own (a blank line, or the start or end of the body, on both
sides), outside fenced code. It is read here, before ``[[ expressions ]]`` are filled in, since
it is not an expression. What can be checked from the lesson file alone is checked when the
lesson is loaded (an unknown name, a name under the wrong kind, a block placed twice, a
directive inside a paragraph); whether the lesson's trace has the block (the thresholds table is
binary-only) is checked when the page is made (tracegen.html.blocks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tracegen.errors import SpecError

# Every block a lesson page can show, by the kind a directive names it with. The page records
# behind each name, and what a trace needs to have it, are in tracegen.html.blocks.
DIRECTIVE_NAMES: dict[str, tuple[str, ...]] = {
    "figure": ("loss_chart", "pr_curve", "roc_curve", "confusion_matrix", "prediction", "tuned_threshold",
               "samples", "weights", "reliability"),
    "table": ("data_flow", "epochs", "metrics", "per_class", "thresholds", "report", "normalized_confusion",
              "by_feature", "snapshots", "cost_thresholds", "compared_runs", "robust_metrics",
              "pr_areas"),
    "explorer": ("threshold",),
}
# A whole line that is a directive. Not indented: indented, it could sit inside a list item.
DIRECTIVE_LINE = re.compile(r"\[\[[ \t]*(figure|table|explorer)[ \t]+([^\s\]]+)[ \t]*\]\][ \t]*")
# The same anywhere in a line: a directive written inside a paragraph, refused with a clear line.
DIRECTIVE_ANYWHERE = re.compile(r"\[\[[ \t]*(figure|table|explorer)[ \t]+([^\s\]]+)[ \t]*\]\]")
OWN_PARAGRAPH = ("must be a paragraph of its own: alone on its line, not indented, with a blank line "
                 "before and after it")
FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class Directive:
    """One placed block: its kind and name, and where it is (index into the body's lines, line in the file)."""

    kind: str
    name: str
    index: int
    line: int

    @property
    def text(self) -> str:
        """Return the directive as an author writes it, for error lines."""
        return f"[[ {self.kind} {self.name} ]]"


def find_directives(path: Path, body: str, body_line: int) -> tuple[Directive, ...]:
    """Return the body's directives in order; a misplaced, unknown or repeated one is a SpecError."""
    lines = body.split("\n")
    found: list[Directive] = []
    fence = ""
    for index, line in enumerate(lines):
        opening = FENCE.match(line)
        if fence:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence) \
                    and not line.strip().strip(fence[0]):
                fence = ""
            continue
        if opening:
            fence = opening.group(1)
            continue
        whole = DIRECTIVE_LINE.fullmatch(line.rstrip("\r"))
        if whole is None:
            inline = DIRECTIVE_ANYWHERE.search(line)
            if inline:
                text = f"[[ {inline.group(1)} {inline.group(2)} ]]"
                raise SpecError(path, "directive", f"{text} {OWN_PARAGRAPH}", line=body_line + index)
            continue
        directive = Directive(whole.group(1), whole.group(2), index, body_line + index)
        before = lines[index - 1] if index else ""
        after = lines[index + 1] if index + 1 < len(lines) else ""
        alone = not before.strip() and not after.strip()
        if not alone:
            raise SpecError(path, "directive", f"{directive.text} {OWN_PARAGRAPH}", line=directive.line)
        _check_name(path, directive)
        first = next((d for d in found if d.kind == directive.kind and d.name == directive.name), None)
        if first is not None:
            raise SpecError(path, "directive", f"{directive.text} is placed twice (first at line {first.line}); "
                            "each block appears once on a page", line=directive.line)
        found.append(directive)
    return tuple(found)


def _check_name(path: Path, directive: Directive) -> None:
    names = DIRECTIVE_NAMES[directive.kind]
    if directive.name in names:
        return
    other = next((kind for kind, known in DIRECTIVE_NAMES.items() if directive.name in known), None)
    if other is not None:
        message = f"{directive.name} is a {other}, not a {directive.kind}: write [[ {other} {directive.name} ]]"
    else:
        message = f"unknown {directive.kind} {directive.name!r}; {directive.kind} names: {', '.join(names)}"
    raise SpecError(path, "directive", f"{directive.text}: {message}", line=directive.line)
