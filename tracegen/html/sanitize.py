"""The one rule for what lesson HTML may contain: an allow-list, applied by nh3 (the ammonia sanitizer).

Everything a lesson's prose turns into passes through `clean`: the HTML Markdown makes, the raw
HTML of an ``allow_html = true`` lesson, and the values ``[[ expressions ]]`` insert (escaped to
text first, then part of that HTML). An allow-list, not a block-list: a tag or attribute not
named below is removed, so a browser feature added next year cannot open a hole. nh3 parses
with html5ever, the HTML5 algorithm browsers use, so what it keeps is what a browser would see;
entity spellings (``&#104;ttps:``) and broken markup are decoded before any rule looks at them.

Addresses are read with urllib.parse, never matched as strings. A page makes no request outside
the site, so an address with a fetching scheme (http, https, ftp, ws) or naming a host is an
off-site link: it is removed here and reported, and prose.py refuses the lesson. Other schemes
(``javascript:``, ``data:``, ``vbscript:``, ``file:``) are removed; relative paths, ``#fragments``
and ``mailto:`` stay.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

import nh3

# Prose and its structure: what Markdown makes, and the inline tags a lesson author may want.
# No script, style, iframe, object, embed, form or input, no base, meta or link, no svg or math.
ALLOWED_TAGS = frozenset({
    "a", "abbr", "aside", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "dfn",
    "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong",
    "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
})
# No on* handler, no style (CSS can fetch through url()), no name (it would shadow page globals),
# no target, srcset, ping, action or formaction. Only a href and img src carry an address.
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "lang", "title"},
    "a": {"href"},
    "img": {"alt", "height", "src", "width"},
    "details": {"open"},
    "ol": {"start"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
}
URL_ATTRIBUTES = frozenset({("a", "href"), ("img", "src")})
# Removed with everything inside them, not just the tags: their text is code, not prose.
REMOVED_WITH_CONTENT = frozenset({
    "script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math",
    "textarea", "select",
})
# Every id a lesson sets starts with this, as its heading ids do (prose.py), so none can clash
# with the page's own ids or shadow a global such as window.TRACEGEN_SEARCH.
ID_PREFIX = "insight-"
# Schemes that fetch from a host: an address using one is off-site even without "//".
OFF_SITE_SCHEMES = frozenset({"http", "https", "ftp", "ftps", "ws", "wss"})
# Schemes nh3 lets through to the address rule below; it removes every other scheme itself.
SCHEMES_SEEN = OFF_SITE_SCHEMES | {"mailto"}
# Browsers drop tabs and newlines anywhere in an address and spaces and control characters at
# its ends, and read a backslash as a slash ("/\\host" is "//host"): read it the way they do.
IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f]")


@dataclass(frozen=True)
class Cleaned:
    """Sanitized HTML, and the off-site addresses that were removed from it (in document order)."""

    html: str
    off_site: tuple[str, ...]


def url_verdict(value: str) -> str:
    """Return "keep", "off-site" or "remove" for an address, read as a browser reads it.

    Kept: relative paths, ``#fragments`` and ``mailto:``. Off-site: a fetching scheme or a host
    (``//host``, ``https:host``, ``https://host``, ``wss://host``). Removed: every other scheme.
    """
    normalised = IGNORED_IN_URL.sub("", value).replace("\\", "/")
    try:
        parts = urllib.parse.urlsplit(normalised)
    except ValueError:  # an invalid IPv6 host such as "//[x": refused, never guessed at
        return "off-site"
    if parts.scheme == "mailto":
        return "keep"
    if parts.netloc or parts.scheme in OFF_SITE_SCHEMES or normalised.startswith("//"):
        return "off-site"
    return "remove" if parts.scheme else "keep"


def clean(html: str) -> Cleaned:
    """Return `html` with only the allow-listed tags, attributes and addresses left in it."""
    off_site: list[str] = []

    def keep_attribute(tag: str, attribute: str, value: str) -> str | None:
        if tag not in ALLOWED_TAGS:
            return None
        if (tag, attribute) not in URL_ATTRIBUTES:
            return value
        verdict = url_verdict(value)
        if verdict == "off-site":
            off_site.append(value)
        return value if verdict == "keep" else None

    # One cleaner per call: keep_attribute collects this fragment's off-site addresses.
    cleaner = nh3.Cleaner(
        tags=set(ALLOWED_TAGS), clean_content_tags=set(REMOVED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=keep_attribute, url_schemes=set(SCHEMES_SEEN), id_prefix=ID_PREFIX,
        # rel="noopener" guards links to other sites, and there are none; adding it would only
        # change the bytes of every page with a link.
        link_rel=None, strip_comments=True,
    )
    return Cleaned(cleaner.clean(html), tuple(off_site))
