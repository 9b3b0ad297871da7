"""tracegen serve: build, serve the site on 127.0.0.1, rebuild when a lesson, template or setting changes.

The site is built by the same code as `tracegen build` (the cache on, so only what changed runs),
into the same output folder, atomically: a build that fails leaves the last good site in place,
and it goes on being served. A watcher polls the course's files (modification time and size)
every half second, and builds, in the main thread (so Ctrl-C stops a build at once); the server
answers requests in threads of its own.

Reloading lives only in what the server sends: each HTML page it serves gets one script tag
for /__tracegen/reload.js, a same-origin file that the pages' Content-Security-Policy
(`script-src 'self'`) allows. The policy forbids fetch (no connect-src), so the script asks for
the build number by loading /__tracegen/version.js, a script too, every second, and reloads the
page when the number changes. Files on disk are never changed: a built site stays as it was,
with zero requests.
"""

from __future__ import annotations

import errno
import mimetypes
import os
import stat
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tracegen.errors import TracegenError
from tracegen.site.write import MARKER

HOST = "127.0.0.1"
HOOK = "/__tracegen/"
RELOAD_SCRIPT = HOOK + "reload.js"
VERSION_SCRIPT = HOOK + "version.js"
POLL_SECONDS = 0.5
# Served, never written: asks for the build number (a script, as the CSP allows) and reloads when it changes.
RELOAD_JS = """\
(function () {
  var built = document.currentScript.getAttribute("data-build");
  window.tracegenBuild = function (number) {
    if (String(number) !== built) { location.reload(); }
  };
  function ask() {
    var script = document.createElement("script");
    script.src = "{version}?" + Date.now();
    script.onload = script.onerror = function () { script.remove(); setTimeout(ask, 1000); };
    document.head.appendChild(script);
  }
  setTimeout(ask, 1000);
}());
""".replace("{version}", VERSION_SCRIPT)


@dataclass(frozen=True)
class Course:
    """What serve builds and watches, as the settings say now: read again before every rebuild."""

    out: Path
    watched: tuple[Path, ...]  # files and folders whose change means a rebuild
    ignored: tuple[Path, ...]  # folders inside those that the build itself writes (the site, the cache)
    build: Callable[[], object]  # the build, as `tracegen build` runs it; raises TracegenError


class ServedSite:
    """What the request threads read: the folder served and the number of the last good build."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.build = 0


def site_file(root: Path, target: str) -> Path | None:
    """Return the file under `root` that a request path names (a folder's index.html), or None.

    None for anything that would leave `root`: `..` in any spelling (percent-encoded, with
    backslashes), a NUL, a symbolic link pointing out, or a path that is not a regular file.
    """
    path = urllib.parse.unquote(urllib.parse.urlsplit(target).path, errors="replace")
    parts = [part for part in path.split("/") if part]
    if any(part in (".", "..") or "\\" in part or "\0" in part for part in parts):
        return None
    candidate = root.joinpath(*parts)
    try:
        if candidate.is_dir():
            candidate = candidate / "index.html"
        real, base = candidate.resolve(strict=True), root.resolve(strict=True)
        regular = stat.S_ISREG(os.stat(real).st_mode)
    except (OSError, RuntimeError):
        return None
    return real if regular and real.is_relative_to(base) else None


def with_reload_hook(page: bytes, build: int) -> bytes:
    """Return an HTML page with the reload script's tag before its </head> (else at its end)."""
    tag = f'<script src="{RELOAD_SCRIPT}" data-build="{build}" defer></script>'.encode()
    at = page.find(b"</head>")
    return page + tag if at < 0 else page[:at] + tag + page[at:]


class SiteHandler(BaseHTTPRequestHandler):
    """GET and HEAD for the site's files and the reload hook; nothing else."""

    server: SiteServer

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self._respond(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(with_body=False)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's signature
        """Say nothing per request: the terminal is for builds and errors."""

    def _respond(self, with_body: bool) -> None:
        served = self.server.site
        # The number is read before the page: a rebuild in between then costs one reload too many, never one too few.
        build = served.build
        route = urllib.parse.urlsplit(self.path).path
        if route == RELOAD_SCRIPT:
            return self._send(RELOAD_JS.encode(), "text/javascript", with_body)
        if route == VERSION_SCRIPT:
            return self._send(f"tracegenBuild({build});\n".encode(), "text/javascript", with_body)
        root = served.out
        # Only a folder a build wrote is served (never, say, a home folder given as --out by mistake).
        found = site_file(root, self.path) if (root / MARKER).is_file() else None
        if found is None:
            return self._send(b"not found\n", "text/plain; charset=utf-8", with_body, HTTPStatus.NOT_FOUND)
        if found.name == "index.html" and not route.endswith(("/", "/index.html")):
            return self._redirect(route + "/")  # a folder's page: its relative links need the slash
        try:
            body = found.read_bytes()
        except OSError:  # swapped away by a rebuild between the look-up and the read
            return self._send(b"not found\n", "text/plain; charset=utf-8", with_body, HTTPStatus.NOT_FOUND)
        kind = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        if kind == "text/html":
            body = with_reload_hook(body, build)
        if kind.startswith("text/") or kind in ("application/javascript", "application/json", "image/svg+xml"):
            kind += "; charset=utf-8"
        return self._send(body, kind, with_body)

    def _send(self, body: bytes, kind: str, with_body: bool, status: HTTPStatus = HTTPStatus.OK) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")  # a rebuilt page or stylesheet is always fetched anew
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


class SiteServer(ThreadingHTTPServer):
    """The HTTP server, holding what its request threads serve."""

    def __init__(self, port: int, site: ServedSite) -> None:
        self.site = site
        super().__init__((HOST, port), SiteHandler)


def listen(port: int, site: ServedSite) -> SiteServer:
    """Return a server listening on 127.0.0.1:`port` (0: a free port); a port in use is one error line."""
    try:
        return SiteServer(port, site)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise TracegenError(f"{HOST}:{port}", "serve", "port in use; give another --port, or --port 0 "
                                "for a free one") from None
        raise TracegenError(f"{HOST}:{port}", "serve", f"cannot listen: {exc.strerror}") from None


def snapshot(paths: Iterable[Path], ignored: Iterable[Path]) -> dict[str, tuple[int, int]]:
    """Return (modification time, size) of every file under `paths`, hidden ones and `ignored` folders left out.

    Hidden names cover editors' swap files and the build's own temporary folders (`.site.build-...`).
    """
    skip = {os.path.realpath(path) for path in ignored}
    found: dict[str, tuple[int, int]] = {}
    pending = [str(path) for path in paths]
    while pending:
        path = pending.pop()
        try:
            info = os.stat(path)
        except OSError:  # missing (a settings file not written yet) or gone meanwhile
            continue
        if stat.S_ISDIR(info.st_mode):
            if os.path.realpath(path) in skip:
                continue
            try:
                pending.extend(entry.path for entry in os.scandir(path) if not entry.name.startswith("."))
            except OSError:
                continue
        else:
            found[path] = (info.st_mtime_ns, info.st_size)
    return found


def serve(prepare: Callable[[], Course], *, port: int, say: Callable[[str], object],
          error: Callable[[TracegenError], object], poll: float = POLL_SECONDS) -> int:
    """Build, serve and rebuild on every change until Ctrl-C; return the exit code (0).

    `prepare` reads the settings and returns the course; it and a course's build raise
    TracegenError for bad input, handed to `error` (the CLI prints it as one line) while the last
    good site goes on being served. `say` gets the lines for the user: the address, "stopped".
    """
    course = prepare()  # bad settings at the start are the caller's one error line
    site = ServedSite(course.out)
    server = listen(port, site)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    try:
        seen = snapshot(course.watched, course.ignored)
        _build(course, site, error)
        thread.start()
        say(f"serving http://{HOST}:{server.server_address[1]}/ (Ctrl-C stops)")
        while True:
            time.sleep(poll)
            now = snapshot(course.watched, course.ignored)
            if now == seen:
                continue
            seen = now  # taken before the build, so an edit made during it is seen next time
            try:
                latest = prepare()
            except TracegenError as exc:
                error(exc)
                continue
            if latest.watched != course.watched or latest.ignored != course.ignored:
                seen = snapshot(latest.watched, latest.ignored)
            course = latest
            _build(course, site, error)
    except KeyboardInterrupt:
        pass
    finally:
        if thread.is_alive():
            server.shutdown()
        server.server_close()
    say("stopped")
    return 0


def _build(course: Course, site: ServedSite, error: Callable[[TracegenError], object]) -> None:
    """Run one build; on success serve it and tell open pages; on bad input report it and keep the old site."""
    try:
        course.build()
    except TracegenError as exc:
        error(exc)
        return
    site.out = course.out
    site.build += 1
