"""Charts for the PDF, drawn into the box a chart has on the slide (points).

The PDF shows each slide as the deck does (:mod:`klappt.report.print_pages`), so a chart
gets the box the PPTX gives it and fills it: the label column, bar thickness, font sizes
and legend position follow the native charts of :mod:`klappt.report.pptx_charts`. Every
mark is a box placed absolutely and every text a line broken beforehand with the deck's
font metrics (:mod:`klappt.report.textfit`), so WeasyPrint, which lays out SVG text one
letter at a time and flowing text slowly, only paints. Only the ring is SVG. A label is
never cut: when it does not fit its row, the labels of the chart get smaller.
"""

from __future__ import annotations

import base64
import math
from html import escape

from klappt.report.built import BuiltPanel
from klappt.report.kinds import KIND, PRINT
from klappt.report.pptx_charts import (
    BAR_SLOT_MAX,
    category_label_width,
    chart_style,
    label_size,
)
from klappt.report.svg import arc_path
from klappt.report.textfit import text_width, wrap
from klappt.report.theme import (
    FONT_STACK,
    INK,
    legend_colors,
    point_colors,
    single_colors,
    text_on,
)
from klappt.report.typography import typographic

__all__ = ["AXIS", "fit_lines", "legend", "text_box"]

AXIS = "BFC5CC"
_SMALLEST = 7.0  # below the deck's sizes, only where a label would otherwise be cut


def _e(value: object) -> str:
    return escape(typographic(str(value)), quote=True)


def _pt(v: float) -> str:
    return f"{v:.1f}pt"


def fit_lines(
    text: str, width: float, height: float, size: float, bold: bool = False
) -> tuple[float, list[str]]:
    """The largest size from ``size`` down at which ``text`` fits in whole words.

    Unlike :func:`klappt.report.textfit.fit` nothing is cut: every word fits its line, and
    when the lines do not fit the height at the deck's sizes the text gets smaller still.
    """
    words = text.split()
    while True:
        lines = wrap(text, width, size, bold)
        wide = any(text_width(w, size, bold) > width for w in words)
        if (not wide and len(lines) * size * 1.2 <= height + 0.01) or size <= _SMALLEST:
            return size, lines
        size -= 0.5


def text_box(
    x: float,
    y: float,
    width: float,
    lines: list[str],
    size: float,
    color: str = INK,
    bold: bool = False,
    align: str = "left",
) -> str:
    """Lines of text from ``(x, y)``, ``width`` wide, never wrapped again by the engine."""
    # only what differs from the page's defaults: every property costs the engine time
    style = f"left:{_pt(x)};top:{_pt(y)};font-size:{size:.1f}pt"
    if align != "left":
        style += f";width:{_pt(width)};text-align:{align}"
    if color != INK:
        style += f";color:#{color}"
    if bold:
        style += ";font-weight:bold"
    return f'<p style="{style}">' + "<br>".join(_e(line) for line in lines) + "</p>"


def _rect(x: float, y: float, w: float, h: float, color: str) -> str:
    return (
        f'<i style="left:{_pt(x)};top:{_pt(y)};width:{_pt(w)};height:{_pt(h)};'
        f'background:#{color}"></i>'
    )


def legend(
    names: list[str], colors: list[str], x: float, y: float, width: float, size: float
) -> tuple[str, float]:
    """Legend entries in centred rows from ``(x, y)``, ``width`` wide; returns markup and height."""
    key = size * 0.75
    step = size * 1.5
    rows: list[list[tuple[str, str, float]]] = [[]]
    used = 0.0
    for name, color in zip(names, colors, strict=True):
        w = key + 4 + text_width(name, size) + 12
        if rows[-1] and used + w > width:
            rows.append([])
            used = 0.0
        rows[-1].append((name, color, w))
        used += w
    parts = []
    for i, row in enumerate(rows):
        cx = x + max(0.0, (width - sum(w for _, _, w in row) + 12) / 2)
        top = y + i * step
        for name, color, w in row:
            parts.append(_rect(cx, top + (size * 1.2 - key) / 2, key, key, color))
            parts.append(text_box(cx + key + 4, top, w - key - 4, [name], size))
            cx += w
    return "".join(parts), len(rows) * step if names else 0.0


def _axis_max(panel: BuiltPanel) -> float:
    """The value axis of the native chart: room for labels beyond the longest bar."""
    top = max((v or 0) for s in panel.series for v in s.values) if panel.series else 0
    if panel.unit == "percent":
        return min(100.0, max(10.0, math.ceil(top * 1.3 / 10) * 10))
    return float(math.ceil(top * 1.3)) if top > 0 else 1.0


def _labels_fitting(
    categories: list[str], room: float, row: float, size: float
) -> tuple[float, list[list[str]]]:
    """One size for all category labels at which each fits its row in whole words."""
    while True:
        wrapped = [wrap(c, room, size) for c in categories]
        ok = all(
            len(lines) * size * 1.2 <= row + 0.01
            and all(text_width(w, size) <= room for w in c.split())
            for c, lines in zip(categories, wrapped, strict=True)
        )
        if ok or size <= _SMALLEST:
            return size, wrapped
        size -= 0.5


# -- the drawers of the chart kinds (see klappt.report.kinds) -----------------------------


@PRINT.register("doughnut", "pie")
def _ring(panel: BuiltPanel, ident: str, width: float, height: float, lang: str) -> str:
    size = label_size(panel, width, height)
    colors = point_colors(panel)
    names = list(panel.categories)
    # the legend under the ring, as in the deck and the HTML: one position in every format
    # and on every slide (a ring alone on a slide once had its legend right, the next below)
    _, legend_h = legend(names, colors, 0, 0, width, size)
    d = max(40.0, min(width, height - legend_h - 8))
    ring_x, ring_y = (width - d) / 2, 0.0
    keys, _ = legend(names, colors, 0, d + 8, width, size)
    svg = _ring_svg(panel, d, size + 1, colors)
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (
        f'<img alt="{_e(panel.description)}" src="data:image/svg+xml;base64,{data}" '
        f'style="left:{_pt(ring_x)};top:{_pt(ring_y)};width:{_pt(d)};height:{_pt(d)}">' + keys
    )


def _ring_svg(panel: BuiltPanel, d: float, size: float, colors: list[str]) -> str:
    values = [v or 0.0 for v in panel.series[0].values]
    total = sum(values) or 1.0
    r = d / 2
    inner = r * KIND[panel.kind].hole / 100
    parts, angle = [], -math.pi / 2
    for v, label, color in zip(values, panel.series[0].labels, colors, strict=True):
        sweep = 2 * math.pi * v / total
        if sweep <= 0:
            continue
        parts.append(
            f'<path d="{arc_path(r, r, r, inner, angle, sweep)}" fill="#{color}" '
            'stroke="#FFFFFF" stroke-width="1.5"/>'
        )
        if v / total >= 0.05:
            mid = angle + sweep / 2
            rr = (r + inner) / 2 if inner else r * 0.62
            parts.append(
                f'<text x="{r + rr * math.cos(mid):.1f}" y="{r + rr * math.sin(mid):.1f}" '
                f'font-size="{size:.1f}" font-weight="bold" text-anchor="middle" '
                f'dominant-baseline="middle" fill="#{text_on(color)}">{_e(label)}</text>'
            )
        angle += sweep
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {d:.1f} {d:.1f}" '
        f'width="{d:.1f}pt" height="{d:.1f}pt" font-family="{_e(FONT_STACK)}">'
        + "".join(parts)
        + "</svg>"
    )


@PRINT.register("bar", "grouped", "trend", "transitions")
def _bars(panel: BuiltPanel, ident: str, width: float, height: float, lang: str) -> str:
    if chart_style(panel) == "column":
        return _columns(panel, ident, width, height, lang)
    n_series = len(panel.series)
    size = label_size(panel, width, height)
    colors = legend_colors(panel)
    single = single_colors(panel) if n_series == 1 else None
    keys, legend_h = "", 0.0
    if n_series > 1:
        _, legend_h = legend([s.name for s in panel.series], colors, 0, 0, width, size)
        keys, _ = legend([s.name for s in panel.series], colors, 0, height - legend_h, width, size)
        legend_h += 6
    plot_h = height - legend_h
    label_w = category_label_width(panel, width)
    n = max(len(panel.categories), 1)
    # no thicker than the deck's thickest bars: a yes/no chart is two bars, not two blocks
    # (several series keep the whole height: their legend sits at the foot of the box)
    row = min(plot_h / n, BAR_SLOT_MAX) if n_series == 1 else plot_h / n
    lsize, wrapped = _labels_fitting(list(panel.categories), label_w - 8, row, size)
    gap = 0.5 if n_series > 1 else 0.6  # the native charts' gap width
    bar = row / (n_series + gap)
    room = max((text_width(lab, lsize) for s in panel.series for lab in s.labels), default=0.0)
    plot_x = label_w + 2
    plot_w = max(10.0, width - plot_x - room - 8)
    vmax = _axis_max(panel)
    parts = [_rect(plot_x - 0.75, 0, 0.75, plot_h, AXIS)]
    for i, lines in enumerate(wrapped):
        y = i * row
        parts.append(
            text_box(
                0,
                y + (row - len(lines) * lsize * 1.2) / 2,
                label_w - 6,
                lines,
                lsize,
                align="right",
            )
        )
        top = y + row * gap / (n_series + gap) / 2
        for j, (s, color) in enumerate(
            zip(panel.series, [single[i]] if single else colors, strict=True)
        ):
            w = plot_w * (s.values[i] or 0.0) / vmax
            yy = top + j * bar
            parts.append(_rect(plot_x, yy + 0.5, w, bar - 1, color))
            parts.append(
                text_box(
                    plot_x + w + 3, yy + (bar - lsize * 1.2) / 2, room + 4, [s.labels[i]], lsize
                )
            )
    return "".join(parts) + keys


@PRINT.register("column")
def _columns(panel: BuiltPanel, ident: str, width: float, height: float, lang: str) -> str:
    n_series = len(panel.series)
    n = max(len(panel.categories), 1)
    size = label_size(panel, width, height)
    colors = legend_colors(panel)
    # one series: the choices' own colours (a scale's points, grey for none/no), as in the deck
    per_point = single_colors(panel) if n_series == 1 else None
    keys, legend_h = "", 0.0
    if n_series > 1:
        _, legend_h = legend([s.name for s in panel.series], colors, 0, 0, width, size)
        keys, _ = legend([s.name for s in panel.series], colors, 0, height - legend_h, width, size)
        legend_h += 6
    slot = width / n
    lsize, wrapped = _labels_fitting(list(panel.categories), slot - 6, height / 4, size)
    label_h = max(len(lines) for lines in wrapped) * lsize * 1.2 if wrapped else 0.0
    vsize = size + 2 if n_series == 1 else size
    base_y = height - legend_h - label_h - 4
    plot_h = base_y - vsize * 1.4
    group = slot / 1.8  # the native charts' gap width of 80 %
    bar = group / n_series
    vmax = _axis_max(panel)
    parts = [_rect(0, base_y, width, 0.75, AXIS)]
    for i, lines in enumerate(wrapped):
        x0 = i * slot + (slot - group) / 2
        for j, s in enumerate(panel.series):
            h = plot_h * (s.values[i] or 0.0) / vmax
            color = per_point[i] if per_point else colors[j]
            x = x0 + j * bar
            parts.append(_rect(x + 0.5, base_y - h, bar - 1, h, color))
            parts.append(
                text_box(
                    x - 10,
                    base_y - h - vsize * 1.3,
                    bar + 20,
                    [s.labels[i]],
                    vsize,
                    bold=n_series == 1,
                    align="center",
                )
            )
        parts.append(text_box(i * slot + 3, base_y + 4, slot - 6, lines, lsize, align="center"))
    return "".join(parts) + keys


@PRINT.register("stacked")
def _stacked(panel: BuiltPanel, ident: str, width: float, height: float, lang: str) -> str:
    # a bar per item and a legend: no need to stretch one bar over the whole height
    height = min(height, 90.0 + 70.0 * len(panel.categories))
    size = label_size(panel, width, height)
    colors = legend_colors(panel)
    names = [s.name for s in panel.series]
    _, legend_h = legend(names, colors, 0, 0, width, size)
    keys, _ = legend(names, colors, 0, height - legend_h, width, size)
    plot_h = height - legend_h - 8
    has_labels = any(panel.categories)
    label_w = category_label_width(panel, width) if has_labels else 0.0
    n = max(len(panel.categories), 1)
    row = plot_h / n
    lsize, wrapped = (
        _labels_fitting(list(panel.categories), label_w - 8, row, size)
        if has_labels
        else (size, [[] for _ in panel.categories])
    )
    bar = row / 1.4  # the native chart's gap width of 40 %
    plot_x = label_w + (2 if has_labels else 0)
    plot_w = width - plot_x
    parts = []
    for i, lines in enumerate(wrapped):
        y = i * row
        if lines:
            parts.append(
                text_box(
                    0,
                    y + (row - len(lines) * lsize * 1.2) / 2,
                    label_w - 6,
                    lines,
                    lsize,
                    align="right",
                )
            )
        x, top = plot_x, y + (row - bar) / 2
        for s, color in zip(panel.series, colors, strict=True):
            w = plot_w * (s.values[i] or 0.0) / 100.0
            if w <= 0:
                continue
            parts.append(_rect(x, top, max(w - 0.75, 0.1), bar, color))
            if w >= text_width(s.labels[i], size) + 4:
                parts.append(
                    text_box(
                        x,
                        top + (bar - size * 1.2) / 2,
                        w,
                        [s.labels[i]],
                        size,
                        text_on(color),
                        align="center",
                    )
                )
            x += w
    if has_labels:
        parts.append(_rect(plot_x - 0.75, 0, 0.75, plot_h, AXIS))
    return "".join(parts) + keys
