"""Lesson + trace -> a Jupyter notebook (nbformat 4) that reproduces the run with plain scikit-learn.

The code cells are what tracegen.pipeline does, written out for a learner to read and run: the
same rows (make_classification, a scikit-learn data set or the CSV), the same split, scaler,
model, seeds and one partial_fit pass per epoch, then scikit-learn's metrics printed as the page
shows them (4 decimals). No cell imports tracegen, so a teacher can hand the file out as it is.
The Markdown cells carry the lesson's title, description and prose, with every [[ expression ]]
filled from the trace, as the page fills it.

The JSON is written by hand (nbformat is not a dependency): sorted keys, fixed cell ids, so the
same lesson and seed give a byte-identical file. Nothing here computes a metric.
"""

from __future__ import annotations

import html
import json
from typing import Any

from tracegen.errors import SpecError
from tracegen.expressions import substitute_lesson
from tracegen.spec import LessonSpec
from tracegen.spec.directives import find_directives
from tracegen.trace import Trace, frozen

NBFORMAT, NBFORMAT_MINOR = 4, 5
BUILTIN_LOADERS = {"breast_cancer": "load_breast_cancer", "digits": "load_digits", "iris": "load_iris",
                   "wine": "load_wine"}
SCALERS = {"standard": "StandardScaler", "minmax": "MinMaxScaler"}
# The page's evaluation sections this notebook leaves to the page (named in its last Markdown cell).
NOT_REPRODUCED = {"tune_threshold": "the threshold tuned on the validation rows",
                  "by_feature": "recall by feature bins", "explore_class": "the sample explorer",
                  "calibration": "the model calibrated on the validation rows and its reliability diagram",
                  "costs": "the thresholds priced by cost"}


def to_notebook(spec: LessonSpec, trace: Trace) -> str:
    """Return the notebook of `spec`'s run recorded in `trace`, as nbformat-4 JSON text."""
    refusal = not_reproducible(spec, trace)
    if refusal is not None:
        raise SpecError(spec.path, "export", f"no notebook: {refusal}")
    cells = [_markdown(_heading(spec, trace))]
    for title, code in _code_steps(spec, trace):
        cells += [_markdown(title), _code(code)]
    cells.append(_markdown(_prose(spec, trace)))
    notebook = {
        "cells": [dict(cell, id=f"cell-{index}") for index, cell in enumerate(cells, start=1)],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "tracegen": {"lesson": trace.lesson, "seed": trace.seed, "trace": trace.hash,
                         "versions": dict(sorted(trace.versions.items()))},
        },
        "nbformat": NBFORMAT,
        "nbformat_minor": NBFORMAT_MINOR,
    }
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def not_reproducible(spec: LessonSpec, trace: Trace) -> str | None:
    """Return why the notebook cannot reproduce this run, or None when it can."""
    if not trace.epochs or trace.spec != frozen(spec.pipeline_dict()):
        return "the trace is not a run of this lesson's pipeline"
    if spec.dataset.source not in (*BUILTIN_LOADERS, "make_classification", "csv"):
        return f"no loader for dataset.source {spec.dataset.source!r}"
    # The notebook rebuilds one run; the compared runs and the bootstrap resamples it does not write out.
    if spec.compare is not None or spec.evaluation.bootstrap:
        return "the notebook reproduces one run, not the [compare] runs or the evaluation.bootstrap resamples"
    return None


def _source(text: str) -> list[str]:
    lines = text.strip("\n").split("\n")
    return [line + "\n" for line in lines[:-1]] + lines[-1:]


def _markdown(text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": _source(text)}


def _code(text: str) -> dict[str, Any]:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": _source(text)}


def _heading(spec: LessonSpec, trace: Trace) -> str:
    versions = ", ".join(f"{name} {trace.versions[name]}" for name in ("scikit-learn", "numpy")
                         if name in trace.versions)
    csv_note = ""
    if spec.dataset.source == "csv":
        csv_note = (f"\n\nThe data is read from `{spec.dataset.path}`, relative to the folder this notebook "
                    "runs in: put the CSV file there (the lesson reads it relative to its own folder).")
    # Lesson text is data: escaped, so a '<' in a title shows as itself, as on the page.
    title, topic, description = (html.escape(text, quote=False) for text in (spec.title, spec.topic,
                                                                             spec.description))
    lines = [f"# {title}", *([f"*{topic}*"] if topic else []), *([description] if description else [])]
    if spec.goals:
        lines.append("In this lesson you will:\n\n" + "\n".join(f"- {html.escape(goal, quote=False)}"
                                                               for goal in spec.goals))
    return ("\n\n".join(lines) + "\n\n"
            f"This notebook runs lesson `{trace.lesson}` at seed {trace.seed} with plain scikit-learn and "
            f"numpy: run every cell from the top, and the numbers it prints are the lesson page's. They were "
            f"computed with {versions}; other versions can differ in the last digits.{csv_note}")


def _code_steps(spec: LessonSpec, trace: Trace) -> list[tuple[str, str]]:
    binary = len(trace.data.classes) == 2
    return [("## Imports", _imports(spec, trace, binary)),
            ("## 1. Load the rows", _load(spec)),
            ("## 2. Split into train, validation and test rows" if spec.split.validation_size
             else "## 2. Split into train and test rows", _split(spec)),
            ("## 3. Normalize, fitted on the train rows only" + (", and select features" if spec.select else ""),
             _normalize(spec)),
            ("## 4. Train one epoch (one pass over the train rows) at a time", _train(spec, len(trace.data.classes))),
            ("## 5. Predict the test rows", _predict()),
            ("## 6. Evaluate with scikit-learn's metrics", _evaluate(spec, len(trace.data.classes)))]


def _imports(spec: LessonSpec, trace: Trace, binary: bool) -> str:
    lines = ["import numpy as np"]
    if spec.dataset.source == "csv":
        lines.insert(0, "import csv\n")
    elif spec.dataset.source == "make_classification":
        lines.append("from sklearn.datasets import make_classification")
    else:
        lines.append(f"from sklearn.datasets import {BUILTIN_LOADERS[spec.dataset.source]}")
    if spec.select is not None:
        lines.append("from sklearn.feature_selection import SelectKBest, f_classif")
    lines.append("from sklearn.linear_model import SGDClassifier" if spec.model.kind == "logistic"
                 else "from sklearn.neural_network import MLPClassifier")
    metrics = ["accuracy_score", "average_precision_score", "balanced_accuracy_score", "classification_report",
               "cohen_kappa_score", "confusion_matrix", "log_loss", "matthews_corrcoef", "roc_auc_score"]
    if binary:
        metrics += ["auc", "f1_score", "precision_recall_curve", "precision_score", "recall_score"]
    elif any(k < len(trace.data.classes) for k in spec.evaluation.top_k):
        metrics.append("top_k_accuracy_score")
    lines.append("from sklearn.metrics import (\n    " + ",\n    ".join(sorted(metrics)) + ",\n)")
    lines.append("from sklearn.model_selection import train_test_split")
    if spec.normalization in SCALERS:
        lines.append(f"from sklearn.preprocessing import {SCALERS[spec.normalization]}")
    lines += ["from threadpoolctl import threadpool_limits  # installed with scikit-learn", "",
              "# One BLAS thread, as the page's run used: a multi-threaded sum can move the last digit of a loss.",
              "threadpool_limits(limits=1)", "",
              "# The lesson's seed: it draws the data (make_classification), shuffles the split and starts the model.",
              f"SEED = {trace.seed}", f"EPOCHS = {spec.epochs}"]
    return "\n".join(lines)


def _load(spec: LessonSpec) -> str:
    source = spec.dataset.source
    if source == "make_classification":
        args = "".join(f"    {key}={value!r},\n" for key, value in sorted(spec.dataset.params.items()))
        n_classes = int(spec.dataset.params.get("n_classes", 2))
        code = (f"X, y = make_classification(\n{args}    random_state=SEED,\n)\n"
                f"classes = [str(c) for c in range({n_classes})]")
    elif source == "csv":
        code = _load_csv(spec)
    else:
        code = (f"data = {BUILTIN_LOADERS[source]}()\nX = np.asarray(data.data, dtype=np.float64)\n"
                "y = np.asarray(data.target, dtype=np.int64)\nclasses = [str(c) for c in data.target_names]")
    return code + '\nprint(f"{X.shape[0]} rows, {X.shape[1]} features, classes {classes}")'


def _load_csv(spec: LessonSpec) -> str:
    return "\n".join([
        f"DATA, TARGET = {spec.dataset.path!r}, {spec.dataset.target!r}",
        'with open(DATA, newline="", encoding="utf-8-sig") as handle:',
        "    rows = [row for row in csv.reader(handle, strict=True) if row]  # blank lines skipped",
        "header = [name.strip() for name in rows[0]]",
        "target = header.index(TARGET)",
        "features = [i for i in range(len(header)) if i != target]",
        "X = np.array([[float(row[i]) for i in features] for row in rows[1:]], dtype=np.float64)",
        "labels = [row[target].strip() for row in rows[1:]]",
        "# Classes in sorted order; numeric labels sort as numbers, so '10' comes after '2'.",
        "classes = sorted(set(labels))",
        "try:",
        "    classes = sorted(classes, key=float)",
        "except ValueError:",
        "    pass",
        "y = np.array([classes.index(label) for label in labels], dtype=np.int64)",
    ])


def _split(spec: LessonSpec) -> str:
    stratify = spec.split.stratify
    lines = ["rows = np.arange(len(y))",
             f"train, test = train_test_split(rows, test_size={spec.split.test_size!r}, random_state=SEED, "
             f"stratify={'y' if stratify else 'None'})"]
    if spec.split.validation_size:
        lines += ["# The validation rows are carved from the train rows; the test rows stay untouched until the end.",
                  f"train, validation = train_test_split(train, test_size={spec.split.validation_size!r}, "
                  f"random_state=SEED, stratify={'y[train]' if stratify else 'None'})",
                  'print(f"{len(train)} train, {len(validation)} validation, {len(test)} test rows")',
                  "val_rows = validation"]
    else:
        lines += ['print(f"{len(train)} train, {len(test)} test rows")',
                  "# No validation split: the test rows stand in for it in the epoch table.",
                  "val_rows = test"]
    return "\n".join(lines)


def _normalize(spec: LessonSpec) -> str:
    if spec.normalization not in SCALERS:
        lines = ["# normalization = \"none\": the features pass through unchanged.", "X_scaled = X"]
    else:
        lines = [f"scaler = {SCALERS[spec.normalization]}()",
                 "scaler.fit(X[train])  # validation and test rows must not leak into the statistics",
                 "X_scaled = scaler.transform(X)  # every row, with the train rows' statistics"]
    if spec.select is not None:
        rows, why = (("train", "the train rows' labels only") if spec.select.fit_on == "train"
                     else ("np.arange(len(y))", "every row's label, the test rows' too: the lesson's leak"))
        lines += [f"selector = SelectKBest(f_classif, k={spec.select.k}).fit(X_scaled[{rows}], y[{rows}])  # {why}",
                  "X_scaled = X_scaled[:, selector.get_support(indices=True)]  # the kept features only"]
    return "\n".join(lines)


def _model(spec: LessonSpec) -> str:
    params = dict(spec.model.params)
    if spec.model.kind == "logistic":
        args = "".join(f", {key}={value!r}" for key, value in sorted(params.items()))
        return f'model = SGDClassifier(loss="log_loss", random_state=SEED{args})'
    if "hidden_layer_sizes" in params:
        params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    args = "".join(f", {key}={value!r}" for key, value in sorted(params.items()))
    return f"model = MLPClassifier(random_state=SEED{args})"


def _train(spec: LessonSpec, n_classes: int) -> str:
    snapshots = list(spec.evaluation.snapshots)
    val_auc = ("roc_auc_score(y[val_rows], val_proba[:, 1])" if n_classes == 2 else
               "roc_auc_score(y[val_rows], val_proba, multi_class='ovr', average='macro', labels=labels)")
    snapshot_lines = [
        "    if epoch in SNAPSHOTS:  # evaluation logged at chosen epochs, as a Keras callback would",
        "        val_proba = model.predict_proba(X_scaled[val_rows])",
        f"        snapshots.append((epoch, {val_auc}, val_acc))",
    ] if snapshots else []
    after = [
        "for epoch, val_auc, val_acc in snapshots:",
        '    print(f"snapshot at epoch {epoch}: validation ROC AUC {val_auc:.4f}, accuracy {val_acc:.4f}")',
    ] if snapshots else []
    return "\n".join([
        _model(spec),
        "labels = np.arange(len(classes))",
        *([f"SNAPSHOTS, snapshots = {snapshots!r}, []"] if snapshots else []),
        'print(f"{\'epoch\':>5} {\'train loss\':>10} {\'val loss\':>10} {\'train acc\':>10} {\'val acc\':>10}")',
        "for epoch in range(1, EPOCHS + 1):",
        "    model.partial_fit(X_scaled[train], y[train], classes=labels)",
        "    train_loss = log_loss(y[train], model.predict_proba(X_scaled[train]), labels=labels)",
        "    val_loss = log_loss(y[val_rows], model.predict_proba(X_scaled[val_rows]), labels=labels)",
        "    train_acc = accuracy_score(y[train], model.predict(X_scaled[train]))",
        "    val_acc = accuracy_score(y[val_rows], model.predict(X_scaled[val_rows]))",
        '    print(f"{epoch:>5} {train_loss:>10.4f} {val_loss:>10.4f} {train_acc:>10.4f} {val_acc:>10.4f}")',
        *snapshot_lines, *after,
    ])


def _predict() -> str:
    return "\n".join([
        "X_test, y_test = X_scaled[test], y[test]",
        "proba = model.predict_proba(X_test)  # one probability per class for each test row",
        "y_pred = model.predict(X_test)  # the model's own decision rule",
        'print(f"test row 0: probabilities {np.round(proba[0], 4)}, predicted {classes[y_pred[0]]}, "',
        '      f"actual {classes[y_test[0]]}")',
    ])


def _evaluate(spec: LessonSpec, n_classes: int) -> str:
    binary = n_classes == 2
    if binary:
        lines = ["y_score = proba[:, 1]  # the probability of the positive class",
                 'print(f"Average precision (AP): {average_precision_score(y_test, y_score):.4f}")',
                 'print(f"ROC AUC: {roc_auc_score(y_test, y_score):.4f}")',
                 "# auc() joins the PR curve's points with straight lines: a different number from AP's step sum.",
                 "pr_precision, pr_recall, _ = precision_recall_curve(y_test, y_score)",
                 'print(f"Trapezoid area, auc(recall, precision): {auc(pr_recall, pr_precision):.4f}")']
    else:
        lines = ['print(f"Macro ROC AUC: {roc_auc_score(y_test, proba, multi_class=\'ovr\', average=\'macro\', '
                 'labels=labels):.4f}")',
                 'print(f"Micro ROC AUC: {roc_auc_score(y_test, proba, multi_class=\'ovr\', average=\'micro\', '
                 'labels=labels):.4f}")',
                 "for index, name in enumerate(classes):  # one-vs-rest: this class against all the others",
                 "    is_class = (y_test == index).astype(np.int64)",
                 '    print(f"class {name}: Average precision (AP) {average_precision_score(is_class, '
                 'proba[:, index]):.4f}, "',
                 '          f"ROC AUC {roc_auc_score(is_class, proba[:, index]):.4f}")']
    lines += ['print(f"Accuracy: {accuracy_score(y_test, y_pred):.4f}")',
              'print(f"Balanced accuracy: {balanced_accuracy_score(y_test, y_pred):.4f}, "',
              '      f"MCC: {matthews_corrcoef(y_test, y_pred):.4f}, "',
              '      f"Cohen\'s kappa: {cohen_kappa_score(y_test, y_pred, labels=labels):.4f}")',
              'print("Confusion matrix (rows: true class, columns: predicted class):")',
              "print(confusion_matrix(y_test, y_pred, labels=labels))",
              "print(classification_report(y_test, y_pred, labels=labels, target_names=classes, digits=4, "
              "zero_division=0))"]
    if binary:
        thresholds = list(spec.evaluation.thresholds)
        lines += [f"for threshold in {thresholds!r}:  # y_score >= threshold is positive, as the curves count",
                  "    at = (y_score >= threshold).astype(np.int64)",
                  '    print(f"threshold {threshold:g}: "',
                  '          f"precision {precision_score(y_test, at, zero_division=0):.4f}, "',
                  '          f"recall {recall_score(y_test, at, zero_division=0):.4f}, "',
                  '          f"F1 {f1_score(y_test, at, zero_division=0):.4f}")']
    else:
        # k >= the number of classes is trivially 1.0, so the page records only smaller k.
        for k in (k for k in spec.evaluation.top_k if k < n_classes):
            lines.append(f'print(f"Top-{k} accuracy: {{top_k_accuracy_score(y_test, proba, k={k}, '
                         f'labels=labels):.4f}}")')
    return "\n".join(lines)


def _prose(spec: LessonSpec, trace: Trace) -> str:
    # A directive places a block of the page; the notebook's own cells print those numbers instead.
    lines = spec.body.split("\n")
    for directive in find_directives(spec.path, spec.body, spec.body_line):
        lines[directive.index] = f"*(On the lesson page: the {directive.kind} `{directive.name}`.)*"
    text = substitute_lesson(spec, trace, escape=True, body="\n".join(lines)).strip()
    left = [what for key, what in NOT_REPRODUCED.items() if getattr(spec.evaluation, key)]
    if left:
        text += ("\n\n*The lesson page also shows " + ", ".join(left) + "; this notebook reproduces the run "
                 "and the evaluation above.*")
    return "## What the run shows\n\n" + text
