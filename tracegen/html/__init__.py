"""Trace + questions -> typed page records -> HTML strings; the only user of jinja2, markdown and nh3.

    env.py          the Jinja environment, fmt_* filters, template errors
    prose.py        lesson Markdown with [[ expressions ]] -> safe HTML
    sanitize.py     the allow-list every piece of lesson HTML passes (nh3), and the address rule
    lesson.py       SECTIONS, the lesson and predictions page contexts, and their own sections
    evaluation.py   metric cards, curve views, the confusion heat map
    catalogue.py    the optional evaluation sections a lesson asks for
    quiz.py         quiz forms and the JSON the page's script grades with
"""
