"""api.py: tracegen from Python; every number checked against scikit-learn computed here."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, confusion_matrix, precision_recall_curve, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import tracegen
from tracegen import api
from tracegen.errors import DataError


def test_the_module_examples_run():
    assert doctest.testmod(api).failed == 0


@pytest.fixture(scope="module")
def cancer():
    data = load_breast_cancer(as_frame=True)
    return train_test_split(data.data, data.target, test_size=0.3, random_state=0, stratify=data.target)


def test_from_estimator_on_a_pipeline_fitted_on_a_dataframe(cancer):
    X_train, X_test, y_train, y_test = cancer
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X_train, y_train)
    trace = tracegen.from_estimator(model, X_test, y_test)
    score = model.predict_proba(X_test)[:, 1]
    ev = trace.evaluation
    assert ev.roc_auc == pytest.approx(roc_auc_score(y_test, score), abs=1e-12)
    assert ev.average_precision == pytest.approx(average_precision_score(y_test, score), abs=1e-12)
    precision, recall, thresholds = precision_recall_curve(y_test, score)
    assert ev.pr_curve.precision == pytest.approx(precision.tolist()) and ev.pr_curve.recall == pytest.approx(
        recall.tolist())
    assert ev.pr_curve.thresholds == pytest.approx(thresholds.tolist())
    assert np.array(ev.confusion_matrix).tolist() == confusion_matrix(y_test, model.predict(X_test)).tolist()
    assert trace.data.feature_names == tuple(X_test.columns)
    assert trace.data.source.startswith("Pipeline(StandardScaler, LogisticRegression)")


def test_from_estimator_on_a_multiclass_random_forest():
    X, y = load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, random_state=1, stratify=y)
    model = RandomForestClassifier(n_estimators=25, random_state=0).fit(X_train, y_train)
    trace = tracegen.from_estimator(model, X_test, y_test)
    proba = model.predict_proba(X_test)
    ev = trace.evaluation
    assert ev.roc_auc_macro == pytest.approx(roc_auc_score(y_test, proba, multi_class="ovr", average="macro"))
    for index, curves in enumerate(ev.per_class):
        assert curves.average_precision == pytest.approx(average_precision_score(y_test == index, proba[:, index]))
    assert np.array(ev.confusion_matrix).tolist() == confusion_matrix(y_test, model.predict(X_test)).tolist()


def test_from_predictions_with_string_labels_orders_them_as_scikit_learn_does():
    y_true = ["spam", "ham", "spam", "ham", "ham", "spam"]
    score = [0.9, 0.2, 0.4, 0.6, 0.1, 0.8]   # the probability of "spam", sorted second
    trace = tracegen.from_predictions(y_true, score)
    assert trace.evaluation.classes == ("ham", "spam")
    truth = [label == "spam" for label in y_true]
    assert trace.evaluation.roc_auc == pytest.approx(roc_auc_score(truth, score))
    assert trace.evaluation.average_precision == pytest.approx(average_precision_score(truth, score))


@pytest.mark.parametrize(("y_true", "y_score", "field"), [
    ([0, 1, 1], [0.2, 0.9], "y_score"),
    ([0, 1, 1], [0.2, 1.5, 0.3], "y_score"),
    ([0, 1, 1], [0.2, float("nan"), 0.3], "y_score"),
    ([1, 1, 1], [0.2, 0.5, 0.3], "labels"),
    ([0, 1, 2], [[0.5, 0.5, 0.1], [0.2, 0.4, 0.4], [0.1, 0.1, 0.8]], "y_score"),
])
def test_bad_predictions_are_one_line_errors(y_true, y_score, field):
    with pytest.raises(DataError) as error:
        tracegen.from_predictions(y_true, y_score)
    assert error.value.field == field and "\n" not in error.value.one_line()


def test_run_a_built_in_lesson_by_name_and_a_short_repr():
    trace = tracegen.run("precision-recall", seed=3, epochs=2)
    assert (trace.lesson, trace.seed, len(trace.epochs)) == ("precision-recall", 3, 2)
    text = repr(trace)
    assert len(text) < 200 and "precision-recall" in text and trace.hash[:12] in text


class _Balanced:
    """A strict enough HTML check: every opened element (but the void ones) is closed, in order."""

    VOID = {"br", "img", "hr", "meta", "link", "input"}

    def __init__(self, text: str) -> None:
        from html.parser import HTMLParser

        stack: list[str] = []
        problems: list[str] = []

        class Parser(HTMLParser):
            def handle_starttag(self, tag, attrs):
                if tag not in _Balanced.VOID:
                    stack.append(tag)

            def handle_startendtag(self, tag, attrs):
                pass

            def handle_endtag(self, tag):
                if not stack or stack.pop() != tag:
                    problems.append(tag)

        Parser().feed(text)
        self.ok = not stack and not problems


@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_the_notebook_view_is_self_contained_html_with_the_traces_numbers(task, cancer):
    if task == "binary":
        X_train, X_test, y_train, y_test = cancer
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X_train, y_train)
        want = f"{roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]):.4f}"
    else:
        X, y = load_wine(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, random_state=1, stratify=y)
        model = LogisticRegression(max_iter=5000).fit(X_train, y_train)
        want = f"{roc_auc_score(y_test, model.predict_proba(X_test), multi_class='ovr'):.4f}"
    html = tracegen.from_estimator(model, X_test, y_test)._repr_html_()
    assert html is not None and _Balanced(html).ok
    assert f"<td>{want}</td>" in html
    for outside in ("http:", "https:", "//", "<script", "src=", "href=", "url("):
        assert outside not in html.replace("</", "<"), outside
    assert html.count("<svg") == (2 if task == "binary" else 0)


def test_the_api_guide_examples_run():
    from tests.conftest import ROOT

    result = doctest.testfile(str(ROOT / "docs" / "api.md"), module_relative=False)
    assert result.attempted >= 8 and result.failed == 0


# ---------------------------------------------------------------- a Trace from the API as a page and a quiz


@pytest.fixture(scope="module")
def forest():
    """A binary RandomForest on the breast cancer data, its test rows and its trace."""
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=2, stratify=y)
    model = RandomForestClassifier(n_estimators=20, random_state=0).fit(X_train, y_train)
    return model, X_test, y_test, tracegen.from_estimator(model, X_test, y_test)


def test_render_page_writes_the_predictions_page_of_an_api_trace(forest, tmp_path):
    model, X_test, y_test, trace = forest
    page = tracegen.render_page(trace, tmp_path / "page", reproducible=True)
    assert page == tmp_path / "page" / "index.html"
    html = page.read_text(encoding="utf-8")
    score = model.predict_proba(X_test)[:, 1]
    for value in (average_precision_score(y_test, score), roc_auc_score(y_test, score)):
        assert f"{value:.4f}" in html  # the page's 4 decimals, computed here by scikit-learn
    assert "RandomForestClassifier" in html and "http://" not in html and "https://" not in html
    assert (tmp_path / "page" / "static" / "site.css").is_file()
    written = api.Trace.from_json((tmp_path / "page" / "trace.json").read_text(encoding="utf-8"))
    assert written.evaluation.roc_auc == trace.evaluation.roc_auc
    asked = tracegen.questions(trace)  # the quiz the page asks is the one the API hands out
    assert html.count('<form class="question"') == len(asked) > 0
    assert all(f'"{question.id}"' in html for question in asked)
    again = tracegen.render_page(trace, tmp_path / "again", reproducible=True)
    assert again.read_bytes() == page.read_bytes()


def test_render_page_refuses_a_folder_it_did_not_build_and_a_lesson_run(forest, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me", encoding="utf-8")
    from tracegen.errors import OutputError

    with pytest.raises(OutputError):
        tracegen.render_page(forest[3], tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text(encoding="utf-8") == "keep me"
    with pytest.raises(DataError, match="tracegen build precision-recall"):
        tracegen.render_page(tracegen.run("precision-recall", epochs=1), tmp_path / "lesson")


def test_take_quiz_grades_answers_like_the_terminal_quiz(forest):
    import io

    _, _, y_test, trace = forest
    asked = tracegen.questions(trace)
    assert "majority_baseline" in [q.id for q in asked]
    baseline = np.bincount(y_test).max() / len(y_test)  # always predicting the most frequent class
    out = io.StringIO()
    assert tracegen.take_quiz(trace, {"majority_baseline": round(baseline, 3)}, stdout=out) == (1, len(asked))
    assert out.getvalue().endswith(f"score: 1/{len(asked)}\n")
    assert tracegen.take_quiz(trace, {"majority_baseline": round(baseline, 3) + 0.1}, stdout=io.StringIO())[0] == 0
    from tracegen.errors import AnswersError

    with pytest.raises(AnswersError, match="no question with this id"):
        tracegen.take_quiz(trace, {"no_such_question": 1}, stdout=io.StringIO())


def test_take_quiz_asks_on_a_stream_and_stops_at_its_end(forest):
    import io

    trace = forest[3]
    asked = tracegen.questions(trace)
    out = io.StringIO()
    assert tracegen.take_quiz(trace, stdin=io.StringIO("x\n"), stdout=out) == (0, len(asked))
    assert "please answer with" in out.getvalue() and "question(s) left unanswered" in out.getvalue()


def test_a_lesson_runs_questions_are_its_pages(tmp_path):
    from tracegen import pipeline
    from tracegen.site.pages import site_questions

    spec = pipeline.with_epochs(tracegen.load_lesson(api.BUILT_IN_LESSONS / "precision-recall.md"), 2)
    trace = tracegen.run(spec, seed=5)
    assert [q.id for q in tracegen.questions(trace, lesson=spec)] == [q.id for q in site_questions(spec, trace)]
    with pytest.raises(DataError, match="is not the lesson"):
        tracegen.questions(trace)  # the built-in lesson trains 12 epochs, not 2


def test_take_quiz_reads_answers_with_input_by_default(forest, monkeypatch):
    import io

    _, _, y_test, trace = forest
    asked = tracegen.questions(trace)
    baseline = np.bincount(y_test).max() / len(y_test)
    typed = iter([f"{baseline:.3f}" if q.id == "majority_baseline" else "1" for q in asked])

    def fake_input(prompt=""):
        return next(typed)

    monkeypatch.setattr("builtins.input", fake_input)
    out = io.StringIO()
    score, total = tracegen.take_quiz(trace, stdout=out)
    assert total == len(asked) and score >= 1 and out.getvalue().endswith(f"score: {score}/{total}\n")
    assert "left unanswered" not in out.getvalue()
