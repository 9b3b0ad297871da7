"""Site assets: CSS and JS compaction, the static files and the marker every site holds."""

from __future__ import annotations

from tracegen.html.env import TEMPLATES_DIR
from tracegen.site import assets, write


def test_compact_css_keeps_strings_and_rules():
    """Whitespace, comments and each block's last semicolon go; quoted strings and selectors stay as written."""
    css = ('/* c */\na::before {\n  content: attr(x) ": ";\n  font: 600 1rem "Segoe UI", sans-serif;\n}\n'
           '.b  .c:hover { color : red }\n')
    assert assets.compact_css('p { content: ";}"; }') == 'p{content:";}"}\n'
    assert assets.compact_css(css) == ('a::before{content:attr(x) ": ";font:600 1rem "Segoe UI",sans-serif}'
                                       '.b .c:hover{color :red}\n')


def test_compact_js_drops_only_comment_lines_and_indentation():
    """Statements are untouched; whole-line comments and blank lines go."""
    js = "/* header\n   more */\n(function () {\n  // why\n  var a = \"// not a comment\";\n\n  return a;\n}());\n"
    assert assets.compact_js(js) == '(function () {\nvar a = "// not a comment";\nreturn a;\n}());\n'


def test_static_files_are_compacted_and_other_files_copied(tmp_path):
    """CSS and JS under static/ are compacted, anything else is copied byte for byte, keyed by site path."""
    static = tmp_path / "static"
    (static / "img").mkdir(parents=True)
    (static / "a.css").write_text("b {\n  color: red;\n}\n", encoding="utf-8")
    (static / "a.js").write_text("// c\nvar x = 1;\n", encoding="utf-8")
    (static / "img" / "icon.svg").write_bytes(b"<svg>\n  </svg>\n")
    assert assets.static_files(tmp_path) == {"static/a.css": b"b{color:red}\n", "static/a.js": b"var x = 1;\n",
                                             "static/img/icon.svg": b"<svg>\n  </svg>\n"}


def test_no_static_folder_means_no_static_files(tmp_path):
    """A templates folder without static/ adds no files."""
    assert assets.static_files(tmp_path) == {}


def test_site_frame_is_the_marker_and_the_static_files():
    """Every site holds the marker (so a later build may replace it) and tracegen's static files."""
    frame = assets.site_frame(TEMPLATES_DIR)
    assert frame[write.MARKER] == write.MARKER_TEXT.encode()
    assert set(frame) == {write.MARKER, *assets.static_files(TEMPLATES_DIR)}
    assert {"static/site.css", "static/site.js", "static/quiz.js"} <= set(frame)


def test_build_info_has_a_timestamp_unless_reproducible():
    """A reproducible build records no time; another records an ISO UTC timestamp to the second."""
    assert assets.build_info(True).built_at is None
    stamp = assets.build_info(False).built_at
    assert stamp is not None and stamp.endswith("+00:00") and len(stamp) == len("2026-01-01T00:00:00+00:00")
