"""The layout of a mention cloud on a slide: size follows frequency on one scale per cloud.

A phrase's font size grows with the square root of its count, on one scale for the whole cloud,
so a phrase named more often is never smaller than one named less often. When the cloud does not
fit its box the whole scale shrinks (the largest size comes down, the smallest stays at
:data:`SMALLEST`), never a single phrase; a phrase wider than the box wraps onto further lines
instead of being cut. Only when even every phrase at the smallest size does not fit are the least
frequent left out (the tables keep them all). Deterministic: the same mentions give the same
picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from klappt.coding.mentions import Mention
from klappt.report.textfit import text_width, wrap

__all__ = ["SMALLEST", "PlacedMention", "cloud_sizes", "layout_cloud"]

#: No phrase of a cloud is smaller than this (points).
SMALLEST = 12.0
_LINE = 1.25  # line height in font sizes


@dataclass(frozen=True)
class PlacedMention:
    """A mention in its box: top-left corner and size in points, its lines and font size."""

    text: str
    count: int
    x: float
    y: float
    width: float
    height: float
    size: float
    rank: int  # 0 = most frequent
    lines: tuple[str, ...]


def cloud_color(rank: int) -> str:
    """The colour of a cloud's phrase by its rank: the three most frequent, the next six, the rest."""
    from klappt.report.theme import MUTED, PRIMARY

    return (PRIMARY, "2F6DB5", MUTED)[0 if rank < 3 else 1 if rank < 9 else 2]


def cloud_sizes(
    counts: Sequence[int], largest: float, smallest: float = SMALLEST, step: float = 0.5
) -> list[float]:
    """Font size per count on one scale: linear in the square root of the count, in ``step``s
    (points on a slide; ``step=0`` for the HTML's em).

    >>> cloud_sizes([9, 4, 1], 30)
    [30.0, 21.0, 12.0]
    """
    if not counts:
        return []
    lo, hi = min(counts) ** 0.5, max(counts) ** 0.5
    if hi == lo:
        return [largest if len(counts) == 1 else (smallest + largest) / 2] * len(counts)
    sizes = [smallest + (largest - smallest) * (c**0.5 - lo) / (hi - lo) for c in counts]
    return [round(v / step) * step for v in sizes] if step else sizes


def layout_cloud(
    mentions: Sequence[Mention],
    width: float,
    height: float,
    largest: float = 28.0,
    gap: float = 14.0,
) -> list[PlacedMention]:
    """Place mentions in centred rows, the most frequent in the middle row, filling the box."""
    items = sorted(mentions, key=lambda m: -m.count)  # stable: equal counts keep their order
    row_width = width * 0.96
    while items:
        top = min(largest, height / 3)
        while top >= SMALLEST:
            sizes = cloud_sizes([m.count for m in items], top, min(SMALLEST, top))
            rows = _rows(items, sizes, row_width, gap)
            total = sum(h for _, h in rows) + gap * 0.3 * (len(rows) - 1)
            if total <= height:
                return _place(rows, width, height, total, gap)
            top -= 1.0
        items = items[:-1]
    return []


_Item = tuple[Mention, float, float, int, tuple[str, ...]]  # mention, width, size, rank, lines
_Row = tuple[list[_Item], float]


def _rows(items: Sequence[Mention], sizes: list[float], width: float, gap: float) -> list[_Row]:
    rows: list[list[_Item]] = [[]]
    used = 0.0
    for rank, (m, size) in enumerate(zip(items, sizes, strict=True)):
        bold = rank < 3
        w = text_width(m.text, size, bold) + 2
        lines: tuple[str, ...] = (m.text,)
        if w > width:  # wider than the box: more lines, the same size
            lines = tuple(wrap(m.text, width - 2, size, bold)) or (m.text,)
            w = max(text_width(line, size, bold) for line in lines) + 2
        if rows[-1] and used + gap + w > width:
            rows.append([])
            used = 0.0
        used += (gap if rows[-1] else 0) + w
        rows[-1].append((m, w, size, rank, lines))
    # the row holding the most frequent mentions goes to the middle, the rest alternate
    # above and below it
    ordered: list[list[_Item]] = []
    for i, row in enumerate(rows):
        if i % 2:
            ordered.insert(0, row)
        else:
            ordered.append(row)
    return [(row, max(s * _LINE * len(ls) for _, _, s, _, ls in row)) for row in ordered]


def _place(
    rows: list[_Row], width: float, height: float, total: float, gap: float
) -> list[PlacedMention]:
    out: list[PlacedMention] = []
    y = (height - total) / 2
    for row, row_h in rows:
        row_w = sum(w for _, w, _, _, _ in row) + gap * (len(row) - 1)
        x = (width - row_w) / 2
        for m, w, size, rank, lines in row:
            h = size * _LINE * len(lines)
            out.append(
                PlacedMention(m.text, m.count, x, y + (row_h - h) / 2, w, h, size, rank, lines)
            )
            x += w + gap
        y += row_h + gap * 0.3
    return out
