"""The load stage: CSV edge cases, built-ins, fingerprints."""

from __future__ import annotations

import numpy as np
import pytest

from tracegen.errors import DataError
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


def predictions_file(tmp_path, text):
    """Write predictions.csv and return its path."""
    path = tmp_path / "predictions.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_binary_predictions(tmp_path):
    """A score column becomes the positive-class probability of the second label."""
    from tracegen.pipeline.data import load_predictions

    result = load_predictions(predictions_file(tmp_path, "y_true,score\nham,0.2\nspam,0.9\nham,0.4\n"))
    assert result.classes == ("ham", "spam")
    np.testing.assert_array_equal(result.y_true, [0, 1, 0])
    np.testing.assert_array_equal(result.proba[:, 1], [0.2, 0.9, 0.4])


def test_multiclass_predictions_reorder_columns(tmp_path):
    """Probability columns are matched to labels by name, whatever their order."""
    from tracegen.pipeline.data import load_predictions

    text = "c,y_true,a,b\n0.5,c,0.25,0.25\n0.1,a,0.8,0.1\n0.2,b,0.2,0.6\n"
    result = load_predictions(predictions_file(tmp_path, text))
    assert result.classes == ("a", "b", "c")
    np.testing.assert_array_equal(result.proba[0], [0.25, 0.25, 0.5])


@pytest.mark.parametrize("text, field, message", [
    ("label,score\n1,0.5\n0,0.2\n", "y_true", "target column not found"),
    ("y_true\n1\n0\n", "columns", "no feature columns"),
    ("y_true,score\n1,0.5\n0,abc\n", "score", "non-numeric"),
    ("y_true,score\n1,0.5\n0,nan\n", "score", "not finite"),
    ("y_true,score\n1,1.5\n0,0.2\n", "score", "outside [0, 1]"),
    ("y_true,score\n1,0.5\n1,0.2\n", "y_true", "only one class"),
    ("y_true,score\n1,0.5\n0,0.2\n2,0.1\n", "y_true", "exactly 2 labels"),
    ("y_true,a,b\na,0.5,0.5\nb,0.5,0.6\n", "row", "sum to 1.1"),
    ("y_true,a,b\na,0.5,0.5\nc,0.5,0.5\n", "columns", "labels without a probability column: c"),
    ("y_true,a,b,z\na,0.5,0.5,0\nb,0.5,0.5,0\n", "columns", "columns matching no label in y_true: z"),
    ("y_true,a,b\na,0.5,0.5\nb,0.5\n", "row", "has 2 fields"),
    ("y_true,a,b\na,-0.1,1.1\nb,0.5,0.5\n", "a", "outside [0, 1]"),
    ("y_true,score,a\na,0.5,0.5\nb,0.5,0.5\n", "score", "not both"),
])
def test_bad_predictions(tmp_path, text, field, message):
    """Each malformed predictions file names the file and the field."""
    from tracegen.pipeline.data import load_predictions

    path = predictions_file(tmp_path, text)
    with pytest.raises(DataError) as error:
        load_predictions(path)
    assert error.value.file == str(path) and error.value.field == field
    assert message in error.value.message
