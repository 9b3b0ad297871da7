"""pipeline/data.py, the load stage: CSV edge cases, built-ins, fingerprints."""

from __future__ import annotations

import numpy as np
import pytest

from tracegen.errors import DataError
from tracegen.pipeline import data
from tracegen.pipeline.data import load_csv


def csv_file(tmp_path, text, encoding="utf-8"):
    """Write data.csv and return its path."""
    path = tmp_path / "data.csv"
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def load(tmp_path, text, target="label", encoding="utf-8"):
    """Load a CSV written from `text`."""
    return load_csv(csv_file(tmp_path, text, encoding), target, lesson="lesson.md")


def test_utf8_bom_is_accepted(tmp_path):
    """A byte-order mark (Excel's UTF-8 export) does not hide the first column's name."""
    data = load(tmp_path, "\ufeffa,label\n1,x\n2,y\n", target="label")
    assert data.feature_names == ("a",)
    data = load(tmp_path, "\ufefflabel,a\n1,1\n2,2\n", target="label")
    assert data.feature_names == ("a",) and data.classes == ("1", "2")


def test_numeric_labels_sort_as_numbers(tmp_path):
    """Classes 2 and 10 are ordered numerically, and y indexes them."""
    data = load(tmp_path, "a,label\n1,10\n2,2\n3,10\n")
    assert data.classes == ("2", "10")
    np.testing.assert_array_equal(data.y, [1, 0, 1])


def test_quoted_fields_and_blank_lines(tmp_path):
    """Quoted commas and newlines parse; line numbers in errors count physical lines."""
    data = load(tmp_path, 'a,b,label\n1,2,"x, y"\n\n3,4,z\n')
    assert data.classes == ("x, y", "z") and data.X.tolist() == [[1, 2], [3, 4]]
    with pytest.raises(DataError) as error:
        load(tmp_path, 'a,label\n1,"multi\nline"\n\n\nbad,x\n')
    assert error.value.line == 6 and error.value.field == "a"


@pytest.mark.parametrize("text, field, line, message", [
    ("", "header", 1, "empty"),
    ("a,label\n", "rows", None, "no data rows"),
    ("a,a,label\n1,2,x\n", "a", 1, "duplicate column"),
    ("a,,label\n1,2,x\n", "column 2", 1, "empty column name"),
    ("a,b\n1,2\n", "label", 1, "target column not found"),
    ("label\nx\ny\n", "columns", 1, "no feature columns"),
    ("a,label\n1,x\n2,y,3\n", "row", 3, "has 3 fields, the header has 2"),
    ("a,label\n1,x\n,y\n", "a", 3, "an empty cell"),
    ("a,label\n1,x\n2e,y\n", "a", 3, "non-numeric value '2e'"),
    ("a,label\n1,x\nnan,y\n", "a", 3, "not finite"),
    ("a,label\n1,x\n-inf,y\n", "a", 3, "not finite"),
    ("a,label\n1,x\n2,\n", "label", 3, "empty label"),
    ("a,label\n1,x\n2,x\n", "label", None, "only one class (x)"),
    ("a,label\n1,x\n", "label", None, "only one class"),
])
def test_bad_csv(tmp_path, text, field, line, message):
    """Each malformed CSV names the file, the column or row, and the line."""
    with pytest.raises(DataError) as error:
        load(tmp_path, text)
    assert error.value.file == str(tmp_path / "data.csv")
    assert (error.value.field, error.value.line) == (field, line)
    assert message in error.value.message


def test_latin1_bytes_are_rejected_with_a_fix(tmp_path):
    """Non-UTF-8 bytes give an encoding error, not a crash."""
    with pytest.raises(DataError) as error:
        load(tmp_path, "a,label\n1,caf\u00e9\n2,b\n", encoding="latin-1")
    assert error.value.field == "encoding" and "re-save the file as UTF-8" in error.value.message


def test_missing_file_is_reported_against_the_lesson(tmp_path):
    """A missing CSV names the lesson's dataset.path field."""
    with pytest.raises(DataError) as error:
        load_csv(tmp_path / "nope.csv", "label", lesson="lesson.md")
    assert (error.value.file, error.value.field) == ("lesson.md", "dataset.path")


def test_a_builtin_data_set_is_read_once_and_handed_out_as_fresh_arrays():
    """digits is parsed once per process, yet every load is sklearn's data in arrays of its own: a stage
    that changes one in place cannot change the next run's rows."""
    from sklearn.datasets import load_digits

    first = data._builtin("digits")
    first.X[0, 0], first.y[0] = -1.0, 9
    second = data._builtin("digits")
    expected = load_digits()
    assert np.array_equal(second.X, expected.data) and np.array_equal(second.y, expected.target)
    assert second.X.flags.writeable and second.X is not first.X
    assert data._builtin_arrays.cache_info().hits >= 1
