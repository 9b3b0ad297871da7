"""Lesson Markdown clean-up: no event-handler attributes and no script URLs, whatever a lesson writes.

Escaping raw HTML is not enough on its own: Markdown itself makes links and images
(``[x](javascript:...)``) and, through attr_list, attributes (``{: onclick=... }``). This
tree processor runs after every other one and removes what could run script, so a page stays
inert even where its Content-Security-Policy is not enforced.
"""

from __future__ import annotations

import html
import re
from xml.etree.ElementTree import Element

import markdown
from markdown.treeprocessors import Treeprocessor

# Schemes a link or image may use; anything else with a scheme (javascript:, data:, vbscript:) goes.
SAFE_SCHEMES = ("http", "https", "mailto")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href")
SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
# Browsers skip ASCII whitespace and control characters inside a scheme ("java\tscript:").
IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]")


def is_safe_url(value: str) -> bool:
    """Return True when a link or image address cannot run script (relative, #anchor or a safe scheme)."""
    text = html.unescape(value.replace(markdown.util.AMP_SUBSTITUTE, "&"))
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


def register(md: markdown.Markdown) -> None:
    """Add the clean-up to a Markdown instance, after every other tree processor."""
    md.treeprocessors.register(SafeAttributes(md), "tracegen_safe_attributes", -100)
