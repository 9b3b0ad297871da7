"""Fuzzing: random and mangled lesson files and CSVs give a result or our own error, nothing else."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracegen.errors import TracegenError
from tracegen.pipeline.data import load_csv
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
    try:
        load_lesson(path)
    except TracegenError:
        pass


@SETTINGS
@given(text=st.text(max_size=400))
def test_random_lessons(tmp_path_factory, text):
    """Arbitrary text as a lesson file parses or raises TracegenError."""
    path = tmp_path_factory.mktemp("fuzz") / "lesson.md"
    path.write_bytes(("+++\n" + text + "\n+++\n").encode("utf-8", "surrogatepass"))
    try:
        load_lesson(path)
    except TracegenError:
        pass


@SETTINGS
@given(data=st.data())
def test_mangled_csvs(tmp_path_factory, data):
    """A mangled CSV loads or raises TracegenError."""
    path = tmp_path_factory.mktemp("fuzz") / "data.csv"
    path.write_text(mangle(VALID_CSV, data), encoding="utf-8")
    try:
        load_csv(path, "label", lesson="lesson.md")
    except TracegenError:
        pass


@SETTINGS
@given(raw=st.binary(max_size=300))
def test_random_csv_bytes(tmp_path_factory, raw):
    """Arbitrary bytes as a CSV load or raise TracegenError."""
    path = tmp_path_factory.mktemp("fuzz") / "data.csv"
    path.write_bytes(b"a,label\n" + raw)
    try:
        load_csv(path, "label", lesson="lesson.md")
    except TracegenError:
        pass
