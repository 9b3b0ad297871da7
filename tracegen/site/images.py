"""Local images a lesson shows (``![a chart](pic.png)``): checked, then copied into the site next to its pages.

An image's address is read from the lesson's sanitized HTML (so only an <img> a page really
shows is copied), relative to the lesson file's folder, and copied to the same relative path
beside each page of the lesson, so the page's own src finds it. One line, naming the lesson and
the line, for an image that is missing, is not a PNG, JPEG, GIF or WebP file, or lies outside
the lesson's folder; the site is only written once every page and image is ready.
"""

from __future__ import annotations

import posixpath
import re
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

from tracegen.errors import SpecError
from tracegen.files import open_regular
from tracegen.spec import LessonSpec

# The first bytes of each kind of image a page may show, by file suffix. No SVG: opened on its
# own from the site, an SVG file can run script.
SIGNATURES = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
}
# Far above a lesson figure's size; a page is read offline, and a site should stay copyable.
MAX_IMAGE_BYTES = 5 * 2**20
# Addresses in a lesson body that may name an image (Markdown's ](...) and HTML's src=), for the
# site's up-to-date key: a superset is fine there, since only files that exist are hashed.
ADDRESS = re.compile(r"\]\(\s*<?([^)\s>]+)|src\s*=\s*[\"']?([^\"'\s>]+)")


class _ImageSources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources += [value for name, value in attrs if name == "src" and value]


def image_sources(html: str) -> tuple[str, ...]:
    """Return the src of every <img> in an HTML fragment, in order, each once."""
    parser = _ImageSources()
    parser.feed(html)
    return tuple(dict.fromkeys(parser.sources))


def lesson_images(spec: LessonSpec, html: str) -> dict[str, bytes]:
    """Return the local images the lesson's HTML shows: path relative to its page -> bytes (SpecError if bad)."""
    images: dict[str, bytes] = {}
    for source in image_sources(html):
        parts = urllib.parse.urlsplit(source)
        path = urllib.parse.unquote(parts.path)
        if parts.scheme or parts.netloc or not path:
            continue  # the sanitizer removed every other address; a bare #fragment names no file
        relative = posixpath.normpath(path)
        images[relative] = _read_image(spec, source, relative)
    return images


def _read_image(spec: LessonSpec, source: str, relative: str) -> bytes:
    def fail(message: str) -> SpecError:
        return SpecError(spec.path, "image", f"{source!r} {message}", line=_line_of(spec, source))

    folder = spec.path.parent
    if relative.startswith(("/", "../")) or relative == ".." or "\\" in relative:
        raise fail("lies outside the lesson's folder; put the image in that folder (or below it)")
    suffix = posixpath.splitext(relative)[1].lower()
    if suffix not in SIGNATURES:
        raise fail(f"is not an image a page can show; use {', '.join(SIGNATURES)}")
    path = folder / relative
    try:
        if not path.resolve().is_relative_to(folder.resolve()):
            raise fail("lies outside the lesson's folder (through a symbolic link); copy the image there")
        with open_regular(path, MAX_IMAGE_BYTES) as handle:
            data = handle.read(MAX_IMAGE_BYTES + 1)
    except FileNotFoundError:
        raise fail("not found (an image's path is read from the lesson file's folder)") from None
    except IsADirectoryError:
        raise fail("is a folder, not an image file") from None
    except (OSError, RuntimeError) as exc:
        raise fail(f"cannot be read: {getattr(exc, 'strerror', None) or exc}") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise fail(f"is over the {MAX_IMAGE_BYTES} bytes an image may have")
    if not data.startswith(SIGNATURES[suffix]) or (suffix == ".webp" and data[8:12] != b"WEBP"):
        raise fail(f"is not a {suffix[1:].upper()} image (its bytes do not start as one does)")
    return data


def _line_of(spec: LessonSpec, source: str) -> int | None:
    for number, line in enumerate(spec.body.split("\n")):
        if source in line or urllib.parse.unquote(source) in line:
            return spec.body_line + number
    return None


def referenced_files(spec: LessonSpec) -> tuple[Path, ...]:
    """Return the files beside the lesson its body may show as images (for the site's up-to-date key)."""
    found = []
    for match in ADDRESS.finditer(spec.body):
        address = urllib.parse.unquote(urllib.parse.urlsplit(match.group(1) or match.group(2)).path)
        if posixpath.splitext(address)[1].lower() in SIGNATURES:
            found.append(spec.path.parent / address)
    return tuple(dict.fromkeys(found))
