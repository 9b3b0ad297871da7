"""Old import path of tracegen.terminal.quiz (the terminal quiz)."""

# SHIM: removed at merge (cli.py and tests then import tracegen.terminal.quiz)
from tracegen.terminal.quiz import (  # noqa: F401
    HOW_TO_ANSWER,
    WIDTH,
    AnswersError,
    Response,
    ask,
    feedback,
    is_right,
    is_within,
    load_answers,
    parse_response,
    render_question,
    run_quiz,
    shown_answer,
)
