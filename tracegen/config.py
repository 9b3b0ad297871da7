"""A course's settings file: `tracegen.toml`, or `[tool.tracegen]` in pyproject.toml, in the working folder.

    title = "Model evaluation, spring term"   # shown in every page's header
    lessons = "lessons"                        # the lessons folder (relative to this file)
    order = ["precision-recall", "roc-curve"]  # the path's order within prerequisites; others follow by name
    out = "site"                               # the output folder
    templates = "my-templates"                 # as --templates: overrides, searched before tracegen's

Options given on the command line win over the file. Unknown keys are errors, as in lessons.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracegen.errors import SpecError
from tracegen.files import read_text

CONFIG_FILE = "tracegen.toml"
KEYS = ("title", "lessons", "order", "out", "templates")
MAX_TITLE = 120


@dataclass(frozen=True)
class SiteConfig:
    """The course settings; None where the file does not say (or there is no file)."""

    source: Path | None = None
    title: str | None = None
    lessons: Path | None = None
    order: tuple[str, ...] = ()
    out: Path | None = None
    templates: Path | None = None


def load_config(folder: Path) -> SiteConfig:
    """Return the settings of `folder`'s tracegen.toml, else its pyproject.toml's [tool.tracegen], else none."""
    own = folder / CONFIG_FILE
    if own.is_file():
        return _parse(own, _toml(own), "")
    project = folder / "pyproject.toml"
    if project.is_file():
        table = _toml(project).get("tool", {}).get("tracegen")
        if table is not None:
            if not isinstance(table, dict):
                raise SpecError(project, "tool.tracegen", "expected a table of settings")
            return _parse(project, table, "tool.tracegen.")
    return SiteConfig()


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(read_text(path))
    except (tomllib.TOMLDecodeError, ValueError, RecursionError) as exc:
        raise SpecError(path, "settings", f"malformed TOML: {str(exc).splitlines()[0][:200]}") from None
    except OSError as exc:
        raise SpecError(path, "settings", f"cannot read: {exc.strerror}") from None


def _parse(path: Path, table: dict[str, Any], prefix: str) -> SiteConfig:
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise SpecError(path, prefix + unknown[0], f"unknown key; expected one of: {', '.join(KEYS)}")
    base = path.parent

    def text(key: str, limit: int = 4096) -> str | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > limit or not value.isprintable():
            raise SpecError(path, prefix + key, f"expected one line of text (1-{limit} characters), got {value!r:.60}")
        return value

    def folder(key: str) -> Path | None:
        value = text(key)
        return None if value is None else base / value

    order = table.get("order", [])
    if not isinstance(order, list) or not all(isinstance(name, str) and name for name in order):
        raise SpecError(path, prefix + "order", "expected a list of lesson names, e.g. [\"precision-recall\"]")
    if len(set(order)) != len(order):
        raise SpecError(path, prefix + "order", "names a lesson twice")
    return SiteConfig(source=path, title=text("title", MAX_TITLE), lessons=folder("lessons"), order=tuple(order),
                      out=folder("out"), templates=folder("templates"))


def ordered(paths: list[Path], order: tuple[str, ...], config: Path | None) -> list[Path]:
    """Return lesson files in the settings' order, the others after them by name; a missing name is an error."""
    by_name = {path.stem: path for path in paths}
    missing = [name for name in order if name not in by_name]
    if missing:
        raise SpecError(config or CONFIG_FILE, "order", f"no lesson named '{missing[0]}' in the lessons folder")
    first = [by_name[name] for name in order]
    return first + sorted((path for path in paths if path.stem not in order), key=lambda p: p.name)
