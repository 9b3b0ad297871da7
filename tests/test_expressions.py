"""expressions.py: [[ expr | spec ]] over a trace reads fields, formats them, and allows nothing else."""

from __future__ import annotations

import pytest
from sklearn.metrics import average_precision_score

from tracegen.expressions import ExpressionError, evaluate_expression, substitute


def test_fields_and_row_counts_read_the_trace(binary_trace):
    ev = binary_trace.evaluation
    assert evaluate_expression("evaluation.average_precision", binary_trace) == average_precision_score(
        ev.y_true, ev.y_score)
    assert evaluate_expression("n_test", binary_trace) == len(ev.y_true)
    assert evaluate_expression("len(epochs)", binary_trace) == len(binary_trace.epochs)
    assert evaluate_expression("epochs[0].epoch", binary_trace) == 1


def test_format_spec_and_line_of_the_substitution(binary_trace):
    ap = binary_trace.evaluation.average_precision
    assert substitute("AP [[ evaluation.average_precision | .3f ]].", binary_trace) == f"AP {ap:.3f}."
    with pytest.raises(ExpressionError) as error:
        substitute("one\ntwo [[ evaluation.no_such_field ]]", binary_trace)
    assert error.value.line == 2 and "no_such_field" in str(error.value)


def test_substituted_text_is_escaped(binary_trace):
    """A value from the data (here a class name) is HTML-escaped unless the caller asks otherwise."""
    assert substitute("[[ 1 < 2 ]]", binary_trace) == "True"
    name = binary_trace.data.classes[0]
    assert substitute("[[ data.classes[0] ]]", binary_trace) == name.replace("&", "&amp;").replace("<", "&lt;")


@pytest.mark.parametrize("expression", [
    "__import__('os')", "evaluation.__class__", "(lambda: 1)()", "[x for x in epochs]", "open('f')",
])
def test_anything_but_field_access_and_arithmetic_is_refused(expression, binary_trace):
    with pytest.raises(ExpressionError):
        evaluate_expression(expression, binary_trace)


@pytest.mark.parametrize(("expression", "word"), [
    ("compare(0.97, 0.96)", "above"), ("compare(0.96, 0.97)", "below"), ("compare(0.5, 0.5)", "equal to"),
    ("compare(0.96904, 0.96896, 4)", "equal to"), ("compare(0.96904, 0.96896)", "above"),
    ("compare(0.9691, 0.96896, 4)", "above"),
    ("compare(-0.075, 0)", "below"), ("change(0.60, 0.81)", "rose"), ("change(0.81, 0.60)", "fell"),
    ("change(3, 3)", "did not change"), ("pick(1 < 2, 'yes', 'no')", "yes"), ("pick(2 < 1, 'yes', 'no')", "no"),
])
def test_word_functions_name_the_direction_of_their_numbers(expression, word, binary_trace):
    assert evaluate_expression(expression, binary_trace) == word


def test_lowest_and_highest_pick_records_by_a_field(binary_trace):
    """lowest/highest return the first epoch record at the minimum/maximum, as argmin/argmax would."""
    val = [e.val_loss for e in binary_trace.epochs]
    assert evaluate_expression("lowest(epochs, 'val_loss').epoch", binary_trace) == val.index(min(val)) + 1
    train = [e.train_accuracy for e in binary_trace.epochs]
    assert evaluate_expression("highest(epochs, 'train_accuracy').epoch", binary_trace) == train.index(max(train)) + 1


def test_column_and_words_compose_in_prose(binary_trace):
    """A sentence built from the words states what the numbers show, whichever way they fall."""
    ev = binary_trace.evaluation
    predicted_positive = ev.confusion_matrix[0][1] + ev.confusion_matrix[1][1]
    assert evaluate_expression("sum(column(evaluation.confusion_matrix, 1))", binary_trace) == predicted_positive
    text = substitute("Accuracy is [[ compare(evaluation.accuracy, evaluation.majority_accuracy) ]] the baseline.",
                      binary_trace)
    want = ("above" if ev.accuracy > ev.majority_accuracy else "below" if ev.accuracy < ev.majority_accuracy
            else "equal to")
    assert text == f"Accuracy is {want} the baseline."


@pytest.mark.parametrize("expression", [
    "pick(1, 'a', 'b')", "lowest(epochs, '__class__')", "lowest(epochs, 'no_such_field')", "column(epochs, 0)",
    "compare('a', 1)", "compare(0.5, 0.4, 2.5)", "compare(0.5, 0.4, 99)",
])
def test_word_functions_refuse_what_they_cannot_read(expression, binary_trace):
    with pytest.raises(ExpressionError):
        evaluate_expression(expression, binary_trace)


def test_conditions_join_with_and_or_not(binary_trace):
    assert evaluate_expression("pick(1 < 2 and not 3 < 2, 'a', 'b')", binary_trace) == "a"
    assert evaluate_expression("pick(2 < 1 or 3 < 2, 'a', 'b')", binary_trace) == "b"
