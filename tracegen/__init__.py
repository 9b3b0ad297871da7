"""tracegen: run a real classification pipeline, record every stage, and teach from the trace.

From Python: ``tracegen.run("precision-recall")``, ``tracegen.from_predictions(y_true, y_score)``
or ``tracegen.from_estimator(model, X_test, y_test)`` each return a Trace (see tracegen.api);
``tracegen.render_page(trace, folder)`` writes its page, ``tracegen.take_quiz(trace)`` asks its quiz.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
API = ("from_estimator", "from_predictions", "load_lesson", "questions", "render_page", "run", "take_quiz")
__all__ = ["__version__", *API]


def __getattr__(name: str) -> Any:
    # Imported on first use: `tracegen build` with nothing to rebuild must not pay for numpy.
    if name in API:
        from tracegen import api

        return getattr(api, name)
    raise AttributeError(f"module 'tracegen' has no attribute {name!r}")
