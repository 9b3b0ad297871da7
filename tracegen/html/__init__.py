"""Trace + questions -> typed page records -> HTML strings; the only user of jinja2, markdown and nh3.

    env.py          the Jinja environment, fmt_* filters, template errors
    prose.py        lesson Markdown with [[ expressions ]] -> safe HTML, cut where its directives place blocks
    blocks.py       the page's figures and tables as blocks: placed in the body, or in the reference part
    sanitize.py     the allow-list every piece of lesson HTML passes (nh3), and the address rule
    lesson.py       SECTIONS, the lesson and predictions page contexts, and their own sections
    evaluation.py   metric cards, curve views, the confusion heat map
    catalogue.py    the optional evaluation sections a lesson asks for
    quiz.py         quiz forms and the JSON the page's script grades with
"""
