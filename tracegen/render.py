"""Old import path of the HTML layer, now the tracegen.html package.

SHIM: removed at merge. Only the names other modules and tests still import are kept.
"""

# SHIM: removed at merge (site.py, tests/test_build.py, test_site.py, test_catalogue.py, test_injection.py,
# test_browser_state.py still import tracegen.render).
from tracegen.html.env import TEMPLATES_DIR, check_templates, fmt_num, make_environment, render_page  # noqa: F401
from tracegen.html.lesson import (  # noqa: F401
    LESSON_SECTIONS,
    BuildInfo,
    PageLink,
    lesson_context,
    predictions_context,
)
from tracegen.html.prose import insight_html, plain_text, render_markdown  # noqa: F401
from tracegen.html.quiz import storage_key  # noqa: F401

# site.search_index reads (id, title) pairs: at merge it reads tracegen.html.lesson.LESSON_SECTIONS.
SECTIONS = tuple((section.id, section.title) for section in LESSON_SECTIONS)
