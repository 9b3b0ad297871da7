"""pipeline/predictions.py: reading a user's predictions CSV, each mistake named by file and field."""

from __future__ import annotations

import numpy as np
import pytest

from tracegen.errors import DataError
from tracegen.pipeline.predictions import load_predictions


def predictions_file(tmp_path, text):
    """Write predictions.csv and return its path."""
    path = tmp_path / "predictions.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_binary_predictions(tmp_path):
    """A score column becomes the positive-class probability of the second label."""
    result = load_predictions(predictions_file(tmp_path, "y_true,score\nham,0.2\nspam,0.9\nham,0.4\n"))
    assert result.classes == ("ham", "spam")
    np.testing.assert_array_equal(result.y_true, [0, 1, 0])
    np.testing.assert_array_equal(result.proba[:, 1], [0.2, 0.9, 0.4])


def test_multiclass_predictions_reorder_columns(tmp_path):
    """Probability columns are matched to labels by name, whatever their order."""
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
    path = predictions_file(tmp_path, text)
    with pytest.raises(DataError) as error:
        load_predictions(path)
    assert error.value.file == str(path) and error.value.field == field
    assert message in error.value.message


def one_hot_file(tmp_path, n_classes):
    """A predictions file of n_classes labels, each row certain of its own label."""
    names = [f"c{i}" for i in range(n_classes)]
    rows = "".join(f"{name}," + ",".join("1" if other == name else "0" for other in names) + "\n" for name in names)
    return predictions_file(tmp_path, "y_true," + ",".join(names) + "\n" + rows)


def test_class_bound_is_inclusive(tmp_path):
    """MAX_CLASSES labels load; one more is refused on y_true before anything is evaluated."""
    from tracegen.pipeline.predictions import MAX_CLASSES

    assert len(load_predictions(one_hot_file(tmp_path, MAX_CLASSES)).classes) == MAX_CLASSES
    with pytest.raises(DataError, match=f"{MAX_CLASSES + 1} different labels, over the {MAX_CLASSES} classes") as err:
        load_predictions(one_hot_file(tmp_path, MAX_CLASSES + 1))
    assert err.value.field == "y_true"
