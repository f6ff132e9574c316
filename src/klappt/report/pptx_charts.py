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
from typing import TYPE_CHECKING, Any

from lxml import etree
from pptx.chart.data import CategoryChartData
from pptx.chart.xlsx import CategoryWorkbookWriter
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_TICK_MARK
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from klappt.report.built import BuiltPanel
from klappt.report.kinds import KIND, PPTX
from klappt.report.textfit import text_width, wrap
from klappt.report.theme import FONT, INK, series_colors, text_on
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


def category_label_width(panel: BuiltPanel, width_pt: float) -> float:
    """Room for category labels left of horizontal bars: 40 % of the chart, more when narrow."""
    return width_pt * (0.45 if width_pt < 320 else 0.4)


def _max_lines(panel: BuiltPanel, height_pt: float, size: float) -> int:
    """How many lines a category label may take so that labels never overlap.

    LibreOffice leaves out every other label when they overlap; we make them fit instead.
    """
    per_category = height_pt * 0.85 / max(len(panel.categories), 1)
    return max(1, min(3, int(per_category // (size * 1.2))))


def wrapped_categories(
    panel: BuiltPanel, width_pt: float, height_pt: float, size: float
) -> list[str]:
    """Category labels broken into lines that fit left of the bars."""
    if chart_style(panel) not in ("bar", "grouped", "stacked"):
        return list(panel.categories)
    room = category_label_width(panel, width_pt) - 8
    max_lines = _max_lines(panel, height_pt, size)
    out = []
    for c in panel.categories:
        lines = wrap(c, room, size)
        if len(lines) > max_lines:
            lines = lines[:max_lines]
            last = lines[-1]
            while last and text_width(last + "…", size) > room:
                last = last[:-1]
            lines[-1] = last.rstrip(" .,") + "…"
        out.append("\n".join(lines))
    return out


def label_size(panel: BuiltPanel, width_pt: float, height_pt: float) -> float:
    """Font size of category and data labels: smaller when many bars share the height."""
    if KIND[panel.kind].round:
        return 12.0
    if chart_style(panel) == "column":
        return max(9.0, min(13.0, width_pt / max(len(panel.categories), 1) / 9))
    bars = len(panel.categories) * (len(panel.series) if panel.kind == "grouped" else 1)
    per_bar = height_pt * 0.85 / max(bars, 1)
    per_category = height_pt * 0.85 / max(len(panel.categories), 1)
    # the label of a category must fit its rows on at least two lines, the bar its value
    size = min(13.0, per_category / 2.4, max(per_bar * 0.8, 9.0))
    return max(8.0, round(size * 2) / 2)


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


@PPTX.register("bar")
def _bar_chart(deck: _Deck, slide: Any, panel: BuiltPanel, box: _Box) -> None:
    add_chart(slide, panel, _emu(box), XL_CHART_TYPE.BAR_CLUSTERED, _bars)


@PPTX.register("column")
def _column_chart(deck: _Deck, slide: Any, panel: BuiltPanel, box: _Box) -> None:
    add_chart(slide, panel, _emu(box), XL_CHART_TYPE.COLUMN_CLUSTERED, _columns)


@PPTX.register("grouped")
def _grouped_chart(deck: _Deck, slide: Any, panel: BuiltPanel, box: _Box) -> None:
    if chart_style(panel) == "column":
        add_chart(slide, panel, _emu(box), XL_CHART_TYPE.COLUMN_CLUSTERED, _columns)
    else:
        add_chart(slide, panel, _emu(box), XL_CHART_TYPE.BAR_CLUSTERED, _bars)


@PPTX.register("stacked")
def _stacked_chart(deck: _Deck, slide: Any, panel: BuiltPanel, box: _Box) -> None:
    # a bar per item and a legend: no need to stretch one bar over the whole height
    box = replace(box, h=min(box.h, 90.0 + 70.0 * len(panel.categories)))
    add_chart(slide, panel, _emu(box), XL_CHART_TYPE.BAR_STACKED_100, _stacked)


def chart_style(panel: BuiltPanel) -> str:
    """How a kind is drawn: grouped bars with short labels stand upright (columns).

    Columns keep the series in the same left-to-right order as the legend in
    PowerPoint and LibreOffice alike; horizontal bars are kept for long labels.
    """
    if (
        panel.kind == "grouped"
        and len(panel.categories) <= 6
        and all(len(c) <= 18 for c in panel.categories)
    ):
        return "column"
    return panel.kind


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


def _legend(chart: Any, size: float, position: Any = XL_LEGEND_POSITION.BOTTOM) -> None:
    chart.has_legend = True
    chart.legend.position = position
    chart.legend.include_in_layout = False
    chart.legend.font.size = Pt(size)
    chart.legend.font.name = FONT


def _pie(chart: Any, panel: BuiltPanel, width_pt: float, height_pt: float, size: float) -> None:
    plot = chart.plots[0]
    plot.vary_by_categories = True
    colors = series_colors(len(panel.categories), panel.ordered)
    series = plot.series[0]
    for i, color in enumerate(colors):
        point = series.points[i]
        point.format.fill.solid()
        point.format.fill.fore_color.rgb = _rgb(color)
        point.format.line.color.rgb = _rgb("FFFFFF")
    _labels(plot, panel, size + 1, None)
    # label colour per slice: white on dark slices, ink on light ones
    for i, color in enumerate(colors):
        point_label = series.points[i].data_label
        point_label.font.size = Pt(size + 1)
        point_label.font.bold = True
        point_label.font.color.rgb = _rgb(text_on(color))
        _show_value_only(point_label)
    if KIND[panel.kind].hole:
        hole = plot._element.find(qn("c:holeSize"))
        if hole is None:
            hole = etree.SubElement(plot._element, qn("c:holeSize"))
        hole.set("val", str(KIND[panel.kind].hole))
    _legend(
        chart,
        size,
        XL_LEGEND_POSITION.RIGHT if width_pt > height_pt * 1.3 else XL_LEGEND_POSITION.BOTTOM,
    )


def _show_value_only(point_label: Any) -> None:
    dlbl = point_label._get_or_add_dLbl()
    for tag, val in (
        ("c:showLegendKey", "0"),
        ("c:showVal", "1"),
        ("c:showCatName", "0"),
        ("c:showSerName", "0"),
        ("c:showPercent", "0"),
        ("c:showBubbleSize", "0"),
    ):
        el = dlbl.find(qn(tag))
        if el is not None:
            el.set("val", val)


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
    if reverse:
        # first category on top; the value axis then belongs at the "max" end (bottom)
        axis.reverse_order = True
        crosses = chart.value_axis._element.find(qn("c:crosses"))
        if crosses is not None:
            crosses.set("val", "max")


def _bars(chart: Any, panel: BuiltPanel, width_pt: float, height_pt: float, size: float) -> None:
    plot = chart.plots[0]
    grouped = len(panel.series) > 1
    plot.gap_width = 50 if grouped else 60
    if grouped:
        plot.overlap = -5
    # series are groups or waves here, not scale points: qualitative colours
    colors = series_colors(len(panel.series), False)
    for s, color in zip(plot.series, colors, strict=True):
        s.format.fill.solid()
        s.format.fill.fore_color.rgb = _rgb(color)
        s.invert_if_negative = False
    _labels(plot, panel, size, XL_LABEL_POSITION.OUTSIDE_END)
    _value_axis(chart, panel)
    _category_axis(chart, size, reverse=True)
    if grouped:
        _legend(chart, size)
    else:
        chart.has_legend = False


def _columns(chart: Any, panel: BuiltPanel, width_pt: float, height_pt: float, size: float) -> None:
    plot = chart.plots[0]
    plot.gap_width = 80
    colors = series_colors(len(panel.series), False)
    for s, color in zip(plot.series, colors, strict=True):
        s.format.fill.solid()
        s.format.fill.fore_color.rgb = _rgb(color)
        s.invert_if_negative = False
    if (
        len(panel.series) == 1
        and len(panel.categories) > 1
        and panel.kind == "column"
        and not panel.ordered
    ):
        pts = series_colors(len(panel.categories), False)
        for i, color in enumerate(pts):
            p = plot.series[0].points[i]
            p.format.fill.solid()
            p.format.fill.fore_color.rgb = _rgb(color)
    _labels(plot, panel, size + (2 if len(panel.series) == 1 else 0), XL_LABEL_POSITION.OUTSIDE_END)
    plot.data_labels.font.bold = len(panel.series) == 1
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
    colors = series_colors(len(panel.series), True)
    _labels(plot, panel, size, XL_LABEL_POSITION.CENTER)
    has_categories = any(c for c in panel.categories)
    bar_width = width_pt * (0.6 if has_categories else 0.95)
    for s, built, color in zip(plot.series, panel.series, colors, strict=True):
        s.format.fill.solid()
        s.format.fill.fore_color.rgb = _rgb(color)
        s.format.line.color.rgb = _rgb("FFFFFF")
        s.data_labels.font.color.rgb = _rgb(text_on(color))
        s.data_labels.font.size = Pt(size)
        s.data_labels.number_format = panel.number_format
        s.data_labels.number_format_is_linked = False
        s.data_labels.show_value = True
        # hide the label of a segment too narrow to hold it
        for i, (v, lab) in enumerate(zip(built.values, built.labels, strict=True)):
            if (v or 0) / 100 * bar_width < text_width(lab, size) + 4:
                _hide_label(s, i)
    _value_axis(chart, panel, stacked=True)
    _category_axis(chart, size, reverse=True)
    if not has_categories:
        chart.category_axis.visible = False
    _legend(chart, size)


def _hide_label(series: Any, index: int) -> None:
    dlbls = series._element.find(qn("c:dLbls"))
    if dlbls is None:
        return
    dlbl = etree.SubElement(dlbls, qn("c:dLbl"))
    etree.SubElement(dlbl, qn("c:idx")).set("val", str(index))
    etree.SubElement(dlbl, qn("c:delete")).set("val", "1")
    dlbls.remove(dlbl)
    # dLbl elements come first inside dLbls, in index order
    existing = dlbls.findall(qn("c:dLbl"))
    dlbls.insert(len(existing), dlbl)


__all__ = ["EMU_PER_PT", "add_chart", "chart_style", "label_size", "wrapped_categories"]
