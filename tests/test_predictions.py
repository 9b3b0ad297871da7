"""Bring your own predictions: tracegen run/build --predictions on a user's CSV, checked against scikit-learn."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests import quiz_oracles as oracles
from tests.pipeline.evaluate_oracles import check_binary, check_common, check_multiclass
from tracegen import quiz
from tracegen.cli import main
from tracegen.pipeline.predictions import run_predictions
from tracegen.trace import Trace


def binary_csv(folder, rows: int = 400, seed: int = 0):
    """Write a seeded binary predictions file (labels 0/1, scores with 4 decimals) and return its path."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, rows)
    score = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1)
    path = folder / "binary.csv"
    path.write_text("y_true,score\n" + "".join(f"{a},{b:.4f}\n" for a, b in zip(y.tolist(), score.tolist())),
                    encoding="utf-8")
    return path


def multiclass_csv(folder, rows: int = 300, seed: int = 1):
    """Write a seeded 3-class predictions file (rows sum to 1 exactly after rounding) and return its path."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, rows)
    logits = rng.normal(0, 1, (rows, 3)) + 2 * np.eye(3)[y]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    lines = ["y_true,cat,dog,fox"]
    names = ("cat", "dog", "fox")
    for label, p in zip(y.tolist(), proba.tolist()):
        a, b = round(p[0], 6), round(p[1], 6)
        lines.append(f"{names[label]},{a},{b},{1 - a - b!r}")
    path = folder / "multi.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_cli(capsys, *argv):
    """Run the CLI; return (exit code, stdout, stderr)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_binary_predictions_match_scikit_learn(tmp_path):
    """Every metric of a binary predictions trace equals scikit-learn's, recomputed from the file's arrays."""
    trace = run_predictions(binary_csv(tmp_path))
    ev = trace.evaluation
    assert trace.prediction is None and trace.epochs == () and [s.name for s in trace.stages] == ["load", "evaluate"]
    assert ev.task == "binary" and len(ev.y_true) == 400
    check_common(ev)
    check_binary(ev)
    # The model's rule for a user's scores: positive when score > 0.5.
    np.testing.assert_array_equal(ev.y_pred, (np.array(ev.y_score) > 0.5).astype(int))


def test_multiclass_predictions_match_scikit_learn(tmp_path):
    """A probability-per-class file gives per-class curves, AUCs and top-k equal to scikit-learn's."""
    trace = run_predictions(multiclass_csv(tmp_path))
    ev = trace.evaluation
    assert ev.task == "multiclass" and ev.classes == ("cat", "dog", "fox")
    check_common(ev)
    check_multiclass(ev)


def test_predictions_trace_round_trips_through_json(tmp_path):
    """An evaluation-only trace (no traced prediction) survives to_json / from_json unchanged."""
    trace = run_predictions(binary_csv(tmp_path, rows=60))
    assert Trace.from_json(trace.to_json()) == trace


def test_generated_questions_match_the_oracles(tmp_path):
    """The predictions page's questions have right answers equal to the independent oracles'."""
    for path in (binary_csv(tmp_path), multiclass_csv(tmp_path)):
        trace = run_predictions(path)
        questions = quiz.prediction_questions(trace)
        kinds = {q.kind for q in questions}
        assert len(questions) >= 5 and {"numeric", "multiple"} <= kinds, [q.id for q in questions]
        for question in questions:
            oracles.check_answer(trace, question)


def test_run_predictions_prints_the_evaluation_and_writes_json(tmp_path, capsys):
    """tracegen run --predictions prints curves, matrix and threshold table, and --json writes the trace."""
    path = binary_csv(tmp_path)
    code, out, err = run_cli(capsys, "run", "--predictions", str(path), "--json", str(tmp_path / "t.json"),
                             "--reproducible")
    assert code == 0, err
    assert "Precision-recall curve" in out and "Confusion matrix" in out and "y_score >= 0.5" in out
    assert "Training" not in out
    saved = Trace.from_json((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert saved.evaluation == run_predictions(path).evaluation


@pytest.mark.parametrize("text, needle", [
    ("y_true,other\n0,0.1\n1,0.2\n", "other"),
    ("y_true,score\n0,0.1\n1,nan\n", "score"),
    ("y_true,score\n0,0.1\n1,abc\n", "score"),
    ("y_true,score\n0,0.1\n1,1.5\n", "score"),
    ("y_true,a,b\na,0.5,0.4\nb,0.2,0.8\n", "sum"),
    ("y_true,score\n1,0.1\n1,0.2\n", "y_true"),
    ("y_true,a,b\na,0.5,0.5\nc,0.2,0.8\n", "c"),
])
def test_bad_predictions_file_is_one_line_exit_2(tmp_path, capsys, text, needle):
    """Each invalid file gives exit code 2 and one error line naming the problem, for run and build."""
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    for argv in (("run", "--predictions", str(path)), ("build", "--predictions", str(path), "--out",
                                                         str(tmp_path / "site"))):
        code, out, err = run_cli(capsys, *argv)
        lines = err.splitlines()
        assert code == 2 and len(lines) == 1 and lines[0].startswith("tracegen: error: "), err
        assert needle in lines[0], lines[0]
    assert not (tmp_path / "site").exists()


def test_predictions_with_a_lesson_is_a_usage_error(tmp_path, capsys):
    """--predictions takes no lesson name."""
    code, _, err = run_cli(capsys, "run", "precision-recall", "--predictions", str(binary_csv(tmp_path)))
    assert code == 2 and "--predictions" in err


def test_build_predictions_writes_one_deterministic_page(tmp_path, capsys):
    """build --predictions writes index.html and trace.json; the same file gives byte-identical pages."""
    path = multiclass_csv(tmp_path)
    pages = []
    for out in (tmp_path / "a", tmp_path / "b"):
        code, _, err = run_cli(capsys, "build", "--predictions", str(path), "--out", str(out), "--reproducible")
        assert code == 0, err
        pages.append((out / "index.html").read_bytes())
        assert json.loads((out / "trace.json").read_text(encoding="utf-8"))["lesson"] == "predictions"
    assert pages[0] == pages[1]
    html = pages[0].decode()
    for heading in ("Data flow", "Evaluation", "Classification report", "Quiz", "Provenance"):
        assert heading in html
    assert "Training trace" not in html and len(html.encode()) < 80 * 1024
