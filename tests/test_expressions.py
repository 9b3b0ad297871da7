"""expressions.py: [[ expr | spec ]] over a trace reads fields, formats them, and allows nothing else."""

from __future__ import annotations

import contextlib
import dataclasses
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sklearn.metrics import average_precision_score

from tracegen import trace as trace_module
from tracegen.expression_values import FUNCTIONS
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


# --- nothing an expression does can crash, hang or print an object -------------------------------

@pytest.mark.parametrize(("expression", "problem"), [
    ("data.classes < 1", "'<' not supported between ('0', '1') and 1"),
    ("-data.classes", "bad operand type for unary -: 'tuple'"),
    ('"a" * 10**20', "unsupported syntax"),
    ("10**10**10", "unsupported syntax"),
    ('"a" * 100000000000000000000', "a whole number larger than 10**18"),
    ("99999999999 * 99999999999", "a whole number larger than 10**18"),
    ('"a" * 10000000000', "it would make 10000000000 characters or items; the limit is 100000"),
    ("data.classes * 50001", "it would make 100002 characters or items"),
    ("round(1e308*10)", "cannot convert float infinity to integer"),
    ("round(5, -1000000000000000000)", "round() takes at most 100 digits"),
    ("sum(epochs)", "sum() adds a list of numbers"),
    ("epochs + 1", "unsupported operand type(s) for +: 'tuple' and 'int'"),
    ("stage * 2", "unsupported operand type(s) for *: 'Named' and 'int'"),
    ("compare(stage, 1)", "compare() compares numbers, got the stages by name"),
    ("compare(1 < 2, 1)", "compare() compares numbers, got True"),
    ("change('a', 1)", "change() compares numbers, got 'a'"),
    ("pick('yes', 1, 2)", "pick() needs a comparison as its condition, got 'yes'"),
    ("lowest(epochs, 3)", "the field name must be a text in quotes, got 3"),
    ("lowest(n_test, 'epoch')", "no field 'epoch' in every record"),
    ("highest(stages, 'fitted_on')", "field 'fitted_on' is not a number in every record"),
    ("column(n_test, 0)", "column() needs a matrix given as rows, got"),
    ("column(evaluation.confusion_matrix, 'a')", "column() needs a whole-number column, got 'a'"),
    ("column(evaluation.confusion_matrix, 2)", "no column 2 in every row"),
    ("fmt(1, 5)", "fmt() takes the format as a text in quotes, got 5"),
    ("fmt(stage, '')", "cannot print the stages by name"),
    ("fmt(1, '.1000000000f')", "asks for a width or precision of 1000000000; the limit is 100"),
])
def test_wrong_types_and_sizes_are_one_expression_error_naming_the_expression(expression, problem, binary_trace):
    """Each of these was a TypeError or OverflowError traceback, a hang, or a page with an object in it."""
    with pytest.raises(ExpressionError) as error:
        evaluate_expression(expression, binary_trace)
    assert problem in str(error.value) and repr(expression) in str(error.value)


def test_an_error_names_a_large_value_by_its_kind_not_its_contents(binary_trace):
    """An index that is a whole column of scores is named by its size, so the error stays one short line."""
    with pytest.raises(ExpressionError, match=r"no item \[a list of \d+ items\]") as error:
        evaluate_expression("epochs[evaluation.y_score]", binary_trace)
    assert len(str(error.value)) < 200


@pytest.mark.parametrize(("text", "problem"), [
    ("[[ 1 | 1000000000 ]]", "format '1000000000' asks for a width or precision of 1000000000; the limit is 100"),
    ("[[ 1 | .1000000000f ]]", "asks for a width or precision of 1000000000"),
    ("[[ 1 | 0" + "9" * 5000 + " ]]", "asks for a width or precision of 0999999999999999999"),
    ("[[ 1 | 101 ]]", "asks for a width or precision of 101"),
    ("[[ stage ]]", "cannot print the stages by name (from 'stage')"),
    ("[[ evaluation ]]", "cannot print a record (BinaryEvaluation) (from 'evaluation')"),
    ("[[ stages ]]", "cannot print a list of 6 items (from 'stages')"),
    ("[[ stage.split.output_shape ]]", "cannot print a table of"),
    ("[[ stage.load.fitted_on ]]", "cannot print None (no value on this run)"),
    ("[[ data.classes * 501 ]]", "cannot print a list of 1002 items"),
])
def test_only_plain_data_within_the_limits_is_printed(text, problem, binary_trace):
    """A record or object would print Python's view of it (`[[ stage ]]` printed a memory address)."""
    with pytest.raises(ExpressionError) as error:
        substitute(text, binary_trace)
    assert problem in str(error.value) and "0x" not in str(error.value)


def test_plain_values_at_the_limits_print_as_python_shows_them(binary_trace):
    """The bounds refuse only what is past them: a width of 100, 1000 printed items, 10**18, texts made by *."""
    classes = binary_trace.data.classes
    assert substitute("[[ 1 | 100 ]]", binary_trace) == format(1, "100")
    assert substitute("[[ data.classes * 500 ]]", binary_trace, escape=False) == str(classes * 500)
    assert substitute("[[ 1000000000000000000 + 0 ]]", binary_trace) == str(10**18)
    assert substitute("[[ 'ab' * 3 + 'c' ]]", binary_trace) == "abababc"
    assert substitute("[[ round(2.5) ]] [[ round(1.25, 1) ]]", binary_trace) == f"{round(2.5)} {round(1.25, 1):.3f}"


def test_unclosed_brackets_are_scanned_in_linear_time(binary_trace):
    """60,000 `[[` with no `]]` took minutes (the pattern retried each to the end of the line); now text."""
    text = "[[" * 60_000 + "\n" + "[[ x\n" * 60_000 + "[[ n_test ]]"
    start = time.perf_counter()
    result = substitute(text, binary_trace)
    # Generous for a loaded machine: the quadratic scan took over 20 s for the first line alone.
    assert time.perf_counter() - start < 2
    assert result == text.replace("[[ n_test ]]", str(binary_trace.split_counts()["test"]))


# --- property: over random expression trees, only ExpressionError comes out ----------------------

_RECORDS = [cls for cls in vars(trace_module).values() if isinstance(cls, type) and dataclasses.is_dataclass(cls)]
FIELDS = sorted({f.name for cls in _RECORDS for f in dataclasses.fields(cls)}
                | {"load", "split", "normalize", "train", "evaluate", "__class__", "items", "no_such"})
NAMES = sorted({f.name for f in dataclasses.fields(trace_module.Trace)}
               | {"stage", "n_rows", "n_train", "n_validation", "n_test", "nothing", "open", "__import__"})
LITERALS = st.one_of(
    st.integers(min_value=-10**25, max_value=10**25).map(str),
    st.floats(allow_nan=False).map(lambda x: repr(x).replace("inf", "1e309")),
    st.sampled_from(["0", "1", "-1", "2", "1e308", "10000000000", "0.5", "True", "None", "1j"]),
    st.text(alphabet="ab<&'\" |]", max_size=4).map(repr),
)
CALLABLE = sorted(FUNCTIONS) + ["getattr", "open"]


def _trees(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pairs = st.tuples(children, children)
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/", "**", "%", "//"]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(children, st.sampled_from(["<", "<=", ">", ">=", "==", "!=", "in", "is"]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["-", "not ", "+", "~"]), children).map(lambda t: f"({t[0]}{t[1]})"),
        pairs.map(lambda t: f"({t[0]} and {t[1]})"), pairs.map(lambda t: f"({t[0]} or {t[1]})"),
        pairs.map(lambda t: f"{t[0]}[{t[1]}]"),
        st.tuples(children, st.sampled_from(FIELDS)).map(lambda t: f"{t[0]}.{t[1]}"),
        st.tuples(st.sampled_from(CALLABLE), st.lists(children, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"),
    )


EXPRESSIONS = st.recursive(st.one_of(st.sampled_from(NAMES), LITERALS), _trees, max_leaves=12)
SPECS = st.one_of(st.sampled_from(["", ".3f", ".0%", "d", "e", "c", ",", ">10", "x", "s", "1000000000",
                                   ".1000000000f", "0>5", "^101"]),
                  st.text(alphabet="0123456789.<>^+-#,_%dfegsxc", max_size=6))


@settings(max_examples=2000, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(expression=EXPRESSIONS, spec=SPECS)
def test_random_expression_trees_give_text_or_an_expression_error(expression, spec, binary_trace):
    """Names, literals, operators, subscripts, fields, the word functions and format specs in any mix:
    evaluating or substituting returns (text, for a substitution) or raises ExpressionError, quickly."""
    start = time.perf_counter()
    with contextlib.suppress(ExpressionError):
        evaluate_expression(expression, binary_trace)
    try:
        shown = substitute(f"[[ {expression} | {spec} ]]" if spec else f"[[ {expression} ]]", binary_trace)
    except ExpressionError as exc:
        assert str(exc) and "0x" not in str(exc)
    else:
        assert isinstance(shown, str) and " at 0x" not in shown
    assert time.perf_counter() - start < 2
