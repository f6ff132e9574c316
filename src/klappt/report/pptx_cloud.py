"""The PPTX drawers of the panels that are not charts: mention clouds and statistics tables."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu

from klappt.report.built import BuiltPanel
from klappt.report.cloud import SMALLEST, cloud_color, layout_cloud
from klappt.report.kinds import PPTX
from klappt.report.pptx_text import _PT, _Box
from klappt.report.stats_layout import PAD, TABLE_FILL, stats_layout
from klappt.report.theme import INK, LIGHT, MUTED, PRIMARY, WHITE

if TYPE_CHECKING:
    from klappt.report.pptx import _Deck


@PPTX.register("cloud")
def cloud(deck: _Deck, slide: Any, panel: BuiltPanel, box: _Box) -> None:
    """Phrases sized by frequency on one scale (:mod:`klappt.report.cloud`), none under 12 pt."""
    placed = layout_cloud(list(panel.mentions), box.w, box.h, largest=28.0)
    for m in sorted(placed, key=lambda m: m.rank):  # reading order: most frequent first
        color = cloud_color(m.rank)
        shape = slide.shapes.add_textbox(
            *_Box(box.x + m.x, box.y + m.y, m.width + 2, m.height).emu()
        )
        shape.name = f"Mention {m.rank + 1}"
        tf = shape.text_frame
        deck._frame(tf, MSO_ANCHOR.MIDDLE, wrap=len(m.lines) > 1, inset=0, inset_v=0)
        for i, line in enumerate(m.lines):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            p.alignment = PP_ALIGN.CENTER
            r = p.add_run()
            r.text = line
            deck._run_style(r, m.size, color, m.rank < 3)
    if not placed:
        deck.text(slide, _Box(box.x, box.y, box.w, 30), "–", 14, SMALLEST, MUTED)


@PPTX.register("table")
def stats_table(deck: _Deck, slide: Any, panel: BuiltPanel, box: _Box) -> None:
    """A small statistics table (numbers, dates), sized to its box (:mod:`klappt.report.stats_layout`)."""
    table = panel.table
    if table is None or not table.formatted:
        return
    lay = stats_layout(table, box.w, box.h, TABLE_FILL if getattr(deck, "fill", False) else 0.0)
    rows = len(table.formatted) + 1
    frame = slide.shapes.add_table(
        rows,
        len(table.columns),
        *_Box(box.x + lay.x, box.y + lay.y, lay.width, sum(lay.row_heights)).emu(),
    )
    frame.name = f"Table {panel.question}"
    t = frame.table
    for j, head in enumerate(table.columns):
        _cell(deck, t.cell(0, j), head, True, j > 0, lay.size)
    for i, row in enumerate(table.formatted, start=1):
        for j, value in enumerate(row):
            _cell(deck, t.cell(i, j), value, False, j > 0, lay.size)
    for i, height in enumerate(lay.row_heights):
        t.rows[i].height = Emu(round(height * _PT))
    for col, width in zip(t.columns, lay.column_widths, strict=True):
        col.width = Emu(round(width * _PT))


def _cell(deck: _Deck, cell: Any, value: str, header: bool, right: bool, size: float) -> None:
    cell.text = ""
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    cell.margin_left = cell.margin_right = Emu(round(PAD * _PT))
    p = cell.text_frame.paragraphs[0]
    p.alignment = PP_ALIGN.RIGHT if right else PP_ALIGN.LEFT
    r = p.add_run()
    r.text = value
    deck._run_style(r, size, WHITE if header else INK, header)
    cell.fill.solid()
    cell.fill.fore_color.rgb = RGBColor.from_string(PRIMARY if header else LIGHT)
