"""The bad-input corpus: every case in tests/bad_inputs/ fails with exit 2 and one exact error line.

A case is a folder: the files it needs (lesson.md, data.csv, answers.toml, a templates
folder, ...), `command` (the tracegen arguments, run from inside the folder) and `expected`
(the one stderr line; `{dir}` stands for the case folder, as CSV paths are resolved; a line
ending in `...` fixes only the start, for lists of choices that grow with tracegen).
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import write_lesson
from tracegen import pipeline
from tracegen.cli import main
from tracegen.errors import TracegenError
from tracegen.pipeline.data import training_rows
from tracegen.spec import load_lesson

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def run_case(argv: list[str], capsys) -> tuple[int, str, str]:
    """Run one case's command in-process; return (exit code, stdout, stderr)."""
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_corpus_has_at_least_60_cases():
    """The issue's bar: at least 60 bad inputs, each with a command and an expected line."""
    assert len(CASES) >= 60
    for name in CASES:
        assert (CORPUS / name / "command").is_file() and (CORPUS / name / "expected").is_file(), name


@pytest.mark.parametrize("name", CASES)
def test_bad_input_gives_one_line_and_exit_2(name, tmp_path, capsys, monkeypatch):
    """Exit 2, exactly the expected `tracegen: error: FILE[:LINE]: ...` line, no traceback, nothing built."""
    folder = tmp_path / name
    shutil.copytree(CORPUS / name, folder)
    monkeypatch.chdir(folder)
    argv = shlex.split((folder / "command").read_text(encoding="utf-8"))
    expected = (folder / "expected").read_text(encoding="utf-8").rstrip("\n")
    code, _, err = run_case(argv, capsys)
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.replace(str(folder.resolve()), "{dir}").splitlines()
    errors = [line for line in lines if line.startswith("tracegen: error: ")]
    assert len(errors) == 1, err
    if expected.endswith("..."):  # a long list of choices that grows with tracegen: only its start is fixed
        assert errors[0].startswith(expected[:-3]) and len(errors[0]) > len(expected), errors[0]
    else:
        assert errors[0] == expected
    # Build progress lines may come first; nothing else (a warning, a second error) may reach stderr.
    assert all(line.startswith("tracegen: ") for line in lines), err
    assert not (folder / "out").exists()
    assert not [p.name for p in folder.iterdir() if ".build-" in p.name or ".old-" in p.name]


def test_debug_shows_the_traceback(tmp_path, monkeypatch):
    """`--debug` re-raises the corpus error, so a bug report gets the traceback."""
    folder = tmp_path / "case"
    shutil.copytree(CORPUS / "csv-ragged-short-row", folder)
    monkeypatch.chdir(folder)
    with pytest.raises(TracegenError, match="has 2 fields, the header has 3"):
        main(["--debug", "run", "lesson.md"])


# --- what must be accepted -------------------------------------------------------------------

def test_utf8_bom_and_crlf_csv_runs(tmp_path, capsys):
    """A CSV saved by a spreadsheet (UTF-8 BOM, CRLF line ends) is not an error: the lesson runs."""
    rows = "".join(f"{i % 7}.5,{(i * 3) % 11},{'yes' if i % 2 else 'no'}\r\n" for i in range(24))
    (tmp_path / "data.csv").write_bytes(("\ufeffa,b,label\r\n" + rows).encode("utf-8"))
    lesson = write_lesson(tmp_path, 'epochs = 2\n[dataset]\nsource = "csv"\npath = "data.csv"\ntarget = "label"\n')
    assert main(["run", str(lesson), "--reproducible"]) == 0, capsys.readouterr().err
    trace = pipeline.run(load_lesson(lesson))
    assert trace.data.feature_names == ("a", "b") and trace.evaluation.classes == ("no", "yes")


@pytest.mark.parametrize(("n_samples", "test_size", "validation_size"),
                         [(60, 0.2, 0.0), (61, 0.25, 0.0), (97, 0.3, 0.25), (50, 0.15, 0.1)])
def test_batch_size_bound_is_the_real_training_row_count(tmp_path, n_samples, test_size, validation_size):
    """The batch_size check counts training rows as the split stage does: exactly that many is accepted."""
    front = (f'epochs = 1\n[dataset]\nsource = "make_classification"\nn_samples = {n_samples}\n'
             f'[split]\ntest_size = {test_size}\nvalidation_size = {validation_size}\n'
             '[model]\nkind = "mlp"\nhidden_layer_sizes = [3]\nbatch_size = BATCH\n')
    probe = load_lesson(write_lesson(tmp_path, front.replace("BATCH", "1"), name="probe"))
    n_train = pipeline.run(probe).stage("split").output_shape["train"][0]
    assert training_rows(n_samples, probe) == n_train
    # filterwarnings=error: scikit-learn's "batch_size larger than sample size" warning would fail this run.
    pipeline.run(load_lesson(write_lesson(tmp_path, front.replace("BATCH", str(n_train)), name="fits")))
    with pytest.raises(TracegenError, match=f"expected at most the {n_train} training rows"):
        pipeline.run(load_lesson(write_lesson(tmp_path, front.replace("BATCH", str(n_train + 1)), name="over")))


# --- a large CSV is read once -------------------------------------------------------------------

MEASURE = """
import sys
from pathlib import Path
from tracegen.pipeline.data import load_csv

def status(key):
    # VmHWM is this process image's peak (ru_maxrss can carry the forking parent's peak across exec).
    line = next(l for l in open("/proc/self/status") if l.startswith(key + ":"))
    return int(line.split()[1]) * 1024

before = status("VmRSS")
data = load_csv(Path(sys.argv[1]), "label", lesson="big.md")
grown = status("VmHWM") - before
print(data.X.shape[0], data.X.shape[1], float(data.X.sum()), len(data.classes), grown)
"""


def test_large_csv_is_read_in_one_pass_without_a_text_copy(tmp_path):
    """A ~25 MB CSV loads with peak memory growth under 1.5x its float64 array plus a small constant."""
    rng = np.random.default_rng(0)
    n_features, block_rows, repeats = 12, 2_000, 80
    block = rng.normal(size=(block_rows, n_features)).round(9)
    labels = np.where(block[:, 0] > 0, "pos", "neg")
    text = "".join(",".join(map(repr, row.tolist())) + f",{label}\n" for row, label in zip(block, labels))
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8") as out:
        out.write(",".join([f"f{i}" for i in range(n_features)] + ["label"]) + "\n")
        for _ in range(repeats):
            out.write(text)
    n_rows = block_rows * repeats
    assert 20e6 < path.stat().st_size < 30e6
    result = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True)
    rows, columns, total, n_classes, grown = result.stdout.split()
    assert (int(rows), int(columns), int(n_classes)) == (n_rows, n_features, 2)
    assert float(total) == pytest.approx(repeats * block.sum())
    array_bytes = n_rows * n_features * 8
    # Holding the text (~25 MB) or a second copy of the array next to the result would break this bound.
    # The constant covers the 16 bytes per row of labels and line numbers and the interpreter's own growth.
    assert int(grown) < 1.5 * array_bytes + 16 * n_rows + 8_000_000, (int(grown), array_bytes)
