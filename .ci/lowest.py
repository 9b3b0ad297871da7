"""Print pyproject.toml's lower bounds as exact pins: `name>=X` becomes `name==X`, one a line.

Read from pyproject.toml at every run, so the versions .ci/lower-bounds installs cannot drift
from the bounds the package declares. `python .ci/lowest.py` pins the runtime dependencies;
`python .ci/lowest.py dask` pins an extra's. A dependency without a `>=` bound is an error:
every bound the package states is one CI installs and proves.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
# name, optional [extras], then the lower bound; an upper bound after a comma is allowed and ignored.
REQUIREMENT = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*>=\s*(?P<low>[0-9][^,;\s]*)")


def pins(requirements: list[str]) -> list[str]:
    out = []
    for requirement in requirements:
        match = REQUIREMENT.match(requirement)
        if match is None:
            raise SystemExit(f"lowest.py: {requirement!r} in pyproject.toml has no `>=` lower bound to prove")
        out.append(f"{match['name']}=={match['low']}")
    return out


def main(argv: list[str]) -> None:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    requirements = project["optional-dependencies"][argv[0]] if argv else project["dependencies"]
    print("\n".join(pins(requirements)))


if __name__ == "__main__":
    main(sys.argv[1:])
