"""Terminal quiz: ask Questions on a text stream, grade, give feedback, and report the score.

Interactive mode reads one answer per question from the input stream. With an answers file
the same questions are graded without asking, for scripting. The answers file is TOML, one
line per question, keyed by question id (the id is shown in brackets before each question):

    # tracegen quiz precision-recall --seed 4 --answers answers.toml
    test_rows = 200           # numeric question: a number
    stage_shape = 2           # single choice: the option number as shown (1-based)
    auc_vs_recall = [1, 4]    # multiple select: a list of option numbers

A question missing from the file counts as unanswered (wrong). Anything else that does not fit
(bad TOML, an unknown id, a wrong type, an option number out of range) is an AnswersError.
Option numbers follow the order shown for that lesson and seed, which is fixed by the trace.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any, TextIO, cast

from tracegen.ascii_numbers import parse_float, parse_int
from tracegen.errors import AnswersError
from tracegen.files import parse_toml, read_text, toml_error_at, undecodable_line
from tracegen.quiz.question import Question, answer_tolerance, is_within, matched_option, shown_answer
from tracegen.terminal.text import WIDTH, wrap

Response = int | tuple[int, ...] | float
HOW_TO_ANSWER = {
    "single": "one option number",
    "multiple": "option numbers separated by commas, e.g. 1,3",
    "numeric": "a number",
}


# ---------------------------------------------------------------- grading


def is_right(question: Question, response: Response | None) -> bool:
    """Return True when `response` answers `question` correctly."""
    if response is None:
        return False
    if question.kind == "numeric":
        return is_within(question, float(cast(float, response)))
    return _chosen(response) == {i + 1 for i in question.correct_indices}


def _chosen(response: Response) -> set[int]:
    """Return the option numbers a single or multiple choice response picks."""
    return {response} if isinstance(response, int) else set(cast(tuple[int, ...], response))


def feedback(question: Question, response: Response | None) -> list[str]:
    """Return the feedback paragraphs for a response: verdict, per-option feedback, explanation."""
    right = is_right(question, response)
    lines = ["Right." if right else ("No answer." if response is None else "Not right.")]
    if question.kind == "numeric":
        lines += _numeric_feedback(question, response, right)
    elif question.kind == "single":
        lines += _single_feedback(question, response, right)
    else:
        lines += _multiple_feedback(question, response)
    lines.append(f"Explanation: {question.explanation}")
    return lines


def _numeric_feedback(question: Question, response: Response | None, right: bool) -> list[str]:
    answer = shown_answer(question)
    tolerance = f"{answer_tolerance(question):g}"
    if right:
        return [f"The answer is {answer} (accepted within +-{tolerance})."]
    lines = []
    if response is not None:
        # A modelled mistake matches when the response would be graded right if its value were the answer.
        matched = matched_option(question, float(cast(float, response)))
        if matched is not None:
            lines.append(matched.feedback)
    return lines + [f"The answer is {answer} (accepted within +-{tolerance})."]


def _single_feedback(question: Question, response: Response | None, right: bool) -> list[str]:
    lines = []
    if isinstance(response, int):
        lines.append(question.options[response - 1].feedback)
    if not right:
        index = question.correct_indices[0]
        lines.append(f"The right answer is {index + 1}) {question.options[index].text}")
    return lines


def _multiple_feedback(question: Question, response: Response | None) -> list[str]:
    chosen = set() if response is None else _chosen(response)
    lines = []
    for number, option in enumerate(question.options, start=1):
        if number in chosen:
            lines.append(f"{number}) chosen: {option.feedback}")
        elif option.correct:
            lines.append(f"{number}) missed, it is true: {option.feedback}")
    right = ", ".join(str(i + 1) for i in question.correct_indices)
    return lines + [f"The true statements are {right}."]


# ---------------------------------------------------------------- asking


def render_question(question: Question, number: int, total: int) -> str:
    """Return the question as shown in the terminal, options numbered from 1."""
    lines = [f"Question {number}/{total} [{question.id}]", *wrap(question.prompt), *table_lines(question)]
    for index, option in enumerate(question.options if question.kind != "numeric" else (), start=1):
        lines += wrap(option.text, f"  {index}) ")
    if question.kind == "numeric" and question.decimals is not None:
        lines.append(f"  (accepted within +-{answer_tolerance(question):g})")
    return "\n".join(lines) + "\n"


def table_lines(question: Question) -> list[str]:
    """Return the rows of the page table a question is read from, indented (a row too wide is wrapped)."""
    if question.needs_table is None:
        return []
    if not question.table:
        return wrap(f"(It is read from {question.needs_table} of the lesson page: open the page to answer.)")
    lines = wrap(f"It is read from {question.needs_table} of the lesson page; the rows it needs:")
    for row in question.table:
        lines += [f"  {row}"] if len(row) + 2 <= WIDTH else wrap(row, "  ")
    return lines


def parse_response(question: Question, text: str) -> Response:
    """Parse one typed answer; raise ValueError with a hint when it does not fit the question."""
    text = text.strip()
    if question.kind == "numeric":
        value = parse_float(text)
        if not math.isfinite(value):
            raise ValueError("expected a finite number")
        return value
    numbers = [parse_int(part) for part in text.replace(",", " ").split()]
    if not numbers:
        raise ValueError("expected an option number")
    for number in numbers:
        if not 1 <= number <= len(question.options):
            raise ValueError(f"options are numbered 1 to {len(question.options)}")
    if question.kind == "single":
        if len(numbers) != 1:
            raise ValueError("choose exactly one option")
        return numbers[0]
    return tuple(sorted(set(numbers)))


def ask(question: Question, stdin: TextIO, stdout: TextIO) -> Response | None:
    """Read answers until one parses; return None at end of input."""
    while True:
        stdout.write(f"Answer ({HOW_TO_ANSWER[question.kind]}): ")
        stdout.flush()
        line = stdin.readline()
        if not line:
            stdout.write("\n")
            return None
        if not stdin.isatty():
            stdout.write(line.rstrip("\n") + "\n")  # echo piped input, so the transcript reads like a session
        try:
            return parse_response(question, line)
        except ValueError as exc:
            reason = str(exc) if not str(exc).startswith(("could not", "invalid literal")) else "not understood"
            stdout.write(f"  {reason}; please answer with {HOW_TO_ANSWER[question.kind]}.\n")


def run_quiz(questions: tuple[Question, ...], stdin: TextIO, stdout: TextIO,
             answers: dict[str, Response] | None = None) -> tuple[int, int]:
    """Ask every question (or take it from `answers`), print feedback and the score; return it."""
    score = 0
    for number, question in enumerate(questions, start=1):
        stdout.write(render_question(question, number, len(questions)))
        if answers is None:
            response = ask(question, stdin, stdout)
        else:
            response = answers.get(question.id)
            stdout.write(f"Answer: {_shown(question, response)}\n")
        score += is_right(question, response)
        for paragraph in feedback(question, response):
            stdout.write("\n".join(wrap(paragraph, "  ")) + "\n")
        stdout.write("\n")
        if answers is None and response is None:
            left = len(questions) - number
            if left:
                stdout.write(f"End of input: {left} question(s) left unanswered.\n\n")
            break
    stdout.write(f"score: {score}/{len(questions)}\n")
    return score, len(questions)


def _shown(question: Question, response: Response | None) -> str:
    if response is None:
        return "(none given)"
    if isinstance(response, tuple):
        return ", ".join(map(str, response))
    return str(response)


# ---------------------------------------------------------------- answers file


# No answer needs more digits; float() overflows on a few hundred, and str() fails on thousands.
ANSWER_DIGITS = 15


def load_answers(path: Path, questions: tuple[Question, ...]) -> dict[str, Response]:
    """Read and check an answers file against the questions it answers."""
    path = Path(path)
    try:
        data = parse_toml(read_text(path))
    except FileNotFoundError:
        raise AnswersError(path, "answers", "file not found") from None
    except IsADirectoryError:
        raise AnswersError(path, "answers", "is a directory; give a TOML file") from None
    except UnicodeDecodeError:
        line, detail = undecodable_line(path)
        raise AnswersError(path, "answers", f"not UTF-8 text ({detail}); save the file as UTF-8",
                           line=line) from None
    except tomllib.TOMLDecodeError as exc:
        message, line = toml_error_at(exc)
        raise AnswersError(path, "answers", f"malformed TOML: {message}; expected lines such as "
                                            f"'test_rows = 200'", line=line) from None
    except OSError as exc:
        raise AnswersError(path, "answers", f"cannot read: {exc.strerror}") from None
    except ValueError as exc:  # tomllib's int() refuses a number of thousands of digits with a plain ValueError
        raise AnswersError(path, "answers", f"malformed TOML: {str(exc).split(';')[0]}") from None
    return checked_answers(data, questions, path)


def checked_answers(data: dict[str, Any], questions: tuple[Question, ...], source: Path | str) -> dict[str, Response]:
    """Return answers keyed by question id (as an answers file holds them) checked against the questions.

    `source` names where they came from in an AnswersError: the file, or the caller (tracegen.take_quiz).
    """
    by_id = {question.id: question for question in questions}
    answers = {}
    for key, value in data.items():
        if key not in by_id:
            raise AnswersError(source, key, f"no question with this id in this quiz; ids: {', '.join(by_id)}")
        answers[key] = _checked(source, by_id[key], value)
    return answers


def _checked(path: Path | str, question: Question, value: Any) -> Response:
    n = len(question.options)
    if any(isinstance(v, int) and abs(v) >= 10**ANSWER_DIGITS for v in (value if isinstance(value, list) else [value])):
        raise AnswersError(path, question.id, f"expected a number of at most {ANSWER_DIGITS} digits")
    if question.kind == "numeric":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise AnswersError(path, question.id, f"expected a number for this numeric question, got {value!r}")
        return float(value)
    numbers = [value] if question.kind == "single" else value
    if question.kind == "multiple" and isinstance(value, int) and not isinstance(value, bool):
        numbers = [value]
    if not isinstance(numbers, list) or not numbers or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in numbers):
        expected = "an option number" if question.kind == "single" else "a list of option numbers, e.g. [1, 3]"
        raise AnswersError(path, question.id, f"expected {expected}, got {value!r}")
    for number in numbers:
        if not 1 <= number <= n:
            raise AnswersError(path, question.id, f"option {number} does not exist; options are 1 to {n}")
    if len(set(numbers)) != len(numbers):
        raise AnswersError(path, question.id, f"an option is listed twice in {value!r}")
    return numbers[0] if question.kind == "single" else tuple(sorted(numbers))
