"""How a statistics table (a row per number question) fills its box, the same on a slide and a
PDF page: the largest font from 18 pt down to 14 pt at which every row fits, rows as high as
the box allows up to a comfortable height, the table centred in the box.

A table of two numbers used to sit at 14 pt at the top of an otherwise empty slide.
"""

from __future__ import annotations

from dataclasses import dataclass

from klappt.report.built import DataTable
from klappt.report.textfit import text_width, wrap

LARGEST, SMALLEST = 18.0, 14.0
#: The share of its box a statistics table of few rows grows to on a derived slide.
TABLE_FILL = 0.6
PAD = 5.0  # a cell's inner margin left and right, in points


@dataclass(frozen=True)
class StatsLayout:
    """Where the table goes in its box (points, relative to the box) and its text size."""

    x: float
    y: float
    width: float
    column_widths: tuple[float, ...]
    row_heights: tuple[float, ...]
    size: float


def column_widths(n_columns: int, width: float) -> tuple[float, ...]:
    """The question column takes 40 % when numbers follow it in several columns, else half."""
    if n_columns <= 2:
        return (width / n_columns,) * n_columns
    rest = width * 0.6 / (n_columns - 1)
    return (width * 0.4, *(rest,) * (n_columns - 1))


def _row_height(
    cells: tuple[str, ...], widths: tuple[float, ...], size: float, bold: bool
) -> float:
    lines = max(
        len(wrap(c, max(w - 2 * PAD, 10.0), size, bold)) for c, w in zip(cells, widths, strict=True)
    )
    return lines * size * 1.2 + size * 0.8


def _words_fit(
    rows: list[tuple[tuple[str, ...], bool]], widths: tuple[float, ...], size: float
) -> bool:
    """No word of a cell is wider than its column at ``size`` (a header "Mittelwert" broken
    into "Mittelwe/rt" was seen at 18 pt in a 105 pt column)."""
    return all(
        text_width(word, size, bold) <= w - 2 * PAD
        for cells, bold in rows
        for c, w in zip(cells, widths, strict=True)
        for word in str(c).split()
    )


def stats_layout(table: DataTable, w: float, h: float, fill: float = 0.0) -> StatsLayout:
    """The layout of ``table`` in a box ``w`` × ``h`` points; with ``fill`` (a derived slide,
    :mod:`klappt.report.slide_fill`) its rows grow until the table takes that share of the box."""
    n = len(table.columns)
    width = min(w, 560.0) if n <= 2 else w  # a row per question needs the width; two columns not
    widths = column_widths(n, width)
    rows = [(table.columns, True), *((r, False) for r in table.formatted)]
    size, need = SMALLEST, [_row_height(c, widths, SMALLEST, b) for c, b in rows]
    s = LARGEST
    while s >= SMALLEST:
        heights = [_row_height(c, widths, s, b) for c, b in rows]
        if sum(heights) <= h and _words_fit(rows, widths, s):
            size, need = s, heights
            break
        s -= 1.0
    # the rows grow (evenly) to an airy height, the table never beyond its box
    airy = size * 2.6
    spare = max(0.0, h - sum(need))
    grow = min(spare / len(rows), max(0.0, airy - min(need)))
    if fill:
        grow = max(grow, min(spare, fill * h - sum(need)) / len(rows))
    rows_h = tuple(x + grow for x in need)
    total = sum(rows_h)
    return StatsLayout(
        x=(w - width) / 2 if n <= 2 else 0.0,
        y=max(0.0, (h - total) / 2),
        width=width,
        column_widths=widths,
        row_heights=rows_h,
        size=size,
    )


__all__ = ["TABLE_FILL", "StatsLayout", "column_widths", "stats_layout"]
