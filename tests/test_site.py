"""tracegen build: the site's files, its numbers, its weight, its offline guarantees and its failure modes."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, confusion_matrix, roc_auc_score

from tests.conftest import LESSONS, write_lesson
from tracegen import pipeline
from tracegen.cli import main
from tracegen.html.env import TEMPLATES_DIR
from tracegen.quiz import make_questions
from tracegen.site import assets, write
from tracegen.spec import load_lesson
from tracegen.trace import Trace

TINY = """title = "Tiny <b>lesson</b>"
topic = "Testing"
description = "A small lesson for failure cases."
epochs = 3
[dataset]
source = "make_classification"
n_samples = 160
n_features = 4
n_informative = 3
n_redundant = 0
[split]
seed = 1
"""
TINY_BODY = "Intro line.\n\nThis run has [[ n_test ]] test rows. <script>alert(1)</script>\n"
EXTERNAL = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?)\s*(?:https?:|//)""", re.IGNORECASE)


def build(capsys, *argv: str) -> tuple[int, str, str]:
    """Run `tracegen build` in-process; return (exit code, stdout, stderr)."""
    code = main(["build", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(folder: Path) -> dict[str, bytes]:
    """Return every file under `folder` with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    """Return temporary build folders left next to an output folder."""
    return sorted(p.name for p in folder.parent.iterdir() if ".build-" in p.name or ".old-" in p.name)


def assert_one_line_error(code: int, err: str, prefix: str) -> None:
    """Exit 2 with exactly one 'tracegen: error:' line starting with `prefix`."""
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"tracegen: error: {prefix}"), lines[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The two original lessons, one seeded variant each, built reproducibly once for this module."""
    out = tmp_path_factory.mktemp("built") / "site"
    assert main(["--lessons", str(LESSONS), "build", "precision-recall", "multiclass-roc", "--out", str(out),
                 "--variants", "1", "--reproducible"]) == 0
    return out


@pytest.fixture
def tiny(tmp_path):
    """A small lesson file (fast to run) with HTML in its title and body."""
    return write_lesson(tmp_path, TINY, TINY_BODY, name="tiny")


@pytest.fixture
def previous(tmp_path, tiny, capsys):
    """A site already built from the tiny lesson, and a snapshot of its files."""
    out = tmp_path / "out" / "site"
    assert build(capsys, str(tiny), "--out", str(out), "--reproducible")[0] == 0
    return out, snapshot(out)


def page(out: Path, relative: str) -> str:
    """Return one built page's text."""
    return (out / relative).read_text(encoding="utf-8")


def lesson_spec(name: str):
    """Load a real lesson by name."""
    return load_lesson(LESSONS / f"{name}.md")


# --- what is written ------------------------------------------------------------------------

def test_build_writes_every_page(built):
    """Index, search index, static files, and per lesson and variant a page and its trace."""
    files = set(snapshot(built))
    for lesson in ("precision-recall", "multiclass-roc"):
        for folder in (lesson, f"{lesson}/v1"):
            assert {f"{folder}/index.html", f"{folder}/trace.json"} <= files
    assert {"index.html", "search-index.js", "static/site.css", "static/site.js", "static/quiz.js",
            "static/progress.js", "static/index.css", write.MARKER} <= files
    assert not leftovers(built)


@pytest.mark.parametrize("folder, offset", [("precision-recall", 0), ("precision-recall/v1", 1),
                                            ("multiclass-roc/v1", 1)])
def test_trace_json_is_the_run_at_its_seed(built, folder, offset):
    """trace.json is byte for byte the trace of the lesson at base seed + variant number."""
    spec = lesson_spec(folder.split("/")[0])
    expected = pipeline.run(spec, seed=spec.split.seed + offset).to_json()
    assert (built / folder / "trace.json").read_text(encoding="utf-8") == expected
    assert 'href="trace.json"' in page(built, f"{folder}/index.html")


def test_variants_share_text_but_not_numbers_or_progress(built):
    """A retake keeps the lesson's words, gets its own trace hash, and so its own saved-progress key."""
    base, retake = page(built, "precision-recall/index.html"), page(built, "precision-recall/v1/index.html")
    base_trace = Trace.from_json((built / "precision-recall/trace.json").read_text(encoding="utf-8"))
    retake_trace = Trace.from_json((built / "precision-recall/v1/trace.json").read_text(encoding="utf-8"))
    assert base_trace.hash != retake_trace.hash
    key = json.loads(re.search(r'id="quiz-data">(.*?)</script>', retake, re.S).group(1))["key"]
    assert key == f"tracegen:precision-recall:{retake_trace.hash}"
    assert retake_trace.hash not in base
    assert "A precision-recall curve shows, for every threshold" in base
    assert "A precision-recall curve shows, for every threshold" in retake
    assert 'href="../index.html"' in retake and 'href="v1/index.html"' in base


def test_every_quiz_question_is_on_the_page(built):
    """The page holds exactly the quiz engine's questions for its trace, in order."""
    spec = lesson_spec("multiclass-roc")
    trace = Trace.from_json((built / "multiclass-roc/trace.json").read_text(encoding="utf-8"))
    text = page(built, "multiclass-roc/index.html")
    data = json.loads(re.search(r'id="quiz-data">(.*?)</script>', text, re.S).group(1))
    questions = make_questions(spec, trace)
    assert [q["id"] for q in data["questions"]] == [q.id for q in questions]
    prompts = re.findall(r"<legend>(.*?)</legend>", text, re.S)
    assert [html.unescape(p) for p in prompts] == [q.prompt for q in questions]


# --- numbers shown ----------------------------------------------------------------------------

def metric(text: str, name: str) -> str:
    """Return the value shown in a headline metric card."""
    return re.search(rf"<dt>{name}</dt><dd><span class=\"metric-value\">([^<]+)<", text).group(1)


def heat_counts(text: str) -> np.ndarray:
    """Return the confusion-matrix counts shown in the page's heat map."""
    body = re.search(r'<table class="heatmap.*?<tbody>(.*?)</tbody>', text, re.S).group(1)
    rows = re.findall(r"<tr>.*?</tr>", body, re.S)
    return np.array([[int(c) for c in re.findall(r"<td[^>]*>(\d+)", row)] for row in rows])


def test_binary_numbers_match_scikit_learn(built):
    """AP, ROC AUC, prevalence and the confusion matrix on the page equal scikit-learn on the trace's rows."""
    text = page(built, "precision-recall/index.html")
    ev = Trace.from_json((built / "precision-recall/trace.json").read_text(encoding="utf-8")).evaluation
    y_true, y_score = np.array(ev.y_true), np.array(ev.y_score)
    assert metric(text, "Average precision") == f"{average_precision_score(y_true, y_score):.3f}"
    assert metric(text, "ROC AUC") == f"{roc_auc_score(y_true, y_score):.3f}"
    assert f"chance level (prevalence) {np.mean(y_true == 1):.4f}" in text
    np.testing.assert_array_equal(heat_counts(text), confusion_matrix(y_true, ev.y_pred))


def test_multiclass_numbers_match_scikit_learn(built):
    """Macro and micro AUC and the 10 x 10 matrix on the page equal scikit-learn on the trace's rows."""
    text = page(built, "multiclass-roc/index.html")
    ev = Trace.from_json((built / "multiclass-roc/trace.json").read_text(encoding="utf-8")).evaluation
    y_true, proba = np.array(ev.y_true), np.array(ev.y_score)
    assert metric(text, "Macro ROC AUC") == f"{roc_auc_score(y_true, proba, multi_class='ovr'):.3f}"
    assert metric(text, "Micro ROC AUC") == f"{roc_auc_score(y_true, proba, multi_class='ovr', average='micro'):.3f}"
    np.testing.assert_array_equal(heat_counts(text), confusion_matrix(y_true, ev.y_pred))


def test_epoch_table_lists_every_epoch(built):
    """The epoch table has one row per trace epoch with its losses to 4 places."""
    text = page(built, "multiclass-roc/index.html")
    trace = Trace.from_json((built / "multiclass-roc/trace.json").read_text(encoding="utf-8"))
    table = re.search(r'<table class="epochs numeric">.*?</table>', text, re.S).group(0)
    rows = re.findall(r"<tr[^>]*><th[^>]*>(\d+)</th><td>([\d.]+)</td><td>([\d.]+)</td>", table)
    assert [(int(e), t, v) for e, t, v in rows] == [(e.epoch, f"{e.train_loss:.4f}", f"{e.val_loss:.4f}")
                                                    for e in trace.epochs]


# --- offline, safe, light -----------------------------------------------------------------------

def test_no_file_references_an_external_url(built):
    """No src, href or CSS url() anywhere in the site points at http:, https: or //."""
    for name, data in snapshot(built).items():
        if name.endswith((".html", ".css", ".js", ".svg")):
            assert not EXTERNAL.search(data.decode("utf-8")), name


def test_pages_have_a_csp_and_no_inline_code(built):
    """Every page allows only its own files, and has no inline script, handler or style to allow."""
    for name in snapshot(built):
        if not name.endswith(".html"):
            continue
        text = page(built, name)
        assert "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'self';" \
               in text, name
        for tag in re.findall(r"<script[^>]*>", text):
            assert " src=" in tag or 'type="application/json"' in tag, (name, tag)
        assert not re.search(r"\sstyle=|\son[a-z]+=", text), name


def test_lesson_pages_stay_within_the_weight_budget(built):
    """Each lesson page plus the CSS and JS it references totals at most 80 KB (no trace.json)."""
    for name in snapshot(built):
        if name.endswith("/index.html"):
            text = page(built, name)
            assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"|<script src="([^"]+)"', text)
            total = len(text.encode()) + sum((built / name).parent.joinpath(a or b).stat().st_size
                                             for a, b in assets)
            assert total <= 80 * 1024, (name, total)


def test_long_curve_tables_say_they_are_thinned(built):
    """A table showing fewer points than the curve has says so and links the full arrays."""
    text = page(built, "multiclass-roc/index.html")
    shown, total = map(int, re.search(r"Data table: (\d+) of (\d+) points", text).groups())
    assert shown < total
    assert "<a href=\"trace.json\">trace.json</a> holds every point" in text


def test_search_index_holds_lesson_text(built):
    """search-index.js is a plain script assigning every lesson's text, so search works on file://."""
    text = (built / "search-index.js").read_text(encoding="utf-8")
    entries = json.loads(text.split("window.TRACEGEN_SEARCH = ", 1)[1].rstrip().rstrip(";"))
    by_href = {e["href"]: e for e in entries}
    assert set(by_href) == {"precision-recall/index.html", "multiclass-roc/index.html"}
    assert "pooled together" in by_href["multiclass-roc/index.html"]["text"]


def test_lesson_html_is_escaped(tmp_path, tiny, capsys):
    """HTML in a lesson's title and body shows as text: the lesson does not set allow_html."""
    out = tmp_path / "site"
    assert build(capsys, str(tiny), "--out", str(out), "--reproducible")[0] == 0
    text = page(out, "tiny/index.html")
    assert "<b>lesson</b>" not in text and "Tiny &lt;b&gt;lesson&lt;/b&gt;" in text
    assert "<script>alert" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


# --- reproducibility ----------------------------------------------------------------------------

def test_same_lesson_and_seed_give_a_byte_identical_site(tmp_path, capsys):
    """Two reproducible builds of the same lesson and seed are identical, file for file."""
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        assert build(capsys, str(LESSONS / "precision-recall.md"), "--out", str(out), "--seed", "7",
                     "--reproducible")[0] == 0
    assert snapshot(first) == snapshot(second)


def test_wall_times_only_without_reproducible(tmp_path, tiny, capsys):
    """Run and build times appear in provenance only when the build is not --reproducible."""
    assert build(capsys, str(tiny), "--out", str(tmp_path / "timed"))[0] == 0
    assert build(capsys, str(tiny), "--out", str(tmp_path / "plain"), "--reproducible")[0] == 0
    timed, plain = page(tmp_path / "timed", "tiny/index.html"), page(tmp_path / "plain", "tiny/index.html")
    assert "<dt>Run wall time</dt>" in timed and "<dt>Built</dt>" in timed
    assert "wall time" not in plain and "<dt>Built</dt>" not in plain


def test_build_reports_page_weights(tmp_path, tiny, capsys):
    """The command prints each lesson page's weight and the search index size."""
    code, out, _ = build(capsys, str(tiny), "--out", str(tmp_path / "s"), "--reproducible")
    assert code == 0
    # tiny is binary: its page also loads the threshold explorer's script.
    weight = (tmp_path / "s/tiny/index.html").stat().st_size + sum(
        (tmp_path / "s/static" / name).stat().st_size for name in ("site.css", "site.js", "quiz.js", "explorer.js"))
    assert 'static/explorer.js"' in page(tmp_path / "s", "tiny/index.html")
    assert f"tiny/index.html  {weight / 1024:.1f} KB (HTML + CSS + JS)" in out
    assert "search-index.js" in out


# --- bad input leaves the previous site untouched ----------------------------------------------

def test_missing_trace_field_fails_and_keeps_the_old_site(tmp_path, previous, capsys):
    """A lesson expression naming a missing field is one error line with file and line; nothing is written."""
    out, before = previous
    bad = write_lesson(tmp_path, TINY, "One.\nTwo.\nAP [[ evaluation.missing_field ]]\n", name="bad")
    line = bad.read_text(encoding="utf-8").splitlines().index("AP [[ evaluation.missing_field ]]") + 1
    code, _, err = build(capsys, str(bad), "--out", str(out), "--reproducible")
    assert_one_line_error(code, err, f"{bad}:{line}: expression: no field 'missing_field'")
    assert snapshot(out) == before and not leftovers(out)


def test_template_syntax_error_fails_and_keeps_the_old_site(tmp_path, tiny, previous, capsys):
    """A broken template is one error line naming the template file and line."""
    out, before = previous
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    lines = (templates / "_quiz.html").read_text(encoding="utf-8").splitlines()
    lines[3] = "{{ quiz.questions + }}"
    (templates / "_quiz.html").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = build(capsys, str(tiny), "--out", str(out), "--templates", str(templates))
    assert_one_line_error(code, err, f"{templates / '_quiz.html'}:4: template: ")
    assert snapshot(out) == before and not leftovers(out)


def test_template_error_stops_before_any_lesson_runs(tmp_path, tiny, capsys, monkeypatch):
    """Every template is compiled first, so a broken partial fails without running a pipeline."""
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    (templates / "_provenance.html").write_text("{% endif %}\n", encoding="utf-8")
    monkeypatch.setattr(pipeline, "run", lambda *a, **k: pytest.fail("a lesson ran"))
    code, _, err = build(capsys, str(tiny), "--out", str(tmp_path / "s"), "--templates", str(templates))
    assert_one_line_error(code, err, f"{templates / '_provenance.html'}:1: template: ")
    assert not (tmp_path / "s").exists()


def test_output_path_that_is_a_file(tmp_path, tiny, capsys):
    """--out naming a file is refused before anything runs, and the file is kept."""
    target = tmp_path / "notes.txt"
    target.write_text("keep me\n", encoding="utf-8")
    code, _, err = build(capsys, str(tiny), "--out", str(target))
    assert_one_line_error(code, err, f"{target}: output: is a file, not a folder")
    assert target.read_text(encoding="utf-8") == "keep me\n"


def test_output_under_a_file(tmp_path, tiny, capsys):
    """--out inside a file (a folder that cannot exist) is one error line."""
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    code, _, err = build(capsys, str(tiny), "--out", str(tmp_path / "notes.txt" / "site"))
    assert_one_line_error(code, err, f"{tmp_path / 'notes.txt' / 'site'}: output: cannot write next to it: ")


def test_output_folder_that_cannot_be_written(tiny, capsys):
    """A folder on a filesystem nobody can write (here /proc, even as root) is one error line."""
    code, _, err = build(capsys, str(tiny), "--out", "/proc/tracegen-site")
    assert_one_line_error(code, err, "/proc/tracegen-site: output: cannot write next to it: ")


def test_read_only_parent_keeps_the_old_site(previous, tiny, capsys, monkeypatch):
    """When the output's folder refuses new entries, the build fails in one line and the old site stays.

    Root ignores folder permissions, so the refusal is simulated where the build asks for its temp folder.
    """
    out, before = previous

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(write.tempfile, "mkdtemp", refuse)
    code, _, err = build(capsys, str(tiny), "--out", str(out))
    assert_one_line_error(code, err, f"{out}: output: cannot write next to it: Permission denied")
    assert snapshot(out) == before


def test_failed_swap_puts_the_old_site_back(previous, tiny, capsys, monkeypatch):
    """If moving the new site into place fails, the old site is moved back and temp folders removed."""
    out, before = previous
    real_rename = os.rename
    calls = []

    def failing_rename(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:  # old site moved aside; now the new one fails to move in
            raise OSError(28, "No space left on device")
        return real_rename(src, dst)

    monkeypatch.setattr(write.os, "rename", failing_rename)
    code, _, err = build(capsys, str(tiny), "--out", str(out), "--seed", "9")
    assert_one_line_error(code, err, f"{out}: output: cannot write: No space left on device")
    assert snapshot(out) == before and not leftovers(out)


def test_refuses_to_replace_a_folder_it_did_not_build(tmp_path, tiny, capsys):
    """A non-empty folder without the tracegen marker is never replaced."""
    out = tmp_path / "docs"
    out.mkdir()
    (out / "thesis.tex").write_text("precious", encoding="utf-8")
    code, _, err = build(capsys, str(tiny), "--out", str(out))
    assert_one_line_error(code, err, f"{out}: output: the folder exists and was not built by tracegen")
    assert snapshot(out) == {"thesis.tex": b"precious"}


def test_committed_readme_survives_rebuilds(tmp_path, tiny, capsys):
    """A README.md in the output folder (site/README.md is in git) is carried into every new build."""
    out = tmp_path / "site"
    out.mkdir()
    (out / "README.md").write_text("# site/\n", encoding="utf-8")
    for _ in range(2):
        assert build(capsys, str(tiny), "--out", str(out), "--reproducible")[0] == 0
        assert (out / "README.md").read_text(encoding="utf-8") == "# site/\n"
    assert (out / "tiny/index.html").is_file() and not leftovers(out)


def test_unknown_lesson_name_is_one_line(tmp_path, capsys):
    """Naming a lesson that does not exist lists the available ones."""
    code, _, err = build(capsys, "nope", "--out", str(tmp_path / "s"))
    assert_one_line_error(code, err, "lessons: lesson: no lesson named 'nope'")


# --- static files -------------------------------------------------------------------------------

def test_site_css_on_disk_is_the_compacted_template(built):
    """The site serves templates/static/site.css compacted, and nothing else changed in it."""
    source = (TEMPLATES_DIR / "static/site.css").read_text(encoding="utf-8")
    assert (built / "static/site.css").read_text(encoding="utf-8") == assets.compact_css(source)
    assert (built / "static/favicon.svg").read_bytes() == (TEMPLATES_DIR / "static/favicon.svg").read_bytes()
