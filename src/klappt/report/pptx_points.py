"""Touches on single points of a native chart (python-pptx, and its XML where python-pptx has
no call): a point's own colour, a label shown as the value only or hidden, and the mark of a
group withheld by disclosure control in place of its bar."""

from __future__ import annotations

from typing import Any

from lxml import etree
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_LABEL_POSITION
from pptx.oxml.ns import qn
from pptx.util import Pt

from klappt.report.built import BuiltPanel
from klappt.report.theme import FONT, INK


def _rgb(hex_: str) -> RGBColor:
    return RGBColor.from_string(hex_)


def show_value_only(point_label: Any) -> None:
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


def withheld_marks(plot: Any, panel: BuiltPanel, size: float) -> None:
    """A withheld group's mark ("< 3", "x") as the label where its bar would be: the series has
    no values (nothing to recompute from the chart's workbook), so its bars are empty and the
    label is the point's own text, not a number.

    PowerPoint and LibreOffice draw no label for a point without a value, so the chart's cache
    (what they draw) holds a zero-length bar; the embedded workbook keeps its cells empty, and
    the series' name carries the mark as well.
    """
    for s, built in zip(plot.series, panel.series, strict=True):
        if not built.withheld and not any(built.marks):
            continue
        _zero_cache(s._element, len(built.labels))
        if not built.withheld:
            # the series now has labels of its own, which replace the chart's: the shown
            # figures keep theirs
            dl = s.data_labels
            dl.show_value = True
            dl.number_format = panel.number_format
            dl.number_format_is_linked = False
            dl.position = XL_LABEL_POSITION.OUTSIDE_END
            dl.font.size = Pt(size)
            dl.font.name = FONT
            dl.font.color.rgb = _rgb(INK)
        for i, mark in enumerate(built.labels):
            if not built.withheld and not built.marks[i]:
                continue  # a figure shown: its own label
            label = s.points[i].data_label
            label.has_text_frame = True
            label.text_frame.text = mark
            label.position = XL_LABEL_POSITION.OUTSIDE_END
            font = label.text_frame.paragraphs[0].runs[0].font
            font.size = Pt(size)
            font.name = FONT
            font.color.rgb = _rgb(INK)


def _zero_cache(ser: Any, count: int) -> None:
    """A point of value 0 for each empty point in the number cache of series element ``ser``."""
    cache = ser.find(qn("c:val")).find(".//" + qn("c:numCache"))
    have = {int(pt.get("idx")) for pt in cache.findall(qn("c:pt"))}
    for i in range(count):
        if i in have:
            continue
        pt = etree.SubElement(cache, qn("c:pt"))
        pt.set("idx", str(i))
        etree.SubElement(pt, qn("c:v")).text = "0"
    pts = sorted(cache.findall(qn("c:pt")), key=lambda e: int(e.get("idx")))
    for pt in pts:  # in index order, after formatCode and ptCount
        cache.append(pt)


def point_fills(series: Any, colors: list[str], base: str | None = None) -> None:
    """Colour single points; those in the series' own colour ``base`` need no point of their own."""
    for i, color in enumerate(colors):
        if color == base:
            continue
        p = series.points[i]
        p.format.fill.solid()
        p.format.fill.fore_color.rgb = _rgb(color)


def hide_label(series: Any, index: int) -> None:
    dlbls = series._element.find(qn("c:dLbls"))
    if dlbls is None:
        return
    existing = dlbls.findall(qn("c:dLbl"))
    for old in existing:  # a point's own label (a ring's slice) gives way to the deletion
        idx = old.find(qn("c:idx"))
        if idx is not None and idx.get("val") == str(index):
            dlbls.remove(old)
    existing = dlbls.findall(qn("c:dLbl"))
    dlbl = etree.Element(qn("c:dLbl"))
    etree.SubElement(dlbl, qn("c:idx")).set("val", str(index))
    etree.SubElement(dlbl, qn("c:delete")).set("val", "1")
    # dLbl elements come first inside dLbls, in index order
    at = sum(1 for e in existing if int(e.find(qn("c:idx")).get("val", "0")) < index)
    dlbls.insert(at, dlbl)


__all__ = ["hide_label", "point_fills", "show_value_only", "withheld_marks"]
