"""Lesson prose -> safe HTML: [[ expressions ]] filled from the trace, Markdown, and its clean-up.

Lesson and data text are data, never Jinja templates: the body binds to the trace only through
``[[ expr | fmt ]]`` (tracegen.expressions), and every value an expression inserts is escaped to
text. Escaping raw HTML is not enough on its own: Markdown itself makes links and images
(``[x](javascript:...)``) and, through attr_list, attributes (``{: onclick=... }``), and an
``allow_html`` lesson writes HTML. So all of it, the HTML Markdown makes from either kind of
lesson, goes through one allow-list cleaner (sanitize.py), and a page stays inert even where its
Content-Security-Policy is not enforced.

Markdown's parser recurses once per level of list or quote nesting and rescans open ``[``
brackets, so deep nesting is refused before it runs (a list 300 deep raised RecursionError,
20,000 open brackets ran for minutes).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from html import unescape
from html.parser import HTMLParser

import markdown

from tracegen.errors import SpecError
from tracegen.expressions import substitute_lesson
from tracegen.html.sanitize import Cleaned, clean
from tracegen.spec import LessonSpec
from tracegen.spec.directives import Directive, find_directives
from tracegen.trace import Trace

MARKDOWN_EXTENSIONS = ("tables", "fenced_code", "attr_list", "toc")
# Far beyond any lesson's need; well below where Markdown's recursion or bracket rescans cost.
MAX_MARKDOWN_NESTING = 32
# A line's block prefix: indentation (4 columns a level), ">" quote markers and list markers.
BLOCK_PREFIX = re.compile(r"(?:[ \t]+|>|(?:[-*+]|\d{1,9}[.)])(?=[ \t]))*")
BLOCK_MARKER = re.compile(r">|(?:[-*+]|\d{1,9}[.)])(?=[ \t])")
BRACKET = re.compile(r"\\.|[\[\]]")


def markdown_html(text: str, allow_html: bool = False) -> str:
    """Return lesson Markdown as HTML, not yet cleaned; raw HTML is escaped unless the lesson allows it."""
    md = markdown.Markdown(extensions=list(MARKDOWN_EXTENSIONS),
                           extension_configs={"toc": {"baselevel": 3, "slugify": _insight_slug},
                                              # align="..." instead of style="text-align: ...":
                                              # the cleaner allows no style attribute.
                                              "tables": {"use_align_attribute": True}})
    if not allow_html:
        # Without these two, python-markdown passes <tags> through untouched; without them
        # the text is escaped like any other character data.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
    return md.convert(text)


def render_markdown(text: str, allow_html: bool = False) -> Cleaned:
    """Return lesson Markdown as sanitized HTML; raw HTML is escaped unless the lesson allows it.

    Off-site links are removed from the HTML and listed in the result (insight_html refuses them).
    """
    return clean(markdown_html(text, allow_html))


def _insight_slug(value: str, separator: str) -> str:
    # Prefixed so lesson headings can never collide with the page's own section ids.
    words = re.sub(r"[^\w\s-]", "", value.lower()).split()
    return "insight" + separator + separator.join(words)


def too_deep_line(text: str) -> int | None:
    """Return the first line (1-based) of Markdown nested deeper than MAX_MARKDOWN_NESTING, or None.

    Counted in one pass: a line's quote and list markers plus its indentation in 4-column
    levels, and the ``[`` brackets open at once within a paragraph (a blank line ends one).
    """
    open_brackets = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            open_brackets = 0
            continue
        match = BLOCK_PREFIX.match(line)
        prefix = match.group(0) if match else ""
        markers = len(BLOCK_MARKER.findall(prefix)) if prefix.strip() else 0
        columns = prefix.count(" ") + 4 * prefix.count("\t")
        if markers + columns // 4 > MAX_MARKDOWN_NESTING:
            return number
        if "[" not in line and not open_brackets:
            continue
        for bracket in BRACKET.finditer(line):
            if bracket.group(0) == "[":
                open_brackets += 1
                if open_brackets > MAX_MARKDOWN_NESTING:
                    return number
            elif bracket.group(0) == "]":
                open_brackets = max(0, open_brackets - 1)
    return None


def insight_html(spec: LessonSpec, trace: Trace) -> str:
    """Return the lesson body's prose with its expressions filled from the trace, as sanitized HTML.

    The blocks its directives place are left out (the search index and word checks read this).
    """
    return prose_html(body_chunks(spec, trace))


def prose_html(chunks: Sequence[str | Directive]) -> str:
    """Return the prose of body_chunks' result, without the directives."""
    return "".join(chunk for chunk in chunks if isinstance(chunk, str))


def body_chunks(spec: LessonSpec, trace: Trace) -> tuple[str | Directive, ...]:
    """Return the lesson body in order: runs of prose as sanitized HTML, and the directives between them.

    The body is converted as one Markdown document (so heading ids stay unique and reference
    links work across directives), each directive standing in as a paragraph holding a token
    that no lesson text can spell (it contains a digest of the body); the HTML is cut at those
    paragraphs and each run cleaned on its own, so every run is balanced HTML. A bad expression,
    Markdown nested too deep, an off-site link or a directive that does not end up a top-level
    paragraph is a SpecError naming the lesson file and the line in that file.
    """
    directives = find_directives(spec.path, spec.body, spec.body_line)
    lines = spec.body.split("\n")
    seal = hashlib.sha256(spec.body.encode()).hexdigest()[:16]
    for number, directive in enumerate(directives):
        lines[directive.index] = f"tracegenblock{number}x{seal}"
    text = substitute_lesson(spec, trace, body="\n".join(lines))
    deep = too_deep_line(text)
    if deep is not None:
        raise SpecError(spec.path, "markdown", f"nested deeper than the limit of {MAX_MARKDOWN_NESTING} "
                        "levels (lists and quotes, or [ brackets open in one paragraph)",
                        line=spec.body_line + deep - 1)
    html = markdown_html(text, spec.allow_html)
    pieces = re.split(rf"<p>tracegenblock(\d+)x{seal}</p>", html)
    order = [int(number) for number in pieces[1::2]]
    if order != list(range(len(directives))):
        missing = next((d for number, d in enumerate(directives) if order.count(number) != 1), directives[0])
        raise SpecError(spec.path, "directive", f"{missing.text} must stand between paragraphs at the top "
                        "level of the body, not inside a list, a quote or HTML", line=missing.line)
    chunks: list[str | Directive] = []
    for index, piece in enumerate(pieces):
        if index % 2:
            chunks.append(directives[int(piece)])
            continue
        cleaned = clean(piece)
        if cleaned.off_site:
            raise SpecError(spec.path, "link", "links to an external URL; the site must work offline "
                            "with zero external requests, so write the address as `code` instead",
                            line=_line_of_url(spec, text, cleaned.off_site[0]))
        if cleaned.html.strip():
            chunks.append(cleaned.html)
    return tuple(chunks)


def _line_of_url(spec: LessonSpec, text: str, url: str) -> int | None:
    # The address as the cleaner read it (entities decoded), or its longest word, in the first
    # line of the lesson that holds it once that line's entities are decoded too.
    pieces = [url, max(re.split(r"[^\w.-]+", url), key=len)]
    lines = [unescape(line) for line in text.split("\n")]
    for piece in filter(None, pieces):
        for number, line in enumerate(lines):
            if piece in line:
                return spec.body_line + number
    return None


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """Return the text of an HTML fragment with whitespace collapsed (for the search index)."""
    parser = _TextOnly()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())
