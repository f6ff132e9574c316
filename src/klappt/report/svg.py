"""Charts as inline SVG for the HTML report: no script, no external file, readable offline.

Each chart is an ``<svg role="img">`` with a ``<title>`` (heading and base) and a
``<desc>`` (every value in words); the HTML puts the data table next to it. Every text
that comes from a form or from sites is escaped.
"""

from __future__ import annotations

import math
from html import escape

from klappt.report.built import BuiltPanel
from klappt.report.kinds import KIND, SVG, chart_style
from klappt.report.textfit import text_width, wrap
from klappt.report.theme import INK, legend_colors, point_colors, single_colors, text_on
from klappt.report.typography import typographic

__all__ = ["arc_path", "ring"]

_FONT = 13.0


def _e(text: object) -> str:
    return escape(typographic(str(text)), quote=True)


def _text(
    x: float,
    y: float,
    text: str,
    size: float = _FONT,
    anchor: str = "start",
    color: str = INK,
    weight: str = "normal",
    baseline: str = "middle",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:.1f}" text-anchor="{anchor}" fill="#{color}" '
        f'font-weight="{weight}" dominant-baseline="{baseline}">{_e(text)}</text>'
    )


def _lines(x: float, y: float, lines: list[str], size: float, anchor: str, color: str = INK) -> str:
    """Several lines centred vertically on ``y``."""
    step = size * 1.2
    first = y - step * (len(lines) - 1) / 2
    spans = "".join(
        f'<tspan x="{x:.1f}" y="{first + i * step:.1f}">{_e(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text font-size="{size:.1f}" text-anchor="{anchor}" fill="#{color}" dominant-baseline="middle">{spans}</text>'


def _wrap(text: str, width: float, size: float) -> list[str]:
    """``text`` in lines of whole words (a word wider than ``width`` alone is broken)."""
    return wrap(text, width, size) or [""]


def _label_column(labels: tuple[str, ...], share: float, width: float) -> tuple[float, float]:
    """Width and font size of a column of labels in which every word fits whole.

    The column takes ``share`` of the drawing, more (up to half) for a long word, and the
    labels get smaller, not under 12, when even that is too narrow.
    """
    longest = max((text_width(w, _FONT) for c in labels for w in c.split()), default=0.0)
    column = min(max(width * share, longest + 12), width * 0.5)
    size = _FONT
    while size > 12 and longest * size / _FONT + 6 > column:
        size -= 0.5
    return column, size


def _svg(panel: BuiltPanel, width: float, height: float, body: str, ident: str) -> str:
    title = (panel.title + " " if panel.title else "") + f"({panel.caption})"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-labelledby="{ident}-t {ident}-d" class="chart chart-{panel.kind}" '
        f"font-family=\"Calibri, Carlito, 'Segoe UI', Arial, sans-serif\">"
        f'<title id="{ident}-t">{_e(title)}</title><desc id="{ident}-d">{_e(panel.description)}</desc>'
        f"{body}</svg>"
    )


def _legend(names: list[str], colors: list[str], y: float, width: float) -> tuple[str, float]:
    """Legend entries in rows under the plot; returns markup and height.

    An entry wider than the drawing is wrapped in whole words, never cut by the SVG's edge.
    """
    size = _FONT - 1
    step = size * 1.2
    parts, x, top, row_h = [], 0.0, y, 20.0
    for name, color in zip(names, colors, strict=True):
        lines = [name]
        if 18 + text_width(name, size) + 18 > width:
            lines = wrap(name, width - 36, size) or [name]
        w = 18 + max(text_width(line, size) for line in lines) + 18
        if x and x + w > width:
            x, top, row_h = 0.0, top + row_h, 20.0
        parts.append(
            f'<rect x="{x:.1f}" y="{top - 6:.1f}" width="12" height="12" fill="#{color}"/>'
        )
        parts.append(_lines(x + 17, top + step * (len(lines) - 1) / 2, lines, size, "start"))
        row_h = max(row_h, 20.0 + step * (len(lines) - 1))
        x += w
    return "".join(parts), top + row_h - y


# -- the drawers of the chart kinds (see klappt.report.kinds) -----------------------------


@SVG.register("doughnut", "pie")
def _ring(panel: BuiltPanel, ident: str, width: float, lang: str) -> str:
    return ring(panel, ident, width)


def ring(panel: BuiltPanel, ident: str, width: float, with_legend: bool = True) -> str:
    """A ring (or pie) as SVG; ``with_legend=False`` leaves the legend out (the PDF sets it as HTML)."""
    values = [v or 0.0 for v in panel.series[0].values]
    labels = panel.series[0].labels
    total = sum(values) or 1.0
    colors = point_colors(panel)
    width = min(width, 320.0)  # a ring needs no more; its text stays large when scaled down
    cx, cy, r = width / 2, 130.0, 120.0
    inner = r * KIND[panel.kind].hole / 100
    parts = []
    angle = -math.pi / 2
    for v, lab, color in zip(values, labels, colors, strict=True):
        sweep = 2 * math.pi * v / total
        if sweep <= 0:
            continue
        parts.append(
            f'<path d="{arc_path(cx, cy, r, inner, angle, sweep)}" fill="#{color}" stroke="#FFFFFF" stroke-width="1.5"/>'
        )
        if v / total >= 0.05:
            mid = angle + sweep / 2
            rr = (r + inner) / 2 if inner else r * 0.62
            parts.append(
                _text(
                    cx + rr * math.cos(mid),
                    cy + rr * math.sin(mid),
                    lab,
                    _FONT + 1,
                    "middle",
                    text_on(color),
                    "bold",
                )
            )
        angle += sweep
    if not with_legend:
        return _svg(panel, width, cy + r + 6, "".join(parts), ident)
    legend, h = _legend(list(panel.categories), colors, cy + r + 26, width)
    return _svg(panel, width, cy + r + 20 + h, "".join(parts) + legend, ident)


def arc_path(cx: float, cy: float, r: float, inner: float, start: float, sweep: float) -> str:
    """The outline of a ring segment (a pie slice when ``inner`` is 0), angles in radians."""
    if sweep >= 2 * math.pi - 1e-9:  # a full ring: two half arcs
        half = math.pi
        return (
            arc_path(cx, cy, r, inner, start, half)
            + " "
            + arc_path(cx, cy, r, inner, start + half, half)
        )
    end = start + sweep
    large = 1 if sweep > math.pi else 0
    x1, y1 = cx + r * math.cos(start), cy + r * math.sin(start)
    x2, y2 = cx + r * math.cos(end), cy + r * math.sin(end)
    if inner <= 0:
        return f"M{cx:.2f},{cy:.2f} L{x1:.2f},{y1:.2f} A{r:.2f},{r:.2f} 0 {large} 1 {x2:.2f},{y2:.2f} Z"
    x3, y3 = cx + inner * math.cos(end), cy + inner * math.sin(end)
    x4, y4 = cx + inner * math.cos(start), cy + inner * math.sin(start)
    return (
        f"M{x1:.2f},{y1:.2f} A{r:.2f},{r:.2f} 0 {large} 1 {x2:.2f},{y2:.2f} "
        f"L{x3:.2f},{y3:.2f} A{inner:.2f},{inner:.2f} 0 {large} 0 {x4:.2f},{y4:.2f} Z"
    )


def _scale_max(panel: BuiltPanel) -> float:
    top = max((v or 0) for s in panel.series for v in s.values) if panel.series else 0
    if panel.unit == "percent":
        return min(100.0, max(10.0, math.ceil(top * 1.15 / 10) * 10)) if top else 100.0
    return max(1.0, top * 1.15)


@SVG.register("bar", "grouped", "trend", "transitions")
def _bars(panel: BuiltPanel, ident: str, width: float, lang: str) -> str:
    if chart_style(panel) == "column":  # as the deck and the PDF draw it (kinds.chart_style)
        return _columns(panel, ident, width, lang)
    n_series = len(panel.series)
    label_w, size = _label_column(panel.categories, 0.36, width)
    plot_x, plot_w = label_w + 8, width - label_w - 8 - 56
    bar_h = 22.0 if n_series == 1 else 16.0
    group_gap = 14.0
    wrapped = [_wrap(c, label_w - 6, size) for c in panel.categories]
    colors = legend_colors(panel)
    bar_colors = single_colors(panel) if n_series == 1 else None
    vmax = _scale_max(panel)
    parts, y = [], 6.0
    for i, lines in enumerate(wrapped):
        group_h = max(bar_h * n_series + 2 * (n_series - 1), len(lines) * size * 1.2)
        top = y + (group_h - (bar_h * n_series + 2 * (n_series - 1))) / 2
        parts.append(_lines(label_w, y + group_h / 2, lines, size, "end"))
        for j, s in enumerate(panel.series):
            v = s.values[i] or 0.0
            w = plot_w * v / vmax
            yy = top + j * (bar_h + 2)
            parts.append(
                f'<rect x="{plot_x:.1f}" y="{yy:.1f}" width="{w:.1f}" height="{bar_h:.1f}" '
                f'fill="#{bar_colors[i] if bar_colors else colors[j]}"/>'
            )
            parts.append(
                _text(
                    plot_x + w + 4, yy + bar_h / 2, s.labels[i], _FONT - (0 if n_series == 1 else 1)
                )
            )
        y += group_h + group_gap
    parts.append(
        f'<line x1="{plot_x:.1f}" y1="0" x2="{plot_x:.1f}" y2="{y - group_gap + 6:.1f}" stroke="#BFC5CC"/>'
    )
    height = y + 4
    if n_series > 1:
        legend, h = _legend([s.name for s in panel.series], colors, height + 8, width)
        parts.append(legend)
        height += h + 8
    return _svg(panel, width, height, "".join(parts), ident)


@SVG.register("column")
def _columns(panel: BuiltPanel, ident: str, width: float, lang: str) -> str:
    n_series = len(panel.series)
    n = max(len(panel.categories), 1)
    plot_h = 220.0
    slot = width / n
    bar_w = min(90.0, slot * 0.7 / n_series)
    colors = legend_colors(panel)
    one_colors = single_colors(panel) if n_series == 1 else None
    vmax = _scale_max(panel)
    parts = []
    base_y = plot_h + 24
    longest = max((text_width(w, _FONT) for c in panel.categories for w in c.split()), default=0)
    size = _FONT  # a word wider than its column makes the labels smaller, not under 12
    while size > 12 and longest * size / _FONT > slot - 8:
        size -= 0.5
    wrapped = [_wrap(c, slot - 8, size) for c in panel.categories]
    for i, lines in enumerate(wrapped):
        cx = slot * i + slot / 2
        x0 = cx - bar_w * n_series / 2
        for j, s in enumerate(panel.series):
            v = s.values[i] or 0.0
            h = plot_h * v / vmax
            color = one_colors[i] if one_colors else colors[j]
            x = x0 + j * bar_w
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{base_y - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="#{color}"/>'
            )
            parts.append(
                _text(
                    x + bar_w / 2,
                    base_y - h - 9,
                    s.labels[i],
                    _FONT,
                    "middle",
                    INK,
                    "bold" if n_series == 1 else "normal",
                )
            )
        parts.append(_lines(cx, base_y + 10 + len(lines) * size * 0.6, lines, size, "middle"))
    parts.append(
        f'<line x1="0" y1="{base_y:.1f}" x2="{width:.1f}" y2="{base_y:.1f}" stroke="#BFC5CC"/>'
    )
    height = base_y + 14 + max(len(x) for x in wrapped) * size * 1.2
    if n_series > 1:
        legend, h = _legend([s.name for s in panel.series], colors, height + 8, width)
        parts.append(legend)
        height += h + 8
    return _svg(panel, width, height, "".join(parts), ident)


@SVG.register("stacked")
def _stacked(panel: BuiltPanel, ident: str, width: float, lang: str) -> str:
    has_labels = any(panel.categories)
    label_w, size = _label_column(panel.categories, 0.32, width) if has_labels else (0.0, _FONT)
    plot_x = label_w + (8 if has_labels else 0)
    plot_w = width - plot_x
    bar_h = 34.0
    colors = legend_colors(panel)
    parts, y = [], 4.0
    for i, cat in enumerate(panel.categories):
        lines = _wrap(cat, label_w - 6, size) if has_labels else []
        row_h = max(bar_h, len(lines) * size * 1.2)
        if lines:
            parts.append(_lines(label_w, y + row_h / 2, lines, size, "end"))
        x = plot_x
        for s, color in zip(panel.series, colors, strict=True):
            v = s.values[i] or 0.0
            w = plot_w * v / 100.0
            top = y + (row_h - bar_h) / 2
            parts.append(
                f'<rect x="{x:.1f}" y="{top:.1f}" width="{w:.1f}" height="{bar_h:.1f}" fill="#{color}" stroke="#FFFFFF"/>'
            )
            if w >= text_width(s.labels[i], _FONT - 1) + 6:
                parts.append(
                    _text(
                        x + w / 2, top + bar_h / 2, s.labels[i], _FONT - 1, "middle", text_on(color)
                    )
                )
            x += w
        y += row_h + 10
    legend, h = _legend([s.name for s in panel.series], colors, y + 10, width)
    parts.append(legend)
    return _svg(panel, width, y + 10 + h, "".join(parts), ident)
