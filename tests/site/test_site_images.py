"""site/images.py: a lesson's local images are copied beside each of its pages, where the <img src> finds them."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import pytest

from tests.conftest import write_tiny_lesson
from tracegen.cli import main
from tracegen.errors import SpecError
from tracegen.site import images
from tracegen.spec import load_lesson


def png_bytes() -> bytes:
    """Return a valid 1x1 grey PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x80")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def test_a_local_image_is_copied_next_to_every_page_and_its_src_resolves(tmp_path, capsys):
    """![](img/dot.png) in the body: the built page's <img src> names a file that is in the site, byte for byte."""
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "dot.png").write_bytes(png_bytes())
    lesson = write_tiny_lesson(tmp_path, body="Intro.\n\n![a dot](img/dot.png)\n")
    out = tmp_path / "out"
    assert main(["build", str(lesson), "--out", str(out), "--reproducible", "--variants", "1"]) == 0, \
        capsys.readouterr().err
    for page in (out / "lesson" / "index.html", out / "lesson" / "v1" / "index.html"):
        sources = re.findall(r'<img alt="a dot" src="([^"]+)">', page.read_text(encoding="utf-8"))
        assert sources == ["img/dot.png"]
        assert (page.parent / sources[0]).read_bytes() == png_bytes()


@pytest.mark.parametrize(("body", "files", "message"), [
    ("![](missing.png)\n", {}, r"image: 'missing.png' not found"),
    ("![](../up.png)\n", {}, r"image: '../up.png' lies outside the lesson's folder"),
    ("![](notes.txt)\n", {"notes.txt": b"text"}, r"image: 'notes.txt' is not an image a page can show"),
    ("![](fake.png)\n", {"fake.png": b"GIF89a..."}, r"image: 'fake.png' is not a PNG image"),
])
def test_a_bad_image_is_one_error_naming_the_line(tmp_path, body, files, message):
    """Missing, escaping, non-image or mislabelled: one SpecError on the body line that shows it."""
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    spec = load_lesson(write_tiny_lesson(tmp_path, body="Intro.\n\n" + body))
    source = body[body.index("(") + 1:body.index(")")]
    html = f'<p><img alt="" src="{source}"></p>'
    with pytest.raises(SpecError, match=message) as caught:
        images.lesson_images(spec, html)
    assert caught.value.line == spec.body_line + 2


def test_a_symbolic_link_out_of_the_lesson_folder_is_refused(tmp_path):
    """A link inside the folder that points outside it is not followed into the site."""
    (tmp_path / "outside.png").write_bytes(png_bytes())
    folder = tmp_path / "lessons"
    folder.mkdir()
    Path(folder / "pic.png").symlink_to(tmp_path / "outside.png")
    spec = load_lesson(write_tiny_lesson(folder, body="![](pic.png)\n"))
    with pytest.raises(SpecError, match="outside the lesson's folder"):
        images.lesson_images(spec, '<img src="pic.png">')
