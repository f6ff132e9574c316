"""Native PowerPoint charts for built panels (python-pptx): data stay editable.

Each chart carries its data in an embedded workbook, so PowerPoint and LibreOffice can
edit it. Percent labels use a number format with a locale prefix (``[$-407]``) so
LibreOffice shows ``39,1 %`` in a German deck whatever the machine's locale.

Category and series names come from forms and code books, so the embedded workbook gets them
through :func:`klappt.spreadsheet.neutral` and as plain strings (XlsxWriter would otherwise
write ``=HYPERLINK(...)`` as a live formula and a web address as a link). The chart itself
shows the names as written: its cached labels are text, never evaluated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import cached_property
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from lxml import etree
from pptx.chart.data import CategoryChartData
from pptx.chart.xlsx import CategoryWorkbookWriter
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_TICK_MARK
from pptx.enum.text import MSO_ANCHOR
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from klappt.report.built import BuiltPanel
from klappt.report.kinds import KIND, PPTX, chart_style
from klappt.report.pptx_points import hide_label, point_fills, show_value_only, withheld_marks
from klappt.report.textfit import text_width, wrap
from klappt.report.theme import FONT, INK, legend_colors, point_colors, single_colors, text_on
from klappt.spreadsheet import safe_cell

if TYPE_CHECKING:
    from klappt.report.pptx import _Box, _Deck

_Style = Callable[[Any, BuiltPanel, float, float, float], None]

EMU_PER_PT = 12700


class _NeutralSheet:
    """An XlsxWriter worksheet whose ``write`` and ``write_column`` neutralise text."""

    def __init__(self, sheet: Any) -> None:
        self._sheet = sheet

    def write(self, row: int, col: int, value: Any, *args: Any) -> Any:
        return self._sheet.write(row, col, safe_cell(value), *args)

    def write_column(self, row: int, col: int, values: Any, *args: Any) -> Any:
        return self._sheet.write_column(row, col, [safe_cell(v) for v in values], *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sheet, name)


class _NeutralWriter(CategoryWorkbookWriter):
    @contextmanager
    def _open_worksheet(self, xlsx_file: Any) -> Iterator[tuple[Any, Any]]:
        from xlsxwriter import Workbook

        options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        workbook = Workbook(xlsx_file, options)
        yield workbook, _NeutralSheet(workbook.add_worksheet())
        workbook.close()


class _ChartData(CategoryChartData):
    """Chart data whose embedded workbook holds no formula (see the module's text)."""

    @cached_property
    def _workbook_writer(self) -> CategoryWorkbookWriter:
        return _NeutralWriter(self)


def _rgb(hex_: str) -> RGBColor:
    return RGBColor.from_string(hex_)


#: The smallest text on a slide, in points (category, data and legend labels included).
MIN_SIZE = 12.0
#: The height of one bar with its gap, in points, wherever there is room: paired charts get
#: bars of one thickness whatever their number of categories.
BAR_SLOT = 30.0
#: The thickest bar slot, in points: a short chart's bars grow to it on the slide, and the
#: PDF page draws no thicker bars either.
BAR_SLOT_MAX = 48.0
#: A row of a 100 % stacked chart is this many bar slots high.
STACK_FACTOR = 1.6


def category_label_width(
    panel: BuiltPanel, width_pt: float, height_pt: float | None = None
) -> float:
    """Room for category labels left of horizontal bars: 40 % of the chart, more when narrow.

    Given the chart's height, the labels get as much more width (up to 60 %) as they need to
    fit their rows at 12 pt: LibreOffice leaves out every other label when they overlap.
    """
    shares = (0.45, 0.5, 0.55, 0.6) if width_pt < 320 else (0.4, 0.45, 0.5, 0.55, 0.6)
    if height_pt is None:
        return width_pt * shares[0]
    for share in shares:
        if _labels_height(panel, width_pt * share) <= height_pt:
            return width_pt * share
    return width_pt * shares[-1]


def _labels_height(panel: BuiltPanel, label_width: float) -> float:
    """The chart height at which every category label fits its row, labels ``label_width`` wide."""
    lines = max((len(wrap(c, label_width - 8, MIN_SIZE)) for c in panel.categories), default=1)
    legend = 24.0 if panel.kind == "stacked" else 0.0  # grouped bars draw theirs outside
    return max(1, len(panel.categories)) * (lines * MIN_SIZE * 1.25 + 6) / 0.85 + legend + 16


def wrapped_categories(
    panel: BuiltPanel, width_pt: float, height_pt: float, size: float
) -> list[str]:
    """Category labels broken into lines that fit left of the bars; never shortened.

    The whole label is kept (its lines joined by spaces give it back); a label needing more
    lines than its row holds still gets them all, and the chart asks for the height
    (:func:`bar_chart_height`).
    """
    if chart_style(panel) not in ("bar", "grouped", "stacked"):
        return list(panel.categories)
    room = category_label_width(panel, width_pt, height_pt) - 8
    return ["\n".join(wrap(c, room, size) or [c]) for c in panel.categories]


def label_lines(panel: BuiltPanel, width_pt: float, size: float) -> int:
    """The most lines any category label of a bar chart takes."""
    room = category_label_width(panel, width_pt) - 8
    return max((len(wrap(c, room, size)) for c in panel.categories), default=1)


def bar_count(panel: BuiltPanel) -> int:
    """How many bars a horizontal bar chart draws (rows of a stacked chart count once)."""
    per = len(panel.series) if chart_style(panel) == "grouped" else 1
    return max(1, len(panel.categories)) * per


def bar_chart_height(panel: BuiltPanel, width_pt: float, slot: float = BAR_SLOT) -> float:
    """The height a horizontal bar chart needs with bars ``slot`` high and its labels unclipped."""
    lines = label_lines(panel, width_pt, MIN_SIZE)
    rows = max(1, len(panel.categories))
    per_row = max(slot * bar_count(panel) / rows, lines * MIN_SIZE * 1.25 + 6)
    legend = (
        legend_height([s.name for s in panel.series], width_pt) if len(panel.series) > 1 else 0.0
    )
    return rows * per_row / 0.85 + legend + 16


#: The room a row's headings are assumed to take when widths are shared out (two lines).
SHARE_HEADING = 48.0


def panel_shares(
    panels: tuple[BuiltPanel, ...], width: float, height: float
) -> tuple[float, ...] | None:
    """Widths of two charts in a row as shares, when a bar chart's labels need more than half.

    A bar chart of many long labels beside a ring, at half the width of a 4:3 slide, wraps its
    labels to two lines that no longer fit their rows, and LibreOffice then leaves out every
    other label (``tickLblSkip`` notwithstanding). Such a chart gets 55 % of the row when its
    labels fit their rows there, else 60 % (seen in LibreOffice: the 13 labels of the
    reference's "Was sollte fortgeführt werden?" all shown, the ring's legend still legible);
    ``None``: equal widths.
    """
    if len(panels) != 2:
        return None
    bars = [
        i
        for i, p in enumerate(panels)
        if p.kind in ("bar", "grouped") and chart_style(p) not in ("column",)
    ]
    if len(bars) != 1:
        return None
    i = bars[0]
    room = width - 22.0  # the grid's gap between the two

    def fits(w: float) -> bool:
        # as the chart will wrap its labels at that width and height (up to 60 % for labels):
        # LibreOffice hides a label that overlaps its neighbour, so each pair of neighbours
        # must fit into the distance between their rows
        room = category_label_width(panels[i], w, height) - 8
        tall = [len(wrap(c, room, MIN_SIZE)) * MIN_SIZE * 1.2 for c in panels[i].categories]
        pitch = (height - 16) / max(1, len(tall))
        return all((a + b) / 2 <= pitch for a, b in pairwise(tall))

    if fits(room / 2):
        return None
    share = 0.55 if fits(room * 0.55) else 0.6
    return (share, 1 - share) if i == 0 else (1 - share, share)


def label_size(panel: BuiltPanel, width_pt: float, height_pt: float) -> float:
    """Font size of category, data and legend labels: one size, never under 12 pt.

    One size on every slide (the issue of a deck whose labels were 9 pt on one slide and 13 on
    the next); a chart that needs more room gets it (:func:`bar_chart_height`), its text does not
    shrink.
    """
    return MIN_SIZE


def add_chart(
    slide: Any,
    panel: BuiltPanel,
    box: tuple[int, int, int, int],
    chart_type: Any,
    style: _Style,
) -> Any:
    """Draw ``panel`` as a native chart in ``box`` (left, top, width, height in EMU).

    ``chart_type`` is python-pptx's ``XL_CHART_TYPE``; ``style`` sets colours, labels, axes
    and legend. Returns the graphic frame.
    """
    left, top, width, height = box
    width_pt, height_pt = width / EMU_PER_PT, height / EMU_PER_PT
    size = label_size(panel, width_pt, height_pt)
    data = _ChartData(number_format=panel.number_format)
    data.categories = wrapped_categories(panel, width_pt, height_pt, size)
    for s in panel.series:
        data.add_series(s.name, list(s.values), number_format=panel.number_format)
    frame = slide.shapes.add_chart(chart_type, Emu(left), Emu(top), Emu(width), Emu(height), data)
    frame.name = f"Chart {panel.question}"
    frame._element.nvGraphicFramePr.cNvPr.set("descr", panel.description)
    chart = frame.chart
    chart.has_title = (
        False  # the heading is a text box above; LibreOffice would add the series name
    )
    chart.font.name = FONT
    chart.font.size = Pt(size)
    chart.font.color.rgb = _rgb(INK)
    _language(chart, "en-GB" if panel.number_format.startswith("[$-409]") else "de-DE")
    style(chart, panel, width_pt, height_pt, size)
    return frame


def _emu(box: _Box) -> tuple[int, int, int, int]:
    x, y, w, h = box.emu()
    return int(x), int(y), int(w), int(h)


# -- the drawers of the chart kinds (see klappt.report.kinds) -----------------------------


@PPTX.register("doughnut", "pie")
def _ring_chart(deck: _Deck, slide: Any, panel: BuiltPanel, box: _Box) -> None:
    kind = XL_CHART_TYPE.DOUGHNUT if KIND[panel.kind].hole else XL_CHART_TYPE.PIE
    add_chart(slide, panel, _emu(box), kind, _pie)


def _bar_box(deck: _Deck, panel: BuiltPanel, box: _Box) -> _Box:
    """A horizontal bar chart as high as its bars need (the slide's one bar thickness)."""
    slot = getattr(deck, "bar_slot", BAR_SLOT)
    return replace(box, h=min(box.h, bar_chart_height(panel, box.w, slot)))


@PPTX.register("bar")
def _bar_chart(deck: _Deck, slide: Any, panel: BuiltPanel, box: _Box) -> None:
    add_chart(slide, panel, _emu(_bar_box(deck, panel, box)), XL_CHART_TYPE.BAR_CLUSTERED, _bars)


@PPTX.register("column")
def _column_chart(deck: _Deck, slide: Any, panel: BuiltPanel, box: _Box) -> None:
    add_chart(slide, panel, _emu(box), XL_CHART_TYPE.COLUMN_CLUSTERED, _columns)


@PPTX.register("grouped", "trend", "transitions")
def _grouped_chart(deck: _Deck, slide: Any, panel: BuiltPanel, box: _Box) -> None:
    if chart_style(panel) == "column":
        add_chart(slide, panel, _emu(box), XL_CHART_TYPE.COLUMN_CLUSTERED, _columns)
    else:
        # the legend is drawn under the chart by us: LibreOffice lists a clustered bar chart's
        # series bottom-up, the reverse of the bars (PowerPoint top-down); ours reads as the bars
        names = [s.name for s in panel.series]
        legend_h = legend_height(names, box.w)
        box = _bar_box(deck, panel, box)
        chart_box = replace(box, h=box.h - legend_h)
        add_chart(slide, panel, _emu(chart_box), XL_CHART_TYPE.BAR_CLUSTERED, _bars)
        _own_legend(deck, slide, names, legend_colors(panel), chart_box, legend_h)


def _legend_rows(names: list[str], width: float) -> list[list[tuple[str, float]]]:
    """Legend entries (name, width) in rows that fit ``width`` points."""
    rows: list[list[tuple[str, float]]] = [[]]
    used = 0.0
    for name in names:
        w = _KEY + 6 + text_width(name, MIN_SIZE) + 18
        if rows[-1] and used + w > width:
            rows.append([])
            used = 0.0
        rows[-1].append((name, w))
        used += w
    return rows


def legend_height(names: list[str], width: float) -> float:
    """The height of a legend of ``names`` drawn under a chart ``width`` points wide."""
    return len(_legend_rows(names, width)) * _LEGEND_ROW + 4


def _own_legend(
    deck: _Deck, slide: Any, names: list[str], colors: list[str], chart: _Box, height: float
) -> None:
    from klappt.report.pptx_text import _Box as Box

    rows = _legend_rows(names, chart.w)
    y = chart.y + chart.h + 2
    i = 0
    for row in rows:
        x = chart.x + (chart.w - sum(w for _, w in row)) / 2
        for name, w in row:
            key = deck.rect(slide, Box(x, y + (_LEGEND_ROW - _KEY) / 2, _KEY, _KEY), colors[i])
            key.name = f"Legend key {i + 1}"
            deck.text(
                slide,
                Box(x + _KEY + 2, y, w - _KEY - 2, _LEGEND_ROW),
                name,
                MIN_SIZE,
                MIN_SIZE,
                INK,
                anchor=MSO_ANCHOR.MIDDLE,
                name=f"Legend {i + 1}",
            )
            x += w
            i += 1
        y += _LEGEND_ROW


_KEY = 9.0  # the coloured square of a legend entry, points
_LEGEND_ROW = 20.0


@PPTX.register("stacked")
def _stacked_chart(deck: _Deck, slide: Any, panel: BuiltPanel, box: _Box) -> None:
    # a bar per item and a legend: no need to stretch one bar over the whole height; a rating's
    # row is thicker than a list's bar, so its percent labels sit inside at 12 pt
    slot = min(getattr(deck, "bar_slot", BAR_SLOT) * STACK_FACTOR, box.h)
    box = replace(box, h=min(box.h, 44.0 + bar_chart_height(panel, box.w, slot)))
    add_chart(slide, panel, _emu(box), XL_CHART_TYPE.BAR_STACKED_100, _stacked)


def _language(chart: Any, lang: str) -> None:
    """Mark the chart's text as German/English so spelling and hyphenation fit."""
    tx = chart._chartSpace.find(qn("c:txPr"))
    if tx is None:
        return
    for rpr in tx.iter(qn("a:defRPr")):
        rpr.set("lang", lang)


def _labels(
    plot: Any, panel: BuiltPanel, size: float, position: Any | None, color: str = INK
) -> None:
    plot.has_data_labels = True
    dl = plot.data_labels
    dl.number_format = panel.number_format
    dl.number_format_is_linked = False
    dl.show_value = True
    dl.font.size = Pt(size)
    dl.font.name = FONT
    dl.font.color.rgb = _rgb(color)
    if position is not None:
        dl.position = position
    _no_wrap(dl._element)


def _no_wrap(dlbls: Any) -> None:
    """A value label stays on one line ("90,9 %"): LibreOffice would break it at the space."""
    for body in dlbls.iter(qn("a:bodyPr")):
        body.set("wrap", "none")


def _legend(chart: Any, size: float, position: Any = XL_LEGEND_POSITION.BOTTOM) -> None:
    chart.has_legend = True
    chart.legend.position = position
    chart.legend.include_in_layout = False
    chart.legend.font.size = Pt(size)
    chart.legend.font.name = FONT


def _pie(chart: Any, panel: BuiltPanel, width_pt: float, height_pt: float, size: float) -> None:
    plot = chart.plots[0]
    plot.vary_by_categories = True
    colors = point_colors(panel)
    series = plot.series[0]
    for i, color in enumerate(colors):
        point = series.points[i]
        point.format.fill.solid()
        point.format.fill.fore_color.rgb = _rgb(color)
        point.format.line.color.rgb = _rgb("FFFFFF")
    _labels(plot, panel, size + 1, None)
    # label colour per slice: white on dark slices, ink on light ones
    values = panel.series[0].values if panel.series else ()
    for i, color in enumerate(colors):
        point_label = series.points[i].data_label
        point_label.font.size = Pt(size + 1)
        point_label.font.bold = True
        point_label.font.color.rgb = _rgb(text_on(color))
        show_value_only(point_label)
    # an empty answer keeps its legend entry but draws no "0 %" on the ring
    for i, v in enumerate(values):
        if not v:
            hide_label(series, i)
    if KIND[panel.kind].hole:
        hole = plot._element.find(qn("c:holeSize"))
        if hole is None:
            hole = etree.SubElement(plot._element, qn("c:holeSize"))
        hole.set("val", str(KIND[panel.kind].hole))
    _legend(chart, size)


def _value_axis(chart: Any, panel: BuiltPanel, stacked: bool = False) -> None:
    axis = chart.value_axis
    axis.has_major_gridlines = False
    axis.has_minor_gridlines = False
    axis.visible = False
    axis.minimum_scale = 0
    if stacked:
        return
    top = max((v or 0) for s in panel.series for v in s.values) if panel.series else 0
    if panel.unit == "percent":
        # room for the labels beyond the longest bar, never beyond 100 %
        axis.maximum_scale = min(100.0, max(10.0, math.ceil(top * 1.3 / 10) * 10))
    elif top > 0:
        axis.maximum_scale = float(math.ceil(top * 1.3))


def _category_axis(chart: Any, size: float, reverse: bool) -> None:
    axis = chart.category_axis
    axis.tick_labels.font.size = Pt(size)
    axis.tick_labels.font.name = FONT
    axis.has_major_gridlines = False
    axis.format.line.color.rgb = _rgb("BFC5CC")
    axis.major_tick_mark = XL_TICK_MARK.NONE
    _every_label(axis._element)
    if reverse:
        # first category on top; the value axis then belongs at the "max" end (bottom)
        axis.reverse_order = True
        crosses = chart.value_axis._element.find(qn("c:crosses"))
        if crosses is not None:
            crosses.set("val", "max")


def _every_label(cat_ax: Any) -> None:
    """Every category labelled: LibreOffice would leave out every other one where they crowd."""
    if cat_ax.find(qn("c:tickLblSkip")) is not None:
        return
    skip = etree.Element(qn("c:tickLblSkip"))
    skip.set("val", "1")
    # schema order: ... lblAlgn, lblOffset, tickLblSkip, tickMarkSkip, noMultiLvlLbl, extLst
    later = [cat_ax.find(qn(t)) for t in ("c:tickMarkSkip", "c:noMultiLvlLbl", "c:extLst")]
    following = next((e for e in later if e is not None), None)
    if following is not None:
        following.addprevious(skip)
    else:
        cat_ax.append(skip)


def _bars(chart: Any, panel: BuiltPanel, width_pt: float, height_pt: float, size: float) -> None:
    plot = chart.plots[0]
    grouped = len(panel.series) > 1
    plot.gap_width = 50 if grouped else 60
    if grouped:
        plot.overlap = -5
    # series are groups, waves or (items of a grid) choices; one series: each bar its choice's
    colors = legend_colors(panel)
    for s, color in zip(plot.series, colors, strict=True):
        s.format.fill.solid()
        s.format.fill.fore_color.rgb = _rgb(color)
        s.invert_if_negative = False
    if not grouped:
        point_fills(plot.series[0], single_colors(panel), colors[0])
    _labels(plot, panel, size, XL_LABEL_POSITION.OUTSIDE_END)
    withheld_marks(plot, panel, size)
    _value_axis(chart, panel)
    _category_axis(chart, size, reverse=True)
    chart.has_legend = False  # one series needs none; several get ours (see _grouped_chart)
    left = category_label_width(panel, width_pt, height_pt) / width_pt
    _plot_layout(chart, left, 0.88, height_pt, 0.0)


def _columns(chart: Any, panel: BuiltPanel, width_pt: float, height_pt: float, size: float) -> None:
    plot = chart.plots[0]
    plot.gap_width = 80
    colors = legend_colors(panel)
    for s, color in zip(plot.series, colors, strict=True):
        s.format.fill.solid()
        s.format.fill.fore_color.rgb = _rgb(color)
        s.invert_if_negative = False
    if len(panel.series) == 1 and len(panel.categories) > 1:
        point_fills(plot.series[0], single_colors(panel), colors[0])
    _labels(plot, panel, size + (2 if len(panel.series) == 1 else 0), XL_LABEL_POSITION.OUTSIDE_END)
    plot.data_labels.font.bold = len(panel.series) == 1
    withheld_marks(plot, panel, size)
    _value_axis(chart, panel)
    _category_axis(chart, size, reverse=False)
    if len(panel.series) > 1:
        _legend(chart, size)
    else:
        chart.has_legend = False


def _stacked(chart: Any, panel: BuiltPanel, width_pt: float, height_pt: float, size: float) -> None:
    plot = chart.plots[0]
    plot.gap_width = 40
    plot.overlap = 100
    colors = legend_colors(panel)
    _labels(plot, panel, size, XL_LABEL_POSITION.CENTER)
    has_categories = any(c for c in panel.categories)
    left = category_label_width(panel, width_pt, height_pt) if has_categories else 0.0
    bar_width = (width_pt - left) * 0.97
    for s, built, color in zip(plot.series, panel.series, colors, strict=True):
        s.format.fill.solid()
        s.format.fill.fore_color.rgb = _rgb(color)
        s.format.line.color.rgb = _rgb("FFFFFF")
        s.data_labels.font.color.rgb = _rgb(text_on(color))
        s.data_labels.font.size = Pt(size)
        s.data_labels.number_format = panel.number_format
        s.data_labels.number_format_is_linked = False
        s.data_labels.show_value = True
        _no_wrap(s.data_labels._element)
        # hide the label of a segment too narrow to hold it
        for i, (v, lab) in enumerate(zip(built.values, built.labels, strict=True)):
            if (v or 0) / 100 * bar_width < text_width(lab, size) + 4:
                hide_label(s, i)
    _value_axis(chart, panel, stacked=True)
    _category_axis(chart, size, reverse=True)
    if not has_categories:
        chart.category_axis.visible = False
    _legend(chart, size)
    _plot_layout(
        chart,
        left / width_pt if has_categories else 0.01,
        0.99,
        height_pt,
        24.0 * (1 + len(panel.series) // 6),
    )


def _plot_layout(chart: Any, left: float, right: float, height_pt: float, legend: float) -> None:
    """Place the plot area by hand: the category labels get exactly the width we wrapped them
    to (LibreOffice otherwise picks a narrower one and breaks the labels again)."""
    plot_area = chart._chartSpace.find(qn("c:chart")).find(qn("c:plotArea"))
    old = plot_area.find(qn("c:layout"))
    if old is not None:
        plot_area.remove(old)
    layout = etree.Element(qn("c:layout"))
    manual = etree.SubElement(layout, qn("c:manualLayout"))
    bottom = 1 - (legend + 6) / max(height_pt, 1)
    for tag, val in (
        ("c:layoutTarget", "inner"),
        ("c:xMode", "edge"),
        ("c:yMode", "edge"),
        ("c:x", left),
        ("c:y", 0.02),
        ("c:w", right - left),
        ("c:h", max(0.2, bottom - 0.02)),
    ):
        etree.SubElement(manual, qn(tag)).set("val", val if isinstance(val, str) else f"{val:.4f}")
    plot_area.insert(0, layout)


__all__ = [
    "BAR_SLOT",
    "BAR_SLOT_MAX",
    "EMU_PER_PT",
    "MIN_SIZE",
    "add_chart",
    "bar_chart_height",
    "chart_style",
    "label_size",
    "panel_shares",
    "wrapped_categories",
]
