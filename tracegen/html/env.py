"""The one Jinja environment: where templates live, the fmt_* filters, and one-line template errors."""

from __future__ import annotations

import dataclasses
import math
import os
import posixpath
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from jinja2.exceptions import TemplateNotFound, TemplateSyntaxError
from jinja2.ext import Extension
from jinja2.loaders import split_template_path

from tracegen.errors import TracegenError
from tracegen.files import read_text, undecodable_line
from tracegen.formats import fmt_values
from tracegen.resources import TEMPLATES_DIR, template_folders

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

TIMES = "\u00a0×\u00a0"


# --- filters: small pure functions, registered in FILTERS below ---------------------------

def fmt_num(value: float | None, digits: int = 4) -> str:
    """Format a number for a table: ``{{ 0.76071 | fmt_num(3) }}`` -> ``0.761``; inf -> ``∞``."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = float(value)
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if math.isnan(value):
        return "n/a"
    return f"{value:.{digits}f}"


def fmt_pct(value: float, digits: int = 1) -> str:
    """Format a fraction as a percentage: ``{{ 0.305 | fmt_pct }}`` -> ``30.5%``."""
    return f"{value * 100:.{digits}f}%"


def fmt_hash(value: str, length: int = 12) -> str:
    """Shorten a hash for display: ``{{ trace.hash | fmt_hash }}`` -> ``839396676457``."""
    return value[:length]


def fmt_shape(shapes: Mapping[str, Sequence[int]]) -> str:
    """Format named shapes: ``{{ {"train": (800, 10)} | fmt_shape }}`` -> ``train 800 × 10``."""
    # No-break spaces keep each "800 × 10" whole; lines may break after a part's name or a comma.
    return ", ".join(f"{name} {TIMES.join(str(n) for n in shape)}" for name, shape in shapes.items())


def fmt_kb(size: int) -> str:
    """Format a byte count: ``{{ 45123 | fmt_kb }}`` -> ``44.1 KB``."""
    return f"{size / 1024:.1f} KB"


FILTERS = {
    "fmt_num": fmt_num,
    "fmt_pct": fmt_pct,
    "fmt_hash": fmt_hash,
    "fmt_kb": fmt_kb,
    "fmt_shape": fmt_shape,
    "fmt_values": fmt_values,
}


# --- the environment ----------------------------------------------------------------------

def dedent_html(source: str) -> str:
    """Strip the indentation of every template line outside <pre> (indentation is for template readers).

    Line numbers stay the same, so template errors still point at the right line.
    """
    lines, in_pre = [], False
    for line in source.split("\n"):
        lines.append(line if in_pre else line.lstrip())
        opened, closed = line.rfind("<pre"), line.rfind("</pre>")
        if opened > closed:
            in_pre = True
        elif closed > opened:
            in_pre = False
    return "\n".join(lines)


class DedentExtension(Extension):
    """Jinja extension: page weight matters (80 KB per lesson page), template indentation does not."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return dedent_html(source)


class RegularFileLoader(FileSystemLoader):
    """Jinja's FileSystemLoader reading through tracegen.files: a FIFO, device, link loop or bad UTF-8 is one line.

    With several folders, the first that holds a template wins: a course's overrides, then tracegen's own.
    """

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Any]:
        for searchpath in self.searchpath:
            filename = posixpath.join(searchpath, *split_template_path(template))
            if os.path.lexists(filename):
                return _template_source(filename, self.encoding)
        folders = " or ".join(_folder_name(folder) for folder in self.searchpath)
        raise TemplateNotFound(template, f"'{template}' not found in {folders}")


def _folder_name(folder: str) -> str:
    # tracegen's own folder is named, not spelled out: its path depends on where tracegen is installed.
    return "tracegen's templates" if Path(folder).resolve() == TEMPLATES_DIR.resolve() else folder


def _template_source(filename: str, encoding: str) -> tuple[str, str, Any]:
    try:
        contents = read_text(filename, encoding)
        mtime = os.path.getmtime(filename)
    except UnicodeDecodeError:
        line, detail = undecodable_line(Path(filename))
        raise TracegenError(filename, "template", f"not UTF-8 text ({detail}); save the template as UTF-8",
                            line=line) from None
    except OSError as exc:
        raise TracegenError(filename, "template", f"cannot read: {exc.strerror}") from None

    def uptodate() -> bool:
        try:
            return os.path.getmtime(filename) == mtime
        except OSError:
            return False

    return contents, os.path.normpath(filename), uptodate


def make_environment(overrides: Path | None = None) -> Environment:
    """Return the one Jinja environment: `overrides` (a folder of templates) before tracegen's, autoescape, strict."""
    env = Environment(
        loader=RegularFileLoader([str(folder) for folder in template_folders(overrides)]),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=[DedentExtension],
    )
    env.filters.update(FILTERS)
    env.globals["site_title"] = None  # a course's title from its settings file (tracegen.config), if any
    # Compact, key-sorted JSON for the pages' data blocks (tojson still escapes <, >, & and ').
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}
    return env


def check_templates(env: Environment) -> None:
    """Compile every template now, so a broken one fails the build before any lesson runs."""
    for name in ("lesson.html", "index.html", *env.list_templates(extensions=["html"])):
        try:
            env.get_template(name)
        except TemplateError as exc:
            raise template_error(env, name, exc) from None


def render_page(env: Environment, template: str, context: Mapping[str, Any] | DataclassInstance) -> str:
    """Render one template; a broken template becomes a one-line TracegenError naming its file and line.

    `context` is a mapping or a page-context dataclass, whose fields become the template's variables.
    """
    try:
        return env.get_template(template).render(**template_variables(context))
    except TemplateError as exc:
        raise template_error(env, template, exc) from None


def template_variables(context: Mapping[str, Any] | DataclassInstance) -> dict[str, Any]:
    """Return a context's template variables: a mapping as it is, a dataclass as its top-level fields."""
    if isinstance(context, Mapping):
        return dict(context)
    # Not dataclasses.asdict: that would turn the nested records into dicts and lose their properties.
    return {f.name: getattr(context, f.name) for f in dataclasses.fields(context)}


def template_error(env: Environment, template: str, exc: TemplateError) -> TracegenError:
    """Return the user-facing error for a template that fails to compile or render, naming the file it read."""
    filename = getattr(exc, "filename", None)  # a syntax error knows its file and line
    line = getattr(exc, "lineno", None)
    if line is None:  # anything else is located by its innermost template frame (a missing one by its includer)
        filename, line = _template_frame(exc)
    if filename is None:
        name = exc.name if isinstance(exc, TemplateSyntaxError) else None
        filename = _template_file(env, name or template)
    message = getattr(exc, "message", None) or str(exc)
    return TracegenError(filename, "template", message.splitlines()[0], line=line)


def _template_file(env: Environment, name: str) -> str:
    """Return the file `env` reads template `name` from (the first folder holding it), or where it would be."""
    folders = env.loader.searchpath if isinstance(env.loader, FileSystemLoader) else ["."]
    candidates = [os.path.normpath(posixpath.join(folder, name)) for folder in folders]
    return next((path for path in candidates if os.path.lexists(path)), candidates[0])


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    # Jinja rewrites tracebacks so that template frames carry the template's file and line.
    found: tuple[str | None, int | None] = (None, None)
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".html"):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found
