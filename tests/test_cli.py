"""Command line: `tracegen run` output, --json, and one-line errors with exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, write_lesson
from tracegen.cli import main
from tracegen.trace import Trace

GOOD_DATASET = '[dataset]\nsource = "csv"\npath = "data.csv"\ntarget = "label"\n'


def write_csv(folder, rows, header="a,b,label"):
    """Write data.csv under `folder`."""
    (folder / "data.csv").write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")


def good_rows(n=40):
    """Rows with two numeric features and two balanced classes."""
    return [f"{i % 7}.5,{(i * 3) % 11},{'yes' if i % 2 else 'no'}" for i in range(n)]


def run_cli(capsys, *argv):
    """Run main() in-process; return (exit code, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, file, field):
    """Exit 2 and exactly one line naming the file and field."""
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"tracegen: error: {file}: {field}: "), lines[0]
    assert "Traceback" not in err


BAD_LESSONS = {
    "unknown dataset": ('epochs = 2\n[dataset]\nsource = "mnist"\n', None, "dataset.source"),
    "missing csv": ("epochs = 2\n" + GOOD_DATASET.replace("data.csv", "nope.csv"), None, "dataset.path"),
    "missing target": ("epochs = 2\n" + GOOD_DATASET.replace('"label"', '"class"'), "csv", "class"),
    "non-numeric feature": ("epochs = 2\n" + GOOD_DATASET, "csv:a", "a"),
    "nan value": ("epochs = 2\n" + GOOD_DATASET, "csv:nan", "b"),
    "one-class test split": ("epochs = 2\n" + GOOD_DATASET + "[split]\nstratify = false\ntest_size = 0.1\n",
                             "csv:oneclass", "split.test_size"),
    "test fraction 1.5": ("epochs = 2\n" + GOOD_DATASET + "[split]\ntest_size = 1.5\n", None, "split.test_size"),
    "test fraction 0": ("epochs = 2\n" + GOOD_DATASET + "[split]\ntest_size = 0\n", None, "split.test_size"),
    "epochs 0": ("epochs = 0\n" + GOOD_DATASET, None, "epochs"),
    "epochs negative": ("epochs = -3\n" + GOOD_DATASET, None, "epochs"),
    "unknown model": ('epochs = 2\n[model]\nkind = "forest"\n' + GOOD_DATASET, None, "model.kind"),
    "malformed front matter": ("epochs = = 2\n" + GOOD_DATASET, None, "front matter"),
    "unknown key": ("epochs = 2\nepoch = 3\n" + GOOD_DATASET, None, "epoch"),
}


@pytest.mark.parametrize("case", sorted(BAD_LESSONS))
def test_bad_lesson_gives_one_line(case, tmp_path, capsys):
    """Each bad lesson or data file gives `tracegen: error: <file>: <field>: ...` and exit 2."""
    front, data, field = BAD_LESSONS[case]
    rows = good_rows()
    if data == "csv:a":
        rows[5] = "abc,1,yes"
    elif data == "csv:nan":
        rows[7] = "1.0,nan,no"
    elif data == "csv:oneclass":
        rows = [f"{i}.0,{i % 3},no" for i in range(39)] + ["5.0,1,yes"]
    write_csv(tmp_path, rows)
    lesson = write_lesson(tmp_path, front)
    code, _, err = run_cli(capsys, "run", str(lesson))
    file = {"csv": f"{tmp_path / 'data.csv'}:1", "csv:a": f"{tmp_path / 'data.csv'}:7",
            "csv:nan": f"{tmp_path / 'data.csv'}:9"}.get(data, lesson)
    if case == "malformed front matter":
        file = f"{lesson}:2"
    assert_one_line_error(code, err, file, field)


def test_error_line_points_at_csv_line(tmp_path, capsys):
    """A bad CSV cell is reported with its file, line and column."""
    rows = good_rows()
    rows[5] = "abc,1,yes"
    write_csv(tmp_path, rows)
    code, _, err = run_cli(capsys, "run", str(write_lesson(tmp_path, "epochs = 2\n" + GOOD_DATASET)))
    assert err.startswith(f"tracegen: error: {tmp_path / 'data.csv'}:7: a: non-numeric value 'abc'")


def test_unknown_lesson_name(capsys):
    """An unknown lesson name lists the lessons that exist."""
    code, _, err = run_cli(capsys, "--lessons", str(ROOT / "lessons"), "run", "no-such-lesson")
    assert_one_line_error(code, err, ROOT / "lessons", "lesson")
    assert "precision-recall" in err


@pytest.mark.parametrize("argv", [["run", "precision-recall", "--epochs", "0"],
                                  ["run", "precision-recall", "--seed", "-1"],
                                  ["run"], ["fly"]])
def test_bad_options_give_one_line(argv, capsys):
    """Malformed options give one line and exit 2, not argparse's usage dump."""
    code, _, err = run_cli(capsys, *argv)
    assert code == 2 and len(err.splitlines()) == 1 and err.startswith("tracegen: error: ")


def test_run_prints_trace_and_writes_json(tmp_path, capsys, binary_trace):
    """`run --json` writes the same trace the fixture computed, and prints every section."""
    out_json = tmp_path / "out" / "trace.json"
    code, out, _ = run_cli(capsys, "--lessons", str(ROOT / "lessons"), "run", "precision-recall",
                           "--json", str(out_json), "--reproducible")
    assert code == 0
    assert out_json.read_text() == binary_trace.to_json()
    assert Trace.from_json(out_json.read_text()) == binary_trace
    assert "Data Flow - 6 stages" in out and "Provenance" not in out


def test_python_dash_m_and_no_traceback(tmp_path):
    """`python -m tracegen` runs a lesson, and a bad one fails in one line without a traceback."""
    ok = subprocess.run([sys.executable, "-m", "tracegen", "run", "precision-recall", "--epochs", "2"],
                        cwd=ROOT, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "Provenance" in ok.stdout and "wall time" in ok.stdout
    lesson = write_lesson(tmp_path, 'epochs = 2\n[dataset]\nsource = "mnist"\n')
    bad = subprocess.run([sys.executable, "-m", "tracegen", "run", str(lesson)], cwd=ROOT,
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().count("\n") == 0


def test_json_output_errors_are_one_line(tmp_path, capsys):
    """--json naming a folder, or a path under a file, is one output error line; a good path leaves no temp file."""
    lessons = str(ROOT / "lessons")
    code, _, err = run_cli(capsys, "--lessons", lessons, "run", "precision-recall", "--epochs", "2",
                           "--json", str(tmp_path))
    assert_one_line_error(code, err, tmp_path, "output")
    assert err.rstrip().endswith("is a directory; give a file path")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    code, _, err = run_cli(capsys, "--lessons", lessons, "run", "precision-recall", "--epochs", "2",
                           "--json", str(tmp_path / "file" / "trace.json"))
    assert_one_line_error(code, err, tmp_path / "file" / "trace.json", "output")
    assert ": output: cannot write: " in err
    code, _, _ = run_cli(capsys, "--lessons", lessons, "run", "precision-recall", "--epochs", "2",
                         "--json", str(tmp_path / "out" / "trace.json"))
    assert code == 0 and [p.name for p in (tmp_path / "out").iterdir()] == ["trace.json"]


def test_json_refuses_to_replace_a_link_or_a_fifo_and_replaces_a_file(tmp_path, capsys):
    """--json onto a symbolic link or a FIFO is one output error and leaves it as it was; a regular file is
    replaced whole."""
    import os

    lessons = str(ROOT / "lessons")
    (tmp_path / "mine.txt").write_text("the user's", encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "mine.txt")
    os.mkfifo(tmp_path / "fifo")
    for name, kind in (("link", "is a symbolic link"), ("fifo", "is a FIFO (named pipe)")):
        code, _, err = run_cli(capsys, "--lessons", lessons, "run", "precision-recall", "--epochs", "2",
                               "--json", str(tmp_path / name))
        assert_one_line_error(code, err, tmp_path / name, "output")
        assert err.rstrip().endswith(f"{kind}; give a file path")
    assert (tmp_path / "link").is_symlink() and (tmp_path / "mine.txt").read_text(encoding="utf-8") == "the user's"
    (tmp_path / "old.json").write_text("old", encoding="utf-8")
    code, _, _ = run_cli(capsys, "--lessons", lessons, "run", "precision-recall", "--epochs", "2",
                         "--json", str(tmp_path / "old.json"), "--reproducible")
    replaced = Trace.from_json((tmp_path / "old.json").read_text(encoding="utf-8"))
    assert code == 0 and replaced.lesson == "precision-recall"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo", "link", "mine.txt", "old.json"]


@pytest.mark.parametrize("argv", [["quiz", "precision-recall"], ["run", "precision-recall", "--epochs", "2"]])
def test_reader_gone_is_a_quiet_exit(argv):
    """`tracegen quiz ... | head -1`: when stdout's reader has gone, no BrokenPipeError traceback, exit 1."""
    # The read end is closed before tracegen writes a byte, so its first write meets a reader that has gone.
    process = subprocess.Popen([sys.executable, "-m", "tracegen", *argv], cwd=ROOT, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()
    _, err = process.communicate(timeout=300)
    assert err.decode() == "" and process.returncode == 1


@pytest.mark.parametrize("closed", [1, 2])
def test_closed_stdout_or_stderr_keeps_the_exit_code(closed, tmp_path):
    """Started with stdout or stderr closed (`>&-`), a run still exits 0 and a bad lesson 2, with no traceback."""
    good = subprocess.run([sys.executable, "-m", "tracegen", "run", "precision-recall", "--epochs", "2"], cwd=ROOT,
                          capture_output=True, preexec_fn=lambda: os.close(closed), check=False)
    bad = subprocess.run([sys.executable, "-m", "tracegen", "run", str(tmp_path / "missing.md")], cwd=ROOT,
                         capture_output=True, preexec_fn=lambda: os.close(closed), check=False)
    assert (good.returncode, bad.returncode) == (0, 2)
    for result in (good, bad):
        assert b"Traceback" not in result.stderr and b"Exception ignored" not in result.stderr
    if closed == 1:
        expected = f"tracegen: error: {tmp_path / 'missing.md'}: lesson: file not found"
        assert bad.stderr.decode().splitlines() == [expected]
