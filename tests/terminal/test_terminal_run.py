"""terminal/run.py, the `tracegen run` text: every section present, and the chart agrees with the table it sits on."""

from __future__ import annotations

import re

from tracegen.terminal import run as terminal


def chart_and_table(text):
    """Return (chart grid lines, tick values, [(epoch, train, val)]) parsed from the printed trace."""
    lines = text.splitlines()
    start = lines.index("log loss") + 1
    end = next(i for i in range(start, len(lines)) if lines[i].strip().startswith("+-"))
    grid = lines[start:end]
    ticks = [float(line.split("|")[0]) for line in grid if line.split("|")[0].strip()]
    header = next(i for i in range(end, len(lines)) if lines[i].startswith("epoch  train loss"))
    table = []
    for line in lines[header + 2:]:
        parts = line.split()
        if len(parts) != 5 or not parts[0].isdigit():
            break
        table.append((int(parts[0]), float(parts[1]), float(parts[3])))
    return grid, ticks, table


def test_sections_present(binary_trace, multiclass_trace):
    """Data flow, training, prediction and evaluation sections are printed."""
    for trace in (binary_trace, multiclass_trace):
        text = terminal.render(trace, "Title")
        for heading in ("Data Flow - 6 stages", "Training Trace", "Prediction Trace", "Evaluation"):
            assert heading in text
    text = terminal.render(binary_trace, "Title")
    assert f"{binary_trace.evaluation.average_precision:.4f}" in text
    assert f"{binary_trace.evaluation.prevalence:.4f}" in text


def test_printed_chart_agrees_with_printed_table(binary_trace, multiclass_trace):
    """Read the chart's T/V marks back: their vertical order matches the table's losses."""
    for trace in (binary_trace, multiclass_trace):
        grid, ticks, table = chart_and_table(terminal.render(trace, "Title"))
        assert len(table) == len(trace.epochs)
        top, bottom = ticks[0], ticks[-1]
        step = (top - bottom) / (len(grid) - 1)
        for symbol, column in (("T", 1), ("V", 2)):
            cells = sorted((pos, row) for row, line in enumerate(grid)
                           for pos, char in enumerate(line.split("|", 1)[1]) if char in (symbol, "*"))
            positions = sorted({pos for pos, _ in cells})
            assert len(positions) == len(table)
            rows = []
            for pos in positions:
                candidates = [row for p, row in cells if p == pos]
                assert len(candidates) == 1, "one mark per series per epoch"
                rows.append(candidates[0])
            for (epoch, *_), row in zip(table, rows):
                value = table[epoch - 1][column]
                assert abs((top - row * step) - value) <= step / 2 + 0.002, (symbol, epoch)
            for i in range(len(table)):
                for j in range(len(table)):
                    if table[i][column] > table[j][column] + step:
                        assert rows[i] < rows[j], (symbol, i, j)


def test_provenance_only_on_request(binary_trace):
    """Run times appear in the provenance block, never in the trace text itself."""
    assert "wall time" not in terminal.render(binary_trace, "Title")
    assert re.search(r"wall time: load [\d.]+ ms", terminal.provenance(binary_trace))
