"""A wheel of tracegen installs anywhere and builds its built-in catalogue from an empty folder."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from tests.conftest import ROOT

PACKAGES = sorted({p.parent.relative_to(ROOT).as_posix().replace("/", ".")
                   for p in (ROOT / "tracegen").rglob("*.py")})


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", str(ROOT),
                    "-w", str(out)], check=True, capture_output=True, timeout=300)
    (path,) = out.glob("tracegen-*.whl")
    return path


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """A fresh virtual environment with the wheel installed (not editable); dependencies from this one."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    return venv


def test_pyproject_lists_every_package():
    listed = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    assert set(PACKAGES) <= set(listed)


def third_party_imports() -> tuple[set[str], set[str]]:
    """(top-level names imported when a module loads, names imported only inside a function), third-party only.

    Imports under `if TYPE_CHECKING:` never run and are left out.
    """
    at_load, in_functions = set(), set()

    def visit(node: ast.AST, inside_function: bool) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if isinstance(node, ast.Import) or node.level == 0:
                (in_functions if inside_function else at_load).update(name.split(".")[0] for name in names)
        inside = inside_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, inside)

    for path in sorted((ROOT / "tracegen").rglob("*.py")):
        visit(ast.parse(path.read_text(encoding="utf-8")), False)
    own = set(sys.stdlib_module_names) | {"__future__", "tracegen"}
    return at_load - own, in_functions - own - at_load


def distribution(module: str) -> str:
    """The normalized name of the installed distribution that provides `module` ('sklearn' -> 'scikit-learn')."""
    (name, *_) = packages_distributions().get(module, [f"<no installed distribution provides {module}>"])
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(requirements: list[str]) -> set[str]:
    return {re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9._-]+", req)[0]).lower() for req in requirements}


def test_every_third_party_import_is_a_declared_dependency_and_every_dependency_is_imported():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    required = declared(project["dependencies"])
    extras = set().union(*(declared(reqs) for extra, reqs in project["optional-dependencies"].items()
                           if extra != "test"))
    at_load, in_functions = third_party_imports()
    assert {"sklearn", "numpy", "jinja2"} <= at_load and "distributed" in at_load | in_functions  # the scan sees them
    # A module-level import runs on `import tracegen...`, so it must come with a plain install.
    assert {distribution(module) for module in at_load} <= required
    # An import inside a function may be of an optional extra's package (the Dask pool's distributed).
    assert {distribution(module) for module in in_functions} <= required | extras
    # And no dependency is declared that tracegen never imports.
    assert required | extras <= {distribution(module) for module in at_load | in_functions}


def test_the_wheel_holds_every_module_template_static_file_and_lesson(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for source in sorted((ROOT / "tracegen").rglob("*.py")):
        assert source.relative_to(ROOT).as_posix() in names
    for folder, target in (("templates", "tracegen/templates"), ("lessons", "tracegen/lessons")):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file():
                assert f"{target}/{path.relative_to(ROOT / folder).as_posix()}" in names


def without_pythonpath() -> dict[str, str]:
    """The environment less PYTHONPATH, which could point at the checkout: the installed copy must do alone."""
    return {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}


def run(installed: Path, cwd: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(installed / "bin" / "tracegen"), *argv], cwd=cwd, env=without_pythonpath(),
                          capture_output=True, text=True, timeout=900)


def test_an_installed_copy_builds_runs_quizzes_and_exports_from_an_empty_folder(installed, tmp_path):
    where = run(installed, tmp_path, "--version")
    assert where.returncode == 0 and where.stdout.startswith("tracegen ")
    built = run(installed, tmp_path, "build", "precision-recall", "multiclass-roc", "--reproducible", "-q")
    assert built.returncode == 0, built.stderr
    page = (tmp_path / "site" / "precision-recall" / "index.html").read_text(encoding="utf-8")
    assert "Precision-recall curves" in page and (tmp_path / "site" / "static" / "site.css").is_file()
    ran = run(installed, tmp_path, "run", "precision-recall", "--epochs", "2")
    assert ran.returncode == 0 and "Data Flow" in ran.stdout
    traced = run(installed, tmp_path, "run", "precision-recall", "--json", "trace.json")
    assert traced.returncode == 0, traced.stderr
    evaluation = json.loads((tmp_path / "trace.json").read_text(encoding="utf-8"))["evaluation"]
    # ap-above-chance asks AP minus the prevalence: computed here by scikit-learn from the trace's arrays.
    y_true = np.array(evaluation["y_true"])
    above = average_precision_score(y_true, evaluation["y_score"]) - y_true.mean()
    (tmp_path / "answers.toml").write_text(f'"ap-above-chance" = {above:.3f}\n', encoding="utf-8")
    quizzed = run(installed, tmp_path, "quiz", "precision-recall", "--answers", "answers.toml")
    assert quizzed.returncode == 1 and "score: 1/" in quizzed.stdout, quizzed.stderr  # 1 of many right
    for format_, name in (("gift", "roc-curve-seed1.gift"), ("qti", "roc-curve-seed1-qti.zip"),
                          ("qti12", "roc-curve-seed1-qti12.zip"), ("ipynb", "roc-curve-seed1.ipynb")):
        exported = run(installed, tmp_path, "export", "roc-curve", "--format", format_)
        assert exported.returncode == 0 and (tmp_path / name).is_file(), exported.stderr
    notebook = json.loads((tmp_path / "roc-curve-seed1.ipynb").read_text(encoding="utf-8"))
    code = "\n\n".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code")
    ran_notebook = subprocess.run([str(installed / "bin" / "python"), "-c", code], cwd=tmp_path, capture_output=True,
                                  text=True, env=without_pythonpath(), timeout=300)
    assert ran_notebook.returncode == 0 and "ROC AUC: 0." in ran_notebook.stdout, ran_notebook.stderr
    started = run(installed, tmp_path, "new", "course")
    assert started.returncode == 0, started.stderr
    course_built = run(installed, tmp_path / "course", "build", "--reproducible", "-q")
    assert course_built.returncode == 0 and (tmp_path / "course" / "site" / "three-classes-of-wine").is_dir()
    imported = subprocess.run([str(installed / "bin" / "python"), "-c", "import tracegen, tracegen.resources as r; "
                               "print(r.TEMPLATES_DIR)"], cwd=tmp_path, capture_output=True, text=True, check=True,
                              env=without_pythonpath())
    assert str(installed) in imported.stdout  # the installed package's own templates, not the checkout's


def test_a_lessons_folder_in_the_working_folder_is_used_instead_and_named(installed, tmp_path):
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "mine.md").write_text(
        '+++\ntitle = "Mine"\nepochs = 2\n[dataset]\nsource = "iris"\n+++\nHello.\n', encoding="utf-8")
    built = run(installed, tmp_path, "build", "--reproducible", "-q")
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("built site/: 1 lesson(s) from lessons,")
    assert sorted(p.name for p in (tmp_path / "site").iterdir() if p.is_dir()) == ["mine", "static"]
