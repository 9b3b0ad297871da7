"""html/quiz.py: the quiz forms and the JSON the page's script grades with."""

from __future__ import annotations

import json

from tracegen.html import quiz
from tracegen.quiz.question import Option, Question, default_tolerance


def test_quiz_data_holds_right_answers_but_no_duplicate_text(binary_trace):
    """The JSON says which options are right and holds numeric answers; texts stay in the forms."""
    questions = (
        Question(id="pick", kind="single", prompt="Pick", explanation="Because",
                 generator="test", options=(Option("a", False, "no: a"), Option("b", True, "yes: b"))),
        Question(id="num", kind="numeric", prompt="How many?", explanation="Count", generator="test",
                 options=(Option("200", False, "that is train", value=800.0),), answer=200.0, decimals=0),
    )
    view = quiz.quiz_view(questions, binary_trace)
    assert view.storage_key == f"tracegen:{binary_trace.lesson}:{binary_trace.hash}"
    single, numeric = view.data["questions"]
    assert single == {"id": "pick", "kind": "single", "n_options": 2, "correct": [1]}
    assert numeric["answer"] == 200.0 and numeric["tolerance"] == default_tolerance(0) and numeric["shown"] == "200"
    assert numeric["wrong"] == [{"value": 800.0, "feedback": "that is train"}]
    assert "yes: b" not in json.dumps(view.data)
    assert [o.feedback for o in view.questions[0].options] == ["no: a", "yes: b"]
    assert view.questions[1].answer_hint == "a whole number"
