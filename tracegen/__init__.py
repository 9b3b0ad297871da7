"""tracegen: run a real classification pipeline, record every stage, and teach from the trace."""

from __future__ import annotations

__version__ = "0.1.0"
