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
