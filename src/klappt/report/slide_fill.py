"""How a derived deck's result slide uses its room (``layout: "fill"``, issue 15).

Two short bar charts side by side left the lower half of their slide white (35 % of the body
covered); a chart alone on a slide stopped at a third of its height. On a derived slide:

- charts that fit one above another at the full width are stacked (:func:`stack_boxes`), each
  as high as its bars need, so that long labels get the width and the rows the height; of a
  filter question and two follow-ups, two stand one above another beside the third;
- bars grow (one thickness per slide, up to :data:`FILL_SLOT`) until the charts fill their
  boxes (:func:`fill_slot`);
- a statistics table grows its rows to :data:`TABLE_FILL` of its box
  (:func:`klappt.report.stats_layout.stats_layout`).

The recipe deck keeps its own grid (``layout`` unset); deck and PDF pages ask the same
questions with the same figures.
"""

from __future__ import annotations

from klappt.report.built import BuiltPanel
from klappt.report.grid import GAP
from klappt.report.pptx_charts import BAR_SLOT, STACK_FACTOR, bar_chart_height, chart_style
from klappt.report.stats_layout import TABLE_FILL

__all__ = ["FILL_SLOT", "HEAD", "STACK_SLOT", "TABLE_FILL", "fill_slot", "need", "stack_boxes"]

#: The thickest bar slot (bar and gap, points) a derived slide grows its bars to: 64 pt is a
#: 40 pt bar, still a bar beside a 12 pt label rather than a block.
FILL_SLOT = 64.0
#: A 100 % stacked chart's rows are :data:`STACK_FACTOR` slots high: they stop growing earlier.
STACK_SLOT = 48.0
#: The room a chart's heading takes above it when rows are shared out (one line at 16 pt).
HEAD = 34.0

_BARS = ("bar", "grouped", "stacked")


def _is_bars(panel: BuiltPanel) -> bool:
    return panel.kind in _BARS and chart_style(panel) in _BARS


def need(panel: BuiltPanel, width: float, slot: float = BAR_SLOT) -> float:
    """The height ``panel`` takes ``width`` points wide with bars ``slot`` high (its heading
    not counted); a table: a comfortable row per question."""
    if panel.kind == "table" and panel.table is not None:
        return (len(panel.table.formatted) + 1) * 40.0
    if panel.kind == "stacked":
        return 44.0 + bar_chart_height(panel, width, slot * STACK_FACTOR)
    return bar_chart_height(panel, width, slot)


Box = tuple[float, float, float, float]  # x, y, width, height in points


def _column(panels: list[BuiltPanel], x: float, y: float, w: float, h: float) -> list[Box] | None:
    """Boxes of ``panels`` one above another in a column, each as high as it needs (shares of
    ``h``); ``None`` when their bars at the usual thickness do not fit."""
    needs = [HEAD + need(p, w) for p in panels]
    room = h - GAP * (len(panels) - 1)
    if sum(needs) > room:
        return None
    boxes = []
    for n in needs:
        boxes.append((x, y, w, room * n / sum(needs)))
        y += room * n / sum(needs) + GAP
    return boxes


def stack_boxes(
    panels: tuple[BuiltPanel, ...], left: float, top: float, width: float, bottom: float
) -> tuple[Box, ...] | None:
    """Boxes of a derived slide's charts when some go one above another; ``None`` for the
    grid's row side by side (one chart, a ring or cloud among them, or no room to stack).

    Two charts whose bars fit one above another at the full width are stacked. Of three (a
    filter and two follow-ups), the first and the smaller other stand one above another
    in the left half, the third beside them.
    """
    if len(panels) not in (2, 3) or not all(_is_bars(p) or p.kind == "table" for p in panels):
        return None
    h = bottom - top
    if len(panels) == 2:
        boxes = _column(list(panels), left, top, width, h)
        return tuple(boxes) if boxes else None
    half = (width - GAP) / 2
    b, c = panels[1], panels[2]
    lone, other = (b, c) if need(b, half) >= need(c, half) else (c, b)
    column = _column([panels[0], other], left, top, half, h)
    if column is None:
        return None
    where = {id(panels[0]): column[0], id(other): column[1]}
    where[id(lone)] = (left + half + GAP, top, half, h)
    return tuple(where[id(p)] for p in panels)


def fill_slot(panels: tuple[BuiltPanel, ...], boxes: list[tuple[float, float]]) -> float:
    """One bar slot for the bar charts of a derived slide: the thickest (up to
    :data:`FILL_SLOT`, :data:`STACK_SLOT` with a 100 % stacked chart) at which each fits its
    box (width, height below its heading); thinner than :data:`BAR_SLOT` only when one does
    not fit even so."""
    bars = [(p, w, h) for p, (w, h) in zip(panels, boxes, strict=True) if _is_bars(p)]
    if not bars:
        return BAR_SLOT
    top = STACK_SLOT if any(p.kind == "stacked" for p, _, _ in bars) else FILL_SLOT

    def fits(slot: float) -> bool:
        return all(need(p, w, slot) <= h for p, w, h in bars)

    slot = BAR_SLOT
    while slot > 8.0 and not fits(slot):
        slot -= 1.0
    while slot + 1.0 <= top and fits(slot + 1.0):
        slot += 1.0
    return slot
