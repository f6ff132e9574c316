"""Mention clouds: free-text answers counted as mentions and laid out by frequency.

An answer such as "Sprachcafés; Sport(vereine)" holds two mentions; how they are split and
counted is the open-answer module's business (:mod:`klappt.coding.mentions`). Here we only
lay them out by frequency.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from klappt.coding.mentions import Mention
from klappt.coding.mentions import count_mentions as _count
from klappt.report.textfit import text_width


def count_mentions(answers: Iterable[str]) -> list[Mention]:
    """Mentions with how many answers name them, most frequent first.

    The counting is :func:`klappt.coding.mentions.count_mentions`: the same segmenting and
    the same merging of near-identical spellings as the "Nennungen" of the open-answer coding,
    so a cloud and the mention query always agree.

    Example
    -------
    >>> [(m.text, m.count) for m in count_mentions(["Sport; Sprachcafé", "sport", "Kochen\\nSport"])]
    [('Sport', 3), ('Kochen', 1), ('Sprachcafé', 1)]
    """
    return _count((str(i), a) for i, a in enumerate(answers) if a)


@dataclass(frozen=True)
class Placed:
    """A mention placed in a box: top-left corner and size in points, font size in points."""

    text: str
    count: int
    x: float
    y: float
    width: float
    height: float
    size: float
    rank: int  # 0 = most frequent


def font_sizes(mentions: list[Mention], smallest: float, largest: float) -> list[float]:
    """Font size per mention, linear in the square root of its count."""
    if not mentions:
        return []
    lo = min(m.count for m in mentions) ** 0.5
    hi = max(m.count for m in mentions) ** 0.5
    if hi == lo:
        return [(smallest + largest) / 2 if len(mentions) > 1 else largest] * len(mentions)
    return [smallest + (largest - smallest) * (m.count**0.5 - lo) / (hi - lo) for m in mentions]


def layout_cloud(
    mentions: list[Mention],
    width: float,
    height: float,
    largest: float = 30.0,
    smallest: float = 12.0,
    gap: float = 14.0,
) -> list[Placed]:
    """Place mentions in centred rows, the most frequent in the middle, filling the box.

    Deterministic: the same mentions always give the same picture. We try sizes from
    large to small and keep the largest at which everything fits; if even the smallest
    sizes do not fit, the least frequent mentions are left out (the tables keep them all).
    A mention longer than a row is shortened with "…".
    """
    items = list(mentions)
    row_width = width * 0.94
    while items:
        for scale in (1.6, 1.45, 1.3, 1.15, 1.0, 0.9, 0.8, 0.7, 0.6):
            sizes = [s * scale for s in font_sizes(items, smallest, largest)]
            if sizes and (max(sizes) > height / 3 or min(sizes) < 9.0):
                continue
            # a mention longer than a row gets smaller (not below 9 pt) before it is shortened
            sizes = [
                _fitting_size(m.text, size, row_width) for m, size in zip(items, sizes, strict=True)
            ]
            fitted = [_shorten(m, size, row_width) for m, size in zip(items, sizes, strict=True)]
            rows = _rows(fitted, sizes, row_width, gap * min(scale, 1.0))
            total = sum(h for _, h in rows) + gap * 0.3 * (len(rows) - 1)
            if total <= height:
                return _place(rows, width, height, total, gap * min(scale, 1.0))
        items = items[:-1]
    return []


def _fitting_size(text: str, size: float, width: float) -> float:
    while size > 9.0 and text_width(text, size, True) + 2 > width * 0.98:
        size -= 0.5
    return size


def _shorten(m: Mention, size: float, width: float) -> Mention:
    if text_width(m.text, size, True) + 2 <= width * 0.98:
        return m
    text = m.text
    while text and text_width(text + "…", size, True) + 2 > width * 0.98:
        text = text[:-1]
    return replace(m, text=text.rstrip() + "…")


_Row = tuple[list[tuple[Mention, float, float, int]], float]


def _rows(items: list[Mention], sizes: list[float], width: float, gap: float) -> list[_Row]:
    rows: list[list[tuple[Mention, float, float, int]]] = [[]]
    used = 0.0
    for rank, (m, size) in enumerate(zip(items, sizes, strict=True)):
        w = text_width(m.text, size, bold=rank < 3) + 2
        if rows[-1] and used + gap + w > width:
            rows.append([])
            used = 0.0
        used += (gap if rows[-1] else 0) + w
        rows[-1].append((m, w, size, rank))
    # the row holding the most frequent mentions goes to the middle, the rest alternate
    # above and below it
    ordered: list[list[tuple[Mention, float, float, int]]] = []
    for i, row in enumerate(rows):
        if i % 2:
            ordered.insert(0, row)
        else:
            ordered.append(row)
    return [(row, max(s for _, _, s, _ in row) * 1.25) for row in ordered]


def _place(rows: list[_Row], width: float, height: float, total: float, gap: float) -> list[Placed]:
    out: list[Placed] = []
    y = (height - total) / 2
    for row, row_h in rows:
        row_w = sum(w for _, w, _, _ in row) + gap * (len(row) - 1)
        x = (width - row_w) / 2
        for m, w, size, rank in row:
            h = size * 1.25
            out.append(Placed(m.text, m.count, x, y + (row_h - h) / 2, w, h, size, rank))
            x += w + gap
        y += row_h + gap * 0.3
    return out
