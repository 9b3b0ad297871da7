"""html/sanitize.py: the one allow-list lesson HTML passes through, and the address rule."""

from __future__ import annotations

from html.parser import HTMLParser

import markdown
import pytest

from tracegen.html import sanitize


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text outside tags."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def parsed(html: str) -> Tags:
    """Parse a fragment."""
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser


@pytest.mark.parametrize("url", ["page.html", "../index.html", "#quiz", "?tab=2", "", "a/b.png",
                                 "mailto:a@b.c", "MAILTO:a@b.c"])
def test_relative_fragment_and_mailto_addresses_are_kept(url):
    """Addresses that stay on the site (or open a mail program) are kept."""
    assert sanitize.url_verdict(url) == "keep"


@pytest.mark.parametrize("url", [
    "https://evil.example/", "HTTP://evil.example", "https:evil.example", "http:page.html", "//evil.example",
    "///evil.example", "\\\\evil.example", "/\\evil.example", " https://evil.example", "ht\ttps://evil.example",
    "h\nttps://evil.example", "\x00https://evil.example", "ftp://evil.example/", "//[broken", "http://127.0.0.1/",
    "wss://evil.example/", "ftp:evil.example",
])
def test_addresses_naming_another_host_are_off_site(url):
    """However it is spelled, an address a browser would send to another host is off-site."""
    assert sanitize.url_verdict(url) == "off-site"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
                                 "\x01javascript:alert(1)", "data:text/html,<script>", "vbscript:msgbox",
                                 "file:///etc/passwd"])
def test_other_schemes_are_removed(url):
    """Script and data schemes, and local files, are removed."""
    assert sanitize.url_verdict(url) == "remove"


PAYLOADS = [
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)" onclick="alert(2)">x</a>',
    '<iframe src="page.html"></iframe><iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<script>alert(1)</script>",
    '<meta http-equiv="refresh" content="0;url=page.html">',
    '<base href="../">',
    '<form action="page.html"><input name="q" autofocus onfocus="alert(1)"><button formaction="x">go</button></form>',
    '<svg onload="alert(1)"><circle r="4"></circle></svg>',
    '<p style="background:url(x.png)">styled</p><style>p { background: url(y.png) }</style>',
    '<object data="x.swf"></object><embed src="x.swf"><link rel="stylesheet" href="x.css">',
    '<details open ontoggle="alert(1)"><summary>s</summary>d</details>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>',
    "<!--><script>alert(1)</script>-->",
    '<img src="x.png" srcset="y.png 2x" name="TRACEGEN_SEARCH"><p ping="x" target="_top" id="quiz-data">p</p>',
    '<template><script>alert(1)</script></template><noscript><img src=x onerror=alert(1)></noscript>',
    '<a href="page.html" rel="opener" target="_blank">ok</a><textarea><script>alert(1)</script></textarea>',
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_only_allow_listed_tags_attributes_and_addresses_remain(payload):
    """After cleaning, every tag and attribute is on the allow-list, every address is kept, no script text shows."""
    cleaned = sanitize.clean(payload)
    found = parsed(cleaned.html)
    for tag, attributes in found.tags:
        assert tag in sanitize.ALLOWED_TAGS, cleaned.html
        allowed = sanitize.ALLOWED_ATTRIBUTES["*"] | sanitize.ALLOWED_ATTRIBUTES.get(tag, set())
        assert set(attributes) <= allowed, cleaned.html
        for name, value in attributes.items():
            if (tag, name) in sanitize.URL_ATTRIBUTES:
                assert sanitize.url_verdict(value or "") == "keep", cleaned.html
            if name == "id":
                assert (value or "").startswith(sanitize.ID_PREFIX), cleaned.html
    assert "alert" not in "".join(found.text), cleaned.html
    assert cleaned.off_site == ()


def test_off_site_addresses_are_removed_and_reported_in_order():
    """Off-site addresses in kept attributes are listed, entities decoded, and none stays in the HTML."""
    cleaned = sanitize.clean('<a href="&#104;ttps://one.example/">1</a> <img src="//two.example/p.png" alt="2">'
                             ' <a href="page.html">3</a> <a href="FTP://four.example/">4</a>')
    assert cleaned.off_site == ("https://one.example/", "//two.example/p.png", "FTP://four.example/")
    assert cleaned.html == '<a>1</a> <img alt="2"> <a href="page.html">3</a> <a>4</a>'


def test_lesson_ids_cannot_shadow_the_page():
    """Every id gets the lesson prefix (heading ids already have it), so none equals a page id or global."""
    cleaned = sanitize.clean('<p id="TRACEGEN_SEARCH">a</p><h3 id="insight-why">b</h3>')
    assert cleaned.html == '<p id="insight-TRACEGEN_SEARCH">a</p><h3 id="insight-why">b</h3>'


def test_harmless_markdown_output_is_unchanged_byte_for_byte():
    """What Markdown makes of ordinary prose passes through exactly, so existing pages keep their bytes."""
    text = ("# Title {: #top .lead }\n\nSome *em*, **strong**, `code <b>` & a [link](page.html#x \"t\"), "
            "[mail](mailto:a@b.c).\n\n> quoted\n\n1. one\n2. two\n    - nested\n\n"
            "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```python\nx = [[1, 2], {'k': 3}]\n```\n")
    html = markdown.markdown(text, extensions=["tables", "fenced_code", "attr_list"],
                             extension_configs={"tables": {"use_align_attribute": True}})
    html = html.replace('id="top"', 'id="insight-top"')
    assert 'align="left"' in html and "<blockquote>" in html and "&amp;" in html and "&lt;b&gt;" in html
    assert sanitize.clean(html).html == html
    # The one normalisation ordinary prose can meet: html5ever writes a quote in text as itself.
    assert sanitize.clean("<pre><code>&quot;q&quot; &#x27;</code></pre>").html == "<pre><code>\"q\" '</code></pre>"
