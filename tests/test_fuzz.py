"""Fuzzing: random and mangled lesson files and CSVs give a result or our own error, nothing else."""

from __future__ import annotations

import contextlib
import string

from hypothesis import HealthCheck, given, settings, strategies as st

from tracegen.errors import TracegenError
from tracegen.pipeline.data import load_csv
from tracegen.pipeline.predictions import load_predictions
from tracegen.spec import load_lesson

VALID_FRONT = """title = "T"
epochs = 3
normalization = "standard"
[dataset]
source = "make_classification"
n_samples = 100
n_features = 4
[split]
test_size = 0.2
validation_size = 0.1
seed = 1
[model]
kind = "mlp"
hidden_layer_sizes = [4]
[evaluation]
thresholds = [0.5]
snapshots = [1, 3]
[quiz]
generators = ["test_rows"]
"""
VALID_CSV = "a,b,label\n1.5,2,x\n3,4.25,y\n5,6,x\n7,8,y\n"
SETTINGS = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def mangle(text: str, data) -> str:
    """Delete, duplicate, replace or insert characters at random places."""
    chars = list(text)
    for _ in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(0, max(len(chars) - 1, 0)))
        action = data.draw(st.sampled_from(["delete", "duplicate", "replace", "insert"]))
        char = data.draw(st.sampled_from(list(string.printable) + ["\x00", "\u00e9", "\ufeff", "+++"]))
        if action == "delete" and chars:
            del chars[position]
        elif action == "duplicate" and chars:
            chars.insert(position, chars[position])
        elif action == "replace" and chars:
            chars[position] = char
        else:
            chars.insert(position, char)
    return "".join(chars)


@SETTINGS
@given(data=st.data())
def test_mangled_lessons(tmp_path_factory, data):
    """A mangled lesson file parses or raises TracegenError."""
    path = tmp_path_factory.mktemp("fuzz") / "lesson.md"
    path.write_text(mangle(f"+++\n{VALID_FRONT}+++\nBody [[ n_test ]].\n", data), encoding="utf-8")
    with contextlib.suppress(TracegenError):
        load_lesson(path)


@SETTINGS
@given(text=st.text(max_size=400))
def test_random_lessons(tmp_path_factory, text):
    """Arbitrary text as a lesson file parses or raises TracegenError."""
    path = tmp_path_factory.mktemp("fuzz") / "lesson.md"
    path.write_bytes(("+++\n" + text + "\n+++\n").encode("utf-8", "surrogatepass"))
    with contextlib.suppress(TracegenError):
        load_lesson(path)


@SETTINGS
@given(data=st.data())
def test_mangled_csvs(tmp_path_factory, data):
    """A mangled CSV loads or raises TracegenError."""
    path = tmp_path_factory.mktemp("fuzz") / "data.csv"
    path.write_text(mangle(VALID_CSV, data), encoding="utf-8")
    with contextlib.suppress(TracegenError):
        load_csv(path, "label", lesson="lesson.md")


@SETTINGS
@given(raw=st.binary(max_size=300))
def test_random_csv_bytes(tmp_path_factory, raw):
    """Arbitrary bytes as a CSV load or raise TracegenError."""
    path = tmp_path_factory.mktemp("fuzz") / "data.csv"
    path.write_bytes(b"a,label\n" + raw)
    with contextlib.suppress(TracegenError):
        load_csv(path, "label", lesson="lesson.md")


# --- structural mangling: whole lines and values, not just characters ------------------------

TOML_VALUES = ['""', '"x"', "0", "-1", "1", "2.5", "1e400", "-0.0", "nan", "inf", "true", "false", "[]", "[0]",
               '["a", 1]', "{}", "{a = 1}", "99999999999999999999", "2026-01-01", '"<script>"', '"\\u0000"']
CSV_CELLS = ["", "nan", "inf", "-inf", "1e999", "0x10", "1_000", " 1 ", "\"1\"", "\"", "a,b", "\ufeff1", "-", "x",
             "\u00e9"]


def mangle_lines(lines: list[str], data, values: list[str], separator: str) -> list[str]:
    """Delete, duplicate or swap whole lines, or replace one field's value with a value of another type."""
    lines = list(lines)
    for _ in range(data.draw(st.integers(1, 4))):
        if not lines:
            break
        i, j = (data.draw(st.integers(0, len(lines) - 1)) for _ in range(2))
        action = data.draw(st.sampled_from(["delete", "duplicate", "swap", "value"]))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(j, lines[i])
        elif action == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif separator in lines[i]:
            fields = lines[i].split(separator)
            k = data.draw(st.integers(0 if separator == "," else 1, len(fields) - 1))
            fields[k] = data.draw(st.sampled_from(values))
            lines[i] = separator.join(fields)
    return lines


@SETTINGS
@given(data=st.data())
def test_structurally_mangled_lessons(tmp_path_factory, data):
    """Lines dropped, repeated or moved between tables, and values of the wrong type, parse or raise TracegenError."""
    path = tmp_path_factory.mktemp("fuzz") / "lesson.md"
    front = mangle_lines(VALID_FRONT.splitlines(), data, TOML_VALUES, " = ")
    path.write_text("+++\n" + "\n".join(front) + "\n+++\nBody.\n", encoding="utf-8")
    with contextlib.suppress(TracegenError):
        load_lesson(path)


@SETTINGS
@given(data=st.data())
def test_structurally_mangled_csvs(tmp_path_factory, data):
    """Rows dropped, repeated or moved (the header too), and odd cells, load or raise TracegenError."""
    path = tmp_path_factory.mktemp("fuzz") / "data.csv"
    path.write_text("\n".join(mangle_lines(VALID_CSV.splitlines(), data, CSV_CELLS, ",")) + "\n", encoding="utf-8")
    with contextlib.suppress(TracegenError):
        load_csv(path, "label", lesson="lesson.md")


VALID_PREDICTIONS = ("y_true,a,b,c\na,0.7,0.2,0.1\nb,0.1,0.8,0.1\nc,0.2,0.2,0.6\na,0.5,0.25,0.25\n",
                     "y_true,score\nno,0.1\nyes,0.9\nno,0.35\nyes,0.8\n")


@SETTINGS
@given(data=st.data())
def test_mangled_predictions(tmp_path_factory, data):
    """A mangled predictions CSV (characters or whole rows and cells) loads or raises TracegenError."""
    path = tmp_path_factory.mktemp("fuzz") / "predictions.csv"
    text = data.draw(st.sampled_from(VALID_PREDICTIONS))
    if data.draw(st.booleans()):
        text = mangle(text, data)
    else:
        text = "\n".join(mangle_lines(text.splitlines(), data, CSV_CELLS + ["1.5", "-0.1", "0.5"], ",")) + "\n"
    path.write_text(text, encoding="utf-8")
    try:
        predictions = load_predictions(path)
    except TracegenError:
        return
    assert ((predictions.proba >= 0) & (predictions.proba <= 1)).all()
    assert abs(predictions.proba.sum(axis=1) - 1).max() <= 1e-6
    assert len(predictions.y_true) == len(predictions.proba)
