"""The layout's promises, checked on the source: module sizes and which layer may import which."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tracegen"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_LINES = 400

# Layer -> the tracegen layers it must never import (the flow runs spec -> pipeline -> trace ->
# quiz/charts -> html/terminal/export -> site -> cli; no output layer imports another).
FORBIDDEN = {
    "spec": {"pipeline", "quiz", "charts", "html", "terminal", "export", "site", "cli"},
    "pipeline": {"quiz", "charts", "html", "terminal", "export", "site", "cli"},
    "trace": {"pipeline", "quiz", "charts", "html", "terminal", "export", "site", "cli"},
    "quiz": {"charts", "html", "terminal", "export", "site", "cli"},
    "charts": {"quiz", "html", "terminal", "export", "site", "cli"},
    "html": {"terminal", "export", "site", "cli"},
    "terminal": {"html", "export", "site", "cli"},
    "export": {"html", "terminal", "site", "cli"},
    # The notebook export reads a finished trace and the lesson: it runs nothing and renders no page.
    "ipynb": {"pipeline", "quiz", "charts", "html", "terminal", "export", "site", "cli"},
    "site": {"terminal", "export", "cli"},
}


def layer(module: str) -> str:
    """Return the first part of a dotted tracegen module name after 'tracegen'."""
    return module.split(".")[1] if module.startswith("tracegen.") else ""


def imported(path: Path) -> set[str]:
    """Return every module `path` imports (top level, in functions and under TYPE_CHECKING)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            # `from tracegen import site` imports the module tracegen.site
            names.update(f"{node.module}.{alias.name}" for alias in node.names if node.module == "tracegen")
    return names


def own_layer(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_is_at_most_400_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_one_way(path):
    forbidden = FORBIDDEN.get(own_layer(path), set())
    wrong = sorted(name for name in imported(path) if layer(name) in forbidden)
    assert not wrong, f"{path.relative_to(PACKAGE)} imports {wrong}"


def test_only_the_evaluate_stage_imports_sklearn_metrics():
    # evaluate.py and, split out of it for size, multiclass_curves.py (the averaged multiclass curves) and
    # threshold_table.py (the counts per threshold); calibration.py and cost_threshold.py (issue 16's
    # calibration and thresholds by cost).
    users = [path.relative_to(PACKAGE).as_posix() for path in MODULES
             if any(name == "sklearn.metrics" or name.startswith("sklearn.metrics.") for name in imported(path))
             or "from sklearn import metrics" in path.read_text(encoding="utf-8")]
    # compare.py: the compared runs' summaries and the bootstrap resamples.
    assert users == ["pipeline/calibration.py", "pipeline/compare.py", "pipeline/cost_threshold.py",
                     "pipeline/evaluate.py", "pipeline/multiclass_curves.py", "pipeline/robust_metrics.py",
                     "pipeline/threshold_table.py"]
