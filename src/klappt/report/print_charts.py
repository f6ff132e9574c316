"""Charts for the PDF: bars as HTML boxes, rings as SVG shapes with HTML legends.

WeasyPrint lays out SVG text one letter at a time, which made a deck of twenty charts
take seconds. For print we draw bars with CSS widths and keep every label as ordinary
HTML text; only the ring itself (and its few percent labels) stays SVG. The pictures
match the SVG charts of the HTML report.
"""

from __future__ import annotations

import base64
from html import escape

from klappt.report.built import BuiltPanel
from klappt.report.kinds import PRINT
from klappt.report.svg import ring
from klappt.report.textfit import wrap
from klappt.report.theme import legend_colors, point_colors, single_colors, text_on

__all__ = ["PRINT_CSS"]

PRINT_CSS = """
.pc { font-size: 10px; line-height: 11.5px; }
.pc .lab { width: 37%; text-align: right; overflow: hidden; }
.pc .bar { margin-left: 39%; height: 13px; line-height: 13px; font-size: 10px; white-space: nowrap; }
.pcol { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 10px; }
.pcol td { vertical-align: bottom; text-align: center; padding: 0 4px; }
.pcol td i { display: inline-block; vertical-align: bottom; }
.pcol td b { display: block; font-size: 10px; }
.pcol th { font-weight: normal; border-top: 1px solid #BFC5CC; padding-top: 3px; }
.pst { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 9.5px; margin: 2px 0; }
.pst td { height: 18px; text-align: center; vertical-align: middle; border-right: 1px solid #FFFFFF; }
.plegend { font-size: 9.5px; margin-top: 4px; line-height: 1.4; }
.plegend span { margin-right: 10px; white-space: nowrap; }
.plegend i { display: inline-block; width: 8px; height: 8px; margin-right: 3px; }
.pring img { display: block; margin: 0 auto; width: 55%; }
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _legend(names: list[str], colors: list[str]) -> str:
    items = "".join(
        f'<span><i style="background:#{c}"></i>{_e(n)}</span> '
        for n, c in zip(names, colors, strict=True)
    )
    return f'<div class="plegend">{items}</div>'


def _scale_max(panel: BuiltPanel) -> float:
    top = max((v or 0) for s in panel.series for v in s.values) if panel.series else 0
    if panel.unit == "percent":
        return min(100.0, max(10.0, (int(top * 1.2 / 10) + 1) * 10)) if top else 100.0
    return max(1.0, top * 1.2)


# -- the drawers of the chart kinds (see klappt.report.kinds) -----------------------------


@PRINT.register("doughnut", "pie")
def _ring(panel: BuiltPanel, ident: str, width: float, lang: str) -> str:
    # the legend goes to HTML; the SVG keeps the ring and its short percent labels
    svg = ring(panel, ident, 320.0, with_legend=False)
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    colors = point_colors(panel)
    return (
        f'<div class="pring"><img alt="{_e(panel.description)}" src="data:image/svg+xml;base64,{data}">'
        f"{_legend(list(panel.categories), colors)}</div>"
    )


@PRINT.register("bar", "grouped")
def _bars(panel: BuiltPanel, ident: str, width: float, lang: str) -> str:
    """Bars as block boxes only: the bar is a background gradient, the value text follows it.

    Labels sit beside their bars through a negative top margin (the label's height is
    known from the text metrics), so the layout needs no table, float or inline-block,
    which WeasyPrint lays out slowly.
    """
    vmax = _scale_max(panel)
    colors = legend_colors(panel)
    bar_colors = single_colors(panel) if len(panel.series) == 1 else None
    n = len(panel.series)
    rows = []
    for i, cat in enumerate(panel.categories):
        lines = min(3, len(wrap(cat, 130, 10)))  # the label column is about 130 pt wide at 10 px
        bars_h = n * 15
        label_h = lines * 11.5
        height = max(bars_h, label_h)
        pad = (height - label_h) / 2
        # one block per bar, the first one carrying the axis line and the row's spacing
        top = (height - bars_h) / 2 + 1
        bars = "".join(
            f'<div class="bar" style="margin-top:{top if j == 0 else 2:.1f}px;'
            f"margin-bottom:{(height - bars_h) / 2 + (8 if n > 1 else 4) if j == n - 1 else 0:.1f}px;"
            # padding is a share of the figure's width, the gradient of the bar's (61 % of it)
            f"padding-left:{(s.values[i] or 0) / vmax * 80 * 0.61 + 1:.1f}%;"
            f"background:linear-gradient(to right,#{c} 0,#{c} {(s.values[i] or 0) / vmax * 80:.1f}%,"
            f'transparent {(s.values[i] or 0) / vmax * 80:.1f}%) no-repeat">{_e(s.labels[i])}</div>'
            for j, (s, c) in enumerate(
                zip(panel.series, [bar_colors[i]] if bar_colors else colors, strict=True)
            )
        )
        rows.append(
            f'<div class="lab" style="height:{height:.1f}px;padding-top:{pad:.1f}px;margin-bottom:{-height:.1f}px">'
            f"{_e(cat)}</div>{bars}"
        )
    legend = _legend([s.name for s in panel.series], colors) if len(panel.series) > 1 else ""
    return f'<div class="pc" aria-hidden="true">{"".join(rows)}</div>{legend}'


@PRINT.register("column")
def _columns(panel: BuiltPanel, ident: str, width: float, lang: str) -> str:
    vmax = _scale_max(panel)
    n_series = len(panel.series)
    colors = legend_colors(panel)
    single = single_colors(panel) if n_series == 1 else None
    width = 70 // max(n_series, 1)
    cells, heads = [], []
    for i, cat in enumerate(panel.categories):
        parts = []
        for j, s in enumerate(panel.series):
            color = single[i] if single else colors[j]
            h = (s.values[i] or 0) / vmax * 45
            parts.append(
                f'<i style="width:{width}%;height:{h:.1f}mm;background:#{color}"><b style="margin-top:-4mm">'
                f"{_e(s.labels[i])}</b></i>"
            )
        cells.append(f"<td>{''.join(parts)}</td>")
        heads.append(f"<th>{_e(cat)}</th>")
    legend = _legend([s.name for s in panel.series], colors) if n_series > 1 else ""
    return f'<table class="pcol" aria-hidden="true"><tr>{"".join(cells)}</tr><tr>{"".join(heads)}</tr></table>{legend}'


@PRINT.register("stacked")
def _stacked(panel: BuiltPanel, ident: str, width: float, lang: str) -> str:
    colors = legend_colors(panel)
    rows = []
    for i, cat in enumerate(panel.categories):
        cells = []
        for s, c in zip(panel.series, colors, strict=True):
            v = s.values[i] or 0
            if v <= 0:
                continue
            label = _e(s.labels[i]) if v >= 9 else ""
            cells.append(
                f'<td style="width:{v:.1f}%;background:#{c};color:#{text_on(c)}">{label}</td>'
            )
        head = f'<div class="plegend">{_e(cat)}</div>' if cat else ""
        rows.append(f'{head}<table class="pst"><tr>{"".join(cells)}</tr></table>')
    return "".join(rows) + _legend([s.name for s in panel.series], colors)
