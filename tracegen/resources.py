"""Where tracegen's own files are: its templates and its built-in lessons.

In a checkout (and an editable install) they sit at the top of the repository, `templates/` and
`lessons/`; a wheel ships them inside the package, as `tracegen/templates` and `tracegen/lessons`
(pyproject.toml maps the two folders into it). Both layouts are found the same way, without
importing anything heavy, so deciding that a site is up to date stays cheap.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    inside = PACKAGE / name
    return inside if inside.is_dir() else PACKAGE.parent / name


TEMPLATES_DIR = _shipped("templates")
BUILT_IN_LESSONS = _shipped("lessons")
# What `tracegen new` copies into a new course (inside the package in both layouts).
STARTER = PACKAGE / "starter"
