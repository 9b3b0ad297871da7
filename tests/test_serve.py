"""tracegen serve: builds, serves on 127.0.0.1, rebuilds on a change, reloads served pages only, stops on SIGINT."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, write_tiny_lesson
from tests.test_browser import browser  # noqa: F401 - the fixture: Debian's chromium through Playwright
from tracegen import serve
from tracegen.cli import main
from tracegen.site.write import MARKER

HOOK = b'<script src="/__tracegen/reload.js"'


class Served:
    """`python -m tracegen serve --port 0` running in `course`, its output lines collected as they come."""

    def __init__(self, course: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen([sys.executable, "-m", "tracegen", "serve", "--port", "0", "--jobs", "1"],
                                        cwd=course, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
        self.out: list[str] = []
        self.err: list[str] = []
        self.readers = [threading.Thread(target=lambda s=stream, into=lines: into.extend(iter(s.readline, "")),
                                         daemon=True)
                        for stream, lines in ((self.process.stdout, self.out), (self.process.stderr, self.err))]
        for reader in self.readers:
            reader.start()
        self.port = 0

    def wait_until_serving(self) -> None:
        """Wait for the first build and the line with the URL; read the port off it."""
        url = self.wait_for(lambda: next((line for line in self.out if line.startswith("serving ")), None), 120)
        self.port = int(url.split(":")[2].split("/")[0])

    def wait_for(self, found, seconds: float):
        """Return found()'s first truthy value within `seconds`, else fail with what the server printed."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = found()
            if value:
                return value
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        pytest.fail(f"not within {seconds} s; stdout: {''.join(self.out)!r} stderr: {''.join(self.err)!r}")

    def finish(self) -> None:
        """Kill the server if it still runs; take its last lines and close its pipes."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for reader in self.readers:
            reader.join(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def get(self, path: str) -> tuple[int, bytes]:
        """GET `path` exactly as written (no client-side normalising of `..`); return (status, body)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()


@pytest.fixture
def course(tmp_path):
    """A course folder: one tiny lesson and a settings file with a title."""
    (tmp_path / "lessons").mkdir()
    write_tiny_lesson(tmp_path / "lessons", 'title = "First title"', name="tiny")
    (tmp_path / "tracegen.toml").write_text('title = "Served course"\n', encoding="utf-8")
    return tmp_path


def test_serve_builds_serves_rebuilds_and_stops(course):
    """The issue's bar: a change to a lesson shows in the served page within seconds; SIGINT stops it cleanly."""
    served = Served(course)
    try:
        served.wait_until_serving()
        lesson = course / "lessons" / "tiny.md"
        status, page = served.get("/tiny/")
        assert status == 200 and b"First title" in page and page.count(HOOK) == 1
        assert b'data-build="1"' in page
        # The hook lives in what is served only: the built files, and every static file, stay as `build` writes them.
        on_disk = (course / "site" / "tiny" / "index.html").read_bytes()
        assert b"__tracegen" not in on_disk and b"First title" in on_disk
        assert page.replace(page[page.index(HOOK):page.index(b"</script>", page.index(HOOK)) + 9], b"") == on_disk
        assert served.get("/static/site.css") == (200, (course / "site" / "static" / "site.css").read_bytes())
        assert served.get("/__tracegen/version.js") == (200, b"tracegenBuild(1);\n")

        # A lesson edit: the served page changes, with the trace from the cache (a title is not the pipeline).
        lesson.write_text(lesson.read_text(encoding="utf-8").replace("First title", "Second title"), encoding="utf-8")
        served.wait_for(lambda: b"Second title" in served.get("/tiny/")[1], 10)
        # The number moves once the build has returned, a moment after its files are swapped in.
        served.wait_for(lambda: served.get("/__tracegen/version.js") == (200, b"tracegenBuild(2);\n"), 5)
        assert any("0 run, 1 from cache" in line for line in served.err)

        # A settings edit rebuilds too: the course title is in every page's header.
        (course / "tracegen.toml").write_text('title = "Renamed course"\n', encoding="utf-8")
        served.wait_for(lambda: b"Renamed course" in served.get("/index.html")[1], 10)

        # A broken lesson: one error line, and the last good site goes on being served.
        lesson.write_text(lesson.read_text(encoding="utf-8").replace("epochs = 2", 'epochs = "two'), encoding="utf-8")
        error = served.wait_for(lambda: next((line for line in served.err if "error" in line), None), 10)
        assert error.startswith("tracegen: error: lessons/tiny.md:2: front matter: malformed TOML: ")
        status, page = served.get("/tiny/")
        assert status == 200 and b"Second title" in page
        assert served.get("/__tracegen/version.js") == (200, b"tracegenBuild(3);\n")  # no new build to reload

        # Nothing outside the site is served, however the path is spelled.
        (course / "secret.txt").write_text("outside the site\n", encoding="utf-8")
        for path in ("/../secret.txt", "/../../etc/passwd", "/%2e%2e/secret.txt", "/%2E%2E/%2E%2E/etc/passwd",
                     "/..%2fsecret.txt", "/static/..%2f..%2fsecret.txt", "/..%5csecret.txt", "/%252e%252e/secret.txt",
                     "/static/%00", "//etc/passwd"):
            status, body = served.get(path)
            assert status == 404 and b"outside" not in body and b"root:" not in body, path
        assert served.get("/tiny")[0] == 301  # a folder without its slash: redirected, so relative links work

        served.process.send_signal(signal.SIGINT)
        assert served.process.wait(timeout=20) == 0
    finally:
        served.finish()
    assert served.out[-1] == "stopped\n"
    assert not any("Traceback" in line for line in served.err), served.err
    assert [line for line in served.err if "error" in line] == [error]


def test_an_open_page_reloads_itself_under_its_csp(course, browser):  # noqa: F811 - the imported fixture
    """In a real browser: the served page shows the new title after an edit, by itself, with no CSP complaint."""
    served = Served(course)
    try:
        served.wait_until_serving()
        page = browser.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.goto(f"http://127.0.0.1:{served.port}/tiny/")
        assert page.title().startswith("First title")
        lesson = course / "lessons" / "tiny.md"
        lesson.write_text(lesson.read_text(encoding="utf-8").replace("First title", "Second title"), encoding="utf-8")
        deadline = time.monotonic() + 15
        while not page.title().startswith("Second title") and time.monotonic() < deadline:
            page.wait_for_timeout(100)  # not wait_for_function: it evaluates a string, which the CSP forbids
        assert page.title().startswith("Second title")
        assert console == []
        page.close()
    finally:
        served.finish()


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    """Nothing is built when the port cannot be had."""
    monkeypatch.chdir(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    assert capsys.readouterr().err == (f"tracegen: error: 127.0.0.1:{port}: serve: port in use; give another "
                                       "--port, or --port 0 for a free one\n")
    assert not (tmp_path / "site").exists()


def test_site_file_stays_inside_the_site(tmp_path):
    """Requests map to regular files under the root; a folder to its index.html; a link out of it to nothing."""
    root = tmp_path / "site"
    (root / "a").mkdir(parents=True)
    (root / "index.html").write_text("top", encoding="utf-8")
    (root / "a" / "index.html").write_text("a", encoding="utf-8")
    (tmp_path / "outside.txt").write_text("no", encoding="utf-8")
    os.symlink(tmp_path / "outside.txt", root / "link.txt")
    assert serve.site_file(root, "/") == (root / "index.html").resolve()
    assert serve.site_file(root, "/a?x=1#y") == (root / "a" / "index.html").resolve()
    for path in ("/link.txt", "/../outside.txt", "/a/%2e%2e/%2e%2e/outside.txt", "/missing.html", "/a\\..\\x"):
        assert serve.site_file(root, path) is None, path


def test_reload_hook_goes_before_head_end():
    """One tag before </head>; a page without one gets it at its end."""
    assert serve.with_reload_hook(b"<head><title>t</title></head><body></body>", 4) == (
        b'<head><title>t</title><script src="/__tracegen/reload.js" data-build="4" defer></script></head>'
        b"<body></body>")
    assert serve.with_reload_hook(b"<p>x</p>", 1).endswith(b'data-build="1" defer></script>')


def test_snapshot_sees_edits_and_skips_hidden_and_ignored(tmp_path):
    """A size or time change shows; editor swap files and the folders the build writes do not."""
    lessons = tmp_path / "lessons"
    (lessons / "site").mkdir(parents=True)
    (lessons / "a.md").write_text("x", encoding="utf-8")
    before = serve.snapshot([lessons, tmp_path / "tracegen.toml"], [lessons / "site"])
    (lessons / ".a.md.swp").write_text("swap", encoding="utf-8")
    (lessons / "site" / MARKER).write_text("built", encoding="utf-8")
    assert serve.snapshot([lessons, tmp_path / "tracegen.toml"], [lessons / "site"]) == before
    (lessons / "a.md").write_text("xy", encoding="utf-8")
    (tmp_path / "tracegen.toml").write_text("", encoding="utf-8")
    after = serve.snapshot([lessons, tmp_path / "tracegen.toml"], [lessons / "site"])
    assert after.keys() == {str(lessons / "a.md"), str(tmp_path / "tracegen.toml")} and after != before
