"""Finished arrays -> drawings: ASCII charts (ascii), SVG geometry (svg), shade-ramp images (images).

No module here computes a metric; every value arrives finished from the trace.
"""
