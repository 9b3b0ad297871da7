"""Where tracegen's own files are: its templates and its built-in lessons.

In a checkout (and an editable install) they sit at the top of the repository, `templates/` and
`lessons/`; a wheel ships them inside the package, as `tracegen/templates` and `tracegen/lessons`
(pyproject.toml maps the two folders into it). Both layouts are found the same way, without
importing anything heavy, so deciding that a site is up to date stays cheap.
"""

from __future__ import annotations

from pathlib import Path

from tracegen.errors import TracegenError

PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    inside = PACKAGE / name
    return inside if inside.is_dir() else PACKAGE.parent / name


TEMPLATES_DIR = _shipped("templates")
BUILT_IN_LESSONS = _shipped("lessons")
# What `tracegen new` copies into a new course (inside the package in both layouts).
STARTER = PACKAGE / "starter"


def template_folders(overrides: Path | None = None) -> tuple[Path, ...]:
    """Return where templates and static files are looked up, first to last: the overrides, then tracegen's own.

    A course's template folder (--templates, or the settings' `templates`) holds only the files it
    changes; any file it lacks comes from tracegen's templates. A missing folder is an error, not an
    empty set of overrides, so a mistyped path does not silently build the default look.
    """
    if overrides is None or (overrides.is_dir() and overrides.resolve() == TEMPLATES_DIR.resolve()):
        return (TEMPLATES_DIR,)
    if not overrides.is_dir():
        problem = "is not a folder" if overrides.exists() else "folder not found"
        raise TracegenError(overrides, "templates", f"{problem}; give the folder holding your template overrides")
    return (overrides, TEMPLATES_DIR)
