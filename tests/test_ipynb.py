"""export --format ipynb: the notebook's code, run on its own, prints the page's AP, ROC AUC and epoch losses.

The code cells are executed the way a kernel would run them top to bottom: concatenated, in a
fresh `python` subprocess (nbclient is not a dependency, and the test extras do not list it).
That process imports no tracegen (the code is checked for it, and PYTHONPATH is dropped), so
its numbers come from scikit-learn alone; they are compared with the trace of the same lesson
and seed at the page's 4 decimals (tracegen.html.env.fmt_num, the page's table format).
"""

from __future__ import annotations

import ast
import csv
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_wine

from tests.conftest import LESSONS
from tracegen import pipeline
from tracegen.api import from_predictions
from tracegen.cli import main
from tracegen.errors import SpecError
from tracegen.html.env import fmt_num
from tracegen.ipynb import to_notebook
from tracegen.spec import load_lesson

# Every built-in lesson: binary logistic (make_classification, breast_cancer), the MLP, multiclass
# make_classification and digits, with thresholds, top-k, tuning, feature bins and the explorer.
# metric-uncertainty and leakage compare runs (the first also bootstraps its test rows), which a notebook
# of one run does not reproduce: they are refused (test_a_compare_runs_lesson_is_refused_in_one_line).
# A one-run lesson with a select stage is test_a_select_stage_is_reproduced_fitted_on_either_rows.
REFUSED = ("metric-uncertainty", "leakage")
LESSON_NAMES = sorted(path.stem for path in LESSONS.glob("*.md") if path.stem not in REFUSED)
NUMBER = r"(-?\d+\.\d{4})"


def code_of(notebook: dict) -> str:
    return "\n\n".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code")


def execute(code: str, cwd) -> str:
    """Run the notebook's code cells in order in a fresh interpreter; return what they print."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr  # no warning either: the code runs as cleanly as the pipeline
    return done.stdout


def printed(pattern: str, text: str) -> list[str]:
    found = re.findall(pattern, text, flags=re.MULTILINE)
    assert found, f"{pattern!r} not printed:\n{text}"
    return found


def imported_modules(code: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def assert_reproduces(trace, stdout: str) -> None:
    """The printed epoch table and evaluation equal the trace's, as the page formats them."""
    rows = printed(rf"^\s+(\d+)\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}$", stdout)
    assert [int(r[0]) for r in rows] == [e.epoch for e in trace.epochs]
    for row, epoch in zip(rows, trace.epochs):
        assert row[1:] == (fmt_num(epoch.train_loss), fmt_num(epoch.val_loss), fmt_num(epoch.train_accuracy),
                           fmt_num(epoch.val_accuracy)), epoch.epoch
    shown = printed(rf"^snapshot at epoch (\d+): validation ROC AUC {NUMBER}, accuracy {NUMBER}$", stdout) \
        if trace.snapshots else []
    assert shown == [(str(s.epoch), fmt_num(s.roc_auc), fmt_num(s.accuracy)) for s in trace.snapshots]
    ev = trace.evaluation
    if ev.task == "binary":
        assert printed(rf"^Average precision \(AP\): {NUMBER}$", stdout) == [fmt_num(ev.average_precision)]
        assert printed(rf"^ROC AUC: {NUMBER}$", stdout) == [fmt_num(ev.roc_auc)]
        shown = printed(rf"^threshold (\S+): precision {NUMBER}, recall {NUMBER}, F1 {NUMBER}$", stdout)
        assert shown == [(f"{t.threshold:g}", fmt_num(t.precision), fmt_num(t.recall), fmt_num(t.f1))
                         for t in ev.at_thresholds]
    else:
        assert printed(rf"^Macro ROC AUC: {NUMBER}$", stdout) == [fmt_num(ev.roc_auc_macro)]
        assert printed(rf"^Micro ROC AUC: {NUMBER}$", stdout) == [fmt_num(ev.roc_auc_micro)]
        per_class = printed(rf"^class (.+): Average precision \(AP\) {NUMBER}, ROC AUC {NUMBER}$", stdout)
        assert per_class == [(c.class_name, fmt_num(c.average_precision), fmt_num(c.roc_auc)) for c in ev.per_class]
        assert printed(r"^Top-(\d+) accuracy: (\d\.\d{4})$", stdout) == [
            (str(t.k), fmt_num(t.accuracy)) for t in ev.top_k]
    assert printed(rf"^Accuracy: {NUMBER}$", stdout) == [fmt_num(ev.accuracy)]
    robust = ev.robust_scores
    assert printed(rf"^Balanced accuracy: {NUMBER}, MCC: {NUMBER}, Cohen's kappa: {NUMBER}$", stdout) == [(
        fmt_num(robust.balanced_accuracy), fmt_num(robust.matthews_corrcoef), fmt_num(robust.cohen_kappa))]
    if ev.task == "binary":
        assert printed(rf"^Trapezoid area, auc\(recall, precision\): {NUMBER}$", stdout) == [
            fmt_num(ev.pr_curve_trapezoid_area)]
    matrix = re.search(r"Confusion matrix[^\n]*\n(\[\[.*?\]\])\n", stdout, flags=re.DOTALL)
    assert matrix is not None
    assert [[int(v) for v in re.findall(r"\d+", line)] for line in matrix.group(1).split("\n")] == \
        [list(row) for row in ev.confusion_matrix]


@pytest.mark.parametrize("name", LESSON_NAMES)
def test_the_notebook_prints_the_pages_numbers(name, tmp_path):
    spec = load_lesson(LESSONS / f"{name}.md")
    trace = pipeline.run(spec)
    notebook = json.loads(to_notebook(spec, trace))
    code = code_of(notebook)
    assert imported_modules(code) <= {"numpy", "sklearn", "threadpoolctl"}
    assert "tracegen" not in code
    assert_reproduces(trace, execute(code, tmp_path))


def test_the_export_command_writes_the_same_bytes_twice_and_runs_at_another_seed(tmp_path, capsys):
    first, second = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    for out in (first, second):
        assert main(["--lessons", str(LESSONS), "export", "training-curves", "--format", "ipynb", "--seed", "7",
                     "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert first.read_bytes() == second.read_bytes()
    notebook = json.loads(first.read_text(encoding="utf-8"))
    spec = load_lesson(LESSONS / "training-curves.md")
    trace = pipeline.run(spec, seed=7)
    assert notebook["metadata"]["tracegen"]["seed"] == 7 and notebook["metadata"]["tracegen"]["trace"] == trace.hash
    assert_reproduces(trace, execute(code_of(notebook), tmp_path))


def test_the_default_file_name_names_lesson_and_seed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["--lessons", str(LESSONS), "export", "roc-curve", "--format", "ipynb"]) == 0
    assert (tmp_path / "roc-curve-seed1.ipynb").is_file()


def test_the_notebook_is_nbformat_4_with_the_lessons_prose_filled_in():
    spec = load_lesson(LESSONS / "precision-recall.md")
    trace = pipeline.run(spec, seed=2)
    notebook = json.loads(to_notebook(spec, trace))
    assert (notebook["nbformat"], notebook["nbformat_minor"]) == (4, 5)
    assert notebook["metadata"]["kernelspec"]["language"] == "python"
    cells = notebook["cells"]
    ids = [cell["id"] for cell in cells]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"[A-Za-z0-9-_]{1,64}", i) for i in ids)
    for cell in cells:
        assert cell["cell_type"] in ("code", "markdown") and isinstance(cell["source"], list)
        assert all(line.endswith("\n") for line in cell["source"][:-1])
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
            compile("".join(cell["source"]), cell["id"], "exec")  # each cell is valid Python on its own
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert markdown.startswith(f"# {spec.title}\n") and spec.description in markdown
    assert "[[" not in markdown
    # The body's directives become notes pointing at the page; the goals are listed under the title.
    assert "*(On the lesson page: the figure `pr_curve`.)*" in markdown
    assert spec.goals and all(f"- {goal}\n" in markdown for goal in spec.goals)
    # The prose's numbers are this run's: the prevalence of the test rows, computed here by numpy.
    assert f"{np.mean(np.array(trace.evaluation.y_true) == 1):.3f}" in markdown
    assert f"{trace.split_counts()['test']} test rows" in markdown


def test_a_csv_lesson_reads_its_file_like_the_pipeline(tmp_path):
    """Labels that sort as numbers ('2' < '3' < '10'), read from the CSV next to the lesson."""
    data = load_wine()
    names = {0: "10", 1: "2", 2: "3"}
    with open(tmp_path / "wine.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["kind", *data.feature_names])
        for row, target in zip(data.data, data.target):
            writer.writerow([names[int(target)], *(f"{v:g}" for v in row)])
        writer.writerow([])  # a blank line, which the pipeline skips
    lesson = tmp_path / "wine.md"
    lesson.write_text('+++\ntitle = "Wine"\nepochs = 5\n[dataset]\nsource = "csv"\npath = "wine.csv"\n'
                      'target = "kind"\n[split]\ntest_size = 0.3\nseed = 9\n+++\nAccuracy '
                      '[[ evaluation.accuracy | .3f ]].\n', encoding="utf-8")
    spec = load_lesson(lesson)
    trace = pipeline.run(spec)
    assert trace.data.classes == ("2", "3", "10")
    stdout = execute(code_of(json.loads(to_notebook(spec, trace))), tmp_path)
    assert "classes ['2', '3', '10']" in stdout
    assert_reproduces(trace, stdout)


@pytest.mark.parametrize("fit_on", ["train", "all"])
def test_a_select_stage_is_reproduced_fitted_on_either_rows(fit_on, tmp_path):
    """The leakage lesson's pipeline as one run: the notebook selects on the same rows and prints its numbers."""
    front = (LESSONS / "leakage.md").read_text(encoding="utf-8").split("+++")[1]
    front = front.split("[compare]")[0].replace('fit_on = "train"', f'fit_on = "{fit_on}"').replace("claims = [", "#")
    lesson = tmp_path / "select.md"
    lesson.write_text(f"+++{front}+++\nAUC [[ evaluation.roc_auc | .3f ]].\n", encoding="utf-8")
    spec = load_lesson(lesson)
    assert spec.select is not None and spec.select.fit_on == fit_on and spec.compare is None
    trace = pipeline.run(spec)
    code = code_of(json.loads(to_notebook(spec, trace)))
    assert "SelectKBest(f_classif" in code
    assert_reproduces(trace, execute(code, tmp_path))


def test_a_trace_that_is_not_a_run_of_the_lesson_is_refused():
    spec = load_lesson(LESSONS / "precision-recall.md")
    with pytest.raises(SpecError, match="no notebook"):
        to_notebook(spec, from_predictions([0, 1, 1, 0], [0.2, 0.9, 0.4, 0.3]))
    other = pipeline.run(pipeline.with_epochs(load_lesson(LESSONS / "roc-curve.md"), 2))
    with pytest.raises(SpecError, match="no notebook"):
        to_notebook(spec, other)


def test_a_compare_runs_lesson_is_refused_in_one_line():
    spec = load_lesson(LESSONS / "metric-uncertainty.md")
    with pytest.raises(SpecError) as caught:
        to_notebook(spec, pipeline.run(spec))
    assert caught.value.field == "export" and "[compare] runs" in caught.value.message
    assert "\n" not in caught.value.one_line()


def test_variants_are_refused_in_one_line(capsys):
    assert main(["--lessons", str(LESSONS), "export", "roc-curve", "--format", "ipynb", "--variants", "2"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
