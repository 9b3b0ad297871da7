"""quiz/degenerate.py: the per-trace reasons a question cannot teach (check's and the pages' one rule)."""

from __future__ import annotations

import dataclasses

from tracegen.quiz.build import choice_question, numeric_question
from tracegen.quiz.degenerate import degenerate_questions, teaching_questions
from tracegen.quiz.question import Option


def wrong(*texts: str) -> list[tuple[str, str, str]]:
    return [(text, "a mistake", "no") for text in texts]


def test_right_options_that_contradict_each_other_are_found_and_dropped():
    question = choice_question("trend", "What happened from epoch 5 to 40?",
                               [("Validation AUC rose", "yes"), ("Validation AUC fell", "yes")],
                               wrong("Train loss stayed flat", "Nothing changed"), "e", kind="multiple")
    assert question is not None
    findings = degenerate_questions([question])
    assert findings == [("trend", "right options contradict each other: 'Validation AUC rose' and "
                                  "'Validation AUC fell'")]
    assert teaching_questions([question]) == ()


def test_a_right_and_a_wrong_option_may_be_opposites():
    """The usual distractor is the opposite of the right statement; that is no contradiction."""
    question = choice_question("trend", "?", [("Validation AUC rose", "yes")],
                               wrong("Validation AUC fell", "Validation AUC did not change"), "e")
    assert question is not None and degenerate_questions([question]) == []


def test_too_few_options_repeated_texts_and_twins():
    few = choice_question("few", "?", [("a", "r")], wrong("b", "c"), "e")
    assert few is not None
    few = dataclasses.replace(few, options=few.options[:2])
    shown_twice = dataclasses.replace(few, id="twice", prompt="!",
                                      options=(*few.options, Option(text="b", correct=False, feedback="f")))
    number = numeric_question("n", "How many?", 24, 0, [(12, "half", "f")], "e")
    twin = numeric_question("m", "How many?", 24, 0, [(36, "more", "f")], "e")
    assert number is not None and twin is not None
    assert degenerate_questions([few, shown_twice, number, twin]) == [
        ("few", "2 options; this choice question needs at least 3"),
        ("twice", "option text shown twice: 'b'"),
        ("m", "same prompt and answer as question 'n'"),
    ]
