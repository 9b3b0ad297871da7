"""Lesson prose -> safe HTML: [[ expressions ]] filled from the trace, Markdown, and its clean-up.

Lesson and data text are data, never Jinja templates: the body binds to the trace only through
``[[ expr | fmt ]]`` (tracegen.expressions). Escaping raw HTML is not enough on its own:
Markdown itself makes links and images (``[x](javascript:...)``) and, through attr_list,
attributes (``{: onclick=... }``). The SafeAttributes tree processor runs after every other one
and removes what could run script, so a page stays inert even where its Content-Security-Policy
is not enforced.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from xml.etree.ElementTree import Element

import markdown
from markdown.treeprocessors import Treeprocessor

from tracegen.errors import SpecError
from tracegen.expressions import ExpressionError, substitute
from tracegen.spec import LessonSpec
from tracegen.trace import Trace

MARKDOWN_EXTENSIONS = ("tables", "fenced_code", "attr_list", "toc")
EXTERNAL_URL = re.compile(r"""(?:href|src)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
# Schemes a link or image may use; anything else with a scheme (javascript:, data:, vbscript:) goes.
SAFE_SCHEMES = ("http", "https", "mailto")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href")
SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
# Browsers skip ASCII whitespace and control characters inside a scheme ("java\tscript:").
IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]")


def render_markdown(text: str, allow_html: bool = False) -> str:
    """Return lesson Markdown as HTML; raw HTML is escaped unless the lesson allows it."""
    md = markdown.Markdown(extensions=list(MARKDOWN_EXTENSIONS),
                           extension_configs={"toc": {"baselevel": 3, "slugify": _insight_slug}})
    if not allow_html:
        # Without these two, python-markdown passes <tags> through untouched; without them
        # the text is escaped like any other character data.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
    # Markdown's own links, images and {: attributes } could still carry javascript: or onclick=.
    add_safe_attributes(md)
    return md.convert(text)


def _insight_slug(value: str, separator: str) -> str:
    # Prefixed so lesson headings can never collide with the page's own section ids.
    words = re.sub(r"[^\w\s-]", "", value.lower()).split()
    return "insight" + separator + separator.join(words)


def insight_html(spec: LessonSpec, trace: Trace) -> str:
    """Return the lesson body with its expressions filled from the trace, as HTML.

    A bad expression is a SpecError naming the lesson file and the line in that file.
    """
    try:
        text = substitute(spec.body, trace, escape=not spec.allow_html)
    except ExpressionError as exc:
        line = spec.body_line + getattr(exc, "line", 1) - 1
        raise SpecError(spec.path, "expression", str(exc), line=line) from None
    html = render_markdown(text, spec.allow_html)
    external = EXTERNAL_URL.search(html)
    if external:
        raise SpecError(spec.path, "link", "links to an external URL; the site must work offline "
                        "with zero external requests, so write the address as `code` instead",
                        line=_line_of_url(spec, html[external.end():]))
    return html


def _line_of_url(spec: LessonSpec, after: str) -> int | None:
    host = re.match(r"[^\s\"'<>]+", after)
    if host is None:
        return None
    offset = spec.body.find(host.group(0))
    return None if offset < 0 else spec.body_line + spec.body.count("\n", 0, offset)


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


# --- clean-up: no event-handler attributes and no script URLs, whatever a lesson writes ------

def is_safe_url(value: str) -> bool:
    """Return True when a link or image address cannot run script (relative, #anchor or a safe scheme)."""
    text = unescape(value.replace(markdown.util.AMP_SUBSTITUTE, "&"))
    match = SCHEME.match(IGNORED_IN_SCHEME.sub("", text).lower())
    return match is None or match.group(1) in SAFE_SCHEMES


class SafeAttributes(Treeprocessor):
    """Drop on* attributes, and href/src attributes whose address could run script."""

    def run(self, root: Element) -> None:
        for element in root.iter():
            for name in list(element.attrib):
                lowered = name.lower()
                if lowered.startswith("on") or (lowered in URL_ATTRIBUTES and not is_safe_url(element.attrib[name])):
                    del element.attrib[name]


def add_safe_attributes(md: markdown.Markdown) -> None:
    """Add the clean-up to a Markdown instance, after every other tree processor."""
    md.treeprocessors.register(SafeAttributes(md), "tracegen_safe_attributes", -100)
